// The W1-W4 workloads of /work/shared/bench/workloads.md (issue 5), run
// against vfs::Context and against tmpfs in the same process, so that every
// figure of ours is a ratio to a baseline measured under the same load.
//
//   ours  : vfs::Context over a new Filesystem, with the root preopened ("")
//           and every path relative to that preopen fd, called exactly as a
//           host embedding calls preview1 (path_open, fd_write, fd_read,
//           fd_close, path_filestat_get, fd_readdir with cookies, ...). W4 is
//           vfs::SaveSnapshot / vfs::LoadSnapshot; the fork row is vfs::Fork.
//   tmpfs : the same calls through POSIX (openat, write, read, close, fstatat,
//           fdopendir/readdir, unlinkat, mkdirat, symlinkat) on a new
//           directory under /dev/shm opened as a directory fd. W4 is GNU tar
//           through pipes; W2 also has the memcpy reference.
//
// One Google benchmark per (workload phase, implementation), one iteration
// per repetition, manual time = the phase's own steady_clock interval. A
// phase's setup (a fresh root, and the earlier phases of its workload run
// untimed, so it starts from exactly the state workloads.md gives it) and
// the teardown (freeing the filesystem, removing the /dev/shm tree) are not
// timed. Every phase checks its results (return sizes, counts, content
// bytes); a failed check is SkipWithError and reports no figure.
//
// In Google benchmark's lines, "Time" is that phase time; "CPU" is the
// process CPU time of the whole iteration, setup included, so ignore it.
//
// Choices workloads.md leaves open: rights are what wasi-libc's open() asks
// for; readdir uses wasi-libc's 4 KiB buffer; W3s's setup is W3's plus the
// links, without first running the W3 loop (it leaves no state); tar is
// started with posix_spawnp (vfork-style, so its cost does not grow with
// this process's memory) and its stdin/stdout are plain pipes; the memcpy
// reference runs just before W2. Rows marked "(info)" or with target "-"
// are not workloads.md targets.
//
// After the run, main() prints one table: each figure's median and min..max
// over the repetitions for ours and for the baseline, the ratio of medians,
// the target and whether it is met.
//
// Flags: --reps=N (or env VFS_WORKLOADS_REPS; the flag wins; default 5) and
// every Google benchmark flag (e.g. --benchmark_filter=W1/ to profile one
// workload). A default run takes about a minute on 2 cores.
// /dev/shm directories are named vfs_workloads.<pid>.*; a run removes those
// of dead pids (a run that was killed) before it starts.
#include <benchmark/benchmark.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "serialize/fork.h"
#include "serialize/snapshot.h"
#include "vfs/context.h"
#include "vfs/filesystem.h"

extern char** environ;

namespace vfs {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---- Workload constants (workloads.md) ----

constexpr int kDirs = 100;
constexpr int kFilesPerDir = 100;
constexpr int kSmallFiles = kDirs * kFilesPerDir;  // 10,000
constexpr size_t kSmallBytes = 4096;
constexpr size_t kBlock = 65536;
constexpr int kW2Blocks = 4096;
constexpr size_t kW2Bytes = kBlock * kW2Blocks;  // 268,435,456
constexpr size_t kW4BigBytes = size_t{64} << 20;  // 67,108,864
constexpr uint64_t kW4Payload = uint64_t{kSmallFiles} * kSmallBytes + kW4BigBytes;
constexpr int kW4Files = kSmallFiles + 1;
constexpr int kW3Depth = 16;
constexpr int64_t kW3MaxOpens = 1'000'000;
constexpr int kW3Batch = 1000;
constexpr double kW3MaxSeconds = 2.0;
constexpr size_t kReaddirBuf = 4096;  // wasi-libc's default readdir buffer

// Every written buffer holds byte i % 251 at offset i.
const std::vector<uint8_t>& Pattern(size_t n) {
  static std::map<size_t, std::vector<uint8_t>>* cache =
      new std::map<size_t, std::vector<uint8_t>>();
  auto it = cache->find(n);
  if (it == cache->end()) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i % 251);
    it = cache->emplace(n, std::move(v)).first;
  }
  return it->second;
}

bool IsPattern(const uint8_t* p, size_t n) {
  return std::memcmp(p, Pattern(n).data(), n) == 0;
}

// Names, built once so that neither side pays for formatting in a phase.
struct Names {
  std::vector<std::string> dirs;   // "dNN"
  std::vector<std::string> files;  // "dNN/fNN", directory-major
  std::string deep;                // "d00/d01/.../d15/leaf"
  std::vector<std::string> deep_dirs;  // "d00", "d00/d01", ...
  Names() {
    char buf[16];
    for (int d = 0; d < kDirs; ++d) {
      std::snprintf(buf, sizeof(buf), "d%02d", d);
      dirs.emplace_back(buf);
      for (int f = 0; f < kFilesPerDir; ++f) {
        std::snprintf(buf, sizeof(buf), "d%02d/f%02d", d, f);
        files.emplace_back(buf);
      }
    }
    std::string path;
    for (int i = 0; i < kW3Depth; ++i) {
      std::snprintf(buf, sizeof(buf), "d%02d", i);
      if (!path.empty()) path += '/';
      path += buf;
      deep_dirs.push_back(path);
    }
    deep = path + "/leaf";
  }
};
const Names& N() {
  static const Names* names = new Names();
  return *names;
}

// W3s: relative symlinks in the root forming a chain.
const char* const kW3sLinks[4][2] = {
    {"s0", "d00/d01/d02/d03"},
    {"s1", "s0/d04/d05/d06/d07"},
    {"s2", "s1/d08/d09/d10/d11"},
    {"s3", "s2/d12/d13/d14/d15"},
};
constexpr char kW3sPath[] = "s3/leaf";

// An error message, or empty for success.
using Err = std::string;
#define RETURN_IF_ERR(expr)         \
  do {                              \
    Err err_ = (expr);              \
    if (!err_.empty()) return err_; \
  } while (0)

std::string Errnum(const char* what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}
std::string Wasi(const char* what, std::string_view path, Errno e) {
  return std::string(what) + " " + std::string(path) + ": " +
         std::string(ErrnoName(e));
}

// ====================================================================
// Ours: vfs::Context, as a host embedding calls it.
// ====================================================================

// Rights as wasi-libc's open() asks for them: everything the file kind can
// hold, minus the read (O_WRONLY) or write (O_RDONLY) side.
constexpr Rights kWriteOnlyRights =
    rights::kRegularFileBase & ~rights::kFdRead;
constexpr Rights kReadOnlyRights =
    rights::kRegularFileBase &
    ~(rights::kFdWrite | rights::kFdAllocate | rights::kFdDatasync |
      rights::kFdFilestatSetSize);
constexpr Rights kDirReadRights = rights::kDirectoryBase;
constexpr Lookupflags kFollow = lookupflags::kSymlinkFollow;

