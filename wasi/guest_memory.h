// GuestMemory: a bounds-checked view of a guest's linear memory for the
// duration of one host call. Every access checks `ptr + len <= size` in
// 64-bit arithmetic (so nothing wraps at 2^32) and, for typed values, the
// natural alignment the witx layout gives them. A failed check means the
// call traps; nothing outside linear memory is ever read or written.
//
// The view must not outlive the call: memory.grow may move the buffer.
#ifndef WASI_GUEST_MEMORY_H_
#define WASI_GUEST_MEMORY_H_

#include <cstdint>
#include <cstring>
#include <string_view>

#include "absl/types/span.h"

namespace vfs::wasi {

class GuestMemory {
 public:
  GuestMemory() = default;
  GuestMemory(uint8_t* data, uint64_t size) : data_(data), size_(size) {}

  uint64_t size() const { return size_; }

  bool InBounds(uint32_t ptr, uint64_t len) const {
    return data_ != nullptr && uint64_t{ptr} <= size_ && len <= size_ - ptr;
  }

  // The bytes [ptr, ptr + len), or false if out of bounds.
  bool Bytes(uint32_t ptr, uint32_t len, absl::Span<uint8_t>* out) const {
    if (!InBounds(ptr, len)) return false;
    *out = absl::MakeSpan(data_ + ptr, len);
    return true;
  }
  bool String(uint32_t ptr, uint32_t len, std::string_view* out) const {
    if (!InBounds(ptr, len)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(data_ + ptr), len);
    return true;
  }

  // Little-endian loads and stores of an aligned T (wasm is little-endian,
  // and so is every host this builds for).
  template <typename T>
  bool Load(uint32_t ptr, T* out) const {
    if (ptr % alignof(T) != 0 || !InBounds(ptr, sizeof(T))) return false;
    std::memcpy(out, data_ + ptr, sizeof(T));
    return true;
  }
  template <typename T>
  bool Store(uint32_t ptr, T value) {
    if (ptr % alignof(T) != 0 || !InBounds(ptr, sizeof(T))) return false;
    std::memcpy(data_ + ptr, &value, sizeof(T));
    return true;
  }
  // A struct region of `len` bytes that must be aligned to `align`.
  bool Region(uint32_t ptr, uint32_t len, uint32_t align,
              absl::Span<uint8_t>* out) const {
    if (ptr % align != 0) return false;
    return Bytes(ptr, len, out);
  }

 private:
  uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace vfs::wasi

#endif  // WASI_GUEST_MEMORY_H_
