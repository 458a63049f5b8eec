// Links, unlink-while-open and reclamation (family F5 of reliability.md):
// scripted scenarios from the wasmer threads (#6431, #6445, #6553), POSIX
// rename-over and rmdir-while-open, fd_renumber releasing the displaced
// descriptor, and wasi-testsuite's close_preopen and overwrite_preopen.
//
// After every step: Fsck passes, and the live inode count equals the inodes
// reachable from Root plus the inodes held only by open descriptors (the
// reachable set is read from Filesystem::Dump, the held set from the
// Context's descriptor table). Inode ids are never reused.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

constexpr Rights kDirRights = rights::kDirectoryBase & ~rights::kFdDatasync;

// Inode ids named in the tree under Root (Root included), from Dump.
std::set<uint64_t> ReachableIds(Filesystem& fs) {
  std::set<uint64_t> ids;
  for (absl::string_view line : absl::StrSplit(fs.Dump(), '\n')) {
    if (line.empty() || line.front() == '(') continue;  // unlinked inodes
    const size_t at = line.find("ino=");
    if (at == absl::string_view::npos) continue;
    absl::string_view rest = line.substr(at + 4);
    rest = rest.substr(0, rest.find_first_of(" ]"));
    uint64_t id = 0;
    if (absl::SimpleAtoi(rest, &id)) ids.insert(id);
  }
  return ids;
}

// Inode ids held by the Context's descriptors.
std::set<uint64_t> HeldIds(Context& ctx) {
  std::set<uint64_t> ids;
  for (fd_t fd : ctx.OpenDescriptors()) {
    absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(fd);
    REQUIRE(info.ok());
    ids.insert(info->inode);
  }
  return ids;
}

size_t ExpectedLive(Sandbox& sb) {
  std::set<uint64_t> ids = ReachableIds(sb.fs());
  for (uint64_t id : HeldIds(sb.ctx())) ids.insert(id);
  return ids.size();
}

// Fsck, and live == reachable + held-only. Used after every step.
#define STEP(sb)                                                    \
  do {                                                              \
    absl::Status fsck_ = (sb).fs().Fsck();                          \
    INFO(fsck_.ToString() << "\n" << (sb).fs().Dump());             \
    REQUIRE(fsck_.ok());                                            \
    CHECK((sb).fs().live_inode_count() == ExpectedLive(sb));        \
  } while (0)

fd_t Create(Sandbox& sb, std::string_view path, std::string_view data = "") {
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), path, oflags::kCreat | oflags::kExcl);
  INFO("create '" << path << "' -> " << ErrnoName(fd.error()));
  REQUIRE(fd.ok());
  if (!data.empty()) REQUIRE(*Write(sb.ctx(), *fd, data) == data.size());
  return *fd;
}

fd_t OpenExisting(Sandbox& sb, std::string_view path) {
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), path);
  INFO("open '" << path << "' -> " << ErrnoName(fd.error()));
  REQUIRE(fd.ok());
  return *fd;
}

fd_t OpenDir(Sandbox& sb, std::string_view path) {
  Result<fd_t> fd = sb.ctx().path_open(sb.base(), kNoFollow, path, oflags::kDirectory,
                                       kDirRights, rights::kDirectoryInheriting, Fdflags());
  INFO("open dir '" << path << "' -> " << ErrnoName(fd.error()));
  REQUIRE(fd.ok());
  return *fd;
}

Filestat FStat(Sandbox& sb, fd_t fd) {
  Result<Filestat> st = sb.ctx().fd_filestat_get(fd);
  INFO("fd_filestat_get " << fd << " -> " << ErrnoName(st.error()));
  REQUIRE(st.ok());
  return *st;
}

Errno PathStat(Sandbox& sb, std::string_view path) {
  return sb.ctx().path_filestat_get(sb.base(), kNoFollow, path).error();
}

std::string PReadAll(Sandbox& sb, fd_t fd) {
  Result<std::string> s = PRead(sb.ctx(), fd, 4096, 0);
  INFO("fd_pread " << fd << " -> " << ErrnoName(s.error()));
  REQUIRE(s.ok());
  return *s;
}

