// Directory and name operations through the preview1 Context:
// path_create_directory, path_remove_directory, path_unlink_file,
// path_rename, path_link, path_symlink, path_readlink, path_filestat_get and
// path_filestat_set_times. Each call is checked for success and for every
// error in docs/error-model.md, including the wasi-testsuite trailing-slash
// programs (path_symlink_trailing_slashes, path_rename_dir_trailing_slashes,
// path_rename_file_trailing_slashes, unlink_file_trailing_slashes,
// remove_directory_trailing_slashes, nofollow_errors, dangling_symlink,
// symlink_loop). Every failed call is checked to leave the whole tree
// (names, kinds, link counts, sizes, contents, targets, inode numbers and
// all timestamps) unchanged.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {


// Rights to request when opening a directory: all a directory can hold but
// FD_DATASYNC, which these tests never need, so that no open here depends on
// whether FD_DATASYNC counts as write intent.
constexpr Rights kDirRights = rights::kDirectoryBase & ~rights::kFdDatasync;

// The common fixture. `outside/` is a sibling of the preopen.
constexpr std::string_view kTree = R"(
outside/secret = top secret
base/dir/
base/dir/sub/
base/dir/sub/inner = inner
base/empty/
base/file = hello
base/link_file -> file
base/link_dir -> dir
base/dangling -> missing
base/loop1 -> loop2
base/loop2 -> loop1
base/self -> self
base/abs -> /outside/secret
base/esc -> ../outside
)";

// A string with embedded NULs, from a literal.
template <size_t N>
std::string Lit(const char (&s)[N]) {
  return std::string(s, N - 1);
}

template <typename T>
Errno Err(const Result<T>& r) {
  return r.error();
}

// Every named path in the tree (from Dump) with its three timestamps, so a
// failed call can be shown to have touched no time either.
std::string AllTimes(Filesystem& fs) {
  std::string out;
  std::vector<std::string> stack;
  for (absl::string_view line : absl::StrSplit(fs.Dump(), '\n')) {
    if (line.empty() || line.front() == '/' || line.front() == '(') continue;
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    const size_t depth = indent / 2 - 1;
    absl::string_view rest = line.substr(indent);
    stack.resize(depth);
    stack.emplace_back(rest.substr(0, rest.find(" [")));
    const std::string full = absl::StrJoin(stack, "/");
    absl::StatusOr<Filestat> st = fs.Stat(full, /*follow=*/false);
    if (!st.ok()) {
      absl::StrAppend(&out, full, " <", st.status().ToString(), ">\n");
      continue;
    }
    absl::StrAppend(&out, full, " ", st->atim, " ", st->mtim, " ", st->ctim, "\n");
  }
  return out;
}

struct State {
  std::string dump;
  std::string digest;
  std::string times;
};

State Capture(Sandbox& sb) {
  return State{sb.fs().Dump(), SubtreeDigest(sb.fs(), "base"), AllTimes(sb.fs())};
}

// Runs `expr` (an Errno), requires `want`, and requires that nothing in the
// filesystem changed.
#define EXPECT_ERRNO_UNCHANGED(sb, want, expr)                                \
  do {                                                                       \
    const State before_ = Capture(sb);                                       \
    const Errno got_ = (expr);                                               \
    INFO(#expr << " -> " << ErrnoName(got_) << ", want " << ErrnoName(want)); \
    CHECK(got_ == (want));                                                   \
    const State after_ = Capture(sb);                                        \
    CHECK(after_.dump == before_.dump);                                      \
    CHECK(after_.digest == before_.digest);                                  \
    CHECK(after_.times == before_.times);                                    \
  } while (0)

Filestat StatAt(Sandbox& sb, std::string_view path, Lookupflags flags = kNoFollow) {
  Result<Filestat> r = sb.ctx().path_filestat_get(sb.base(), flags, path);
  INFO("path_filestat_get '" << path << "' -> " << ErrnoName(r.error()));
  REQUIRE(r.ok());
  return *r;
}

bool Exists(Sandbox& sb, std::string_view path) {
  return sb.ctx().path_filestat_get(sb.base(), kNoFollow, path).ok();
}

fd_t OpenDir(Sandbox& sb, std::string_view path, Rights base = kDirRights) {
  Result<fd_t> fd = sb.ctx().path_open(sb.base(), kNoFollow, path, oflags::kDirectory,
                                       base, rights::kDirectoryInheriting, Fdflags());
  INFO("open dir '" << path << "' -> " << ErrnoName(fd.error()));
  REQUIRE(fd.ok());
  return *fd;
}

fd_t OpenFile(Sandbox& sb, std::string_view path) {
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), path);
  INFO("open file '" << path << "' -> " << ErrnoName(fd.error()));
  REQUIRE(fd.ok());
  return *fd;
}

// A second descriptor on the preopen with one right removed.
fd_t BaseWithout(Sandbox& sb, Rights drop) {
  return OpenDir(sb, ".", kDirRights & ~drop);
}

std::vector<std::string> NamesOf(Sandbox& sb, fd_t dir) {
  Result<std::vector<Listed>> l = ListDir(sb.ctx(), dir);
  REQUIRE(l.ok());
  return Names(*l);
}

std::vector<std::string> NamesAt(Sandbox& sb, std::string_view path) {
  const fd_t fd = OpenDir(sb, path);
  std::vector<std::string> names = NamesOf(sb, fd);
  REQUIRE(sb.ctx().fd_close(fd) == Errno::kSuccess);
  return names;
}

std::string ReadLink(Sandbox& sb, std::string_view path, size_t buf_len = 4200) {
  std::vector<uint8_t> buf(buf_len);
  Result<size_t> n = sb.ctx().path_readlink(sb.base(), path, absl::MakeSpan(buf));
  INFO("path_readlink '" << path << "' -> " << ErrnoName(n.error()));
  REQUIRE(n.ok());
  return std::string(reinterpret_cast<char*>(buf.data()), *n);
}

struct PathCase {
  const char* label;
  std::string path;
  Errno want;
};

// Resolver errors shared by every path operation (the path is the operand).
std::vector<PathCase> ResolverErrorCases() {
  return {
      {"empty path", "", Errno::kNoent},
      {"absolute path", "/x", Errno::kPerm},
      {"dot-dot out of the base", "../x", Errno::kPerm},
      {"leave and come back", "dir/../../base/x", Errno::kPerm},
      {"missing intermediate", "nope/x", Errno::kNoent},
      {"file as intermediate", "file/x", Errno::kNotdir},
      {"NUL byte", Lit("a\0b"), Errno::kInval},
      {"invalid UTF-8", "bad\xff", Errno::kIlseq},
      {"256-byte component", std::string(256, 'n'), Errno::kNametoolong},
      {"4097-byte path", std::string(4097, 'p'), Errno::kNametoolong},
      {"symlink loop as intermediate", "loop1/x", Errno::kLoop},
      {"self loop as intermediate", "self/x", Errno::kLoop},
      {"absolute symlink as intermediate", "abs/x", Errno::kPerm},
      {"escaping symlink as intermediate", "esc/x", Errno::kPerm},
      {"dangling symlink as intermediate", "dangling/x", Errno::kNoent},
  };
}

}  // namespace

// ===================================================================
// path_create_directory
// ===================================================================

TEST_CASE("path_create_directory makes an empty directory and counts it in the parent's nlink",
          "[dirops][mkdir]") {
  Sandbox sb(kTree);
  const Filestat parent_before = StatAt(sb, "dir");
  REQUIRE(parent_before.nlink == 3);  // dir + sub
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "dir/new"));
  const Filestat made = StatAt(sb, "dir/new");
  CHECK(made.filetype == Filetype::kDirectory);
  CHECK(made.nlink == 2);
  CHECK(made.size == 0);
  CHECK(StatAt(sb, "dir").nlink == 4);
  CHECK(NamesAt(sb, "dir") == std::vector<std::string>{".", "..", "sub", "new"});
  CHECK(NamesAt(sb, "dir/new") == std::vector<std::string>{".", ".."});
}

TEST_CASE("path_create_directory accepts a trailing slash on the new name", "[dirops][mkdir]") {
  Sandbox sb(kTree);
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "made/"));
  CHECK(StatAt(sb, "made").filetype == Filetype::kDirectory);
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "dir//made2///"));
  CHECK(StatAt(sb, "dir/made2").filetype == Filetype::kDirectory);
}

TEST_CASE("path_create_directory accepts a 255-byte name and refuses 256 bytes", "[dirops][mkdir]") {
  Sandbox sb(kTree);
  const std::string name255(255, 'x');
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), name255));
  CHECK(StatAt(sb, name255).filetype == Filetype::kDirectory);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNametoolong,
                         sb.ctx().path_create_directory(sb.base(), name255 + "y"));
}

TEST_CASE("path_create_directory through a symlinked directory creates inside the target",
          "[dirops][mkdir]") {
  Sandbox sb(kTree);
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "link_dir/viaLink"));
  CHECK(StatAt(sb, "dir/viaLink").filetype == Filetype::kDirectory);
  CHECK(StatAt(sb, "link_dir", kNoFollow).filetype == Filetype::kSymbolicLink);
}

