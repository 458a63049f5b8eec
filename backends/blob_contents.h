// BlobContents: a read-only FileContents over bytes the host owns, read in
// place (no copy is made when the file is created, cloned or forked).
//
// The bytes are a span plus an optional keep-alive handle: any shared_ptr
// whose lifetime covers the span (the vector holding it, an mmap'd region,
// a buffer from another library). Every BlobContents and every clone holds
// the handle, so the bytes stay valid while any of them is alive, even after
// the host drops its own reference. MapFileBlob builds one over a host file
// mapped read-only.
//
// This file does not define writing: capabilities() says the file is
// neither writable nor resizable, so the core turns fd_write, truncation and
// allocation past the end into Errno::kPerm before calling the backend, and
// Write, Resize and Allocate themselves keep FileContents' default NOTSUP.
//
// A snapshot stores the bytes themselves (serialize/backend_registry.h,
// backend "blob"); a restored blob owns a private copy, so a snapshot never
// depends on host memory or host files.
#ifndef BACKENDS_BLOB_CONTENTS_H_
#define BACKENDS_BLOB_CONTENTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "vfs/file_contents.h"

namespace vfs {

class BlobContents final : public FileContents {
 public:
  // Reads `bytes` in place. `keep_alive` must keep them valid and unchanged
  // for as long as it is held; it is shared with every clone. With a null
  // `keep_alive` the caller alone guarantees that the bytes outlive this
  // object and all its clones (e.g. a static array).
  explicit BlobContents(absl::Span<const uint8_t> bytes,
                        std::shared_ptr<const void> keep_alive = nullptr);

  // A blob owning a private copy of `bytes` (what a restore builds).
  static std::unique_ptr<BlobContents> CopyOf(absl::Span<const uint8_t> bytes);

  filesize_t Size() const override { return bytes_.size(); }
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override;
  ContentsCapabilities capabilities() const override {
    ContentsCapabilities caps;
    caps.writable = false;
    caps.resizable = false;
    return caps;
  }
  std::string_view backend_name() const override { return "blob"; }
  // O(1): the clone reads the same bytes and shares the keep-alive handle.
  // The bytes never change, so sharing them keeps the clone independent.
  std::unique_ptr<FileContents> Clone() const override;

  // The bytes read, in place (for zero-copy consumers and tests).
  absl::Span<const uint8_t> bytes() const { return bytes_; }
  const std::shared_ptr<const void>& keep_alive() const { return keep_alive_; }

 private:
  absl::Span<const uint8_t> bytes_;
  std::shared_ptr<const void> keep_alive_;
};

// Maps the host file at `path` read-only (MAP_PRIVATE, PROT_READ) and
// returns a blob over the mapping; the file descriptor is closed before
// returning, and the mapping is removed when the blob and its last clone are
// destroyed. An empty file gives an empty blob (nothing is mapped).
//
// The host must not truncate or rewrite the file while it is mapped: pages
// read after a truncation raise SIGBUS, and MAP_PRIVATE does not promise a
// stable view of concurrent writes by other processes.
//
// Errors, each naming the path: the status of open(2) or fstat(2) by its
// POSIX errno (NotFound for a missing file, PermissionDenied, ...);
// FailedPrecondition if the path is not a regular file; OutOfRange if the
// file does not fit in the address space; the status of mmap(2)'s errno.
absl::StatusOr<std::unique_ptr<BlobContents>> MapFileBlob(const std::string& path);

}  // namespace vfs

#endif  // BACKENDS_BLOB_CONTENTS_H_
