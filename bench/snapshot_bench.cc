// Snapshot, restore and fork costs (issue 4). Trees are built with the host
// API (Filesystem::WriteFile) under a DeterministicClock: files of 4 KiB,
// 100 to a directory, plus optionally one big file. Building the tree, and
// destroying what an iteration produced, happen outside the timed region;
// every tree is built inside the benchmark function and freed when it
// returns, so runs do not pile up memory. Each run does one untimed
// operation before the timed loop (see RunSave). Times and rates are CPU
// time (the default); the machine is shared, so wall time is noisier.
//
// Headline figures: BM_SnapshotSave / BM_SnapshotLoad (bytes per second of
// snapshot, 10,000 x 4 KiB + 64 MiB) and BM_Fork (ms per fork, 10,000 x
// 4 KiB + 0, 64 or 256 MiB). The *Files and *Bytes sweeps fit a complexity,
// so a cost that is not linear in files (or, for fork, not independent of
// bytes) shows up as a wrong fit. Figures go to bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "serialize/fork.h"
#include "serialize/snapshot.h"
#include "vfs/clock.h"
#include "vfs/filesystem.h"

namespace vfs {
namespace {

constexpr size_t kSmallFileBytes = 4096;
constexpr int64_t kFilesPerDir = 100;
constexpr int64_t kHeadlineFiles = 10'000;
constexpr size_t kMiB = size_t{1} << 20;

// A deterministic byte pattern that is not all one value (period 251).
std::string Pattern(size_t n, uint8_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i + seed) % 251);
  return s;
}

// `files` files of 4 KiB in directories of 100 ("d0000/f000"), plus one
// file "big" of `big_bytes` bytes if that is not zero.
std::shared_ptr<Filesystem> BuildTree(int64_t files, size_t big_bytes) {
  FilesystemOptions options;
  options.clock = std::make_shared<DeterministicClock>();
  auto fs = Filesystem::Create(std::move(options));
  std::string small = Pattern(kSmallFileBytes, 0);
  char path[32];
  for (int64_t i = 0; i < files; ++i) {
    const int64_t dir = i / kFilesPerDir;
    if (i % kFilesPerDir == 0) {
      std::snprintf(path, sizeof(path), "d%04lld", static_cast<long long>(dir));
      if (!fs->MakeDirectories(path).ok()) return nullptr;
    }
    std::snprintf(path, sizeof(path), "d%04lld/f%03lld", static_cast<long long>(dir),
                  static_cast<long long>(i % kFilesPerDir));
    small[0] = static_cast<char>(i);  // not every file identical
    if (!fs->WriteFile(path, small).ok()) return nullptr;
  }
  if (big_bytes > 0) {
    if (!fs->WriteFile("big", Pattern(big_bytes, 7)).ok()) return nullptr;
  }
  return fs;
}

// ---- Save ----

// `reuse`: save into one string kept across iterations (SaveSnapshotInto),
// as a host checkpointing repeatedly would; its pages stay mapped, so the
// figure is the encoding itself. Otherwise every save returns a new string.
void RunSave(benchmark::State& state, int64_t files, size_t big_bytes,
             bool reuse = false) {
  std::shared_ptr<Filesystem> fs = BuildTree(files, big_bytes);
  if (fs == nullptr) {
    state.SkipWithError("building the tree failed");
    return;
  }
  // One untimed save first, so that a run of one iteration measures the
  // steady state, as a run of many does (the heap already grown). Outputs
  // over glibc's largest mmap threshold (32 MiB) are still a fresh mmap, and
  // so page faults, on every call: that is what a caller pays.
  size_t snapshot_bytes = 0;
  if (absl::StatusOr<std::string> warm = SaveSnapshot(*fs); warm.ok()) {
    snapshot_bytes = warm->size();
  } else {
    state.SkipWithError(std::string(warm.status().message()).c_str());
    return;
  }
  std::string reused;
  for (auto _ : state) {
    if (reuse) {
      absl::Status s = SaveSnapshotInto(&reused, *fs);
      benchmark::DoNotOptimize(reused);
      if (!s.ok()) {
        state.SkipWithError(std::string(s.message()).c_str());
        break;
      }
      snapshot_bytes = reused.size();
      continue;
    }
    absl::StatusOr<std::string> bytes = SaveSnapshot(*fs);
    benchmark::DoNotOptimize(bytes);
    state.PauseTiming();  // freeing the snapshot is not part of saving
    if (!bytes.ok()) {
      state.SkipWithError(std::string(bytes.status().message()).c_str());
      state.ResumeTiming();
      break;
    }
    snapshot_bytes = bytes->size();
    bytes = std::string();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(snapshot_bytes));
  state.counters["snapshot_bytes"] = static_cast<double>(snapshot_bytes);
  state.counters["files"] = static_cast<double>(files + (big_bytes > 0 ? 1 : 0));
}

// SaveSnapshot of 10,000 x 4 KiB + 64 MiB.
void BM_SnapshotSave(benchmark::State& state) {
  RunSave(state, kHeadlineFiles, 64 * kMiB);
}
BENCHMARK(BM_SnapshotSave)->Unit(benchmark::kMillisecond)->Iterations(10);

// The same into a reused buffer (SaveSnapshotInto).
void BM_SnapshotSaveReused(benchmark::State& state) {
  RunSave(state, kHeadlineFiles, 64 * kMiB, /*reuse=*/true);
}
BENCHMARK(BM_SnapshotSaveReused)->Unit(benchmark::kMillisecond)->Iterations(10);

// ---- Load ----

