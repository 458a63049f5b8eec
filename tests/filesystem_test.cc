// The host-side Filesystem API: tree building, reading back, stat, Fsck and
// Dump, the clock, and the Errno <-> absl::Status bridge.
#include <catch2/catch.hpp>

#include "backends/memory_contents.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"
#include "vfs/status.h"

namespace vfs::testing {

TEST_CASE("WriteFile creates parents and ReadFile returns the bytes", "[fs][host]") {
  auto fs = Filesystem::Create();
  REQUIRE(fs->WriteFile("a/b/c.txt", std::string("x\0y", 3)).ok());
  auto bytes = fs->ReadFile("/a/b/c.txt");
  REQUIRE(bytes.ok());
  CHECK(*bytes == std::string("x\0y", 3));
  auto st = fs->Stat("a/b");
  REQUIRE(st.ok());
  CHECK(st->filetype == Filetype::kDirectory);
  CHECK(st->nlink == 2);
  CHECK(fs->Stat("a")->nlink == 3);  // a, a/., a/b/..
  CHECK(fs->Fsck().ok());
}

TEST_CASE("WriteFile replaces an existing file and keeps its inode", "[fs][host]") {
  auto fs = Filesystem::Create();
  REQUIRE(fs->WriteFile("f", "old").ok());
  const inode_t ino = fs->Stat("f")->ino;
  REQUIRE(fs->WriteFile("f", "new!").ok());
  CHECK(*fs->ReadFile("f") == "new!");
  CHECK(fs->Stat("f")->ino == ino);
}

TEST_CASE("Host tree building reports the path at fault", "[fs][host]") {
  auto fs = Filesystem::Create();
  REQUIRE(fs->WriteFile("file", "x").ok());
  absl::Status s = fs->MakeDirectories("file/sub");
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(s.message().find("file/sub") != absl::string_view::npos);
  CHECK(fs->ReadFile("missing").status().code() == absl::StatusCode::kNotFound);
  CHECK(fs->ReadFile("../x").status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(fs->MakeSymlink("l", "").code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(fs->MakeSymlink("l", "file").ok());
  CHECK(fs->MakeSymlink("l", "file").code() == absl::StatusCode::kAlreadyExists);
  CHECK(fs->MakeHardLink("missing", "x").code() == absl::StatusCode::kNotFound);
  CHECK(fs->MakeDirectories("d").ok());
  CHECK(fs->MakeHardLink("d", "d2").code() == absl::StatusCode::kPermissionDenied);
  CHECK(fs->AddFile("file", std::make_unique<MemoryContents>()).code() ==
        absl::StatusCode::kAlreadyExists);
  CHECK(fs->AddFile("g", nullptr).code() == absl::StatusCode::kInvalidArgument);
  CHECK(fs->WriteFile("d", "x").code() == absl::StatusCode::kFailedPrecondition);
  CHECK(fs->Fsck().ok());
}

TEST_CASE("The host may create absolute symlinks that traversal still refuses",
          "[fs][host]") {
  auto fs = Filesystem::Create();
  REQUIRE(fs->MakeSymlink("abs", "/etc/passwd").ok());
  auto st = fs->Stat("abs", /*follow=*/false);
  REQUIRE(st.ok());
  CHECK(st->filetype == Filetype::kSymbolicLink);
  CHECK(st->size == 11);
  CHECK(fs->Stat("abs", /*follow=*/true).status().code() ==
        absl::StatusCode::kPermissionDenied);
}

TEST_CASE("Hard links made by the host share one inode", "[fs][host]") {
  auto fs = Filesystem::Create();
  REQUIRE(BuildTree(*fs, "a = one\nb => a\n").ok());
  CHECK(fs->Stat("a")->ino == fs->Stat("b")->ino);
  CHECK(fs->Stat("a")->nlink == 2);
  CHECK(*fs->ReadFile("b") == "one");
}

TEST_CASE("AddFile installs a custom FileContents", "[fs][host]") {
  auto fs = Filesystem::Create();
  const std::string text = "custom";
  REQUIRE(fs->AddFile("c", std::make_unique<MemoryContents>(absl::MakeConstSpan(
                               reinterpret_cast<const uint8_t*>(text.data()),
                               text.size())))
              .ok());
  CHECK(*fs->ReadFile("c") == "custom");
  CHECK(fs->Stat("c")->size == 6);
}

TEST_CASE("Dump lists the tree in creation order with kinds and targets", "[fs][host]") {
  auto fs = Filesystem::Create();
  REQUIRE(BuildTree(*fs, "z/\nz/f = 12345\na -> z/f\n").ok());
  const std::string dump = fs->Dump();
  CHECK(dump.find("z [dir") < dump.find("a [symlink"));
  CHECK(dump.find("f [file ino=3 nlink=1 size=5]") != std::string::npos);
  CHECK(dump.find("-> z/f") != std::string::npos);
}

TEST_CASE("The deterministic clock stamps creation times reproducibly", "[fs][clock]") {
  auto make = [] {
    FilesystemOptions o;
    o.clock = std::make_shared<DeterministicClock>(1000, 10);
    auto fs = Filesystem::Create(o);
    (void)fs->WriteFile("a/b", "x");
    return fs;
  };
  auto one = make();
  auto two = make();
  CHECK(one->Stat("a/b")->mtim == two->Stat("a/b")->mtim);
  CHECK(one->Stat("a/b")->ctim == two->Stat("a/b")->ctim);
  CHECK(one->Stat("a/b")->mtim > 1000);
}

TEST_CASE("The real clock is the default and reads the wall clock", "[fs][clock]") {
  auto fs = Filesystem::Create();
  REQUIRE(fs->WriteFile("f", "x").ok());
  // After 2020-01-01 in nanoseconds.
  CHECK(fs->Stat("f")->mtim > 1577836800ull * 1000000000ull);
}

TEST_CASE("Errno maps to absl::Status by meaning, naming the context", "[status]") {
  CHECK(ErrnoToStatus(Errno::kSuccess, "x").ok());
  absl::Status s = ErrnoToStatus(Errno::kNoent, "'a/b'");
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(s.message() == "'a/b': noent");
  CHECK(ErrnoToStatusCode(Errno::kNotcapable) == absl::StatusCode::kPermissionDenied);
  CHECK(ErrnoToStatusCode(Errno::kExist) == absl::StatusCode::kAlreadyExists);
  CHECK(ErrnoToStatusCode(Errno::kNospc) == absl::StatusCode::kResourceExhausted);
  CHECK(ErrnoToStatusCode(Errno::kInval) == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Every errno has its witx name", "[wasi_types]") {
  CHECK(ErrnoName(Errno::kSuccess) == "success");
  CHECK(ErrnoName(Errno::k2big) == "2big");
  CHECK(ErrnoName(Errno::kNoent) == "noent");
  CHECK(ErrnoName(Errno::kNotcapable) == "notcapable");
  CHECK(static_cast<uint16_t>(Errno::kNotcapable) == 76);
  CHECK(static_cast<uint16_t>(Errno::kNoent) == 44);
  CHECK(ErrnoName(static_cast<Errno>(77)) == "unknown");
}

TEST_CASE("Flag and record values match the witx", "[wasi_types]") {
  CHECK(rights::kFdDatasync.bits() == 1);
  CHECK(rights::kPathOpen.bits() == (1ull << 13));
  CHECK(rights::kSockAccept.bits() == (1ull << 29));
  CHECK(rights::kAll.bits() == 0x3FFFFFFFull);
  CHECK(oflags::kTrunc.bits() == 8);
  CHECK(fdflags::kSync.bits() == 16);
  CHECK(fstflags::kMtimNow.bits() == 8);
  CHECK(lookupflags::kSymlinkFollow.bits() == 1);
  CHECK(static_cast<int>(Filetype::kSymbolicLink) == 7);
  CHECK(static_cast<int>(Whence::kEnd) == 2);
  CHECK(static_cast<int>(Advice::kNoreuse) == 5);
  Dirent d;
  d.d_next = 0x0102030405060708ull;
  d.d_ino = 9;
  d.d_namlen = 3;
  d.d_type = Filetype::kRegularFile;
  uint8_t out[layout::kDirentSize];
  std::memset(out, 0xAA, sizeof(out));
  EncodeDirentHeader(d, out);
  CHECK(out[0] == 0x08);
  CHECK(out[7] == 0x01);
  CHECK(out[8] == 9);
  CHECK(out[16] == 3);
  CHECK(out[20] == 4);
  CHECK(out[21] == 0);  // padding is zeroed
  CHECK(out[23] == 0);
}

TEST_CASE("IsValidUtf8 accepts well-formed text and rejects malformed bytes", "[resolver]") {
  CHECK(IsValidUtf8("plain"));
  CHECK(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK_FALSE(IsValidUtf8("\xC3"));          // truncated
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xFF"));
}

}  // namespace vfs::testing
