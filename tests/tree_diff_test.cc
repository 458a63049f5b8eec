// Tree diff (fixtures/tree_diff.h): every change kind detected and written
// in its text form, the options (times, inode numbers, filter), the order of
// paths, the first differing byte range (mid-file, across and at 64 KiB
// piece boundaries, prefixes), a 1 GiB sparse file compared in bounded
// pieces, a fork equal to its source, and the errors.
#include <catch2/catch.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/forwarding_contents.h"
#include "backends/memory_contents.h"
#include "fixtures/tree_diff.h"
#include "serialize/fork.h"
#include "tests/support/random_state.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {

std::shared_ptr<Filesystem> NewFs(FilesystemOptions options = {}) {
  if (!options.clock) options.clock = std::make_shared<DeterministicClock>(1000, 1);
  return Filesystem::Create(std::move(options));
}

std::shared_ptr<Filesystem> Built(std::string_view spec) {
  std::shared_ptr<Filesystem> fs = NewFs();
  absl::Status s = BuildTree(*fs, spec);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return fs;
}

LiveState MustFork(Filesystem& fs, absl::Span<Context* const> contexts = {}) {
  absl::StatusOr<LiveState> f = Fork(fs, contexts);
  INFO(f.status().ToString());
  REQUIRE(f.ok());
  return *std::move(f);
}

// Options for trees built separately: only their shape and bytes count.
DiffOptions ShapeOnly() {
  DiffOptions o;
  o.ignore_times = true;
  o.ignore_inode_numbers = true;
  return o;
}

std::vector<Change> MustDiff(Filesystem& a, Filesystem& b, const DiffOptions& options = {},
                             std::string_view a_path = "", std::string_view b_path = "") {
  absl::StatusOr<std::vector<Change>> d = DiffTrees(a, a_path, b, b_path, options);
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  return *std::move(d);
}

std::string DiffText(Filesystem& a, Filesystem& b, const DiffOptions& options = {},
                     std::string_view a_path = "", std::string_view b_path = "") {
  return FormatDiff(MustDiff(a, b, options, a_path, b_path));
}

Filestat MustStat(Filesystem& fs, std::string_view path) {
  absl::StatusOr<Filestat> st = fs.Stat(path);
  INFO(st.status().ToString());
  REQUIRE(st.ok());
  return *st;
}

// A Context over `fs` with its root preopened at fd 3.
struct RootContext {
  explicit RootContext(std::shared_ptr<Filesystem> fs) : ctx(std::move(fs)) {
    absl::StatusOr<fd_t> fd = ctx.Preopen("", "/");
    INFO(fd.status().ToString());
    REQUIRE(fd.ok());
    dir = *fd;
  }
  Context ctx;
  fd_t dir = 0;
};

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

}  // namespace

TEST_CASE("Identical trees give no changes", "[diff]") {
  const char* spec =
      "docs/a.txt = hello\n"
      "docs/empty =\n"
      "docs/deep/er/f = x\n"
      "link -> docs/a.txt\n"
      "alias => docs/a.txt\n";
  // Built by the same calls on the same clock: equal in times and inode
  // numbers too, so no option is needed.
  std::shared_ptr<Filesystem> a = Built(spec);
  std::shared_ptr<Filesystem> b = Built(spec);
  CHECK(MustDiff(*a, *b).empty());
  CHECK(FormatDiff(MustDiff(*a, *b)).empty());
  // A tree against itself, through the same Filesystem given twice.
  CHECK(MustDiff(*a, *a).empty());
  CHECK(MustDiff(*a, *a, {}, "docs", "docs").empty());
}

