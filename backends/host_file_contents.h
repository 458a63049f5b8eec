// HostFileContents: a FileContents whose bytes live in a real host file and
// are read on demand, so importing a large host tree costs metadata only.
//
// Two modes:
// - kCopyOnWrite (the default): the host file is never changed. Writes go to
//   an in-memory overlay at 64 KiB chunk granularity: the first write into a
//   chunk copies that chunk's host bytes into the overlay (only the chunks a
//   write covers partially need their host bytes; a chunk the write covers
//   entirely is just claimed), and from then on the chunk is read from the
//   overlay. Chunks never written are read from the host file. So a 1-byte
//   write into a 1 GiB file costs one 64 KiB chunk of memory.
// - kWriteThrough: writes, resizes and Sync go to the host file itself
//   (pwrite, ftruncate, fsync). This gives the guest a way to change host
//   files; it exists for hosts that want exactly that, and is never the
//   default. A host I/O error in the middle of a pwrite loop can leave a
//   prefix of the write on the host (the host filesystem's own atomicity is
//   all there is), so "a failed call changes nothing" holds only as far as
//   the host file allows.
//
// What this file does not do: it does not watch the host file. The size is
// recorded (fstat) when the contents is created and only this object changes
// it afterwards. If the host file shrinks behind our back, the missing bytes
// read as zeros up to the recorded size; if it grows, the extra bytes are not
// seen. In copy-on-write mode, other writers of the host file change what the
// guest reads in chunks it has not written; the guest is expected to own the
// tree while it runs.
//
// Host descriptors (O_CLOEXEC; O_RDONLY for copy-on-write, O_RDWR for
// write-through) are held in a bounded process-wide cache, least recently
// used first out (SetMaxOpenHostFiles; by default 256, or a quarter of the
// process's descriptor limit if that is lower), so a tree of any
// number of files can be imported without running out of descriptors. A
// file whose descriptor is still cached stays readable after it is removed
// or renamed on the host, as an open file does on POSIX; once evicted it is
// reopened by path, and if that path no longer names the same file (device
// and inode as at import; for copy-on-write also size and ctime, since inode
// numbers are reused), reads give IO rather than another file's bytes.
//
// Snapshots: the backend name is "host_file". A snapshot stores the bytes
// (the codec lives in serialize/backend_registry.cc), and a restore yields a
// plain memory file: a snapshot never refers to host paths.
//
// Locking: like every FileContents, methods are called with the owning
// Filesystem's lock held. Clones may live in other Filesystems on other
// threads; they share only the host descriptor, which is used through
// pread (no shared file offset), and the overlay's copy-on-write buffers,
// which MemoryContents already makes safe to share.
#ifndef BACKENDS_HOST_FILE_CONTENTS_H_
#define BACKENDS_HOST_FILE_CONTENTS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/btree_set.h"
#include "absl/status/statusor.h"
#include "backends/memory_contents.h"
#include "vfs/file_contents.h"

namespace vfs {

enum class HostFileMode {
  kCopyOnWrite,   // the host file is only read; writes stay in memory
  kWriteThrough,  // writes, resizes and syncs change the host file
};

class HostFileContents final : public FileContents {
 public:
  static constexpr int kChunkShift = MemoryContents::kChunkShift;
  static constexpr size_t kChunkSize = MemoryContents::kChunkSize;

  // Opens the host file at `path` (following symlinks, as open(2) does) and
  // records its size. Nothing is read. Errors, each naming the path:
  // NotFound / PermissionDenied / ... from open(2) (mapped from the POSIX
  // errno; write-through needs write permission, so a read-only host file
  // fails in that mode), FailedPrecondition if the path is not a regular
  // file (a directory, FIFO, device, socket), Internal if fstat fails.
  static absl::StatusOr<std::unique_ptr<HostFileContents>> Open(
      const std::string& path, HostFileMode mode = HostFileMode::kCopyOnWrite);

  ~HostFileContents() override;

