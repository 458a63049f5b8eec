// Path resolution over random trees. The input first builds a tree under
// box/ (directories, files, hard links, and symlinks whose targets come from
// the path grammar: relative, absolute, escaping, looping, with `//` and a
// trailing `/`), then probes it with path_open and path_filestat_get.
//
// Oracles: whatever resolves lies inside the preopen (an independent walk
// of box/ by name, plus what descriptors already hold); an absolute path
// never resolves; a path that path_open opened stats to the same inode
// through path_filestat_get with the same lookup flags; Fsck passes and
// outside/ is unchanged after every probe.
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace vfs::fuzz {
namespace {

constexpr int kMaxEntries = 24;
constexpr int kMaxProbes = 32;
constexpr const char* kNames[] = {"a", "b", "ab", "h", "c", "e", "up", "x"};

void BuildRandomTree(World& w, FuzzInput& in) {
  std::vector<std::string> dirs = {"box"};
  std::vector<std::string> files;
  const int n = in.U8() % (kMaxEntries + 1);
  for (int i = 0; i < n; ++i) {
    const uint8_t kind = in.U8() % 4;
    const std::string& parent = dirs[in.U8() % dirs.size()];
    const std::string path =
        absl::StrCat(parent, "/", kNames[in.U8() % (sizeof(kNames) / sizeof(kNames[0]))]);
    // Clashing names fail and are skipped: the tree is whatever succeeded.
    switch (kind) {
      case 0:
        if (w.fs->MakeDirectories(path).ok()) dirs.push_back(path);
        break;
      case 1:
        if (w.fs->WriteFile(path, "data").ok()) files.push_back(path);
        break;
      case 2:
        (void)w.fs->MakeSymlink(path, in.Path());
        break;
      default:
        if (!files.empty()) (void)w.fs->MakeHardLink(files[in.U8() % files.size()], path);
        break;
    }
  }
}

// The inodes a guest may legitimately reach: box and everything named
// beneath it, and whatever an open descriptor holds (a removed directory
// or an unlinked file is still reachable through its fd).
absl::flat_hash_set<inode_t> Reachable(World& w) {
  absl::flat_hash_set<inode_t> out;
  auto box = w.fs->Stat("box");
  FUZZ_CHECK(box.ok(), box.status().ToString());
  out.insert(box->ino);
  auto list = w.fs->List("box");
  FUZZ_CHECK(list.ok(), list.status().ToString());
  for (const auto& e : *list) out.insert(e.stat.ino);
  for (fd_t fd : w.ctx->OpenDescriptors()) {
    auto info = w.ctx->LookupDescriptor(fd);
    if (info.ok()) out.insert(info->inode);
  }
  return out;
}

void CheckReached(World& w, inode_t ino, const std::string& what) {
  CheckInode(w, ino, what);
  FUZZ_CHECK(Reachable(w).contains(ino),
             absl::StrCat(what, " reached inode ", ino, ", not beneath box/\n",
                          w.fs->Dump()));
}

}  // namespace

int FuzzPathResolver(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  World w = MakeWorld(in.U16());
  BuildRandomTree(w, in);
  CheckWorld(w, "building the tree");
  std::vector<fd_t> dirs = {w.box};
  for (int i = 0; i < kMaxProbes && !in.empty(); ++i) {
    const fd_t dir = dirs[in.U8() % dirs.size()];
    const Lookupflags lf(in.U8() & 1);
    const std::string path = in.Path();
    const uint8_t mode = in.U8();
    const std::string what = absl::StrCat("probe ", i, " (fd ", dir, ", '", path,
                                          "', follow=", lf.bits(), ")");
    const bool absolute = !path.empty() && path[0] == '/';
    if (mode & 1) {
      auto st = w.ctx->path_filestat_get(dir, lf, path);
      FUZZ_CHECK(!(absolute && st.ok()), what + ": an absolute path resolved");
      if (st.ok()) CheckReached(w, st->ino, what + " path_filestat_get");
    } else {
      const Oflags of((mode >> 1) & 0xF);
      const Rights base = (mode & 0x40) ? in.RightsValue() : rights::kAll;
      auto fd = w.ctx->path_open(dir, lf, path, of, base, rights::kAll, Fdflags());
      FUZZ_CHECK(!(absolute && fd.ok()), what + ": an absolute path opened");
      if (fd.ok()) {
        auto info = w.ctx->LookupDescriptor(*fd);
        FUZZ_CHECK(info.ok(), what + ": opened fd missing");
        CheckReached(w, info->inode, what + " path_open");
        // The same path with the same flags stats to what was opened.
        auto st = w.ctx->path_filestat_get(dir, lf, path);
        FUZZ_CHECK(st.ok() && st->ino == info->inode,
                   absl::StrCat(what, ": path_open gave inode ", info->inode,
                                " but path_filestat_get ",
                                st.ok() ? absl::StrCat("inode ", st->ino)
                                        : std::string(ErrnoName(st.error()))));
        // Kept as a base for later probes only with the rights those need.
        if (info->filetype == Filetype::kDirectory && dirs.size() < 4 &&
            info->base.Contains(rights::kPathOpen | rights::kPathFilestatGet)) {
          dirs.push_back(*fd);
        } else {
          (void)w.ctx->fd_close(*fd);
        }
      }
    }
    CheckWorld(w, what);
  }
  FinishWorld(w);
  return 0;
}

}  // namespace vfs::fuzz
