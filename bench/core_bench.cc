// Core cost curves, measured through the preview1 Context as a host would
// call it. Each sweep reports a fitted complexity, so an accidental O(n^2)
// (the quadratic-write trap, the cookie-as-index readdir trap) shows up as a
// wrong fit. Figures go to bench/RESULTS.md; these are not pass/fail tests.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "backends/memory_contents.h"
#include "vfs/context.h"

namespace vfs {
namespace {

constexpr Rights kRw = rights::kFdRead | rights::kFdWrite | rights::kFdSeek |
                       rights::kFdTell | rights::kFdReaddir;

struct World {
  std::shared_ptr<Filesystem> fs = Filesystem::Create();
  Context ctx{fs};
  fd_t base;
  World() {
    (void)fs->MakeDirectories("base");
    base = *ctx.Preopen("base", "/base");
  }
  fd_t Create(const std::string& path) {
    return *ctx.path_open(base, Lookupflags(), path,
                          oflags::kCreat | oflags::kTrunc, kRw, Rights(),
                          Fdflags());
  }
};

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i % 251);
  return v;
}

// Appending n bytes in 64 KiB writes: total cost must be O(n).
void BM_Append64KiB(benchmark::State& state) {
  const auto chunk = Pattern(64 * 1024);
  const int64_t writes = state.range(0);
  for (auto _ : state) {
    World w;
    const fd_t fd = w.Create("big");
    absl::Span<const uint8_t> iov[] = {absl::MakeConstSpan(chunk)};
    for (int64_t i = 0; i < writes; ++i) {
      benchmark::DoNotOptimize(w.ctx.fd_write(fd, iov));
    }
  }
  state.SetComplexityN(writes);
  state.SetBytesProcessed(state.iterations() * writes * 64 * 1024);
}
BENCHMARK(BM_Append64KiB)->RangeMultiplier(4)->Range(16, 4096)
    ->Unit(benchmark::kMillisecond)->Complexity(benchmark::oN);

// n appends of 100 bytes to one file: O(n) total (amortised chunk growth).
void BM_SmallAppends(benchmark::State& state) {
  const auto bytes = Pattern(100);
  const int64_t n = state.range(0);
  for (auto _ : state) {
    World w;
    const fd_t fd = w.Create("log");
    absl::Span<const uint8_t> iov[] = {absl::MakeConstSpan(bytes)};
    for (int64_t i = 0; i < n; ++i) benchmark::DoNotOptimize(w.ctx.fd_write(fd, iov));
  }
  state.SetComplexityN(n);
}
BENCHMARK(BM_SmallAppends)->RangeMultiplier(8)->Range(1 << 10, 1 << 19)
    ->Unit(benchmark::kMillisecond)->Complexity(benchmark::oN);

// One 4 KiB pwrite into a file of size n: O(1), independent of the size.
void BM_SmallWriteIntoLargeFile(benchmark::State& state) {
  World w;
  const fd_t fd = w.Create("big");
  const auto block = Pattern(1 << 20);
  absl::Span<const uint8_t> big[] = {absl::MakeConstSpan(block)};
  for (int64_t i = 0; i < state.range(0); ++i) (void)w.ctx.fd_write(fd, big);
  const auto small = Pattern(4096);
  absl::Span<const uint8_t> iov[] = {absl::MakeConstSpan(small)};
  const filesize_t size = static_cast<filesize_t>(state.range(0)) << 20;
  filesize_t off = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.ctx.fd_pwrite(fd, iov, off));
    off = (off + 1'000'003) % (size - 4096);
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_SmallWriteIntoLargeFile)->RangeMultiplier(4)->Range(1, 256)
    ->Complexity(benchmark::o1);

// path_open + fd_close of a file n directories deep: O(n).
void BM_OpenByDepth(benchmark::State& state) {
  World w;
  std::string path;
  for (int64_t i = 0; i < state.range(0); ++i) {
    path += "d" + std::to_string(i);
    (void)w.ctx.path_create_directory(w.base, path);
    path += "/";
  }
  path += "leaf";
  (void)w.ctx.fd_close(w.Create(path));
  for (auto _ : state) {
    Result<fd_t> fd = w.ctx.path_open(w.base, Lookupflags(), path, Oflags(),
                                      rights::kFdRead, Rights(), Fdflags());
    (void)w.ctx.fd_close(*fd);
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_OpenByDepth)->RangeMultiplier(2)->Range(1, 256)
    ->Complexity(benchmark::oN);

// A full fd_readdir of n entries through cookies, 4 KiB per call: O(n).
void BM_ReaddirFull(benchmark::State& state) {
  World w;
  (void)w.ctx.path_create_directory(w.base, "dir");
  for (int64_t i = 0; i < state.range(0); ++i) {
    (void)w.ctx.fd_close(w.Create("dir/entry" + std::to_string(i)));
  }
  const fd_t dir = *w.ctx.path_open(w.base, Lookupflags(), "dir",
                                    oflags::kDirectory, rights::kFdReaddir,
                                    Rights(), Fdflags());
  std::vector<uint8_t> buf(4096);
  for (auto _ : state) {
    dircookie_t cookie = 0;
    int64_t seen = 0;
    for (;;) {
      const size_t used = *w.ctx.fd_readdir(dir, absl::MakeSpan(buf), cookie);
      size_t pos = 0;
      while (pos + layout::kDirentSize <= used) {
        uint32_t namlen;
        std::memcpy(&namlen, buf.data() + pos + layout::kDirentOffNamlen, 4);
        if (pos + layout::kDirentSize + namlen > used) break;
        std::memcpy(&cookie, buf.data() + pos, 8);
        pos += layout::kDirentSize + namlen;
        ++seen;
      }
      if (used < buf.size()) break;
    }
    if (seen != state.range(0) + 2) state.SkipWithError("listing incomplete");
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_ReaddirFull)->RangeMultiplier(8)->Range(8, 1 << 20)
    ->Unit(benchmark::kMicrosecond)->Complexity(benchmark::oN);

// Lookup (path_filestat_get) in a directory of n entries: O(1) (hashed).
void BM_LookupByWidth(benchmark::State& state) {
  World w;
  for (int64_t i = 0; i < state.range(0); ++i) {
    (void)w.ctx.fd_close(w.Create("e" + std::to_string(i)));
  }
  const std::string name = "e" + std::to_string(state.range(0) / 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.ctx.path_filestat_get(w.base, Lookupflags(), name));
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_LookupByWidth)->RangeMultiplier(8)->Range(8, 1 << 20)
    ->Complexity(benchmark::o1);

}  // namespace
}  // namespace vfs

BENCHMARK_MAIN();