std::vector<std::string> NamesAt(Sandbox& sb, fd_t dir) {
  Result<std::vector<Listed>> l = ListDir(sb.ctx(), dir);
  REQUIRE(l.ok());
  return Names(*l);
}

}  // namespace

TEST_CASE("A file unlinked while open keeps its data for read, write and fstat through the fd",
          "[links][F5]") {
  Sandbox sb("base/\n");
  const fd_t fd = Create(sb, "f", "hello");
  const fd_t other = OpenExisting(sb, "f");
  const inode_t ino = FStat(sb, fd).ino;
  STEP(sb);
  const size_t live = sb.fs().live_inode_count();
  REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "f"));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live);  // still held
  Filestat st = FStat(sb, fd);
  CHECK(st.nlink == 0);
  CHECK(st.ino == ino);
  CHECK(st.size == 5);
  CHECK(st.filetype == Filetype::kRegularFile);
  CHECK(PReadAll(sb, fd) == "hello");
  // Writing continues at the descriptor's offset; the other fd sees it.
  CHECK(*Write(sb.ctx(), fd, " world") == 6);
  CHECK(PReadAll(sb, other) == "hello world");
  CHECK(sb.ctx().fd_filestat_set_size(fd, 4) == Errno::kSuccess);
  CHECK(FStat(sb, other).size == 4);
  CHECK(FStat(sb, other).nlink == 0);
  STEP(sb);
  CHECK(PathStat(sb, "f") == Errno::kNoent);
  CHECK(NamesAt(sb, sb.base()) == std::vector<std::string>{".", ".."});
  REQUIRE_OK(sb.ctx().fd_close(fd));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live);  // `other` still holds it
  REQUIRE_OK(sb.ctx().fd_close(other));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live - 1);
}

TEST_CASE("Temp files unlinked in turn under one name never alias (wasmer #6431)", "[links][F5]") {
  Sandbox sb("base/\n");
  struct Held {
    fd_t fd;
    inode_t ino;
    std::string data;
  };
  std::vector<Held> held;
  const size_t live0 = sb.fs().live_inode_count();
  for (int i = 0; i < 8; ++i) {
    const std::string data = std::string(static_cast<size_t>(8 - i), static_cast<char>('A' + i));
    const fd_t fd = Create(sb, "tmp", data);
    const inode_t ino = FStat(sb, fd).ino;
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "tmp"));
    STEP(sb);
    for (const Held& h : held) CHECK(h.ino != ino);
    if (!held.empty()) CHECK(ino > held.back().ino);
    held.push_back({fd, ino, data});
    // Every earlier descriptor still reads its own bytes only.
    for (const Held& h : held) {
      INFO("fd " << h.fd);
      CHECK(PReadAll(sb, h.fd) == h.data);
      CHECK(FStat(sb, h.fd).ino == h.ino);
      CHECK(FStat(sb, h.fd).nlink == 0);
    }
    CHECK(sb.fs().live_inode_count() == live0 + held.size());
  }
  // The exact wasmer repro: A unlinked, B created under the same name.
  const fd_t a = Create(sb, "same", "data of A");
  REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "same"));
  const fd_t b = Create(sb, "same", "B!");
  STEP(sb);
  CHECK(PReadAll(sb, a) == "data of A");
  CHECK(PReadAll(sb, b) == "B!");
  CHECK(FStat(sb, a).ino != FStat(sb, b).ino);
  CHECK(FStat(sb, a).nlink == 0);
  CHECK(FStat(sb, b).nlink == 1);
  CHECK(*sb.fs().ReadFile("base/same") == "B!");
  for (const Held& h : held) REQUIRE_OK(sb.ctx().fd_close(h.fd));
  REQUIRE_OK(sb.ctx().fd_close(a));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live0 + 1);  // just `same` (B)
}