TEST_CASE("path_create_directory on an existing name or a dot path gives EXIST and changes nothing",
          "[dirops][mkdir]") {
  auto c = GENERATE(values<PathCase>({
      {"existing directory", "dir", Errno::kExist},
      {"existing directory with slash", "dir/", Errno::kExist},
      {"existing file", "file", Errno::kExist},
      {"existing symlink to a file", "link_file", Errno::kExist},
      {"existing symlink to a dir", "link_dir", Errno::kExist},
      {"dangling symlink", "dangling", Errno::kExist},
      {"looping symlink", "loop1", Errno::kExist},
      {"dot", ".", Errno::kExist},
      {"dir/.", "dir/.", Errno::kExist},
      {"dir/..", "dir/..", Errno::kExist},
      {"dir/sub/..", "dir/sub/..", Errno::kExist},
      {"nested existing", "dir/sub", Errno::kExist},
  }));
  Sandbox sb(kTree);
  INFO(c.label << ": '" << c.path << "'");
  EXPECT_ERRNO_UNCHANGED(sb, c.want, sb.ctx().path_create_directory(sb.base(), c.path));
}

TEST_CASE("path_create_directory reports resolver errors and changes nothing", "[dirops][mkdir]") {
  auto c = GENERATE(from_range(ResolverErrorCases()));
  Sandbox sb(kTree);
  INFO(c.label);
  EXPECT_ERRNO_UNCHANGED(sb, c.want, sb.ctx().path_create_directory(sb.base(), c.path));
}

TEST_CASE("path_create_directory checks the descriptor, then its kind, then its rights",
          "[dirops][mkdir][order]") {
  Sandbox sb(kTree);
  const fd_t file_fd = OpenFile(sb, "file");
  const fd_t no_right = BaseWithout(sb, rights::kPathCreateDirectory);
  SECTION("not open") {
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_create_directory(99, "x"));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_create_directory(99, "../x"));
  }
  SECTION("a file descriptor is not a directory") {
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_create_directory(file_fd, "x"));
  }
  SECTION("missing PATH_CREATE_DIRECTORY, even with a bad path") {
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_create_directory(no_right, "x"));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable,
                           sb.ctx().path_create_directory(no_right, "../x"));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_create_directory(no_right, ""));
  }
}

TEST_CASE("path_create_directory inside a removed directory gives NOENT", "[dirops][mkdir]") {
  Sandbox sb(kTree);
  const fd_t gone = OpenDir(sb, "empty");
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "empty"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent, sb.ctx().path_create_directory(gone, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent, sb.ctx().path_create_directory(gone, "x/"));
}

// ===================================================================
// path_remove_directory
// ===================================================================

TEST_CASE("remove_directory_trailing_slashes: an empty directory goes with or without a slash",
          "[dirops][rmdir][wasi-testsuite]") {
  Sandbox sb(kTree);
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "d"));
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "d"));
  CHECK(sb.ctx().path_filestat_get(sb.base(), kNoFollow, "d").error() == Errno::kNoent);
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "d"));
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "d/"));
  CHECK(sb.ctx().path_filestat_get(sb.base(), kNoFollow, "d").error() == Errno::kNoent);
  // A file is NOTDIR, with or without the slash.
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_remove_directory(sb.base(), "file"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_remove_directory(sb.base(), "file/"));
}

TEST_CASE("path_remove_directory removes exactly one empty directory and updates the parent's nlink",
          "[dirops][rmdir]") {
  Sandbox sb(kTree);
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "dir/second"));
  REQUIRE(StatAt(sb, "dir").nlink == 4);
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "dir/second"));
  CHECK(StatAt(sb, "dir").nlink == 3);
  CHECK(NamesAt(sb, "dir") == std::vector<std::string>{".", "..", "sub"});
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "empty"));
  CHECK(StatAt(sb, ".").nlink == 3);  // base: 2 + dir
  CHECK(StatAt(sb, "dir/sub").filetype == Filetype::kDirectory);
}

TEST_CASE("path_remove_directory errors leave the tree unchanged", "[dirops][rmdir]") {
  auto c = GENERATE(values<PathCase>({
      {"dot", ".", Errno::kInval},
      {"dot with slash", "./", Errno::kInval},
      {"dir/.", "dir/.", Errno::kInval},
      {"dir/..", "dir/..", Errno::kNotempty},
      {"dir/sub/..", "dir/sub/..", Errno::kNotempty},
      {"missing", "missing", Errno::kNoent},
      {"missing with slash", "missing/", Errno::kNoent},
      {"regular file", "file", Errno::kNotdir},
      {"regular file with slash", "file/", Errno::kNotdir},
      {"symlink to a directory", "link_dir", Errno::kNotdir},
      {"symlink to a directory with slash", "link_dir/", Errno::kNotdir},
      {"dangling symlink", "dangling", Errno::kNotdir},
      {"non-empty directory", "dir", Errno::kNotempty},
      {"non-empty directory with slash", "dir/", Errno::kNotempty},
      {"non-empty nested directory", "dir/sub", Errno::kNotempty},
      {"dot-dot of the base", "..", Errno::kPerm},
  }));
  Sandbox sb(kTree);
  INFO(c.label << ": '" << c.path << "'");
  EXPECT_ERRNO_UNCHANGED(sb, c.want, sb.ctx().path_remove_directory(sb.base(), c.path));
}

TEST_CASE("path_remove_directory reports resolver errors and changes nothing", "[dirops][rmdir]") {
  auto c = GENERATE(from_range(ResolverErrorCases()));
  Sandbox sb(kTree);
  INFO(c.label);
  EXPECT_ERRNO_UNCHANGED(sb, c.want, sb.ctx().path_remove_directory(sb.base(), c.path));
}

TEST_CASE("path_remove_directory checks the descriptor, then its kind, then its rights",
          "[dirops][rmdir][order]") {
  Sandbox sb(kTree);
  const fd_t file_fd = OpenFile(sb, "file");
  const fd_t no_right = BaseWithout(sb, rights::kPathRemoveDirectory);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_remove_directory(99, "empty"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_remove_directory(file_fd, "empty"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_remove_directory(no_right, "empty"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_remove_directory(no_right, "../x"));
}

TEST_CASE("path_remove_directory through a directory descriptor below the preopen",
          "[dirops][rmdir]") {
  Sandbox sb(kTree);
  const fd_t dir = OpenDir(sb, "dir");
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kPerm, sb.ctx().path_remove_directory(dir, "../empty"));
  REQUIRE_OK(sb.ctx().path_unlink_file(dir, "sub/inner"));
  REQUIRE_OK(sb.ctx().path_remove_directory(dir, "sub"));
  CHECK(StatAt(sb, "dir").nlink == 2);
}

// ===================================================================
// path_unlink_file
// ===================================================================

TEST_CASE("unlink_file_trailing_slashes: a directory is ISDIR, file/ is NOTDIR",
          "[dirops][unlink][wasi-testsuite]") {
  Sandbox sb(kTree);
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "d"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kIsdir, sb.ctx().path_unlink_file(sb.base(), "d"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kIsdir, sb.ctx().path_unlink_file(sb.base(), "d/"));
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "d"));
  const fd_t f = *Open(sb.ctx(), sb.base(), "f", oflags::kCreat);
  REQUIRE(sb.ctx().fd_close(f) == Errno::kSuccess);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_unlink_file(sb.base(), "f/"));
  REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "f"));
  CHECK_FALSE(Exists(sb, "f"));
}

TEST_CASE("path_unlink_file removes a symlink itself, never its target", "[dirops][unlink]") {
  Sandbox sb(kTree);
  SECTION("symlink to a file") {
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "link_file"));
    CHECK_FALSE(Exists(sb, "link_file"));
    CHECK(StatAt(sb, "file").filetype == Filetype::kRegularFile);
    CHECK(*sb.fs().ReadFile("base/file") == "hello");
  }
  SECTION("symlink to a directory") {
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "link_dir"));
    CHECK_FALSE(Exists(sb, "link_dir"));
    CHECK(StatAt(sb, "dir").filetype == Filetype::kDirectory);
    CHECK(StatAt(sb, "dir").nlink == 3);
  }
  SECTION("dangling, looping and absolute symlinks") {
    for (const char* name : {"dangling", "loop1", "self", "abs", "esc"}) {
      INFO(name);
      REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), name));
      CHECK_FALSE(Exists(sb, name));
    }
    CHECK(*sb.fs().ReadFile("outside/secret") == "top secret");
  }
}

TEST_CASE("path_unlink_file errors leave the tree unchanged", "[dirops][unlink]") {
  auto c = GENERATE(values<PathCase>({
      {"missing", "missing", Errno::kNoent},
      {"missing with slash", "missing/", Errno::kNoent},
      {"directory", "dir", Errno::kIsdir},
      {"directory with slash", "dir/", Errno::kIsdir},
      {"empty directory", "empty", Errno::kIsdir},
      {"dot", ".", Errno::kIsdir},
      {"dir/..", "dir/..", Errno::kIsdir},
      {"file with slash", "file/", Errno::kNotdir},
      {"file with slashes", "file///", Errno::kNotdir},
      {"symlink to a file with slash", "link_file/", Errno::kNotdir},
      {"symlink to a directory with slash", "link_dir/", Errno::kNotdir},
      {"dot-dot of the base", "..", Errno::kPerm},
  }));
  Sandbox sb(kTree);
  INFO(c.label << ": '" << c.path << "'");
  EXPECT_ERRNO_UNCHANGED(sb, c.want, sb.ctx().path_unlink_file(sb.base(), c.path));
}