  filesize_t Size() const override { return size_; }
  // Host bytes are read with pread at the requested range; a host I/O error
  // is kIo (and `out` may then hold partial data; nothing else changes).
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override;
  // Copy-on-write: kIo if a chunk's host bytes cannot be read (nothing
  // changes). Write-through: kNospc, kFbig, kDquot, kRofs or kIo from
  // pwrite (see the file comment on partial writes).
  Result<size_t> Write(filesize_t offset, absl::Span<const uint8_t> data) override;
  // Copy-on-write never fails. Write-through: the host file is ftruncated;
  // kNospc, kFbig, kDquot, kRofs or kIo if that fails (nothing changes).
  Errno Resize(filesize_t size) override;
  // Extends the size like Resize (never shrinks); same errors.
  Errno Allocate(filesize_t offset, filesize_t len) override;
  // Write-through: fsync, kIo on failure. Copy-on-write: nothing to flush.
  Errno Sync() override;
  ContentsCapabilities capabilities() const override {
    return {/*writable=*/true, /*resizable=*/true};
  }
  std::string_view backend_name() const override { return "host_file"; }
  // An independent copy, always copy-on-write: a clone never writes to the
  // host. A copy-on-write original shares the host descriptor and its
  // overlay (copy-on-write, O(1) for the bytes). A write-through original
  // keeps changing the host file, so sharing it would let the original's
  // later writes show through in the clone: the clone copies the current
  // bytes into its overlay instead (a cost proportional to the file size).
  // Chunks that cannot be read at clone time (a host I/O error) stay backed
  // by the host file and are read from it lazily.
  std::unique_ptr<FileContents> Clone() const override;

  HostFileMode mode() const { return mode_; }
  // The host path given to Open (clones report the original's).
  const std::string& host_path() const;
  // Bytes held by the overlay (what copy-on-write writes cost in memory).
  size_t overlay_bytes() const { return overlay_->allocated_bytes(); }

  // Bytes read from host files by every HostFileContents in the process
  // since it started (a monotonic counter; tests use it to show that an
  // import reads nothing and that reads are lazy).
  static uint64_t host_bytes_read() { return host_bytes_read_.load(); }

  // At most `n` (>= 1) host descriptors are kept open by all HostFileContents
  // of the process (more only while more calls run at once); excess ones are
  // closed now. Host descriptors open right now, for tests.
  static void SetMaxOpenHostFiles(size_t n);
  static size_t open_host_files();

 private:
  struct HostFile;  // the path and identity, shared by clones
  struct FdCache;   // the bounded set of open host descriptors
  class FdLease;    // a descriptor pinned open for one call

  HostFileContents(std::shared_ptr<const HostFile> file, HostFileMode mode,
                   filesize_t size);

  // True if chunk `idx` is read from the overlay rather than the host.
  bool InOverlay(uint64_t idx) const;
  // Fills `out` with host bytes from `offset`; bytes at or past `limit` (and
  // past the host file's current end) read as zero. kIo on a host error.
  Errno ReadHost(filesize_t offset, absl::Span<uint8_t> out, filesize_t limit) const;
  Result<size_t> WriteCopyOnWrite(filesize_t offset, absl::Span<const uint8_t> data);
  Result<size_t> WriteThrough(filesize_t offset, absl::Span<const uint8_t> data);
  Errno ResizeCopyOnWrite(filesize_t size);

  static std::atomic<uint64_t> host_bytes_read_;

  std::shared_ptr<const HostFile> file_;
  HostFileMode mode_;
  filesize_t size_;
  // Copy-on-write state (a write-through file leaves it empty and unused).
  // Host bytes are part of the contents only below base_limit_: it starts
  // at the recorded host size and only ever decreases (a shrink discards
  // host bytes for good, so growing again reads zeros there, whatever the
  // host file holds). Chunk `i` is read from the overlay if it is in
  // materialised_ or starts at or past base_limit_ (such a chunk has no host
  // bytes left, so it never needs materialising). The overlay's size always
  // equals size_, which makes its own shrink-then-grow zeroing ours.
  filesize_t base_limit_;
  std::unique_ptr<MemoryContents> overlay_;
  absl::btree_set<uint64_t> materialised_;
};

}  // namespace vfs

#endif  // BACKENDS_HOST_FILE_CONTENTS_H_
