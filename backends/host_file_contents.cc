#include "backends/host_file_contents.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <list>
#include <mutex>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vfs {

namespace {

constexpr uint64_t kChunkMask = HostFileContents::kChunkSize - 1;

// The number of chunks needed to hold `bytes` bytes: the index of the first
// chunk that starts at or past `bytes`.
uint64_t ChunksFor(filesize_t bytes) {
  return (bytes >> HostFileContents::kChunkShift) + ((bytes & kChunkMask) != 0 ? 1 : 0);
}

// Host write-side failures the guest can act on keep their meaning; the rest
// (EIO, EBADF, ...) are an I/O error.
Errno FromHostErrno(int e) {
  switch (e) {
    case ENOSPC: return Errno::kNospc;
    case EFBIG: return Errno::kFbig;
    case EDQUOT: return Errno::kDquot;
    case EROFS: return Errno::kRofs;
    default: return Errno::kIo;
  }
}

bool AllZero(absl::Span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

// One host file, shared by an original and its clones: where it is and
// which file it was at import. Its descriptor lives in the FdCache.
struct HostFileContents::HostFile {
  HostFile(std::string path_in, int flags_in, const struct stat& st)
      : path(std::move(path_in)), flags(flags_in), at_import(st) {}
  ~HostFile();  // closes the descriptor if it is cached
  HostFile(const HostFile&) = delete;
  HostFile& operator=(const HostFile&) = delete;

  const std::string path;
  const int flags;  // open(2) access flags
  const struct stat at_import;

  // Whether a reopened descriptor still names the file imported. Inode
  // numbers are reused as soon as a file is deleted, so a copy-on-write file
  // also compares size and ctime (the host file must not change while it is
  // imported); a write-through file changes both itself, so only device and
  // inode are compared.
  bool Same(const struct stat& now) const {
    if (now.st_dev != at_import.st_dev || now.st_ino != at_import.st_ino ||
        !S_ISREG(now.st_mode)) {
      return false;
    }
    if (flags != O_RDONLY) return true;
    return now.st_size == at_import.st_size &&
           now.st_ctim.tv_sec == at_import.st_ctim.tv_sec &&
           now.st_ctim.tv_nsec == at_import.st_ctim.tv_nsec;
  }
  // Guarded by FdCache::mu.
  mutable int fd = -1;
  mutable int pins = 0;  // calls using fd right now: it is not evicted
  mutable std::list<const HostFile*>::iterator lru;
};

struct HostFileContents::FdCache {
  std::mutex mu;
  std::list<const HostFile*> lru;  // open descriptors, most recent first
  size_t capacity = DefaultCapacity();

  static FdCache& Get() {
    static FdCache* cache = new FdCache();  // never destroyed: outlives statics
    return *cache;
  }
  // 256, or a quarter of the process's descriptor limit if that is lower,
  // so the rest of the process keeps descriptors to work with.
  static size_t DefaultCapacity() {
    struct rlimit rl;
    size_t n = 256;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
      n = std::min<size_t>(n, static_cast<size_t>(rl.rlim_cur / 4));
    }
    return std::max<size_t>(n, 4);
  }
  void Close(const HostFile& f) {
    ::close(f.fd);
    f.fd = -1;
    lru.erase(f.lru);
  }
  // Closes unpinned descriptors, oldest first, until fewer than `keep`
  // remain open (or none can be closed). Returns whether one was closed.
  bool EvictTo(size_t keep) {
    bool closed = false;
    for (auto it = lru.end(); lru.size() >= keep && it != lru.begin();) {
      --it;
      const HostFile* victim = *it;
      if (victim->pins > 0) continue;
      it = std::next(it);  // Close erases the element `it` pointed before
      Close(*victim);
      closed = true;
    }
    return closed;
  }
  void Insert(const HostFile& f, int fd) {
    EvictTo(capacity);
    f.fd = fd;
    lru.push_front(&f);
    f.lru = lru.begin();
  }
};

HostFileContents::HostFile::~HostFile() {
  FdCache& cache = FdCache::Get();
  std::lock_guard<std::mutex> lock(cache.mu);
  if (fd >= 0) cache.Close(*this);
}

namespace {
// open(2) of a regular file for reading our way (no controlling terminal;
// O_NONBLOCK so a FIFO cannot block the open, cleared again after).
int OpenHost(const std::string& path, int flags, struct stat* st) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return -1;
  if (::fstat(fd, st) != 0) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  const int fl = ::fcntl(fd, F_GETFL);
  if (fl >= 0) (void)::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  return fd;
}
}  // namespace