TEST_CASE("Hard links: both names are listed, nlink goes 2, 1, 0, and unlink removes the named entry (wasmer #6445)",
          "[links][F5]") {
  Sandbox sb("base/\n");
  const fd_t fd = Create(sb, "a", "shared");
  REQUIRE_OK(sb.ctx().path_link(sb.base(), kNoFollow, "a", sb.base(), "b"));
  STEP(sb);
  CHECK(NamesAt(sb, sb.base()) == std::vector<std::string>{".", "..", "a", "b"});
  CHECK(FStat(sb, fd).nlink == 2);
  const inode_t ino = FStat(sb, fd).ino;
  Result<std::vector<Listed>> l = ListDir(sb.ctx(), sb.base());
  REQUIRE(l.ok());
  CHECK((*l)[2].ino == ino);
  CHECK((*l)[3].ino == ino);
  const size_t live = sb.fs().live_inode_count();
  SECTION("unlink the first name") {
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "a"));
    STEP(sb);
    CHECK(NamesAt(sb, sb.base()) == std::vector<std::string>{".", "..", "b"});
    CHECK(PathStat(sb, "a") == Errno::kNoent);
    CHECK(*sb.fs().ReadFile("base/b") == "shared");
    CHECK(FStat(sb, fd).nlink == 1);
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "b"));
  }
  SECTION("unlink the second name") {
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "b"));
    STEP(sb);
    CHECK(NamesAt(sb, sb.base()) == std::vector<std::string>{".", "..", "a"});
    CHECK(PathStat(sb, "b") == Errno::kNoent);
    CHECK(*sb.fs().ReadFile("base/a") == "shared");
    CHECK(FStat(sb, fd).nlink == 1);
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "a"));
  }
  STEP(sb);
  CHECK(FStat(sb, fd).nlink == 0);
  CHECK(PReadAll(sb, fd) == "shared");
  CHECK(NamesAt(sb, sb.base()) == std::vector<std::string>{".", ".."});
  CHECK(sb.fs().live_inode_count() == live);
  REQUIRE_OK(sb.ctx().fd_close(fd));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live - 1);
}

TEST_CASE("A name is gone as soon as its unlink returns (wasmer #6553)", "[links][F5]") {
  Sandbox sb("base/f = x\nbase/g => base/f\nbase/s -> f\nbase/d/\n");
  std::vector<uint8_t> buf(16);
  SECTION("file") {
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "f"));
    CHECK(PathStat(sb, "f") == Errno::kNoent);
    CHECK(Open(sb.ctx(), sb.base(), "f").error() == Errno::kNoent);
    CHECK(sb.ctx().path_unlink_file(sb.base(), "f") == Errno::kNoent);
    CHECK(sb.ctx().path_filestat_get(sb.base(), lookupflags::kSymlinkFollow, "s").error() ==
          Errno::kNoent);
    CHECK(PathStat(sb, "g") == Errno::kSuccess);
  }
  SECTION("symlink") {
    REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "s"));
    CHECK(PathStat(sb, "s") == Errno::kNoent);
    CHECK(sb.ctx().path_readlink(sb.base(), "s", absl::MakeSpan(buf)).error() == Errno::kNoent);
    CHECK(PathStat(sb, "f") == Errno::kSuccess);
  }
  SECTION("directory") {
    REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "d"));
    CHECK(PathStat(sb, "d") == Errno::kNoent);
    CHECK(sb.ctx().path_remove_directory(sb.base(), "d") == Errno::kNoent);
    CHECK(sb.ctx().path_create_directory(sb.base(), "d/x") == Errno::kNoent);
  }
  SECTION("renamed-away name") {
    REQUIRE_OK(sb.ctx().path_rename(sb.base(), "f", sb.base(), "h"));
    CHECK(PathStat(sb, "f") == Errno::kNoent);
    CHECK(PathStat(sb, "h") == Errno::kSuccess);
  }
  STEP(sb);
}

