// Fixture loaders and writers (fixtures/fixture.h): every form (host
// directory, tar, snapshot, manifest) writes random trees and reads them back
// identical per DiffTrees (ctim aside for the host-directory form, whose
// ctims the kernel sets); hard-link groups and times survive; hostile tars
// (absolute names, "..", writes through a symlink, unknown hard-link
// targets, special files, sizes over the Filesystem's limits, truncated
// data) are refused with the right error and nothing lands outside `dest`;
// writing never merges into a non-empty directory; forms are detected by
// directory, extension and magic; and a tree survives the chain
// dir -> tar -> manifest -> snapshot -> dir.
#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backends/host_tree_import.h"
#include "fixtures/fixture.h"
#include "fixtures/manifest.h"
#include "fixtures/tree_diff.h"
#include "serialize/snapshot.h"
#include "tests/support/temp_dir.h"
#include "tests/support/random_state.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"
#include "vfs/clock.h"
#include "vfs/context.h"

namespace vfs::testing {
namespace {

namespace stdfs = std::filesystem;

std::shared_ptr<Filesystem> NewFs(FilesystemOptions o = {}) {
  if (!o.clock) o.clock = std::make_shared<DeterministicClock>();
  return Filesystem::Create(o);
}

// The changes between two subtrees as text ("" when identical), inode
// numbers ignored. With `ignore_ctim`, a times change in ctim alone is
// dropped (the host-directory form cannot carry ctim); one that also
// changes atim or mtim stays.
std::string DiffText(Filesystem& a, std::string_view a_path, Filesystem& b,
                     std::string_view b_path, bool ignore_ctim = false) {
  DiffOptions o;
  o.ignore_inode_numbers = true;
  absl::StatusOr<std::vector<Change>> changes = DiffTrees(a, a_path, b, b_path, o);
  if (!changes.ok()) return "diff failed: " + changes.status().ToString();
  std::vector<Change> kept;
  for (const Change& c : *changes) {
    if (ignore_ctim && c.kind == ChangeKind::kTimesChanged && c.before.atim == c.after.atim &&
        c.before.mtim == c.after.mtim) {
      continue;
    }
    kept.push_back(c);
  }
  return FormatDiff(kept);
}

// ---- Building tars with libarchive ----

struct TarEntry {
  std::string path;
  mode_t type = AE_IFREG;
  std::string data;
  std::string symlink;   // AE_IFLNK
  std::string hardlink;  // a hard link entry to this name
  int64_t mtime = 1000;  // seconds
};

TarEntry File(std::string path, std::string data = "") {
  TarEntry e;
  e.path = std::move(path);
  e.data = std::move(data);
  return e;
}
TarEntry Dir(std::string path, int64_t mtime = 1000) {
  TarEntry e;
  e.path = std::move(path);
  e.type = AE_IFDIR;
  e.mtime = mtime;
  return e;
}
TarEntry Symlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = AE_IFLNK;
  e.symlink = std::move(target);
  return e;
}
TarEntry HardLink(std::string path, std::string to) {
  TarEntry e;
  e.path = std::move(path);
  e.hardlink = std::move(to);
  return e;
}
TarEntry Special(std::string path, mode_t type) {
  TarEntry e;
  e.path = std::move(path);
  e.type = type;
  return e;
}

// Writes `entries` as a tar (pax, or ustar for byte patching) at `path`.
void MakeTar(const std::string& path, const std::vector<TarEntry>& entries, bool ustar = false) {
  struct archive* a = archive_write_new();
  REQUIRE(a != nullptr);
  REQUIRE((ustar ? archive_write_set_format_ustar(a) : archive_write_set_format_pax(a)) ==
          ARCHIVE_OK);
  REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
  struct archive_entry* e = archive_entry_new();
  for (const TarEntry& t : entries) {
    archive_entry_clear(e);
    archive_entry_copy_pathname(e, t.path.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, t.mtime, 0);
    if (!t.symlink.empty()) archive_entry_copy_symlink(e, t.symlink.c_str());
    if (!t.hardlink.empty()) archive_entry_copy_hardlink(e, t.hardlink.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
    INFO("entry " << t.path << ": " << (archive_error_string(a) ? archive_error_string(a) : ""));
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (!t.data.empty()) {
      REQUIRE(archive_write_data(a, t.data.data(), t.data.size()) ==
              static_cast<la_ssize_t>(t.data.size()));
    }
  }
  archive_entry_free(e);
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
}

// A ustar archive made by libarchive holding one empty file "big", whose
// header is then made to declare `size` bytes (octal, or base-256 past the
// octal field's reach), followed by `data` and nothing else: what a hostile
// or truncated archive looks like to the loader.
std::string HugeDeclaredSizeTar(const TempDir& dir, uint64_t size, std::string_view data) {
  const std::string plain = dir / "plain.tar";
  MakeTar(plain, {File("big")}, /*ustar=*/true);
  std::string bytes = ReadHostFile(plain).substr(0, 512);
  REQUIRE(bytes.size() == 512);
  char* field = bytes.data() + 124;  // size: 12 bytes
  if (size < (uint64_t{1} << 33)) {
    std::snprintf(field, 12, "%011llo", static_cast<unsigned long long>(size));
  } else {
    field[0] = static_cast<char>(0x80);
    for (int i = 11; i >= 1; --i) {
      field[i] = static_cast<char>(size & 0xff);
      size >>= 8;
    }
  }
  std::memset(bytes.data() + 148, ' ', 8);  // checksum, counted as spaces
  unsigned sum = 0;
  for (unsigned char c : bytes) sum += c;
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  std::memcpy(bytes.data() + 148, chk, 7);  // six digits and a NUL, then the space
  const std::string out = dir / "huge.tar";
  WriteHostFile(out, bytes + std::string(data));
  return out;
}

// ---- Forms and detection ----

TEST_CASE("FixtureFormName names every form", "[fixtures]") {
  CHECK(FixtureFormName(FixtureForm::kHostDir) == "dir");
  CHECK(FixtureFormName(FixtureForm::kTar) == "tar");
  CHECK(FixtureFormName(FixtureForm::kSnapshot) == "snapshot");
  CHECK(FixtureFormName(FixtureForm::kManifest) == "manifest");
}

TEST_CASE("DetectFixtureForm: directories, extensions, contents, outputs", "[fixtures]") {
  TempDir dir("vfs-fixture-io");
  auto form = [](const std::string& p, bool out = false) {
    absl::StatusOr<FixtureForm> f = DetectFixtureForm(p, out);
    INFO(p << ": " << f.status());
    REQUIRE(f.ok());
    return *f;
  };
  CHECK(form(dir.path()) == FixtureForm::kHostDir);
  for (const char* name : {"a.tar", "a.tar.gz", "A.TGZ", "a.tar.xz", "a.tar.zst", "a.tar.bz2"}) {
    WriteHostFile(dir / name, "whatever");
    CHECK(form(dir / name) == FixtureForm::kTar);
  }
  WriteHostFile(dir / "s.vfs", "x");
  WriteHostFile(dir / "s.snap", "x");
  WriteHostFile(dir / "m.json", "{}");
  CHECK(form(dir / "s.vfs") == FixtureForm::kSnapshot);
  CHECK(form(dir / "s.snap") == FixtureForm::kSnapshot);
  CHECK(form(dir / "m.json") == FixtureForm::kManifest);

  // No extension: the contents tell.
  auto fs = NewFs();
  REQUIRE(BuildTree(*fs, "d/f = hi").ok());
  REQUIRE(SaveSnapshotToFile(dir / "snapshot-noext", *fs).ok());
  CHECK(form(dir / "snapshot-noext") == FixtureForm::kSnapshot);
  REQUIRE(WriteTar(*fs, "", dir / "t.tar.gz").ok());
  stdfs::rename(dir / "t.tar.gz", dir / "gz-noext");
  CHECK(form(dir / "gz-noext") == FixtureForm::kTar);
  REQUIRE(WriteTar(*fs, "", dir / "t.tar").ok());
  stdfs::rename(dir / "t.tar", dir / "tar-noext");
  CHECK(form(dir / "tar-noext") == FixtureForm::kTar);
  WriteHostFile(dir / "manifest-noext", "\n  {\"format\": \"vfs-manifest\", \"version\": 1}");
  CHECK(form(dir / "manifest-noext") == FixtureForm::kManifest);
  // ... and loading through detection works on them.
  absl::StatusOr<std::shared_ptr<Filesystem>> loaded = LoadFixture(dir / "gz-noext");
  REQUIRE(loaded.ok());
  CHECK((*loaded)->ReadFile("d/f").value_or("?") == "hi");

  WriteHostFile(dir / "notes", "just some text");
  absl::StatusOr<FixtureForm> unknown = DetectFixtureForm(dir / "notes");
  CHECK(unknown.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(unknown.status().message(), dir / "notes"));
  CHECK(DetectFixtureForm(dir / "missing").status().code() == absl::StatusCode::kNotFound);
  CHECK(DetectFixtureForm("").status().code() == absl::StatusCode::kInvalidArgument);

  // Outputs not yet made: by extension, a directory without one.
  CHECK(form(dir / "out.tar.zst", true) == FixtureForm::kTar);
  CHECK(form(dir / "out.json", true) == FixtureForm::kManifest);
  CHECK(form(dir / "out.vfs", true) == FixtureForm::kSnapshot);
  CHECK(form(dir / "out", true) == FixtureForm::kHostDir);
}

// ---- Round trips over random trees ----

// Writes each random tree in `form` and loads it back into a new
// Filesystem, which must hold the same tree.
void RoundTripRandomTrees(FixtureForm form, const std::string& name, int seeds) {
  int hard_links = 0;
  for (uint64_t seed = 1; seed <= static_cast<uint64_t>(seeds); ++seed) {
    INFO("seed " << seed);
    TempDir dir("vfs-fixture-io");
    RandomState st = MakeRandomState(seed);
    const std::string out = dir / name;
    absl::Status w = WriteFixture(*st.fs, "", out, form);
    INFO(w);
    REQUIRE(w.ok());
    auto loaded = NewFs();
    absl::Status l = LoadFixture(out, *loaded, "");
    INFO(l);
    REQUIRE(l.ok());
    INFO(st.fs->Dump());
    CHECK(DiffText(*st.fs, "", *loaded, "", form == FixtureForm::kHostDir) == "");
    CHECK(loaded->Fsck().ok());
    const std::vector<Filesystem::Entry> entries = loaded->List().value();
    for (const Filesystem::Entry& e : entries) {
      if (e.kind == InodeKind::kFile && e.stat.nlink > 1) ++hard_links;
    }
  }
  // The random trees did exercise hard links.
  CHECK(hard_links > 0);
}

TEST_CASE("Host directory form: random trees read back identical (ctim aside)",
          "[fixtures][property]") {
  RoundTripRandomTrees(FixtureForm::kHostDir, "tree", 40);
}

TEST_CASE("Tar form: random trees read back identical, times included", "[fixtures][property]") {
  RoundTripRandomTrees(FixtureForm::kTar, "tree.tar", 40);
  RoundTripRandomTrees(FixtureForm::kTar, "tree.tar.gz", 10);
}

TEST_CASE("Snapshot form: random trees read back identical", "[fixtures][property]") {
  RoundTripRandomTrees(FixtureForm::kSnapshot, "tree.vfs", 40);
}

TEST_CASE("Manifest form: random trees read back identical", "[fixtures][property]") {
  RoundTripRandomTrees(FixtureForm::kManifest, "tree.json", 40);
}

// ---- Hard links and times, form by form ----

TEST_CASE("Every form keeps hard-link groups and times", "[fixtures]") {
  auto src = NewFs();
  REQUIRE(BuildTree(*src, R"(
    docs/a.txt = alpha
    docs/sub/b.txt => docs/a.txt
    top.txt => docs/a.txt
    docs/l -> a.txt
    docs/l2 => docs/l
    empty/
  )").ok());
  // Distinct times everywhere, set last, nanoseconds included.
  timestamp_t t = 1'600'000'000'123'456'789ull;
  for (const char* p : {"docs", "docs/a.txt", "docs/sub", "docs/l", "empty"}) {
    REQUIRE(src->SetTimes(p, t, t + 1'000'000'007, t + 2'000'000'011).ok());
    t += 10'000'000'000ull;
  }
  struct Case {
    FixtureForm form;
    const char* name;
  };
  for (const Case& c : {Case{FixtureForm::kHostDir, "out"}, Case{FixtureForm::kTar, "out.tar"},
                        Case{FixtureForm::kTar, "out.tar.xz"},
                        Case{FixtureForm::kSnapshot, "out.snap"},
                        Case{FixtureForm::kManifest, "out.json"}}) {
    INFO(c.name);
    TempDir dir("vfs-fixture-io");
    REQUIRE(WriteFixture(*src, "", dir / c.name, c.form).ok());
    auto dst = NewFs();
    absl::Status s = LoadFixture(dir / c.name, *dst, "here");
    INFO(s);
    REQUIRE(s.ok());
    const Filestat a = dst->Stat("here/docs/a.txt").value();
    CHECK(a.nlink == 3);
    CHECK(dst->Stat("here/docs/sub/b.txt")->ino == a.ino);
    CHECK(dst->Stat("here/top.txt")->ino == a.ino);
    CHECK(dst->Stat("here/docs/l2")->ino == dst->Stat("here/docs/l")->ino);
    CHECK(dst->Stat("here/docs/l")->nlink == 2);
    for (const char* p : {"docs", "docs/a.txt", "docs/sub", "docs/l", "empty"}) {
      INFO(p);
      const Filestat want = src->Stat(p).value();
      const Filestat got = dst->Stat(absl::StrCat("here/", p)).value();
      CHECK(got.atim == want.atim);
      CHECK(got.mtim == want.mtim);
      if (c.form != FixtureForm::kHostDir) CHECK(got.ctim == want.ctim);
    }
    CHECK(DiffText(*src, "", *dst, "here", c.form == FixtureForm::kHostDir) == "");
  }
}

// ---- Hostile tars ----

// Loads `tar` into a fresh Filesystem holding "outside/" and "dest/", and
// checks that it fails with `code`, naming `entry`, and that nothing
// appeared in "outside".
void ExpectRefused(const std::string& tar, absl::StatusCode code, const std::string& entry,
                   FilesystemOptions options = {}) {
  auto fs = NewFs(options);
  REQUIRE(BuildTree(*fs, "outside/\ndest/").ok());
  absl::Status s = LoadTar(tar, *fs, "dest");
  INFO(s);
  CHECK(s.code() == code);
  CHECK(absl::StrContains(s.message(), entry));
  CHECK(absl::StrContains(s.message(), tar));
  CHECK(fs->List("outside").value().empty());
  CHECK(fs->Stat("dest/../outside").ok());  // still there, still a directory
  CHECK(fs->Fsck().ok());
}

TEST_CASE("Hostile tars are refused and nothing lands outside dest", "[fixtures]") {
  TempDir dir("vfs-fixture-io");
  const std::string tar = dir / "bad.tar";
  SECTION("an absolute path") {
    MakeTar(tar, {File("/outside/x", "evil")});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument, "'/outside/x': an absolute path");
  }
  SECTION("a '..' component") {
    MakeTar(tar, {File("../outside/x", "evil")});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument, "'../outside/x': a '..' component");
    MakeTar(tar, {File("a/../../outside/x", "evil")});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument, "a/../../outside/x");
  }
  SECTION("a symlink, then a file through it") {
    MakeTar(tar, {Symlink("l", "../outside"), File("l/x", "evil")});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument,
                  "'l/x': its parent 'l' is a symlink");
    // Deeper, and through a directory entry.
    MakeTar(tar, {Dir("d/"), Symlink("d/l", "/outside"), Dir("d/l/sub/")});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument, "its parent 'd/l' is a symlink");
  }
  SECTION("a symlink, then a file or directory of the same name") {
    MakeTar(tar, {Symlink("l", "../outside/x"), File("l", "evil")});
    ExpectRefused(tar, absl::StatusCode::kAlreadyExists, "'l'");
    MakeTar(tar, {Symlink("l", "../outside"), Dir("l/")});
    ExpectRefused(tar, absl::StatusCode::kAlreadyExists, "exists and is not a directory");
  }
  SECTION("a hard link to a name not yet seen") {
    MakeTar(tar, {HardLink("a", "ghost")});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument,
                  "a hard link to 'ghost', which is not an earlier file or symlink entry");
    MakeTar(tar, {Dir("d/"), HardLink("a", "d")});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument, "a hard link to 'd'");
    MakeTar(tar, {HardLink("a", "../outside/x")});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument, "a '..' component");
  }
  SECTION("special files") {
    MakeTar(tar, {Special("fifo", AE_IFIFO)});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument, "'fifo': a special file");
    MakeTar(tar, {Special("dev", AE_IFCHR)});
    ExpectRefused(tar, absl::StatusCode::kInvalidArgument, "'dev': a special file");
  }
  SECTION("a declared size over the Filesystem's limits fails with its errno, unread") {
    // 8 GiB declared, no data present: the size is refused before any read.
    const std::string small = HugeDeclaredSizeTar(dir, uint64_t{8} << 30, "");
    FilesystemOptions capped;
    capped.max_file_size = 1 << 20;
    ExpectRefused(small, absl::StatusCode::kResourceExhausted, "'big': dest/big (8589934592 bytes): fbig",
                  capped);
    FilesystemOptions quota;
    quota.limits.max_bytes = 1 << 20;
    ExpectRefused(small, absl::StatusCode::kResourceExhausted, "nospc", quota);
    // 2^60 bytes (base-256 size field) against the default 1 TiB cap.
    const std::string huge = HugeDeclaredSizeTar(dir, uint64_t{1} << 60, "abc");
    ExpectRefused(huge, absl::StatusCode::kResourceExhausted, "fbig");
    // The refused file is not left behind.
    auto fs = NewFs(capped);
    REQUIRE(!LoadTar(small, *fs, "").ok());
    CHECK(!fs->Stat("big").ok());
  }
  SECTION("a declared size the data does not fill is data loss, not a huge allocation") {
    // 512 GiB declared (within the default limits, so the size is set,
    // sparse), 3 bytes present.
    const std::string cut = HugeDeclaredSizeTar(dir, uint64_t{512} << 30, "abc");
    ExpectRefused(cut, absl::StatusCode::kDataLoss, "'big': reading its data");
  }
  SECTION("the same name twice") {
    MakeTar(tar, {File("a", "1"), File("a", "2")});
    ExpectRefused(tar, absl::StatusCode::kAlreadyExists, "'a'");
  }
  SECTION("not an archive") {
    WriteHostFile(tar, std::string(2000, 'x'));
    auto fs = NewFs();
    absl::Status s = LoadTar(tar, *fs, "");
    CHECK(!s.ok());
    CHECK(absl::StrContains(s.message(), tar));
  }
}