TEST_CASE("path_unlink_file reports resolver errors and changes nothing", "[dirops][unlink]") {
  auto c = GENERATE(from_range(ResolverErrorCases()));
  Sandbox sb(kTree);
  INFO(c.label);
  EXPECT_ERRNO_UNCHANGED(sb, c.want, sb.ctx().path_unlink_file(sb.base(), c.path));
}

TEST_CASE("path_unlink_file checks the descriptor, then its kind, then its rights",
          "[dirops][unlink][order]") {
  Sandbox sb(kTree);
  const fd_t file_fd = OpenFile(sb, "file");
  const fd_t no_right = BaseWithout(sb, rights::kPathUnlinkFile);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_unlink_file(99, "file"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_unlink_file(file_fd, "file"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_unlink_file(no_right, "file"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_unlink_file(no_right, "../x"));
}

TEST_CASE("path_unlink_file of one hard link removes exactly that name", "[dirops][unlink][link]") {
  Sandbox sb("base/a = data\nbase/b => base/a\nbase/c => base/a\n");
  const inode_t ino = StatAt(sb, "a").ino;
  REQUIRE(StatAt(sb, "b").nlink == 3);
  REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "b"));
  CHECK(NamesAt(sb, ".") == std::vector<std::string>{".", "..", "a", "c"});
  CHECK(StatAt(sb, "a").nlink == 2);
  CHECK(StatAt(sb, "c").ino == ino);
  CHECK(*sb.fs().ReadFile("base/c") == "data");
  REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "a"));
  CHECK(NamesAt(sb, ".") == std::vector<std::string>{".", "..", "c"});
  CHECK(StatAt(sb, "c").nlink == 1);
  CHECK(StatAt(sb, "c").ino == ino);
}

// ===================================================================
// Parent directory timestamps
// ===================================================================

TEST_CASE("Creating and removing names advances the parent directory's mtim and ctim",
          "[dirops][times]") {
  Sandbox sb(kTree);
  auto expect_touched = [&](std::string_view parent, const Filestat& before) {
    const Filestat after = StatAt(sb, parent);
    INFO("parent " << parent);
    CHECK(after.mtim > before.mtim);
    CHECK(after.ctim > before.ctim);
    CHECK(after.atim == before.atim);
  };
  const Filestat before = StatAt(sb, "dir");
  SECTION("path_create_directory") {
    REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "dir/n"));
    expect_touched("dir", before);
  }
  SECTION("path_open CREAT") {
    Result<fd_t> fd = Open(sb.ctx(), sb.base(), "dir/n", oflags::kCreat);
    REQUIRE(fd.ok());
    expect_touched("dir", before);
  }
  SECTION("path_symlink") {
    REQUIRE_OK(sb.ctx().path_symlink("t", sb.base(), "dir/n"));
    expect_touched("dir", before);
  }
  SECTION("path_link") {
    REQUIRE_OK(sb.ctx().path_link(sb.base(), kNoFollow, "file", sb.base(), "dir/n"));
    expect_touched("dir", before);
  }
  SECTION("path_unlink_file") {
    const Filestat sub_before = StatAt(sb, "dir/sub");
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "dir/sub/inner"));
    expect_touched("dir/sub", sub_before);
    // `dir` is the grandparent: untouched.
    const Filestat dir_after = StatAt(sb, "dir");
    CHECK(dir_after.mtim == before.mtim);
    CHECK(dir_after.ctim == before.ctim);
  }
  SECTION("path_remove_directory") {
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "dir/sub/inner"));
    const Filestat mid = StatAt(sb, "dir");
    REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "dir/sub"));
    expect_touched("dir", mid);
  }
}

TEST_CASE("path_unlink_file advances the parent's times and the unlinked inode's ctim",
          "[dirops][times]") {
  Sandbox sb("base/d/\nbase/d/f = x\nbase/d/g => base/d/f\n");
  const Filestat parent = StatAt(sb, "d");
  const Filestat file = StatAt(sb, "d/f");
  REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "d/f"));
  const Filestat parent_after = StatAt(sb, "d");
  CHECK(parent_after.mtim > parent.mtim);
  CHECK(parent_after.ctim > parent.ctim);
  const Filestat other = StatAt(sb, "d/g");
  CHECK(other.ino == file.ino);
  CHECK(other.ctim > file.ctim);
  CHECK(other.mtim == file.mtim);
  CHECK(other.nlink == 1);
}

TEST_CASE("path_rename advances the times of both parent directories", "[dirops][times][rename]") {
  Sandbox sb(kTree);
  const Filestat from = StatAt(sb, "dir/sub");
  const Filestat to = StatAt(sb, "empty");
  const Filestat base = StatAt(sb, ".");
  const Filestat dir = StatAt(sb, "dir");
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "dir/sub/inner", sb.base(), "empty/moved"));
  const Filestat from_after = StatAt(sb, "dir/sub");
  const Filestat to_after = StatAt(sb, "empty");
  CHECK(from_after.mtim > from.mtim);
  CHECK(from_after.ctim > from.ctim);
  CHECK(to_after.mtim > to.mtim);
  CHECK(to_after.ctim > to.ctim);
  // The grandparent is not a parent of either name.
  CHECK(StatAt(sb, ".").mtim == base.mtim);
  CHECK(StatAt(sb, ".").ctim == base.ctim);
  CHECK(StatAt(sb, "dir").mtim == dir.mtim);
  CHECK(StatAt(sb, "dir").ctim == dir.ctim);
}

// ===================================================================
// Directory nlink
// ===================================================================

TEST_CASE("A directory's nlink is 2 plus its subdirectories, whatever else it holds",
          "[dirops][nlink]") {
  Sandbox sb("base/d/\n");
  auto nlink = [&](std::string_view p) { return StatAt(sb, p).nlink; };
  CHECK(nlink("d") == 2);
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "d/a"));
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "d/b"));
  CHECK(nlink("d") == 4);
  // Files, symlinks (even to directories) and hard links do not count.
  REQUIRE(Open(sb.ctx(), sb.base(), "d/f", oflags::kCreat).ok());
  REQUIRE_OK(sb.ctx().path_symlink("a", sb.base(), "d/s"));
  REQUIRE_OK(sb.ctx().path_link(sb.base(), kNoFollow, "d/f", sb.base(), "d/h"));
  CHECK(nlink("d") == 4);
  CHECK(nlink("d/a") == 2);
  // The descriptor view agrees with the path view.
  const fd_t fd = OpenDir(sb, "d");
  Result<Filestat> st = sb.ctx().fd_filestat_get(fd);
  REQUIRE(st.ok());
  CHECK(st->nlink == 4);
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "d/a"));
  CHECK(nlink("d") == 3);
  CHECK(sb.ctx().fd_filestat_get(fd)->nlink == 3);
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "d/b", sb.base(), "b2"));
  CHECK(nlink("d") == 2);
  CHECK(nlink(".") == 4);  // base: 2 + d + b2
}

// ===================================================================
// path_rename
// ===================================================================

TEST_CASE("path_rename moves a file within and across directories", "[dirops][rename]") {
  Sandbox sb(kTree);
  const inode_t ino = StatAt(sb, "file").ino;
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "file", sb.base(), "renamed"));
  CHECK_FALSE(Exists(sb, "file"));
  CHECK(StatAt(sb, "renamed").ino == ino);
  CHECK(StatAt(sb, "renamed").nlink == 1);
  const fd_t dir = OpenDir(sb, "dir");
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "renamed", dir, "sub/moved"));
  CHECK_FALSE(Exists(sb, "renamed"));
  CHECK(StatAt(sb, "dir/sub/moved").ino == ino);
  CHECK(*sb.fs().ReadFile("base/dir/sub/moved") == "hello");
  CHECK(NamesAt(sb, "dir/sub") == std::vector<std::string>{".", "..", "inner", "moved"});
  // link_file now dangles: rename moved the name, not a copy.
  CHECK(sb.ctx().path_filestat_get(sb.base(), kFollow, "link_file").error() == Errno::kNoent);
}