// Pins the file's descriptor open for one call, reopening it if it was
// evicted; fd() is -1 (and the call fails with IO) if it cannot be reopened
// or the path now names another file.
class HostFileContents::FdLease {
 public:
  explicit FdLease(const HostFile& f) : f_(f) {
    FdCache& cache = FdCache::Get();
    std::lock_guard<std::mutex> lock(cache.mu);
    if (f_.fd < 0) {
      struct stat st;
      int fd = OpenHost(f_.path, f_.flags, &st);
      // Out of descriptors: give back cached ones and try again.
      while (fd < 0 && (errno == EMFILE || errno == ENFILE) && cache.EvictTo(cache.lru.size())) {
        fd = OpenHost(f_.path, f_.flags, &st);
      }
      if (fd < 0) return;
      if (!f_.Same(st)) {
        ::close(fd);  // replaced on the host: never read another file's bytes
        return;
      }
      cache.Insert(f_, fd);
    } else {
      cache.lru.splice(cache.lru.begin(), cache.lru, f_.lru);
    }
    f_.pins++;
    fd_ = f_.fd;
  }
  ~FdLease() {
    if (fd_ < 0) return;
    FdCache& cache = FdCache::Get();
    std::lock_guard<std::mutex> lock(cache.mu);
    f_.pins--;
  }
  FdLease(const FdLease&) = delete;
  FdLease& operator=(const FdLease&) = delete;
  int fd() const { return fd_; }

 private:
  const HostFile& f_;
  int fd_ = -1;
};

void HostFileContents::SetMaxOpenHostFiles(size_t n) {
  FdCache& cache = FdCache::Get();
  std::lock_guard<std::mutex> lock(cache.mu);
  cache.capacity = std::max<size_t>(n, 1);
  cache.EvictTo(cache.capacity + 1);
}

size_t HostFileContents::open_host_files() {
  FdCache& cache = FdCache::Get();
  std::lock_guard<std::mutex> lock(cache.mu);
  return cache.lru.size();
}

std::atomic<uint64_t> HostFileContents::host_bytes_read_{0};

absl::StatusOr<std::unique_ptr<HostFileContents>> HostFileContents::Open(
    const std::string& path, HostFileMode mode) {
  const int access = mode == HostFileMode::kWriteThrough ? O_RDWR : O_RDONLY;
  struct stat st;
  int fd;
  {
    FdCache& cache = FdCache::Get();
    std::lock_guard<std::mutex> lock(cache.mu);
    fd = OpenHost(path, access, &st);
    while (fd < 0 && (errno == EMFILE || errno == ENFILE) && cache.EvictTo(cache.lru.size())) {
      fd = OpenHost(path, access, &st);
    }
  }
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open"));
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        path, S_ISDIR(st.st_mode) ? ": is a directory" : ": not a regular file"));
  }
  auto file = std::make_shared<const HostFile>(path, access, st);
  {
    // The descriptor just opened becomes the cached one, so a file removed
    // right after the import is still readable while it stays cached.
    FdCache& cache = FdCache::Get();
    std::lock_guard<std::mutex> lock(cache.mu);
    cache.Insert(*file, fd);
  }
  return std::unique_ptr<HostFileContents>(new HostFileContents(
      std::move(file), mode, static_cast<filesize_t>(st.st_size)));
}

HostFileContents::HostFileContents(std::shared_ptr<const HostFile> file,
                                   HostFileMode mode, filesize_t size)
    : file_(std::move(file)),
      mode_(mode),
      size_(size),
      base_limit_(size),
      overlay_(std::make_unique<MemoryContents>()) {
  // Only sets a size: the overlay holds no bytes until a write.
  (void)overlay_->Resize(size);
}

HostFileContents::~HostFileContents() = default;

const std::string& HostFileContents::host_path() const { return file_->path; }

bool HostFileContents::InOverlay(uint64_t idx) const {
  return idx >= ChunksFor(base_limit_) || materialised_.count(idx) != 0;
}

