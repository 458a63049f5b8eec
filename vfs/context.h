// Context: one descriptor table over a Filesystem, with one method per
// WASI preview1 filesystem function. Methods take host-side types (spans,
// string_views, typed flags) and return WASI errno, with the semantics of
// wasmtime on Linux where the spec is silent (docs/error-model.md lists every
// choice; docs/conformance.md lists where we differ).
//
// This file does not touch guest memory: decoding pointers and encoding
// records is the guest ABI layer's job. The one exception is fd_readdir,
// whose output bytes are its contract.
//
// Order of checks in every call: argument values that need no descriptor
// (flag bits, fstflags, whence), then the descriptor (BADF), then its kind
// (BADF for a file operation on a directory, NOTDIR for a path operation on a
// non-directory, SPIPE for positioning a stream), then its rights
// (NOTCAPABLE), then the path, then the operation. A failed call changes
// nothing.
//
// Locking: every method takes the Filesystem's lock for its whole duration;
// the table is guarded by the same lock, so several Contexts over one
// Filesystem may be used from several threads.
#ifndef VFS_CONTEXT_H_
#define VFS_CONTEXT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "vfs/filesystem.h"
#include "vfs/path_resolver.h"
#include "vfs/result.h"
#include "vfs/stream.h"
#include "vfs/wasi_filesystem.h"
#include "vfs/wasi_types.h"

namespace vfs {


// A descriptor taken out of a Context by the host. Move-only; it keeps its
// inode open until it is inserted into a Context or destroyed.
class DescriptorHandle {
 public:
  DescriptorHandle() = default;
  DescriptorHandle(DescriptorHandle&&) = default;
  DescriptorHandle& operator=(DescriptorHandle&& other) noexcept;
  ~DescriptorHandle();
  bool valid() const { return file_ != nullptr; }