class Ours {
 public:
  // A fresh root: a new Filesystem with a Context preopening "".
  Ours() : fs_(Filesystem::Create()), ctx_(std::make_unique<Context>(fs_)) {
    absl::StatusOr<fd_t> fd = ctx_->Preopen("", "/");
    if (fd.ok()) {
      root_ = *fd;
    } else {
      init_error_ = std::string(fd.status().message());
    }
  }
  // An existing state (a restored snapshot or a fork) and its preopen fd.
  Ours(LiveState live, fd_t root)
      : fs_(std::move(live.fs)),
        ctx_(live.contexts.empty() ? nullptr : std::move(live.contexts[0])),
        root_(root) {
    if (ctx_ == nullptr) init_error_ = "no context in the state";
  }

  const Err& init_error() const { return init_error_; }
  Filesystem& fs() { return *fs_; }
  Context& ctx() { return *ctx_; }
  fd_t root() const { return root_; }

  Err Mkdir(const std::string& path) {
    Errno e = ctx_->path_create_directory(root_, path);
    if (e != Errno::kSuccess) return Wasi("path_create_directory", path, e);
    return {};
  }
  Err CreateWrite(const std::string& path, const uint8_t* data, size_t n) {
    return CreateWriteBlocks(path, data, n, 1);
  }
  // Opens `path` for writing, `count` writes of `n` bytes, close.
  Err CreateWriteBlocks(const std::string& path, const uint8_t* data, size_t n,
                        int count) {
    Result<fd_t> fd = ctx_->path_open(root_, kFollow, path,
                                      oflags::kCreat | oflags::kTrunc,
                                      kWriteOnlyRights, Rights(), Fdflags());
    if (!fd.ok()) return Wasi("path_open(creat)", path, fd.error());
    absl::Span<const uint8_t> iov[] = {absl::MakeConstSpan(data, n)};
    for (int i = 0; i < count; ++i) {
      Result<size_t> w = ctx_->fd_write(*fd, iov);
      if (!w.ok()) return Wasi("fd_write", path, w.error());
      if (*w != n) return "fd_write " + path + ": short write";
    }
    Errno e = ctx_->fd_close(*fd);
    if (e != Errno::kSuccess) return Wasi("fd_close", path, e);
    return {};
  }
  // Opens `path` read-only, one read of `n` bytes into `buf`, close.
  Err ReadFile(const std::string& path, uint8_t* buf, size_t n) {
    return ReadBlocks(path, buf, n, 1);
  }
  Err ReadBlocks(const std::string& path, uint8_t* buf, size_t n, int count) {
    Result<fd_t> fd = ctx_->path_open(root_, kFollow, path, Oflags(),
                                      kReadOnlyRights, Rights(), Fdflags());
    if (!fd.ok()) return Wasi("path_open(read)", path, fd.error());
    absl::Span<uint8_t> iov[] = {absl::MakeSpan(buf, n)};
    for (int i = 0; i < count; ++i) {
      Result<size_t> r = ctx_->fd_read(*fd, iov);
      if (!r.ok()) return Wasi("fd_read", path, r.error());
      if (*r != n) return "fd_read " + path + ": short read";
    }
    Errno e = ctx_->fd_close(*fd);
    if (e != Errno::kSuccess) return Wasi("fd_close", path, e);
    return {};
  }
  Err StatSize(const std::string& path, uint64_t* size) {
    Result<Filestat> st = ctx_->path_filestat_get(root_, kFollow, path);
    if (!st.ok()) return Wasi("path_filestat_get", path, st.error());
    *size = st->size;
    return {};
  }
  // Opens the directory, reads every entry with fd_readdir (cookies, until
  // a short buffer), closes; adds the entries other than . and .. to *count.
  Err ListDir(const std::string& path, uint8_t* buf, size_t buf_size,
              int64_t* count, std::vector<std::string>* names = nullptr) {
    Result<fd_t> fd = ctx_->path_open(root_, kFollow, path, oflags::kDirectory,
                                      kDirReadRights, Rights(), Fdflags());
    if (!fd.ok()) return Wasi("path_open(directory)", path, fd.error());
    dircookie_t cookie = 0;
    for (;;) {
      Result<size_t> used = ctx_->fd_readdir(*fd, absl::MakeSpan(buf, buf_size), cookie);
      if (!used.ok()) return Wasi("fd_readdir", path, used.error());
      size_t pos = 0;
      bool progress = false;
      while (pos + layout::kDirentSize <= *used) {
        uint32_t namlen;
        std::memcpy(&namlen, buf + pos + layout::kDirentOffNamlen, 4);
        if (pos + layout::kDirentSize + namlen > *used) break;  // cut short
        const char* name = reinterpret_cast<const char*>(buf + pos + layout::kDirentSize);
        const bool dot = (namlen == 1 && name[0] == '.') ||
                         (namlen == 2 && name[0] == '.' && name[1] == '.');
        if (!dot) {
          ++*count;
          if (names != nullptr) names->emplace_back(name, namlen);
        }
        std::memcpy(&cookie, buf + pos + layout::kDirentOffNext, 8);
        pos += layout::kDirentSize + namlen;
        progress = true;
      }
      if (*used < buf_size) break;
      if (!progress) return "fd_readdir " + path + ": an entry larger than the buffer";
    }
    Errno e = ctx_->fd_close(*fd);
    if (e != Errno::kSuccess) return Wasi("fd_close", path, e);
    return {};
  }
  Err Unlink(const std::string& path) {
    Errno e = ctx_->path_unlink_file(root_, path);
    if (e != Errno::kSuccess) return Wasi("path_unlink_file", path, e);
    return {};
  }
  Err Rmdir(const std::string& path) {
    Errno e = ctx_->path_remove_directory(root_, path);
    if (e != Errno::kSuccess) return Wasi("path_remove_directory", path, e);
    return {};
  }
  Err Symlink(const char* target, const char* path) {
    Errno e = ctx_->path_symlink(target, root_, path);
    if (e != Errno::kSuccess) return Wasi("path_symlink", path, e);
    return {};
  }
  // The W3 inner step: open read-only, close. Inlined in the timed loop.
  bool OpenClose(std::string_view path) {
    Result<fd_t> fd = ctx_->path_open(root_, kFollow, path, Oflags(),
                                      kReadOnlyRights, Rights(), Fdflags());
    if (!fd.ok()) return false;
    return ctx_->fd_close(*fd) == Errno::kSuccess;
  }

 private:
  std::shared_ptr<Filesystem> fs_;
  std::unique_ptr<Context> ctx_;
  fd_t root_ = 0;
  Err init_error_;
};

// ====================================================================
// tmpfs: POSIX calls on a fresh directory under /dev/shm.
// ====================================================================

int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) {
  return ::remove(path);
}

// Removes `path` and everything beneath it (no symlink is followed).
void RemoveTree(const std::string& path) {
  if (path.empty()) return;
  if (nftw(path.c_str(), RemoveEntry, 64, FTW_DEPTH | FTW_PHYS) != 0 &&
      errno != ENOENT) {
    std::fprintf(stderr, "warning: could not remove %s: %s\n", path.c_str(),
                 std::strerror(errno));
  }
}

constexpr char kShmPrefix[] = "vfs_workloads.";

