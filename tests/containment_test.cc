// F1 of /work/shared/reliability.md: the fixed containment table.
//
// A fixture tree holds `outside/` (and other siblings) next to `base/`,
// which holds the Linux openat2 selftest layout adapted, loops, chains of
// 40 and 41 links, escaping and dangling links, and the GHSA-vqjp
// `link1 -> "evil/"` pair. The same layout is replicated in `base/sub/`.
// Every vector of the table runs against four bases:
//   1. `base` as the preopen;
//   2. `base/sub` opened by the guest (a non-preopen dirfd);
//   3. that dirfd after `base/sub` was renamed to `base/dir2/sub2`;
//   4. that dirfd after `base/sub` was removed (its own expected column).
// After every vector: nothing outside the base changed (and, for a failed
// call, nothing at all), no descriptor leaked, and Fsck passes.
//
// Specific advisories get their own TEST_CASEs below the table, and the
// last TEST_CASE prints the figure (vectors x bases checked).
#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {

using namespace std::string_literals;

constexpr Rights kRead = rights::kFdRead | rights::kFdSeek |
                         rights::kFdFilestatGet | rights::kFdReaddir;
constexpr Rights kRW = kRead | rights::kFdWrite;

// ---------------------------------------------------------------------------
// The fixture.

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out.append(s);
  return out;
}

// The layout every base holds, rooted at host path `p`.
std::string Layout(const std::string& p) {
  std::string s;
  auto line = [&](const std::string& l) { s += p + "/" + l + "\n"; };
  line("file = base-file");
  line("sub/file = sub-file");
  line("dir/file = dir-file");
  line("dir/sub/");
  line("dir/up -> ..");
  line("dir2/");
  line("etc/passwd = passwd");
  // tools/testing/selftests/openat2/resolve_test.c, with root/ -> base/.
  line("cheeky/absself -> /");
  line("cheeky/self -> ../../base/");
  line("cheeky/garbageself -> /../../root/");
  line("cheeky/passwd -> ../cheeky/../etc/../etc/passwd");
  line("cheeky/dotdotlink -> " + Repeat("../", 14) + "etc/passwd");
  line("cheeky/garbagelink -> /" + Repeat("../", 14) + "etc/passwd");
  line("relsym -> etc/passwd");
  line("abssym -> /etc/passwd");
  line("reletc -> etc");
  line("absetc -> /etc");
  line("creatlink -> /newfile3");
  // Loops, escapes, dangling links.
  line("loop1 -> loop2");
  line("loop2 -> loop1");
  line("selfloop -> selfloop");
  line("dotdot -> ..");
  line("dangling -> ../outside/new");
  line("dangling_in -> newfile");
  // GHSA-vqjp-4c8c-hfgg.
  line("link1 -> evil/");
  line("evil -> ../outside");
  // CVE-2024-38358.
  line("cve/file -> ../../outside.file");
  // Chains of exactly 40 and 41 expansions ending at `file`.
  for (int i = 0; i < 40; ++i) {
    line("chain40_" + std::to_string(i) + " -> " +
         (i < 39 ? "chain40_" + std::to_string(i + 1) : "file"));
  }
  for (int i = 0; i < 41; ++i) {
    line("chain41_" + std::to_string(i) + " -> " +
         (i < 40 ? "chain41_" + std::to_string(i + 1) : "file"));
  }
  return s;
}

enum class BaseKind { kPreopen, kSubDirfd, kRenamedSub, kRemovedSub };
constexpr BaseKind kAllBases[] = {BaseKind::kPreopen, BaseKind::kSubDirfd,
                                  BaseKind::kRenamedSub, BaseKind::kRemovedSub};

const char* BaseName(BaseKind k) {
  switch (k) {
    case BaseKind::kPreopen: return "base as the preopen";
    case BaseKind::kSubDirfd: return "base/sub as a non-preopen dirfd";
    case BaseKind::kRenamedSub: return "base/sub dirfd after rename to base/dir2/sub2";
    case BaseKind::kRemovedSub: return "base/sub dirfd after rmdir";
  }
  return "?";
}

std::string FixtureSpec(BaseKind k) {
  std::string spec =
      "outside/secret = s3cret\n"
      "outside/inner/deep = deep\n"
      "outside.file = outside-data\n"
      "outside.txt = outside-text\n"
      "ro/file = ro-data\n"
      "ro/dir/\n";
  spec += Layout("base");
  if (k == BaseKind::kSubDirfd || k == BaseKind::kRenamedSub) {
    spec += Layout("base/sub");
  }
  return spec;
}

// A digest of the whole tree (graph with inode numbers, plus every file's
// bytes), leaving out the subtree at host path `exclude` (nothing if empty).
std::string TreeDigest(Filesystem& fs, const std::string& exclude) {
  const std::string dump = fs.Dump();
  std::string out;
  std::vector<std::string> stack;
  std::istringstream in(dump);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '/') continue;
    if (line[0] == '(') {  // unlinked but open
      out += line + "\n";
      continue;
    }
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    const std::string rest = line.substr(indent);
    const size_t bracket = rest.find(" [");
    stack.resize(indent / 2 - 1);
    stack.push_back(rest.substr(0, bracket));
    const std::string full = absl::StrJoin(stack, "/");
    if (!exclude.empty() &&
        (full == exclude || absl::StartsWith(full, exclude + "/"))) {
      continue;
    }
    const std::string meta = rest.substr(bracket);
    out += full + meta + "\n";
    if (absl::StartsWith(meta, " [file")) {
      auto bytes = fs.ReadFile(full);
      out += (bytes.ok() ? *bytes : "<unreadable>"s) + "\n";
    }
  }
  return out;
}

// One fixture with its base descriptor set up as `kind` says.
class Fixture {
 public:
  explicit Fixture(BaseKind kind) : kind_(kind), sb_(FixtureSpec(kind)) {
    Context& c = sb_.ctx();
    auto ro = c.PreopenReadOnly("ro", "/ro");
    REQUIRE(ro.ok());
    ro_ = *ro;
    if (kind == BaseKind::kPreopen) {
      fd_ = sb_.base();
      path_ = "base";
      return;
    }
    Result<fd_t> sub = c.path_open(sb_.base(), kNoFollow, "sub",
                                   oflags::kDirectory,
                                   rights::kDirectoryBase & ~rights::kFdDatasync,
                                   rights::kDirectoryInheriting, Fdflags());
    REQUIRE(sub.ok());
    fd_ = *sub;
    path_ = "base/sub";
    if (kind == BaseKind::kRenamedSub) {
      REQUIRE(c.path_rename(sb_.base(), "sub", sb_.base(), "dir2/sub2") ==
              Errno::kSuccess);
      path_ = "base/dir2/sub2";
    } else if (kind == BaseKind::kRemovedSub) {
      REQUIRE(c.path_unlink_file(sb_.base(), "sub/file") == Errno::kSuccess);
      REQUIRE(c.path_remove_directory(sb_.base(), "sub") == Errno::kSuccess);
      path_.clear();
    }
  }