 private:
  friend class Context;
  DescriptorHandle(std::shared_ptr<Filesystem> fs, std::unique_ptr<OpenFile> f)
      : fs_(std::move(fs)), file_(std::move(f)) {}
  void Reset();
  std::shared_ptr<Filesystem> fs_;
  std::unique_ptr<OpenFile> file_;
};

// What the host sees of a descriptor.
struct FdInfo {
  Filetype filetype = Filetype::kUnknown;
  InodeId inode = 0;
  Rights base;
  Rights inheriting;
  Fdflags flags;
  filesize_t offset = 0;
  // The size of the file it names (0 for anything else), read without the
  // filestat_get right a guest would need.
  filesize_t size = 0;
  bool is_preopen = false;
  std::string preopen_name;
};

// Which ends of a stream a descriptor holds.
enum class StreamEnd { kRead, kWrite, kBoth };

struct ContextOptions {
  // Descriptors at most; path_open past it gives MFILE.
  size_t max_fds = 1024;
  // How long a blocking (no NONBLOCK) fd_read of an empty stream, or fd_write
  // to a full one, waits for a descriptor held elsewhere (another Context,
  // or a host DescriptorHandle) to make progress, before giving AGAIN. A
  // call never waits when every other end is in this Context: one guest
  // thread cannot unblock itself, so waiting could only deadlock. Zero
  // never waits.
  std::chrono::nanoseconds max_block = std::chrono::seconds(5);
};

class Context final : public WasiFilesystem {
 public:
  explicit Context(std::shared_ptr<Filesystem> fs, ContextOptions options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  Filesystem& fs() { return *fs_; }
  const ContextOptions& options() const { return options_; }
  const std::shared_ptr<Filesystem>& shared_fs() { return fs_; }

  // ---- Host API. A new Context has no descriptors at all: nothing is
  // visible to a guest until the host preopens it. ----

  // Preopens the directory at host path `path` (relative to the root) under
  // the guest-visible `guest_name`, at the lowest free fd >= 3. The rights
  // are the host's to choose; they are clipped to what a directory can hold.
  absl::StatusOr<fd_t> Preopen(std::string_view path, std::string_view guest_name,
                               Rights base = rights::kDirectoryBase,
                               Rights inheriting = rights::kDirectoryInheriting);
  // A preopen through which nothing can be created, removed, renamed,
  // written or resized, by any sequence of calls.
  absl::StatusOr<fd_t> PreopenReadOnly(std::string_view path,
                                       std::string_view guest_name);
  // Opens the existing regular file or directory at host path `path` and
  // installs it at `fd` (AlreadyExists if `fd` is taken). Rights are clipped
  // to the kind's maximum.
  absl::Status OpenAt(fd_t fd, std::string_view path, Rights base,
                      Rights inheriting = Rights());
  // Installs a new Buffer stream at `fd` (AlreadyExists if taken). A read
  // end with no `source` reads what the host Feeds, and reads end of file
  // once the host calls StreamCloseInput. A write end with a `sink` passes
  // bytes to it; without one, bytes wait for StreamDrain.
  absl::Status AttachStream(fd_t fd, StreamEnd ends, Stream::Sink sink = {},
                            Stream::Source source = {});
  // A pipe: returns (read fd, write fd). Hand one end to another Context
  // with RemoveDescriptor/InsertDescriptor.
  absl::StatusOr<std::pair<fd_t, fd_t>> CreatePipe();
  absl::Status StreamFeed(fd_t fd, std::string_view bytes);
  absl::StatusOr<std::string> StreamDrain(fd_t fd);
  absl::Status StreamCloseInput(fd_t fd);

  // Takes a descriptor out of this table (NotFound if `fd` is not open).
  absl::StatusOr<DescriptorHandle> RemoveDescriptor(fd_t fd);
  // Installs a handle at `fd`, emptying it. AlreadyExists if `fd` is taken;
  // InvalidArgument if the handle is empty or from another Filesystem. On
  // failure the handle is left untouched, so the host can retry elsewhere.
  absl::Status InsertDescriptor(fd_t fd, DescriptorHandle&& handle);
  absl::StatusOr<FdInfo> LookupDescriptor(fd_t fd);
  // Open descriptor numbers, ascending.
  std::vector<fd_t> OpenDescriptors();

  // poll_oneoff readiness (WasiFilesystem::PollReadiness).
  Result<PollState> PollReadiness(fd_t fd, bool write) override;

  // ---- WASI preview1 (documented in vfs/wasi_filesystem.h). ----

  Result<fd_t> path_open(fd_t fd, Lookupflags dirflags, std::string_view path,
                         Oflags oflags, Rights fs_rights_base,
                         Rights fs_rights_inheriting, Fdflags fdflags) override;
  Result<size_t> fd_read(fd_t fd, IoVecs iovs) override;
  Result<size_t> fd_pread(fd_t fd, IoVecs iovs, filesize_t offset) override;
  Result<size_t> fd_write(fd_t fd, ConstIoVecs iovs) override;
  Result<size_t> fd_pwrite(fd_t fd, ConstIoVecs iovs, filesize_t offset) override;
  Result<filesize_t> fd_seek(fd_t fd, int64_t offset, Whence whence) override;
  Result<filesize_t> fd_tell(fd_t fd) override;
  Errno fd_close(fd_t fd) override;
  Errno fd_renumber(fd_t fd, fd_t to) override;
  Errno fd_sync(fd_t fd) override;
  Errno fd_datasync(fd_t fd) override;
  Errno fd_advise(fd_t fd, filesize_t offset, filesize_t len, Advice advice) override;
  Errno fd_allocate(fd_t fd, filesize_t offset, filesize_t len) override;
  Result<Fdstat> fd_fdstat_get(fd_t fd) override;
  Errno fd_fdstat_set_flags(fd_t fd, Fdflags flags) override;
  Errno fd_fdstat_set_rights(fd_t fd, Rights fs_rights_base,
                             Rights fs_rights_inheriting) override;
  Result<Filestat> fd_filestat_get(fd_t fd) override;
  Errno fd_filestat_set_size(fd_t fd, filesize_t size) override;
  Errno fd_filestat_set_times(fd_t fd, timestamp_t atim, timestamp_t mtim,
                              Fstflags fst_flags) override;
  Result<size_t> fd_readdir(fd_t fd, absl::Span<uint8_t> buf,
                            dircookie_t cookie) override;
  Result<Prestat> fd_prestat_get(fd_t fd) override;
  Errno fd_prestat_dir_name(fd_t fd, absl::Span<uint8_t> path) override;
  Errno path_create_directory(fd_t fd, std::string_view path) override;
  Result<Filestat> path_filestat_get(fd_t fd, Lookupflags flags,
                                     std::string_view path) override;
  Errno path_filestat_set_times(fd_t fd, Lookupflags flags,
                                std::string_view path, timestamp_t atim,
                                timestamp_t mtim, Fstflags fst_flags) override;
  Errno path_link(fd_t old_fd, Lookupflags old_flags, std::string_view old_path,
                  fd_t new_fd, std::string_view new_path) override;
  Result<size_t> path_readlink(fd_t fd, std::string_view path,
                               absl::Span<uint8_t> buf) override;
  Errno path_remove_directory(fd_t fd, std::string_view path) override;
  Errno path_rename(fd_t fd, std::string_view old_path, fd_t new_fd,
                    std::string_view new_path) override;
  Errno path_symlink(std::string_view old_path, fd_t fd,
                     std::string_view new_path) override;
  Errno path_unlink_file(fd_t fd, std::string_view path) override;

 private:
  friend class StateAccess;  // serialize/: capture, rebuild and swap tables

  // Kind a call needs of its descriptor.
  enum class Need { kAny, kFile, kDir, kFileOrStream, kSeekable };

  // fd_read / fd_write on a stream, blocking as ContextOptions::max_block
  // says. `fd` is looked up again after every wait: another thread may have
  // closed or replaced it meanwhile.
  template <typename Iovecs, typename Transfer>
  Result<size_t> StreamTransfer(fd_t fd, Rights right, bool write, Iovecs iovs,
                                const Transfer& transfer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  // True if a descriptor outside this Context holds `stream`'s other side
  // (a write end, for a reader; any end, for a writer), so waiting may end.
  bool OtherSideElsewhere(const Inode* stream, bool write) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);

  // Finds `fd`, checks its kind and that it holds `required`.
  Result<OpenFile*> Get(fd_t fd, Need need, Rights required)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  Result<fd_t> Install(std::unique_ptr<OpenFile> file)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  fd_t LowestFreeFd(fd_t from) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  Result<Resolution> ResolveAt(OpenFile* dir, std::string_view path,
                               FollowFinal policy, bool creating = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  // For two-path calls (link, rename): checks both descriptors and rights,
  // then resolves both paths (kEntry) before anything is acted on.
  Result<std::pair<Resolution, Resolution>> ResolvePair(
      fd_t old_fd, Rights old_right, std::string_view old_path, fd_t new_fd,
      Rights new_right, std::string_view new_path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  Result<size_t> ReadAt(OpenFile* f, IoVecs iovs, filesize_t offset)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  Result<size_t> WriteAt(OpenFile* f, ConstIoVecs iovs, filesize_t offset)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  Errno SetTimes(Inode* inode, timestamp_t atim, timestamp_t mtim,
                 Fstflags flags) ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  Errno Resize(Inode* inode, filesize_t size)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);
  absl::StatusOr<Inode*> StreamAt(fd_t fd) ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu_);

  std::shared_ptr<Filesystem> fs_;
  const ContextOptions options_;
  absl::flat_hash_map<fd_t, std::unique_ptr<OpenFile>> fds_
      ABSL_GUARDED_BY(fs_->mu_);
};

}  // namespace vfs

#endif  // VFS_CONTEXT_H_