TEST_CASE("Renaming over an open file keeps the old inode readable until it is closed",
          "[links][F5][rename]") {
  Sandbox sb("base/\n");
  const fd_t old_fd = Create(sb, "target", "OLD BYTES");
  const inode_t old_ino = FStat(sb, old_fd).ino;
  const fd_t new_fd = Create(sb, "incoming", "new");
  const inode_t new_ino = FStat(sb, new_fd).ino;
  REQUIRE_OK(sb.ctx().fd_close(new_fd));
  STEP(sb);
  const size_t live = sb.fs().live_inode_count();
  REQUIRE_OK(sb.ctx().path_rename(sb.base(), "incoming", sb.base(), "target"));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live);  // the old inode is still open
  CHECK(PReadAll(sb, old_fd) == "OLD BYTES");
  CHECK(FStat(sb, old_fd).ino == old_ino);
  CHECK(FStat(sb, old_fd).nlink == 0);
  const fd_t reopened = OpenExisting(sb, "target");
  CHECK(PReadAll(sb, reopened) == "new");
  CHECK(FStat(sb, reopened).ino == new_ino);
  CHECK(FStat(sb, reopened).nlink == 1);
  CHECK(NamesAt(sb, sb.base()) == std::vector<std::string>{".", "..", "target"});
  // Writing through the old fd does not reach the new file.
  CHECK(*PWrite(sb.ctx(), old_fd, "old", 0) == 3);
  CHECK(PReadAll(sb, reopened) == "new");
  REQUIRE_OK(sb.ctx().fd_close(old_fd));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live - 1);
  REQUIRE_OK(sb.ctx().fd_close(reopened));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live - 1);
}

TEST_CASE("A directory removed while open refuses new entries and lists only '.' and '..'",
          "[links][F5][rmdir]") {
  Sandbox sb("base/d/\nbase/f = x\n");
  const fd_t d = OpenDir(sb, "d");
  const inode_t d_ino = FStat(sb, d).ino;
  CHECK(FStat(sb, d).nlink == 2);
  const size_t live = sb.fs().live_inode_count();
  REQUIRE_OK(sb.ctx().path_remove_directory(sb.base(), "d"));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live);
  const Filestat st = FStat(sb, d);
  CHECK(st.nlink == 0);
  CHECK(st.ino == d_ino);
  CHECK(st.filetype == Filetype::kDirectory);
  Result<Filestat> dot = sb.ctx().path_filestat_get(d, kNoFollow, ".");
  REQUIRE(dot.ok());
  CHECK(dot->ino == d_ino);
  CHECK(dot->nlink == 0);
  // Nothing can be created inside.
  CHECK(sb.ctx().path_create_directory(d, "x") == Errno::kNoent);
  CHECK(Open(sb.ctx(), d, "x", oflags::kCreat).error() == Errno::kNoent);
  CHECK(sb.ctx().path_symlink("t", d, "x") == Errno::kNoent);
  CHECK(sb.ctx().path_link(sb.base(), kNoFollow, "f", d, "x") == Errno::kNoent);
  CHECK(sb.ctx().path_rename(sb.base(), "f", d, "x") == Errno::kNoent);
  CHECK(sb.ctx().path_filestat_get(d, kNoFollow, "..").error() == Errno::kPerm);
  STEP(sb);
  CHECK(*sb.fs().ReadFile("base/f") == "x");
  Result<std::vector<Listed>> l = ListDir(sb.ctx(), d);
  REQUIRE(l.ok());
  REQUIRE(l->size() == 2);
  CHECK((*l)[0].name == ".");
  CHECK((*l)[1].name == "..");
  CHECK((*l)[0].ino == d_ino);
  CHECK((*l)[1].ino == d_ino);
  // The old name can be reused for a new, different directory.
  REQUIRE_OK(sb.ctx().path_create_directory(sb.base(), "d"));
  CHECK(sb.ctx().path_filestat_get(sb.base(), kNoFollow, "d")->ino != d_ino);
  CHECK(FStat(sb, d).nlink == 0);
  STEP(sb);
  REQUIRE_OK(sb.ctx().fd_close(d));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live);  // old d gone, new d made
}

