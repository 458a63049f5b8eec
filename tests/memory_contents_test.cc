// MemoryContents, the default FileContents backend, tested directly (no
// Filesystem): reads at and past the end, chunk boundaries, sparse holes,
// resizing, allocation, cloning, and a randomized comparison against a
// std::string model.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>

#include "backends/memory_contents.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

constexpr filesize_t kChunk = MemoryContents::kChunkSize;

absl::Span<const uint8_t> B(std::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Writes `s` at `off` and requires the whole write to succeed.
void Put(MemoryContents& m, filesize_t off, std::string_view s) {
  Result<size_t> n = m.Write(off, B(s));
  REQUIRE(n.ok());
  REQUIRE(*n == s.size());
}

// Reads up to `len` bytes at `off`; returns what Read returned.
std::string Get(const FileContents& m, filesize_t off, size_t len) {
  std::string out(len, '\x7f');
  Result<size_t> n =
      m.Read(off, absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), len));
  REQUIRE(n.ok());
  REQUIRE(*n <= len);
  out.resize(*n);
  return out;
}

std::string All(const FileContents& m) {
  return Get(m, 0, static_cast<size_t>(m.Size()));
}

std::string Pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>('a' + (x >> 24) % 26);
  }
  return s;
}

}  // namespace

TEST_CASE("A new MemoryContents is empty and reads nothing", "[memory_contents]") {
  MemoryContents m;
  CHECK(m.Size() == 0);
  CHECK(Get(m, 0, 10).empty());
  CHECK(Get(m, 1000, 10).empty());
  CHECK(m.allocated_bytes() == 0);
  CHECK(m.backend_name() == "memory");
}

TEST_CASE("MemoryContents constructed from bytes holds a copy of them", "[memory_contents]") {
  std::string src = "hello";
  MemoryContents m(B(src));
  src[0] = 'J';
  CHECK(m.Size() == 5);
  CHECK(All(m) == "hello");
}

TEST_CASE("Reads at or past the end return 0 and a read across the end is short",
          "[memory_contents]") {
  MemoryContents m;
  Put(m, 0, "abcdef");
  SECTION("at the end") { CHECK(Get(m, 6, 4).empty()); }
  SECTION("past the end") { CHECK(Get(m, 7, 4).empty()); }
  SECTION("far past the end") { CHECK(Get(m, filesize_t{1} << 60, 4).empty()); }
  SECTION("at UINT64_MAX") { CHECK(Get(m, UINT64_MAX, 4).empty()); }
  SECTION("across the end is short") { CHECK(Get(m, 4, 10) == "ef"); }
  SECTION("an empty buffer reads 0") { CHECK(Get(m, 0, 0).empty()); }
  SECTION("inside reads the exact bytes") { CHECK(Get(m, 1, 3) == "bcd"); }
  CHECK(m.Size() == 6);
}

TEST_CASE("An empty write changes nothing", "[memory_contents]") {
  MemoryContents m;
  Put(m, 0, "abc");
  Result<size_t> n = m.Write(1000, B(""));
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(m.Size() == 3);
  CHECK(All(m) == "abc");
}

TEST_CASE("Writes across 64 KiB chunk boundaries read back exactly", "[memory_contents]") {
  const auto [offset, length] = GENERATE(table<filesize_t, size_t>({
      {kChunk - 1, 2},
      {kChunk - 10, 20},
      {0, kChunk},
      {0, kChunk + 1},
      {kChunk, kChunk},
      {kChunk - 3, 2 * kChunk + 7},
      {3 * kChunk - 1, 1},
      {5 * kChunk + 100, 3 * kChunk},
  }));
  INFO("offset " << offset << " length " << length);
  MemoryContents m;
  const std::string data = Pattern(length, static_cast<uint32_t>(offset));
  Put(m, offset, data);
  CHECK(m.Size() == offset + length);
  CHECK(Get(m, offset, length) == data);
  // Everything before the write is a zero gap.
  CHECK(Get(m, 0, static_cast<size_t>(offset)) == std::string(offset, '\0'));
  // A read straddling the end of the write is short.
  CHECK(Get(m, offset + length - 1, 10) == data.substr(length - 1));
}

