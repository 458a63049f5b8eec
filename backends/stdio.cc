#include "backends/stdio.h"

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace vfs::stdio {

Capture::Capture() : buf_(std::make_shared<Buffer>()) {}

Stream::Sink Capture::sink() const {
  return [buf = buf_](absl::Span<const uint8_t> data) {
    std::lock_guard<std::mutex> lock(buf->mu);
    buf->bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Errno::kSuccess;
  };
}

std::string Capture::contents() const {
  std::lock_guard<std::mutex> lock(buf_->mu);
  return buf_->bytes;
}

std::string Capture::Take() {
  std::lock_guard<std::mutex> lock(buf_->mu);
  return std::exchange(buf_->bytes, std::string());
}

absl::Status StdinFromString(Context& ctx, std::string_view bytes, fd_t fd) {
  absl::Status s = ctx.AttachStream(fd, StreamEnd::kRead);
  if (s.ok()) s = ctx.StreamFeed(fd, bytes);
  if (s.ok()) s = ctx.StreamCloseInput(fd);
  return s;
}

absl::Status StdinFromHostFd(Context& ctx, int host_fd, fd_t fd) {
  Stream::Source source = [host_fd](absl::Span<uint8_t> out) -> Result<size_t> {
    for (;;) {
      const ssize_t n = ::read(host_fd, out.data(), out.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return Errno::kIo;
    }
  };
  return ctx.AttachStream(fd, StreamEnd::kRead, {}, std::move(source));
}

absl::Status OutputToCapture(Context& ctx, fd_t fd, const Capture& capture) {
  return ctx.AttachStream(fd, StreamEnd::kWrite, capture.sink());
}

absl::Status OutputToCallback(Context& ctx, fd_t fd,
                              std::function<void(std::string_view)> fn) {
  if (!fn) return absl::InvalidArgumentError("null output callback");
  Stream::Sink sink = [fn = std::move(fn)](absl::Span<const uint8_t> data) {
    fn(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
    return Errno::kSuccess;
  };
  return ctx.AttachStream(fd, StreamEnd::kWrite, std::move(sink));
}

absl::Status OutputToHostFd(Context& ctx, fd_t fd, int host_fd) {
  Stream::Sink sink = [host_fd](absl::Span<const uint8_t> data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(host_fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Errno::kIo;
      done += static_cast<size_t>(n);
    }
    return Errno::kSuccess;
  };
  return ctx.AttachStream(fd, StreamEnd::kWrite, std::move(sink));
}

}  // namespace vfs::stdio