// Removes /dev/shm/vfs_workloads.<pid>.* left by a run that was killed
// (<pid> no longer exists). Runs of this benchmark that are alive, in this
// process or another, are left alone.
void RemoveStaleShmDirs() {
  DIR* shm = ::opendir("/dev/shm");
  if (shm == nullptr) return;
  std::vector<std::string> stale;
  while (const struct dirent* e = ::readdir(shm)) {
    const size_t plen = sizeof(kShmPrefix) - 1;
    if (std::strncmp(e->d_name, kShmPrefix, plen) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(e->d_name + plen, &end, 10);
    if (end == e->d_name + plen || *end != '.' || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      stale.push_back(std::string("/dev/shm/") + e->d_name);
    }
  }
  ::closedir(shm);
  for (const std::string& path : stale) {
    std::fprintf(stderr, "removing %s, left by a run that was killed\n", path.c_str());
    RemoveTree(path);
  }
}

// A new directory /dev/shm/vfs_workloads.<pid>.XXXXXX, opened as a directory
// fd; removed with everything in it when this object goes away (whatever
// the phase did, and on a failed check).
class ShmDir {
 public:
  ShmDir() {
    std::string name = std::string("/dev/shm/") + kShmPrefix +
                       std::to_string(::getpid()) + ".XXXXXX";
    std::vector<char> tmpl(name.begin(), name.end());
    tmpl.push_back('\0');
    if (mkdtemp(tmpl.data()) == nullptr) {
      init_error_ = Errnum("mkdtemp", name);
      return;
    }
    path_ = tmpl.data();
    fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) init_error_ = Errnum("open", path_);
  }
  ~ShmDir() {
    if (fd_ >= 0) ::close(fd_);
    RemoveTree(path_);
  }
  ShmDir(const ShmDir&) = delete;
  ShmDir& operator=(const ShmDir&) = delete;

  const Err& init_error() const { return init_error_; }
  const std::string& path() const { return path_; }
  int dirfd() const { return fd_; }

  Err Mkdir(const std::string& path) {
    if (::mkdirat(fd_, path.c_str(), 0755) != 0) return Errnum("mkdirat", path);
    return {};
  }
  Err CreateWrite(const std::string& path, const uint8_t* data, size_t n) {
    return CreateWriteBlocks(path, data, n, 1);
  }
  Err CreateWriteBlocks(const std::string& path, const uint8_t* data, size_t n,
                        int count) {
    int fd = ::openat(fd_, path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) return Errnum("openat(creat)", path);
    for (int i = 0; i < count; ++i) {
      ssize_t w = ::write(fd, data, n);
      if (w != static_cast<ssize_t>(n)) {
        Err e = w < 0 ? Errnum("write", path) : "write " + path + ": short write";
        ::close(fd);
        return e;
      }
    }
    if (::close(fd) != 0) return Errnum("close", path);
    return {};
  }
  Err ReadFile(const std::string& path, uint8_t* buf, size_t n) {
    return ReadBlocks(path, buf, n, 1);
  }
  Err ReadBlocks(const std::string& path, uint8_t* buf, size_t n, int count) {
    int fd = ::openat(fd_, path.c_str(), O_RDONLY);
    if (fd < 0) return Errnum("openat(read)", path);
    for (int i = 0; i < count; ++i) {
      ssize_t r = ::read(fd, buf, n);
      if (r != static_cast<ssize_t>(n)) {
        Err e = r < 0 ? Errnum("read", path) : "read " + path + ": short read";
        ::close(fd);
        return e;
      }
    }
    if (::close(fd) != 0) return Errnum("close", path);
    return {};
  }
  Err StatSize(const std::string& path, uint64_t* size) {
    struct stat st;
    if (::fstatat(fd_, path.c_str(), &st, 0) != 0) return Errnum("fstatat", path);
    *size = static_cast<uint64_t>(st.st_size);
    return {};
  }
  Err ListDir(const std::string& path, uint8_t*, size_t, int64_t* count) {
    int fd = ::openat(fd_, path.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return Errnum("openat(directory)", path);
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
      Err e = Errnum("fdopendir", path);
      ::close(fd);
      return e;
    }
    errno = 0;
    while (const struct dirent* e = ::readdir(dir)) {
      const char* n = e->d_name;
      if (!(n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))) ++*count;
    }
    if (errno != 0) {
      Err e = Errnum("readdir", path);
      ::closedir(dir);
      return e;
    }
    if (::closedir(dir) != 0) return Errnum("closedir", path);
    return {};
  }
  Err Unlink(const std::string& path) {
    if (::unlinkat(fd_, path.c_str(), 0) != 0) return Errnum("unlinkat", path);
    return {};
  }
  Err Rmdir(const std::string& path) {
    if (::unlinkat(fd_, path.c_str(), AT_REMOVEDIR) != 0) {
      return Errnum("unlinkat(rmdir)", path);
    }
    return {};
  }
  Err Symlink(const char* target, const char* path) {
    if (::symlinkat(target, fd_, path) != 0) return Errnum("symlinkat", path);
    return {};
  }
  bool OpenClose(const char* path) {
    int fd = ::openat(fd_, path, O_RDONLY);
    if (fd < 0) return false;
    return ::close(fd) == 0;
  }

 private:
  std::string path_;
  int fd_ = -1;
  Err init_error_;
};

// ====================================================================
// W1: 10,000 files of 4 KiB in 100 directories, five phases.
// ====================================================================

enum W1Phase { kCreate = 0, kRead, kStat, kReaddir, kUnlink, kW1Phases };
const char* const kW1PhaseNames[kW1Phases] = {"create", "read", "stat",
                                               "readdir", "unlink"};

