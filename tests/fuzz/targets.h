// The fuzz targets' entry points. Each target's logic lives in one function
// so that two drivers share it: a libFuzzer binary (<name>_fuzz.cc, built
// with -DVFS_FUZZ=ON under clang) and the Catch2 regression test
// (tests/fuzz_regressions_test.cc), which replays every committed corpus and
// regression input through the same code under g++ as well.
//
// A target returns 0 (libFuzzer's convention) and aborts through
// FUZZ_CHECK (fuzz_support.h) when an oracle fails, so the fuzzer records
// the input as a crash.
#ifndef TESTS_FUZZ_TARGETS_H_
#define TESTS_FUZZ_TARGETS_H_

#include <cstddef>
#include <cstdint>

namespace vfs::fuzz {

// F3: a sequence of preview1 calls on 8 descriptor slots over a small tree;
// after every call Fsck passes, the sibling `outside/` is unchanged and no
// descriptor or returned stat names an inode outside the preopen.
int FuzzWasiOps(const uint8_t* data, size_t size);
// F7: bytes as a snapshot through LoadSnapshot, InspectSnapshot and
// RestoreSnapshot; never crashes, agrees with itself, round-trips.
int FuzzSnapshotRestore(const uint8_t* data, size_t size);
// A random tree, then path_open / path_filestat_get probes with random
// paths and flags; every resolution stays inside the preopen.
int FuzzPathResolver(const uint8_t* data, size_t size);
// F9: WasiAbi::Call with random imports and raw arguments over a 64 KiB
// guest memory; a trap leaves memory untouched, Fsck passes.
int FuzzGuestAbi(const uint8_t* data, size_t size);

}  // namespace vfs::fuzz

#endif  // TESTS_FUZZ_TARGETS_H_