  Sandbox& sb() { return sb_; }
  Context& ctx() { return sb_.ctx(); }
  Filesystem& fs() { return sb_.fs(); }
  fd_t fd() const { return fd_; }
  fd_t ro() const { return ro_; }
  bool removed() const { return kind_ == BaseKind::kRemovedSub; }
  // Host path of the base directory; empty once it is removed.
  const std::string& path() const { return path_; }

  InodeId HostIno(const std::string& rel) {
    if (rel == ".") {
      auto info = ctx().LookupDescriptor(fd_);
      REQUIRE(info.ok());
      return info->inode;
    }
    REQUIRE_FALSE(path_.empty());
    auto st = fs().Stat(path_ + "/" + rel, /*follow=*/false);
    INFO("host stat " << path_ << "/" << rel);
    REQUIRE(st.ok());
    return st->ino;
  }

 private:
  BaseKind kind_;
  Sandbox sb_;
  fd_t fd_ = 0;
  fd_t ro_ = 0;
  std::string path_;
};

InodeId FdIno(Context& ctx, fd_t fd) {
  auto info = ctx.LookupDescriptor(fd);
  REQUIRE(info.ok());
  return info->inode;
}

Result<std::string> Readlink(Context& ctx, fd_t dir, std::string_view path) {
  std::string buf(4096, '\0');
  Result<size_t> n = ctx.path_readlink(
      dir, path,
      absl::MakeSpan(reinterpret_cast<uint8_t*>(buf.data()), buf.size()));
  if (!n.ok()) return n.error();
  buf.resize(*n);
  return buf;
}

std::string HostRead(Filesystem& fs, std::string_view path) {
  auto bytes = fs.ReadFile(path);
  return bytes.ok() ? *bytes : "<" + bytes.status().ToString() + ">";
}

std::string Text(const Result<std::string>& r) {
  return r.ok() ? r.value() : "<" + std::string(ErrnoName(r.error())) + ">";
}

// Names listed by fd_readdir from `cookie` on (one big buffer).
std::vector<std::string> NamesFrom(Context& ctx, fd_t fd, dircookie_t cookie) {
  std::vector<uint8_t> buf(1 << 16);
  Result<size_t> used = ctx.fd_readdir(fd, absl::MakeSpan(buf), cookie);
  REQUIRE(used.ok());
  REQUIRE(*used < buf.size());
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos + layout::kDirentSize <= *used) {
    uint32_t namlen = 0;
    for (int i = 0; i < 4; ++i) {
      namlen |= uint32_t{buf[pos + layout::kDirentOffNamlen + i]} << (8 * i);
    }
    out.emplace_back(
        reinterpret_cast<const char*>(buf.data() + pos + layout::kDirentSize),
        namlen);
    pos += layout::kDirentSize + namlen;
  }
  return out;
}

// ---------------------------------------------------------------------------
// The table.

enum class Op {
  kOpen,                // path_open(base, look, path, oflags, rights)
  kStat,                // path_filestat_get(base, look, path)
  kSetTimes,            // path_filestat_set_times(base, look, path, MTIM_NOW)
  kReadlink,            // path_readlink(base, path) == path2 when OK
  kUnlink,              // path_unlink_file(base, path)
  kRmdir,               // path_remove_directory(base, path)
  kMkdir,               // path_create_directory(base, path)
  kRename,              // path_rename(src, path, dst, path2)
  kLink,                // path_link(src, 0, path, dst, path2)
  kSymlink,             // path_symlink(path, dst, path2)
  kReaddir,             // open path as a directory and list it
  kSymlinkThenFollow,   // create path2 -> path; then following it is PERM
  kUnlinkWhileOpen,     // open path, unlink it, use the fd (wasmer #6431)
  kHardLinkThenUnlink,  // link path -> path2, unlink path (wasmer #6445)
  kReaddirWhileUnlinking,  // cookies survive an unlink (emscripten #19106)
};

// Which descriptor is the read-only preopen instead of the base.
enum class Ro { kNone, kSource, kTarget };

struct Vec {
  std::string id;  // what the vector is, and where it comes from
  Op op = Op::kOpen;
  std::string path;
  Errno want = Errno::kSuccess;          // bases 1-3
  Errno want_removed = Errno::kSuccess;  // base 4
  std::string path2;
  Lookupflags look = kFollow;
  Oflags oflags;
  Rights rights = kRead;
  // For a successful open or stat: the path (relative to the base, not
  // followed) of the inode that must be reached; "." is the base itself.
  std::string same_as;
  Rights drop;  // taken off the base descriptor's rights before the call
  Ro ro = Ro::kNone;

  Vec Path2(std::string p) const { Vec v = *this; v.path2 = std::move(p); return v; }
  Vec Look(Lookupflags l) const { Vec v = *this; v.look = l; return v; }
  Vec Of(Oflags o) const { Vec v = *this; v.oflags = o; return v; }
  Vec Rts(Rights r) const { Vec v = *this; v.rights = r; return v; }
  Vec Same(std::string s) const { Vec v = *this; v.same_as = std::move(s); return v; }
  Vec Drop(Rights r) const { Vec v = *this; v.drop = r; return v; }
  Vec RoSide(Ro r) const { Vec v = *this; v.ro = r; return v; }
};

Vec V(std::string id, Op op, std::string path, Errno want, Errno want_removed) {
  Vec v;
  v.id = std::move(id);
  v.op = op;
  v.path = std::move(path);
  v.want = want;
  v.want_removed = want_removed;
  return v;
}