// Runs W1's phases 0..last in order on `fs` (a fresh root), each checked;
// *seconds is the time of phase `last` alone.
template <typename Fs>
Err RunW1(Fs& fs, int last, double* seconds) {
  const Names& names = N();
  const std::vector<uint8_t>& data = Pattern(kSmallBytes);
  std::vector<uint8_t> buf(kSmallBytes);
  std::vector<uint8_t> dirbuf(kReaddirBuf);
  for (int phase = 0; phase <= last; ++phase) {
    uint64_t size_sum = 0;
    int64_t entries = 0;
    const SteadyClock::time_point t0 = SteadyClock::now();
    switch (phase) {
      case kCreate:
        for (int d = 0; d < kDirs; ++d) {
          RETURN_IF_ERR(fs.Mkdir(names.dirs[d]));
          for (int f = 0; f < kFilesPerDir; ++f) {
            RETURN_IF_ERR(fs.CreateWrite(names.files[d * kFilesPerDir + f],
                                         data.data(), kSmallBytes));
          }
        }
        break;
      case kRead:
        for (int i = 0; i < kSmallFiles; ++i) {
          RETURN_IF_ERR(fs.ReadFile(names.files[i], buf.data(), kSmallBytes));
        }
        break;
      case kStat:
        for (int i = 0; i < kSmallFiles; ++i) {
          uint64_t size = 0;
          RETURN_IF_ERR(fs.StatSize(names.files[i], &size));
          if (size != kSmallBytes) return "stat " + names.files[i] + ": size is not 4096";
          size_sum += size;
        }
        break;
      case kReaddir:
        for (int d = 0; d < kDirs; ++d) {
          RETURN_IF_ERR(fs.ListDir(names.dirs[d], dirbuf.data(), dirbuf.size(), &entries));
        }
        break;
      case kUnlink:
        for (int i = 0; i < kSmallFiles; ++i) RETURN_IF_ERR(fs.Unlink(names.files[i]));
        for (int d = 0; d < kDirs; ++d) RETURN_IF_ERR(fs.Rmdir(names.dirs[d]));
        break;
    }
    const SteadyClock::time_point t1 = SteadyClock::now();
    // Checks, outside the phase's time.
    switch (phase) {
      case kRead:  // the last file read
        if (!IsPattern(buf.data(), kSmallBytes)) return "read: content differs";
        break;
      case kStat:
        if (size_sum != uint64_t{kSmallFiles} * kSmallBytes) return "stat: total size";
        break;
      case kReaddir:
        if (entries != kSmallFiles) {
          return "readdir: " + std::to_string(entries) + " entries, not 10000";
        }
        break;
      case kUnlink: {
        int64_t left = 0;
        RETURN_IF_ERR(fs.ListDir(".", dirbuf.data(), dirbuf.size(), &left));
        if (left != 0) return "unlink: the root is not empty";
        break;
      }
      case kCreate: {  // a content byte of one file
        std::vector<uint8_t> check(kSmallBytes);
        RETURN_IF_ERR(fs.ReadFile(names.files[4242], check.data(), kSmallBytes));
        if (!IsPattern(check.data(), kSmallBytes)) return "create: content differs";
        break;
      }
    }
    if (phase == last) *seconds = Seconds(t0, t1);
  }
  return {};
}

// ====================================================================
// W2: one 256 MiB file, 64 KiB writes and reads; memcpy reference.
// ====================================================================

template <typename Fs>
Err RunW2(Fs& fs, bool read_phase, double* seconds) {
  const std::vector<uint8_t>& data = Pattern(kBlock);
  std::vector<uint8_t> buf(kBlock);
  // write
  SteadyClock::time_point t0 = SteadyClock::now();
  RETURN_IF_ERR(fs.CreateWriteBlocks("big", data.data(), kBlock, kW2Blocks));
  SteadyClock::time_point t1 = SteadyClock::now();
  uint64_t size = 0;
  RETURN_IF_ERR(fs.StatSize("big", &size));
  if (size != kW2Bytes) return "W2 write: big is " + std::to_string(size) + " bytes";
  if (!read_phase) {
    // A content byte: the first block read back.
    RETURN_IF_ERR(fs.ReadFile("big", buf.data(), kBlock));
    if (!IsPattern(buf.data(), kBlock)) return "W2 write: content differs";
    *seconds = Seconds(t0, t1);
    return {};
  }
  std::fill(buf.begin(), buf.end(), 0);
  t0 = SteadyClock::now();
  RETURN_IF_ERR(fs.ReadBlocks("big", buf.data(), kBlock, kW2Blocks));
  t1 = SteadyClock::now();
  if (!IsPattern(buf.data(), kBlock)) return "W2 read: content of the last block differs";
  *seconds = Seconds(t0, t1);
  return {};
}

enum class CopyKind { kWrite, kRead, kFresh };