TEST_CASE("path_rename of a directory across parents moves its subdir count and its '..'",
          "[dirops][rename][nlink]") {
  Sandbox sb(kTree);
  const Filestat sub = StatAt(sb, "dir/sub");
  const inode_t empty_ino = StatAt(sb, "empty").ino;
  const fd_t sub_fd = OpenDir(sb, "dir/sub");
  REQUIRE(StatAt(sb, "dir").nlink == 3);
  REQUIRE(StatAt(sb, "empty").nlink == 2);
  const uint64_t base_nlink = StatAt(sb, ".").nlink;
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "dir/sub", sb.base(), "empty/sub2"));
  CHECK(StatAt(sb, "dir").nlink == 2);
  CHECK(StatAt(sb, "empty").nlink == 3);
  CHECK(StatAt(sb, ".").nlink == base_nlink);
  const Filestat moved = StatAt(sb, "empty/sub2");
  CHECK(moved.ino == sub.ino);
  CHECK(moved.nlink == 2);
  CHECK(*sb.fs().ReadFile("base/empty/sub2/inner") == "inner");
  // Both parents list the change.
  CHECK(NamesAt(sb, "dir") == std::vector<std::string>{".", "..", });
  CHECK(NamesAt(sb, "empty") == std::vector<std::string>{".", "..", "sub2"});
  // The open descriptor follows the directory; its '..' is the new parent.
  Result<std::vector<Listed>> l = ListDir(sb.ctx(), sub_fd);
  REQUIRE(l.ok());
  REQUIRE(l->size() == 3);
  CHECK((*l)[0].ino == sub.ino);
  CHECK((*l)[1].name == "..");
  CHECK((*l)[1].ino == empty_ino);
  CHECK((*l)[2].name == "inner");
  // Paths through the old descriptor still work.
  CHECK(sb.ctx().path_filestat_get(sub_fd, kNoFollow, "inner").ok());
}

TEST_CASE("path_rename of a directory onto an empty directory replaces it", "[dirops][rename]") {
  Sandbox sb(kTree);
  const inode_t dir_ino = StatAt(sb, "dir").ino;
  const uint64_t base_nlink = StatAt(sb, ".").nlink;
  const size_t live = sb.fs().live_inode_count();
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "dir", sb.base(), "empty"));
  CHECK_FALSE(Exists(sb, "dir"));
  CHECK(StatAt(sb, "empty").ino == dir_ino);
  CHECK(StatAt(sb, "empty/sub/inner").filetype == Filetype::kRegularFile);
  CHECK(StatAt(sb, ".").nlink == base_nlink - 1);
  CHECK(sb.fs().live_inode_count() == live - 1);  // the replaced dir is gone
  std::vector<std::string> names = NamesAt(sb, ".");
  CHECK(std::count(names.begin(), names.end(), "empty") == 1);
  CHECK(std::count(names.begin(), names.end(), "dir") == 0);
  // With a trailing slash on both sides too.
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "e2"));
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "empty/", sb.base(), "e2/"));
  CHECK(StatAt(sb, "e2").ino == dir_ino);
  CHECK(StatAt(sb, ".").nlink == base_nlink - 1);
  // Across parents: the source parent loses a subdir, the target parent
  // swaps one for another.
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "other"));
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "other/slot"));
  const uint64_t other_nlink = StatAt(sb, "other").nlink;
  const uint64_t e2_nlink = StatAt(sb, "e2").nlink;
  const inode_t sub_ino = StatAt(sb, "e2/sub").ino;
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "e2/sub", sb.base(), "other/slot"));
  CHECK(StatAt(sb, "other").nlink == other_nlink);
  CHECK(StatAt(sb, "e2").nlink == e2_nlink - 1);
  CHECK(StatAt(sb, "other/slot").ino == sub_ino);
  CHECK(NamesAt(sb, "other") == std::vector<std::string>{".", "..", "slot"});
  CHECK(NamesAt(sb, "e2") == std::vector<std::string>{".", ".."});
}

TEST_CASE("path_rename over an open empty directory leaves its descriptor on a removed directory",
          "[dirops][rename]") {
  Sandbox sb(kTree);
  const fd_t victim = OpenDir(sb, "empty");
  const inode_t victim_ino = StatAt(sb, "empty").ino;
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "newdir"));
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "newdir", sb.base(), "empty"));
  Result<Filestat> st = sb.ctx().fd_filestat_get(victim);
  REQUIRE(st.ok());
  CHECK(st->ino == victim_ino);
  CHECK(st->nlink == 0);
  CHECK(StatAt(sb, "empty").ino != victim_ino);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent, sb.ctx().path_create_directory(victim, "x"));
  Result<std::vector<Listed>> l = ListDir(sb.ctx(), victim);
  REQUIRE(l.ok());
  CHECK(Names(*l) == std::vector<std::string>{".", ".."});
  REQUIRE(l->size() == 2);
  CHECK((*l)[1].ino == victim_ino);
}

TEST_CASE("path_rename refuses illegal replacements and changes nothing", "[dirops][rename]") {
  struct RenameCase {
    const char* label;
    std::string from, to;
    Errno want;
  };
  auto c = GENERATE(values<RenameCase>({
      {"dir onto non-empty dir", "empty", "dir", Errno::kNotempty},
      {"dir onto non-empty dir, slashes", "empty/", "dir/", Errno::kNotempty},
      {"dir onto file", "empty", "file", Errno::kNotdir},
      {"dir onto symlink", "empty", "link_dir", Errno::kNotdir},
      {"dir onto dangling symlink", "empty", "dangling", Errno::kNotdir},
      {"file onto dir", "file", "empty", Errno::kIsdir},
      {"file onto dir with slash", "file", "empty/", Errno::kNotdir},
      {"symlink onto dir", "link_file", "empty", Errno::kIsdir},
      {"dir into itself", "dir", "dir/x", Errno::kInval},
      {"dir into its subdir", "dir", "dir/sub/x", Errno::kInval},
      {"dir onto its own subdir", "dir", "dir/sub", Errno::kInval},
      {"dir into itself via symlink", "dir", "link_dir/x", Errno::kInval},
      {"dir onto its non-empty parent", "dir/sub", "dir", Errno::kNotempty},
      {"symlink to dir, slash on target", "link_dir", "x/", Errno::kNotdir},
      {"symlink to dir, slash on source", "link_dir/", "x", Errno::kNotdir},
      {"missing source", "missing", "x", Errno::kNoent},
      {"missing source onto existing", "missing", "file", Errno::kNoent},
      {"missing target dir", "file", "missing/x", Errno::kNoent},
      {"source dot", ".", "x", Errno::kBusy},
      {"source dir/.", "dir/.", "x", Errno::kBusy},
      {"source dir/..", "dir/..", "x", Errno::kBusy},
      {"target dot", "file", ".", Errno::kBusy},
      {"target dir/..", "empty", "dir/..", Errno::kBusy},
      {"source escapes", "../outside", "x", Errno::kPerm},
      {"target escapes", "file", "../x", Errno::kPerm},
      {"target through escaping link", "file", "esc/x", Errno::kPerm},
      {"target through absolute link", "file", "abs/x", Errno::kPerm},
      {"source empty", "", "x", Errno::kNoent},
      {"target empty", "file", "", Errno::kNoent},
  }));
  Sandbox sb(kTree);
  INFO(c.label << ": '" << c.from << "' -> '" << c.to << "'");
  EXPECT_ERRNO_UNCHANGED(sb, c.want, sb.ctx().path_rename(sb.base(), c.from, sb.base(), c.to));
}

TEST_CASE("path_rename_file_trailing_slashes: a file with a slash on either side is NOTDIR",
          "[dirops][rename][wasi-testsuite]") {
  Sandbox sb(kTree);
  const fd_t f = *Open(sb.ctx(), sb.base(), "source", oflags::kCreat);
  REQUIRE(sb.ctx().fd_close(f) == Errno::kSuccess);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_rename(sb.base(), "source/", sb.base(), "target"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_rename(sb.base(), "source", sb.base(), "target/"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_rename(sb.base(), "source/", sb.base(), "target/"));
  // Onto an existing file, too.
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_rename(sb.base(), "source", sb.base(), "file/"));
  REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "source"));
}

TEST_CASE("path_rename_dir_trailing_slashes: a directory renames with slashes on either side",
          "[dirops][rename][wasi-testsuite]") {
  Sandbox sb(kTree);
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "source"));
  const inode_t ino = StatAt(sb, "source").ino;
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "source/", sb.base(), "target"));
  CHECK(StatAt(sb, "target").ino == ino);
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "target", sb.base(), "source/"));
  CHECK(StatAt(sb, "source").ino == ino);
  const uint64_t base_nlink = StatAt(sb, ".").nlink;
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "source/", sb.base(), "target/"));
  CHECK(StatAt(sb, "target").ino == ino);
  CHECK_FALSE(Exists(sb, "source"));
  CHECK(StatAt(sb, ".").nlink == base_nlink);
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "target"));
}

TEST_CASE("path_rename onto the same name or another hard link of the same inode is a no-op",
          "[dirops][rename]") {
  Sandbox sb(std::string(kTree) + "base/alias => base/file\n");
  REQUIRE(StatAt(sb, "file").nlink == 2);
  SECTION("file onto itself") {
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kSuccess,
                           sb.ctx().path_rename(sb.base(), "file", sb.base(), "file"));
  }
  SECTION("file onto another name of the same inode") {
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kSuccess,
                           sb.ctx().path_rename(sb.base(), "file", sb.base(), "alias"));
    CHECK(Exists(sb, "file"));
    CHECK(Exists(sb, "alias"));
    CHECK(StatAt(sb, "alias").nlink == 2);
  }
  SECTION("directory onto itself") {
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kSuccess,
                           sb.ctx().path_rename(sb.base(), "dir", sb.base(), "dir"));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kSuccess,
                           sb.ctx().path_rename(sb.base(), "dir/", sb.base(), "./dir/"));
  }
  SECTION("file onto a hard link of it in another directory") {
    REQUIRE_OK(sb.ctx().path_link(sb.base(), kNoFollow, "file", sb.base(), "dir/h"));
    REQUIRE(StatAt(sb, "file").nlink == 3);
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kSuccess,
                           sb.ctx().path_rename(sb.base(), "file", sb.base(), "dir/h"));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kSuccess,
                           sb.ctx().path_rename(sb.base(), "dir/h", sb.base(), "alias"));
    CHECK(StatAt(sb, "dir/h").nlink == 3);
  }
  SECTION("symlink onto itself") {
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kSuccess,
                           sb.ctx().path_rename(sb.base(), "dangling", sb.base(), "dangling"));
  }
}