TEST_CASE("Tar names are normalised and parents made as needed", "[fixtures]") {
  TempDir dir("vfs-fixture-io");
  const std::string tar = dir / "ok.tar";
  MakeTar(tar, {Dir("./"), File("./a/b//c.txt", "deep"), Symlink("./a/./l", "b/c.txt"),
                HardLink("./a/h", "a/b/c.txt"), Dir("a/", 5)});
  auto fs = NewFs();
  REQUIRE(BuildTree(*fs, "dest/existing = keep").ok());
  absl::Status s = LoadTar(tar, *fs, "/dest/");
  INFO(s);
  REQUIRE(s.ok());
  CHECK(fs->ReadFile("dest/a/b/c.txt").value_or("?") == "deep");
  CHECK(fs->ReadFile("dest/a/l").value_or("?") == "deep");
  CHECK(fs->Stat("dest/a/h")->ino == fs->Stat("dest/a/b/c.txt")->ino);
  CHECK(fs->ReadFile("dest/existing").value_or("?") == "keep");
  // ustar holds mtime only: atim and ctim take it; a directory entry after
  // its children still gets its own times.
  const Filestat a = fs->Stat("dest/a").value();
  CHECK(a.mtim == 5'000'000'000ull);
  CHECK(a.atim == a.mtim);
  CHECK(a.ctim == a.mtim);
  CHECK(fs->Stat("dest/a/b/c.txt")->mtim == 1'000'000'000'000ull);
  CHECK(fs->Fsck().ok());
}

// ---- Compression, determinism ----

TEST_CASE("WriteTar compresses by extension or option, and loads back", "[fixtures]") {
  auto src = NewFs();
  REQUIRE(BuildTree(*src, "d/f = " + std::string(5000, 'z') + "\nd/l -> f").ok());
  TempDir dir("vfs-fixture-io");
  struct Case {
    const char* name;
    const char* compression;
    std::string magic;
  };
  for (const Case& c : {Case{"a.tar", "", std::string("ustar", 5)},
                        Case{"a.tar.gz", "", "\x1f\x8b"}, Case{"a.tgz", "", "\x1f\x8b"},
                        Case{"a.tar.xz", "", std::string("\xfd" "7zXZ\0", 6)},
                        Case{"a.tar.zst", "", "\x28\xb5\x2f\xfd"},
                        Case{"a.tar.bz2", "", "BZh"}, Case{"b.tar", "xz", "\xfd" "7zXZ"},
                        Case{"c.tar.gz", "none", std::string("ustar", 5)}}) {
    INFO(c.name << " " << c.compression);
    FixtureOptions o;
    o.compression = c.compression;
    REQUIRE(WriteTar(*src, "", dir / c.name, o).ok());
    const std::string bytes = ReadHostFile(dir / c.name);
    if (c.magic == "ustar") {
      CHECK(bytes.compare(257, 5, "ustar") == 0);
    } else {
      CHECK(absl::StartsWith(bytes, c.magic));
    }
    auto dst = NewFs();
    REQUIRE(LoadTar(dir / c.name, *dst, "").ok());
    CHECK(DiffText(*src, "", *dst, "") == "");
  }
  // The same tree gives the same bytes (no timestamp in the gzip header).
  REQUIRE(WriteTar(*src, "", dir / "again.tar.gz").ok());
  CHECK(ReadHostFile(dir / "again.tar.gz") == ReadHostFile(dir / "a.tar.gz"));

  FixtureOptions bad;
  bad.compression = "lz5";
  absl::Status s = WriteTar(*src, "", dir / "x.tar", bad);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(s.message(), "lz5"));
  CHECK(!stdfs::exists(dir / "x.tar"));
  // A missing subtree: nothing is created.
  CHECK(WriteTar(*src, "nope", dir / "y.tar").code() == absl::StatusCode::kNotFound);
  CHECK(!stdfs::exists(dir / "y.tar"));
  // Only the output is left in the directory: no temporary files.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : stdfs::directory_iterator(dir.path())) ++files;
  CHECK(files == 9);
}

