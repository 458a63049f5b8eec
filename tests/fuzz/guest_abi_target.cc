// F9: the host-call ABI as a hostile guest drives it. The input is a
// sequence of records over one 64 KiB linear memory (zeroed at the start):
// a "poke" record writes bytes into memory (building iovecs, paths and
// structs), a "call" record runs one import with raw arguments, each drawn
// as a small number, a pointer into memory, a pointer near the end of
// memory, a value near 2^32, or any 64-bit value.
//
// Oracles: no sanitizer report (the memory is its own heap block, so ASan
// sees any access past it); a trap leaves memory exactly as it was; after
// every call Fsck passes, outside/ is unchanged and no descriptor names an
// outside inode.
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"
#include "wasi/abi.h"
#include "wasi/guest_memory.h"
#include "wasi/imports.h"

namespace vfs::fuzz {
namespace {

constexpr size_t kMemorySize = 64 << 10;
constexpr int kMaxRecords = 64;

uint64_t Arg(FuzzInput& in, wasi::ValType type) {
  uint64_t v;
  switch (in.U8() % 6) {
    case 0: v = in.U8() % 16; break;                           // fds, small counts
    case 1: v = in.U16();  break;                              // anywhere in memory
    case 2: v = kMemorySize - in.U8() % 32; break;             // near the end
    case 3: v = 0xFFFFFFFFull - in.U8() % 32; break;           // near 2^32
    case 4: v = in.U16() & ~uint64_t{7}; break;                // aligned
    default: v = in.U64(); break;
  }
  // i32 arguments arrive zero-extended (abi.h).
  return type == wasi::ValType::kI32 ? (v & 0xFFFFFFFFull) : v;
}

}  // namespace

int FuzzGuestAbi(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  World w = MakeWorld(in.U16());
  // stdio as `vfs run` sets it up: stdin holds a line then end of file;
  // stdout and stderr discard what they get (so nothing accumulates).
  const auto discard = [](absl::Span<const uint8_t>) { return Errno::kSuccess; };
  FUZZ_CHECK(w.ctx->AttachStream(0, StreamEnd::kRead).ok(), "stdin");
  FUZZ_CHECK(w.ctx->StreamFeed(0, "input line\n").ok(), "stdin feed");
  FUZZ_CHECK(w.ctx->StreamCloseInput(0).ok(), "stdin close");
  FUZZ_CHECK(w.ctx->AttachStream(1, StreamEnd::kWrite, discard).ok(), "stdout");
  FUZZ_CHECK(w.ctx->AttachStream(2, StreamEnd::kWrite, discard).ok(), "stderr");

  wasi::AbiOptions options;
  options.args = {"prog", "arg"};
  options.env = {"A=1"};
  options.deterministic = true;  // poll_oneoff advances clocks, never sleeps
  wasi::WasiAbi abi(*w.ctx, options);

  std::vector<uint8_t> memory(kMemorySize);
  std::vector<uint8_t> before;
  const auto& table = wasi::ImportTable();
  for (int i = 0; i < kMaxRecords && !in.empty(); ++i) {
    const uint8_t kind = in.U8();
    if (kind < 0x40) {  // poke: offset, length, bytes
      const uint16_t at = in.U16();
      const std::string bytes = in.Bytes(in.U8() % 64);
      const size_t n = std::min(bytes.size(), kMemorySize - at);
      std::memcpy(memory.data() + at, bytes.data(), n);
      continue;
    }
    const wasi::ImportSignature& sig = table[in.U8() % table.size()];
    std::vector<uint64_t> args;
    for (wasi::ValType t : sig.params) args.push_back(Arg(in, t));
    before = memory;
    const wasi::Outcome out =
        abi.Call(sig.id, args, wasi::GuestMemory(memory.data(), memory.size()));
    std::string what = absl::StrCat("call ", i, " ", std::string(sig.name), "(");
    for (size_t k = 0; k < args.size(); ++k) absl::StrAppend(&what, k ? ", " : "", args[k]);
    absl::StrAppend(&what, ")");
    if (out.kind == wasi::Outcome::kTrap) {
      FUZZ_CHECK(memory == before, what + ": trapped (" + out.message +
                                       ") after writing guest memory");
    }
    CheckWorld(w, what);
  }
  FinishWorld(w);
  return 0;
}

}  // namespace vfs::fuzz