TEST_CASE("path_rename of a file over a file replaces it and reclaims the old inode",
          "[dirops][rename]") {
  Sandbox sb("base/a = new\nbase/b = old\n");
  const inode_t a = StatAt(sb, "a").ino;
  const size_t live = sb.fs().live_inode_count();
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "a", sb.base(), "b"));
  CHECK(StatAt(sb, "b").ino == a);
  CHECK(*sb.fs().ReadFile("base/b") == "new");
  CHECK_FALSE(Exists(sb, "a"));
  CHECK(sb.fs().live_inode_count() == live - 1);
  CHECK(NamesAt(sb, ".") == std::vector<std::string>{".", "..", "b"});
}

TEST_CASE("path_rename of a symlink moves the link, not its target", "[dirops][rename]") {
  Sandbox sb(kTree);
  const Filestat link = StatAt(sb, "link_dir");
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "link_dir", sb.base(), "empty/l"));
  // The target "dir" is now resolved from empty/: it dangles.
  CHECK(StatAt(sb, "empty/l").ino == link.ino);
  CHECK(StatAt(sb, "empty/l").filetype == Filetype::kSymbolicLink);
  CHECK(ReadLink(sb, "empty/l") == "dir");
  CHECK(sb.ctx().path_filestat_get(sb.base(), kFollow, "empty/l").error() == Errno::kNoent);
  CHECK(StatAt(sb, "dir").filetype == Filetype::kDirectory);
  // A file renamed over a dangling symlink replaces the link.
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "file", sb.base(), "dangling"));
  CHECK(StatAt(sb, "dangling").filetype == Filetype::kRegularFile);
  CHECK(*sb.fs().ReadFile("base/dangling") == "hello");
}

TEST_CASE("path_rename into a removed directory gives NOENT", "[dirops][rename]") {
  Sandbox sb(kTree);
  const fd_t gone = OpenDir(sb, "empty");
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "empty"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent, sb.ctx().path_rename(sb.base(), "file", gone, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent, sb.ctx().path_rename(gone, "x", sb.base(), "y"));
}

