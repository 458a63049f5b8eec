// WasiFilesystem: the preview1 filesystem calls as an interface, so that a
// decorator can stand between a guest and a Context. vfs::Context is the
// implementation; fixtures/journal.h's JournalingContext records every call
// and forwards it. wasi/abi.h drives whichever it is given.
//
// Context is `final`, so code holding a Context& calls these methods
// directly, without virtual dispatch; only code that holds a
// WasiFilesystem& (the ABI) pays for the indirection.
#ifndef VFS_WASI_FILESYSTEM_H_
#define VFS_WASI_FILESYSTEM_H_

#include <cstdint>
#include <string_view>

#include "absl/types/span.h"
#include "vfs/result.h"
#include "vfs/wasi_types.h"

namespace vfs {

using IoVecs = absl::Span<const absl::Span<uint8_t>>;
using ConstIoVecs = absl::Span<const absl::Span<const uint8_t>>;

class WasiFilesystem {
 public:
  virtual ~WasiFilesystem() = default;

  // Readiness of `fd` for poll_oneoff: a file is always ready (nbytes = the
  // bytes after the offset when reading); a stream is ready to read when it
  // holds bytes or has reached end of file (hangup), and always ready to
  // write. Needs POLL_FD_READWRITE; a directory is BADF.
  struct PollState {
    bool ready = false;
    filesize_t nbytes = 0;
    bool hangup = false;
  };
  virtual Result<PollState> PollReadiness(fd_t fd, bool write) = 0;

  // ---- WASI preview1. Parameter order and names follow the witx. ----

  virtual Result<fd_t> path_open(fd_t fd, Lookupflags dirflags, std::string_view path,
                                 Oflags oflags, Rights fs_rights_base,
                                 Rights fs_rights_inheriting, Fdflags fdflags) = 0;
  virtual Result<size_t> fd_read(fd_t fd, IoVecs iovs) = 0;
  virtual Result<size_t> fd_pread(fd_t fd, IoVecs iovs, filesize_t offset) = 0;
  virtual Result<size_t> fd_write(fd_t fd, ConstIoVecs iovs) = 0;
  virtual Result<size_t> fd_pwrite(fd_t fd, ConstIoVecs iovs, filesize_t offset) = 0;
  virtual Result<filesize_t> fd_seek(fd_t fd, int64_t offset, Whence whence) = 0;
  virtual Result<filesize_t> fd_tell(fd_t fd) = 0;
  virtual Errno fd_close(fd_t fd) = 0;
  virtual Errno fd_renumber(fd_t fd, fd_t to) = 0;
  virtual Errno fd_sync(fd_t fd) = 0;
  virtual Errno fd_datasync(fd_t fd) = 0;
  virtual Errno fd_advise(fd_t fd, filesize_t offset, filesize_t len, Advice advice) = 0;
  virtual Errno fd_allocate(fd_t fd, filesize_t offset, filesize_t len) = 0;
  virtual Result<Fdstat> fd_fdstat_get(fd_t fd) = 0;
  virtual Errno fd_fdstat_set_flags(fd_t fd, Fdflags flags) = 0;
  virtual Errno fd_fdstat_set_rights(fd_t fd, Rights fs_rights_base,
                                     Rights fs_rights_inheriting) = 0;
  virtual Result<Filestat> fd_filestat_get(fd_t fd) = 0;
  virtual Errno fd_filestat_set_size(fd_t fd, filesize_t size) = 0;
  virtual Errno fd_filestat_set_times(fd_t fd, timestamp_t atim, timestamp_t mtim,
                                      Fstflags fst_flags) = 0;
  // Fills `buf` with dirents (24-byte witx header + name) starting after
  // `cookie`, and returns the bytes used. A result equal to buf.size() means
  // the listing may continue (the last entry may be cut short).
  virtual Result<size_t> fd_readdir(fd_t fd, absl::Span<uint8_t> buf,
                                    dircookie_t cookie) = 0;
  virtual Result<Prestat> fd_prestat_get(fd_t fd) = 0;
  virtual Errno fd_prestat_dir_name(fd_t fd, absl::Span<uint8_t> path) = 0;
  virtual Errno path_create_directory(fd_t fd, std::string_view path) = 0;
  virtual Result<Filestat> path_filestat_get(fd_t fd, Lookupflags flags,
                                             std::string_view path) = 0;
  virtual Errno path_filestat_set_times(fd_t fd, Lookupflags flags,
                                        std::string_view path, timestamp_t atim,
                                        timestamp_t mtim, Fstflags fst_flags) = 0;
  virtual Errno path_link(fd_t old_fd, Lookupflags old_flags, std::string_view old_path,
                          fd_t new_fd, std::string_view new_path) = 0;
  virtual Result<size_t> path_readlink(fd_t fd, std::string_view path,
                                       absl::Span<uint8_t> buf) = 0;
  virtual Errno path_remove_directory(fd_t fd, std::string_view path) = 0;
  virtual Errno path_rename(fd_t fd, std::string_view old_path, fd_t new_fd,
                            std::string_view new_path) = 0;
  virtual Errno path_symlink(std::string_view old_path, fd_t fd,
                             std::string_view new_path) = 0;
  virtual Errno path_unlink_file(fd_t fd, std::string_view path) = 0;
};

}  // namespace vfs

#endif  // VFS_WASI_FILESYSTEM_H_
