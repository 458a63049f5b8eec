// Sandbox: the fixture most tests start from. A Filesystem on a
// DeterministicClock, built from a tree spec, with one Context that has
// `base` preopened read-write. Its destructor runs Fsck and fails the test
// case if any invariant is broken, so every test is followed by fsck.
//
// Also small wrappers over the preview1 calls that turn spans and strings
// into the common cases (open, write a string, read everything, list a
// directory) so tests read as the behaviour they check.
#ifndef TESTS_SUPPORT_SANDBOX_H_
#define TESTS_SUPPORT_SANDBOX_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vfs/context.h"
#include "vfs/filesystem.h"

// CHECK that an Errno equals the expected one, printing both by name.
#define CHECK_ERRNO(got, want)                                 \
  do {                                                         \
    const ::vfs::Errno got_ = (got);                           \
    const ::vfs::Errno want_ = (want);                         \
    INFO("got " << ::vfs::ErrnoName(got_) << ", want "         \
                << ::vfs::ErrnoName(want_));                   \
    CHECK(got_ == want_);                                      \
  } while (0)

// REQUIRE that an Errno-returning call succeeded, printing the call.
#define REQUIRE_OK(expr)                                  \
  do {                                                    \
    const ::vfs::Errno e_ = (expr);                       \
    INFO(#expr << " -> " << ::vfs::ErrnoName(e_));        \
    REQUIRE(e_ == ::vfs::Errno::kSuccess);                \
  } while (0)

namespace vfs::testing {

// The value of a successful call, or a value-initialised T, so that a
// failing call fails the CHECK around it instead of asserting.
template <typename T>
T ValueOrDefault(const Result<T>& r) {
  if (!r.ok()) {
    UNSCOPED_INFO("call failed with " << ErrnoName(r.error()));
    return T{};
  }
  return r.value();
}

// The errno of a Result: kSuccess or its error.
template <typename T>
Errno E(const Result<T>& r) {
  return r.ok() ? Errno::kSuccess : r.error();
}

class Sandbox {
 public:
  // Builds `spec` (see tree_builder.h); `base/` is always created and
  // preopened as "/sandbox" at fd 3 with full directory rights.
  explicit Sandbox(std::string_view spec = "");
  // The same over a Filesystem with `options` (a DeterministicClock is
  // supplied if options.clock is null).
  Sandbox(std::string_view spec, FilesystemOptions options);
  ~Sandbox();

  Filesystem& fs() { return *fs_; }
  Context& ctx() { return *ctx_; }
  fd_t base() const { return base_fd_; }

  std::shared_ptr<Filesystem> fs_;
  std::unique_ptr<Context> ctx_;
  fd_t base_fd_ = 0;
};

// Lookup flags, named for what they do.
inline constexpr Lookupflags kFollow = lookupflags::kSymlinkFollow;
inline constexpr Lookupflags kNoFollow{};

// Rights a file descriptor may hold at most, for requests "with everything".
inline constexpr Rights kAllFileRights = rights::kRegularFileBase;

// path_open with the common defaults: follow symlinks, all file rights.
Result<fd_t> Open(WasiFilesystem& ctx, fd_t dir, std::string_view path,
                  Oflags oflags = Oflags(), Rights base = rights::kAll,
                  Rights inheriting = rights::kAll, Fdflags fdflags = Fdflags(),
                  Lookupflags lookup = lookupflags::kSymlinkFollow);
// fd_write of one buffer; returns bytes written or the errno.
Result<size_t> Write(WasiFilesystem& ctx, fd_t fd, std::string_view bytes);
// fd_pwrite of one buffer.
Result<size_t> PWrite(WasiFilesystem& ctx, fd_t fd, std::string_view bytes,
                      filesize_t offset);
// One fd_read of up to `len` bytes (a stream's AGAIN or EOF shows as is).
Result<std::string> ReadSome(WasiFilesystem& ctx, fd_t fd, size_t len);
// fd_read until end of file (or up to `max` bytes).
Result<std::string> ReadAll(WasiFilesystem& ctx, fd_t fd, size_t max = 1 << 20);
// fd_pread of up to `len` bytes.
Result<std::string> PRead(WasiFilesystem& ctx, fd_t fd, size_t len, filesize_t offset);

struct Listed {
  std::string name;
  inode_t ino;
  Filetype type;
  dircookie_t next;
};
// The whole listing through fd_readdir from cookie 0, with a buffer of
// `buf_len` bytes per call, following cookies; decodes the dirents.
Result<std::vector<Listed>> ListDir(WasiFilesystem& ctx, fd_t fd, size_t buf_len = 4096);
// Just the names, in listing order.
std::vector<std::string> Names(const std::vector<Listed>& listing);

}  // namespace vfs::testing

#endif  // TESTS_SUPPORT_SANDBOX_H_