class Mapping {
 public:
  explicit Mapping(size_t n) : n_(n) {
    void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p_ = p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
  }
  Mapping(uint8_t* p, size_t n) : p_(p), n_(n) {}
  ~Mapping() {
    if (p_ != nullptr) munmap(p_, n_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  uint8_t* get() const { return p_; }

 private:
  uint8_t* p_;
  size_t n_;
};

Err RunMemcpy(CopyKind kind, double* seconds) {
  std::vector<uint8_t> hot = Pattern(kBlock);  // a hot 64 KiB buffer
  benchmark::DoNotOptimize(hot.data());
  if (kind == CopyKind::kFresh) {
    const SteadyClock::time_point t0 = SteadyClock::now();
    void* p = mmap(nullptr, kW2Bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return Errnum("mmap", "256 MiB");
    uint8_t* dst = static_cast<uint8_t*>(p);
    for (int i = 0; i < kW2Blocks; ++i) {
      std::memcpy(dst + size_t{kBlock} * i, hot.data(), kBlock);
      benchmark::ClobberMemory();
    }
    const SteadyClock::time_point t1 = SteadyClock::now();
    Mapping owner(dst, kW2Bytes);
    if (!IsPattern(dst + kW2Bytes - kBlock, kBlock)) return "memcpy fresh: content";
    *seconds = Seconds(t0, t1);
    return {};
  }
  Mapping map(kW2Bytes);
  if (map.get() == nullptr) return Errnum("mmap", "256 MiB");
  std::memset(map.get(), 1, kW2Bytes);  // every page faulted in before timing
  if (kind == CopyKind::kRead) {
    for (int i = 0; i < kW2Blocks; ++i) {
      std::memcpy(map.get() + size_t{kBlock} * i, hot.data(), kBlock);
    }
  }
  benchmark::ClobberMemory();
  const SteadyClock::time_point t0 = SteadyClock::now();
  if (kind == CopyKind::kWrite) {
    for (int i = 0; i < kW2Blocks; ++i) {
      std::memcpy(map.get() + size_t{kBlock} * i, hot.data(), kBlock);
      benchmark::ClobberMemory();
    }
  } else {
    for (int i = 0; i < kW2Blocks; ++i) {
      std::memcpy(hot.data(), map.get() + size_t{kBlock} * i, kBlock);
      benchmark::ClobberMemory();
    }
  }
  const SteadyClock::time_point t1 = SteadyClock::now();
  const uint8_t* check = kind == CopyKind::kWrite ? map.get() + kW2Bytes - kBlock : hot.data();
  if (!IsPattern(check, kBlock)) return "memcpy: content";
  *seconds = Seconds(t0, t1);
  return {};
}

// ====================================================================
// W3: open+close by a 17-component path; W3s through four symlinks.
// ====================================================================

template <typename Fs>
Err SetupW3(Fs& fs, bool symlinks) {
  const Names& names = N();
  for (const std::string& d : names.deep_dirs) RETURN_IF_ERR(fs.Mkdir(d));
  RETURN_IF_ERR(fs.CreateWrite(names.deep, Pattern(kSmallBytes).data(), kSmallBytes));
  if (symlinks) {
    for (const auto& link : kW3sLinks) RETURN_IF_ERR(fs.Symlink(link[1], link[0]));
  }
  return {};
}

template <typename Fs>
Err RunW3(Fs& fs, bool symlinks, double* seconds, int64_t* opens) {
  RETURN_IF_ERR(SetupW3(fs, symlinks));
  // (W3s comes "after W3, in the same root": the W3 loop leaves no state, so
  // its setup is W3's setup plus the links, without the 2 s W3 loop.)
  const std::string path = symlinks ? std::string(kW3sPath) : N().deep;
  const char* cpath = path.c_str();
  int64_t done = 0;
  bool failed = false;
  const SteadyClock::time_point t0 = SteadyClock::now();
  SteadyClock::time_point t1 = t0;
  while (done < kW3MaxOpens) {
    for (int i = 0; i < kW3Batch; ++i) {
      if constexpr (std::is_same_v<Fs, Ours>) {
        failed |= !fs.OpenClose(std::string_view(cpath, path.size()));
      } else {
        failed |= !fs.OpenClose(cpath);
      }
    }
    done += kW3Batch;
    t1 = SteadyClock::now();
    if (failed) return "open+close of " + path + " failed";
    if (Seconds(t0, t1) >= kW3MaxSeconds) break;
  }
  // The file opened is the leaf: read it through the same path.
  std::vector<uint8_t> buf(kSmallBytes);
  RETURN_IF_ERR(fs.ReadFile(path, buf.data(), kSmallBytes));
  if (!IsPattern(buf.data(), kSmallBytes)) return "W3: leaf content differs";
  *seconds = Seconds(t0, t1);
  *opens = done;
  return {};
}

// ====================================================================
// W4: the W1 tree plus a 64 MiB file, to bytes and back.
// ====================================================================

template <typename Fs>
Err SetupW4(Fs& fs) {
  double unused;
  RETURN_IF_ERR(RunW1(fs, kCreate, &unused));
  return fs.CreateWrite("big", Pattern(kW4BigBytes).data(), kW4BigBytes);
}

// Checks a restored W4 tree: big is 64 MiB, d99/f99 is 4096 bytes with the
// pattern, and (when `list`) all 10,000 files are listed.
template <typename Fs>
Err CheckW4Tree(Fs& fs, bool list) {
  uint64_t size = 0;
  RETURN_IF_ERR(fs.StatSize("big", &size));
  if (size != kW4BigBytes) return "W4 check: big is " + std::to_string(size) + " bytes";
  RETURN_IF_ERR(fs.StatSize("d99/f99", &size));
  if (size != kSmallBytes) return "W4 check: d99/f99 is " + std::to_string(size) + " bytes";
  std::vector<uint8_t> buf(kSmallBytes);
  RETURN_IF_ERR(fs.ReadFile("d99/f99", buf.data(), kSmallBytes));
  if (!IsPattern(buf.data(), kSmallBytes)) return "W4 check: d99/f99 content differs";
  if (list) {
    std::vector<uint8_t> dirbuf(kReaddirBuf);
    int64_t files = 0;
    for (const std::string& d : N().dirs) {
      RETURN_IF_ERR(fs.ListDir(d, dirbuf.data(), dirbuf.size(), &files));
    }
    if (files != kSmallFiles) {
      return "W4 check: " + std::to_string(files) + " files listed, not 10000";
    }
  }
  return {};
}

// A growing byte buffer (malloc/realloc, doubling) for tar's output.
class GrowBuffer {
 public:
  ~GrowBuffer() { std::free(p_); }
  bool Reserve(size_t want) {
    if (want <= cap_) return true;
    size_t cap = cap_ == 0 ? (size_t{1} << 20) : cap_;
    while (cap < want) cap *= 2;
    void* p = std::realloc(p_, cap);
    if (p == nullptr) return false;
    p_ = static_cast<char*>(p);
    cap_ = cap;
    return true;
  }
  char* data() { return p_; }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  void set_size(size_t n) { size_ = n; }
  void clear() { size_ = 0; }

 private:
  char* p_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
};

// Starts `argv` with `child_fd` of a new pipe as its stdin (0) or stdout (1);
// returns our end of the pipe in *our_fd. vfork-style spawn (posix_spawn),
// so the cost does not grow with this process's memory.
Err Spawn(const char* const* argv, int child_std_fd, pid_t* pid, int* our_fd) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Errnum("pipe2", argv[0]);
  const int child_end = child_std_fd == 0 ? p[0] : p[1];
  const int parent_end = child_std_fd == 0 ? p[1] : p[0];
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, child_end, child_std_fd);
  const int rc = posix_spawnp(pid, argv[0], &fa, nullptr,
                              const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(child_end);
  if (rc != 0) {
    ::close(parent_end);
    errno = rc;
    return Errnum("posix_spawnp", argv[0]);
  }
  *our_fd = parent_end;
  return {};
}

Err WaitOk(pid_t pid, const char* what) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Errnum("waitpid", what);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return std::string(what) + " failed (status " + std::to_string(status) + ")";
  }
  return {};
}

// save: tar -cf - -C src . read from its stdout pipe into `out`, until EOF
// and tar's exit.
Err TarCreate(const std::string& src, GrowBuffer* out) {
  const char* argv[] = {"tar", "-cf", "-", "-C", src.c_str(), ".", nullptr};
  pid_t pid;
  int fd;
  RETURN_IF_ERR(Spawn(argv, 1, &pid, &fd));
  out->clear();
  Err err;
  for (;;) {
    if (out->size() == out->capacity() && !out->Reserve(out->size() + 1)) {
      err = "tar -c: out of memory";
      break;
    }
    ssize_t n = ::read(fd, out->data() + out->size(), out->capacity() - out->size());
    if (n > 0) {
      out->set_size(out->size() + static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      err = Errnum("read", "tar -c pipe");
      break;
    }
  }
  ::close(fd);
  Err wait = WaitOk(pid, "tar -c");
  return err.empty() ? wait : err;
}

// restore: tar -xf - -C dst fed `bytes` through its stdin pipe; close; wait.
Err TarExtract(const std::string& dst, const char* bytes, size_t n) {
  const char* argv[] = {"tar", "-xf", "-", "-C", dst.c_str(), nullptr};
  pid_t pid;
  int fd;
  RETURN_IF_ERR(Spawn(argv, 0, &pid, &fd));
  Err err;
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::write(fd, bytes + done, n - done);
    if (w > 0) {
      done += static_cast<size_t>(w);
    } else if (w < 0 && errno != EINTR) {
      err = Errnum("write", "tar -x pipe");
      break;
    }
  }
  ::close(fd);
  Err wait = WaitOk(pid, "tar -x");
  return err.empty() ? wait : err;
}

// ====================================================================
// Benchmarks
// ====================================================================

void Fail(benchmark::State& state, const Err& err) { state.SkipWithError(err.c_str()); }

// A Google benchmark body for one iteration per repetition: `run` returns
// an error or sets the seconds and the figure; the figure is reported as
// `counter` (and the other counters `run` sets in `extra`).
using Counters = std::vector<std::pair<std::string, double>>;
using PhaseFn = std::function<Err(double* seconds, Counters* counters)>;

void RunPhase(benchmark::State& state, const PhaseFn& fn) {
  Counters counters;
  bool ok = true;
  for (auto _ : state) {
    double seconds = 0;
    counters.clear();
    Err err = fn(&seconds, &counters);
    if (!err.empty()) {
      Fail(state, err);
      ok = false;
      break;
    }
    state.SetIterationTime(seconds);
  }
  if (!ok) return;
  for (const auto& [name, value] : counters) state.counters[name] = value;
}

