// Redirection of a guest's standard streams: stdin from a string or a host
// file descriptor, stdout and stderr to a capture buffer, a callback or a
// host file descriptor. Thin helpers over Context::AttachStream, which
// installs a Buffer (stream) inode at the descriptor number.
//
// Sinks and sources run with the Filesystem lock held: the callbacks given
// here must not call back into the Filesystem or its Contexts. A sink's
// error fails the guest's fd_write with that errno; a host descriptor that
// fails gives IO.
#ifndef BACKENDS_STDIO_H_
#define BACKENDS_STDIO_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "vfs/context.h"

namespace vfs::stdio {

// Everything written to the streams it is attached to, in order; safe to
// read from another thread while the guest runs. Attach one Capture to
// several descriptors to interleave them (as a terminal would).
class Capture {
 public:
  Capture();
  // A sink appending to this capture (it keeps the buffer alive).
  Stream::Sink sink() const;
  // The bytes so far; Take() also empties the buffer.
  std::string contents() const;
  std::string Take();

 private:
  struct Buffer {
    mutable std::mutex mu;
    std::string bytes;
  };
  std::shared_ptr<Buffer> buf_;
};

// Installs a read stream at `fd` (AlreadyExists if taken) that reads
// `bytes` and then end of file.
absl::Status StdinFromString(Context& ctx, std::string_view bytes, fd_t fd = 0);
// Installs a read stream at `fd` reading from host descriptor `host_fd`
// (not owned; it must outlive the stream) with read(2), which may block the
// guest as a real stdin does. End of file when read(2) returns 0.
absl::Status StdinFromHostFd(Context& ctx, int host_fd, fd_t fd = 0);
// Installs a write stream at `fd` whose bytes go to `capture`.
absl::Status OutputToCapture(Context& ctx, fd_t fd, const Capture& capture);
// Installs a write stream at `fd` whose bytes go to `fn`, in order.
absl::Status OutputToCallback(Context& ctx, fd_t fd,
                              std::function<void(std::string_view)> fn);
// Installs a write stream at `fd` whose bytes are written, whole, to host
// descriptor `host_fd` (not owned) with write(2).
absl::Status OutputToHostFd(Context& ctx, fd_t fd, int host_fd);

}  // namespace vfs::stdio

#endif  // BACKENDS_STDIO_H_
