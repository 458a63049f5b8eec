// MemoryContents: the default FileContents, bytes held in host memory.
//
// Storage is a sparse, ordered map of 64 KiB chunks (a file with only its
// first chunk keeps it inline, without the map). A write touches only the
// chunks it covers, so appending never copies the file and a small write into
// a large file copies nothing; a chunk that is still growing doubles its
// buffer up to 64 KiB, so tiny appends cost amortised O(1). Holes (chunks
// never written, or bytes past a chunk's initialised prefix) read as zeros
// without being allocated. Full chunks are recycled through ChunkPool, so
// writing a big file after another was freed does not fault in fresh pages.
//
// Clone() is copy-on-write at two levels: the clone shares the chunk map, and
// the map's chunks share their buffers. The first change to a shared map
// copies the map (pointers only); the first write into a shared buffer copies
// that one 64 KiB buffer. So forking a filesystem costs O(1) per file, and a
// write after a fork costs at most one chunk copy. Clones may live in
// different Filesystems used from different threads: sharing is decided with
// reference counts (CowBox), never by mutating shared memory.
#ifndef BACKENDS_MEMORY_CONTENTS_H_
#define BACKENDS_MEMORY_CONTENTS_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/container/btree_map.h"
#include "backends/chunk_pool.h"
#include "backends/cow_box.h"
#include "vfs/file_contents.h"

namespace vfs {

class MemoryContents final : public FileContents {
 public:
  static constexpr int kChunkShift = 16;
  static constexpr size_t kChunkSize = size_t{1} << kChunkShift;

  MemoryContents();
  // Starts with a copy of `bytes`.
  explicit MemoryContents(absl::Span<const uint8_t> bytes);

  filesize_t Size() const override { return size_; }
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override;
  Result<size_t> Write(filesize_t offset, absl::Span<const uint8_t> data) override;
  Errno Resize(filesize_t size) override;
  Errno Allocate(filesize_t offset, filesize_t len) override;
  std::string_view backend_name() const override { return "memory"; }
  // Shares everything copy-on-write; see the file comment.
  std::unique_ptr<FileContents> Clone() const override;

  // Calls `fn(offset, bytes)` for each stored run of bytes, in ascending
  // offset order. Bytes not covered by any run (holes) read as zero. The
  // snapshot codec saves a file this way, without copying it first.
  void ForEachExtent(
      const std::function<void(filesize_t, absl::Span<const uint8_t>)>& fn) const;

  // Bytes of chunk buffers currently allocated (for tests and quotas), and
  // the part of them no clone shares (what this file alone keeps alive).
  size_t allocated_bytes() const;
  size_t unshared_bytes() const;

 private:
  struct Chunk {
    CowBox<ChunkBuffer> data;  // shared by clones until written
    uint32_t capacity = 0;            // bytes allocated in `data`
    uint32_t used = 0;  // initialised prefix; bytes past it read as zero
  };
  using ChunkMap = absl::btree_map<uint64_t, Chunk>;  // chunk index -> chunk

  // A clone: shares the map and the head chunk's buffer.
  MemoryContents(const Chunk& head, CowBox<ChunkMap> chunks, filesize_t size)
      : head_(head), chunks_(std::move(chunks)), size_(size) {}

  bool small() const { return !chunks_; }
  // The chunk with index `idx`, or nullptr if none is stored.
  const Chunk* FindChunk(uint64_t idx) const;
  // The chunk with index `idx` for writing, created if absent; a shared map
  // is copied first, and a small file moves to the map when `idx` is not 0.
  Chunk& ChunkForWrite(uint64_t idx);
  // Makes `c` writable by this file alone and able to hold `need` bytes,
  // keeping its initialised prefix.
  static void MakeWritable(Chunk& c, size_t need);

  // Most files are small, so chunk 0 of a file that has no other chunk is
  // kept here and the map is not allocated at all: creating, writing and
  // deleting a small file costs two allocations fewer. `chunks_` is null
  // while the file is small; once set it holds every chunk and head_ is
  // empty.
  Chunk head_;
  CowBox<ChunkMap> chunks_;
  filesize_t size_ = 0;
};

}  // namespace vfs

#endif  // BACKENDS_MEMORY_CONTENTS_H_