Errno HostFileContents::ReadHost(filesize_t offset, absl::Span<uint8_t> out,
                                 filesize_t limit) const {
  size_t want = 0;
  if (offset < limit) want = static_cast<size_t>(std::min<filesize_t>(out.size(), limit - offset));
  size_t done = 0;
  FdLease lease(*file_);
  if (want > 0 && lease.fd() < 0) return Errno::kIo;
  while (done < want) {
    const ssize_t n = ::pread(lease.fd(), out.data() + done, want - done,
                              static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno::kIo;
    }
    if (n == 0) break;  // the host file shrank: the rest reads as zeros
    done += static_cast<size_t>(n);
    host_bytes_read_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
  if (done < out.size()) std::memset(out.data() + done, 0, out.size() - done);
  return Errno::kSuccess;
}

Result<size_t> HostFileContents::Read(filesize_t offset, absl::Span<uint8_t> out) const {
  if (offset >= size_ || out.empty()) return size_t{0};
  const size_t n = static_cast<size_t>(std::min<filesize_t>(out.size(), size_ - offset));
  if (mode_ == HostFileMode::kWriteThrough) {
    VFS_RETURN_IF_ERROR(ReadHost(offset, out.subspan(0, n), size_));
    return n;
  }
  const filesize_t stop = offset + n;
  const uint64_t last = (stop - 1) >> kChunkShift;
  // Runs of consecutive chunks with the same source are read in one call, so
  // a large read of an untouched file is one pread.
  size_t done = 0;
  while (done < n) {
    const filesize_t pos = offset + done;
    const uint64_t idx = pos >> kChunkShift;
    uint64_t next;  // the first chunk after the run
    const bool overlay = InOverlay(idx);
    if (overlay) {
      next = idx + 1;
      while (next <= last && InOverlay(next)) ++next;
    } else {
      next = ChunksFor(base_limit_);
      auto it = materialised_.lower_bound(idx);
      if (it != materialised_.end()) next = std::min(next, *it);
    }
    const filesize_t run_end = next > last ? stop : next << kChunkShift;
    absl::Span<uint8_t> dst = out.subspan(done, static_cast<size_t>(run_end - pos));
    if (overlay) {
      // The overlay's size is size_, so it never reads short here.
      Result<size_t> got = overlay_->Read(pos, dst);
      if (!got.ok() || *got != dst.size()) return Errno::kIo;
    } else {
      VFS_RETURN_IF_ERROR(ReadHost(pos, dst, base_limit_));
    }
    done += dst.size();
  }
  return n;
}

Result<size_t> HostFileContents::Write(filesize_t offset, absl::Span<const uint8_t> data) {
  if (data.empty()) return size_t{0};
  if (offset > UINT64_MAX - data.size()) return Errno::kFbig;
  return mode_ == HostFileMode::kWriteThrough ? WriteThrough(offset, data)
                                              : WriteCopyOnWrite(offset, data);
}

Result<size_t> HostFileContents::WriteCopyOnWrite(filesize_t offset,
                                                  absl::Span<const uint8_t> data) {
  const filesize_t end = offset + data.size();
  const uint64_t first = offset >> kChunkShift;
  const uint64_t last = (end - 1) >> kChunkShift;
  // Only a chunk the write covers in part needs its host bytes: one it
  // covers entirely is overwritten anyway. That is at most the first and the
  // last chunk. Both are read before anything changes, so a host read error
  // leaves the contents as they were.
  struct Edge {
    uint64_t idx;
    std::vector<uint8_t> bytes;  // the chunk's host bytes, from its start
  };
  Edge edges[2];
  size_t edge_count = 0;
  const uint64_t ends[2] = {first, last};
  for (size_t i = 0; i < (first == last ? 1 : 2); ++i) {
    const uint64_t idx = ends[i];
    if (InOverlay(idx)) continue;
    const filesize_t start = idx << kChunkShift;
    // The chunk's host bytes are [start, host_end); InOverlay is false, so
    // host_end > start.
    const filesize_t host_end = std::min<filesize_t>(start + kChunkSize, base_limit_);
    if (offset <= start && end >= host_end) continue;  // all covered
    Edge& e = edges[edge_count++];
    e.idx = idx;
    e.bytes.resize(static_cast<size_t>(host_end - start));
    VFS_RETURN_IF_ERROR(ReadHost(start, absl::MakeSpan(e.bytes), base_limit_));
  }
  // Nothing below fails (the overlay is memory, and the Filesystem bounds
  // offset + size): materialise, claim the covered chunks, then write.
  for (size_t i = 0; i < edge_count; ++i) {
    const Edge& e = edges[i];
    if (!AllZero(e.bytes)) {
      Result<size_t> n = overlay_->Write(e.idx << kChunkShift, e.bytes);
      if (!n.ok()) return n.error();
    }
    // A zero run needs no bytes: the overlay reads its holes as zeros.
  }
  const uint64_t host_chunks = ChunksFor(base_limit_);
  for (uint64_t idx = first; idx <= last && idx < host_chunks; ++idx) {
    materialised_.insert(idx);
  }
  Result<size_t> n = overlay_->Write(offset, data);
  if (!n.ok()) return n.error();
  size_ = std::max(size_, end);
  return data.size();
}

Result<size_t> HostFileContents::WriteThrough(filesize_t offset,
                                              absl::Span<const uint8_t> data) {
  if (offset + data.size() > static_cast<filesize_t>(INT64_MAX)) return Errno::kFbig;
  size_t done = 0;
  FdLease lease(*file_);
  if (lease.fd() < 0) return Errno::kIo;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(lease.fd(), data.data() + done, data.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromHostErrno(errno);
    }
    if (n == 0) return Errno::kIo;  // no progress: never loop forever
    done += static_cast<size_t>(n);
  }
  size_ = std::max<filesize_t>(size_, offset + data.size());
  return data.size();
}