TEST_CASE("Overwriting part of a multi-chunk file keeps the surrounding bytes",
          "[memory_contents]") {
  MemoryContents m;
  std::string model = Pattern(3 * kChunk, 1);
  Put(m, 0, model);
  const std::string patch = Pattern(kChunk + 50, 2);
  Put(m, kChunk - 25, patch);
  model.replace(kChunk - 25, patch.size(), patch);
  CHECK(m.Size() == 3 * kChunk);
  CHECK(All(m) == model);
}

TEST_CASE("A sparse write far past the end reads zeros in the gap", "[memory_contents]") {
  MemoryContents m;
  Put(m, 0, "head");
  const filesize_t far = 10 * kChunk + 123;
  Put(m, far, "tail");
  CHECK(m.Size() == far + 4);
  CHECK(Get(m, 4, static_cast<size_t>(far - 4)) == std::string(far - 4, '\0'));
  CHECK(Get(m, far - 2, 10) == std::string("\0\0tail", 6));
  CHECK(Get(m, 0, 4) == "head");
}

TEST_CASE("A gap inside one chunk after its written prefix reads zeros", "[memory_contents]") {
  MemoryContents m;
  Put(m, 0, "abc");
  Put(m, 1000, "xyz");
  CHECK(m.Size() == 1003);
  std::string expect = "abc" + std::string(997, '\0') + "xyz";
  CHECK(All(m) == expect);
}

TEST_CASE("A sparse 1 GiB file does not allocate its hole", "[memory_contents]") {
  const filesize_t gib = filesize_t{1} << 30;
  SECTION("one byte written at the end") {
    MemoryContents m;
    Put(m, gib - 1, "z");
    CHECK(m.Size() == gib);
    CHECK(m.allocated_bytes() <= kChunk);
    CHECK(Get(m, gib - 1, 1) == "z");
    CHECK(Get(m, gib / 2, 4096) == std::string(4096, '\0'));
  }
  SECTION("grown by Resize") {
    MemoryContents m;
    Put(m, 0, "abc");
    const size_t before = m.allocated_bytes();
    REQUIRE(m.Resize(gib) == Errno::kSuccess);
    CHECK(m.Size() == gib);
    CHECK(m.allocated_bytes() == before);
    CHECK(Get(m, gib - 4096, 4096) == std::string(4096, '\0'));
  }
  SECTION("grown by Allocate") {
    MemoryContents m;
    REQUIRE(m.Allocate(0, gib) == Errno::kSuccess);
    CHECK(m.Size() == gib);
    CHECK(m.allocated_bytes() <= kChunk);
    CHECK(Get(m, 12345, 100) == std::string(100, '\0'));
  }
  SECTION("bytes written at both ends") {
    MemoryContents m;
    Put(m, 0, Pattern(10, 3));
    Put(m, gib, Pattern(10, 4));
    CHECK(m.Size() == gib + 10);
    CHECK(m.allocated_bytes() <= 2 * kChunk);
  }
}

TEST_CASE("Resize down then up reads zeros in the regrown range", "[memory_contents]") {
  const auto [initial, down, up] = GENERATE(table<size_t, filesize_t, filesize_t>({
      {100, 50, 100},                      // within one chunk
      {100, 0, 100},                       // to empty
      {100, 1, 300},                       // past the old size
      {3 * kChunk, kChunk + 7, 3 * kChunk},  // across chunks, cut mid-chunk
      {3 * kChunk, kChunk, 3 * kChunk},      // cut exactly at a chunk boundary
      {3 * kChunk, kChunk - 1, 2 * kChunk},
      {2 * kChunk + 5, 2 * kChunk + 1, 2 * kChunk + 5},
  }));
  INFO("initial " << initial << " down " << down << " up " << up);
  MemoryContents m;
  const std::string data = Pattern(initial, 9);
  Put(m, 0, data);
  REQUIRE(m.Resize(down) == Errno::kSuccess);
  CHECK(m.Size() == down);
  CHECK(All(m) == data.substr(0, down));
  REQUIRE(m.Resize(up) == Errno::kSuccess);
  CHECK(m.Size() == up);
  CHECK(All(m) == data.substr(0, down) + std::string(up - down, '\0'));
}