TEST_CASE("fd_renumber onto an open descriptor releases the displaced reference",
          "[links][F5][renumber]") {
  Sandbox sb("base/\n");
  const fd_t a = Create(sb, "a", "AAA");
  const inode_t a_ino = FStat(sb, a).ino;
  REQUIRE_OK(sb.ctx().path_unlink_file(sb.base(), "a"));  // now held by `a` only
  const fd_t b = Create(sb, "b", "BBB");
  const inode_t b_ino = FStat(sb, b).ino;
  STEP(sb);
  const size_t live = sb.fs().live_inode_count();
  SECTION("displaced unlinked file is reclaimed") {
    REQUIRE_OK(sb.ctx().fd_renumber(b, a));
    STEP(sb);
    CHECK(sb.fs().live_inode_count() == live - 1);
    CHECK(sb.ctx().fd_fdstat_get(b).error() == Errno::kBadf);
    CHECK(sb.ctx().fd_close(b) == Errno::kBadf);
    CHECK(FStat(sb, a).ino == b_ino);
    CHECK(PReadAll(sb, a) == "BBB");
  }
  SECTION("renumber onto itself changes nothing") {
    REQUIRE_OK(sb.ctx().fd_renumber(a, a));
    STEP(sb);
    CHECK(sb.fs().live_inode_count() == live);
    CHECK(FStat(sb, a).ino == a_ino);
  }
  SECTION("renumber to or from a closed number is BADF and changes nothing") {
    CHECK(sb.ctx().fd_renumber(a, 77) == Errno::kBadf);
    CHECK(sb.ctx().fd_renumber(77, a) == Errno::kBadf);
    STEP(sb);
    CHECK(sb.fs().live_inode_count() == live);
    CHECK(FStat(sb, a).ino == a_ino);
    CHECK(FStat(sb, b).ino == b_ino);
    CHECK(sb.ctx().fd_fdstat_get(77).error() == Errno::kBadf);
  }
  SECTION("a displaced file still held by another fd survives") {
    const fd_t a2 = OpenExisting(sb, "b");  // a second ref on B
    REQUIRE_OK(sb.ctx().fd_renumber(a, b));   // B's first fd is displaced
    STEP(sb);
    CHECK(sb.fs().live_inode_count() == live);  // A moved, B still held by a2
    CHECK(FStat(sb, b).ino == a_ino);
    CHECK(PReadAll(sb, a2) == "BBB");
  }
}

TEST_CASE("close_preopen: a preopen can be closed, and is then BADF", "[links][F5][preopen][wasi-testsuite]") {
  Sandbox sb("base/sub/\nbase/f = x\n");
  const fd_t pre = sb.base();
  REQUIRE(pre == 3);
  const fd_t sub = OpenDir(sb, "sub");
  REQUIRE(sb.ctx().fd_prestat_get(pre).ok());
  const size_t live = sb.fs().live_inode_count();
  REQUIRE_OK(sb.ctx().fd_close(pre));
  STEP(sb);
  CHECK(sb.fs().live_inode_count() == live);  // base is still linked
  CHECK(sb.ctx().fd_fdstat_get(pre).error() == Errno::kBadf);
  CHECK(sb.ctx().fd_prestat_get(pre).error() == Errno::kBadf);
  uint8_t name[32];
  CHECK(sb.ctx().fd_prestat_dir_name(pre, absl::MakeSpan(name)) == Errno::kBadf);
  CHECK(sb.ctx().path_filestat_get(pre, kNoFollow, "f").error() == Errno::kBadf);
  CHECK(sb.ctx().path_create_directory(pre, "x") == Errno::kBadf);
  CHECK(sb.ctx().fd_close(pre) == Errno::kBadf);
  CHECK(sb.ctx().fd_renumber(pre, pre) == Errno::kBadf);
  // Descriptors opened through it stay valid.
  CHECK(sb.ctx().fd_fdstat_get(sub)->fs_filetype == Filetype::kDirectory);
  CHECK(sb.ctx().path_create_directory(sub, "inner") == Errno::kSuccess);
  STEP(sb);
  // A directory opened afterwards is not a preopen, whatever its number.
  Result<fd_t> again = sb.ctx().path_open(sub, kNoFollow, "inner", oflags::kDirectory, kDirRights,
                                          Rights(), Fdflags());
  REQUIRE(again.ok());
  CHECK(sb.ctx().fd_prestat_get(*again).error() == Errno::kBadf);
  CHECK(sb.ctx().OpenDescriptors() == std::vector<fd_t>{sub, *again});
  STEP(sb);
}

