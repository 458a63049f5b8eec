// Stream: the payload of a Buffer inode, a FIFO byte stream used for stdio
// and pipes. Not seekable. It is owned by its inode and touched only with the
// Filesystem lock held.
//
// End of file: a read on an empty stream returns 0 once no writer remains
// (no descriptor holding the write end, and the host has closed its input);
// while a writer remains it returns AGAIN, because a single-threaded guest
// blocking here could never be woken.
#ifndef VFS_STREAM_H_
#define VFS_STREAM_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "vfs/result.h"

namespace vfs {

class Stream {
 public:
  // Receives every byte written, in order, instead of buffering it (e.g. the
  // process's stdout). Called with the Filesystem lock held: it must not call
  // back into the Filesystem. Returning an error fails the write.
  using Sink = std::function<Errno(absl::Span<const uint8_t>)>;
  // Supplies bytes when the buffer is empty (e.g. the process's stdin).
  // Returns the count written into the span, 0 for end of input.
  using Source = std::function<Result<size_t>(absl::Span<uint8_t>)>;

  // Bounds the buffered bytes so a guest cannot make the host allocate
  // without limit; a write that does not fit writes what fits (a short
  // write), or returns AGAIN if nothing fits.
  static constexpr size_t kDefaultCapacity = 64 * 1024 * 1024;

  explicit Stream(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  Result<size_t> Read(absl::Span<uint8_t> out);
  Result<size_t> Write(absl::Span<const uint8_t> data);

  // Host side: append bytes to be read (ignores capacity: the host decides),
  // take everything buffered, and mark the end of the host's input.
  void Feed(std::string_view bytes) { buf_.append(bytes.data(), bytes.size()); }
  std::string Drain();
  void CloseInput() { host_input_open_ = false; }

  void set_sink(Sink s) { sink_ = std::move(s); }
  void set_source(Source s) { source_ = std::move(s); }
  bool host_input_open() const { return host_input_open_; }
  bool has_source() const { return static_cast<bool>(source_); }
  // True once a read found nothing buffered and no writer left, or the host
  // source reported end of input (cleared if the source later has more).
  bool at_end() const;
  void set_host_input_open(bool open) { host_input_open_ = open; }

  size_t buffered() const { return buf_.size() - read_pos_; }
  // The bytes written but not yet read (what a snapshot saves).
  std::string_view unread() const {
    return std::string_view(buf_).substr(read_pos_);
  }
  size_t capacity() const { return capacity_; }
  int open_writers = 0;  // descriptors holding the write end

 private:
  std::string buf_;
  size_t read_pos_ = 0;
  size_t capacity_;
  bool host_input_open_ = false;
  Sink sink_;
  Source source_;
  bool source_ended_ = false;
};

}  // namespace vfs

#endif  // VFS_STREAM_H_
