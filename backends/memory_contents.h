// MemoryContents: the default FileContents, bytes held in host memory.
//
// Storage is a sparse, ordered map of 64 KiB chunks. A write touches only the
// chunks it covers, so appending never copies the file and a small write into
// a large file copies nothing; a chunk that is still growing doubles its
// buffer up to 64 KiB, so tiny appends cost amortised O(1). Holes (chunks
// never written, or bytes past a chunk's initialised prefix) read as zeros
// without being allocated.
#ifndef BACKENDS_MEMORY_CONTENTS_H_
#define BACKENDS_MEMORY_CONTENTS_H_

#include <cstdint>
#include <memory>

#include "absl/container/btree_map.h"
#include "vfs/file_contents.h"

namespace vfs {

class MemoryContents final : public FileContents {
 public:
  static constexpr int kChunkShift = 16;
  static constexpr size_t kChunkSize = size_t{1} << kChunkShift;

  MemoryContents() = default;
  // Starts with a copy of `bytes`.
  explicit MemoryContents(absl::Span<const uint8_t> bytes);

  filesize_t Size() const override { return size_; }
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override;
  Result<size_t> Write(filesize_t offset, absl::Span<const uint8_t> data) override;
  Errno Resize(filesize_t size) override;
  Errno Allocate(filesize_t offset, filesize_t len) override;
  std::string_view backend_name() const override { return "memory"; }
  std::unique_ptr<FileContents> Clone() const override;

  // Bytes of chunk buffers currently allocated (for tests and quotas).
  size_t allocated_bytes() const;

 private:
  struct Chunk {
    std::unique_ptr<uint8_t[]> data;
    uint32_t capacity = 0;  // bytes allocated in `data`
    uint32_t used = 0;      // initialised prefix; bytes past it read as zero
  };
  // Makes `c` hold at least `need` bytes, keeping its initialised prefix.
  static void Reserve(Chunk& c, size_t need);

  absl::btree_map<uint64_t, Chunk> chunks_;  // chunk index -> chunk
  filesize_t size_ = 0;
};

}  // namespace vfs

#endif  // BACKENDS_MEMORY_CONTENTS_H_