TEST_CASE("overwrite_preopen: fd_renumber onto a preopen replaces it", "[links][F5][preopen][wasi-testsuite]") {
  Sandbox sb("base/sub/\nbase/f = data\n");
  const fd_t pre = sb.base();
  SECTION("with a file descriptor") {
    const fd_t file = OpenExisting(sb, "f");
    REQUIRE_OK(sb.ctx().fd_renumber(file, pre));
    STEP(sb);
    CHECK(sb.ctx().fd_fdstat_get(file).error() == Errno::kBadf);
    Result<Fdstat> st = sb.ctx().fd_fdstat_get(pre);
    REQUIRE(st.ok());
    CHECK(st->fs_filetype == Filetype::kRegularFile);
    CHECK(sb.ctx().fd_prestat_get(pre).error() == Errno::kBadf);
    uint8_t name[32];
    CHECK(sb.ctx().fd_prestat_dir_name(pre, absl::MakeSpan(name)) == Errno::kNotdir);
    CHECK(PReadAll(sb, pre) == "data");
    CHECK(sb.ctx().path_filestat_get(pre, kNoFollow, "f").error() == Errno::kNotdir);
  }
  SECTION("with a directory descriptor (the wasi-testsuite program)") {
    const fd_t dir = OpenDir(sb, "sub");
    const inode_t sub_ino = FStat(sb, dir).ino;
    REQUIRE_OK(sb.ctx().fd_renumber(dir, pre));
    STEP(sb);
    CHECK(sb.ctx().fd_fdstat_get(dir).error() == Errno::kBadf);
    Result<Fdstat> st = sb.ctx().fd_fdstat_get(pre);
    REQUIRE(st.ok());
    CHECK(st->fs_filetype == Filetype::kDirectory);
    CHECK(FStat(sb, pre).ino == sub_ino);
    CHECK(sb.ctx().fd_prestat_get(pre).error() == Errno::kBadf);
  }
  STEP(sb);
}

TEST_CASE("Inode ids strictly increase across 200,000 create/unlink cycles and are never reused",
          "[links][F5][ids]") {
  Sandbox sb("base/\n");
  constexpr int kCycles = 200000;
  const size_t live0 = sb.fs().live_inode_count();
  InodeId next = sb.fs().next_inode_id();
  inode_t prev = 0;
  int bad_ino = 0, bad_next = 0, bad_call = 0;
  std::string first;
  for (int i = 0; i < kCycles; ++i) {
    Result<fd_t> fd = sb.ctx().path_open(sb.base(), kNoFollow, "t", oflags::kCreat | oflags::kExcl,
                                         rights::kFdFilestatGet, Rights(), Fdflags());
    if (!fd.ok()) {
      if (bad_call++ == 0) first = absl::StrCat("cycle ", i, " open: ", AsAbsl(ErrnoName(fd.error())));
      break;
    }
    Result<Filestat> st = sb.ctx().fd_filestat_get(*fd);
    const Errno closed = sb.ctx().fd_close(*fd);
    const Errno unlinked = sb.ctx().path_unlink_file(sb.base(), "t");
    if (!st.ok() || closed != Errno::kSuccess || unlinked != Errno::kSuccess) {
      if (bad_call++ == 0) first = absl::StrCat("cycle ", i, " stat/close/unlink failed");
      break;
    }
    if (st->ino <= prev || st->ino < next) {
      if (bad_ino++ == 0) {
        first = absl::StrCat("cycle ", i, ": ino ", st->ino, " after ", prev, ", next id was ", next);
      }
    }
    prev = st->ino;
    const InodeId now = sb.fs().next_inode_id();
    if (now <= next || now <= st->ino) {
      if (bad_next++ == 0) first = absl::StrCat("cycle ", i, ": next_inode_id ", now, " after ", next);
    }
    next = now;
  }
  INFO(first);
  CHECK(bad_call == 0);
  CHECK(bad_ino == 0);
  CHECK(bad_next == 0);
  CHECK(sb.fs().live_inode_count() == live0);
  STEP(sb);
  WARN("inode ids: " << kCycles << " create/unlink cycles, last ino " << prev
                     << ", next_inode_id " << sb.fs().next_inode_id());
}

}  // namespace vfs::testing