TEST_CASE("Additions, removals and kind changes are reported with everything beneath",
          "[diff]") {
  std::shared_ptr<Filesystem> a = Built(
      "keep.txt = same\n"
      "old/a.txt = aa\n"
      "old/sub/b.txt = b\n"
      "flip = x\n"
      "dirflip/inner = i\n");
  std::shared_ptr<Filesystem> b = Built(
      "keep.txt = same\n"
      "new/n.txt = hello world!\n"
      "flip/child = c\n"
      "dirflip = file\n"
      "lnk -> keep.txt\n");
  const std::vector<Change> d = MustDiff(*a, *b, ShapeOnly());
  CHECK(FormatDiff(d) ==
        "~ dirflip: kind dir -> file\n"
        "- dirflip/inner (file, 1 byte)\n"
        "~ flip: kind file -> dir\n"
        "+ flip/child (file, 1 byte)\n"
        "+ lnk (symlink -> \"keep.txt\")\n"
        "+ new/ (dir)\n"
        "+ new/n.txt (file, 12 bytes)\n"
        "- old/ (dir)\n"
        "- old/a.txt (file, 2 bytes)\n"
        "- old/sub/ (dir)\n"
        "- old/sub/b.txt (file, 1 byte)\n");
  REQUIRE(d.size() == 11);
  CHECK(d[0].kind == ChangeKind::kKindChanged);
  CHECK(d[0].before.kind == InodeKind::kDirectory);
  CHECK(d[0].after.kind == InodeKind::kFile);
  CHECK(d[0].after.size == 4);
  CHECK(d[4].kind == ChangeKind::kAdded);
  CHECK_FALSE(d[4].before.exists);
  CHECK(d[4].after.exists);
  CHECK(d[4].after.target == "keep.txt");
  CHECK(d[6].path == "new/n.txt");
  CHECK(d[6].after.size == 12);
  CHECK(d[7].kind == ChangeKind::kRemoved);
  CHECK(d[7].before.exists);
  CHECK_FALSE(d[7].after.exists);
}

TEST_CASE("A removed directory lists everything beneath it in path order", "[diff]") {
  // Created out of name order: the listing order is creation order, the
  // diff's is by name.
  std::shared_ptr<Filesystem> a = Built(
      "old/z/deep/f = 123\n"
      "old/b = bb\n"
      "old/a/\n"
      "old/z/c -> ../b\n"
      "stay = s\n");
  std::shared_ptr<Filesystem> b = Built("stay = s\n");
  CHECK(DiffText(*a, *b, ShapeOnly()) ==
        "- old/ (dir)\n"
        "- old/a/ (dir)\n"
        "- old/b (file, 2 bytes)\n"
        "- old/z/ (dir)\n"
        "- old/z/c (symlink -> \"../b\")\n"
        "- old/z/deep/ (dir)\n"
        "- old/z/deep/f (file, 3 bytes)\n");
  // And the other way round, added.
  CHECK(DiffText(*b, *a, ShapeOnly()) ==
        "+ old/ (dir)\n"
        "+ old/a/ (dir)\n"
        "+ old/b (file, 2 bytes)\n"
        "+ old/z/ (dir)\n"
        "+ old/z/c (symlink -> \"../b\")\n"
        "+ old/z/deep/ (dir)\n"
        "+ old/z/deep/f (file, 3 bytes)\n");
}

TEST_CASE("Paths are ordered component by component", "[diff]") {
  // Byte-wise on whole paths "a.txt" < "a/x" ('.' < '/'); by component a
  // directory's subtree stays together after it.
  std::shared_ptr<Filesystem> a = Built("");
  std::shared_ptr<Filesystem> b = Built("a.txt = t\na/x = x\nA = up\n");
  CHECK(DiffText(*a, *b, ShapeOnly()) ==
        "+ A (file, 2 bytes)\n"
        "+ a/ (dir)\n"
        "+ a/x (file, 1 byte)\n"
        "+ a.txt (file, 1 byte)\n");
}