TEST_CASE("A write past a shrunk end leaves zeros between the cut and the write",
          "[memory_contents]") {
  MemoryContents m;
  Put(m, 0, std::string(200, 'x'));
  REQUIRE(m.Resize(50) == Errno::kSuccess);
  Put(m, 150, "yy");
  CHECK(m.Size() == 152);
  CHECK(All(m) == std::string(50, 'x') + std::string(100, '\0') + "yy");
}

TEST_CASE("Resize to the same size changes nothing", "[memory_contents]") {
  MemoryContents m;
  Put(m, 0, "abcdef");
  REQUIRE(m.Resize(6) == Errno::kSuccess);
  CHECK(All(m) == "abcdef");
}

TEST_CASE("Allocate extends with zeros and never shrinks", "[memory_contents]") {
  MemoryContents m;
  Put(m, 0, "abc");
  SECTION("extends") {
    REQUIRE(m.Allocate(2, 8) == Errno::kSuccess);
    CHECK(m.Size() == 10);
    CHECK(All(m) == std::string("abc") + std::string(7, '\0'));
  }
  SECTION("a range inside the file changes nothing") {
    REQUIRE(m.Allocate(0, 2) == Errno::kSuccess);
    CHECK(m.Size() == 3);
    CHECK(All(m) == "abc");
  }
  SECTION("extends across chunks") {
    REQUIRE(m.Allocate(kChunk, kChunk + 3) == Errno::kSuccess);
    CHECK(m.Size() == 2 * kChunk + 3);
    CHECK(Get(m, 0, 3) == "abc");
    CHECK(Get(m, 3, 2 * kChunk) == std::string(2 * kChunk, '\0'));
  }
}

TEST_CASE("A clone is independent of its original", "[memory_contents]") {
  MemoryContents m;
  const std::string data = Pattern(kChunk + 500, 5);
  Put(m, 0, data);
  Put(m, 4 * kChunk, "far");
  std::unique_ptr<FileContents> c = m.Clone();
  REQUIRE(c != nullptr);
  CHECK(c->Size() == m.Size());
  CHECK(All(*c) == All(m));
  CHECK(c->backend_name() == "memory");

  Put(m, 10, "ORIGINAL");
  REQUIRE(m.Resize(kChunk) == Errno::kSuccess);
  CHECK(c->Size() == 4 * kChunk + 3);
  CHECK(Get(*c, 10, 8) == data.substr(10, 8));
  CHECK(Get(*c, 4 * kChunk, 3) == "far");

  Result<size_t> n = c->Write(0, B("CLONE"));
  REQUIRE(n.ok());
  CHECK(Get(m, 0, 5) == data.substr(0, 5));
  CHECK(Get(m, 10, 8) == "ORIGINAL");
  CHECK(m.Size() == kChunk);
}

TEST_CASE("A clone of an empty or sparse file keeps its size and holes", "[memory_contents]") {
  MemoryContents m;
  REQUIRE(m.Resize(3 * kChunk) == Errno::kSuccess);
  std::unique_ptr<FileContents> c = m.Clone();
  CHECK(c->Size() == 3 * kChunk);
  CHECK(All(*c) == std::string(3 * kChunk, '\0'));
}

TEST_CASE("Many small appends produce exactly the appended bytes", "[memory_contents]") {
  MemoryContents m;
  std::string model;
  std::mt19937 rng(1234);
  while (model.size() < 3 * kChunk + 777) {
    const size_t len = 1 + rng() % 7;
    std::string piece = Pattern(len, static_cast<uint32_t>(model.size()));
    Put(m, m.Size(), piece);
    model += piece;
  }
  CHECK(m.Size() == model.size());
  CHECK(All(m) == model);
  // Growing chunks double, so the allocation stays close to the data size.
  CHECK(m.allocated_bytes() <= 4 * kChunk);
}