TEST_CASE("path_rename checks both descriptors, their kinds and their rights", "[dirops][rename][order]") {
  Sandbox sb(kTree);
  const fd_t file_fd = OpenFile(sb, "file");
  const fd_t no_src = BaseWithout(sb, rights::kPathRenameSource);
  const fd_t no_dst = BaseWithout(sb, rights::kPathRenameTarget);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_rename(99, "file", sb.base(), "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_rename(sb.base(), "file", 99, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_rename(file_fd, "file", sb.base(), "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_rename(sb.base(), "file", file_fd, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_rename(no_src, "file", sb.base(), "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_rename(sb.base(), "file", no_dst, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_rename(no_src, "../x", sb.base(), "x"));
  // Each descriptor needs only its own right.
  REQUIRE_OK(sb.ctx().path_rename(no_dst, "file", no_src, "x"));
  CHECK(Exists(sb, "x"));
}

// ===================================================================
// path_link
// ===================================================================

TEST_CASE("path_link makes a second name for a file", "[dirops][link]") {
  Sandbox sb(kTree);
  const Filestat before = StatAt(sb, "file");
  const Filestat parent = StatAt(sb, "dir");
  const fd_t dir = OpenDir(sb, "dir");
  REQUIRE_OK(sb.ctx().path_link(sb.base(), kNoFollow, "file", dir, "hard"));
  const Filestat a = StatAt(sb, "file");
  const Filestat b = StatAt(sb, "dir/hard");
  CHECK(a.ino == before.ino);
  CHECK(b.ino == before.ino);
  CHECK(a.nlink == 2);
  CHECK(b.nlink == 2);
  CHECK(a.ctim > before.ctim);
  CHECK(StatAt(sb, "dir").mtim > parent.mtim);
  CHECK(StatAt(sb, "dir").nlink == parent.nlink);
  CHECK(NamesAt(sb, "dir") == std::vector<std::string>{".", "..", "sub", "hard"});
  // One inode: a write through one name is read through the other.
  const fd_t w = OpenFile(sb, "dir/hard");
  REQUIRE(*Write(sb.ctx(), w, "HE") == 2);
  CHECK(*sb.fs().ReadFile("base/file") == "HEllo");
}

TEST_CASE("path_link of a symlink links the symlink itself", "[dirops][link]") {
  Sandbox sb(kTree);
  SECTION("symlink to a file") {
    const Filestat link = StatAt(sb, "link_file");
    REQUIRE_OK(sb.ctx().path_link(sb.base(), kNoFollow, "link_file", sb.base(), "l2"));
    const Filestat l2 = StatAt(sb, "l2");
    CHECK(l2.filetype == Filetype::kSymbolicLink);
    CHECK(l2.ino == link.ino);
    CHECK(l2.nlink == 2);
    CHECK(StatAt(sb, "file").nlink == 1);
    CHECK(ReadLink(sb, "l2") == "file");
  }
  SECTION("symlink to a directory (not PERM: the directory is not the source)") {
    REQUIRE_OK(sb.ctx().path_link(sb.base(), kNoFollow, "link_dir", sb.base(), "l2"));
    CHECK(StatAt(sb, "l2").filetype == Filetype::kSymbolicLink);
    CHECK(StatAt(sb, "l2").ino == StatAt(sb, "link_dir").ino);
    CHECK(StatAt(sb, "dir").nlink == 3);
  }
  SECTION("dangling and absolute symlinks") {
    REQUIRE_OK(sb.ctx().path_link(sb.base(), kNoFollow, "dangling", sb.base(), "d2"));
    REQUIRE_OK(sb.ctx().path_link(sb.base(), kNoFollow, "abs", sb.base(), "a2"));
    CHECK(StatAt(sb, "d2").ino == StatAt(sb, "dangling").ino);
    CHECK(ReadLink(sb, "a2") == "/outside/secret");
  }
}

TEST_CASE("path_link errors leave the tree unchanged", "[dirops][link]") {
  struct LinkCase {
    const char* label;
    std::string from, to;
    Errno want;
  };
  auto c = GENERATE(values<LinkCase>({
      {"source directory", "dir", "x", Errno::kPerm},
      {"source directory with slash", "dir/", "x", Errno::kPerm},
      {"source dot", ".", "x", Errno::kPerm},
      {"source dir/..", "dir/..", "x", Errno::kPerm},
      {"source missing", "missing", "x", Errno::kNoent},
      {"source file with slash", "file/", "x", Errno::kNotdir},
      {"source escapes", "../outside/secret", "x", Errno::kPerm},
      {"source through absolute link", "abs/x", "x", Errno::kPerm},
      {"target exists (file)", "file", "file", Errno::kExist},
      {"target exists (other file)", "dir/sub/inner", "file", Errno::kExist},
      {"target exists (dir)", "file", "dir", Errno::kExist},
      {"target exists (dir with slash)", "file", "dir/", Errno::kExist},
      {"target exists (dangling symlink)", "file", "dangling", Errno::kExist},
      {"target exists (symlink to dir)", "file", "link_dir", Errno::kExist},
      {"target exists (loop)", "file", "loop1", Errno::kExist},
      {"target dot", "file", ".", Errno::kExist},
      {"target missing with slash", "file", "newname/", Errno::kNoent},
      {"target in missing dir", "file", "missing/x", Errno::kNoent},
      {"target under a file", "file", "file/x", Errno::kNotdir},
      {"target escapes", "file", "../x", Errno::kPerm},
      {"target through escaping link", "file", "esc/x", Errno::kPerm},
      {"target empty", "file", "", Errno::kNoent},
      {"source empty", "", "x", Errno::kNoent},
  }));
  Sandbox sb(kTree);
  INFO(c.label << ": '" << c.from << "' -> '" << c.to << "'");
  EXPECT_ERRNO_UNCHANGED(sb, c.want,
                         sb.ctx().path_link(sb.base(), kNoFollow, c.from, sb.base(), c.to));
}

TEST_CASE("path_link refuses SYMLINK_FOLLOW and unknown lookup flags with INVAL", "[dirops][link]") {
  Sandbox sb(kTree);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kInval,
                         sb.ctx().path_link(sb.base(), kFollow, "file", sb.base(), "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kInval,
                         sb.ctx().path_link(sb.base(), kFollow, "link_file", sb.base(), "x"));
  // Unknown bits are an argument error, found before the descriptor.
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kInval,
                         sb.ctx().path_link(99, Lookupflags{2}, "file", 98, "x"));
}

TEST_CASE("path_link needs PATH_LINK_SOURCE on the old descriptor and PATH_LINK_TARGET on the new",
          "[dirops][link][order]") {
  Sandbox sb(kTree);
  const fd_t file_fd = OpenFile(sb, "file");
  const fd_t no_src = BaseWithout(sb, rights::kPathLinkSource);
  const fd_t no_dst = BaseWithout(sb, rights::kPathLinkTarget);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_link(99, kNoFollow, "file", sb.base(), "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_link(sb.base(), kNoFollow, "file", 99, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir,
                         sb.ctx().path_link(file_fd, kNoFollow, "file", sb.base(), "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir,
                         sb.ctx().path_link(sb.base(), kNoFollow, "file", file_fd, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable,
                         sb.ctx().path_link(no_src, kNoFollow, "file", sb.base(), "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable,
                         sb.ctx().path_link(sb.base(), kNoFollow, "file", no_dst, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable,
                         sb.ctx().path_link(no_src, kNoFollow, "dir", sb.base(), "x"));
  REQUIRE_OK(sb.ctx().path_link(no_dst, kNoFollow, "file", no_src, "x"));
  CHECK(StatAt(sb, "x").nlink == 2);
}

TEST_CASE("path_link into a removed directory gives NOENT", "[dirops][link]") {
  Sandbox sb(kTree);
  const fd_t gone = OpenDir(sb, "empty");
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "empty"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent,
                         sb.ctx().path_link(sb.base(), kNoFollow, "file", gone, "x"));
}

// ===================================================================
// path_symlink
// ===================================================================

TEST_CASE("path_symlink stores the target verbatim, escaping targets are refused only on traversal",
          "[dirops][symlink]") {
  Sandbox sb(kTree);
  const Filestat parent = StatAt(sb, ".");
  REQUIRE_OK(sb.ctx().path_symlink("../../outside/secret", sb.base(), "evil"));
  const Filestat st = StatAt(sb, "evil");
  CHECK(st.filetype == Filetype::kSymbolicLink);
  CHECK(st.size == std::string_view("../../outside/secret").size());
  CHECK(st.nlink == 1);
  CHECK(StatAt(sb, ".").nlink == parent.nlink);  // a symlink is not a subdir
  CHECK(ReadLink(sb, "evil") == "../../outside/secret");
  CHECK(sb.ctx().path_filestat_get(sb.base(), kFollow, "evil").error() == Errno::kPerm);
  CHECK(Open(sb.ctx(), sb.base(), "evil").error() == Errno::kPerm);
  CHECK(*sb.fs().ReadFile("outside/secret") == "top secret");
  // Leaving the base and coming back is refused at traversal too, while
  // the same string one level down stays inside.
  REQUIRE_OK(sb.ctx().path_symlink("../base/file", sb.base(), "back"));
  CHECK(sb.ctx().path_filestat_get(sb.base(), kFollow, "back").error() == Errno::kPerm);
  REQUIRE_OK(sb.ctx().path_symlink("../file", sb.base(), "dir/up"));
  CHECK(StatAt(sb, "dir/up", kFollow).ino == StatAt(sb, "file").ino);
  // A relative target inside the sandbox resolves.
  REQUIRE_OK(sb.ctx().path_symlink("dir/sub/inner", sb.base(), "good"));
  CHECK(StatAt(sb, "good", kFollow).ino == StatAt(sb, "dir/sub/inner").ino);
  // A target with a trailing slash and dot components is stored as given.
  REQUIRE_OK(sb.ctx().path_symlink("./dir//sub/", sb.base(), "odd"));
  CHECK(ReadLink(sb, "odd") == "./dir//sub/");
  CHECK(StatAt(sb, "odd", kFollow).ino == StatAt(sb, "dir/sub").ino);
}

TEST_CASE("path_symlink refuses malformed targets and creates nothing", "[dirops][symlink]") {
  auto c = GENERATE(values<PathCase>({
      {"empty target", "", Errno::kNoent},
      {"invalid UTF-8", "ab\xc0\xaf", Errno::kIlseq},
      {"NUL byte", Lit("a\0b"), Errno::kInval},
      {"absolute", "/x", Errno::kPerm},
      {"root", "/", Errno::kPerm},
      {"absolute into the sandbox", "/base/file", Errno::kPerm},
      {"4097 bytes", std::string(4097, 't'), Errno::kNametoolong},
  }));
  Sandbox sb(kTree);
  INFO(c.label);
  EXPECT_ERRNO_UNCHANGED(sb, c.want, sb.ctx().path_symlink(c.path, sb.base(), "newlink"));
}

TEST_CASE("path_symlink accepts a 4096-byte target, which fails only when traversed",
          "[dirops][symlink]") {
  Sandbox sb(kTree);
  const std::string target(4096, 't');
  REQUIRE_OK(sb.ctx().path_symlink(target, sb.base(), "long"));
  CHECK(StatAt(sb, "long").size == 4096);
  CHECK(ReadLink(sb, "long") == target);
  CHECK(sb.ctx().path_filestat_get(sb.base(), kFollow, "long").error() == Errno::kNametoolong);
}

TEST_CASE("path_symlink new-path errors leave the tree unchanged", "[dirops][symlink]") {
  auto c = GENERATE(values<PathCase>({
      {"existing file", "file", Errno::kExist},
      {"existing dir", "dir", Errno::kExist},
      {"existing dir with slash", "dir/", Errno::kExist},
      {"existing dangling symlink", "dangling", Errno::kExist},
      {"existing symlink to dir", "link_dir", Errno::kExist},
      {"dot", ".", Errno::kExist},
      {"dir/..", "dir/..", Errno::kExist},
      {"missing with slash", "newname/", Errno::kNoent},
      {"existing file with slash", "file/", Errno::kNotdir},
      {"missing parent", "missing/x", Errno::kNoent},
      {"escapes", "../x", Errno::kPerm},
      {"through absolute link", "abs/x", Errno::kPerm},
      {"empty", "", Errno::kNoent},
  }));
  Sandbox sb(kTree);
  INFO(c.label << ": '" << c.path << "'");
  EXPECT_ERRNO_UNCHANGED(sb, c.want, sb.ctx().path_symlink("target", sb.base(), c.path));
}

TEST_CASE("path_symlink_trailing_slashes (wasi-testsuite)", "[dirops][symlink][wasi-testsuite]") {
  Sandbox sb("base/\n");
  const fd_t d = sb.base();
  // Dangling symlink: the link name cannot end with a slash.
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent, sb.ctx().path_symlink("source", d, "target/"));
  REQUIRE_OK(sb.ctx().path_symlink("source", d, "target"));
  REQUIRE_OK(sb.ctx().path_unlink_file(d, "target"));
  // The name is a directory: EXIST with and without the slash.
  REQUIRE_OK(sb.ctx().path_create_directory(d, "target"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kExist, sb.ctx().path_symlink("source", d, "target/"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kExist, sb.ctx().path_symlink("source", d, "target"));
  REQUIRE_OK(sb.ctx().path_remove_directory(d, "target"));
  // The name is a file: "target/" is NOTDIR, "target" is EXIST.
  const fd_t f = *Open(sb.ctx(), d, "target", oflags::kCreat);
  REQUIRE(sb.ctx().fd_close(f) == Errno::kSuccess);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_symlink("source", d, "target/"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kExist, sb.ctx().path_symlink("source", d, "target"));
  REQUIRE_OK(sb.ctx().path_unlink_file(d, "target"));
}

TEST_CASE("path_symlink checks the descriptor, its kind and PATH_SYMLINK", "[dirops][symlink][order]") {
  Sandbox sb(kTree);
  const fd_t file_fd = OpenFile(sb, "file");
  const fd_t no_right = BaseWithout(sb, rights::kPathSymlink);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_symlink("t", 99, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, sb.ctx().path_symlink("/abs", 99, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, sb.ctx().path_symlink("t", file_fd, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_symlink("t", no_right, "x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, sb.ctx().path_symlink("", no_right, "x"));
}

TEST_CASE("path_symlink inside a removed directory gives NOENT", "[dirops][symlink]") {
  Sandbox sb(kTree);
  const fd_t gone = OpenDir(sb, "empty");
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "empty"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent, sb.ctx().path_symlink("t", gone, "x"));
}

TEST_CASE("dangling_symlink: opening a dangling link without follow is LOOP or NOTDIR",
          "[dirops][symlink][wasi-testsuite]") {
  Sandbox sb("base/\n");
  const fd_t d = sb.base();
  REQUIRE_OK(sb.ctx().path_symlink("target", d, "symlink"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir,
                         Err(sb.ctx().path_open(d, kNoFollow, "symlink", oflags::kDirectory,
                                                kDirRights, Rights(), Fdflags())));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop,
                         Err(sb.ctx().path_open(d, kNoFollow, "symlink", Oflags(),
                                                kAllFileRights, Rights(), Fdflags())));
  // Followed, the target is missing.
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent,
                         Err(sb.ctx().path_open(d, kFollow, "symlink", oflags::kDirectory,
                                                kDirRights, Rights(), Fdflags())));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent,
                         Err(sb.ctx().path_filestat_get(d, kFollow, "symlink")));
  CHECK(StatAt(sb, "symlink").filetype == Filetype::kSymbolicLink);
  REQUIRE_OK(sb.ctx().path_unlink_file(d, "symlink"));
  CHECK(NamesAt(sb, ".") == std::vector<std::string>{".", ".."});
}

TEST_CASE("symlink_loop: a link to itself is LOOP when traversed, and can be unlinked",
          "[dirops][symlink][wasi-testsuite]") {
  Sandbox sb("base/\n");
  const fd_t d = sb.base();
  REQUIRE_OK(sb.ctx().path_symlink("symlink", d, "symlink"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop,
                         Err(sb.ctx().path_open(d, kFollow, "symlink", Oflags(),
                                                kAllFileRights, Rights(), Fdflags())));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop,
                         Err(sb.ctx().path_open(d, kNoFollow, "symlink", Oflags(),
                                                kAllFileRights, Rights(), Fdflags())));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop, Err(sb.ctx().path_filestat_get(d, kFollow, "symlink")));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop, Err(sb.ctx().path_filestat_get(d, kNoFollow, "symlink/")));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop, sb.ctx().path_create_directory(d, "symlink/x"));
  CHECK(ReadLink(sb, "symlink") == "symlink");
  REQUIRE_OK(sb.ctx().path_unlink_file(d, "symlink"));
}

TEST_CASE("nofollow_errors: a final symlink opened without follow is LOOP, or NOTDIR with DIRECTORY",
          "[dirops][symlink][wasi-testsuite]") {
  Sandbox sb("base/\n");
  const fd_t d = sb.base();
  auto open = [&](Lookupflags lf, Oflags of, Rights r) {
    return Err(sb.ctx().path_open(d, lf, "symlink", of, r, Rights(), Fdflags()));
  };
  SECTION("link to a directory") {
    REQUIRE_OK(sb.ctx().path_create_directory(d, "target"));
    REQUIRE_OK(sb.ctx().path_symlink("target", d, "symlink"));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, open(kNoFollow, oflags::kDirectory, kDirRights));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop, open(kNoFollow, Oflags(), rights::kFdRead));
    // Followed, it opens the directory.
    Result<fd_t> fd = sb.ctx().path_open(d, kFollow, "symlink", oflags::kDirectory, kDirRights,
                                         Rights(), Fdflags());
    REQUIRE(fd.ok());
    CHECK(sb.ctx().fd_filestat_get(*fd)->ino == StatAt(sb, "target").ino);
    // A trailing slash follows even without the flag.
    Result<fd_t> fd2 = sb.ctx().path_open(d, kNoFollow, "symlink/", oflags::kDirectory,
                                          kDirRights, Rights(), Fdflags());
    REQUIRE(fd2.ok());
  }
  SECTION("link to a file") {
    const fd_t f = *Open(sb.ctx(), d, "target", oflags::kCreat);
    REQUIRE(sb.ctx().fd_close(f) == Errno::kSuccess);
    REQUIRE_OK(sb.ctx().path_symlink("target", d, "symlink"));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop, open(kNoFollow, Oflags(), rights::kFdRead));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, open(kNoFollow, oflags::kDirectory, kDirRights));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, open(kFollow, oflags::kDirectory, kDirRights));
    CHECK(sb.ctx().path_open(d, kFollow, "symlink", Oflags(), rights::kFdRead, Rights(), Fdflags()).ok());
  }
}