TEST_CASE("A content change gives the first run of differing bytes", "[diff]") {
  std::shared_ptr<Filesystem> a = NewFs();
  std::shared_ptr<Filesystem> b = NewFs();
  auto write = [](Filesystem& fs, const std::string& bytes) {
    REQUIRE(fs.WriteFile("notes.txt", bytes).ok());
  };
  SECTION("in the middle, same size") {
    write(*a, "0123456789abcdefghij");
    write(*b, "0123XXXXX9abXdefghij");  // a second run after it is not reported
    const std::vector<Change> d = MustDiff(*a, *b, ShapeOnly());
    CHECK(FormatDiff(d) == "~ notes.txt: content differs at bytes 4..9 (size 20)\n");
    REQUIRE(d.size() == 1);
    CHECK(d[0].kind == ChangeKind::kContentChanged);
    CHECK(d[0].offset == 4);
    CHECK(d[0].length == 5);
  }
  SECTION("in the middle, sizes differ") {
    write(*a, "0123456789abcdefghij");
    write(*b, "0123XXXXX9abcdefghij!!");
    CHECK(DiffText(*a, *b, ShapeOnly()) ==
          "~ notes.txt: content differs at bytes 4..9 (size 20 -> 22)\n");
  }
  SECTION("a run is cut at the end of the shorter file") {
    write(*a, "abc");
    write(*b, "aXYZW");
    const std::vector<Change> d = MustDiff(*a, *b, ShapeOnly());
    CHECK(FormatDiff(d) == "~ notes.txt: content differs at bytes 1..3 (size 3 -> 5)\n");
    REQUIRE(d.size() == 1);
    CHECK(d[0].offset == 1);
    CHECK(d[0].length == 2);
    CHECK(d[0].before.size == 3);
    CHECK(d[0].after.size == 5);
  }
  SECTION("first and last byte") {
    write(*a, "abcdef");
    write(*b, "Xbcdef");
    CHECK(DiffText(*a, *b, ShapeOnly()) ==
          "~ notes.txt: content differs at bytes 0..1 (size 6)\n");
    write(*b, "abcdeX");
    CHECK(DiffText(*a, *b, ShapeOnly()) ==
          "~ notes.txt: content differs at bytes 5..6 (size 6)\n");
  }
  SECTION("one file is a prefix of the other") {
    write(*a, "hello");
    write(*b, "hello world");
    const std::vector<Change> d = MustDiff(*a, *b, ShapeOnly());
    CHECK(FormatDiff(d) == "~ notes.txt: size 5 -> 11, bytes 5..11 added\n");
    REQUIRE(d.size() == 1);
    CHECK(d[0].kind == ChangeKind::kSizeChanged);
    CHECK(d[0].offset == 5);
    CHECK(d[0].length == 6);
    CHECK(DiffText(*b, *a, ShapeOnly()) == "~ notes.txt: size 11 -> 5, bytes 5..11 removed\n");
    write(*a, "");
    CHECK(DiffText(*a, *b, ShapeOnly()) == "~ notes.txt: size 0 -> 11, bytes 0..11 added\n");
  }
  SECTION("equal bytes, written separately, are no change") {
    write(*a, std::string(100000, 'q'));
    write(*b, std::string(100000, 'q'));
    CHECK(MustDiff(*a, *b, ShapeOnly()).empty());
  }
}