TEST_CASE("MemoryContents matches a std::string model over 2000 random operations",
          "[memory_contents]") {
  std::mt19937_64 rng(20240607);
  MemoryContents m;
  std::string model;
  const filesize_t kSpan = 4 * kChunk + 300;  // keeps the model small
  auto pick_offset = [&]() -> filesize_t {
    switch (rng() % 4) {
      case 0: {  // near a chunk boundary
        const filesize_t b = (1 + rng() % 4) * kChunk;
        return b - 8 + rng() % 16;
      }
      case 1: return model.size();  // append
      case 2: return model.empty() ? 0 : rng() % (model.size() + 1);
      default: return rng() % kSpan;
    }
  };
  for (int step = 0; step < 2000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    INFO("step " << step << " op " << op << " size " << model.size());
    if (op <= 3) {  // write
      const filesize_t off = pick_offset();
      const size_t len = (rng() % 8 == 0) ? rng() % (kChunk + 100) : rng() % 300;
      const std::string data = Pattern(len, static_cast<uint32_t>(step));
      Result<size_t> n = m.Write(off, B(data));
      REQUIRE(n.ok());
      REQUIRE(*n == len);
      if (len > 0) {
        if (model.size() < off + len) model.resize(off + len, '\0');
        model.replace(off, len, data);
      }
    } else if (op == 4) {  // resize
      const filesize_t size = rng() % kSpan;
      REQUIRE(m.Resize(size) == Errno::kSuccess);
      model.resize(size, '\0');
    } else if (op == 5) {  // allocate
      const filesize_t off = pick_offset();
      const filesize_t len = rng() % 500;
      REQUIRE(m.Allocate(off, len) == Errno::kSuccess);
      if (model.size() < off + len) model.resize(off + len, '\0');
    } else {  // read a range and compare
      const filesize_t off = pick_offset();
      const size_t len = rng() % (kChunk + 50);
      const std::string got = Get(m, off, len);
      const std::string want =
          off >= model.size() ? std::string() : model.substr(off, len);
      REQUIRE(got.size() == want.size());
      REQUIRE(got == want);
    }
    REQUIRE(m.Size() == model.size());
    if (step % 100 == 99) REQUIRE(All(m) == model);
  }
  CHECK(All(m) == model);
}

}  // namespace vfs::testing

namespace vfs::testing {

TEST_CASE("Full chunks freed by one file are reused by the next, within the pool's limit",
          "[memory_contents][chunk_pool]") {
  constexpr size_t kChunk = MemoryContents::kChunkSize;
  const size_t saved_limit = ChunkPool::limit();
  ChunkPool::SetLimit(4 * kChunk);
  const std::string data(8 * kChunk, 'p');
  const auto bytes = absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(data.data()),
                                         data.size());
  {
    MemoryContents a;
    REQUIRE(a.Write(0, bytes).ok());
    CHECK(ChunkPool::pooled_bytes() == 0);
  }
  // Eight full chunks were freed; the pool keeps four.
  CHECK(ChunkPool::pooled_bytes() == 4 * kChunk);
  {
    MemoryContents b;
    REQUIRE(b.Write(0, bytes.subspan(0, 3 * kChunk)).ok());
    CHECK(ChunkPool::pooled_bytes() == kChunk);  // three taken back out
    // A recycled chunk holds the previous file's bytes: a gap before a
    // write into it must read as zeros, never as that data. (A write at
    // 60,000 needs a full chunk, so it takes the last pooled one.)
    REQUIRE(b.Write(3 * kChunk + 60000, bytes.subspan(0, 1)).ok());
    CHECK(ChunkPool::pooled_bytes() == 0);
    std::string out(11, '\x7f');
    REQUIRE(b.Read(3 * kChunk + 59990,
                   absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), 11)).ok());
    CHECK(out == std::string(10, '\0') + "p");
  }
  // A small (growing) buffer never enters the pool.
  ChunkPool::SetLimit(4 * kChunk);
  {
    MemoryContents c;
    REQUIRE(c.Write(0, bytes.subspan(0, 100)).ok());
  }
  CHECK(ChunkPool::pooled_bytes() == 0);
  ChunkPool::SetLimit(0);  // off: nothing is kept
  {
    MemoryContents d;
    REQUIRE(d.Write(0, bytes).ok());
  }
  CHECK(ChunkPool::pooled_bytes() == 0);
  ChunkPool::SetLimit(saved_limit);
}

}  // namespace vfs::testing