template <typename Fs>
Err FreshRoot(std::unique_ptr<Fs>* fs) {
  *fs = std::make_unique<Fs>();
  return (*fs)->init_error();
}

template <typename Fs>
PhaseFn W1Fn(int phase) {
  return [phase](double* seconds, Counters* c) -> Err {
    std::unique_ptr<Fs> fs;
    RETURN_IF_ERR(FreshRoot(&fs));
    RETURN_IF_ERR(RunW1(*fs, phase, seconds));
    c->emplace_back("ops_per_s", kSmallFiles / *seconds);
    return {};
  };
}

template <typename Fs>
PhaseFn W2Fn(bool read) {
  return [read](double* seconds, Counters* c) -> Err {
    std::unique_ptr<Fs> fs;
    RETURN_IF_ERR(FreshRoot(&fs));
    RETURN_IF_ERR(RunW2(*fs, read, seconds));
    c->emplace_back("GB_per_s", kW2Bytes / *seconds / 1e9);
    return {};
  };
}

PhaseFn MemcpyFn(CopyKind kind) {
  return [kind](double* seconds, Counters* c) -> Err {
    RETURN_IF_ERR(RunMemcpy(kind, seconds));
    c->emplace_back("GB_per_s", kW2Bytes / *seconds / 1e9);
    return {};
  };
}

template <typename Fs>
PhaseFn W3Fn(bool symlinks) {
  return [symlinks](double* seconds, Counters* c) -> Err {
    std::unique_ptr<Fs> fs;
    RETURN_IF_ERR(FreshRoot(&fs));
    int64_t opens = 0;
    RETURN_IF_ERR(RunW3(*fs, symlinks, seconds, &opens));
    c->emplace_back("ops_per_s", static_cast<double>(opens) / *seconds);
    c->emplace_back("opens", static_cast<double>(opens));
    return {};
  };
}

void W4Counters(double seconds, size_t bytes, Counters* c) {
  c->emplace_back("MB_per_s", kW4Payload / seconds / 1e6);
  c->emplace_back("files_per_s", kW4Files / seconds);
  c->emplace_back("snapshot_MB", bytes / 1e6);
}

// Ours: SaveSnapshot of the filesystem and its context (the preopen).
Err OursSave(Ours& fs, std::string* bytes, double* seconds) {
  Context* contexts[] = {&fs.ctx()};
  const SteadyClock::time_point t0 = SteadyClock::now();
  absl::StatusOr<std::string> saved = SaveSnapshot(fs.fs(), contexts);
  const SteadyClock::time_point t1 = SteadyClock::now();
  if (!saved.ok()) return "SaveSnapshot: " + std::string(saved.status().message());
  if (saved->size() < kW4Payload) return "SaveSnapshot: smaller than the payload";
  *bytes = *std::move(saved);
  *seconds = Seconds(t0, t1);
  return {};
}

PhaseFn W4OursFn(bool restore) {
  return [restore](double* seconds, Counters* c) -> Err {
    std::string bytes;
    {
      Ours src;
      RETURN_IF_ERR(src.init_error());
      RETURN_IF_ERR(SetupW4(src));
      RETURN_IF_ERR(OursSave(src, &bytes, seconds));
      if (!restore) {
        // Check what was saved: it loads, and holds the tree (untimed).
        absl::StatusOr<LiveState> live = LoadSnapshot(bytes);
        if (!live.ok()) return "LoadSnapshot: " + std::string(live.status().message());
        Ours back(*std::move(live), src.root());
        RETURN_IF_ERR(back.init_error());
        RETURN_IF_ERR(CheckW4Tree(back, /*list=*/false));
        W4Counters(*seconds, bytes.size(), c);
        return {};
      }
    }  // the source tree is freed before the restore
    const SteadyClock::time_point t0 = SteadyClock::now();
    absl::StatusOr<LiveState> live = LoadSnapshot(bytes);
    const SteadyClock::time_point t1 = SteadyClock::now();
    if (!live.ok()) return "LoadSnapshot: " + std::string(live.status().message());
    *seconds = Seconds(t0, t1);
    // The preopen comes back at the fd it had.
    std::vector<fd_t> fds = live->contexts.empty() ? std::vector<fd_t>()
                                                   : live->contexts[0]->OpenDescriptors();
    if (fds.size() != 1) return "LoadSnapshot: expected one descriptor";
    Ours back(*std::move(live), fds[0]);
    RETURN_IF_ERR(back.init_error());
    RETURN_IF_ERR(CheckW4Tree(back, /*list=*/true));
    W4Counters(*seconds, bytes.size(), c);
    return {};
  };
}

PhaseFn W4TarFn(bool restore) {
  return [restore](double* seconds, Counters* c) -> Err {
    GrowBuffer archive;
    {
      ShmDir src;
      RETURN_IF_ERR(src.init_error());
      RETURN_IF_ERR(SetupW4(src));
      const SteadyClock::time_point t0 = SteadyClock::now();
      RETURN_IF_ERR(TarCreate(src.path(), &archive));
      const SteadyClock::time_point t1 = SteadyClock::now();
      if (archive.size() < kW4Payload) return "tar -c: archive smaller than the payload";
      *seconds = Seconds(t0, t1);
    }  // the source tree is removed before the restore
    if (restore) {
      ShmDir dst;
      RETURN_IF_ERR(dst.init_error());
      const SteadyClock::time_point t0 = SteadyClock::now();
      RETURN_IF_ERR(TarExtract(dst.path(), archive.data(), archive.size()));
      const SteadyClock::time_point t1 = SteadyClock::now();
      *seconds = Seconds(t0, t1);
      RETURN_IF_ERR(CheckW4Tree(dst, /*list=*/false));
    } else {
      // Check what was archived: extract it (untimed) and look.
      ShmDir dst;
      RETURN_IF_ERR(dst.init_error());
      RETURN_IF_ERR(TarExtract(dst.path(), archive.data(), archive.size()));
      RETURN_IF_ERR(CheckW4Tree(dst, /*list=*/false));
    }
    W4Counters(*seconds, archive.size(), c);
    return {};
  };
}

// Not a workloads.md figure: the same save into one string reused across
// saves (SaveSnapshotInto, after one untimed save into it), as a host that
// checkpoints repeatedly would do. It shows what the fresh output buffer's
// page faults cost W4 save.
PhaseFn W4OursSaveReusedFn() {
  return [](double* seconds, Counters* c) -> Err {
    Ours src;
    RETURN_IF_ERR(src.init_error());
    RETURN_IF_ERR(SetupW4(src));
    Context* contexts[] = {&src.ctx()};
    std::string bytes;
    absl::Status s = SaveSnapshotInto(&bytes, src.fs(), contexts);
    if (!s.ok()) return "SaveSnapshotInto: " + std::string(s.message());
    const SteadyClock::time_point t0 = SteadyClock::now();
    s = SaveSnapshotInto(&bytes, src.fs(), contexts);
    const SteadyClock::time_point t1 = SteadyClock::now();
    if (!s.ok()) return "SaveSnapshotInto: " + std::string(s.message());
    if (bytes.size() < kW4Payload) return "SaveSnapshotInto: smaller than the payload";
    absl::StatusOr<LiveState> live = LoadSnapshot(bytes);
    if (!live.ok()) return "LoadSnapshot: " + std::string(live.status().message());
    Ours back(*std::move(live), src.root());
    RETURN_IF_ERR(back.init_error());
    RETURN_IF_ERR(CheckW4Tree(back, /*list=*/false));
    *seconds = Seconds(t0, t1);
    W4Counters(*seconds, bytes.size(), c);
    return {};
  };
}

