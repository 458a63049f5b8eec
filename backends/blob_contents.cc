#include "backends/blob_contents.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vfs {

namespace {

// Owns one read-only mapping; the keep-alive handle of a mapped blob.
class Mapping {
 public:
  Mapping(void* addr, size_t len) : addr_(addr), len_(len) {}
  ~Mapping() { munmap(addr_, len_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

 private:
  void* addr_;
  size_t len_;
};

// Closes a descriptor on every return path of MapFileBlob.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

absl::Status PathErrno(int err, const char* what, const std::string& path) {
  // absl::ErrnoToStatus takes POSIX numbers, which is what the host calls set.
  return absl::ErrnoToStatus(err, absl::StrCat(what, " '", path, "'"));
}

}  // namespace

BlobContents::BlobContents(absl::Span<const uint8_t> bytes,
                           std::shared_ptr<const void> keep_alive)
    : bytes_(bytes), keep_alive_(std::move(keep_alive)) {}

std::unique_ptr<BlobContents> BlobContents::CopyOf(absl::Span<const uint8_t> bytes) {
  auto owned = std::make_shared<const std::vector<uint8_t>>(bytes.begin(), bytes.end());
  const absl::Span<const uint8_t> view = absl::MakeConstSpan(*owned);
  return std::make_unique<BlobContents>(view, std::move(owned));
}

Result<size_t> BlobContents::Read(filesize_t offset, absl::Span<uint8_t> out) const {
  if (offset >= bytes_.size()) return size_t{0};
  const size_t n = std::min<size_t>(out.size(), bytes_.size() - offset);
  // memcpy with a null pointer is undefined even for 0 bytes.
  if (n > 0) std::memcpy(out.data(), bytes_.data() + offset, n);
  return n;
}

std::unique_ptr<FileContents> BlobContents::Clone() const {
  return std::make_unique<BlobContents>(bytes_, keep_alive_);
}

absl::StatusOr<std::unique_ptr<BlobContents>> MapFileBlob(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PathErrno(errno, "cannot open", path);
  FdCloser closer(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return PathErrno(errno, "cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", path, "' is not a regular file"));
  }
  if (st.st_size == 0) return std::make_unique<BlobContents>(absl::Span<const uint8_t>());
  if (static_cast<uint64_t>(st.st_size) > std::numeric_limits<size_t>::max()) {
    return absl::OutOfRangeError(absl::StrCat(
        "'", path, "' (", st.st_size, " bytes) does not fit in the address space"));
  }
  const size_t len = static_cast<size_t>(st.st_size);
  void* addr = mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) return PathErrno(errno, "cannot map", path);
  auto mapping = std::make_shared<const Mapping>(addr, len);
  return std::make_unique<BlobContents>(
      absl::MakeConstSpan(static_cast<const uint8_t*>(addr), len), std::move(mapping));
}

}  // namespace vfs