void RunLoad(benchmark::State& state, int64_t files, size_t big_bytes) {
  std::string bytes;
  {
    std::shared_ptr<Filesystem> fs = BuildTree(files, big_bytes);
    if (fs == nullptr) {
      state.SkipWithError("building the tree failed");
      return;
    }
    absl::StatusOr<std::string> saved = SaveSnapshot(*fs);
    if (!saved.ok()) {
      state.SkipWithError(std::string(saved.status().message()).c_str());
      return;
    }
    bytes = *std::move(saved);
  }  // the source tree is freed before timing starts
  (void)LoadSnapshot(bytes);  // untimed warm-up, as in RunSave
  for (auto _ : state) {
    absl::StatusOr<LiveState> live = LoadSnapshot(bytes);
    benchmark::DoNotOptimize(live);
    state.PauseTiming();  // destroying the restored state is not loading
    if (!live.ok()) {
      state.SkipWithError(std::string(live.status().message()).c_str());
      state.ResumeTiming();
      break;
    }
    *live = LiveState();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
  state.counters["snapshot_bytes"] = static_cast<double>(bytes.size());
  state.counters["files"] = static_cast<double>(files + (big_bytes > 0 ? 1 : 0));
}

// LoadSnapshot of the BM_SnapshotSave snapshot (validation and fsck included).
void BM_SnapshotLoad(benchmark::State& state) {
  RunLoad(state, kHeadlineFiles, 64 * kMiB);
}
BENCHMARK(BM_SnapshotLoad)->Unit(benchmark::kMillisecond)->Iterations(10);

// ---- Fork ----

void RunFork(benchmark::State& state, int64_t files, size_t big_bytes) {
  std::shared_ptr<Filesystem> fs = BuildTree(files, big_bytes);
  if (fs == nullptr) {
    state.SkipWithError("building the tree failed");
    return;
  }
  (void)Fork(*fs);  // untimed warm-up, as in RunSave
  for (auto _ : state) {
    absl::StatusOr<LiveState> forked = Fork(*fs);
    benchmark::DoNotOptimize(forked);
    state.PauseTiming();  // destroying the fork is not forking
    if (!forked.ok()) {
      state.SkipWithError(std::string(forked.status().message()).c_str());
      state.ResumeTiming();
      break;
    }
    *forked = LiveState();
    state.ResumeTiming();
  }
  state.counters["files"] = static_cast<double>(files + (big_bytes > 0 ? 1 : 0));
  state.counters["file_bytes"] =
      static_cast<double>(files * kSmallFileBytes + big_bytes);
}

// Fork of 10,000 x 4 KiB + one file of range(0) MiB (0, 64, 256). N is the
// total file bytes in KiB (40,000 ... 302,144), and the fit is o1: a small
// RMS means the time does not depend on the bytes (file data is shared
// copy-on-write, never copied).
void BM_Fork(benchmark::State& state) {
  const size_t big_bytes = static_cast<size_t>(state.range(0)) * kMiB;
  RunFork(state, kHeadlineFiles, big_bytes);
  state.SetComplexityN(
      static_cast<int64_t>((kHeadlineFiles * kSmallFileBytes + big_bytes) / 1024));
}
BENCHMARK(BM_Fork)->ArgName("big_MiB")->Arg(256)->Arg(64)->Arg(0)
    ->Unit(benchmark::kMillisecond)->Iterations(100)->Complexity(benchmark::o1);

// ---- Sweeps in files: 1 Ki ... 64 Ki files of 4 KiB, no big file. ----
// (Google benchmark 1.7.1 prints the fitted BigO coefficient in ns whatever
// the unit, so it reads as ns per file here and ns per MiB below.)

// The save sweeps reuse their buffer: a fresh buffer's page faults grow
// with the machine's state, not with the work (see RESULTS.md).
void BM_SnapshotSaveFiles(benchmark::State& state) {
  RunSave(state, state.range(0), 0, /*reuse=*/true);
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_SnapshotSaveFiles)->ArgName("files")->RangeMultiplier(4)
    ->Range(1 << 10, 1 << 16)->Unit(benchmark::kMillisecond)->MinTime(0.2)
    ->Complexity(benchmark::oN);

void BM_SnapshotLoadFiles(benchmark::State& state) {
  RunLoad(state, state.range(0), 0);
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_SnapshotLoadFiles)->ArgName("files")->RangeMultiplier(4)
    ->Range(1 << 10, 1 << 16)->Unit(benchmark::kMillisecond)->MinTime(0.2)
    ->Complexity(benchmark::oN);

void BM_ForkFiles(benchmark::State& state) {
  RunFork(state, state.range(0), 0);
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_ForkFiles)->ArgName("files")->RangeMultiplier(4)
    ->Range(1 << 10, 1 << 16)->Unit(benchmark::kMillisecond)->MinTime(0.2)
    ->Complexity(benchmark::oN);

// ---- Sweeps in bytes: one file of 4 ... 256 MiB, nothing else. ----
// N is MiB.

void BM_SnapshotSaveBytes(benchmark::State& state) {
  RunSave(state, 0, static_cast<size_t>(state.range(0)) * kMiB, /*reuse=*/true);
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_SnapshotSaveBytes)->ArgName("MiB")->RangeMultiplier(4)->Range(4, 256)
    ->Unit(benchmark::kMillisecond)->MinTime(0.2)->Complexity(benchmark::oN);

void BM_SnapshotLoadBytes(benchmark::State& state) {
  RunLoad(state, 0, static_cast<size_t>(state.range(0)) * kMiB);
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_SnapshotLoadBytes)->ArgName("MiB")->RangeMultiplier(4)->Range(4, 256)
    ->Unit(benchmark::kMillisecond)->MinTime(0.2)->Complexity(benchmark::oN);

}  // namespace
}  // namespace vfs

BENCHMARK_MAIN();