// Fork of the W4 tree: kForksPerRun forks, each destroyed untimed; the
// figure is the mean time per fork (the first fork's own time is a counter).
constexpr int kForksPerRun = 20;
PhaseFn ForkFn() {
  return [](double* seconds, Counters* c) -> Err {
    Ours src;
    RETURN_IF_ERR(src.init_error());
    RETURN_IF_ERR(SetupW4(src));
    Context* contexts[] = {&src.ctx()};
    double total = 0, first = 0, worst = 0;
    for (int i = 0; i < kForksPerRun; ++i) {
      const SteadyClock::time_point t0 = SteadyClock::now();
      absl::StatusOr<LiveState> forked = Fork(src.fs(), contexts);
      const SteadyClock::time_point t1 = SteadyClock::now();
      if (!forked.ok()) return "Fork: " + std::string(forked.status().message());
      const double s = Seconds(t0, t1);
      total += s;
      if (i == 0) first = s;
      worst = std::max(worst, s);
      if (i == 0 || i == kForksPerRun - 1) {
        Ours copy(*std::move(forked), src.root());
        RETURN_IF_ERR(copy.init_error());
        RETURN_IF_ERR(CheckW4Tree(copy, /*list=*/i == 0));
      }
    }  // each fork is destroyed at the end of its iteration, untimed
    *seconds = total / kForksPerRun;
    c->emplace_back("fork_ms", *seconds * 1e3);
    c->emplace_back("first_ms", first * 1e3);
    c->emplace_back("max_ms", worst * 1e3);
    return {};
  };
}

// ====================================================================
// Registration, capture, and the table
// ====================================================================

struct Registered {
  std::string name;  // e.g. "W1/create/ours"
  PhaseFn fn;
};

std::vector<Registered> AllBenchmarks() {
  std::vector<Registered> all;
  for (int p = 0; p < kW1Phases; ++p) {
    const std::string base = std::string("W1/") + kW1PhaseNames[p];
    all.push_back({base + "/ours", W1Fn<Ours>(p)});
    all.push_back({base + "/tmpfs", W1Fn<ShmDir>(p)});
  }
  // The copy reference, measured just before W2.
  all.push_back({"W2/memcpy_write", MemcpyFn(CopyKind::kWrite)});
  all.push_back({"W2/memcpy_read", MemcpyFn(CopyKind::kRead)});
  all.push_back({"W2/memcpy_fresh", MemcpyFn(CopyKind::kFresh)});
  all.push_back({"W2/write/ours", W2Fn<Ours>(false)});
  all.push_back({"W2/write/tmpfs", W2Fn<ShmDir>(false)});
  all.push_back({"W2/read/ours", W2Fn<Ours>(true)});
  all.push_back({"W2/read/tmpfs", W2Fn<ShmDir>(true)});
  all.push_back({"W3/open/ours", W3Fn<Ours>(false)});
  all.push_back({"W3/open/tmpfs", W3Fn<ShmDir>(false)});
  all.push_back({"W3s/open/ours", W3Fn<Ours>(true)});
  all.push_back({"W3s/open/tmpfs", W3Fn<ShmDir>(true)});
  all.push_back({"W4/save/ours", W4OursFn(false)});
  all.push_back({"W4/save/tar", W4TarFn(false)});
  all.push_back({"W4/save_reused/ours", W4OursSaveReusedFn()});
  all.push_back({"W4/restore/ours", W4OursFn(true)});
  all.push_back({"W4/restore/tar", W4TarFn(true)});
  all.push_back({"W4/fork/ours", ForkFn()});
  return all;
}

// Captures each repetition's counters, keyed by benchmark name (without the
// "/iterations:1/repeats:N/manual_time" suffix), and prints the repetitions
// (not the aggregates: the table has the medians).
class CaptureReporter : public benchmark::ConsoleReporter {
 public:
  // Colour only on a terminal, so that a captured log is plain text.
  CaptureReporter() : ConsoleReporter(isatty(1) ? OO_ColorTabular : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& reports) override {
    std::vector<Run> shown;
    for (const Run& run : reports) {
      if (run.run_type != Run::RT_Iteration) continue;
      shown.push_back(run);
      const std::string name = run.run_name.function_name;
      if (run.error_occurred) {
        errors_[name] = run.error_message;
        continue;
      }
      for (const auto& [counter, value] : run.counters) {
        values_[name][counter].push_back(value.value);
      }
    }
    if (!shown.empty()) ConsoleReporter::ReportRuns(shown);
  }
  const std::vector<double>* Values(const std::string& bench,
                                    const std::string& counter) const {
    auto b = values_.find(bench);
    if (b == values_.end()) return nullptr;
    auto c = b->second.find(counter);
    if (c == b->second.end() || c->second.empty()) return nullptr;
    return &c->second;
  }
  const std::map<std::string, std::string>& errors() const { return errors_; }
  // For a figure with no value: "check failed" or "not run" (filtered out).
  std::string Missing(const std::string& bench) const {
    return errors_.count(bench) ? "check failed" : "not run";
  }

 private:
  std::map<std::string, std::map<std::string, std::vector<double>>> values_;
  std::map<std::string, std::string> errors_;
};

struct Stats {
  double median = 0, min = 0, max = 0;
  size_t n = 0;
};
Stats Summarize(std::vector<double> v) {
  Stats s;
  std::sort(v.begin(), v.end());
  s.n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  return s;
}

std::string Fmt(double v) {
  char buf[32];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2fM", v / 1e6);
  } else if (v >= 1e4) {
    std::snprintf(buf, sizeof(buf), "%.1fk", v / 1e3);
  } else if (v >= 100) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.3g", v);
  }
  return buf;
}
std::string FmtStats(const Stats& s) {
  return Fmt(s.median) + " (" + Fmt(s.min) + ".." + Fmt(s.max) + ")";
}

struct Row {
  const char* figure;
  const char* ours;
  const char* base;  // null: an absolute target on ours
  const char* counter;
  const char* base_counter;
  double target;     // ratio >= target, or (absolute) ours < target
  const char* target_text;
};