TEST_CASE("Byte ranges are right at and across 64 KiB piece boundaries", "[diff]") {
  constexpr size_t kPiece = 64 * 1024;
  const std::string base(200 * 1024, 'a');
  std::shared_ptr<Filesystem> a = NewFs();
  std::shared_ptr<Filesystem> b = NewFs();
  REQUIRE(a->WriteFile("big", base).ok());
  std::string other = base;
  SECTION("only byte 131072 differs") {
    other[2 * kPiece] = 'b';
    REQUIRE(b->WriteFile("big", other).ok());
    const std::vector<Change> d = MustDiff(*a, *b, ShapeOnly());
    CHECK(FormatDiff(d) == "~ big: content differs at bytes 131072..131073 (size 204800)\n");
    REQUIRE(d.size() == 1);
    CHECK(d[0].offset == 131072);
    CHECK(d[0].length == 1);
  }
  SECTION("the last byte of a piece") {
    other[kPiece - 1] = 'b';
    REQUIRE(b->WriteFile("big", other).ok());
    CHECK(DiffText(*a, *b, ShapeOnly()) ==
          "~ big: content differs at bytes 65535..65536 (size 204800)\n");
  }
  SECTION("a run that goes on into the next piece") {
    for (size_t i = kPiece - 6; i < kPiece + 10; ++i) other[i] = 'z';
    REQUIRE(b->WriteFile("big", other).ok());
    CHECK(DiffText(*a, *b, ShapeOnly()) ==
          "~ big: content differs at bytes 65530..65546 (size 204800)\n");
  }
  SECTION("a run over two whole pieces, to the end of the shorter file") {
    for (size_t i = kPiece; i < base.size(); ++i) other[i] = 'z';
    other += "tail";
    REQUIRE(b->WriteFile("big", other).ok());
    CHECK(DiffText(*a, *b, ShapeOnly()) ==
          "~ big: content differs at bytes 65536..204800 (size 204800 -> 204804)\n");
  }
  SECTION("a prefix ending on a piece boundary") {
    REQUIRE(b->WriteFile("big", base.substr(0, 3 * kPiece)).ok());
    CHECK(DiffText(*a, *b, ShapeOnly()) ==
          "~ big: size 204800 -> 196608, bytes 196608..204800 removed\n");
  }
}

TEST_CASE("Symlink targets and link counts are compared", "[diff]") {
  SECTION("target") {
    std::shared_ptr<Filesystem> a = Built("link -> a\n");
    std::shared_ptr<Filesystem> b = Built("link -> b\n");
    const std::vector<Change> d = MustDiff(*a, *b, ShapeOnly());
    CHECK(FormatDiff(d) == "~ link: target \"a\" -> \"b\"\n");
    REQUIRE(d.size() == 1);
    CHECK(d[0].kind == ChangeKind::kTargetChanged);
    CHECK(d[0].before.target == "a");
    CHECK(d[0].after.target == "b");
  }
  SECTION("a symlink that became a file") {
    std::shared_ptr<Filesystem> a = Built("link -> a\n");
    std::shared_ptr<Filesystem> b = Built("link = a\n");
    CHECK(DiffText(*a, *b, ShapeOnly()) == "~ link: kind symlink -> file\n");
  }
  SECTION("a file's link count") {
    std::shared_ptr<Filesystem> a = Built("f = x\n");
    std::shared_ptr<Filesystem> b = Built("f = x\nf2 => f\n");
    const std::vector<Change> d = MustDiff(*a, *b, ShapeOnly());
    CHECK(FormatDiff(d) == "~ f: links 1 -> 2\n+ f2 (file, 1 byte)\n");
    REQUIRE(d.size() == 2);
    CHECK(d[0].kind == ChangeKind::kLinksChanged);
    CHECK(d[0].before.nlink == 1);
    CHECK(d[0].after.nlink == 2);
  }
}

TEST_CASE("A directory's link count is reported only where its entries do not show it",
          "[diff]") {
  std::shared_ptr<Filesystem> a = Built("d/\nd/f = 1\n");
  std::shared_ptr<Filesystem> b = Built("d/\nd/f = 1\nd/sub/\n");
  // The new subdirectory explains 2 -> 3.
  CHECK(DiffText(*a, *b, ShapeOnly()) == "+ d/sub/ (dir)\n");
  // With it filtered out, the link count is the only trace.
  DiffOptions o = ShapeOnly();
  o.filter = [](std::string_view p) { return p != "d/sub"; };
  CHECK(DiffText(*a, *b, o) == "~ d/: links 2 -> 3\n");
}

