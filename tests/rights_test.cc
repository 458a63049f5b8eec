// F4 of /work/shared/reliability.md: rights propagation, exhaustive over
// single rights.
//
//  1. Every preview1 call that takes a descriptor, for every right in its
//     required set: a descriptor missing only that right gets NOTCAPABLE and
//     nothing changes; with exactly the required rights the call succeeds.
//  2. fd_fdstat_set_rights can only narrow.
//  3. path_open results: requested ∩ dir.inheriting ∩ kind maximum (10,000
//     random cases), and rights never grow down a chain of nested opens.
//  4. Reported equals enforced: fd_fdstat_get predicts NOTCAPABLE exactly.
//  5. The read-only preopen cross-product (GHSA-2r75, GHSA-4ch3).
#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"
#include "vfs/clock.h"

namespace vfs::testing {
namespace {

// ---------------------------------------------------------------------------
// Small helpers.

constexpr const char* kRightNames[rights::kCount] = {
    "FD_DATASYNC",           "FD_READ",
    "FD_SEEK",               "FD_FDSTAT_SET_FLAGS",
    "FD_SYNC",               "FD_TELL",
    "FD_WRITE",              "FD_ADVISE",
    "FD_ALLOCATE",           "PATH_CREATE_DIRECTORY",
    "PATH_CREATE_FILE",      "PATH_LINK_SOURCE",
    "PATH_LINK_TARGET",      "PATH_OPEN",
    "FD_READDIR",            "PATH_READLINK",
    "PATH_RENAME_SOURCE",    "PATH_RENAME_TARGET",
    "PATH_FILESTAT_GET",     "PATH_FILESTAT_SET_SIZE",
    "PATH_FILESTAT_SET_TIMES", "FD_FILESTAT_GET",
    "FD_FILESTAT_SET_SIZE",  "FD_FILESTAT_SET_TIMES",
    "PATH_SYMLINK",          "PATH_REMOVE_DIRECTORY",
    "PATH_UNLINK_FILE",      "POLL_FD_READWRITE",
    "SOCK_SHUTDOWN",         "SOCK_ACCEPT",
};

Rights Bit(int i) { return Rights(uint64_t{1} << i); }

std::vector<Rights> BitsOf(Rights r) {
  std::vector<Rights> out;
  for (int i = 0; i < rights::kCount; ++i) {
    if (r.Contains(Bit(i))) out.push_back(Bit(i));
  }
  return out;
}

std::string RightsStr(Rights r) {
  std::string out;
  for (int i = 0; i < 64; ++i) {
    if (!r.Any(Rights(uint64_t{1} << i))) continue;
    if (!out.empty()) out += "|";
    out += i < rights::kCount ? kRightNames[i] : absl::StrCat("bit", i);
  }
  return out.empty() ? "0" : out;
}

std::string Name(Errno e) { return std::string(ErrnoName(e)); }

// Opening a directory with any of these is ISDIR (docs/error-model.md).
// FD_DATASYNC is not among them: directories hold it (kDirectoryBase).
constexpr Rights kWriteIntent = rights::kFdWrite | rights::kFdAllocate |
                                rights::kFdFilestatSetSize;

enum class Kind { kFile, kDir };

Rights MaxBase(Kind k) {
  return k == Kind::kFile ? rights::kRegularFileBase : rights::kDirectoryBase;
}
Rights MaxInheriting(Kind k) {
  return k == Kind::kFile ? Rights() : rights::kDirectoryInheriting;
}

// Random subset of `mask` with a random density (about 25%, 50%, 75% or 94%
// of the bits), so both sparse and nearly-full sets are drawn.
Rights RandomRights(std::mt19937_64& rng, Rights mask) {
  uint64_t v = rng();
  switch (rng() % 4) {
    case 0: v &= rng(); break;
    case 1: break;
    case 2: v |= rng(); break;
    default: v |= rng() | rng() | rng(); break;
  }
  return Rights(v) & mask;
}

// The fixture shared by the single-right table (part 1) and the
// reported-equals-enforced test (part 4).
constexpr const char* kSpec = R"(
base/f = hello world
base/g = other
base/d/
base/d/x = inner
base/e/
base/sl -> f
base/t/
)";
const char* const kStatPaths[] = {"base",   "base/f", "base/g",  "base/d",
                                  "base/d/x", "base/e", "base/sl", "base/t"};

// Everything a failed call must leave alone: the tree (names, kinds, links,
// sizes, contents, targets), the times of every fixture entry, the inode
// counter, and every descriptor's rights, flags and offset.
std::string StateOf(Sandbox& sb) {
  std::ostringstream s;
  s << SubtreeDigest(sb.fs(), "base") << "\n";
  s << "next_ino=" << sb.fs().next_inode_id()
    << " live=" << sb.fs().live_inode_count() << "\n";
  for (const char* p : kStatPaths) {
    absl::StatusOr<Filestat> st = sb.fs().Stat(p, /*follow=*/false);
    s << p << ": ";
    if (!st.ok()) {
      s << st.status().ToString() << "\n";
      continue;
    }
    s << "ino=" << st->ino << " nlink=" << st->nlink << " size=" << st->size
      << " atim=" << st->atim << " mtim=" << st->mtim << " ctim=" << st->ctim
      << "\n";
  }
  for (fd_t fd : sb.ctx().OpenDescriptors()) {
    absl::StatusOr<FdInfo> info = sb.ctx().LookupDescriptor(fd);
    if (!info.ok()) continue;
    s << "fd " << fd << ": ino=" << info->inode << " base=" << info->base.bits()
      << " inh=" << info->inheriting.bits() << " flags=" << info->flags.bits()
      << " off=" << info->offset << "\n";
  }
  return s.str();
}

// ---------------------------------------------------------------------------
// Part 1: the table of calls and their required rights.

struct Slot {
  Kind kind;
  const char* host_path;  // where the descriptor is opened (host API)
  Rights base;            // required base rights
  Rights inheriting;      // required inheriting rights (path_open fdflags)
  // A set that may stand in for the whole `base` (FD_SEEK for FD_TELL).
  Rights alternative;
};

using CallFn = std::function<Errno(Context&, const std::vector<fd_t>&)>;

struct CallSpec {
  std::string name;
  std::vector<Slot> slots;
  CallFn call;
};

// True if a descriptor holding (base, inh) satisfies `slot`.
bool Satisfies(const Slot& slot, Rights base, Rights inh) {
  const bool base_ok = base.Contains(slot.base) ||
                       (!slot.alternative.empty() && base.Contains(slot.alternative));
  return base_ok && inh.Contains(slot.inheriting);
}

Errno ReadSome(Context& c, fd_t fd) {
  uint8_t buf[4];
  absl::Span<uint8_t> iov[] = {absl::MakeSpan(buf)};
  return E(c.fd_read(fd, iov));
}

Errno PReadSome(Context& c, fd_t fd) {
  uint8_t buf[4];
  absl::Span<uint8_t> iov[] = {absl::MakeSpan(buf)};
  return E(c.fd_pread(fd, iov, 2));
}

Errno Readdir(Context& c, fd_t fd) {
  std::vector<uint8_t> buf(256);
  return E(c.fd_readdir(fd, absl::MakeSpan(buf), 0));
}

Errno Readlink(Context& c, fd_t fd) {
  uint8_t buf[16];
  return E(c.path_readlink(fd, "sl", absl::MakeSpan(buf)));
}

Errno OpenWith(Context& c, fd_t fd, std::string_view path, Oflags o,
               Fdflags ff = Fdflags()) {
  return E(c.path_open(fd, Lookupflags(), path, o, rights::kFdRead, Rights(), ff));
}

const std::vector<CallSpec>& CallTable() {
  using namespace rights;  // NOLINT
  auto file = [](Rights r, Rights alt = Rights()) {
    return Slot{Kind::kFile, "base/f", r, Rights(), alt};
  };
  auto dir = [](Rights r, Rights inh = Rights()) {
    return Slot{Kind::kDir, "base", r, inh, Rights()};
  };
  auto dir2 = [](Rights r) { return Slot{Kind::kDir, "base/t", r, Rights(), Rights()}; };
  static const std::vector<CallSpec> table = {
      {"fd_advise", {file(kFdAdvise)},
       [](Context& c, const std::vector<fd_t>& f) {
         return c.fd_advise(f[0], 0, 4, Advice::kNormal);
       }},
      {"fd_allocate", {file(kFdAllocate)},
       [](Context& c, const std::vector<fd_t>& f) { return c.fd_allocate(f[0], 0, 64); }},
      {"fd_datasync (file)", {file(kFdDatasync)},
       [](Context& c, const std::vector<fd_t>& f) { return c.fd_datasync(f[0]); }},
      {"fd_datasync (dir)", {dir(kFdDatasync)},
       [](Context& c, const std::vector<fd_t>& f) { return c.fd_datasync(f[0]); }},
      {"fd_fdstat_set_flags", {file(kFdFdstatSetFlags)},
       [](Context& c, const std::vector<fd_t>& f) {
         return c.fd_fdstat_set_flags(f[0], fdflags::kAppend);
       }},
      {"fd_filestat_get (file)", {file(kFdFilestatGet)},
       [](Context& c, const std::vector<fd_t>& f) { return E(c.fd_filestat_get(f[0])); }},
      {"fd_filestat_get (dir)", {dir(kFdFilestatGet)},
       [](Context& c, const std::vector<fd_t>& f) { return E(c.fd_filestat_get(f[0])); }},
      {"fd_filestat_set_size", {file(kFdFilestatSetSize)},
       [](Context& c, const std::vector<fd_t>& f) { return c.fd_filestat_set_size(f[0], 3); }},
      {"fd_filestat_set_times (file)", {file(kFdFilestatSetTimes)},
       [](Context& c, const std::vector<fd_t>& f) {
         return c.fd_filestat_set_times(f[0], 5, 7, fstflags::kAtim | fstflags::kMtim);
       }},
      {"fd_filestat_set_times (dir)", {dir(kFdFilestatSetTimes)},
       [](Context& c, const std::vector<fd_t>& f) {
         return c.fd_filestat_set_times(f[0], 5, 7, fstflags::kAtim | fstflags::kMtimNow);
       }},
      {"fd_pread", {file(kFdRead | kFdSeek)},
       [](Context& c, const std::vector<fd_t>& f) { return PReadSome(c, f[0]); }},
      {"fd_pwrite", {file(kFdWrite | kFdSeek)},
       [](Context& c, const std::vector<fd_t>& f) { return E(PWrite(c, f[0], "zz", 1)); }},
      {"fd_read", {file(kFdRead)},
       [](Context& c, const std::vector<fd_t>& f) { return ReadSome(c, f[0]); }},
      {"fd_readdir", {dir(kFdReaddir)},
       [](Context& c, const std::vector<fd_t>& f) { return Readdir(c, f[0]); }},
      {"fd_seek (SET 3)", {file(kFdSeek)},
       [](Context& c, const std::vector<fd_t>& f) { return E(c.fd_seek(f[0], 3, Whence::kSet)); }},
      {"fd_seek (END -2)", {file(kFdSeek)},
       [](Context& c, const std::vector<fd_t>& f) { return E(c.fd_seek(f[0], -2, Whence::kEnd)); }},
      {"fd_seek (CUR 0) with FD_TELL", {file(kFdTell, kFdSeek)},
       [](Context& c, const std::vector<fd_t>& f) { return E(c.fd_seek(f[0], 0, Whence::kCur)); }},
      {"fd_seek (CUR 0) with FD_SEEK", {file(kFdSeek, kFdTell)},
       [](Context& c, const std::vector<fd_t>& f) { return E(c.fd_seek(f[0], 0, Whence::kCur)); }},
      {"fd_sync (file)", {file(kFdSync)},
       [](Context& c, const std::vector<fd_t>& f) { return c.fd_sync(f[0]); }},
      {"fd_sync (dir)", {dir(kFdSync)},
       [](Context& c, const std::vector<fd_t>& f) { return c.fd_sync(f[0]); }},
      {"fd_tell with FD_TELL", {file(kFdTell, kFdSeek)},
       [](Context& c, const std::vector<fd_t>& f) { return E(c.fd_tell(f[0])); }},
      {"fd_tell with FD_SEEK", {file(kFdSeek, kFdTell)},
       [](Context& c, const std::vector<fd_t>& f) { return E(c.fd_tell(f[0])); }},
      {"fd_write", {file(kFdWrite)},
       [](Context& c, const std::vector<fd_t>& f) { return E(Write(c, f[0], "xyz")); }},
      {"path_create_directory", {dir(kPathCreateDirectory)},
       [](Context& c, const std::vector<fd_t>& f) {
         return c.path_create_directory(f[0], "newdir");
       }},
      {"path_filestat_get (nofollow)", {dir(kPathFilestatGet)},
       [](Context& c, const std::vector<fd_t>& f) {
         return E(c.path_filestat_get(f[0], Lookupflags(), "sl"));
       }},
      {"path_filestat_get (follow)", {dir(kPathFilestatGet)},
       [](Context& c, const std::vector<fd_t>& f) {
         return E(c.path_filestat_get(f[0], lookupflags::kSymlinkFollow, "sl"));
       }},
      {"path_filestat_set_times", {dir(kPathFilestatSetTimes)},
       [](Context& c, const std::vector<fd_t>& f) {
         return c.path_filestat_set_times(f[0], lookupflags::kSymlinkFollow, "sl", 0, 99,
                                          fstflags::kMtim | fstflags::kAtimNow);
       }},
      {"path_link", {dir(kPathLinkSource), dir2(kPathLinkTarget)},
       [](Context& c, const std::vector<fd_t>& f) {
         return c.path_link(f[0], Lookupflags(), "f", f[1], "lnk");
       }},
      {"path_open", {dir(kPathOpen)},
       [](Context& c, const std::vector<fd_t>& f) { return OpenWith(c, f[0], "f", Oflags()); }},
      {"path_open DIRECTORY", {dir(kPathOpen)},
       [](Context& c, const std::vector<fd_t>& f) {
         return OpenWith(c, f[0], "d", oflags::kDirectory);
       }},
      {"path_open CREAT (new)", {dir(kPathOpen | kPathCreateFile)},
       [](Context& c, const std::vector<fd_t>& f) {
         return OpenWith(c, f[0], "newf", oflags::kCreat);
       }},
      {"path_open CREAT (existing)", {dir(kPathOpen | kPathCreateFile)},
       [](Context& c, const std::vector<fd_t>& f) {
         return OpenWith(c, f[0], "f", oflags::kCreat);
       }},
      {"path_open CREAT|EXCL", {dir(kPathOpen | kPathCreateFile)},
       [](Context& c, const std::vector<fd_t>& f) {
         return OpenWith(c, f[0], "newf", oflags::kCreat | oflags::kExcl);
       }},
      {"path_open TRUNC", {dir(kPathOpen | kPathFilestatSetSize)},
       [](Context& c, const std::vector<fd_t>& f) {
         return OpenWith(c, f[0], "f", oflags::kTrunc);
       }},
      {"path_open CREAT|TRUNC", {dir(kPathOpen | kPathCreateFile | kPathFilestatSetSize)},
       [](Context& c, const std::vector<fd_t>& f) {
         return OpenWith(c, f[0], "f", oflags::kCreat | oflags::kTrunc);
       }},
      {"path_open fdflags DSYNC", {dir(kPathOpen, kFdDatasync)},
       [](Context& c, const std::vector<fd_t>& f) {
         return OpenWith(c, f[0], "f", Oflags(), fdflags::kDsync);
       }},
      {"path_open fdflags RSYNC", {dir(kPathOpen, kFdSync)},
       [](Context& c, const std::vector<fd_t>& f) {
         return OpenWith(c, f[0], "f", Oflags(), fdflags::kRsync);
       }},
      {"path_open fdflags SYNC", {dir(kPathOpen, kFdSync)},
       [](Context& c, const std::vector<fd_t>& f) {
         return OpenWith(c, f[0], "f", Oflags(), fdflags::kSync);
       }},
      {"path_readlink", {dir(kPathReadlink)},
       [](Context& c, const std::vector<fd_t>& f) { return Readlink(c, f[0]); }},
      {"path_remove_directory", {dir(kPathRemoveDirectory)},
       [](Context& c, const std::vector<fd_t>& f) { return c.path_remove_directory(f[0], "e"); }},
      {"path_rename (file)", {dir(kPathRenameSource), dir2(kPathRenameTarget)},
       [](Context& c, const std::vector<fd_t>& f) {
         return c.path_rename(f[0], "f", f[1], "ren");
       }},
      {"path_rename (dir)", {dir(kPathRenameSource), dir2(kPathRenameTarget)},
       [](Context& c, const std::vector<fd_t>& f) {
         return c.path_rename(f[0], "d", f[1], "d2");
       }},
      {"path_symlink", {dir(kPathSymlink)},
       [](Context& c, const std::vector<fd_t>& f) { return c.path_symlink("f", f[0], "sl2"); }},
      {"path_unlink_file", {dir(kPathUnlinkFile)},
       [](Context& c, const std::vector<fd_t>& f) { return c.path_unlink_file(f[0], "g"); }},
  };
  return table;
}

constexpr fd_t kFirstSlotFd = 10;

// Opens each slot of `spec` at fd 10, 11, ... with its kind's maximum
// (host API), then narrows it to rights[i] with fd_fdstat_set_rights.
std::vector<fd_t> OpenSlots(Sandbox& sb, const CallSpec& spec,
                            const std::vector<std::pair<Rights, Rights>>& r) {
  std::vector<fd_t> fds;
  for (size_t i = 0; i < spec.slots.size(); ++i) {
    const Slot& slot = spec.slots[i];
    const fd_t fd = kFirstSlotFd + static_cast<fd_t>(i);
    absl::Status s = sb.ctx().OpenAt(fd, slot.host_path, MaxBase(slot.kind),
                                     MaxInheriting(slot.kind));
    INFO("OpenAt " << slot.host_path << ": " << s.ToString());
    REQUIRE(s.ok());
    const Errno e = sb.ctx().fd_fdstat_set_rights(fd, r[i].first, r[i].second);
    INFO("narrowing to " << RightsStr(r[i].first) << " / " << RightsStr(r[i].second));
    REQUIRE(e == Errno::kSuccess);
    fds.push_back(fd);
  }
  return fds;
}

// Rights for every slot: exactly the required ones (minimal) or the kind's
// maximum (maximal).
std::vector<std::pair<Rights, Rights>> SlotRights(const CallSpec& spec, bool maximal) {
  std::vector<std::pair<Rights, Rights>> r;
  for (const Slot& s : spec.slots) {
    if (maximal) {
      r.emplace_back(MaxBase(s.kind), MaxInheriting(s.kind));
    } else {
      r.emplace_back(s.base, s.inheriting);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------
// Part 5: the read-only preopen cross-product fixture.

constexpr const char* kCrossSpec = R"(
a/f = read only bytes
a/g = second file
a/d/
a/d/y = deep
a/e/
a/sl -> f
b/f = other tree
b/g = second file
b/d/
b/d/y = deep too
b/e/
b/sl -> f
)";
const char* const kCrossPaths[] = {"f", "g", "d", "d/y", "e", "sl", ""};

struct Cross {
  std::shared_ptr<Filesystem> fs;
  std::unique_ptr<Context> ctx;
  fd_t a = 0;  // the source-side preopen (tree "a")
  fd_t b = 0;  // the target-side preopen (tree "b")
  bool a_ro;
  bool b_ro;

  Cross(bool a_read_only, bool b_read_only) : a_ro(a_read_only), b_ro(b_read_only) {
    FilesystemOptions opt;
    opt.clock = std::make_shared<DeterministicClock>();
    fs = Filesystem::Create(opt);
    absl::Status s = BuildTree(*fs, kCrossSpec);
    REQUIRE(s.ok());
    ctx = std::make_unique<Context>(fs);
    absl::StatusOr<fd_t> pa = a_ro ? ctx->PreopenReadOnly("a", "/a") : ctx->Preopen("a", "/a");
    REQUIRE(pa.ok());
    absl::StatusOr<fd_t> pb = b_ro ? ctx->PreopenReadOnly("b", "/b") : ctx->Preopen("b", "/b");
    REQUIRE(pb.ok());
    a = *pa;
    b = *pb;
  }
  ~Cross() {
    absl::Status s = fs->Fsck();
    if (!s.ok()) FAIL_CHECK(s.ToString() << "\n" << fs->Dump());
    ctx.reset();
    s = fs->Fsck();
    if (!s.ok()) FAIL_CHECK(s.ToString() << "\n" << fs->Dump());
  }

  // Inode ids of every entry of a read-only tree (and the tree's root).
  std::set<InodeId> RoInodes() {
    std::set<InodeId> ids;
    for (const char* tree : {"a", "b"}) {
      if ((tree[0] == 'a' && !a_ro) || (tree[0] == 'b' && !b_ro)) continue;
      for (const char* p : kCrossPaths) {
        const std::string full = *p ? absl::StrCat(tree, "/", p) : std::string(tree);
        absl::StatusOr<Filestat> st = fs->Stat(full, false);
        if (st.ok()) ids.insert(st->ino);
      }
    }
    return ids;
  }
};

// Walks every name reachable beneath the read-write preopen `rw` (following
// symlinks) and reports any that opens with FD_WRITE onto an inode of a
// read-only tree. Returns the offending names.
std::vector<std::string> WritableAliases(Context& ctx, fd_t rw, const std::set<InodeId>& ro,
                                         const std::string& prefix = "", int depth = 0) {
  std::vector<std::string> bad;
  if (depth > 3) return bad;
  Result<std::vector<Listed>> listing = ListDir(ctx, rw);
  if (!listing.ok()) return bad;
  for (const Listed& e : *listing) {
    if (e.name == "." || e.name == "..") continue;
    const std::string rel = prefix + e.name;
    Result<fd_t> w = ctx.path_open(rw, lookupflags::kSymlinkFollow, e.name, Oflags(),
                                   rights::kFdRead | rights::kFdWrite, Rights(), Fdflags());
    if (w.ok()) {
      Result<Fdstat> st = ctx.fd_fdstat_get(*w);
      absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(*w);
      if (st.ok() && info.ok() && st->fs_rights_base.Any(rights::kFdWrite) &&
          ro.count(info->inode) != 0) {
        bad.push_back(rel);
      }
      (void)ctx.fd_close(*w);
    }
    if (e.type == Filetype::kDirectory) {
      Result<fd_t> sub = ctx.path_open(rw, Lookupflags(), e.name, oflags::kDirectory,
                                       rights::kDirectoryBase & ~kWriteIntent,
                                       rights::kDirectoryInheriting, Fdflags());
      if (sub.ok()) {
        for (auto& n : WritableAliases(ctx, *sub, ro, rel + "/", depth + 1)) bad.push_back(n);
        (void)ctx.fd_close(*sub);
      }
    }
  }
  return bad;
}

enum class Target { kFile, kDir, kMissing };

// The intended result of path_open(dir, FOLLOW, target, oflags, <write
// rights>, 0, 0) where `ro` says whether the directory is read-only.
Errno ExpectedOpen(bool ro, Target t, Oflags o) {
  if (ro && o.Any(oflags::kCreat | oflags::kTrunc)) return Errno::kNotcapable;
  if (o.Any(oflags::kDirectory) && o.Any(oflags::kCreat | oflags::kExcl | oflags::kTrunc)) {
    return Errno::kInval;
  }
  const bool excl = o.Contains(oflags::kCreat | oflags::kExcl);
  if (t == Target::kMissing) return o.Any(oflags::kCreat) ? Errno::kSuccess : Errno::kNoent;
  if (excl) return Errno::kExist;
  if (t == Target::kFile && o.Any(oflags::kDirectory)) return Errno::kNotdir;
  if (t == Target::kDir) return Errno::kIsdir;  // write rights requested (or TRUNC)
  return Errno::kSuccess;
}

std::string OflagsStr(Oflags o) {
  std::string s;
  if (o.Any(oflags::kCreat)) s += "CREAT|";
  if (o.Any(oflags::kDirectory)) s += "DIRECTORY|";
  if (o.Any(oflags::kExcl)) s += "EXCL|";
  if (o.Any(oflags::kTrunc)) s += "TRUNC|";
  if (s.empty()) return "0";
  s.pop_back();
  return s;
}

}  // namespace

// ===========================================================================
// Part 1: one right at a time.

TEST_CASE("A descriptor missing exactly one required right gets NOTCAPABLE and changes nothing",
          "[rights][f4]") {
  int pairs = 0;
  int checks = 0;
  for (const CallSpec& spec : CallTable()) {
    for (size_t slot = 0; slot < spec.slots.size(); ++slot) {
      const Slot& s = spec.slots[slot];
      // Each required right, in base and in inheriting.
      std::vector<std::pair<Rights, bool>> missing;
      for (Rights r : BitsOf(s.base)) missing.emplace_back(r, false);
      for (Rights r : BitsOf(s.inheriting)) missing.emplace_back(r, true);
      for (const auto& [right, in_inheriting] : missing) {
        ++pairs;
        for (bool maximal : {false, true}) {
          INFO(spec.name << ", slot " << slot << " without "
                         << (in_inheriting ? "inheriting " : "") << RightsStr(right)
                         << (maximal ? " (all other rights held)" : " (only required rights held)"));
          Sandbox sb(kSpec);
          std::vector<std::pair<Rights, Rights>> r = SlotRights(spec, maximal);
          if (in_inheriting) {
            r[slot].second = r[slot].second & ~right;
          } else {
            // The alternative would stand in for the dropped right.
            r[slot].first = r[slot].first & ~right & ~s.alternative;
          }
          std::vector<fd_t> fds = OpenSlots(sb, spec, r);
          const std::string before = StateOf(sb);
          const Errno e = spec.call(sb.ctx(), fds);
          INFO("got " << Name(e));
          CHECK(e == Errno::kNotcapable);
          CHECK(StateOf(sb) == before);
          ++checks;
        }
      }
    }
  }
  WARN("F4 single-right table: " << CallTable().size() << " calls, " << pairs
                                 << " (function, right) pairs, " << checks
                                 << " NOTCAPABLE checks (minimal and maximal descriptors)");
  CHECK(pairs == 58);
}

TEST_CASE("Each call succeeds with exactly its required rights and with all rights",
          "[rights][f4]") {
  for (const CallSpec& spec : CallTable()) {
    for (bool maximal : {false, true}) {
      INFO(spec.name << (maximal ? " with all rights" : " with exactly the required rights"));
      Sandbox sb(kSpec);
      std::vector<fd_t> fds = OpenSlots(sb, spec, SlotRights(spec, maximal));
      const Errno e = spec.call(sb.ctx(), fds);
      INFO("got " << Name(e));
      CHECK(e == Errno::kSuccess);
    }
  }
}

TEST_CASE("The alternative rights of fd_tell and fd_seek(0, CUR) each suffice alone",
          "[rights][f4]") {
  // FD_SEEK implies FD_TELL; FD_TELL alone allows only the query.
  for (Rights held : {rights::kFdTell, rights::kFdSeek, Rights()}) {
    INFO("holding " << RightsStr(held));
    Sandbox sb(kSpec);
    REQUIRE(sb.ctx().OpenAt(10, "base/f", rights::kRegularFileBase).ok());
    REQUIRE(sb.ctx().fd_fdstat_set_rights(10, held, Rights()) == Errno::kSuccess);
    const Errno want = held.empty() ? Errno::kNotcapable : Errno::kSuccess;
    CHECK(E(sb.ctx().fd_tell(10)) == want);
    CHECK(E(sb.ctx().fd_seek(10, 0, Whence::kCur)) == want);
    const Errno seek = E(sb.ctx().fd_seek(10, 1, Whence::kCur));
    CHECK(seek == (held == rights::kFdSeek ? Errno::kSuccess : Errno::kNotcapable));
    const Errno seek_set = E(sb.ctx().fd_seek(10, 0, Whence::kSet));
    CHECK(seek_set == (held == rights::kFdSeek ? Errno::kSuccess : Errno::kNotcapable));
  }
}

TEST_CASE("Calls that need no right succeed on a descriptor holding no rights at all",
          "[rights][f4]") {
  for (Kind kind : {Kind::kFile, Kind::kDir}) {
    INFO((kind == Kind::kFile ? "file" : "directory") << " descriptors");
    Sandbox sb(kSpec);
    const char* path = kind == Kind::kFile ? "base/f" : "base/d";
    for (fd_t fd : {10u, 11u, 12u}) {
      REQUIRE(sb.ctx().OpenAt(fd, path, MaxBase(kind), MaxInheriting(kind)).ok());
      REQUIRE(sb.ctx().fd_fdstat_set_rights(fd, Rights(), Rights()) == Errno::kSuccess);
    }
    REQUIRE(sb.ctx().fd_fdstat_set_rights(sb.base(), Rights(), Rights()) == Errno::kSuccess);

    Result<Fdstat> st = sb.ctx().fd_fdstat_get(10);
    REQUIRE(st.ok());
    CHECK(st->fs_rights_base == Rights());
    CHECK(st->fs_rights_inheriting == Rights());
    CHECK(st->fs_filetype == (kind == Kind::kFile ? Filetype::kRegularFile : Filetype::kDirectory));
    CHECK(sb.ctx().fd_fdstat_set_rights(10, Rights(), Rights()) == Errno::kSuccess);

    Result<Prestat> pre = sb.ctx().fd_prestat_get(sb.base());
    REQUIRE(pre.ok());
    CHECK(pre->pr_name_len == std::string("/sandbox").size());
    std::string name(pre->pr_name_len, '\0');
    CHECK(sb.ctx().fd_prestat_dir_name(
              sb.base(), absl::MakeSpan(reinterpret_cast<uint8_t*>(name.data()), name.size())) ==
          Errno::kSuccess);
    CHECK(name == "/sandbox");

    absl::StatusOr<FdInfo> moved = sb.ctx().LookupDescriptor(11);
    REQUIRE(moved.ok());
    CHECK(sb.ctx().fd_renumber(11, 12) == Errno::kSuccess);
    absl::StatusOr<FdInfo> after = sb.ctx().LookupDescriptor(12);
    REQUIRE(after.ok());
    CHECK(after->inode == moved->inode);
    CHECK(after->base == Rights());
    CHECK(E(sb.ctx().fd_fdstat_get(11)) == Errno::kBadf);

    CHECK(sb.ctx().fd_close(10) == Errno::kSuccess);
    CHECK(sb.ctx().fd_close(12) == Errno::kSuccess);
    CHECK(sb.ctx().fd_close(sb.base()) == Errno::kSuccess);
    CHECK(sb.ctx().OpenDescriptors().empty());
  }
}

// ===========================================================================
// Part 2: fd_fdstat_set_rights only narrows.

TEST_CASE("fd_fdstat_set_rights refuses to add any right the descriptor lacks",
          "[rights][f4]") {
  Sandbox sb(kSpec);
  Context& ctx = sb.ctx();
  std::mt19937_64 rng(0xF4F4'0002);
  // Descriptors of every kind and rights shape.
  REQUIRE(ctx.OpenAt(10, "base/f", rights::kRegularFileBase).ok());
  REQUIRE(ctx.OpenAt(11, "base/f", rights::kRegularFileBase).ok());
  REQUIRE(ctx.fd_fdstat_set_rights(11, Rights(), Rights()) == Errno::kSuccess);
  REQUIRE(ctx.OpenAt(12, "base/d", rights::kDirectoryBase, rights::kDirectoryInheriting).ok());
  REQUIRE(ctx.OpenAt(13, "base/d", rights::kDirectoryBase, rights::kDirectoryInheriting).ok());
  REQUIRE(ctx.fd_fdstat_set_rights(13, Rights(), Rights()) == Errno::kSuccess);
  REQUIRE(ctx.OpenAt(14, "base/d", rights::kDirectoryBase, rights::kDirectoryInheriting).ok());
  REQUIRE(ctx.fd_fdstat_set_rights(14, RandomRights(rng, rights::kDirectoryBase),
                                   RandomRights(rng, rights::kDirectoryInheriting)) ==
          Errno::kSuccess);
  REQUIRE(ctx.AttachStream(15, StreamEnd::kBoth).ok());
  const std::vector<fd_t> fds = {sb.base(), 10, 11, 12, 13, 14, 15};

  int checks = 0;
  for (fd_t fd : fds) {
    Result<Fdstat> start = ctx.fd_fdstat_get(fd);
    REQUIRE(start.ok());
    const Rights base = start->fs_rights_base;
    const Rights inh = start->fs_rights_inheriting;
    for (int i = 0; i < rights::kCount; ++i) {
      const Rights bit = Bit(i);
      for (bool in_inheriting : {false, true}) {
        const Rights have = in_inheriting ? inh : base;
        if (have.Contains(bit)) continue;
        INFO("fd " << fd << " adding " << (in_inheriting ? "inheriting " : "base ")
                   << kRightNames[i]);
        const Rights nb = in_inheriting ? base : base | bit;
        const Rights ni = in_inheriting ? inh | bit : inh;
        CHECK(ctx.fd_fdstat_set_rights(fd, nb, ni) == Errno::kNotcapable);
        // Narrowing one right while adding another is still a widening.
        std::vector<Rights> held = BitsOf(in_inheriting ? inh : base);
        if (!held.empty()) {
          const Rights drop = held[rng() % held.size()];
          CHECK(ctx.fd_fdstat_set_rights(fd, in_inheriting ? base : (base & ~drop) | bit,
                                         in_inheriting ? (inh & ~drop) | bit : inh) ==
                Errno::kNotcapable);
        }
        Result<Fdstat> now = ctx.fd_fdstat_get(fd);
        REQUIRE(now.ok());
        CHECK(now->fs_rights_base == base);
        CHECK(now->fs_rights_inheriting == inh);
        CHECK(now->fs_flags == start->fs_flags);
        CHECK(now->fs_filetype == start->fs_filetype);
        ++checks;
      }
    }
  }
  // The two descriptors with no rights alone account for 2 x 60 checks.
  CHECK(checks >= 120);
  WARN("F4 set_rights widening: " << checks << " (descriptor, right) attempts refused");
}

TEST_CASE("fd_fdstat_set_rights narrows, and fd_fdstat_get reports the narrowed rights",
          "[rights][f4]") {
  Sandbox sb(kSpec);
  Context& ctx = sb.ctx();
  std::mt19937_64 rng(0xF4F4'0003);
  for (Kind kind : {Kind::kFile, Kind::kDir}) {
    for (int round = 0; round < 20; ++round) {
      INFO((kind == Kind::kFile ? "file" : "dir") << " round " << round);
      REQUIRE(ctx.OpenAt(20, kind == Kind::kFile ? "base/f" : "base/d", MaxBase(kind),
                         MaxInheriting(kind))
                  .ok());
      Rights base = MaxBase(kind);
      Rights inh = MaxInheriting(kind);
      for (int step = 0; step < 8; ++step) {
        const Rights nb = base & RandomRights(rng, rights::kAll);
        const Rights ni = inh & RandomRights(rng, rights::kAll);
        INFO("narrowing to " << RightsStr(nb) << " / " << RightsStr(ni));
        REQUIRE(ctx.fd_fdstat_set_rights(20, nb, ni) == Errno::kSuccess);
        Result<Fdstat> st = ctx.fd_fdstat_get(20);
        REQUIRE(st.ok());
        CHECK(st->fs_rights_base == nb);
        CHECK(st->fs_rights_inheriting == ni);
        // Setting the same rights again is allowed; going back is not.
        CHECK(ctx.fd_fdstat_set_rights(20, nb, ni) == Errno::kSuccess);
        if (nb != base) CHECK(ctx.fd_fdstat_set_rights(20, base, ni) == Errno::kNotcapable);
        if (ni != inh) CHECK(ctx.fd_fdstat_set_rights(20, nb, inh) == Errno::kNotcapable);
        absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(20);
        REQUIRE(info.ok());
        CHECK(info->base == nb);
        CHECK(info->inheriting == ni);
        base = nb;
        inh = ni;
      }
      REQUIRE(ctx.fd_close(20) == Errno::kSuccess);
    }
  }
}

// ===========================================================================
// Part 3: what path_open hands out.

TEST_CASE("path_open rights are requested ∩ directory inheriting ∩ the kind's maximum "
          "(10,000 random cases)",
          "[rights][f4][property]") {
  Sandbox sb("base/d/f = x\nbase/d/sub/\n");
  Context& ctx = sb.ctx();
  std::mt19937_64 rng(0xF4F4'0004);
  const Rights kDirNoWrite = rights::kDirectoryBase & ~kWriteIntent;
  int cases = 0, failures = 0, files = 0, dirs = 0, notcapable = 0;
  for (int i = 0; i < 10000; ++i) {
    Result<fd_t> d = ctx.path_open(sb.base(), Lookupflags(), "d", oflags::kDirectory,
                                   kDirNoWrite, rights::kDirectoryInheriting, Fdflags());
    REQUIRE(d.ok());
    const Rights dbase = RandomRights(rng, kDirNoWrite) | rights::kPathOpen;
    const Rights dinh = RandomRights(rng, rights::kDirectoryInheriting);
    REQUIRE(ctx.fd_fdstat_set_rights(*d, dbase, dinh) == Errno::kSuccess);

    const bool to_dir = (rng() & 1) != 0;
    Rights req = RandomRights(rng, rights::kAll);
    if (to_dir) req = req & ~kWriteIntent;
    const Rights req_inh = RandomRights(rng, rights::kAll);
    Fdflags ff;
    if (!to_dir && rng() % 4 == 0) ff = Fdflags(static_cast<uint16_t>(rng() & 0x1F));

    Result<fd_t> r = ctx.path_open(*d, Lookupflags(), to_dir ? "sub" : "f",
                                   to_dir ? oflags::kDirectory : Oflags(), req, req_inh, ff);
    const bool sync_denied =
        (ff.Any(fdflags::kDsync) && !dinh.Contains(rights::kFdDatasync)) ||
        (ff.Any(fdflags::kRsync | fdflags::kSync) && !dinh.Contains(rights::kFdSync));
    const Rights want_base =
        req & dinh & (to_dir ? rights::kDirectoryBase : rights::kRegularFileBase);
    const Rights want_inh = to_dir ? req_inh & dinh & rights::kDirectoryInheriting : Rights();
    bool ok = true;
    std::string got;
    if (sync_denied) {
      ok = E(r) == Errno::kNotcapable;
      got = Name(E(r));
      ++notcapable;
    } else if (!r.ok()) {
      ok = false;
      got = Name(r.error());
    } else {
      Result<Fdstat> st = ctx.fd_fdstat_get(*r);
      REQUIRE(st.ok());
      ok = st->fs_rights_base == want_base && st->fs_rights_inheriting == want_inh &&
           st->fs_filetype == (to_dir ? Filetype::kDirectory : Filetype::kRegularFile);
      got = RightsStr(st->fs_rights_base) + " / " + RightsStr(st->fs_rights_inheriting);
      // Never more than the directory may hand down.
      ok = ok && dinh.Contains(st->fs_rights_base) && dinh.Contains(st->fs_rights_inheriting);
      (to_dir ? dirs : files)++;
    }
    if (!ok && ++failures <= 10) {
      FAIL_CHECK("case " << i << ": dir " << RightsStr(dbase) << " / " << RightsStr(dinh)
                         << ", open " << (to_dir ? "sub" : "f") << " requesting "
                         << RightsStr(req) << " / " << RightsStr(req_inh) << " fdflags "
                         << ff.bits() << ": got " << got << ", want "
                         << (sync_denied ? std::string("notcapable")
                                         : RightsStr(want_base) + " / " + RightsStr(want_inh)));
    }
    if (r.ok()) REQUIRE(ctx.fd_close(*r) == Errno::kSuccess);
    REQUIRE(ctx.fd_close(*d) == Errno::kSuccess);
    ++cases;
  }
  CHECK(failures == 0);
  CHECK(files > 1000);
  CHECK(dirs > 1000);
  CHECK(notcapable > 100);
  WARN("F4 path_open property: " << cases << " cases (" << files << " files, " << dirs
                                 << " dirs, " << notcapable << " sync-flag refusals), "
                                 << failures << " mismatches");
}

TEST_CASE("Rights never grow down a chain of three nested path_opens", "[rights][f4][property]") {
  Sandbox sb("base/c1/c2/c3/leaf = z\n");
  Context& ctx = sb.ctx();
  std::mt19937_64 rng(0xF4F4'0005);
  const char* const names[] = {"c1", "c2", "c3", "leaf"};
  int chains = 0, full = 0, failures = 0, broken = 0;
  for (int i = 0; i < 2000; ++i) {
    std::vector<fd_t> opened;
    fd_t parent = sb.base();
    Rights ancestors_inh = rights::kDirectoryInheriting;  // the preopen's
    for (int step = 0; step < 4; ++step) {
      const bool is_dir = step < 3;
      if (step > 0 && rng() % 3 == 0) {
        // Narrow the parent a little on the way.
        Result<Fdstat> pst = ctx.fd_fdstat_get(parent);
        REQUIRE(pst.ok());
        REQUIRE(ctx.fd_fdstat_set_rights(
                    parent, pst->fs_rights_base & (RandomRights(rng, rights::kAll) | rights::kPathOpen),
                    pst->fs_rights_inheriting & RandomRights(rng, rights::kAll)) ==
                Errno::kSuccess);
      }
      Result<Fdstat> pst = ctx.fd_fdstat_get(parent);
      REQUIRE(pst.ok());
      Rights req = RandomRights(rng, rights::kAll);
      if (rng() % 10 != 0) req |= rights::kPathOpen;
      if (is_dir) req = req & ~kWriteIntent;
      const Rights req_inh = RandomRights(rng, rights::kAll);
      Result<fd_t> r = ctx.path_open(parent, Lookupflags(), names[step],
                                     is_dir ? oflags::kDirectory : Oflags(), req, req_inh,
                                     Fdflags());
      if (!pst->fs_rights_base.Contains(rights::kPathOpen)) {
        if (E(r) != Errno::kNotcapable && ++failures <= 10) {
          FAIL_CHECK("chain " << i << " step " << step << ": parent without PATH_OPEN gave "
                              << Name(E(r)));
        }
        if (r.ok()) opened.push_back(*r);
        ++broken;
        break;
      }
      if (!r.ok()) {
        if (++failures <= 10) {
          FAIL_CHECK("chain " << i << " step " << step << ": " << Name(r.error()));
        }
        break;
      }
      opened.push_back(*r);
      Result<Fdstat> cst = ctx.fd_fdstat_get(*r);
      REQUIRE(cst.ok());
      const Rights want_base = req & pst->fs_rights_inheriting &
                               (is_dir ? rights::kDirectoryBase : rights::kRegularFileBase);
      const Rights want_inh =
          is_dir ? req_inh & pst->fs_rights_inheriting & rights::kDirectoryInheriting : Rights();
      const bool ok = cst->fs_rights_base == want_base &&
                      cst->fs_rights_inheriting == want_inh &&
                      ancestors_inh.Contains(cst->fs_rights_base) &&
                      ancestors_inh.Contains(cst->fs_rights_inheriting) &&
                      pst->fs_rights_inheriting.Contains(cst->fs_rights_base) &&
                      pst->fs_rights_inheriting.Contains(cst->fs_rights_inheriting);
      if (!ok && ++failures <= 10) {
        FAIL_CHECK("chain " << i << " step " << step << ": parent inheriting "
                            << RightsStr(pst->fs_rights_inheriting) << ", requested "
                            << RightsStr(req) << " / " << RightsStr(req_inh) << ", got "
                            << RightsStr(cst->fs_rights_base) << " / "
                            << RightsStr(cst->fs_rights_inheriting));
      }
      ancestors_inh = ancestors_inh & pst->fs_rights_inheriting;
      parent = *r;
      if (step == 3) ++full;
    }
    for (fd_t fd : opened) REQUIRE(ctx.fd_close(fd) == Errno::kSuccess);
    ++chains;
  }
  CHECK(failures == 0);
  CHECK(full > 100);
  CHECK(broken > 100);
  WARN("F4 nested path_open: " << chains << " chains, " << full << " reached the leaf, "
                               << broken << " stopped by a missing PATH_OPEN");
}

TEST_CASE("Opening a directory while requesting FD_WRITE, FD_ALLOCATE, FD_FILESTAT_SET_SIZE or TRUNC is ISDIR",
          "[rights][f4]") {
  Sandbox sb("base/d/x = 1\n");
  Context& ctx = sb.ctx();
  const std::string before = StateOf(sb);
  const auto fds_before = ctx.OpenDescriptors();
  for (Rights w : BitsOf(kWriteIntent)) {
    for (Oflags o : {Oflags(), oflags::kDirectory}) {
      INFO("requesting " << RightsStr(w) << " oflags " << OflagsStr(o));
      CHECK(E(ctx.path_open(sb.base(), Lookupflags(), "d", o, rights::kFdReaddir | w, Rights(),
                            Fdflags())) == Errno::kIsdir);
    }
  }
  CHECK(E(ctx.path_open(sb.base(), Lookupflags(), "d", oflags::kTrunc, rights::kFdReaddir,
                        Rights(), Fdflags())) == Errno::kIsdir);
  CHECK(StateOf(sb) == before);
  CHECK(ctx.OpenDescriptors() == fds_before);
  // Without them the directory opens, with every other directory right,
  // FD_DATASYNC included (fdatasync needs no write access).
  Result<fd_t> ok = ctx.path_open(sb.base(), Lookupflags(), "d", oflags::kDirectory,
                                  rights::kAll & ~kWriteIntent, Rights(), Fdflags());
  REQUIRE(E(ok) == Errno::kSuccess);
  Result<Fdstat> st = ctx.fd_fdstat_get(*ok);
  REQUIRE(st.ok());
  CHECK(st->fs_rights_base == rights::kDirectoryBase);
  CHECK(ctx.fd_datasync(*ok) == Errno::kSuccess);
}

// ===========================================================================
// Part 4: reported equals enforced.

TEST_CASE("fd_fdstat_get predicts exactly which calls fail with NOTCAPABLE",
          "[rights][f4][property]") {
  std::mt19937_64 rng(0xF4F4'0006);
  int descriptors = 0, calls = 0, refused = 0, failures = 0;
  for (int i = 0; i < 300; ++i) {
    for (Kind kind : {Kind::kFile, Kind::kDir}) {
      Sandbox sb(kSpec);
      Context& ctx = sb.ctx();
      const fd_t fd = 10;
      REQUIRE(ctx.OpenAt(fd, kind == Kind::kFile ? "base/f" : "base", MaxBase(kind),
                         MaxInheriting(kind))
                  .ok());
      REQUIRE(ctx.fd_fdstat_set_rights(fd, RandomRights(rng, rights::kAll) & MaxBase(kind),
                                       RandomRights(rng, rights::kAll) & MaxInheriting(kind)) ==
              Errno::kSuccess);
      Result<Fdstat> st = ctx.fd_fdstat_get(fd);
      REQUIRE(st.ok());
      ++descriptors;
      for (const CallSpec& spec : CallTable()) {
        bool applicable = true;
        bool allowed = true;
        for (const Slot& s : spec.slots) {
          applicable = applicable && s.kind == kind;
          allowed = allowed && Satisfies(s, st->fs_rights_base, st->fs_rights_inheriting);
        }
        if (!applicable) continue;
        const std::vector<fd_t> fds(spec.slots.size(), fd);
        const Errno e = spec.call(ctx, fds);
        ++calls;
        if (e == Errno::kNotcapable) ++refused;
        if ((e == Errno::kNotcapable) != !allowed && ++failures <= 10) {
          FAIL_CHECK(spec.name << " on a descriptor reporting "
                               << RightsStr(st->fs_rights_base) << " / "
                               << RightsStr(st->fs_rights_inheriting) << " gave " << Name(e)
                               << (allowed ? " although every required right is reported"
                                           : " although a required right is missing"));
        }
      }
    }
  }
  CHECK(failures == 0);
  CHECK(refused > 100);
  CHECK(calls - refused > 100);
  WARN("F4 reported == enforced: " << descriptors << " random descriptors, " << calls
                                   << " calls, " << refused << " NOTCAPABLE, " << failures
                                   << " mismatches");
}

// ===========================================================================
// Part 5: read-only preopens.

TEST_CASE("Read-only preopen cross-product: nothing beneath a read-only preopen changes",
          "[rights][f4][readonly]") {
  int cells = 0;
  for (bool a_ro : {true, false}) {
    for (bool b_ro : {true, false}) {
      const std::string pair =
          absl::StrCat(a_ro ? "RO" : "RW", " source / ", b_ro ? "RO" : "RW", " target");

      // Runs one cell on a fresh fixture: `op` returns the errno, `post`
      // checks what a success must look like.
      auto cell = [&](const std::string& what, Errno want,
                      const std::function<Errno(Cross&)>& op,
                      const std::function<void(Cross&)>& post = {}) {
        INFO(pair << ": " << what << ", want " << Name(want));
        Cross c(a_ro, b_ro);
        const std::set<InodeId> ro = c.RoInodes();
        const std::string da = SubtreeDigest(*c.fs, "a");
        const std::string db = SubtreeDigest(*c.fs, "b");
        const InodeId next = c.fs->next_inode_id();
        const Errno e = op(c);
        INFO("got " << Name(e));
        CHECK(e == want);
        if (a_ro || want != Errno::kSuccess) CHECK(SubtreeDigest(*c.fs, "a") == da);
        if (b_ro || want != Errno::kSuccess) CHECK(SubtreeDigest(*c.fs, "b") == db);
        if (want != Errno::kSuccess) CHECK(c.fs->next_inode_id() == next);
        if (e == Errno::kSuccess && post) post(c);
        for (auto [rw, is_ro] : {std::pair{c.a, a_ro}, std::pair{c.b, b_ro}}) {
          if (is_ro) continue;
          std::vector<std::string> bad = WritableAliases(*c.ctx, rw, ro);
          INFO("writable names for read-only inodes: " << bad.size());
          CHECK(bad.empty());
        }
        ++cells;
      };

      // path_open through the source preopen, all 16 oflags x 3 targets,
      // with every file right requested (write, allocate, resize, ...).
      for (uint16_t bits = 0; bits < 16; ++bits) {
        const Oflags o(bits);
        for (auto [target, name] : {std::pair{Target::kFile, "f"}, std::pair{Target::kDir, "d"},
                                    std::pair{Target::kMissing, "n"}}) {
          const Errno want = ExpectedOpen(a_ro, target, o);
          const std::string nm = name;
          cell(absl::StrCat("path_open(a, FOLLOW, \"", nm, "\", ", OflagsStr(o),
                            ", all file rights)"),
               want,
               [&, nm, o](Cross& c) {
                 Result<fd_t> r = c.ctx->path_open(c.a, lookupflags::kSymlinkFollow, nm, o,
                                                   rights::kRegularFileBase, Rights(), Fdflags());
                 if (!r.ok()) return r.error();
                 Result<Fdstat> st = c.ctx->fd_fdstat_get(*r);
                 REQUIRE(st.ok());
                 if (a_ro) {
                   INFO("rights through RO: " << RightsStr(st->fs_rights_base));
                   CHECK(rights::kReadOnlyFileBase.Contains(st->fs_rights_base));
                   CHECK_FALSE(st->fs_rights_base.Any(rights::kFdWrite));
                   CHECK(E(Write(*c.ctx, *r, "x")) == Errno::kNotcapable);
                   CHECK(E(PWrite(*c.ctx, *r, "x", 0)) == Errno::kNotcapable);
                   CHECK(c.ctx->fd_allocate(*r, 0, 4096) == Errno::kNotcapable);
                   CHECK(c.ctx->fd_filestat_set_size(*r, 0) == Errno::kNotcapable);
                   CHECK(c.ctx->fd_filestat_set_size(*r, 1000) == Errno::kNotcapable);
                   CHECK(c.ctx->fd_fdstat_set_rights(*r, st->fs_rights_base | rights::kFdWrite,
                                                     Rights()) == Errno::kNotcapable);
                 } else {
                   CHECK(st->fs_rights_base == rights::kRegularFileBase);
                 }
                 return Errno::kSuccess;
               },
               [&, nm, o](Cross& c) {
                 if (a_ro) return;
                 absl::StatusOr<Filestat> st = c.fs->Stat(absl::StrCat("a/", nm), false);
                 REQUIRE(st.ok());
                 if (o.Any(oflags::kTrunc) || nm == "n") CHECK(st->size == 0);
               });
        }
      }

      const Errno src_dst = (a_ro || b_ro) ? Errno::kNotcapable : Errno::kSuccess;
      cell("path_link(a, \"f\", b, \"lnk\")", src_dst,
           [](Cross& c) { return c.ctx->path_link(c.a, Lookupflags(), "f", c.b, "lnk"); },
           [](Cross& c) { CHECK(c.fs->Stat("b/lnk", false).ok()); });
      cell("path_link(a, \"d/y\", b, \"d/lnk\")", src_dst,
           [](Cross& c) { return c.ctx->path_link(c.a, Lookupflags(), "d/y", c.b, "d/lnk"); });
      cell("path_link(a, \"sl\", b, \"lnk\")", src_dst,
           [](Cross& c) { return c.ctx->path_link(c.a, Lookupflags(), "sl", c.b, "lnk"); });
      cell("path_rename(a, \"f\", b, \"ren\")", src_dst,
           [](Cross& c) { return c.ctx->path_rename(c.a, "f", c.b, "ren"); },
           [](Cross& c) { CHECK(c.fs->Stat("b/ren", false).ok()); });
      cell("path_rename(a, \"f\", b, \"f\") (replace)", src_dst,
           [](Cross& c) { return c.ctx->path_rename(c.a, "f", c.b, "f"); },
           [](Cross& c) { CHECK(*c.fs->ReadFile("b/f") == "read only bytes"); });
      cell("path_rename(a, \"d\", b, \"dd\") (directory)", src_dst,
           [](Cross& c) { return c.ctx->path_rename(c.a, "d", c.b, "dd"); });
      cell("path_rename(a, \"e\", b, \"e\") (replace empty directory)", src_dst,
           [](Cross& c) { return c.ctx->path_rename(c.a, "e", c.b, "e"); });

      const Errno in_a = a_ro ? Errno::kNotcapable : Errno::kSuccess;
      const Errno in_b = b_ro ? Errno::kNotcapable : Errno::kSuccess;
      cell("path_symlink(\"../a/f\", b, \"esc\")", in_b,
           [](Cross& c) { return c.ctx->path_symlink("../a/f", c.b, "esc"); },
           [](Cross& c) {
             // Created, but it leads outside b: PERM, never a writable fd.
             CHECK(E(c.ctx->path_open(c.b, lookupflags::kSymlinkFollow, "esc", Oflags(),
                                      rights::kFdRead | rights::kFdWrite, Rights(),
                                      Fdflags())) == Errno::kPerm);
           });
      cell("path_symlink(\"f\", a, \"s2\")", in_a,
           [](Cross& c) { return c.ctx->path_symlink("f", c.a, "s2"); });
      cell("path_create_directory(a, \"nd\")", in_a,
           [](Cross& c) { return c.ctx->path_create_directory(c.a, "nd"); });
      cell("path_unlink_file(a, \"g\")", in_a,
           [](Cross& c) { return c.ctx->path_unlink_file(c.a, "g"); });
      cell("path_unlink_file(a, \"sl\")", in_a,
           [](Cross& c) { return c.ctx->path_unlink_file(c.a, "sl"); });
      cell("path_remove_directory(a, \"e\")", in_a,
           [](Cross& c) { return c.ctx->path_remove_directory(c.a, "e"); });
      cell("path_filestat_set_times(a, \"f\")", in_a, [](Cross& c) {
        return c.ctx->path_filestat_set_times(c.a, Lookupflags(), "f", 1, 2,
                                              fstflags::kAtim | fstflags::kMtim);
      });

      // Descriptor calls on a file opened through the source preopen with
      // every file right requested.
      using FileOp = std::function<Errno(Context&, fd_t)>;
      const std::vector<std::pair<std::string, FileOp>> file_ops = {
          {"fd_write", [](Context& ctx, fd_t fd) { return E(Write(ctx, fd, "overwrite")); }},
          {"fd_pwrite", [](Context& ctx, fd_t fd) { return E(PWrite(ctx, fd, "zz", 3)); }},
          {"fd_filestat_set_size(0)",
           [](Context& ctx, fd_t fd) { return ctx.fd_filestat_set_size(fd, 0); }},
          {"fd_filestat_set_size(100)",
           [](Context& ctx, fd_t fd) { return ctx.fd_filestat_set_size(fd, 100); }},
          {"fd_allocate", [](Context& ctx, fd_t fd) { return ctx.fd_allocate(fd, 0, 4096); }},
          {"fd_filestat_set_times",
           [](Context& ctx, fd_t fd) {
             return ctx.fd_filestat_set_times(fd, 0, 0, fstflags::kAtimNow | fstflags::kMtimNow);
           }},
      };
      for (const auto& [fname, fop] : file_ops) {
        for (const char* path : {"f", "d/y", "sl"}) {
          const std::string p = path;
          const FileOp op = fop;
          cell(absl::StrCat(fname, " on \"", p, "\" opened through a"), in_a, [p, op](Cross& c) {
            Result<fd_t> r = c.ctx->path_open(c.a, lookupflags::kSymlinkFollow, p, Oflags(),
                                              rights::kAll, rights::kAll, Fdflags());
            REQUIRE(r.ok());
            return op(*c.ctx, *r);
          });
        }
      }
    }
  }
  WARN("F4 read-only cross-product: " << cells << " cells over 4 preopen pairs");
  CHECK(cells == 4 * (48 + 14 + 18));
}

TEST_CASE("GHSA-2r75: TRUNC through a read-only preopen is NOTCAPABLE and the file keeps its bytes",
          "[rights][f4][readonly][advisory]") {
  Sandbox sb("ro/f = precious bytes\nro/sub/g = more\nro/sl -> f\n");
  Context& ctx = sb.ctx();
  absl::StatusOr<fd_t> ro = ctx.PreopenReadOnly("ro", "/ro");
  REQUIRE(ro.ok());
  const std::string digest = SubtreeDigest(sb.fs(), "ro");
  const auto fds = ctx.OpenDescriptors();

  // The advisory's exact call.
  CHECK(E(ctx.path_open(*ro, Lookupflags(), "f", oflags::kTrunc, rights::kFdRead, Rights(),
                        Fdflags())) == Errno::kNotcapable);
  // Variants: through a symlink, with CREAT, with no rights at all, and
  // through a directory opened beneath the preopen asking for everything.
  CHECK(E(ctx.path_open(*ro, lookupflags::kSymlinkFollow, "sl", oflags::kTrunc, rights::kFdRead,
                        Rights(), Fdflags())) == Errno::kNotcapable);
  CHECK(E(ctx.path_open(*ro, Lookupflags(), "f", oflags::kTrunc | oflags::kCreat, Rights(),
                        Rights(), Fdflags())) == Errno::kNotcapable);
  CHECK(E(ctx.path_open(*ro, Lookupflags(), "f", oflags::kTrunc, Rights(), Rights(),
                        Fdflags())) == Errno::kNotcapable);
  Result<fd_t> sub = ctx.path_open(*ro, Lookupflags(), "sub", oflags::kDirectory,
                                   rights::kAll & ~kWriteIntent, rights::kAll, Fdflags());
  REQUIRE(sub.ok());
  Result<Fdstat> sst = ctx.fd_fdstat_get(*sub);
  REQUIRE(sst.ok());
  CHECK(rights::kReadOnlyDirectoryInheriting.Contains(sst->fs_rights_base));
  CHECK(rights::kReadOnlyDirectoryInheriting.Contains(sst->fs_rights_inheriting));
  CHECK_FALSE(sst->fs_rights_base.Any(rights::kPathFilestatSetSize));
  CHECK(E(ctx.path_open(*sub, Lookupflags(), "g", oflags::kTrunc, rights::kFdRead, Rights(),
                        Fdflags())) == Errno::kNotcapable);
  REQUIRE(ctx.fd_close(*sub) == Errno::kSuccess);

  CHECK(*sb.fs().ReadFile("ro/f") == "precious bytes");
  CHECK(sb.fs().Stat("ro/f")->size == 14);
  CHECK(*sb.fs().ReadFile("ro/sub/g") == "more");
  CHECK(SubtreeDigest(sb.fs(), "ro") == digest);
  CHECK(ctx.OpenDescriptors() == fds);
}

TEST_CASE("GHSA-4ch3: link and rename from a read-only into a read-write preopen are NOTCAPABLE",
          "[rights][f4][readonly][advisory]") {
  Sandbox sb("ro/f = precious\nro/sub/g = more\nrw/h = scratch\n");
  Context& ctx = sb.ctx();
  absl::StatusOr<fd_t> ro = ctx.PreopenReadOnly("ro", "/ro");
  REQUIRE(ro.ok());
  absl::StatusOr<fd_t> rw = ctx.Preopen("rw", "/rw");
  REQUIRE(rw.ok());
  const std::string ro_digest = SubtreeDigest(sb.fs(), "ro");
  const std::string rw_digest = SubtreeDigest(sb.fs(), "rw");

  CHECK(ctx.path_link(*ro, Lookupflags(), "f", *rw, "lnk") == Errno::kNotcapable);
  CHECK(ctx.path_link(*ro, Lookupflags(), "sub/g", *rw, "lnk") == Errno::kNotcapable);
  CHECK(ctx.path_rename(*ro, "f", *rw, "ren") == Errno::kNotcapable);
  CHECK(ctx.path_rename(*ro, "sub", *rw, "sub") == Errno::kNotcapable);
  CHECK(ctx.path_rename(*ro, "f", *rw, "h") == Errno::kNotcapable);
  // The same through a directory descriptor opened beneath the RO preopen
  // asking for every right.
  Result<fd_t> sub = ctx.path_open(*ro, Lookupflags(), "sub", oflags::kDirectory,
                                   rights::kAll & ~kWriteIntent, rights::kAll, Fdflags());
  REQUIRE(sub.ok());
  CHECK(ctx.path_link(*sub, Lookupflags(), "g", *rw, "lnk") == Errno::kNotcapable);
  CHECK(ctx.path_rename(*sub, "g", *rw, "ren") == Errno::kNotcapable);
  // And the other way round: nothing moves into the RO tree either.
  CHECK(ctx.path_link(*rw, Lookupflags(), "h", *ro, "h") == Errno::kNotcapable);
  CHECK(ctx.path_rename(*rw, "h", *ro, "f") == Errno::kNotcapable);
  CHECK(ctx.path_rename(*rw, "h", *sub, "g") == Errno::kNotcapable);
  REQUIRE(ctx.fd_close(*sub) == Errno::kSuccess);

  CHECK(SubtreeDigest(sb.fs(), "ro") == ro_digest);
  CHECK(SubtreeDigest(sb.fs(), "rw") == rw_digest);
  CHECK(E(ctx.path_filestat_get(*rw, Lookupflags(), "lnk")) == Errno::kNoent);
  CHECK(E(ctx.path_filestat_get(*rw, Lookupflags(), "ren")) == Errno::kNoent);

  // A symlink in the RW preopen that names the RO file is created, but
  // following it leaves the RW preopen: PERM, never a writable descriptor.
  REQUIRE(ctx.path_symlink("../ro/f", *rw, "alias") == Errno::kSuccess);
  CHECK(E(ctx.path_open(*rw, lookupflags::kSymlinkFollow, "alias", Oflags(),
                        rights::kFdRead | rights::kFdWrite, Rights(), Fdflags())) ==
        Errno::kPerm);
  CHECK(E(ctx.path_open(*rw, lookupflags::kSymlinkFollow, "alias", oflags::kTrunc,
                        rights::kFdWrite, Rights(), Fdflags())) == Errno::kPerm);

  std::set<InodeId> ro_ids;
  for (const char* p : {"ro", "ro/f", "ro/sub", "ro/sub/g"}) ro_ids.insert(sb.fs().Stat(p)->ino);
  CHECK(WritableAliases(ctx, *rw, ro_ids).empty());
  CHECK(*sb.fs().ReadFile("ro/f") == "precious");
}

TEST_CASE("A file opened through a read-only preopen asking for FD_WRITE gets no FD_WRITE",
          "[rights][f4][readonly]") {
  Sandbox sb("ro/f = precious\n");
  Context& ctx = sb.ctx();
  absl::StatusOr<fd_t> ro = ctx.PreopenReadOnly("ro", "/ro");
  REQUIRE(ro.ok());
  Result<Fdstat> dst = ctx.fd_fdstat_get(*ro);
  REQUIRE(dst.ok());
  CHECK(dst->fs_rights_base == rights::kReadOnlyDirectoryBase);
  CHECK(dst->fs_rights_inheriting == rights::kReadOnlyDirectoryInheriting);
  CHECK(ctx.fd_fdstat_set_rights(*ro, dst->fs_rights_base | rights::kPathCreateFile,
                                 dst->fs_rights_inheriting) == Errno::kNotcapable);
  CHECK(ctx.fd_fdstat_set_rights(*ro, dst->fs_rights_base,
                                 dst->fs_rights_inheriting | rights::kFdWrite) ==
        Errno::kNotcapable);

  Result<fd_t> f = ctx.path_open(*ro, Lookupflags(), "f", Oflags(),
                                 rights::kFdRead | rights::kFdWrite, Rights(), Fdflags());
  REQUIRE(f.ok());
  Result<Fdstat> st = ctx.fd_fdstat_get(*f);
  REQUIRE(st.ok());
  CHECK(st->fs_rights_base == rights::kFdRead);
  CHECK(E(Write(ctx, *f, "x")) == Errno::kNotcapable);
  CHECK(ctx.fd_fdstat_set_rights(*f, rights::kFdRead | rights::kFdWrite, Rights()) ==
        Errno::kNotcapable);
  CHECK(*ReadAll(ctx, *f) == "precious");
  CHECK(*sb.fs().ReadFile("ro/f") == "precious");
}

TEST_CASE("A read-only descriptor renumbered over a read-write one keeps its read-only rights",
          "[rights][f4][readonly]") {
  Sandbox sb("ro/f = precious\nrw/h = scratch\n");
  Context& ctx = sb.ctx();
  absl::StatusOr<fd_t> ro = ctx.PreopenReadOnly("ro", "/ro");
  REQUIRE(ro.ok());
  absl::StatusOr<fd_t> rw = ctx.Preopen("rw", "/rw");
  REQUIRE(rw.ok());
  Result<fd_t> rof = ctx.path_open(*ro, Lookupflags(), "f", Oflags(), rights::kAll, Rights(),
                                   Fdflags());
  REQUIRE(rof.ok());
  Result<fd_t> rwf = ctx.path_open(*rw, Lookupflags(), "h", Oflags(), rights::kAll, Rights(),
                                   Fdflags());
  REQUIRE(rwf.ok());
  REQUIRE(ctx.fd_renumber(*rof, *rwf) == Errno::kSuccess);
  CHECK(E(Write(ctx, *rwf, "x")) == Errno::kNotcapable);
  CHECK(ctx.fd_filestat_set_size(*rwf, 0) == Errno::kNotcapable);
  // The RO preopen renumbered over the RW preopen stays read-only too.
  REQUIRE(ctx.fd_renumber(*ro, *rw) == Errno::kSuccess);
  CHECK(E(ctx.path_open(*rw, Lookupflags(), "new", oflags::kCreat, rights::kFdWrite, Rights(),
                        Fdflags())) == Errno::kNotcapable);
  CHECK(ctx.path_unlink_file(*rw, "f") == Errno::kNotcapable);
  CHECK(*sb.fs().ReadFile("ro/f") == "precious");
  CHECK_FALSE(sb.fs().Stat("ro/new").ok());
}

}  // namespace vfs::testing