// ===================================================================
// path_readlink
// ===================================================================

TEST_CASE("path_readlink returns the target, a short buffer truncates and returns its size",
          "[dirops][readlink]") {
  Sandbox sb(kTree);
  CHECK(ReadLink(sb, "link_file") == "file");
  CHECK(ReadLink(sb, "dir/../link_dir") == "dir");
  const std::string target = "/outside/secret";
  for (size_t len = 0; len <= target.size() + 3; ++len) {
    INFO("buffer " << len);
    std::vector<uint8_t> buf(len + 4, 0xEE);
    Result<size_t> n =
        sb.ctx().path_readlink(sb.base(), "abs", absl::MakeSpan(buf.data(), len));
    REQUIRE(n.ok());
    const size_t want = std::min(len, target.size());
    CHECK(*n == want);
    CHECK(std::string(reinterpret_cast<char*>(buf.data()), *n) == target.substr(0, want));
    // Nothing is written past the returned length.
    for (size_t i = want; i < buf.size(); ++i) CHECK(buf[i] == 0xEE);
  }
}

TEST_CASE("path_readlink reads links that cannot be traversed, without following them",
          "[dirops][readlink]") {
  Sandbox sb(kTree);
  CHECK(ReadLink(sb, "abs") == "/outside/secret");
  CHECK(ReadLink(sb, "esc") == "../outside");
  CHECK(ReadLink(sb, "loop1") == "loop2");
  CHECK(ReadLink(sb, "self") == "self");
  CHECK(ReadLink(sb, "dangling") == "missing");
  // An intermediate symlink is followed.
  REQUIRE_OK(sb.ctx().path_symlink("../link_file", sb.base(), "dir/up"));
  CHECK(ReadLink(sb, "link_dir/up") == "../link_file");
}

TEST_CASE("path_readlink errors leave the tree unchanged", "[dirops][readlink]") {
  auto c = GENERATE(values<PathCase>({
      {"regular file", "file", Errno::kInval},
      {"directory", "dir", Errno::kInval},
      {"dot", ".", Errno::kInval},
      {"missing", "missing", Errno::kNoent},
      {"file with slash", "file/", Errno::kNotdir},
      {"link through an escape", "esc/x", Errno::kPerm},
      {"dot-dot of the base", "..", Errno::kPerm},
      {"empty", "", Errno::kNoent},
      {"missing intermediate", "nope/x", Errno::kNoent},
      {"loop as intermediate", "loop1/x", Errno::kLoop},
  }));
  Sandbox sb(kTree);
  INFO(c.label << ": '" << c.path << "'");
  std::vector<uint8_t> buf(64);
  EXPECT_ERRNO_UNCHANGED(sb, c.want,
                         Err(sb.ctx().path_readlink(sb.base(), c.path, absl::MakeSpan(buf))));
}

TEST_CASE("path_readlink checks the descriptor, its kind and PATH_READLINK", "[dirops][readlink][order]") {
  Sandbox sb(kTree);
  const fd_t file_fd = OpenFile(sb, "file");
  const fd_t no_right = BaseWithout(sb, rights::kPathReadlink);
  std::vector<uint8_t> buf(64);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, Err(sb.ctx().path_readlink(99, "abs", absl::MakeSpan(buf))));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir,
                         Err(sb.ctx().path_readlink(file_fd, "abs", absl::MakeSpan(buf))));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable,
                         Err(sb.ctx().path_readlink(no_right, "abs", absl::MakeSpan(buf))));
}

// ===================================================================
// path_filestat_get
// ===================================================================

TEST_CASE("path_filestat_get follows a final symlink only with SYMLINK_FOLLOW", "[dirops][stat]") {
  Sandbox sb(kTree);
  const Filestat file = StatAt(sb, "file");
  CHECK(file.filetype == Filetype::kRegularFile);
  CHECK(file.size == 5);
  CHECK(file.nlink == 1);
  CHECK(file.dev == 1);
  SECTION("symlink to a file") {
    const Filestat nf = StatAt(sb, "link_file", kNoFollow);
    CHECK(nf.filetype == Filetype::kSymbolicLink);
    CHECK(nf.size == 4);  // "file"
    CHECK(nf.nlink == 1);
    CHECK(nf.ino != file.ino);
    const Filestat f = StatAt(sb, "link_file", kFollow);
    CHECK(f.filetype == Filetype::kRegularFile);
    CHECK(f.ino == file.ino);
    CHECK(f.size == 5);
  }
  SECTION("symlink to a directory") {
    const Filestat dir = StatAt(sb, "dir");
    CHECK(StatAt(sb, "link_dir", kNoFollow).filetype == Filetype::kSymbolicLink);
    CHECK(StatAt(sb, "link_dir", kFollow).ino == dir.ino);
    // A trailing slash follows even without the flag.
    CHECK(StatAt(sb, "link_dir/", kNoFollow).ino == dir.ino);
    CHECK(StatAt(sb, "link_dir/sub/..", kNoFollow).ino == dir.ino);
  }
  SECTION("links that cannot be followed are still described") {
    CHECK(StatAt(sb, "abs", kNoFollow).size == std::string_view("/outside/secret").size());
    CHECK(StatAt(sb, "dangling", kNoFollow).size == 7);
    CHECK(StatAt(sb, "loop1", kNoFollow).filetype == Filetype::kSymbolicLink);
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kPerm, Err(sb.ctx().path_filestat_get(sb.base(), kFollow, "abs")));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kPerm, Err(sb.ctx().path_filestat_get(sb.base(), kFollow, "esc")));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent,
                           Err(sb.ctx().path_filestat_get(sb.base(), kFollow, "dangling")));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop,
                           Err(sb.ctx().path_filestat_get(sb.base(), kFollow, "loop1")));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop,
                           Err(sb.ctx().path_filestat_get(sb.base(), kFollow, "self")));
  }
  SECTION("ino agrees with fd_filestat_get") {
    const fd_t fd = OpenFile(sb, "link_file");
    CHECK(sb.ctx().fd_filestat_get(fd)->ino == file.ino);
    CHECK(StatAt(sb, ".").ino == sb.ctx().fd_filestat_get(sb.base())->ino);
  }
}