TEST_CASE("Times are compared unless ignore_times is set", "[diff]") {
  std::shared_ptr<Filesystem> a = NewFs();
  REQUIRE(a->WriteFile("f", "x").ok());
  REQUIRE(a->WriteFile("g", "y").ok());
  LiveState b = MustFork(*a);
  // A fork keeps times and inode numbers: nothing differs yet.
  CHECK(MustDiff(*a, *b.fs).empty());
  RootContext rc(b.fs);
  REQUIRE_OK(rc.ctx.path_filestat_set_times(rc.dir, kNoFollow, "f", 5, 7,
                                            fstflags::kAtim | fstflags::kMtim));
  const Filestat before = MustStat(*a, "f");
  const Filestat after = MustStat(*b.fs, "f");
  REQUIRE(after.ctim != before.ctim);  // set_times sets ctim
  const std::vector<Change> d = MustDiff(*a, *b.fs);
  CHECK(FormatDiff(d) == absl::StrCat("~ f: atim ", before.atim, " -> 5, mtim ",
                                      before.mtim, " -> 7, ctim ", before.ctim, " -> ",
                                      after.ctim, "\n"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].kind == ChangeKind::kTimesChanged);
  CHECK(d[0].after.atim == 5);
  CHECK(d[0].after.mtim == 7);
  DiffOptions o;
  o.ignore_times = true;
  CHECK(MustDiff(*a, *b.fs, o).empty());
}

TEST_CASE("Inode numbers are compared unless ignore_inode_numbers is set", "[diff]") {
  std::shared_ptr<Filesystem> a = NewFs();
  REQUIRE(a->WriteFile("f", "x").ok());
  REQUIRE(a->WriteFile("g", "y").ok());
  LiveState b = MustFork(*a);
  RootContext rc(b.fs);
  // The same name and bytes on a new inode.
  REQUIRE_OK(rc.ctx.path_unlink_file(rc.dir, "f"));
  REQUIRE(b.fs->WriteFile("f", "x").ok());
  const inode_t ino_a = MustStat(*a, "f").ino;
  const inode_t ino_b = MustStat(*b.fs, "f").ino;
  REQUIRE(ino_a != ino_b);
  DiffOptions o;
  o.ignore_times = true;
  const std::vector<Change> d = MustDiff(*a, *b.fs, o);
  CHECK(FormatDiff(d) == absl::StrCat("~ f: ino ", ino_a, " -> ", ino_b, "\n"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].kind == ChangeKind::kInodeChanged);
  o.ignore_inode_numbers = true;
  CHECK(MustDiff(*a, *b.fs, o).empty());
}

TEST_CASE("Several changes at one path come in ChangeKind order", "[diff]") {
  std::shared_ptr<Filesystem> a = NewFs();
  REQUIRE(a->WriteFile("f", "one").ok());
  LiveState b = MustFork(*a);
  RootContext rc(b.fs);
  REQUIRE_OK(rc.ctx.path_unlink_file(rc.dir, "f"));
  REQUIRE(b.fs->WriteFile("f", "two").ok());
  REQUIRE(b.fs->MakeHardLink("f", "g").ok());
  const Filestat x = MustStat(*a, "f");
  const Filestat y = MustStat(*b.fs, "f");
  CHECK(DiffText(*a, *b.fs) ==
        absl::StrCat("~ f: content differs at bytes 0..3 (size 3)\n",
                     "~ f: atim ", x.atim, " -> ", y.atim, ", mtim ", x.mtim, " -> ",
                     y.mtim, ", ctim ", x.ctim, " -> ", y.ctim, "\n",
                     "~ f: links 1 -> 2\n",
                     "~ f: ino ", x.ino, " -> ", y.ino, "\n",
                     "+ g (file, 3 bytes)\n"));
}