const std::vector<Vec>& Vectors() {
  using E = Errno;
  constexpr E OK = E::kSuccess, PERM = E::kPerm, NOENT = E::kNoent,
              LOOP = E::kLoop, NOTDIR = E::kNotdir, EXIST = E::kExist,
              INVAL = E::kInval, NAMETOOLONG = E::kNametoolong,
              ILSEQ = E::kIlseq, NOTCAPABLE = E::kNotcapable;
  static const std::vector<Vec> table = {
      // --- GHSA-vqjp-4c8c-hfgg: link1 -> "evil/", evil -> ../outside.
      V("GHSA-vqjp: link1 nofollow", Op::kOpen, "link1", LOOP, NOENT).Look(kNoFollow),
      V("GHSA-vqjp: link1 follow", Op::kOpen, "link1", PERM, NOENT),
      V("GHSA-vqjp: link1/ nofollow", Op::kOpen, "link1/", PERM, NOENT).Look(kNoFollow),
      V("GHSA-vqjp: link1 nofollow O_DIRECTORY", Op::kOpen, "link1", E::kNotdir, NOENT)
          .Look(kNoFollow).Of(oflags::kDirectory),
      V("GHSA-vqjp: read link1/secret", Op::kOpen, "link1/secret", PERM, NOENT),
      V("GHSA-vqjp: write link1/secret", Op::kOpen, "link1/secret", PERM, NOENT)
          .Rts(kRW),
      V("GHSA-vqjp: create link1/x", Op::kOpen, "link1/x", PERM, NOENT)
          .Of(oflags::kCreat).Rts(kRW),
      V("GHSA-vqjp: mkdir link1/x", Op::kMkdir, "link1/x", PERM, NOENT),
      V("GHSA-vqjp: unlink link1/secret", Op::kUnlink, "link1/secret", PERM, NOENT),
      V("GHSA-vqjp: rmdir link1/inner", Op::kRmdir, "link1/inner", PERM, NOENT),
      V("GHSA-vqjp: rename file -> link1/x", Op::kRename, "file", PERM, NOENT)
          .Path2("link1/x"),
      V("GHSA-vqjp: rename link1/secret -> stolen", Op::kRename, "link1/secret",
        PERM, NOENT).Path2("stolen"),
      V("GHSA-vqjp: link file -> link1/x", Op::kLink, "file", PERM, NOENT)
          .Path2("link1/x"),
      V("GHSA-vqjp: symlink at link1/x", Op::kSymlink, "file", PERM, NOENT)
          .Path2("link1/x"),
      V("GHSA-vqjp: readdir link1/", Op::kReaddir, "link1/", PERM, NOENT),
      V("GHSA-vqjp: stat link1/secret", Op::kStat, "link1/secret", PERM, NOENT),
      V("GHSA-vqjp: set times link1/secret", Op::kSetTimes, "link1/secret", PERM,
        NOENT),
      // --- GHSA-2r75: TRUNC without PATH_FILESTAT_SET_SIZE.
      V("GHSA-2r75: O_TRUNC without PATH_FILESTAT_SET_SIZE", Op::kOpen, "file",
        NOTCAPABLE, NOTCAPABLE)
          .Of(oflags::kTrunc).Rts(rights::kFdRead)
          .Drop(rights::kPathFilestatSetSize),
      V("GHSA-2r75: O_TRUNC with the right", Op::kOpen, "file", OK, NOENT)
          .Of(oflags::kTrunc).Rts(rights::kFdRead).Same("file"),
      // --- GHSA-4ch3: a read-only and a read-write preopen.
      V("GHSA-4ch3: link from the read-only preopen", Op::kLink, "file",
        NOTCAPABLE, NOTCAPABLE).Path2("x").RoSide(Ro::kSource),
      V("GHSA-4ch3: link into the read-only preopen", Op::kLink, "file",
        NOTCAPABLE, NOTCAPABLE).Path2("x").RoSide(Ro::kTarget),
      V("GHSA-4ch3: rename from the read-only preopen", Op::kRename, "file",
        NOTCAPABLE, NOTCAPABLE).Path2("x").RoSide(Ro::kSource),
      V("GHSA-4ch3: rename into the read-only preopen", Op::kRename, "file",
        NOTCAPABLE, NOTCAPABLE).Path2("x").RoSide(Ro::kTarget),
      V("GHSA-4ch3: symlink into the read-only preopen", Op::kSymlink, "file",
        NOTCAPABLE, NOTCAPABLE).Path2("x").RoSide(Ro::kTarget),
      // --- CVE-2024-38358 (wasmer).
      V("CVE-2024-38358: FOLLOW|CREAT rw through cve/file", Op::kOpen, "cve/file",
        PERM, NOENT).Of(oflags::kCreat).Rts(kRW),
      V("CVE-2024-38358: guest link out, then open", Op::kSymlinkThenFollow,
        "../outside.file", OK, NOENT).Path2("esc"),
      // --- wazero #2321 / uvwasi #299.
      V("wazero #2321: symlink ../../../../../../etc/passwd, then open",
        Op::kSymlinkThenFollow, "../../../../../../etc/passwd", OK, NOENT)
          .Path2("a"),
      V("uvwasi #299: absolute symlink target refused at creation", Op::kSymlink,
        "/x", PERM, PERM).Path2("abs"),
      V("uvwasi #299: target never resolved at creation", Op::kSymlink,
        "no/such/../../target", OK, NOENT).Path2("later"),
      // --- uvwasi #226, walrus #458.
      V("uvwasi #226: ../dir/file", Op::kOpen, "../dir/file", PERM, PERM),
      V("uvwasi #226: dir/../../dir/file", Op::kOpen, "dir/../../dir/file", PERM,
        NOENT),
      V("walrus #458: ../outside.txt", Op::kOpen, "../outside.txt", PERM, PERM),
      // --- cap-std GHSA-hxf5: device names are ordinary names.
      V("cap-std GHSA-hxf5: create COM1", Op::kOpen, "COM1", OK, NOENT)
          .Of(oflags::kCreat).Rts(kRW).Same("COM1"),
      V("cap-std GHSA-hxf5: mkdir NUL", Op::kMkdir, "NUL", OK, NOENT),
      // --- wasmer #6431/#6128, #6445, #6553; emscripten #19106.
      V("wasmer #6431/#6553: use after unlink, stat NOENT", Op::kUnlinkWhileOpen,
        "dir/file", OK, NOENT),
      V("wasmer #6445: hard link counts and unlink", Op::kHardLinkThenUnlink,
        "file", OK, NOENT).Path2("hard"),
      V("emscripten #19106: cookies survive unlink", Op::kReaddirWhileUnlinking,
        "dir", OK, NOENT),
      // --- Linux openat2 resolve_test.c, RESOLVE_BENEATH verdicts.
      V("openat2: cheeky/absself", Op::kOpen, "cheeky/absself", PERM, NOENT),
      V("openat2: cheeky/absself/ nofollow", Op::kOpen, "cheeky/absself/", PERM,
        NOENT).Look(kNoFollow),
      V("openat2: cheeky/self", Op::kOpen, "cheeky/self", PERM, NOENT),
      V("openat2: cheeky/garbageself", Op::kOpen, "cheeky/garbageself", PERM,
        NOENT),
      V("openat2: cheeky/passwd", Op::kOpen, "cheeky/passwd", OK, NOENT)
          .Same("etc/passwd"),
      V("openat2: cheeky/dotdotlink", Op::kOpen, "cheeky/dotdotlink", PERM, NOENT),
      V("openat2: cheeky/garbagelink", Op::kOpen, "cheeky/garbagelink", PERM,
        NOENT),
      V("openat2: relsym", Op::kOpen, "relsym", OK, NOENT).Same("etc/passwd"),
      V("openat2: abssym", Op::kOpen, "abssym", PERM, NOENT),
      V("openat2: reletc", Op::kOpen, "reletc", OK, NOENT)
          .Of(oflags::kDirectory).Same("etc"),
      V("openat2: reletc/passwd", Op::kOpen, "reletc/passwd", OK, NOENT)
          .Same("etc/passwd"),
      V("openat2: absetc", Op::kOpen, "absetc", PERM, NOENT).Of(oflags::kDirectory),
      V("openat2: absetc/passwd", Op::kOpen, "absetc/passwd", PERM, NOENT),
      V("openat2: creatlink O_CREAT", Op::kOpen, "creatlink", PERM, NOENT)
          .Of(oflags::kCreat).Rts(kRW),
      // --- The F1 vector list.
      V("empty path", Op::kOpen, "", NOENT, NOENT),
      V("/x", Op::kOpen, "/x", PERM, PERM),
      V("/x mkdir", Op::kMkdir, "/x", PERM, PERM),
      V("../outside/secret", Op::kOpen, "../outside/secret", PERM, PERM),
      V("..", Op::kOpen, "..", PERM, PERM).Of(oflags::kDirectory),
      V("sub/../../base/file leaves and re-enters", Op::kOpen,
        "sub/../../base/file", PERM, NOENT),
      V("dir/.//sub/../../dir/..///./file", Op::kOpen,
        "dir/.//sub/../../dir/..///./file", OK, NOENT).Same("file"),
      V("dir/up/file (.. link that stays inside)", Op::kOpen, "dir/up/file", OK,
        NOENT).Same("file"),
      V("dotdot -> ..", Op::kOpen, "dotdot", PERM, NOENT).Of(oflags::kDirectory),
      V("dotdot/file", Op::kOpen, "dotdot/file", PERM, NOENT),
      V("file/", Op::kOpen, "file/", NOTDIR, NOENT),
      V("file///", Op::kOpen, "file///", NOTDIR, NOENT),
      V("dir/", Op::kOpen, "dir/", OK, NOENT).Of(oflags::kDirectory).Same("dir"),
      V(". (the base itself)", Op::kOpen, ".", OK, OK)
          .Of(oflags::kDirectory).Same("."),
      V("embedded NUL", Op::kOpen, "fi\0le"s, INVAL, INVAL),
      V("256-byte name", Op::kOpen, std::string(256, 'n'), NAMETOOLONG,
        NAMETOOLONG),
      V("256-byte name, mkdir", Op::kMkdir, std::string(256, 'n'), NAMETOOLONG,
        NAMETOOLONG),
      V("4097-byte path", Op::kOpen, Repeat("./", 2046) + "/file", NAMETOOLONG,
        NAMETOOLONG),
      V("4096-byte path", Op::kOpen, Repeat("./", 2046) + "file", OK, NOENT)
          .Same("file"),
      V("invalid UTF-8 (0xff)", Op::kOpen, "\xff", ILSEQ, ILSEQ),
      V("invalid UTF-8 (overlong '/')", Op::kOpen, "dir\xc0\xaf" "file", ILSEQ,
        ILSEQ),
      V("invalid UTF-8 (surrogate)", Op::kMkdir, "\xed\xa0\x80", ILSEQ, ILSEQ),
      V("chain of 40 links", Op::kOpen, "chain40_0", OK, NOENT).Same("file"),
      V("chain of 41 links", Op::kOpen, "chain41_0", LOOP, NOENT),
      V("loop1 <-> loop2", Op::kOpen, "loop1", LOOP, NOENT),
      V("self loop", Op::kStat, "selfloop", LOOP, NOENT),
      V("self loop, nofollow stat", Op::kStat, "selfloop", OK, NOENT)
          .Look(kNoFollow).Same("selfloop"),
      V("O_NOFOLLOW on a final symlink", Op::kOpen, "relsym", LOOP, NOENT)
          .Look(kNoFollow),
      V("O_DIRECTORY on a file", Op::kOpen, "file", NOTDIR, NOENT)
          .Of(oflags::kDirectory),
      V("O_CREAT|O_EXCL on an existing file", Op::kOpen, "file", EXIST, NOENT)
          .Of(oflags::kCreat | oflags::kExcl).Rts(kRW),
      V("O_CREAT|O_EXCL on a dangling link", Op::kOpen, "dangling", EXIST, NOENT)
          .Of(oflags::kCreat | oflags::kExcl).Rts(kRW),
      V("O_CREAT through dangling -> ../outside/new", Op::kOpen, "dangling", PERM,
        NOENT).Of(oflags::kCreat).Rts(kRW),
      V("O_CREAT through dangling_in -> newfile", Op::kOpen, "dangling_in", OK,
        NOENT).Of(oflags::kCreat).Rts(kRW).Same("newfile"),
      V("O_CREAT in the base", Op::kOpen, "newfile2", OK, NOENT)
          .Of(oflags::kCreat).Rts(kRW).Same("newfile2"),
      V("readlink abssym", Op::kReadlink, "abssym", OK, NOENT)
          .Path2("/etc/passwd"),
      V("unlink abssym", Op::kUnlink, "abssym", OK, NOENT),
      V("stat abssym nofollow", Op::kStat, "abssym", OK, NOENT)
          .Look(kNoFollow).Same("abssym"),
      V("stat abssym follow", Op::kStat, "abssym", PERM, NOENT),
      V("rename sub into sub/x", Op::kRename, "sub", INVAL, NOENT).Path2("sub/x"),
      V("rename file -> ../x", Op::kRename, "file", PERM, PERM).Path2("../x"),
      V("rename missing -> ../x", Op::kRename, "missing", PERM, PERM)
          .Path2("../x"),
      V("link file -> ../x", Op::kLink, "file", PERM, PERM).Path2("../x"),
      V("link missing -> ../x (both paths resolve first)", Op::kLink, "missing",
        PERM, PERM).Path2("../x"),
      V("link a directory", Op::kLink, "dir", PERM, NOENT).Path2("x"),
      V("symlink with target /x", Op::kSymlink, "/x", PERM, PERM).Path2("s"),
      V("symlink ../../outside/secret, then follow", Op::kSymlinkThenFollow,
        "../../outside/secret", OK, NOENT).Path2("s"),
      V("mkdir in the base", Op::kMkdir, "newdir", OK, NOENT),
      V("mkdir .", Op::kMkdir, ".", EXIST, EXIST),
      V("readdir .", Op::kReaddir, ".", OK, OK),
      V("readdir dir", Op::kReaddir, "dir", OK, NOENT).Path2(". .. file sub up"),
  };
  return table;
}