TEST_CASE("path_filestat_get errors", "[dirops][stat]") {
  auto c = GENERATE(values<PathCase>({
      {"missing", "missing", Errno::kNoent},
      {"file with slash", "file/", Errno::kNotdir},
      {"symlink to file with slash", "link_file/", Errno::kNotdir},
      {"dangling with slash", "dangling/", Errno::kNoent},
      {"dot-dot of the base", "..", Errno::kPerm},
  }));
  Sandbox sb(kTree);
  INFO(c.label << ": '" << c.path << "'");
  for (Lookupflags lf : {kNoFollow, kFollow}) {
    EXPECT_ERRNO_UNCHANGED(sb, c.want, Err(sb.ctx().path_filestat_get(sb.base(), lf, c.path)));
  }
}

TEST_CASE("path_filestat_get reports resolver errors", "[dirops][stat]") {
  auto c = GENERATE(from_range(ResolverErrorCases()));
  Sandbox sb(kTree);
  INFO(c.label);
  EXPECT_ERRNO_UNCHANGED(sb, c.want, Err(sb.ctx().path_filestat_get(sb.base(), kNoFollow, c.path)));
}

TEST_CASE("path_filestat_get checks flags, then the descriptor, its kind and PATH_FILESTAT_GET",
          "[dirops][stat][order]") {
  Sandbox sb(kTree);
  const fd_t file_fd = OpenFile(sb, "file");
  const fd_t no_right = BaseWithout(sb, rights::kPathFilestatGet);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kInval, Err(sb.ctx().path_filestat_get(99, Lookupflags{2}, "file")));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kInval,
                         Err(sb.ctx().path_filestat_get(sb.base(), Lookupflags{0x80000000u}, "file")));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, Err(sb.ctx().path_filestat_get(99, kNoFollow, "file")));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, Err(sb.ctx().path_filestat_get(file_fd, kNoFollow, "file")));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable,
                         Err(sb.ctx().path_filestat_get(no_right, kNoFollow, "file")));
}

// ===================================================================
// path_filestat_set_times
// ===================================================================

TEST_CASE("path_filestat_set_times rejects bad fstflags before looking at the descriptor",
          "[dirops][times][order]") {
  auto flags = GENERATE(values<uint16_t>({
      (1 << 0) | (1 << 1),  // ATIM | ATIM_NOW
      (1 << 2) | (1 << 3),  // MTIM | MTIM_NOW
      0xF,
      1 << 4,               // unknown bit
      0x8000,
  }));
  Sandbox sb(kTree);
  INFO("fstflags " << flags);
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kInval,
                         sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, "file", 1, 2,
                                                          Fstflags{flags}));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kInval,
                         sb.ctx().path_filestat_set_times(99, kNoFollow, "file", 1, 2, Fstflags{flags}));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kInval,
                         sb.ctx().path_filestat_set_times(99, kNoFollow, "../x", 1, 2, Fstflags{flags}));
}

TEST_CASE("path_filestat_set_times sets the requested times and always sets ctim to now",
          "[dirops][times]") {
  Sandbox sb(kTree);
  const Filestat before = StatAt(sb, "file");
  SECTION("both explicit") {
    REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, "file", 111, 222,
                                                fstflags::kAtim | fstflags::kMtim));
    const Filestat st = StatAt(sb, "file");
    CHECK(st.atim == 111);
    CHECK(st.mtim == 222);
    CHECK(st.ctim > before.ctim);
  }
  SECTION("atim only") {
    REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, "file", 111, 222,
                                                fstflags::kAtim));
    const Filestat st = StatAt(sb, "file");
    CHECK(st.atim == 111);
    CHECK(st.mtim == before.mtim);
    CHECK(st.ctim > before.ctim);
  }
  SECTION("mtim only") {
    REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, "file", 111, 222,
                                                fstflags::kMtim));
    const Filestat st = StatAt(sb, "file");
    CHECK(st.atim == before.atim);
    CHECK(st.mtim == 222);
    CHECK(st.ctim > before.ctim);
  }
  SECTION("both now") {
    REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, "file", 111, 222,
                                                fstflags::kAtimNow | fstflags::kMtimNow));
    const Filestat st = StatAt(sb, "file");
    CHECK(st.atim > before.ctim);
    CHECK(st.mtim > before.ctim);
    CHECK(st.atim != 111);
    CHECK(st.mtim != 222);
    CHECK(st.ctim > before.ctim);
  }
  SECTION("explicit atim, mtim now") {
    REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, "file", 5, 6,
                                                fstflags::kAtim | fstflags::kMtimNow));
    const Filestat st = StatAt(sb, "file");
    CHECK(st.atim == 5);
    CHECK(st.mtim > before.mtim);
    CHECK(st.ctim > before.ctim);
  }
  SECTION("no flags: only ctim moves") {
    REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, "file", 111, 222, Fstflags()));
    const Filestat st = StatAt(sb, "file");
    CHECK(st.atim == before.atim);
    CHECK(st.mtim == before.mtim);
    CHECK(st.ctim > before.ctim);
  }
  SECTION("on a directory, with a trailing slash") {
    const Filestat d = StatAt(sb, "dir");
    REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, "dir/", 7, 8,
                                                fstflags::kAtim | fstflags::kMtim));
    const Filestat st = StatAt(sb, "dir");
    CHECK(st.atim == 7);
    CHECK(st.mtim == 8);
    CHECK(st.ctim > d.ctim);
  }
  // The data is untouched either way.
  CHECK(*sb.fs().ReadFile("base/file") == "hello");
}

TEST_CASE("path_filestat_set_times without follow changes the symlink, not its target",
          "[dirops][times][symlink]") {
  Sandbox sb(kTree);
  const Filestat target = StatAt(sb, "file");
  const Filestat link = StatAt(sb, "link_file");
  SECTION("nofollow") {
    REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, "link_file", 11, 22,
                                                fstflags::kAtim | fstflags::kMtim));
    const Filestat l = StatAt(sb, "link_file");
    CHECK(l.atim == 11);
    CHECK(l.mtim == 22);
    CHECK(l.ctim > link.ctim);
    const Filestat t = StatAt(sb, "file");
    CHECK(t.atim == target.atim);
    CHECK(t.mtim == target.mtim);
    CHECK(t.ctim == target.ctim);
  }
  SECTION("follow") {
    REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kFollow, "link_file", 11, 22,
                                                fstflags::kAtim | fstflags::kMtim));
    const Filestat t = StatAt(sb, "file");
    CHECK(t.atim == 11);
    CHECK(t.mtim == 22);
    const Filestat l = StatAt(sb, "link_file");
    CHECK(l.atim == link.atim);
    CHECK(l.mtim == link.mtim);
    CHECK(l.ctim == link.ctim);
  }
  SECTION("nofollow works on links that cannot be followed") {
    for (const char* name : {"dangling", "abs", "loop1"}) {
      INFO(name);
      REQUIRE_OK(sb.ctx().path_filestat_set_times(sb.base(), kNoFollow, name, 33, 44,
                                                  fstflags::kAtim | fstflags::kMtim));
      CHECK(StatAt(sb, name).mtim == 44);
    }
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent,
                           sb.ctx().path_filestat_set_times(sb.base(), kFollow, "dangling", 1, 2,
                                                            fstflags::kAtim));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kPerm,
                           sb.ctx().path_filestat_set_times(sb.base(), kFollow, "abs", 1, 2,
                                                            fstflags::kAtim));
    EXPECT_ERRNO_UNCHANGED(sb, Errno::kLoop,
                           sb.ctx().path_filestat_set_times(sb.base(), kFollow, "loop1", 1, 2,
                                                            fstflags::kAtim));
  }
}

TEST_CASE("path_filestat_set_times errors leave every timestamp unchanged", "[dirops][times]") {
  Sandbox sb(kTree);
  const fd_t file_fd = OpenFile(sb, "file");
  const fd_t no_right = BaseWithout(sb, rights::kPathFilestatSetTimes);
  const Fstflags f = fstflags::kAtim | fstflags::kMtim;
  auto set = [&](fd_t fd, Lookupflags lf, std::string_view p) {
    return sb.ctx().path_filestat_set_times(fd, lf, p, 1, 2, f);
  };
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kInval, set(sb.base(), Lookupflags{4}, "file"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kBadf, set(99, kNoFollow, "file"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, set(file_fd, kNoFollow, "file"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, set(no_right, kNoFollow, "file"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotcapable, set(no_right, kNoFollow, "../x"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent, set(sb.base(), kNoFollow, "missing"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNotdir, set(sb.base(), kNoFollow, "file/"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kPerm, set(sb.base(), kNoFollow, ".."));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kPerm, set(sb.base(), kNoFollow, "../outside/secret"));
  EXPECT_ERRNO_UNCHANGED(sb, Errno::kNoent, set(sb.base(), kNoFollow, ""));
}

}  // namespace vfs::testing
