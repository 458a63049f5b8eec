// WasiAbi: every wasi_snapshot_preview1 function over a guest's linear
// memory, on top of a vfs::WasiFilesystem (a Context, or a decorator over one
// such as fixtures/journal.h's). It decodes raw arguments (the i32/i64
// values an engine hands over), checks every pointer and length against
// GuestMemory, calls the filesystem, and encodes results with the exact witx
// layouts. It knows nothing about any engine: an engine binding checks
// signatures against wasi/imports.h and forwards each call to Call().
//
// Traps: an out-of-bounds or misaligned pointer, as the witx requires, and
// proc_raise (as wasmtime). A trap never writes guest memory. Counts a guest
// controls (iovec counts, buffer lengths) are checked against the memory
// size before anything is allocated for them.
#ifndef WASI_ABI_H_
#define WASI_ABI_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "vfs/clock.h"
#include "vfs/wasi_filesystem.h"
#include "wasi/guest_memory.h"
#include "wasi/imports.h"

namespace vfs::wasi {

struct AbiOptions {
  // argv as the guest sees it (argv[0] first) and its environment: exactly
  // these, nothing from the host.
  std::vector<std::string> args;
  std::vector<std::string> env;  // "NAME=VALUE"
  // Fixed clocks (realtime and monotonic advance 1 µs per reading, poll
  // advances them instead of sleeping) and a seeded random_get. Otherwise
  // random_get reads the kernel's CSPRNG (getrandom).
  bool deterministic = false;
  uint64_t random_seed = 0;
  // Receives one line per call ("fd_write(1, 70976, 1, 70972) -> success",
  // raw arguments in decimal) when set, like strace.
  std::function<void(const std::string&)> trace;
};

// What a call did.
struct Outcome {
  enum Kind { kReturn, kTrap, kExit };
  Kind kind = kReturn;
  uint32_t value = 0;   // the errno (kReturn) or the exit code (kExit)
  std::string message;  // why it trapped
};

class WasiAbi {
 public:
  WasiAbi(WasiFilesystem& ctx, AbiOptions options);

  // Runs one import with `args` (one per parameter, i32 zero-extended).
  // `args.size()` must match the import's signature: engines check that at
  // instantiation.
  Outcome Call(Import id, absl::Span<const uint64_t> args, GuestMemory memory);

 private:
  Outcome Dispatch(Import id, absl::Span<const uint64_t> a, GuestMemory& m);
  Outcome ClockTimeGet(uint32_t id, uint32_t out, GuestMemory& m);
  Outcome PollOneoff(uint32_t in, uint32_t out, uint32_t n, uint32_t nevents,
                     GuestMemory& m);
  Outcome SockCheck(uint32_t fd);
  uint64_t Realtime();
  uint64_t Monotonic();

  WasiFilesystem& ctx_;
  AbiOptions options_;
  DeterministicClock fixed_realtime_;
  DeterministicClock fixed_monotonic_{0, 1000};
  std::mt19937_64 rng_;
};

}  // namespace vfs::wasi

#endif  // WASI_ABI_H_
