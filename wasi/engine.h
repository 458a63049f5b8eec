// Engine: runs a wasm32-wasip1 module with its wasi_snapshot_preview1
// imports bound to a WasiAbi. The ABI layer knows nothing about engines;
// an engine knows nothing about the filesystem. wabt's interpreter is the
// one engine today (wabt_engine.cc); another can be added behind this
// interface without touching wasi/abi.
#ifndef WASI_ENGINE_H_
#define WASI_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasi/abi.h"

namespace vfs::wasi {

// Exit status for a trap, as a shell reports SIGABRT (128 + 6), like
// wasmtime on Unix.
inline constexpr int kTrapExitStatus = 134;

struct RunOptions {
  // Names the module in error messages.
  std::string module_name = "module";
  // Stop after roughly this many executed instructions (0: no limit).
  uint64_t instruction_budget = 0;
};

struct RunOutcome {
  int exit_status = 0;       // proc_exit's code, 0 when _start returns
  bool trapped = false;      // exit_status is kTrapExitStatus
  std::string trap_message;  // what trapped, for stderr
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Loads, links and runs `_start`. Errors: InvalidArgument for bytes that
  // are not a valid module; FailedPrecondition naming an import that is
  // unknown or whose signature differs from the witx (the host function is
  // never entered); NotFound without `_start`; ResourceExhausted when the
  // instruction budget runs out. A trap is not an error: it is a RunOutcome
  // with exit status 134.
  virtual absl::StatusOr<RunOutcome> Run(absl::Span<const uint8_t> wasm,
                                         WasiAbi& abi,
                                         const RunOptions& options) = 0;
};

std::unique_ptr<Engine> NewWabtEngine();

}  // namespace vfs::wasi

#endif  // WASI_ENGINE_H_