TEST_CASE("The filter prunes paths and does not descend into refused directories",
          "[diff]") {
  std::shared_ptr<Filesystem> a = Built(
      "keep/a = 1\n"
      "keep/tmp.log = x\n"
      "skip/b = 2\n"
      "skip/c/d = 3\n");
  std::shared_ptr<Filesystem> b = Built(
      "keep/a = 9\n"
      "keep/tmp.log = y\n"
      "skip/b = 8\n"
      "skip/new = n\n");
  std::vector<std::string> asked;
  DiffOptions o = ShapeOnly();
  o.filter = [&asked](std::string_view p) {
    asked.emplace_back(p);
    return p != "skip" && p != "keep/tmp.log";
  };
  CHECK(DiffText(*a, *b, o) == "~ keep/a: content differs at bytes 0..1 (size 1)\n");
  std::sort(asked.begin(), asked.end());
  CHECK(asked == std::vector<std::string>{"keep", "keep/a", "keep/tmp.log", "skip"});
  // Without the filter, everything shows.
  CHECK(DiffText(*a, *b, ShapeOnly()) ==
        "~ keep/a: content differs at bytes 0..1 (size 1)\n"
        "~ keep/tmp.log: content differs at bytes 0..1 (size 1)\n"
        "~ skip/b: content differs at bytes 0..1 (size 1)\n"
        "- skip/c/ (dir)\n"
        "- skip/c/d (file, 1 byte)\n"
        "+ skip/new (file, 1 byte)\n");
}

TEST_CASE("Subtrees are compared relative to their roots, also within one Filesystem",
          "[diff]") {
  std::shared_ptr<Filesystem> fs = Built(
      "x/f = 1\n"
      "x/g = 2\n"
      "x/shared = s\n"
      "y/f = 1\n"
      "y/g = 3\n"
      "y/shared => x/shared\n"
      "to_y -> y\n");
  CHECK(DiffText(*fs, *fs, ShapeOnly(), "x", "/y/") ==
        "~ g: content differs at bytes 0..1 (size 1)\n");
  // A root given as a symlink is followed, as List follows it.
  CHECK(DiffText(*fs, *fs, ShapeOnly(), "x", "to_y") ==
        "~ g: content differs at bytes 0..1 (size 1)\n");
  // Two separately made files differ in inode number; the hard link does not.
  DiffOptions o;
  o.ignore_times = true;
  const std::vector<Change> d = MustDiff(*fs, *fs, o, "x", "y");
  std::vector<std::string> paths;
  for (const Change& c : d) paths.push_back(absl::StrCat(c.path, " ", static_cast<int>(c.kind)));
  CHECK(paths == std::vector<std::string>{
                     absl::StrCat("f ", static_cast<int>(ChangeKind::kInodeChanged)),
                     absl::StrCat("g ", static_cast<int>(ChangeKind::kContentChanged)),
                     absl::StrCat("g ", static_cast<int>(ChangeKind::kInodeChanged))});
}

TEST_CASE("A tree and its fork have no differences until one changes", "[diff]") {
  for (int seed = 0; seed < 30; ++seed) {
    INFO("seed " << seed);
    RandomState s = MakeRandomState(seed, 40);
    LiveState f = MustFork(*s.fs, s.contexts());
    CHECK(MustDiff(*s.fs, *f.fs).empty());
    REQUIRE(f.fs->WriteFile("diff-probe", "p").ok());
    CHECK(DiffText(*s.fs, *f.fs) == "+ diff-probe (file, 1 byte)\n");
  }
}

namespace {

// Records the largest single read a backend was asked for.
struct ReadLog {
  size_t largest = 0;
  uint64_t reads = 0;
};
class RecordingContents : public ForwardingContents {
 public:
  RecordingContents(std::unique_ptr<FileContents> inner, std::shared_ptr<ReadLog> log)
      : ForwardingContents(std::move(inner)), log_(std::move(log)) {}
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override {
    log_->largest = std::max(log_->largest, out.size());
    log_->reads++;
    return ForwardingContents::Read(offset, out);
  }

 private:
  std::shared_ptr<ReadLog> log_;
};

long MaxRssKiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

}  // namespace

