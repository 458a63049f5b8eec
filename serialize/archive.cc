#include "serialize/archive.h"

#include <climits>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace vfs {

// ---- SnapshotWriter ----

std::streamsize SnapshotWriter::Buf::xsputn(const char* s, std::streamsize n) {
  out_->append(s, static_cast<size_t>(n));
  return n;
}

SnapshotWriter::Buf::int_type SnapshotWriter::Buf::overflow(int_type c) {
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    out_->push_back(traits_type::to_char_type(c));
  }
  return traits_type::not_eof(c);
}

SnapshotWriter::SnapshotWriter(std::string* out)
    : out_(out), buf_(out), stream_(&buf_) {
  // Writes one byte, the archive's endianness marker (1: little-endian).
  archive_ = std::make_unique<cereal::PortableBinaryOutputArchive>(
      stream_, cereal::PortableBinaryOutputArchive::Options::LittleEndian());
}

void SnapshotWriter::Raw(absl::Span<const uint8_t> bytes) {
  if (!bytes.empty()) (*archive_)(cereal::binary_data(bytes.data(), bytes.size()));
}

void SnapshotWriter::String(std::string_view s) {
  U64(s.size());
  Raw(absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

size_t SnapshotWriter::ReserveU64() {
  const size_t at = position();
  U64(0);
  return at;
}

void SnapshotWriter::PatchU64(size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) (*out_)[at + i] = static_cast<char>(v >> (8 * i));
}

// ---- SnapshotReader ----

SnapshotReader::Buf::Buf(const uint8_t* data, size_t n) {
  char* p = const_cast<char*>(reinterpret_cast<const char*>(data));
  setg(p, p, p + n);  // read-only: nothing ever writes through these
}

void SnapshotReader::Buf::Skip(size_t n) {
  while (n > 0) {
    const int step = static_cast<int>(std::min<size_t>(n, INT_MAX));
    gbump(step);
    n -= static_cast<size_t>(step);
  }
}

void SnapshotReader::Buf::SetEnd(const char* e) {
  setg(eback(), gptr(), const_cast<char*>(e));
}

void SnapshotReader::Fail(const std::string& message) {
  throw SnapshotFormatError(message);
}

SnapshotReader::SnapshotReader(absl::Span<const uint8_t> bytes)
    : buf_(bytes.data(), bytes.size()),
      stream_(&buf_) {
  // The archive reads its endianness marker first; we write only 1.
  if (bytes.empty()) Fail("empty payload");
  if (bytes[0] != 1) Fail("payload is not marked little-endian");
  archive_ = std::make_unique<cereal::PortableBinaryInputArchive>(
      stream_, cereal::PortableBinaryInputArchive::Options::LittleEndian());
}

uint64_t SnapshotReader::remaining() const {
  return static_cast<uint64_t>(buf_.end() - buf_.pos());
}

bool SnapshotReader::Bool() {
  const uint8_t b = U8();
  if (b > 1) Fail(absl::StrCat("boolean byte is ", b));
  return b == 1;
}

absl::Span<const uint8_t> SnapshotReader::Raw(uint64_t n) {
  if (n > remaining()) {
    Fail(absl::StrCat("a ", n, "-byte field runs past the end (", remaining(),
                      " bytes remain)"));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(buf_.pos());
  buf_.Skip(static_cast<size_t>(n));
  return absl::MakeConstSpan(p, static_cast<size_t>(n));
}

std::string SnapshotReader::String(uint64_t max_len, std::string_view what) {
  const uint64_t n = U64();
  if (n > max_len) {
    Fail(absl::StrCat(absl::string_view(what.data(), what.size()), " length ", n,
                      " exceeds the limit ", max_len));
  }
  absl::Span<const uint8_t> bytes = Raw(n);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

uint64_t SnapshotReader::Count(uint64_t min_element_bytes, std::string_view what) {
  const uint64_t n = U64();
  if (min_element_bytes > 0 && n > remaining() / min_element_bytes) {
    Fail(absl::StrCat(absl::string_view(what.data(), what.size()), " count ", n,
                      " cannot fit in the ", remaining(), " bytes that remain"));
  }
  return n;
}

void SnapshotReader::PushLimit(uint64_t n, std::string_view what) {
  if (n > remaining()) {
    Fail(absl::StrCat(absl::string_view(what.data(), what.size()), " length ", n,
                      " runs past the end (", remaining(), " bytes remain)"));
  }
  limits_.push_back(buf_.end());
  buf_.SetEnd(buf_.pos() + n);
}

void SnapshotReader::PopLimit(std::string_view what) {
  if (remaining() != 0) {
    Fail(absl::StrCat(absl::string_view(what.data(), what.size()), " has ",
                      remaining(), " unread bytes (payload length mismatch)"));
  }
  buf_.SetEnd(limits_.back());
  limits_.pop_back();
}

}  // namespace vfs
