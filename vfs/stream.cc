#include "vfs/stream.h"

#include <algorithm>
#include <cstring>

namespace vfs {

Result<size_t> Stream::Read(absl::Span<uint8_t> out) {
  if (out.empty()) return size_t{0};
  if (buffered() == 0) {
    if (source_) {
      Result<size_t> n = source_(out);
      if (n.ok()) source_ended_ = *n == 0;
      return n;
    }
    if (open_writers > 0 || host_input_open_) return Errno::kAgain;
    return size_t{0};  // end of file
  }
  const size_t n = std::min(out.size(), buffered());
  std::memcpy(out.data(), buf_.data() + read_pos_, n);
  read_pos_ += n;
  // Compact once the consumed prefix dominates, keeping reads amortised O(n).
  if (read_pos_ == buf_.size()) {
    buf_.clear();
    read_pos_ = 0;
  } else if (read_pos_ > buf_.size() / 2) {
    buf_.erase(0, read_pos_);
    read_pos_ = 0;
  }
  return n;
}

Result<size_t> Stream::Write(absl::Span<const uint8_t> data) {
  if (data.empty()) return size_t{0};
  if (sink_) {
    VFS_RETURN_IF_ERROR(sink_(data));
    return data.size();
  }
  const size_t room = capacity_ > buffered() ? capacity_ - buffered() : 0;
  if (room == 0) return Errno::kAgain;
  const size_t n = std::min(room, data.size());
  buf_.append(reinterpret_cast<const char*>(data.data()), n);
  return n;
}

bool Stream::at_end() const {
  if (buffered() > 0) return false;
  if (source_) return source_ended_;
  return open_writers == 0 && !host_input_open_;
}

std::string Stream::Drain() {
  std::string out = buf_.substr(read_pos_);
  buf_.clear();
  read_pos_ = 0;
  return out;
}

}  // namespace vfs
