// Golden snapshots: tests/data/snapshot_v<N>.bin for every format version
// restores forever. The v1 file was written by GoldenState() below; while
// the format is version 1 the current build must write it byte for byte,
// and a format change must bump the version and add a new golden file
// (keeping the old one and its restore test).
//
// To rewrite the current version's golden file after an intended change:
//   VFS_UPDATE_GOLDEN=1 ./build/bin/vfs_tests "[golden]"
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "backends/memory_contents.h"
#include "serialize/snapshot.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

const std::string kGoldenV1 = std::string(VFS_TEST_DATA_DIR) + "/snapshot_v1.bin";

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Descriptors GoldenState leaves open (the preopen is 3; the table has no
// stdio, so the lowest free numbers are 0, 1, 2, then 4...).
constexpr fd_t kReader = 0;     // base/text, offset 6
constexpr fd_t kUnlinked = 1;   // the unlinked file, offset 2
constexpr fd_t kRemoved = 2;    // the removed directory
constexpr fd_t kPipeRead = 4;   // unread "pipe bytes"
constexpr fd_t kPipeWrite = 5;
constexpr fd_t kAppender = 6;   // base/log, append, narrowed rights

// One of everything a snapshot holds, made by fixed calls on a
// deterministic clock.
struct GoldenState {
  Sandbox sb{
      "base/text = hello, golden world\n"
      "base/empty = \n"
      "base/dir/\n"
      "base/dir/inner = inner bytes\n"
      "base/alias => base/text\n"
      "base/rel -> text\n"
      "base/abs -> /etc/passwd\n"
      "base/dangling -> nowhere/at/all\n"
      "base/gone/\n"
      "base/log = line1\n"};
  GoldenState() {
    Context& c = sb.ctx();
    auto sparse = std::make_unique<MemoryContents>();
    REQUIRE(sparse->Write(3 * MemoryContents::kChunkSize + 7,
                          absl::MakeConstSpan(reinterpret_cast<const uint8_t*>("tail"), 4))
                .ok());
    REQUIRE(sb.fs().AddFile("base/sparse", std::move(sparse)).ok());
    REQUIRE(ValueOrDefault(Open(c, sb.base(), "text")) == kReader);
    std::string skip(6, '\0');
    absl::Span<uint8_t> iov(reinterpret_cast<uint8_t*>(skip.data()), skip.size());
    REQUIRE(ValueOrDefault(c.fd_read(kReader, absl::MakeConstSpan(&iov, 1))) == 6);
    REQUIRE(ValueOrDefault(Open(c, sb.base(), "dir/inner")) == kUnlinked);
    REQUIRE(ValueOrDefault(c.fd_seek(kUnlinked, 2, Whence::kSet)) == 2);
    REQUIRE_OK(c.path_unlink_file(sb.base(), "dir/inner"));
    REQUIRE(ValueOrDefault(Open(c, sb.base(), "gone", oflags::kDirectory,
                                rights::kDirectoryBase)) == kRemoved);
    REQUIRE_OK(c.path_remove_directory(sb.base(), "gone"));
    absl::StatusOr<std::pair<fd_t, fd_t>> p = c.CreatePipe();
    REQUIRE(p.ok());
    REQUIRE(p->first == kPipeRead);
    REQUIRE(p->second == kPipeWrite);
    REQUIRE(Write(c, kPipeWrite, "pipe bytes").ok());
    REQUIRE(ValueOrDefault(Open(c, sb.base(), "log", Oflags(),
                                rights::kFdWrite | rights::kFdRead | rights::kFdSeek,
                                Rights(), fdflags::kAppend)) == kAppender);
    REQUIRE(Write(c, kAppender, "line2\n").ok());
  }
};

}  // namespace

TEST_CASE("The v1 golden snapshot restores with everything in place", "[snapshot][golden]") {
  const std::string bytes = ReadFileBytes(kGoldenV1);
  REQUIRE(bytes.size() > kSnapshotHeaderSize);
  absl::StatusOr<LiveState> r = LoadSnapshot(bytes);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  Filesystem& fs = *r->fs;
  REQUIRE(r->contexts.size() == 1);
  Context& c = *r->contexts[0];
  CHECK(fs.Fsck().ok());
  CHECK(*fs.ReadFile("base/text") == "hello, golden world");
  CHECK(fs.Stat("base/alias")->ino == fs.Stat("base/text")->ino);
  CHECK(fs.Stat("base/text")->nlink == 2);
  CHECK(*fs.ReadFile("base/empty") == "");
  CHECK(fs.Stat("base/abs")->filetype == Filetype::kSymbolicLink);
  CHECK(*fs.ReadFile("base/rel") == "hello, golden world");
  absl::StatusOr<std::string> sparse = fs.ReadFile("base/sparse");
  REQUIRE(sparse.ok());
  CHECK(sparse->size() == 3 * MemoryContents::kChunkSize + 11);
  CHECK(sparse->substr(sparse->size() - 4) == "tail");
  CHECK(sparse->find_first_not_of('\0') == 3 * MemoryContents::kChunkSize + 7);
  CHECK_FALSE(fs.Stat("base/dir/inner").ok());
  CHECK_FALSE(fs.Stat("base/gone").ok());
  CHECK(*fs.ReadFile("base/log") == "line1line2\n");
  // Descriptors continue where they were.
  CHECK(ValueOrDefault(ReadAll(c, kReader)) == " golden world");
  CHECK(ValueOrDefault(ReadAll(c, kUnlinked)) == "ner bytes");
  CHECK(ValueOrDefault(c.fd_filestat_get(kUnlinked)).nlink == 0);
  CHECK(ValueOrDefault(c.fd_filestat_get(kRemoved)).nlink == 0);
  CHECK_ERRNO(c.path_create_directory(kRemoved, "x"), Errno::kNoent);
  CHECK(ValueOrDefault(ReadAll(c, kPipeRead, 10)) == "pipe bytes");
  absl::StatusOr<FdInfo> app = c.LookupDescriptor(kAppender);
  REQUIRE(app.ok());
  CHECK(app->flags == fdflags::kAppend);
  CHECK(app->base == (rights::kFdWrite | rights::kFdRead | rights::kFdSeek));
  CHECK_ERRNO(c.fd_filestat_get(kAppender).error(), Errno::kNotcapable);
  Result<Prestat> pre = c.fd_prestat_get(3);
  REQUIRE(pre.ok());
  CHECK(pre->pr_name_len == 8);  // "/sandbox"
}

TEST_CASE("This build writes the v1 golden snapshot byte for byte", "[snapshot][golden]") {
  GoldenState g;
  Context* ctxs[] = {&g.sb.ctx()};
  absl::StatusOr<std::string> bytes = SaveSnapshot(g.sb.fs(), ctxs);
  REQUIRE(bytes.ok());
  if (std::getenv("VFS_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(kGoldenV1, std::ios::binary) << *bytes;
    WARN("rewrote " << kGoldenV1);
  }
  CHECK(*bytes == ReadFileBytes(kGoldenV1));
}

}  // namespace vfs::testing