// ---- The host-directory form ----

TEST_CASE("WriteHostDir refuses a non-empty or non-directory output", "[fixtures]") {
  auto fs = NewFs();
  REQUIRE(BuildTree(*fs, "f = x").ok());
  TempDir dir("vfs-fixture-io");
  stdfs::create_directory(dir / "full");
  WriteHostFile(dir / "full/keep", "mine");
  absl::Status s = WriteHostDir(*fs, "", dir / "full");
  CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(s.message(), "not empty"));
  CHECK(ReadHostFile(dir / "full/keep") == "mine");
  CHECK(!stdfs::exists(dir / "full/f"));

  WriteHostFile(dir / "file", "mine");
  CHECK(WriteHostDir(*fs, "", dir / "file").code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReadHostFile(dir / "file") == "mine");

  // Missing: created, parents too. Empty: used.
  REQUIRE(WriteHostDir(*fs, "", dir / "new/nested").ok());
  CHECK(ReadHostFile(dir / "new/nested/f") == "x");
  stdfs::create_directory(dir / "empty");
  REQUIRE(WriteFixture(*fs, "", dir / "empty", FixtureForm::kHostDir).ok());
  CHECK(ReadHostFile(dir / "empty/f") == "x");
}

TEST_CASE("WriteHostDir: modes, symlinks as they are, sparse files, deep trees", "[fixtures]") {
  auto fs = NewFs();
  REQUIRE(BuildTree(*fs, "d/f = x\nd/esc -> ../../../../etc/passwd\nabs -> /etc").ok());
  // A sparse file: 8 MiB with one byte at the end.
  REQUIRE(fs->WriteFile("d/sparse", "").ok());
  {
    Context ctx(fs);
    const fd_t root = ctx.Preopen("", "/").value();
    const fd_t f = ctx.path_open(root, Lookupflags(), "d/sparse", Oflags(),
                                 rights::kRegularFileBase, Rights(), Fdflags())
                       .value();
    const uint8_t one = 1;
    const absl::Span<const uint8_t> iov[] = {absl::MakeConstSpan(&one, 1)};
    REQUIRE(ValueOrDefault(ctx.fd_pwrite(f, iov, (8 << 20) - 1)) == 1);
  }
  // 150 levels deep: more than the writer keeps descriptors open for.
  std::string deep = "deep";
  for (int i = 0; i < 150; ++i) deep += "/d";
  REQUIRE(fs->WriteFile(deep + "/bottom", "b").ok());
  REQUIRE(fs->MakeHardLink(deep + "/bottom", "deep/top-link").ok());

  TempDir dir("vfs-fixture-io");
  const std::string out = dir / "out";
  const mode_t old_umask = ::umask(077);  // modes are fixed whatever the umask
  absl::Status s = WriteHostDir(*fs, "", out);
  ::umask(old_umask);
  INFO(s);
  REQUIRE(s.ok());
  // Read back before anything below reads a symlink (which sets its atime).
  auto back = NewFs();
  REQUIRE(LoadHostDir(out, *back, "").ok());
  CHECK(DiffText(*fs, "", *back, "", /*ignore_ctim=*/true) == "");

  struct stat st;
  REQUIRE(::lstat((out + "/d").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  REQUIRE(::lstat((out + "/d/f").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  CHECK(stdfs::read_symlink(out + "/d/esc") == "../../../../etc/passwd");
  CHECK(stdfs::read_symlink(out + "/abs") == "/etc");
  REQUIRE(::lstat((out + "/d/sparse").c_str(), &st) == 0);
  CHECK(st.st_size == 8 << 20);
  CHECK(st.st_blocks * 512 < (1 << 20));  // a hole, not 8 MiB of zeros
  REQUIRE(::lstat((out + "/deep/top-link").c_str(), &st) == 0);
  CHECK(st.st_nlink == 2);
}

TEST_CASE("LoadHostDir: host hard links, times, symlinks never followed, special files",
          "[fixtures]") {
  TempDir dir("vfs-fixture-io");
  const std::string fx = dir / "fx";
  stdfs::create_directories(fx + "/sub");
  stdfs::create_directories(dir / "secret");
  WriteHostFile(dir / "secret/key", "do not copy");
  WriteHostFile(fx + "/a", "shared");
  REQUIRE(::link((fx + "/a").c_str(), (fx + "/sub/b").c_str()) == 0);
  stdfs::create_symlink("../secret", fx + "/escape");
  stdfs::create_directory_symlink(dir / "secret", fx + "/abs");
  const struct timespec times[2] = {{1'500'000'000, 111}, {1'400'000'000, 222}};
  REQUIRE(::utimensat(AT_FDCWD, (fx + "/a").c_str(), times, 0) == 0);
  REQUIRE(::utimensat(AT_FDCWD, (fx + "/escape").c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
  REQUIRE(::utimensat(AT_FDCWD, (fx + "/sub").c_str(), times, 0) == 0);
  struct stat host_a;
  REQUIRE(::lstat((fx + "/a").c_str(), &host_a) == 0);

  auto fs = NewFs();
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  FixtureOptions o;
  o.progress = [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); };
  absl::Status s = LoadFixture(fx, *fs, "in", o);
  INFO(s);
  REQUIRE(s.ok());
  CHECK(fs->Stat("in/a")->ino == fs->Stat("in/sub/b")->ino);
  CHECK(fs->Stat("in/a")->nlink == 2);
  CHECK(fs->ReadFile("in/sub/b").value_or("?") == "shared");
  const Filestat a = fs->Stat("in/a").value();
  CHECK(a.atim == 1'500'000'000'000'000'111ull);
  CHECK(a.mtim == 1'400'000'000'000'000'222ull);
  CHECK(a.ctim == static_cast<uint64_t>(host_a.st_ctim.tv_sec) * 1'000'000'000ull +
                      static_cast<uint64_t>(host_a.st_ctim.tv_nsec));
  CHECK(fs->Stat("in/escape")->mtim == 1'400'000'000'000'000'222ull);
  CHECK(fs->Stat("in/sub")->mtim == 1'400'000'000'000'000'222ull);
  // Symlinks come in as symlinks, targets unchanged; nothing behind them.
  absl::StatusOr<std::vector<Filesystem::Entry>> all = fs->List("in");
  REQUIRE(all.ok());
  for (const Filesystem::Entry& e : *all) {
    CHECK(!absl::StrContains(e.path, "key"));
    if (e.path == "escape") CHECK(e.target == "../secret");
    if (e.path == "abs") CHECK(e.target == dir / "secret");
  }
  CHECK(all->size() == 5);  // a, abs, escape, sub, sub/b
  REQUIRE(!calls.empty());
  CHECK(calls.back().first == 5);

  // A FIFO is refused, naming it; CopyHostTree's default skips it.
  REQUIRE(::mkfifo((fx + "/pipe").c_str(), 0600) == 0);
  auto fs2 = NewFs();
  s = LoadHostDir(fx, *fs2, "");
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(s.message(), fx + "/pipe"));
  auto fs3 = NewFs();
  REQUIRE(CopyHostTree(fx, *fs3, "").ok());
  CHECK(!fs3->Stat("pipe").ok());
  // ... and keeps no hard links: two files, two inodes.
  CHECK(fs3->Stat("a")->ino != fs3->Stat("sub/b")->ino);
}

TEST_CASE("CopyHostTree streams files in and checks the size against the limits first",
          "[fixtures]") {
  TempDir dir("vfs-fixture-io");
  stdfs::create_directory(dir / "fx");
  WriteHostFile(dir / "fx/small", "ok");
  const std::string big(300'000, 'b');
  WriteHostFile(dir / "fx/big", big);
  FilesystemOptions capped;
  capped.max_file_size = 100'000;
  auto fs = NewFs(capped);
  absl::Status s = CopyHostTree(dir / "fx", *fs, "");
  CHECK(s.code() == absl::StatusCode::kResourceExhausted);
  CHECK(absl::StrContains(s.message(), dir / "fx/big"));
  CHECK(absl::StrContains(s.message(), "fbig"));
  CHECK(!fs->Stat("big").ok());  // no empty file left behind

  // Without the cap: bytes exact; an existing file's bytes are replaced.
  auto fs2 = NewFs();
  REQUIRE(fs2->WriteFile("small", "old and longer").ok());
  REQUIRE(CopyHostTree(dir / "fx", *fs2, "").ok());
  CHECK(fs2->ReadFile("big").value_or("?") == big);
  CHECK(fs2->ReadFile("small").value_or("?") == "ok");
}

TEST_CASE("StreamedFileWriter: declared sizes, growth, symlinks, misuse", "[fixtures]") {
  FilesystemOptions capped;
  capped.max_file_size = 1000;
  auto fs = NewFs(capped);
  REQUIRE(BuildTree(*fs, "target = secret\nlink -> target").ok());
  StreamedFileWriter w(*fs);
  const std::string piece(400, 'p');
  const auto bytes = absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(piece.data()),
                                         piece.size());
  CHECK(w.WriteAt(0, bytes).code() == absl::StatusCode::kFailedPrecondition);

  // A declared size: set at once (holes read as zeros), pieces fill it.
  REQUIRE(w.Create("d/sized", 1000).ok());
  REQUIRE(w.WriteAt(600, bytes).ok());
  REQUIRE(w.Finish().ok());
  CHECK(fs->ReadFile("d/sized").value_or("?") == std::string(600, '\0') + piece);
  // Over the cap: the Filesystem's FBIG, and no file left behind.
  absl::Status s = w.Create("d/over", 1001);
  CHECK(s.code() == absl::StatusCode::kResourceExhausted);
  CHECK(absl::StrContains(s.message(), "d/over (1001 bytes): fbig"));
  CHECK(!fs->Stat("d/over").ok());
  // No declared size: each growth is checked as it comes.
  REQUIRE(w.Create("grown", std::nullopt).ok());
  REQUIRE(w.WriteAt(0, bytes).ok());
  REQUIRE(w.WriteAt(400, bytes).ok());
  CHECK(w.WriteAt(800, bytes).code() == absl::StatusCode::kResourceExhausted);
  REQUIRE(w.Finish().ok());
  CHECK(fs->Stat("grown")->size == 800);
  // A taken name; a symlink is never written through, replace or not.
  CHECK(w.Create("grown", 1).code() == absl::StatusCode::kAlreadyExists);
  CHECK(w.Create("link", 5).code() == absl::StatusCode::kAlreadyExists);
  CHECK(!w.Create("link", 5, /*replace=*/true).ok());
  CHECK(fs->ReadFile("target").value_or("?") == "secret");
  CHECK(fs->Stat("link")->filetype == Filetype::kSymbolicLink);
  // Replacing a regular file keeps its inode (hard links see the new bytes).
  REQUIRE(fs->MakeHardLink("grown", "alias").ok());
  REQUIRE(w.Create("grown", 3, /*replace=*/true).ok());
  REQUIRE(w.WriteAt(0, absl::MakeConstSpan(bytes.data(), 3)).ok());
  REQUIRE(w.Finish().ok());
  CHECK(fs->ReadFile("alias").value_or("?") == "ppp");
  CHECK(fs->Fsck().ok());
}

// ---- Snapshots ----

TEST_CASE("Snapshot form: subtrees, and loading into a non-empty destination", "[fixtures]") {
  RandomState st = MakeRandomState(7);
  Filesystem& src = *st.fs;
  REQUIRE(src.MakeDirectories("zz-keep/inner").ok());
  REQUIRE(src.WriteFile("zz-keep/inner/f", "kept").ok());
  REQUIRE(src.WriteFile("zz-keep/g", "also").ok());
  REQUIRE(src.MakeHardLink("zz-keep/g", "zz-keep/inner/g2").ok());
  REQUIRE(src.SetTimes("zz-keep", 11, 22, 33).ok());
  TempDir dir("vfs-fixture-io");

  // A subtree: just its entries, its root's times on the snapshot's root.
  REQUIRE(WriteFixture(src, "zz-keep", dir / "sub.vfs", FixtureForm::kSnapshot).ok());
  absl::StatusOr<std::shared_ptr<Filesystem>> sub = LoadFixture(dir / "sub.vfs");
  REQUIRE(sub.ok());
  CHECK(DiffText(src, "zz-keep", **sub, "") == "");
  CHECK((*sub)->List().value().size() == 4);
  const Filestat root = (*sub)->Stat("").value();
  CHECK(root.atim == 11);
  CHECK(root.mtim == 22);
  CHECK(root.ctim == 33);
  CHECK(WriteFixture(src, "zz-keep/g", dir / "bad.vfs", FixtureForm::kSnapshot).code() ==
        absl::StatusCode::kFailedPrecondition);

  // The whole Filesystem into an empty one: taken as is, inode numbers too.
  REQUIRE(WriteFixture(src, "", dir / "all.vfs", FixtureForm::kSnapshot).ok());
  auto empty = NewFs();
  REQUIRE(LoadFixture(dir / "all.vfs", *empty, "").ok());
  absl::StatusOr<std::vector<Change>> exact = DiffTrees(src, "", *empty, "");
  REQUIRE(exact.ok());
  CHECK(FormatDiff(*exact) == "");
  CHECK(empty->Fsck().ok());

  // Into an empty Filesystem whose root is held open: copied instead.
  auto held = NewFs();
  Context holder(held);
  REQUIRE(holder.Preopen("", "/").ok());
  REQUIRE(LoadFixture(dir / "all.vfs", *held, "").ok());
  CHECK(DiffText(src, "", *held, "") == "");

  // Into a directory of a non-empty Filesystem: copied beneath it, the rest
  // untouched.
  auto busy = NewFs();
  REQUIRE(BuildTree(*busy, "mine = stays\ninto/").ok());
  REQUIRE(LoadFixture(dir / "all.vfs", *busy, "into/here").ok());
  CHECK(DiffText(src, "", *busy, "into/here") == "");
  CHECK(busy->ReadFile("mine").value_or("?") == "stays");
  CHECK(busy->Fsck().ok());

  // A snapshot is checked against the target's limits.
  FilesystemOptions tiny;
  tiny.limits.max_inodes = 3;
  auto small = NewFs(tiny);
  CHECK(!LoadFixture(dir / "all.vfs", *small, "").ok());
}

// ---- Progress ----

TEST_CASE("Progress is reported every 1000 entries and at the end", "[fixtures]") {
  auto fs = NewFs();
  for (int i = 0; i < 2500; ++i) REQUIRE(fs->WriteFile(absl::StrCat("d/f", i), "x").ok());
  TempDir dir("vfs-fixture-io");
  for (const char* name : {"p.tar", "p", "p.vfs", "p.json"}) {
    INFO(name);
    std::vector<std::pair<uint64_t, uint64_t>> calls;
    FixtureOptions o;
    o.progress = [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); };
    const FixtureForm form = DetectFixtureForm(dir / name, /*for_output=*/true).value();
    REQUIRE(WriteFixture(*fs, "", dir / name, form, o).ok());
    REQUIRE(!calls.empty());
    CHECK(calls.back() == std::make_pair(uint64_t{2501}, uint64_t{2501}));
    if (form == FixtureForm::kTar || form == FixtureForm::kHostDir) {
      CHECK(calls.size() == 3);  // 1000, 2000, the end
      CHECK(calls.front() == std::make_pair(uint64_t{1000}, uint64_t{2501}));
    }
    calls.clear();
    auto back = NewFs();
    REQUIRE(LoadFixture(dir / name, *back, "", o).ok());
    REQUIRE(!calls.empty());
    CHECK(calls.back().first == 2501);
    if (form == FixtureForm::kTar || form == FixtureForm::kHostDir) CHECK(calls.size() == 3);
  }
}

// ---- The chain ----

TEST_CASE("Round trip dir -> tar -> manifest -> snapshot -> dir keeps the tree",
          "[fixtures][property]") {
  for (uint64_t seed = 100; seed < 110; ++seed) {
    INFO("seed " << seed);
    RandomState st = MakeRandomState(seed);
    TempDir dir("vfs-fixture-io");
    REQUIRE(WriteFixture(*st.fs, "", dir / "d1", FixtureForm::kHostDir).ok());
    absl::StatusOr<std::shared_ptr<Filesystem>> from_dir = LoadFixture(dir / "d1");
    REQUIRE(from_dir.ok());
    std::shared_ptr<Filesystem> fs = *from_dir;
    for (const char* name : {"t.tar", "m.json", "s.vfs", "d2"}) {
      INFO(name);
      const FixtureForm form = DetectFixtureForm(dir / name, /*for_output=*/true).value();
      absl::Status w = WriteFixture(*fs, "", dir / name, form);
      INFO(w);
      REQUIRE(w.ok());
      absl::StatusOr<std::shared_ptr<Filesystem>> next = LoadFixture(dir / name);
      INFO(next.status());
      REQUIRE(next.ok());
      // Each step is exact, ctim included, except the last (a directory).
      CHECK(DiffText(*fs, "", **next, "", form == FixtureForm::kHostDir) == "");
      fs = *next;
    }
    // End to end: the original tree, ctim aside.
    CHECK(DiffText(*st.fs, "", *fs, "", /*ignore_ctim=*/true) == "");
  }
}

}  // namespace
}  // namespace vfs::testing