void CheckSame(Fixture& f, const Vec& v, InodeId got) {
  if (v.same_as.empty()) return;
  INFO("reached inode should be " << v.same_as);
  CHECK(got == f.HostIno(v.same_as));
}

// Runs one vector; returns the errno of its main call and checks the
// behaviour that follows a success.
Errno Execute(Fixture& f, const Vec& v) {
  Context& c = f.ctx();
  const fd_t b = f.fd();
  const fd_t src = v.ro == Ro::kSource ? f.ro() : b;
  const fd_t dst = v.ro == Ro::kTarget ? f.ro() : b;
  switch (v.op) {
    case Op::kOpen: {
      Result<fd_t> r = c.path_open(b, v.look, v.path, v.oflags, v.rights,
                                   Rights(), Fdflags());
      if (!r.ok()) return r.error();
      CheckSame(f, v, FdIno(c, *r));
      if (v.oflags.Any(oflags::kTrunc)) {
        CHECK(ValueOrDefault(c.path_filestat_get(b, kNoFollow, v.path)).size == 0);
      }
      CHECK(c.fd_close(*r) == Errno::kSuccess);
      return Errno::kSuccess;
    }
    case Op::kStat: {
      Result<Filestat> r = c.path_filestat_get(b, v.look, v.path);
      if (!r.ok()) return r.error();
      CheckSame(f, v, r->ino);
      return Errno::kSuccess;
    }
    case Op::kSetTimes:
      return c.path_filestat_set_times(b, v.look, v.path, 0, 0,
                                       fstflags::kMtimNow);
    case Op::kReadlink: {
      Result<std::string> r = Readlink(c, b, v.path);
      if (!r.ok()) return r.error();
      CHECK(*r == v.path2);
      return Errno::kSuccess;
    }
    case Op::kUnlink: {
      const Errno e = c.path_unlink_file(b, v.path);
      if (e == Errno::kSuccess) {
        CHECK(c.path_filestat_get(b, kNoFollow, v.path).error() ==
              Errno::kNoent);
      }
      return e;
    }
    case Op::kRmdir:
      return c.path_remove_directory(b, v.path);
    case Op::kMkdir: {
      const Errno e = c.path_create_directory(b, v.path);
      if (e == Errno::kSuccess) {
        CHECK(ValueOrDefault(c.path_filestat_get(b, kNoFollow, v.path)).filetype ==
              Filetype::kDirectory);
      }
      return e;
    }
    case Op::kRename:
      return c.path_rename(src, v.path, dst, v.path2);
    case Op::kLink: {
      const Errno e = c.path_link(src, Lookupflags(), v.path, dst, v.path2);
      if (e == Errno::kSuccess) {
        CHECK(ValueOrDefault(c.path_filestat_get(b, kNoFollow, v.path)).ino ==
              ValueOrDefault(c.path_filestat_get(b, kNoFollow, v.path2)).ino);
      }
      return e;
    }
    case Op::kSymlink: {
      const Errno e = c.path_symlink(v.path, dst, v.path2);
      if (e == Errno::kSuccess) CHECK(Text(Readlink(c, b, v.path2)) == v.path);
      return e;
    }
    case Op::kReaddir: {
      Result<fd_t> d = c.path_open(b, v.look, v.path, oflags::kDirectory,
                                   rights::kFdReaddir, Rights(), Fdflags());
      if (!d.ok()) return d.error();
      auto listing = ListDir(c, *d);
      REQUIRE(listing.ok());
      const std::string names = absl::StrJoin(Names(*listing), " ");
      if (f.removed() && v.path == ".") CHECK(names == ". ..");
      if (!v.path2.empty()) CHECK(names == v.path2);
      CHECK(absl::StartsWith(names, ". .."));
      CHECK(c.fd_close(*d) == Errno::kSuccess);
      return Errno::kSuccess;
    }
    case Op::kSymlinkThenFollow: {
      const Errno e = c.path_symlink(v.path, b, v.path2);
      if (e != Errno::kSuccess) return e;
      // Created as given; refused when followed, by every following call.
      CHECK(Text(Readlink(c, b, v.path2)) == v.path);
      CHECK_ERRNO(c.path_open(b, kFollow, v.path2, Oflags(), kRW, Rights(),
                              Fdflags()).error(),
                  Errno::kPerm);
      CHECK_ERRNO(c.path_open(b, kFollow, v.path2, oflags::kCreat, kRW,
                              Rights(), Fdflags()).error(),
                  Errno::kPerm);
      CHECK_ERRNO(c.path_filestat_get(b, kFollow, v.path2).error(),
                  Errno::kPerm);
      CHECK_ERRNO(c.path_open(b, kNoFollow, v.path2, Oflags(), kRW, Rights(),
                              Fdflags()).error(),
                  Errno::kLoop);
      return e;
    }
    case Op::kUnlinkWhileOpen: {
      Result<fd_t> fd = c.path_open(b, kFollow, v.path, Oflags(), kRW,
                                    Rights(), Fdflags());
      if (!fd.ok()) return fd.error();
      const std::string before = Text(ReadAll(c, *fd));
      REQUIRE(c.path_unlink_file(b, v.path) == Errno::kSuccess);
      CHECK_ERRNO(c.path_filestat_get(b, kNoFollow, v.path).error(),
                  Errno::kNoent);  // wasmer #6553
      CHECK(Text(PRead(c, *fd, 100, 0)) == before);
      CHECK(PWrite(c, *fd, "more", before.size()).ok());
      CHECK(Text(PRead(c, *fd, 100, 0)) == before + "more");
      auto st = c.fd_filestat_get(*fd);
      REQUIRE(st.ok());
      CHECK(st->nlink == 0);
      CHECK(c.fd_close(*fd) == Errno::kSuccess);
      return Errno::kSuccess;
    }
    case Op::kHardLinkThenUnlink: {
      const Errno e = c.path_link(b, Lookupflags(), v.path, b, v.path2);
      if (e != Errno::kSuccess) return e;
      CHECK(ValueOrDefault(c.path_filestat_get(b, kNoFollow, v.path)).nlink == 2);
      CHECK(ValueOrDefault(c.path_filestat_get(b, kNoFollow, v.path2)).nlink == 2);
      auto listed = ListDir(c, b);
      REQUIRE(listed.ok());
      auto names = Names(*listed);
      CHECK(std::count(names.begin(), names.end(), v.path) == 1);
      CHECK(std::count(names.begin(), names.end(), v.path2) == 1);
      REQUIRE(c.path_unlink_file(b, v.path) == Errno::kSuccess);
      CHECK_ERRNO(c.path_filestat_get(b, kNoFollow, v.path).error(),
                  Errno::kNoent);
      CHECK(ValueOrDefault(c.path_filestat_get(b, kNoFollow, v.path2)).nlink == 1);
      listed = ListDir(c, b);
      REQUIRE(listed.ok());
      names = Names(*listed);
      CHECK(std::count(names.begin(), names.end(), v.path) == 0);
      CHECK(std::count(names.begin(), names.end(), v.path2) == 1);
      return e;
    }
    case Op::kReaddirWhileUnlinking: {
      Result<fd_t> d = c.path_open(b, kFollow, v.path, oflags::kDirectory,
                                   rights::kFdReaddir, Rights(), Fdflags());
      if (!d.ok()) return d.error();
      auto listing = ListDir(c, *d);
      REQUIRE(listing.ok());
      REQUIRE(listing->size() >= 4);
      // Unlink the first real entry after it was returned, then resume from
      // its cookie and from the cookie of "..": nothing else is skipped.
      const Listed first = (*listing)[2];
      std::vector<std::string> rest;
      for (size_t i = 3; i < listing->size(); ++i) rest.push_back((*listing)[i].name);
      REQUIRE(first.type == Filetype::kRegularFile);
      REQUIRE(c.path_unlink_file(b, v.path + "/" + first.name) ==
              Errno::kSuccess);
      CHECK(NamesFrom(c, *d, first.next) == rest);
      CHECK(NamesFrom(c, *d, (*listing)[1].next) == rest);
      CHECK(c.fd_close(*d) == Errno::kSuccess);
      return Errno::kSuccess;
    }
  }
  return Errno::kNosys;
}

