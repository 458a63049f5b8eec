#include "backends/chunk_pool.h"

#include <mutex>
#include <vector>

namespace vfs {

namespace {

struct Pool {
  std::mutex mu;
  std::vector<uint8_t*> free;  // guarded by mu
  size_t limit = size_t{256} << 20;
};

Pool& ThePool() {
  static Pool* pool = new Pool();  // never destroyed: chunks may outlive main
  return *pool;
}

}  // namespace

void ChunkPool::SetLimit(size_t bytes) {
  Pool& p = ThePool();
  std::vector<uint8_t*> drop;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.limit = bytes;
    drop.swap(p.free);
  }
  for (uint8_t* c : drop) delete[] c;
}

size_t ChunkPool::limit() {
  Pool& p = ThePool();
  std::lock_guard<std::mutex> lock(p.mu);
  return p.limit;
}

size_t ChunkPool::pooled_bytes() {
  Pool& p = ThePool();
  std::lock_guard<std::mutex> lock(p.mu);
  return p.free.size() * kChunkBytes;
}

uint8_t* ChunkPool::Take() {
  Pool& p = ThePool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    if (!p.free.empty()) {
      uint8_t* c = p.free.back();
      p.free.pop_back();
      return c;
    }
  }
  return new uint8_t[kChunkBytes];
}

void ChunkPool::Give(uint8_t* chunk) {
  Pool& p = ThePool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    if ((p.free.size() + 1) * kChunkBytes <= p.limit) {
      p.free.push_back(chunk);
      return;
    }
  }
  delete[] chunk;
}

}  // namespace vfs