TEST_CASE("A sparse 1 GiB file is compared in bounded pieces", "[diff]") {
  constexpr filesize_t kSize = filesize_t{1} << 30;
  auto log = std::make_shared<ReadLog>();
  auto make = [&log]() {
    FilesystemOptions o;
    o.new_file_contents = [log]() -> std::unique_ptr<FileContents> {
      return std::make_unique<RecordingContents>(std::make_unique<MemoryContents>(), log);
    };
    std::shared_ptr<Filesystem> fs = NewFs(std::move(o));
    RootContext rc(fs);
    Result<fd_t> fd = Open(rc.ctx, rc.dir, "big", oflags::kCreat);
    REQUIRE(fd.ok());
    REQUIRE_OK(rc.ctx.fd_filestat_set_size(*fd, kSize));
    REQUIRE(ValueOrDefault(PWrite(rc.ctx, *fd, "end", kSize - 3)) == 3);
    REQUIRE_OK(rc.ctx.fd_close(*fd));
    return fs;
  };
  std::shared_ptr<Filesystem> a = make();
  std::shared_ptr<Filesystem> b = make();
  log->largest = 0;
  log->reads = 0;
  const long rss_before = MaxRssKiB();
  // The same calls on the same clock: equal in everything.
  CHECK(MustDiff(*a, *b).empty());
  CHECK(log->reads >= 2 * (kSize >> 16));  // every byte was compared
  CHECK(log->largest <= 64 * 1024);        // never more than a piece at once
  // A whole-file read would have raised the peak by 1 GiB or more.
  CHECK(MaxRssKiB() - rss_before < 256 * 1024);


  // One byte in the middle differs.
  RootContext rc(b);
  Result<fd_t> fd = Open(rc.ctx, rc.dir, "big");
  REQUIRE(fd.ok());
  REQUIRE(ValueOrDefault(PWrite(rc.ctx, *fd, "!", kSize / 2)) == 1);
  DiffOptions o;
  o.ignore_times = true;
  CHECK(DiffText(*a, *b, o) ==
        "~ big: content differs at bytes 536870912..536870913 (size 1073741824)\n");
  CHECK(log->largest <= 64 * 1024);
}

TEST_CASE("A missing or non-directory root is an error naming it", "[diff]") {
  std::shared_ptr<Filesystem> a = Built("dir/file.txt = x\n");
  std::shared_ptr<Filesystem> b = Built("dir/\n");
  absl::StatusOr<std::vector<Change>> d = DiffTrees(*a, "missing", *b, "dir");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Msg(d.status()), Catch::StartsWith("tree a: ") && Catch::Contains("missing"));

  d = DiffTrees(*a, "dir", *b, "dir/nope/deeper");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Msg(d.status()), Catch::StartsWith("tree b: ") && Catch::Contains("dir/nope"));

  d = DiffTrees(*a, "dir/file.txt", *b, "dir");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(Msg(d.status()), Catch::StartsWith("tree a: ") && Catch::Contains("dir/file.txt"));
}

TEST_CASE("FormatDiff quotes paths and targets that need it", "[diff]") {
  CHECK(FormatDiff({}).empty());
  std::shared_ptr<Filesystem> a = NewFs();
  std::shared_ptr<Filesystem> b = NewFs();
  REQUIRE(b->WriteFile("we\"ird\nname", "1").ok());
  REQUIRE(b->MakeSymlink("tab", "a\tb\\c").ok());
  REQUIRE(b->MakeDirectories("sp ace").ok());
  REQUIRE(b->WriteFile("caf\xc3\xa9", "").ok());
  CHECK(DiffText(*a, *b, ShapeOnly()) ==
        "+ caf\xc3\xa9 (file, 0 bytes)\n"
        "+ sp ace/ (dir)\n"
        "+ tab (symlink -> \"a\\tb\\\\c\")\n"
        "+ \"we\\\"ird\\nname\" (file, 1 byte)\n");
}

}  // namespace vfs::testing
