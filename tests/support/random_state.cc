#include "tests/support/random_state.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "tests/support/sandbox.h"
#include "vfs/clock.h"

namespace vfs::testing {

namespace {

constexpr fd_t kRoot = 3;

std::string Bytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

}  // namespace

RandomState MakeRandomState(uint64_t seed, int ops) {
  std::mt19937_64 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  FilesystemOptions opt;
  opt.clock = std::make_shared<DeterministicClock>(1'700'000'000'000'000'000ull + seed);
  RandomState st;
  st.fs = Filesystem::Create(opt);
  st.guest = std::make_unique<Context>(st.fs);
  st.other = std::make_unique<Context>(st.fs);
  (void)st.guest->Preopen("", "/");
  (void)st.other->PreopenReadOnly("", "/ro");
  Context& g = *st.guest;

  std::vector<std::string> dirs = {"."};
  std::vector<std::string> files;
  static const char* kNames[] = {"a", "b", "c", "data.bin", "notes", "x y", "é", "z"};
  auto name_in = [&](const std::string& dir) {
    std::string n = kNames[pick(std::size(kNames))];
    return dir == "." ? n : absl::StrCat(dir, "/", n);
  };
  static const size_t kSizes[] = {0, 1, 100, 4096, 65536, 70000};

  for (int i = 0; i < ops; ++i) {
    const std::string dir = dirs[pick(dirs.size())];
    const std::string path = name_in(dir);
    switch (pick(11)) {
      case 0:
        if (g.path_create_directory(kRoot, path) == Errno::kSuccess) dirs.push_back(path);
        break;
      case 1:
      case 2: {  // a file, sometimes sparse
        Result<fd_t> fd = Open(g, kRoot, path, oflags::kCreat | oflags::kTrunc);
        if (!fd.ok()) break;
        const std::string data = Bytes(rng, kSizes[pick(std::size(kSizes))]);
        if (pick(4) == 0) {
          (void)PWrite(g, *fd, data, 200'000 + pick(100'000));
        } else {
          (void)Write(g, *fd, data);
        }
        if (pick(3) == 0) {
          (void)g.fd_seek(*fd, static_cast<int64_t>(pick(5000)), Whence::kSet);
        } else {
          (void)g.fd_close(*fd);
        }
        files.push_back(path);
        break;
      }
      case 3: {  // symlinks: relative, dangling, absolute, escaping, looping
        static const char* kTargets[] = {"a", "../b", "/etc/passwd", "..", "missing/x",
                                         "loop", "notes/"};
        (void)g.path_symlink(kTargets[pick(std::size(kTargets))], kRoot, path);
        if (pick(2) == 0) (void)st.fs->MakeSymlink(name_in("."), "/abs/target");
        break;
      }
      case 4:
        if (!files.empty()) {
          (void)g.path_link(kRoot, Lookupflags(), files[pick(files.size())], kRoot, path);
        }
        break;
      case 5:  // unlink a file that stays open
        if (!files.empty()) {
          const std::string victim = files[pick(files.size())];
          Result<fd_t> fd = Open(g, kRoot, victim);
          if (fd.ok()) {
            (void)g.fd_seek(*fd, static_cast<int64_t>(pick(50)), Whence::kSet);
          }
          (void)g.path_unlink_file(kRoot, victim);
        }
        break;
      case 6: {  // open a directory with narrowed rights, maybe remove it
        if (dir == ".") break;
        Result<fd_t> fd = Open(g, kRoot, dir, oflags::kDirectory, rights::kDirectoryBase);
        if (!fd.ok()) break;
        (void)g.fd_fdstat_set_rights(*fd, rights::kFdReaddir | rights::kPathOpen |
                                              rights::kFdRead,
                                     rights::kFdRead | rights::kFdSeek);
        if (pick(2) == 0) (void)g.path_remove_directory(kRoot, dir);
        break;
      }
      case 7:
        if (!files.empty()) {
          (void)g.path_rename(kRoot, files[pick(files.size())], kRoot, path);
        }
        break;
      case 8: {  // a pipe between the two contexts, with unread bytes
        absl::StatusOr<std::pair<fd_t, fd_t>> p = g.CreatePipe();
        if (!p.ok()) break;
        (void)Write(g, p->second, Bytes(rng, 1 + pick(300)));
        std::string sink(pick(20), '\0');
        uint8_t* d = reinterpret_cast<uint8_t*>(sink.data());
        absl::Span<uint8_t> iov(d, sink.size());
        (void)g.fd_read(p->first, absl::MakeConstSpan(&iov, 1));
        absl::StatusOr<DescriptorHandle> h = g.RemoveDescriptor(p->first);
        if (h.ok()) (void)st.other->InsertDescriptor(10 + i, std::move(*h));
        break;
      }
      case 9: {  // an append-mode descriptor and a fed stream
        Result<fd_t> fd = Open(g, kRoot, path, oflags::kCreat, rights::kAll,
                               rights::kAll, fdflags::kAppend);
        if (fd.ok()) (void)Write(g, *fd, Bytes(rng, pick(64)));
        if (pick(3) == 0 && g.AttachStream(100 + i, StreamEnd::kRead).ok()) {
          (void)g.StreamFeed(100 + i, Bytes(rng, pick(40)));
        }
        break;
      }
      case 10:  // host calls
        (void)st.fs->WriteFile(name_in("."), Bytes(rng, pick(3000)));
        break;
    }
  }
  return st;
}

std::string Observe(Filesystem& fs, absl::Span<Context* const> contexts) {
  std::string out = fs.Dump();
  absl::StatusOr<std::vector<Filesystem::Entry>> entries = fs.List();
  if (!entries.ok()) return absl::StrCat("List failed: ", entries.status().ToString());
  for (const Filesystem::Entry& e : *entries) {
    absl::StrAppend(&out, e.path, " ino=", e.stat.ino, " nlink=", e.stat.nlink,
                    " size=", e.stat.size, " t=", e.stat.atim, "/", e.stat.mtim, "/",
                    e.stat.ctim, "\n");
    if (e.kind == InodeKind::kFile) {
      absl::StatusOr<std::string> bytes = fs.ReadFile(e.path);
      absl::StrAppend(&out, "  bytes ", bytes.ok() ? *bytes : bytes.status().ToString(),
                      "\n");
    }
  }
  for (size_t i = 0; i < contexts.size(); ++i) {
    Context& c = *contexts[i];
    for (fd_t fd : c.OpenDescriptors()) {
      absl::StatusOr<FdInfo> info = c.LookupDescriptor(fd);
      if (!info.ok()) continue;
      absl::StrAppend(&out, "ctx", i, " fd ", fd, " type=", static_cast<int>(info->filetype),
                      " ino=", info->inode, " base=", info->base.bits(),
                      " inh=", info->inheriting.bits(), " flags=", info->flags.bits(),
                      " off=", info->offset, " preopen=", info->is_preopen, ":",
                      info->preopen_name, "\n");
      if (info->filetype == Filetype::kRegularFile) {
        Result<Filestat> st = c.fd_filestat_get(fd);
        const size_t size = st.ok() ? static_cast<size_t>(st->size) : 0;
        Result<std::string> bytes = PRead(c, fd, size + 1, 0);
        absl::StrAppend(&out, "  nlink=", st.ok() ? st->nlink : 999,
                        " bytes ", bytes.ok() ? *bytes : "(unreadable)", "\n");
      }
    }
  }
  return out;
}

}  // namespace vfs::testing