// Vectors checked per base in this process (for the figure).
size_t g_checked[4] = {0, 0, 0, 0};

// Runs the whole table against one base; returns the vectors checked.
size_t RunTable(BaseKind kind) {
  size_t checked = 0;
  for (const Vec& v : Vectors()) {
    Fixture f(kind);
    Context& c = f.ctx();
    INFO("base: " << BaseName(kind) << "\nvector: " << v.id << "\npath: '"
                  << v.path << "' path2: '" << v.path2 << "'");
    if (!v.drop.empty()) {
      auto st = c.fd_fdstat_get(f.fd());
      REQUIRE(st.ok());
      REQUIRE(c.fd_fdstat_set_rights(f.fd(), st->fs_rights_base & ~v.drop,
                                     st->fs_rights_inheriting) ==
              Errno::kSuccess);
    }
    const Errno want = f.removed() ? v.want_removed : v.want;
    const std::string outside = SubtreeDigest(f.fs(), "outside");
    const std::string beyond = TreeDigest(f.fs(), f.path());
    const std::string all =
        want != Errno::kSuccess ? f.fs().Dump() + TreeDigest(f.fs(), "") : "";
    const std::vector<fd_t> fds = c.OpenDescriptors();

    CHECK_ERRNO(Execute(f, v), want);

    CHECK(SubtreeDigest(f.fs(), "outside") == outside);
    CHECK(TreeDigest(f.fs(), f.path()) == beyond);
    if (want != Errno::kSuccess) {
      INFO("a failed call must change nothing");
      CHECK(f.fs().Dump() + TreeDigest(f.fs(), "") == all);
    }
    CHECK(c.OpenDescriptors() == fds);
    const absl::Status fsck = f.fs().Fsck();
    INFO(fsck.ToString());
    CHECK(fsck.ok());
    ++checked;
  }
  g_checked[static_cast<int>(kind)] = checked;
  return checked;
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("The containment table has at least 45 vectors, each named once",
          "[containment]") {
  const auto& t = Vectors();
  CHECK(t.size() >= 45);
  std::vector<std::string> ids;
  for (const Vec& v : t) ids.push_back(v.id);
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

TEST_CASE("Every containment vector holds with base as the preopen",
          "[containment]") {
  CHECK(RunTable(BaseKind::kPreopen) == Vectors().size());
}

TEST_CASE("Every containment vector holds from base/sub as a non-preopen dirfd",
          "[containment]") {
  CHECK(RunTable(BaseKind::kSubDirfd) == Vectors().size());
}

TEST_CASE("Every containment vector holds from a dirfd whose directory was "
          "renamed",
          "[containment]") {
  CHECK(RunTable(BaseKind::kRenamedSub) == Vectors().size());
}

TEST_CASE("Every containment vector holds from a dirfd whose directory was "
          "removed",
          "[containment]") {
  CHECK(RunTable(BaseKind::kRemovedSub) == Vectors().size());
}

// ---------------------------------------------------------------------------
// Advisories checked in more detail.

TEST_CASE("CVE-2024-38358: FOLLOW|CREAT through a link to an outside file is "
          "PERM and creates nothing",
          "[containment]") {
  Sandbox sb(
      "outside.file = outside-data\n"
      "base/dir/file -> ../../outside.file\n"
      "base/dir/gone -> ../../outside.new\n");
  Context& c = sb.ctx();
  const std::string before = sb.fs().Dump() + TreeDigest(sb.fs(), "");
  for (const char* p : {"dir/file", "dir/gone"}) {
    INFO(p);
    CHECK_ERRNO(c.path_open(sb.base(), kFollow, p, oflags::kCreat,
                            rights::kFdRead | rights::kFdWrite, Rights(),
                            Fdflags()).error(),
                Errno::kPerm);
    CHECK_ERRNO(c.path_open(sb.base(), kFollow, p,
                            oflags::kCreat | oflags::kTrunc,
                            rights::kFdRead | rights::kFdWrite, Rights(),
                            Fdflags()).error(),
                Errno::kPerm);
  }
  CHECK(sb.fs().Dump() + TreeDigest(sb.fs(), "") == before);
  CHECK_FALSE(sb.fs().Stat("outside.new").ok());
  CHECK(HostRead(sb.fs(), "outside.file") == "outside-data");
  // The "crash" half: a guest-made link pointing out, then opened.
  REQUIRE(c.path_symlink("../../outside.file", sb.base(), "dir/mine") ==
          Errno::kSuccess);
  CHECK_ERRNO(c.path_open(sb.base(), kFollow, "dir/mine", oflags::kCreat,
                          rights::kFdRead | rights::kFdWrite, Rights(),
                          Fdflags()).error(),
              Errno::kPerm);
}

TEST_CASE("wazero #2321: an escaping guest symlink is created, refused when "
          "opened, and read back unchanged",
          "[containment]") {
  Sandbox sb("etc/passwd = root:x\n");
  Context& c = sb.ctx();
  const std::string target = "../../../../../../etc/passwd";
  CHECK(c.path_symlink(target, sb.base(), "a") == Errno::kSuccess);
  CHECK_ERRNO(c.path_open(sb.base(), kFollow, "a", Oflags(), rights::kFdRead,
                          Rights(), Fdflags()).error(),
              Errno::kPerm);
  CHECK_ERRNO(c.path_filestat_get(sb.base(), kFollow, "a").error(),
              Errno::kPerm);
  CHECK(Text(Readlink(c, sb.base(), "a")) == target);
  auto st = c.path_filestat_get(sb.base(), kNoFollow, "a");
  REQUIRE(st.ok());
  CHECK(st->filetype == Filetype::kSymbolicLink);
  CHECK(st->size == target.size());
}

TEST_CASE("uvwasi #226: '../dir/file' from inside dir is PERM", "[containment]") {
  Sandbox sb("base/dir/file = x\n");
  Context& c = sb.ctx();
  Result<fd_t> dir = c.path_open(sb.base(), kFollow, "dir", oflags::kDirectory,
                                 rights::kPathOpen | rights::kPathFilestatGet,
                                 kRead, Fdflags());
  REQUIRE(dir.ok());
  CHECK_ERRNO(c.path_open(*dir, kFollow, "../dir/file", Oflags(),
                          rights::kFdRead, Rights(), Fdflags()).error(),
              Errno::kPerm);
  CHECK_ERRNO(c.path_filestat_get(*dir, kFollow, "../dir/file").error(),
              Errno::kPerm);
  // The same file by its direct name is fine.
  Result<fd_t> f = c.path_open(*dir, kFollow, "file", Oflags(),
                               rights::kFdRead, Rights(), Fdflags());
  REQUIRE(f.ok());
  CHECK(Text(ReadAll(c, *f)) == "x");
}

TEST_CASE("walrus #458: '../outside.txt' is PERM and the file stays unread",
          "[containment]") {
  Sandbox sb("outside.txt = private\n");
  Context& c = sb.ctx();
  for (Lookupflags lf : {kFollow, kNoFollow}) {
    CHECK_ERRNO(c.path_open(sb.base(), lf, "../outside.txt", Oflags(),
                            rights::kFdRead, Rights(), Fdflags()).error(),
                Errno::kPerm);
    CHECK_ERRNO(c.path_filestat_get(sb.base(), lf, "../outside.txt").error(),
                Errno::kPerm);
  }
  CHECK(c.OpenDescriptors() == std::vector<fd_t>{sb.base()});
}

TEST_CASE("The default configuration exposes nothing: a new Context has no "
          "descriptors",
          "[containment]") {
  auto fs = Filesystem::Create();
  REQUIRE(fs->MakeDirectories("base").ok());
  REQUIRE(fs->WriteFile("base/file", "x").ok());
  REQUIRE(fs->WriteFile("secret", "y").ok());
  Context ctx(fs);
  CHECK(ctx.OpenDescriptors().empty());
  CHECK_ERRNO(ctx.fd_prestat_get(3).error(), Errno::kBadf);
  for (fd_t fd = 0; fd <= 10; ++fd) {
    INFO("fd " << fd);
    CHECK_ERRNO(ctx.fd_fdstat_get(fd).error(), Errno::kBadf);
    CHECK_ERRNO(ctx.fd_prestat_get(fd).error(), Errno::kBadf);
    CHECK_ERRNO(ctx.path_open(fd, kFollow, "file", Oflags(), rights::kFdRead,
                              Rights(), Fdflags()).error(),
                Errno::kBadf);
    CHECK_ERRNO(ctx.path_open(fd, kFollow, "secret", Oflags(), rights::kFdRead,
                              Rights(), Fdflags()).error(),
                Errno::kBadf);
  }
  // Once the host preopens something, exactly that is visible.
  auto fd = ctx.Preopen("base", "/base");
  REQUIRE(fd.ok());
  CHECK(*fd == 3);
  CHECK(ctx.OpenDescriptors() == std::vector<fd_t>{3});
  CHECK_ERRNO(ctx.fd_prestat_get(4).error(), Errno::kBadf);
  CHECK_ERRNO(ctx.path_open(3, kFollow, "../secret", Oflags(), rights::kFdRead,
                            Rights(), Fdflags()).error(),
              Errno::kPerm);
}

TEST_CASE("GHSA-vqjp: no read, write, mkdir, unlink, rename or readdir gets "
          "through link1 -> evil/ -> ../outside",
          "[containment]") {
  Sandbox sb(
      "outside/secret = s3cret\n"
      "outside/inner/\n"
      "base/a/link1 -> evil/\n"
      "base/a/evil -> ../../outside\n"
      "base/a/file = mine\n");
  Context& c = sb.ctx();
  const std::string outside = SubtreeDigest(sb.fs(), "outside");
  const std::string before = sb.fs().Dump() + TreeDigest(sb.fs(), "");
  const fd_t b = sb.base();
  const Rights rw = rights::kFdRead | rights::kFdWrite;
  auto open = [&](std::string_view p, Lookupflags lf, Oflags of, Rights r) {
    return c.path_open(b, lf, p, of, r, rights::kFdReaddir, Fdflags()).error();
  };
  CHECK_ERRNO(open("a/link1", kNoFollow, Oflags(), rw), Errno::kLoop);
  CHECK_ERRNO(open("a/link1", kFollow, Oflags(), rw), Errno::kPerm);
  CHECK_ERRNO(open("a/link1/", kNoFollow, Oflags(), rights::kFdReaddir),
              Errno::kPerm);
  CHECK_ERRNO(open("a/link1/", kNoFollow, oflags::kDirectory,
                   rights::kFdReaddir),
              Errno::kPerm);
  for (Lookupflags lf : {kFollow, kNoFollow}) {
    CHECK_ERRNO(open("a/link1/secret", lf, Oflags(), rights::kFdRead),
                Errno::kPerm);  // read
    CHECK_ERRNO(open("a/link1/secret", lf, Oflags(), rw), Errno::kPerm);
    CHECK_ERRNO(open("a/link1/secret", lf, oflags::kTrunc, rw), Errno::kPerm);
    CHECK_ERRNO(open("a/link1/x", lf, oflags::kCreat, rw), Errno::kPerm);
    CHECK_ERRNO(open("a/link1/x", lf, oflags::kCreat | oflags::kExcl, rw),
                Errno::kPerm);
    CHECK_ERRNO(open("a/link1/inner", lf, oflags::kDirectory,
                     rights::kFdReaddir),
                Errno::kPerm);  // readdir needs an fd first
    CHECK_ERRNO(c.path_filestat_get(b, lf, "a/link1/secret").error(),
                Errno::kPerm);
    CHECK_ERRNO(c.path_filestat_set_times(b, lf, "a/link1/secret", 0, 0,
                                          fstflags::kMtimNow),
                Errno::kPerm);
  }
  CHECK_ERRNO(c.path_create_directory(b, "a/link1/x"), Errno::kPerm);
  CHECK_ERRNO(c.path_create_directory(b, "a/link1/inner/x"), Errno::kPerm);
  CHECK_ERRNO(c.path_unlink_file(b, "a/link1/secret"), Errno::kPerm);
  CHECK_ERRNO(c.path_remove_directory(b, "a/link1/inner"), Errno::kPerm);
  CHECK_ERRNO(c.path_rename(b, "a/link1/secret", b, "a/stolen"), Errno::kPerm);
  CHECK_ERRNO(c.path_rename(b, "a/file", b, "a/link1/planted"), Errno::kPerm);
  CHECK_ERRNO(c.path_rename(b, "a/file", b, "a/link1/secret"), Errno::kPerm);
  CHECK_ERRNO(c.path_link(b, Lookupflags(), "a/link1/secret", b, "a/hard"),
              Errno::kPerm);
  CHECK_ERRNO(c.path_link(b, Lookupflags(), "a/file", b, "a/link1/hard"),
              Errno::kPerm);
  CHECK_ERRNO(c.path_symlink("x", b, "a/link1/planted"), Errno::kPerm);
  CHECK_ERRNO(Readlink(c, b, "a/link1/secret").error(), Errno::kPerm);
  CHECK(SubtreeDigest(sb.fs(), "outside") == outside);
  CHECK(sb.fs().Dump() + TreeDigest(sb.fs(), "") == before);
  CHECK(c.OpenDescriptors() == std::vector<fd_t>{b});
}

TEST_CASE("GHSA-2r75: O_TRUNC through a read-only preopen is NOTCAPABLE and "
          "leaves the file intact",
          "[containment]") {
  Sandbox sb("ro/file = keep-me\n");
  Context& c = sb.ctx();
  auto ro = c.PreopenReadOnly("ro", "/ro");
  REQUIRE(ro.ok());
  const std::string before = sb.fs().Dump() + TreeDigest(sb.fs(), "");
  for (Rights r : {rights::kFdRead, rights::kFdRead | rights::kFdWrite, Rights()}) {
    CHECK_ERRNO(c.path_open(*ro, kFollow, "file", oflags::kTrunc, r, Rights(),
                            Fdflags()).error(),
                Errno::kNotcapable);
  }
  CHECK_ERRNO(c.path_open(*ro, kFollow, "file", oflags::kCreat | oflags::kTrunc,
                          rights::kFdRead, Rights(), Fdflags()).error(),
              Errno::kNotcapable);
  CHECK(sb.fs().Dump() + TreeDigest(sb.fs(), "") == before);
  CHECK(HostRead(sb.fs(), "ro/file") == "keep-me");
}

TEST_CASE("GHSA-4ch3: no name made in a read-write preopen yields a writable "
          "descriptor to a read-only inode",
          "[containment]") {
  Sandbox sb("ro/file = ro-data\nro/dir/\n");
  Context& c = sb.ctx();
  auto ro = c.PreopenReadOnly("ro", "/ro");
  REQUIRE(ro.ok());
  const fd_t rw = sb.base();
  const std::string before = sb.fs().Dump() + TreeDigest(sb.fs(), "");
  CHECK_ERRNO(c.path_link(*ro, Lookupflags(), "file", rw, "x"),
              Errno::kNotcapable);
  CHECK_ERRNO(c.path_rename(*ro, "file", rw, "x"), Errno::kNotcapable);
  CHECK_ERRNO(c.path_rename(*ro, "dir", rw, "d"), Errno::kNotcapable);
  CHECK_ERRNO(c.path_rename(rw, "nothing", *ro, "x"), Errno::kNotcapable);
  CHECK_ERRNO(c.path_link(rw, Lookupflags(), "nothing", *ro, "x"),
              Errno::kNotcapable);
  CHECK_ERRNO(c.path_symlink("file", *ro, "x"), Errno::kNotcapable);
  CHECK(sb.fs().Dump() + TreeDigest(sb.fs(), "") == before);
  // A symlink in the read-write preopen that points at the read-only one is
  // created but never followed out.
  REQUIRE(c.path_symlink("../ro/file", rw, "x") == Errno::kSuccess);
  CHECK_ERRNO(c.path_open(rw, kFollow, "x", Oflags(),
                          rights::kFdRead | rights::kFdWrite, Rights(),
                          Fdflags()).error(),
              Errno::kPerm);
  // Opening the read-only file directly never gives a write right.
  Result<fd_t> f = c.path_open(*ro, kFollow, "file", Oflags(),
                               rights::kRegularFileBase, Rights(), Fdflags());
  REQUIRE(f.ok());
  CHECK_FALSE(ValueOrDefault(c.fd_fdstat_get(*f)).fs_rights_base.Any(
      rights::kFdWrite | rights::kFdAllocate | rights::kFdFilestatSetSize));
  CHECK(HostRead(sb.fs(), "ro/file") == "ro-data");
}

// The figure, declared last so it runs last: it counts the vectors x bases
// checked by the four tests above in this process, and runs any base they
// did not (e.g. when CTest runs each TEST_CASE in its own process).
TEST_CASE("F1 figure: every containment vector against all four bases",
          "[containment][figure]") {
  size_t total = 0;
  for (BaseKind k : kAllBases) {
    if (g_checked[static_cast<int>(k)] == 0) RunTable(k);
    total += g_checked[static_cast<int>(k)];
  }
  CHECK(total == 4 * Vectors().size());
  WARN("F1 containment: " << Vectors().size() << " vectors x 4 bases = "
                          << total << " checked");
  std::cout << "F1 containment: " << Vectors().size() << " vectors x 4 bases = "
            << total << " checked\n";
}

}  // namespace vfs::testing
