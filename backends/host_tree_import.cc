#include "backends/host_tree_import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "vfs/context.h"
#include "vfs/status.h"

namespace vfs {

namespace stdfs = std::filesystem;

namespace {

// Host files are read, and Filesystem files written, in pieces of this size.
constexpr size_t kPieceSize = 64 * 1024;
// How often (in entries) the progress callback is called.
constexpr uint64_t kProgressEvery = 1000;

// Adds one regular file: `host` is its host path, `st` its lstat, `target`
// its path in the Filesystem.
using AddRegularFile = std::function<absl::Status(
    const stdfs::path& host, const struct stat& st, const std::string& target)>;

// Closes a host descriptor on every return path.
class HostFd {
 public:
  explicit HostFd(int fd) : fd_(fd) {}
  ~HostFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status HostError(const stdfs::path& p, std::string_view what, int err) {
  return absl::DataLossError(
      absl::StrCat(p.string(), ": ", AsAbsl(what), ": ", std::strerror(err)));
}

// A host timespec in WASI nanoseconds; InvalidArgument for what an unsigned
// 64-bit count of nanoseconds since 1970 cannot hold.
absl::StatusOr<timestamp_t> HostTime(const stdfs::path& p, const char* which,
                                     const struct timespec& ts) {
  constexpr uint64_t kNs = 1'000'000'000;
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= static_cast<long>(kNs) ||
      static_cast<uint64_t>(ts.tv_sec) >
          (UINT64_MAX - static_cast<uint64_t>(ts.tv_nsec)) / kNs) {
    return absl::InvalidArgumentError(absl::StrCat(
        p.string(), ": ", which, " ", ts.tv_sec, ".", ts.tv_nsec,
        " s is outside what a WASI timestamp can hold (1970 to 2554)"));
  }
  return static_cast<uint64_t>(ts.tv_sec) * kNs + static_cast<uint64_t>(ts.tv_nsec);
}

struct PendingTimes {
  std::string target;
  timestamp_t atim, mtim, ctim;
};

// The walk both CopyHostTree and ImportHostTree share (see the header): only
// what happens to a regular file differs.
absl::Status WalkHostTree(const std::string& host_dir, Filesystem& fs,
                          std::string_view dest, const AddRegularFile& add_file,
                          const HostTreeOptions& options) {
  std::error_code ec;
  if (!stdfs::is_directory(host_dir, ec)) {
    return absl::NotFoundError(absl::StrCat(host_dir, ": not a directory"));
  }
  if (absl::Status s = fs.MakeDirectories(dest); !s.ok()) return s;
  // The first name met of each multiply-linked host inode (hard_links).
  std::map<std::pair<dev_t, ino_t>, std::string> first_name;
  std::vector<PendingTimes> times;
  uint64_t done = 0;
  // Depth-first with each directory's entries sorted by name, so the same
  // host tree always gets the same inode numbers and listing order (the
  // host's own readdir order varies between machines). Iterative: no
  // recursion depth limit.
  std::vector<std::pair<stdfs::path, std::string>> work = {
      {stdfs::path(host_dir), std::string(dest)}};
  while (!work.empty()) {
    auto [dir, inside] = work.back();
    work.pop_back();
    std::vector<stdfs::path> entries;
    for (stdfs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      entries.push_back(it->path());
    }
    if (ec) return absl::InternalError(absl::StrCat(dir.string(), ": ", ec.message()));
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
    std::vector<std::pair<stdfs::path, std::string>> subdirs;
    for (const stdfs::path& p : entries) {
      const std::string name = p.filename().string();
      const std::string target = inside.empty() ? name : absl::StrCat(inside, "/", name);
      // lstat: a symlink is described, never followed.
      struct stat st;
      if (::lstat(p.c_str(), &st) != 0) {
        return absl::InternalError(absl::StrCat(p.string(), ": ", std::strerror(errno)));
      }
      absl::Status s;
      bool linked = false;  // a later name of an inode already copied
      if (options.hard_links && !S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
          (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
        auto [it, first] = first_name.emplace(std::make_pair(st.st_dev, st.st_ino), target);
        if (!first) {
          s = fs.MakeHardLink(it->second, target);
          linked = true;
        }
      }
      if (linked) {
        // The inode's times come with its first name.
      } else if (S_ISLNK(st.st_mode)) {
        const stdfs::path link = stdfs::read_symlink(p, ec);
        if (ec) return absl::InternalError(absl::StrCat(p.string(), ": ", ec.message()));
        s = fs.MakeSymlink(target, link.string());
      } else if (S_ISDIR(st.st_mode)) {
        s = fs.MakeDirectories(target);
        subdirs.emplace_back(p, target);
      } else if (S_ISREG(st.st_mode)) {
        s = add_file(p, st, target);
      } else if (options.refuse_special_files) {
        return absl::InvalidArgumentError(absl::StrCat(
            p.string(), ": a special file (device, FIFO or socket) cannot be loaded"));
      } else {
        std::fprintf(stderr, "vfs: skipping special file %s\n", p.c_str());
        continue;
      }
      if (!s.ok()) {
        // Messages that already name the host path (HostFileContents::Open,
        // a failed read) are passed on as they are.
        if (absl::StartsWith(s.message(), p.string())) return s;
        return absl::Status(s.code(), absl::StrCat(p.string(), ": ", s.message()));
      }
      if (options.times && !linked) {
        absl::StatusOr<timestamp_t> atim = HostTime(p, "atime", st.st_atim);
        if (!atim.ok()) return atim.status();
        absl::StatusOr<timestamp_t> mtim = HostTime(p, "mtime", st.st_mtim);
        if (!mtim.ok()) return mtim.status();
        absl::StatusOr<timestamp_t> ctim = HostTime(p, "ctime", st.st_ctim);
        if (!ctim.ok()) return ctim.status();
        times.push_back({target, *atim, *mtim, *ctim});
      }
      if (++done % kProgressEvery == 0 && options.progress) options.progress(done);
    }
    // Visit subdirectories in name order (the stack pops the last first).
    work.insert(work.end(), subdirs.rbegin(), subdirs.rend());
  }
  // Times last: creating an entry sets its directory's mtim and ctim, and a
  // hard link sets the inode's ctim.
  for (const PendingTimes& t : times) {
    if (absl::Status s = fs.SetTimes(t.target, t.atim, t.mtim, t.ctim); !s.ok()) return s;
  }
  if (options.progress) options.progress(done);
  return absl::OkStatus();
}

// Copies the host file `p` (lstat `st`) into `fs` at `target` in pieces,
// replacing the bytes of a regular file already there.
absl::Status CopyHostFile(const stdfs::path& p, const struct stat& st,
                          const std::string& target, StreamedFileWriter& writer,
                          std::vector<uint8_t>& buf) {
  // O_NOFOLLOW: the entry was a regular file when listed; if it has been
  // replaced by a symlink since, refuse rather than follow it. O_NONBLOCK:
  // nor hang on a FIFO swapped in. O_NOATIME where the kernel allows it
  // (the file's owner): copying a tree should not change its atimes.
  constexpr int kFlags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  int raw = ::open(p.c_str(), kFlags | O_NOATIME);
  if (raw < 0 && errno == EPERM) raw = ::open(p.c_str(), kFlags);
  HostFd fd(raw);
  if (fd.get() < 0) return HostError(p, "cannot open", errno);
  struct stat now;
  if (::fstat(fd.get(), &now) != 0) return HostError(p, "cannot stat", errno);
  if (!S_ISREG(now.st_mode) || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
    return absl::DataLossError(absl::StrCat(p.string(), ": changed while the tree was copied"));
  }
  const filesize_t size = static_cast<filesize_t>(now.st_size);
  if (absl::Status s = writer.Create(target, size, /*replace=*/true); !s.ok()) return s;
  buf.resize(kPieceSize);
  filesize_t off = 0;
  while (off < size) {
    const size_t want = static_cast<size_t>(std::min<filesize_t>(kPieceSize, size - off));
    const ssize_t n = ::read(fd.get(), buf.data(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return HostError(p, "read failed", errno);
    if (n == 0) {
      return absl::DataLossError(absl::StrCat(p.string(), ": shrank from ", size, " to ", off,
                                              " bytes while it was copied"));
    }
    if (absl::Status s = writer.WriteAt(off, absl::MakeConstSpan(buf.data(), n)); !s.ok()) {
      return s;
    }
    off += static_cast<filesize_t>(n);
  }
  // Bytes past the size taken at the start would otherwise be dropped
  // without a word.
  ssize_t extra;
  do {
    extra = ::read(fd.get(), buf.data(), 1);
  } while (extra < 0 && errno == EINTR);
  if (extra < 0) return HostError(p, "read failed", errno);
  if (extra > 0) {
    return absl::DataLossError(
        absl::StrCat(p.string(), ": grew past ", size, " bytes while it was copied"));
  }
  return writer.Finish();
}

}  // namespace

absl::Status CopyHostTree(const std::string& host_dir, Filesystem& fs,
                          std::string_view dest, const HostTreeOptions& options) {
  StreamedFileWriter writer(fs);
  std::vector<uint8_t> buf;  // one piece, reused for every file
  return WalkHostTree(
      host_dir, fs, dest,
      [&](const stdfs::path& p, const struct stat& st, const std::string& target) {
        return CopyHostFile(p, st, target, writer, buf);
      },
      options);
}

absl::Status ImportHostTree(const std::string& host_dir, Filesystem& fs,
                            std::string_view dest, HostFileMode mode) {
  // Replacing an existing file needs an unlink, which only a Context can do;
  // it is made on first need. It must not own `fs` (the caller does), hence
  // the no-op deleter; it lives only for this call.
  std::unique_ptr<Context> unlinker;
  fd_t root_fd = 0;
  return WalkHostTree(
      host_dir, fs, dest,
      [&](const stdfs::path& p, const struct stat&, const std::string& target) -> absl::Status {
        absl::StatusOr<std::unique_ptr<HostFileContents>> contents =
            HostFileContents::Open(p.string(), mode);
        if (!contents.ok()) return contents.status();
        absl::StatusOr<Filestat> existing = fs.Stat(target, /*follow=*/false);
        if (existing.ok() && existing->filetype == Filetype::kRegularFile) {
          if (unlinker == nullptr) {
            unlinker = std::make_unique<Context>(
                std::shared_ptr<Filesystem>(&fs, [](Filesystem*) {}));
            absl::StatusOr<fd_t> fd = unlinker->Preopen("", "/");
            if (!fd.ok()) return fd.status();
            root_fd = *fd;
          }
          const Errno e = unlinker->path_unlink_file(root_fd, target);
          if (e != Errno::kSuccess) {
            return absl::InternalError(absl::StrCat(
                "cannot replace ", target, ": ", std::string(ErrnoName(e))));
          }
        }
        return fs.AddFile(target, *std::move(contents));
      },
      HostTreeOptions());
}

// ---- StreamedFileWriter ----

StreamedFileWriter::StreamedFileWriter(Filesystem& fs) : fs_(fs) {}

StreamedFileWriter::~StreamedFileWriter() {
  if (file_fd_.has_value()) (void)ctx_->fd_close(*file_fd_);
}

absl::Status StreamedFileWriter::Create(std::string_view path,
                                        std::optional<filesize_t> size, bool replace) {
  if (absl::Status s = Finish(); !s.ok()) return s;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  path_ = std::string(path);
  if (ctx_ == nullptr) {
    // The Context must not own `fs_` (the caller does): a no-op deleter.
    ctx_ = std::make_unique<Context>(std::shared_ptr<Filesystem>(&fs_, [](Filesystem*) {}));
    absl::StatusOr<fd_t> fd = ctx_->Preopen("", "/");
    if (!fd.ok()) return fd.status();
    root_fd_ = *fd;
  }
  if (const size_t slash = path.rfind('/'); slash != std::string_view::npos) {
    if (absl::Status s = fs_.MakeDirectories(path.substr(0, slash)); !s.ok()) return s;
  }
  // Whether this call creates the file, so that a refused size can remove it.
  const bool created = !replace || !fs_.Stat(path_, /*follow=*/false).ok();
  // No symlink-follow flag: an existing symlink at `path` is refused, never
  // written through.
  const Oflags oflags = oflags::kCreat | (replace ? oflags::kTrunc : oflags::kExcl);
  Result<fd_t> fd = ctx_->path_open(root_fd_, Lookupflags(), path, oflags,
                                    rights::kRegularFileBase, Rights(), Fdflags());
  if (!fd.ok()) return ErrnoToStatus(fd.error(), path_);
  file_fd_ = *fd;
  if (size.has_value() && *size > 0) {
    if (const Errno e = ctx_->fd_filestat_set_size(*fd, *size); e != Errno::kSuccess) {
      (void)ctx_->fd_close(*fd);
      file_fd_.reset();
      // A refused size leaves no empty file behind (a replaced one stays
      // empty: its old bytes were discarded by the truncation).
      if (created) (void)ctx_->path_unlink_file(root_fd_, path_);
      return ErrnoToStatus(e, absl::StrCat(path_, " (", *size, " bytes)"));
    }
  }
  return absl::OkStatus();
}

absl::Status StreamedFileWriter::WriteAt(filesize_t offset,
                                         absl::Span<const uint8_t> bytes) {
  if (!file_fd_.has_value()) {
    return absl::FailedPreconditionError("StreamedFileWriter::WriteAt without Create");
  }
  while (!bytes.empty()) {
    const absl::Span<const uint8_t> iov[] = {bytes};
    Result<size_t> n = ctx_->fd_pwrite(*file_fd_, iov, offset);
    if (!n.ok()) return ErrnoToStatus(n.error(), path_);
    if (*n == 0) return absl::DataLossError(absl::StrCat(path_, ": a write stored nothing"));
    bytes.remove_prefix(*n);
    offset += *n;
  }
  return absl::OkStatus();
}

absl::Status StreamedFileWriter::Finish() {
  if (!file_fd_.has_value()) return absl::OkStatus();
  const Errno e = ctx_->fd_close(*file_fd_);
  file_fd_.reset();
  return ErrnoToStatus(e, path_);
}

}  // namespace vfs
