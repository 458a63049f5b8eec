#include "backends/memory_contents.h"

#include <algorithm>
#include <cstring>

namespace vfs {

namespace {
constexpr uint64_t kChunkMask = MemoryContents::kChunkSize - 1;
static_assert(ChunkPool::kChunkBytes == MemoryContents::kChunkSize);
}  // namespace

MemoryContents::MemoryContents() = default;

MemoryContents::MemoryContents(absl::Span<const uint8_t> bytes)
    : MemoryContents() {
  (void)Write(0, bytes);
}

const MemoryContents::Chunk* MemoryContents::FindChunk(uint64_t idx) const {
  if (small()) return idx == 0 && head_.used > 0 ? &head_ : nullptr;
  auto it = chunks_->find(idx);
  return it == chunks_->end() ? nullptr : &it->second;
}

MemoryContents::Chunk& MemoryContents::ChunkForWrite(uint64_t idx) {
  if (small()) {
    if (idx == 0) return head_;
    ChunkMap map;
    if (head_.data) map.emplace(0, std::move(head_));
    head_ = Chunk{};
    chunks_ = CowBox<ChunkMap>(std::move(map));
  } else if (!chunks_.unique()) {
    chunks_ = CowBox<ChunkMap>(*chunks_);  // copies chunk pointers, not bytes
  }
  return chunks_.mutable_value()[idx];
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
  while (done < n) {
    const filesize_t pos = offset + done;
    const size_t within = static_cast<size_t>(pos & kChunkMask);
    const size_t take = std::min(n - done, kChunkSize - within);
    uint8_t* dst = out.data() + done;
    const Chunk* c = FindChunk(pos >> kChunkShift);
    size_t copied = 0;
    if (c != nullptr && within < c->used) {
      copied = std::min<size_t>(take, c->used - within);
      std::memcpy(dst, c->data->get() + within, copied);
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
  while (done < data.size()) {
    const filesize_t pos = offset + done;
    const size_t within = static_cast<size_t>(pos & kChunkMask);
    const size_t take = std::min(data.size() - done, kChunkSize - within);
    Chunk& c = ChunkForWrite(pos >> kChunkShift);
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
    const uint64_t first_gone = (size + kChunkMask) >> kChunkShift;
    const size_t within = static_cast<size_t>(size & kChunkMask);
    // Bytes past `used` read as zero, so cutting `used` discards the tail.
    // `used` lives in the Chunk, not the buffer, so a shared buffer is fine.
    auto cut = [within](Chunk& c) {
      if (c.used > within) c.used = static_cast<uint32_t>(within);
    };
    if (small()) {
      if (first_gone == 0) {
        head_ = Chunk{};
      } else if (within != 0) {
        cut(head_);
      }
    } else {
      if (!chunks_.unique()) chunks_ = CowBox<ChunkMap>(*chunks_);
      ChunkMap& chunks = chunks_.mutable_value();
      chunks.erase(chunks.lower_bound(first_gone), chunks.end());
      if (within != 0) {
        auto it = chunks.find(size >> kChunkShift);
        if (it != chunks.end()) cut(it->second);
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
  return std::unique_ptr<FileContents>(new MemoryContents(head_, chunks_, size_));
}

void MemoryContents::ForEachExtent(
    const std::function<void(filesize_t, absl::Span<const uint8_t>)>& fn) const {
  auto visit = [&](uint64_t idx, const Chunk& c) {
    const filesize_t off = idx << kChunkShift;
    if (c.used == 0 || off >= size_) return;
    const size_t len = static_cast<size_t>(std::min<filesize_t>(c.used, size_ - off));
    fn(off, absl::MakeConstSpan(c.data->get(), len));
  };
  if (small()) {
    visit(0, head_);
    return;
  }
  for (const auto& [idx, c] : *chunks_) visit(idx, c);
}

size_t MemoryContents::allocated_bytes() const {
  if (small()) return head_.capacity;
  size_t total = 0;
  for (const auto& [idx, c] : *chunks_) total += c.capacity;
  return total;
}

size_t MemoryContents::unshared_bytes() const {
  auto own = [](const Chunk& c) -> size_t {
    return c.data && c.data.unique() ? c.capacity : 0;
  };
  if (small()) return own(head_);
  if (!chunks_.unique()) return 0;
  size_t total = 0;
  for (const auto& [idx, c] : *chunks_) total += own(c);
  return total;
}

}  // namespace vfs