Errno HostFileContents::Resize(filesize_t size) {
  if (mode_ == HostFileMode::kCopyOnWrite) return ResizeCopyOnWrite(size);
  if (size > static_cast<filesize_t>(INT64_MAX)) return Errno::kFbig;
  FdLease lease(*file_);
  if (lease.fd() < 0) return Errno::kIo;
  int rc;
  do {
    rc = ::ftruncate(lease.fd(), static_cast<off_t>(size));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return FromHostErrno(errno);
  size_ = size;
  return Errno::kSuccess;
}

Errno HostFileContents::ResizeCopyOnWrite(filesize_t size) {
  if (size < size_) {
    // Host bytes at or past `size` are gone for good: a later growth must
    // read zeros there even though the host file still has them.
    base_limit_ = std::min(base_limit_, size);
    // Chunks starting at or past `size` now have no host bytes, so they are
    // overlay chunks without being listed.
    materialised_.erase(materialised_.lower_bound(ChunksFor(size)), materialised_.end());
  }
  VFS_RETURN_IF_ERROR(overlay_->Resize(size));
  size_ = size;
  return Errno::kSuccess;
}

Errno HostFileContents::Allocate(filesize_t offset, filesize_t len) {
  if (offset > UINT64_MAX - len) return Errno::kFbig;
  if (offset + len <= size_) return Errno::kSuccess;
  return Resize(offset + len);
}

Errno HostFileContents::Sync() {
  if (mode_ != HostFileMode::kWriteThrough) return Errno::kSuccess;
  FdLease lease(*file_);
  if (lease.fd() < 0) return Errno::kIo;
  int rc;
  do {
    rc = ::fsync(lease.fd());
  } while (rc != 0 && errno == EINTR);
  return rc == 0 ? Errno::kSuccess : Errno::kIo;
}

std::unique_ptr<FileContents> HostFileContents::Clone() const {
  std::unique_ptr<HostFileContents> copy(
      new HostFileContents(file_, HostFileMode::kCopyOnWrite, size_));
  if (mode_ == HostFileMode::kCopyOnWrite) {
    copy->base_limit_ = base_limit_;
    // MemoryContents::Clone returns a MemoryContents (shared copy-on-write).
    copy->overlay_.reset(static_cast<MemoryContents*>(overlay_->Clone().release()));
    copy->materialised_ = materialised_;
    return copy;
  }
  // Write-through: take the bytes now (see the header). All-zero chunks
  // (holes of a sparse host file) are claimed without storing anything.
  std::vector<uint8_t> buf(kChunkSize);
  bool all = true;
  for (uint64_t idx = 0; idx < ChunksFor(size_); ++idx) {
    const filesize_t start = idx << kChunkShift;
    const size_t len = static_cast<size_t>(std::min<filesize_t>(kChunkSize, size_ - start));
    absl::Span<uint8_t> chunk = absl::MakeSpan(buf.data(), len);
    if (ReadHost(start, chunk, size_) != Errno::kSuccess) {
      all = false;  // left to be read from the host later
      continue;
    }
    if (!AllZero(chunk)) (void)copy->overlay_->Write(start, chunk);
    copy->materialised_.insert(idx);
  }
  if (all) {
    // Nothing depends on the host file any more.
    copy->base_limit_ = 0;
    copy->materialised_.clear();
  }
  return copy;
}

}  // namespace vfs
