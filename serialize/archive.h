// The primitive encoding of a snapshot: cereal's portable binary archive
// (little-endian, fixed-width integers) over memory, wrapped so that reading
// is bounded.
//
// SnapshotWriter appends to a std::string. SnapshotReader reads from a span
// and knows how many bytes remain, which is what makes hostile input safe:
// every count and length is checked against the remaining bytes before
// anything is allocated for it (cereal's own container loaders would resize
// to whatever a length prefix claims). Reading past the end throws, and the
// snapshot code turns that into a DataLoss status; nothing outside
// serialize/ ever sees an exception.
//
// Backend codecs (serialize/backend_registry.h) use these two classes for
// their payloads, so everything in a snapshot is encoded one way.
#ifndef SERIALIZE_ARCHIVE_H_
#define SERIALIZE_ARCHIVE_H_

#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "cereal/archives/portable_binary.hpp"

namespace vfs {

// Thrown by SnapshotReader on malformed input; caught inside serialize/.
class SnapshotFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SnapshotWriter {
 public:
  // Appends to `*out`, which must outlive the writer.
  explicit SnapshotWriter(std::string* out);
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  void U8(uint8_t v) { (*archive_)(v); }
  void U16(uint16_t v) { (*archive_)(v); }
  void U32(uint32_t v) { (*archive_)(v); }
  void U64(uint64_t v) { (*archive_)(v); }
  void Bool(bool v) { U8(v ? 1 : 0); }
  // Raw bytes, no length.
  void Raw(absl::Span<const uint8_t> bytes);
  // A u64 length, then the bytes.
  void String(std::string_view s);

  // Bytes written so far (including anything already in the string).
  size_t position() const { return out_->size(); }
  // Reserves a u64 to be filled in later by PatchU64 (used for lengths that
  // are known only after the bytes they cover are written).
  size_t ReserveU64();
  void PatchU64(size_t at, uint64_t v);

 private:
  class Buf : public std::streambuf {
   public:
    explicit Buf(std::string* out) : out_(out) {}
   protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override;
    int_type overflow(int_type c) override;
   private:
    std::string* out_;
  };
  std::string* out_;
  Buf buf_;
  std::ostream stream_;
  std::unique_ptr<cereal::PortableBinaryOutputArchive> archive_;
};

class SnapshotReader {
 public:
  // Reads `bytes`, which must outlive the reader.
  explicit SnapshotReader(absl::Span<const uint8_t> bytes);
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

  uint8_t U8() { return Get<uint8_t>(); }
  uint16_t U16() { return Get<uint16_t>(); }
  uint32_t U32() { return Get<uint32_t>(); }
  uint64_t U64() { return Get<uint64_t>(); }
  // A byte that must be 0 or 1.
  bool Bool();
  // A view of the next `n` raw bytes (no copy).
  absl::Span<const uint8_t> Raw(uint64_t n);
  // A u64 length (at most `max_len`), then that many bytes.
  std::string String(uint64_t max_len, std::string_view what);
  // A u64 element count, checked against the remaining bytes: each element
  // takes at least `min_element_bytes`, so the count cannot promise more
  // elements than the input could hold. Callers may reserve() it safely.
  uint64_t Count(uint64_t min_element_bytes, std::string_view what);

  // Bytes not yet read (within the current limit).
  uint64_t remaining() const;
  // Narrows reading to the next `n` bytes until the matching PopLimit, which
  // fails unless exactly those bytes were read (a length-framed record).
  void PushLimit(uint64_t n, std::string_view what);
  void PopLimit(std::string_view what);

  [[noreturn]] static void Fail(const std::string& message);

 private:
  template <typename T>
  T Get() {
    T v{};
    if (remaining() < sizeof(T)) Fail("unexpected end of input");
    (*archive_)(v);
    return v;
  }
  class Buf : public std::streambuf {
   public:
    Buf(const uint8_t* data, size_t n);
    const char* pos() const { return gptr(); }
    const char* end() const { return egptr(); }
    void Skip(size_t n);
    void SetEnd(const char* e);
  };
  Buf buf_;
  std::istream stream_;
  std::unique_ptr<cereal::PortableBinaryInputArchive> archive_;
  std::vector<const char*> limits_;  // saved ends of enclosing limits
};

}  // namespace vfs

#endif  // SERIALIZE_ARCHIVE_H_