const Row kRows[] = {
    {"W1 create+write ops/s", "W1/create/ours", "W1/create/tmpfs", "ops_per_s", "ops_per_s", 15, ">= 15x tmpfs"},
    {"W1 reopen+read ops/s", "W1/read/ours", "W1/read/tmpfs", "ops_per_s", "ops_per_s", 20, ">= 20x tmpfs"},
    {"W1 stat ops/s", "W1/stat/ours", "W1/stat/tmpfs", "ops_per_s", "ops_per_s", 10, ">= 10x tmpfs"},
    {"W1 readdir entries/s", "W1/readdir/ours", "W1/readdir/tmpfs", "ops_per_s", "ops_per_s", 10, ">= 10x tmpfs"},
    {"W1 unlink+rmdir ops/s", "W1/unlink/ours", "W1/unlink/tmpfs", "ops_per_s", "ops_per_s", 15, ">= 15x tmpfs"},
    {"W2 write GB/s", "W2/write/ours", "W2/write/tmpfs", "GB_per_s", "GB_per_s", 2, ">= 2x tmpfs"},
    {"W2 read GB/s vs memcpy read_gbs", "W2/read/ours", "W2/memcpy_read", "GB_per_s", "GB_per_s", 0.8, ">= 0.8x memcpy"},
    {"W2 read GB/s vs tmpfs", "W2/read/ours", "W2/read/tmpfs", "GB_per_s", "GB_per_s", 0, "-"},
    {"W2 write GB/s vs memcpy write_gbs", "W2/write/ours", "W2/memcpy_write", "GB_per_s", "GB_per_s", 0, "-"},
    {"W2 write GB/s vs memcpy fresh_gbs", "W2/write/ours", "W2/memcpy_fresh", "GB_per_s", "GB_per_s", 0, "-"},
    {"W3 deep open ops/s", "W3/open/ours", "W3/open/tmpfs", "ops_per_s", "ops_per_s", 10, ">= 10x tmpfs"},
    {"W3s symlink open ops/s", "W3s/open/ours", "W3s/open/tmpfs", "ops_per_s", "ops_per_s", 10, ">= 10x tmpfs"},
    {"W4 save MB/s", "W4/save/ours", "W4/save/tar", "MB_per_s", "MB_per_s", 5, ">= 5x tar"},
    {"W4 save MB/s, reused buffer (info)", "W4/save_reused/ours", "W4/save/tar", "MB_per_s", "MB_per_s", 0, "-"},
    {"W4 restore MB/s", "W4/restore/ours", "W4/restore/tar", "MB_per_s", "MB_per_s", 3, ">= 3x tar"},
    {"W4 snapshot / archive MB", "W4/save/ours", "W4/save/tar", "snapshot_MB", "snapshot_MB", 0, "-"},
    {"W4 fork ms (mean of 20)", "W4/fork/ours", nullptr, "fork_ms", nullptr, 2, "< 2 ms"},
    {"W4 first fork ms", "W4/fork/ours", nullptr, "first_ms", nullptr, 0, "-"},
};

// "model name" of the first CPU, online CPUs, and the load average.
std::string MachineLine() {
  std::string model = "unknown CPU";
  if (FILE* f = std::fopen("/proc/cpuinfo", "r")) {
    char line[512];
    while (std::fgets(line, sizeof(line), f)) {
      if (std::strncmp(line, "model name", 10) == 0) {
        const char* colon = std::strchr(line, ':');
        if (colon != nullptr) {
          model = colon + 1;
          model.erase(0, model.find_first_not_of(' '));
          while (!model.empty() && (model.back() == '\n' || model.back() == ' ')) model.pop_back();
        }
        break;
      }
    }
    std::fclose(f);
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  char buf[640];
  std::snprintf(buf, sizeof(buf), "%s, nproc %ld, load average %.2f %.2f %.2f", model.c_str(),
                sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
  return buf;
}

void PrintTable(const CaptureReporter& rep, int reps) {
  std::printf("\nW1-W4 (workloads.md), %d repetitions: median (min..max); ratio = ours median / baseline median\n", reps);
  std::printf("%s\n\n", MachineLine().c_str());
  std::printf("| %-34s | %-28s | %-28s | %-7s | %-15s | %-5s |\n", "figure", "ours",
              "baseline", "ratio", "target", "met?");
  std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(36, '-').c_str(),
              std::string(30, '-').c_str(), std::string(30, '-').c_str(),
              std::string(9, '-').c_str(), std::string(17, '-').c_str(),
              std::string(7, '-').c_str());
  int met = 0, targets = 0;
  for (const Row& row : kRows) {
    const std::vector<double>* ours = rep.Values(row.ours, row.counter);
    const std::vector<double>* base =
        row.base == nullptr ? nullptr : rep.Values(row.base, row.base_counter);
    std::string ours_s = ours ? FmtStats(Summarize(*ours)) : rep.Missing(row.ours);
    std::string base_s = row.base == nullptr ? "-"
                         : base             ? FmtStats(Summarize(*base))
                                            : rep.Missing(row.base);
    std::string ratio_s = "-", met_s = "-";
    const bool has_target = row.target > 0;
    if (has_target) ++targets;
    if (row.base == nullptr) {
      if (ours && has_target) {
        const bool ok = Summarize(*ours).median < row.target;
        met_s = ok ? "yes" : "NO";
        met += ok;
      } else if (has_target) {
        met_s = "n/a";
      }
    } else if (ours && base) {
      const double ratio = Summarize(*ours).median / Summarize(*base).median;
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.2fx", ratio);
      ratio_s = buf;
      if (has_target) {
        const bool ok = ratio >= row.target;
        met_s = ok ? "yes" : "NO";
        met += ok;
      }
    } else if (has_target) {
      met_s = "n/a";
    }
    std::printf("| %-34s | %-28s | %-28s | %-7s | %-15s | %-5s |\n", row.figure,
                ours_s.c_str(), base_s.c_str(), ratio_s.c_str(), row.target_text,
                met_s.c_str());
  }
  std::printf("\nTargets met: %d of %d\n", met, targets);
  if (!rep.errors().empty()) {
    std::printf("\nFailed checks (no figure reported):\n");
    for (const auto& [name, msg] : rep.errors()) {
      std::printf("  %s: %s\n", name.c_str(), msg.c_str());
    }
  }
}

}  // namespace
}  // namespace vfs

int main(int argc, char** argv) {
  int reps = 5;
  if (const char* env = std::getenv("VFS_WORKLOADS_REPS")) reps = std::atoi(env);
  // Take --reps=N out of argv before Google benchmark sees the flags.
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--reps=", 7) == 0) {
      reps = std::atoi(argv[i] + 7);
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  if (reps < 1) reps = 1;
  ::signal(SIGPIPE, SIG_IGN);  // a dead tar shows as EPIPE, not a signal
  vfs::RemoveStaleShmDirs();

  for (vfs::Registered& b : vfs::AllBenchmarks()) {
    vfs::PhaseFn fn = b.fn;
    benchmark::RegisterBenchmark(b.name.c_str(),
                                 [fn](benchmark::State& state) { vfs::RunPhase(state, fn); })
        ->Iterations(1)
        ->Repetitions(reps)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const auto t0 = std::chrono::steady_clock::now();
  vfs::CaptureReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  vfs::PrintTable(reporter, reps);
  std::printf("Wall time of the benchmark run: %.1f s\n", wall);
  benchmark::Shutdown();
  return 0;
}
