#include "backends/memory_contents.h"

#include <algorithm>
#include <cstring>

namespace vfs {

namespace {
constexpr uint64_t kChunkMask = MemoryContents::kChunkSize - 1;
static_assert(ChunkPool::kChunkBytes == MemoryContents::kChunkSize);
}  // namespace

MemoryContents::MemoryContents() : chunks_(ChunkMap()) {}

MemoryContents::MemoryContents(absl::Span<const uint8_t> bytes)
    : MemoryContents() {
  (void)Write(0, bytes);
}

MemoryContents::ChunkMap& MemoryContents::MutableMap() {
  if (!chunks_.unique()) chunks_ = CowBox<ChunkMap>(*chunks_);
  return chunks_.mutable_value();
}

void MemoryContents::MakeWritable(Chunk& c, size_t need) {
  const bool shared = c.data && !c.data.unique();
  if (need <= c.capacity && !shared) return;
  // Full chunks are allocated exactly; a growing chunk doubles (min 32 B).
  size_t cap = std::max<size_t>(c.capacity, 32);
  while (cap < need) cap *= 2;
  cap = std::min(cap, kChunkSize);
  // Uninitialised on purpose: only the prefix below `used` is ever read.
  // Full chunks come from (and go back to) the pool of warm buffers.
  const bool full = cap == kChunkSize;
  ChunkBuffer data(full ? ChunkPool::Take() : new uint8_t[cap], ChunkDeleter{full});
  if (c.used > 0) std::memcpy(data.get(), c.data->get(), c.used);
  c.data = CowBox<ChunkBuffer>(std::move(data));
  c.capacity = static_cast<uint32_t>(cap);
}

Result<size_t> MemoryContents::Read(filesize_t offset,
                                    absl::Span<uint8_t> out) const {
  if (offset >= size_ || out.empty()) return size_t{0};
  const size_t n = static_cast<size_t>(
      std::min<filesize_t>(out.size(), size_ - offset));
  size_t done = 0;
  const ChunkMap& chunks = *chunks_;
  auto it = chunks.lower_bound(offset >> kChunkShift);
  while (done < n) {
    const filesize_t pos = offset + done;
    const uint64_t idx = pos >> kChunkShift;
    const size_t within = static_cast<size_t>(pos & kChunkMask);
    const size_t take = std::min(n - done, kChunkSize - within);
    uint8_t* dst = out.data() + done;
    while (it != chunks.end() && it->first < idx) ++it;
    size_t copied = 0;
    if (it != chunks.end() && it->first == idx && within < it->second.used) {
      copied = std::min<size_t>(take, it->second.used - within);
      std::memcpy(dst, it->second.data->get() + within, copied);
    }
    if (copied < take) std::memset(dst + copied, 0, take - copied);
    done += take;
  }
  return n;
}

Result<size_t> MemoryContents::Write(filesize_t offset,
                                     absl::Span<const uint8_t> data) {
  if (data.empty()) return size_t{0};
  if (offset > UINT64_MAX - data.size()) return Errno::kFbig;
  size_t done = 0;
  ChunkMap& chunks = MutableMap();
  auto it = chunks.lower_bound(offset >> kChunkShift);
  while (done < data.size()) {
    const filesize_t pos = offset + done;
    const uint64_t idx = pos >> kChunkShift;
    const size_t within = static_cast<size_t>(pos & kChunkMask);
    const size_t take = std::min(data.size() - done, kChunkSize - within);
    while (it != chunks.end() && it->first < idx) ++it;
    if (it == chunks.end() || it->first != idx) {
      it = chunks.emplace_hint(it, idx, Chunk{});
    }
    Chunk& c = it->second;
    MakeWritable(c, within + take);
    // A gap between the initialised prefix and `within` must read as zero.
    uint8_t* bytes = c.data.mutable_value().get();
    if (within > c.used) std::memset(bytes + c.used, 0, within - c.used);
    std::memcpy(bytes + within, data.data() + done, take);
    c.used = static_cast<uint32_t>(std::max<size_t>(c.used, within + take));
    done += take;
  }
  size_ = std::max<filesize_t>(size_, offset + data.size());
  return data.size();
}

Errno MemoryContents::Resize(filesize_t size) {
  if (size < size_) {
    ChunkMap& chunks = MutableMap();
    const uint64_t first_gone = (size + kChunkMask) >> kChunkShift;
    chunks.erase(chunks.lower_bound(first_gone), chunks.end());
    const size_t within = static_cast<size_t>(size & kChunkMask);
    if (within != 0) {
      auto it = chunks.find(size >> kChunkShift);
      // Bytes past `used` read as zero, so cutting `used` discards the tail.
      // `used` lives in the map, not the buffer, so a shared buffer is fine.
      if (it != chunks.end() && it->second.used > within) {
        it->second.used = static_cast<uint32_t>(within);
      }
    }
  }
  size_ = size;
  return Errno::kSuccess;
}

Errno MemoryContents::Allocate(filesize_t offset, filesize_t len) {
  if (offset > UINT64_MAX - len) return Errno::kFbig;
  if (offset + len > size_) size_ = offset + len;
  return Errno::kSuccess;
}

std::unique_ptr<FileContents> MemoryContents::Clone() const {
  return std::unique_ptr<FileContents>(new MemoryContents(chunks_, size_));
}

void MemoryContents::ForEachExtent(
    const std::function<void(filesize_t, absl::Span<const uint8_t>)>& fn) const {
  for (const auto& [idx, c] : *chunks_) {
    if (c.used == 0) continue;
    const filesize_t off = idx << kChunkShift;
    if (off >= size_) break;
    const size_t len = static_cast<size_t>(std::min<filesize_t>(c.used, size_ - off));
    fn(off, absl::MakeConstSpan(c.data->get(), len));
  }
}

size_t MemoryContents::allocated_bytes() const {
  size_t total = 0;
  for (const auto& [idx, c] : *chunks_) total += c.capacity;
  return total;
}

size_t MemoryContents::unshared_bytes() const {
  if (!chunks_.unique()) return 0;
  size_t total = 0;
  for (const auto& [idx, c] : *chunks_) {
    if (c.data && c.data.unique()) total += c.capacity;
  }
  return total;
}

}  // namespace vfs
