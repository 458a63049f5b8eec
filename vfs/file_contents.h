// FileContents: the storage behind one regular file. Custom backends
// implement this interface; the core never looks behind it.
//
// This header defines the interface and its contract only. The default
// in-memory implementation is backends/memory_contents.h.
//
// Contract (every implementation must honour it; tests/support has a kit):
// - Methods are called with the owning Filesystem's lock held. They must not
//   call back into the Filesystem, and need no locking of their own unless
//   the backend is shared outside the Filesystem.
// - Offsets and sizes are bytes. The Filesystem checks its file-size cap and
//   overflow before calling, so `offset + len` never overflows uint64_t.
// - A method a backend cannot perform returns Errno::kNotsup (the default
//   implementations below do), except where stated.
// - A failed call changes nothing observable.
#ifndef VFS_FILE_CONTENTS_H_
#define VFS_FILE_CONTENTS_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/types/span.h"
#include "vfs/result.h"
#include "vfs/wasi_types.h"

namespace vfs {

// What a backend can do. The Filesystem consults these before calling, so a
// read-only backend produces the right errno without writing any code.
struct ContentsCapabilities {
  bool writable = true;    // Write, Resize and Allocate may succeed.
  bool resizable = true;   // the size may change (false: fixed-size device)
};

class FileContents {
 public:
  virtual ~FileContents() = default;

  // The current size in bytes.
  virtual filesize_t Size() const = 0;

  // Copies bytes starting at `offset` into `out` and returns how many were
  // copied. It must return out.size() unless the read reaches the end of the
  // file: a short read means end of file, and a read at or past the end
  // returns 0. Bytes in a gap (never written, below Size()) read as zero.
  virtual Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const = 0;

  // Writes all of `data` at `offset`, growing the file if the write ends
  // past Size(). A gap between the old end and `offset` must read as zeros.
  // It writes everything or returns an error and changes nothing.
  virtual Result<size_t> Write(filesize_t offset, absl::Span<const uint8_t> data);

  // Sets the size. Growing adds zeros; shrinking discards the tail, and a
  // later growth must read the discarded range as zeros.
  virtual Errno Resize(filesize_t size);

  // Ensures Size() >= offset + len (the extension reads as zeros). It never
  // shrinks the file.
  virtual Errno Allocate(filesize_t offset, filesize_t len);

  // Makes written data durable for backends with a backing store. The
  // default succeeds: memory has nothing to flush.
  virtual Errno Sync() { return Errno::kSuccess; }

  virtual ContentsCapabilities capabilities() const { return {}; }

  // A stable name for the backend ("memory", ...). Snapshots use it to find
  // the backend that can restore the payload.
  virtual std::string_view backend_name() const = 0;

  // An independent copy (used by fork). The default copies bytes through
  // Read into a memory backend; backends with shareable storage override it.
  virtual std::unique_ptr<FileContents> Clone() const;
};

}  // namespace vfs

#endif  // VFS_FILE_CONTENTS_H_
