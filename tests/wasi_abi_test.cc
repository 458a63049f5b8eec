// WasiAbi::Call driven directly, with no engine: a GuestMemory over a 64 KiB
// std::vector stands for the guest's linear memory.
//
// - Pointer hardening (reliability.md F9): a table of every pointer and
//   length/count parameter of every preview1 import (from the witx), and for
//   each one the out-of-bounds, wrapping, misaligned and oversized-count
//   cases. Each must trap, leave guest memory byte-identical and leave the
//   filesystem, the descriptor table and the file offset unchanged.
// - Layouts: filestat, fdstat, prestat, dirents, u64 and u32 results at the
//   witx offsets.
// - args/environ, clocks, random_get, poll_oneoff, proc_*, sched_yield,
//   sock_*, the iovec count limit and the trace callback.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"
#include "wasi/abi.h"
#include "wasi/guest_memory.h"
#include "wasi/imports.h"

namespace vfs::wasi::testing {
namespace {

using ::vfs::testing::Sandbox;
using ::vfs::testing::SubtreeDigest;

constexpr uint32_t kMemSize = 64 * 1024;
constexpr uint64_t k4G = uint64_t{1} << 32;

// ---------------------------------------------------------------------------
// Guest memory

struct Guest {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(kMemSize, 0);

  GuestMemory view() { return GuestMemory(bytes.data(), bytes.size()); }
  void Fill(uint8_t b) { std::fill(bytes.begin(), bytes.end(), b); }
  void Put(uint32_t at, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) bytes.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
  }
  void PutU16(uint32_t at, uint16_t v) { Put(at, v, 2); }
  void PutU32(uint32_t at, uint32_t v) { Put(at, v, 4); }
  void PutU64(uint32_t at, uint64_t v) { Put(at, v, 8); }
  void PutStr(uint32_t at, std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) bytes.at(at + i) = static_cast<uint8_t>(s[i]);
  }
  void PutIovec(uint32_t at, uint32_t buf, uint32_t len) {
    PutU32(at, buf);
    PutU32(at + 4, len);
  }
  uint64_t Get(uint32_t at, size_t n) const {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{bytes.at(at + i)} << (8 * i);
    return v;
  }
  uint8_t U8(uint32_t at) const { return bytes.at(at); }
  uint16_t U16(uint32_t at) const { return static_cast<uint16_t>(Get(at, 2)); }
  uint32_t U32(uint32_t at) const { return static_cast<uint32_t>(Get(at, 4)); }
  uint64_t U64(uint32_t at) const { return Get(at, 8); }
  std::string Str(uint32_t at, size_t n) const {
    std::string out;
    for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(bytes.at(at + i)));
    return out;
  }
  // True when [at, at + n) all hold `b`.
  bool All(uint32_t at, size_t n, uint8_t b) const {
    for (size_t i = 0; i < n; ++i) {
      if (bytes.at(at + i) != b) return false;
    }
    return true;
  }
};

// The first offset where two memories differ, or -1 (so a failure prints a
// number, not 64 KiB).
int64_t FirstDifference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size()) return static_cast<int64_t>(std::min(a.size(), b.size()));
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return static_cast<int64_t>(i);
  }
  return -1;
}

std::string Describe(const Outcome& o) {
  switch (o.kind) {
    case Outcome::kReturn:
      return "return " + std::string(ErrnoName(static_cast<Errno>(o.value)));
    case Outcome::kExit:
      return "exit " + std::to_string(o.value);
    case Outcome::kTrap:
      return "trap: " + o.message;
  }
  return "?";
}

#define CHECK_RETURNS(outcome, want)                    \
  do {                                                  \
    const ::vfs::wasi::Outcome o_ = (outcome);          \
    INFO("outcome: " << Describe(o_));                  \
    CHECK(o_.kind == ::vfs::wasi::Outcome::kReturn);    \
    CHECK_ERRNO(static_cast<::vfs::Errno>(o_.value), want); \
  } while (0)

#define CHECK_TRAPS(outcome)                         \
  do {                                               \
    const ::vfs::wasi::Outcome o_ = (outcome);       \
    INFO("outcome: " << Describe(o_));               \
    CHECK(o_.kind == ::vfs::wasi::Outcome::kTrap);   \
    CHECK_FALSE(o_.message.empty());                 \
  } while (0)

// ---------------------------------------------------------------------------
// The fixture: a Sandbox with a file open at a known fd, a guest memory and
// a WasiAbi over the Sandbox's Context.

constexpr std::string_view kTree =
    "base/f.txt = hello world\n"
    "base/d/\n"
    "base/link -> f.txt\n";
constexpr std::string_view kFileText = "hello world";

const std::vector<std::string>& Args() {
  static const auto* v = new std::vector<std::string>{"prog", "x"};
  return *v;
}
const std::vector<std::string>& Env() {
  static const auto* v = new std::vector<std::string>{"A=1"};
  return *v;
}
uint32_t StringBytes(const std::vector<std::string>& v) {
  uint32_t n = 0;
  for (const auto& s : v) n += static_cast<uint32_t>(s.size() + 1);
  return n;
}

AbiOptions DefaultOptions() {
  AbiOptions o;
  o.args = Args();
  o.env = Env();
  o.deterministic = true;
  o.random_seed = 1;
  return o;
}

struct Fixture {
  explicit Fixture(AbiOptions options = DefaultOptions())
      : sb(kTree), abi(sb.ctx(), std::move(options)) {
    Result<fd_t> fd = sb.ctx().path_open(sb.base(), lookupflags::kSymlinkFollow, "f.txt",
                                         Oflags(), rights::kAll, rights::kAll, Fdflags());
    REQUIRE(fd.ok());
    file = *fd;
  }
  Outcome Call(Import id, std::vector<uint64_t> args) {
    return abi.Call(id, absl::MakeConstSpan(args), mem.view());
  }
  Context& ctx() { return sb.ctx(); }

  Sandbox sb;
  WasiAbi abi;
  Guest mem;
  fd_t file = 0;
};

// Guest addresses the baseline calls use.
constexpr uint32_t kPathF = 0x100;     // "f.txt"
constexpr uint32_t kPathG = 0x110;     // "g.txt"
constexpr uint32_t kPathNew = 0x120;   // "newdir"
constexpr uint32_t kPathD = 0x130;     // "d"
constexpr uint32_t kPathLink = 0x140;  // "link"
constexpr uint32_t kPathS = 0x150;     // "s"
constexpr uint32_t kIovs = 0x200;      // two iovecs: {kBuf, 4}, {kBuf + 16, 4}
constexpr uint32_t kOutA = 0x300;      // u32 result (or an 8-byte prestat)
constexpr uint32_t kOutB = 0x304;      // second u32 / u16 result
constexpr uint32_t kOut64 = 0x308;     // u64 result
constexpr uint32_t kRecord = 0x400;    // filestat / fdstat
constexpr uint32_t kArgv = 0x500;      // argv / environ pointer array
constexpr uint32_t kSubs = 0x800;      // subscriptions (48 bytes each)
constexpr uint32_t kEvents = 0x900;    // events (32 bytes each)
constexpr uint32_t kBuf = 0x1000;      // data buffers

// poll_oneoff records (witx subscription / event).
void PutClockSub(Guest& g, uint32_t at, uint64_t userdata, uint32_t clock,
                 uint64_t timeout, uint16_t flags) {
  for (uint32_t i = 0; i < 48; ++i) g.bytes.at(at + i) = 0;
  g.PutU64(at + 0, userdata);
  g.bytes.at(at + 8) = 0;  // eventtype clock
  g.PutU32(at + 16, clock);
  g.PutU64(at + 24, timeout);
  g.PutU64(at + 32, 0);  // precision
  g.PutU16(at + 40, flags);
}
void PutFdSub(Guest& g, uint32_t at, uint64_t userdata, uint8_t type, uint32_t fd) {
  for (uint32_t i = 0; i < 48; ++i) g.bytes.at(at + i) = 0;
  g.PutU64(at + 0, userdata);
  g.bytes.at(at + 8) = type;  // 1 fd_read, 2 fd_write
  g.PutU32(at + 16, fd);
}
struct Event {
  uint64_t userdata;
  uint16_t error;
  uint8_t type;
  uint64_t nbytes;
  uint16_t flags;
};
Event GetEvent(const Guest& g, uint32_t at) {
  return Event{g.U64(at), g.U16(at + 8), g.U8(at + 10), g.U64(at + 16), g.U16(at + 24)};
}

// A call that proceeds: every pointer in bounds and aligned, every other
// argument valid. The pointer cases below change one argument of it.
struct Baseline {
  std::vector<uint64_t> args;
  Errno expect;
};

Baseline SetUpBaseline(Import id, Fixture& f) {
  Guest& m = f.mem;
  m.PutStr(kPathF, "f.txt");
  m.PutStr(kPathG, "g.txt");
  m.PutStr(kPathNew, "newdir");
  m.PutStr(kPathD, "d");
  m.PutStr(kPathLink, "link");
  m.PutStr(kPathS, "s");
  m.PutIovec(kIovs, kBuf, 4);
  m.PutIovec(kIovs + 8, kBuf + 16, 4);
  m.PutStr(kBuf, "ABCD");
  m.PutStr(kBuf + 16, "EFGH");
  PutFdSub(m, kSubs, 0x1234, 1, f.file);
  const uint64_t dir = f.sb.base();
  const uint64_t file = f.file;
  const uint64_t all = rights::kAll.bits();
  constexpr Errno ok = Errno::kSuccess;
  switch (id) {
    case Import::kArgsGet: return {{kArgv, kBuf}, ok};
    case Import::kArgsSizesGet: return {{kOutA, kOutB}, ok};
    case Import::kEnvironGet: return {{kArgv, kBuf}, ok};
    case Import::kEnvironSizesGet: return {{kOutA, kOutB}, ok};
    case Import::kClockResGet: return {{1, kOut64}, ok};
    case Import::kClockTimeGet: return {{1, 0, kOut64}, ok};
    case Import::kFdFdstatGet: return {{file, kRecord}, ok};
    case Import::kFdFilestatGet: return {{file, kRecord}, ok};
    case Import::kFdPread: return {{file, kIovs, 2, 0, kOutA}, ok};
    case Import::kFdPrestatGet: return {{dir, kOutA}, ok};
    case Import::kFdPrestatDirName: return {{dir, kBuf, 8}, ok};  // "/sandbox"
    case Import::kFdPwrite: return {{file, kIovs, 2, 0, kOutA}, ok};
    case Import::kFdRead: return {{file, kIovs, 2, kOutA}, ok};
    case Import::kFdReaddir: return {{dir, kBuf, 256, 0, kOutA}, ok};
    case Import::kFdSeek: return {{file, 0, 0, kOut64}, ok};
    case Import::kFdTell: return {{file, kOut64}, ok};
    case Import::kFdWrite: return {{file, kIovs, 2, kOutA}, ok};
    case Import::kPathCreateDirectory: return {{dir, kPathNew, 6}, ok};
    case Import::kPathFilestatGet: return {{dir, 1, kPathF, 5, kRecord}, ok};
    case Import::kPathFilestatSetTimes: return {{dir, 1, kPathF, 5, 0, 0, 8}, ok};
    case Import::kPathLink: return {{dir, 0, kPathF, 5, dir, kPathG, 5}, ok};
    case Import::kPathOpen: return {{dir, 1, kPathF, 5, 0, all, all, 0, kOutA}, ok};
    case Import::kPathReadlink: return {{dir, kPathLink, 4, kBuf, 64, kOutA}, ok};
    case Import::kPathRemoveDirectory: return {{dir, kPathD, 1}, ok};
    case Import::kPathRename: return {{dir, kPathF, 5, dir, kPathG, 5}, ok};
    case Import::kPathSymlink: return {{kPathF, 5, dir, kPathS, 1}, ok};
    case Import::kPathUnlinkFile: return {{dir, kPathF, 5}, ok};
    case Import::kPollOneoff: return {{kSubs, kEvents, 1, kOutA}, ok};
    case Import::kRandomGet: return {{kBuf, 16}, ok};
    case Import::kSockAccept: return {{file, 0, kOutA}, Errno::kNotsock};
    case Import::kSockRecv: return {{file, kIovs, 2, 0, kOutA, kOutB}, Errno::kNotsock};
    case Import::kSockSend: return {{file, kIovs, 2, 0, kOutA}, Errno::kNotsock};
    default: break;
  }
  FAIL("no baseline for import " << static_cast<int>(id));
  return {};
}

// ---------------------------------------------------------------------------
// The pointer table: every pointer parameter of every preview1 import, with
// its length or count parameter, from wasi_snapshot_preview1.witx.

struct PtrArg {
  enum Kind {
    kFixed,   // points to `size` bytes (a record or an integer result)
    kBuffer,  // points to `len` bytes (a string or byte buffer)
    kArray,   // points to `len` elements of `size` bytes
  };
  const char* name;  // the witx parameter
  size_t ptr;        // index of the pointer argument
  int len;           // index of its length/count argument, or -1
  Kind kind;
  uint32_t size;
  uint32_t align;
  bool iovecs;  // an (c)iovec array: every element names a buffer too
};

PtrArg Fixed(const char* name, size_t ptr, uint32_t size, uint32_t align) {
  return PtrArg{name, ptr, -1, PtrArg::kFixed, size, align, false};
}
PtrArg Buffer(const char* name, size_t ptr, int len) {
  return PtrArg{name, ptr, len, PtrArg::kBuffer, 1, 1, false};
}
PtrArg Array(const char* name, size_t ptr, int count, uint32_t size, uint32_t align) {
  return PtrArg{name, ptr, count, PtrArg::kArray, size, align, false};
}
PtrArg Iovecs(const char* name, size_t ptr, int count) {
  return PtrArg{name, ptr, count, PtrArg::kArray, 8, 4, true};
}

struct PointerParams {
  Import id;
  std::vector<PtrArg> ptrs;
};

const std::vector<PointerParams>& PointerTable() {
  const uint32_t argv = 4 * static_cast<uint32_t>(Args().size());
  const uint32_t environ = 4 * static_cast<uint32_t>(Env().size());
  static const auto* table = new std::vector<PointerParams>{
      {Import::kArgsGet, {Fixed("argv", 0, argv, 4), Fixed("argv_buf", 1, StringBytes(Args()), 1)}},
      {Import::kArgsSizesGet, {Fixed("argc", 0, 4, 4), Fixed("argv_buf_size", 1, 4, 4)}},
      {Import::kEnvironGet,
       {Fixed("environ", 0, environ, 4), Fixed("environ_buf", 1, StringBytes(Env()), 1)}},
      {Import::kEnvironSizesGet,
       {Fixed("environc", 0, 4, 4), Fixed("environ_buf_size", 1, 4, 4)}},
      {Import::kClockResGet, {Fixed("resolution", 1, 8, 8)}},
      {Import::kClockTimeGet, {Fixed("time", 2, 8, 8)}},
      {Import::kFdFdstatGet, {Fixed("fdstat", 1, 24, 8)}},
      {Import::kFdFilestatGet, {Fixed("filestat", 1, 64, 8)}},
      {Import::kFdPread, {Iovecs("iovs", 1, 2), Fixed("nread", 4, 4, 4)}},
      {Import::kFdPrestatGet, {Fixed("prestat", 1, 8, 4)}},
      {Import::kFdPrestatDirName, {Buffer("path", 1, 2)}},
      {Import::kFdPwrite, {Iovecs("iovs", 1, 2), Fixed("nwritten", 4, 4, 4)}},
      {Import::kFdRead, {Iovecs("iovs", 1, 2), Fixed("nread", 3, 4, 4)}},
      {Import::kFdReaddir, {Buffer("buf", 1, 2), Fixed("bufused", 4, 4, 4)}},
      {Import::kFdSeek, {Fixed("newoffset", 3, 8, 8)}},
      {Import::kFdTell, {Fixed("offset", 1, 8, 8)}},
      {Import::kFdWrite, {Iovecs("iovs", 1, 2), Fixed("nwritten", 3, 4, 4)}},
      {Import::kPathCreateDirectory, {Buffer("path", 1, 2)}},
      {Import::kPathFilestatGet, {Buffer("path", 2, 3), Fixed("filestat", 4, 64, 8)}},
      {Import::kPathFilestatSetTimes, {Buffer("path", 2, 3)}},
      {Import::kPathLink, {Buffer("old_path", 2, 3), Buffer("new_path", 5, 6)}},
      {Import::kPathOpen, {Buffer("path", 2, 3), Fixed("opened_fd", 8, 4, 4)}},
      {Import::kPathReadlink,
       {Buffer("path", 1, 2), Buffer("buf", 3, 4), Fixed("bufused", 5, 4, 4)}},
      {Import::kPathRemoveDirectory, {Buffer("path", 1, 2)}},
      {Import::kPathRename, {Buffer("old_path", 1, 2), Buffer("new_path", 4, 5)}},
      {Import::kPathSymlink, {Buffer("old_path", 0, 1), Buffer("new_path", 3, 4)}},
      {Import::kPathUnlinkFile, {Buffer("path", 1, 2)}},
      {Import::kPollOneoff,
       {Array("in", 0, 2, 48, 8), Array("out", 1, 2, 32, 8), Fixed("nevents", 3, 4, 4)}},
      {Import::kRandomGet, {Buffer("buf", 0, 1)}},
      {Import::kSockAccept, {Fixed("fd", 2, 4, 4)}},
      {Import::kSockRecv,
       {Iovecs("ri_data", 1, 2), Fixed("ro_datalen", 4, 4, 4), Fixed("ro_flags", 5, 2, 2)}},
      {Import::kSockSend, {Iovecs("si_data", 1, 2), Fixed("so_datalen", 4, 4, 4)}},
  };
  return *table;
}

std::string ImportName(Import id) {
  return std::string(ImportTable()[static_cast<size_t>(id)].name);
}

// Bytes the pointer covers with the baseline arguments.
uint64_t Need(const PtrArg& p, const std::vector<uint64_t>& args) {
  switch (p.kind) {
    case PtrArg::kFixed: return p.size;
    case PtrArg::kBuffer: return args.at(static_cast<size_t>(p.len));
    case PtrArg::kArray: return args.at(static_cast<size_t>(p.len)) * p.size;
  }
  return 0;
}

uint64_t AlignDown(uint64_t v, uint32_t align) { return v - v % align; }

// One way of breaking one pointer argument.
enum class Family {
  kPastEnd,      // the region ends one byte (or one aligned step) past memory
  kPtrMax,       // ptr = 0xFFFFFFFF
  kLenMax,       // len/count = 0xFFFFFFFF
  kWrap,         // ptr + len (or count × size) wraps 2^32
  kMisaligned,   // an aligned record or integer at an unaligned address
  kCount2p31,    // an element count of 2^31
  kNestedIovec,  // the iovec array is fine, a buffer it names is not
};

struct TrapCase {
  Import id;
  std::string label;
  std::function<void(std::vector<uint64_t>&, Guest&)> mutate;
};

std::vector<TrapCase> TrapCases(Family family) {
  std::vector<TrapCase> out;
  for (const PointerParams& params : PointerTable()) {
    for (const PtrArg& p : params.ptrs) {
      const std::string who = ImportName(params.id) + " " + p.name + ": ";
      auto add = [&](std::string what, std::function<void(std::vector<uint64_t>&, Guest&)> fn) {
        out.push_back(TrapCase{params.id, who + what, std::move(fn)});
      };
      const size_t ptr = p.ptr;
      const size_t len = p.len < 0 ? 0 : static_cast<size_t>(p.len);
      switch (family) {
        case Family::kPastEnd:
          add("ptr = mem_size - need + 1", [p, ptr](std::vector<uint64_t>& a, Guest&) {
            a[ptr] = kMemSize - Need(p, a) + 1;
          });
          if (p.align > 1) {
            add("ptr = mem_size - need + align (aligned)",
                [p, ptr](std::vector<uint64_t>& a, Guest&) {
                  a[ptr] = kMemSize - Need(p, a) + p.align;
                });
          }
          break;
        case Family::kPtrMax:
          add("ptr = 0xFFFFFFFF", [ptr](std::vector<uint64_t>& a, Guest&) { a[ptr] = 0xFFFFFFFF; });
          break;
        case Family::kLenMax:
          if (p.len >= 0) {
            add("len = 0xFFFFFFFF",
                [len](std::vector<uint64_t>& a, Guest&) { a[len] = 0xFFFFFFFF; });
          }
          break;
        case Family::kWrap:
          switch (p.kind) {
            case PtrArg::kFixed:
              add("ptr + size wraps 2^32", [p, ptr](std::vector<uint64_t>& a, Guest&) {
                a[ptr] = AlignDown(k4G - std::max<uint64_t>(1, p.size / 2), p.align);
              });
              break;
            case PtrArg::kBuffer:
              add("ptr = 0xFFFFFF00, len = 0x200 (wraps to 0x100)",
                  [ptr, len](std::vector<uint64_t>& a, Guest&) {
                    a[ptr] = 0xFFFFFF00;
                    a[len] = 0x200;
                  });
              add("valid ptr, len = 2^32 - ptr + 1 (wraps to 1)",
                  [ptr, len](std::vector<uint64_t>& a, Guest&) { a[len] = k4G - a[ptr] + 1; });
              break;
            case PtrArg::kArray:
              add("ptr = 0xFFFFFF00, count x size = 0x200+ (wraps)",
                  [p, ptr, len](std::vector<uint64_t>& a, Guest&) {
                    a[ptr] = 0xFFFFFF00;
                    a[len] = (0x200 + p.size - 1) / p.size;
                  });
              add("count x size = 2^32 + small (wraps in 32 bits)",
                  [p, len](std::vector<uint64_t>& a, Guest&) { a[len] = k4G / p.size + 1; });
              break;
          }
          break;
        case Family::kMisaligned:
          for (uint32_t k = 1; k < p.align; ++k) {
            add("ptr = aligned + " + std::to_string(k),
                [ptr, k](std::vector<uint64_t>& a, Guest&) { a[ptr] += k; });
          }
          break;
        case Family::kCount2p31:
          if (p.kind == PtrArg::kArray) {
            add("count = 2^31", [len](std::vector<uint64_t>& a, Guest&) { a[len] = 0x80000000u; });
          }
          break;
        case Family::kNestedIovec:
          if (p.iovecs) {
            struct Bad {
              const char* what;
              uint32_t buf0, len0, buf1, len1;
            };
            const Bad bad[] = {
                {"iov[1] ends one byte past memory", kBuf, 4, kMemSize - 3, 4},
                {"iov[1] starts at mem_size", kBuf, 4, kMemSize, 1},
                {"iov[0].buf = 0xFFFFFFFF", 0xFFFFFFFF, 1, kBuf, 4},
                {"iov[0].len = 0xFFFFFFFF", kBuf, 0xFFFFFFFF, kBuf + 16, 4},
                {"iov[0] buf + len wraps 2^32", 0xFFFFFF00, 0x200, kBuf + 16, 4},
                {"iov[1].len = 0xFFFFFFFF after a valid iov[0]", kBuf, 4, kBuf + 16, 0xFFFFFFFF},
            };
            for (const Bad& b : bad) {
              add(b.what, [ptr, len, b](std::vector<uint64_t>& a, Guest& m) {
                const uint32_t at = static_cast<uint32_t>(a[ptr]);
                a[len] = 2;
                m.PutIovec(at, b.buf0, b.len0);
                m.PutIovec(at + 8, b.buf1, b.len1);
              });
            }
          }
          break;
      }
    }
  }
  return out;
}

// Runs every case of `family`: each must trap and change nothing. Returns the
// number of cases.
size_t RunTrapFamily(Family family) {
  const std::vector<TrapCase> cases = TrapCases(family);
  for (const TrapCase& c : cases) {
    INFO(c.label);
    Fixture f;
    Baseline b = SetUpBaseline(c.id, f);
    std::vector<uint64_t> args = b.args;
    c.mutate(args, f.mem);
    const std::vector<uint8_t> memory_before = f.mem.bytes;
    const std::string tree_before = SubtreeDigest(f.sb.fs(), "base");
    const std::vector<fd_t> fds_before = f.ctx().OpenDescriptors();
    const filesize_t offset_before = f.ctx().LookupDescriptor(f.file)->offset;

    CHECK_TRAPS(f.Call(c.id, args));

    CHECK(FirstDifference(f.mem.bytes, memory_before) == -1);
    CHECK(SubtreeDigest(f.sb.fs(), "base") == tree_before);
    CHECK(f.ctx().OpenDescriptors() == fds_before);
    CHECK(f.ctx().LookupDescriptor(f.file)->offset == offset_before);
  }
  return cases.size();
}

}  // namespace

// ---------------------------------------------------------------------------
// The pointer table itself

TEST_CASE("The pointer table names i32 parameters of real imports, and every import left out takes no pointer",
          "[abi]") {
  std::vector<bool> listed(kImportCount, false);
  size_t pointers = 0;
  for (const PointerParams& params : PointerTable()) {
    const ImportSignature& sig = ImportTable().at(static_cast<size_t>(params.id));
    INFO(sig.name);
    CHECK_FALSE(listed[static_cast<size_t>(params.id)]);
    listed[static_cast<size_t>(params.id)] = true;
    for (const PtrArg& p : params.ptrs) {
      ++pointers;
      REQUIRE(p.ptr < sig.params.size());
      CHECK(sig.params[p.ptr] == ValType::kI32);
      if (p.len >= 0) {
        REQUIRE(static_cast<size_t>(p.len) < sig.params.size());
        CHECK(sig.params[static_cast<size_t>(p.len)] == ValType::kI32);
      }
    }
  }
  // The imports whose witx parameters hold no pointer.
  const std::vector<std::string> pointer_free = {
      "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_set_flags",
      "fd_fdstat_set_rights", "fd_filestat_set_size", "fd_filestat_set_times",
      "fd_renumber", "fd_sync", "proc_exit", "proc_raise", "sched_yield", "sock_shutdown"};
  std::vector<std::string> unlisted;
  for (size_t i = 0; i < kImportCount; ++i) {
    if (!listed[i]) unlisted.push_back(std::string(ImportTable()[i].name));
  }
  CHECK(unlisted == pointer_free);
  CHECK(PointerTable().size() == 32);
  CHECK(pointers == 53);

  size_t total = 0;
  for (Family f : {Family::kPastEnd, Family::kPtrMax, Family::kLenMax, Family::kWrap,
                   Family::kMisaligned, Family::kCount2p31, Family::kNestedIovec}) {
    total += TrapCases(f).size();
  }
  WARN("F9 pointers: " << pointers << " pointer arguments in " << PointerTable().size()
                       << " imports, " << total << " trap cases");
}

TEST_CASE("Every baseline call of the pointer table proceeds with its expected errno", "[abi]") {
  for (const PointerParams& params : PointerTable()) {
    INFO(ImportName(params.id));
    Fixture f;
    Baseline b = SetUpBaseline(params.id, f);
    CHECK_RETURNS(f.Call(params.id, b.args), b.expect);
  }
}

TEST_CASE("A pointer argument whose region ends exactly at the end of memory is in bounds",
          "[abi]") {
  size_t cases = 0;
  for (const PointerParams& params : PointerTable()) {
    for (const PtrArg& p : params.ptrs) {
      INFO(ImportName(params.id) << " " << p.name);
      Fixture f;
      Baseline b = SetUpBaseline(params.id, f);
      std::vector<uint64_t> args = b.args;
      // Move what the pointer points at to the very end of memory.
      const uint64_t need = Need(p, args);
      const uint32_t to = static_cast<uint32_t>(kMemSize - need);
      const uint32_t from = static_cast<uint32_t>(args[p.ptr]);
      std::memmove(f.mem.bytes.data() + to, f.mem.bytes.data() + from, need);
      args[p.ptr] = to;
      CHECK_RETURNS(f.Call(params.id, args), b.expect);
      ++cases;
    }
  }
  CHECK(cases == 53);
}

// ---------------------------------------------------------------------------
// F9: every (import, pointer) pair × every way of breaking it

TEST_CASE("A pointer whose region ends past the end of memory traps and changes nothing",
          "[abi]") {
  const size_t n = RunTrapFamily(Family::kPastEnd);
  CHECK(n > 53);
  WARN("F9 past-end cases: " << n);
}

TEST_CASE("A pointer of 0xFFFFFFFF traps and changes nothing", "[abi]") {
  const size_t n = RunTrapFamily(Family::kPtrMax);
  CHECK(n == 53);
  WARN("F9 ptr=0xFFFFFFFF cases: " << n);
}

TEST_CASE("A length or count of 0xFFFFFFFF traps and changes nothing", "[abi]") {
  const size_t n = RunTrapFamily(Family::kLenMax);
  CHECK(n > 0);
  WARN("F9 len=0xFFFFFFFF cases: " << n);
}

TEST_CASE("A pointer plus length that wraps 2^32 traps and changes nothing", "[abi]") {
  const size_t n = RunTrapFamily(Family::kWrap);
  CHECK(n > 53);
  WARN("F9 wrapping cases: " << n);
}

TEST_CASE("A misaligned pointer to an aligned record or integer traps and changes nothing",
          "[abi]") {
  const size_t n = RunTrapFamily(Family::kMisaligned);
  CHECK(n > 0);
  WARN("F9 misaligned cases: " << n);
}

TEST_CASE("An iovec or subscription count of 2^31 traps and changes nothing", "[abi]") {
  const size_t n = RunTrapFamily(Family::kCount2p31);
  CHECK(n == 8);  // 6 iovec arrays + poll_oneoff in and out
  WARN("F9 count=2^31 cases: " << n);
}

TEST_CASE("An iovec naming a buffer outside memory traps before any byte moves", "[abi]") {
  const size_t n = RunTrapFamily(Family::kNestedIovec);
  CHECK(n == 36);  // 6 iovec arrays × 6 bad iovecs
  WARN("F9 nested-iovec cases: " << n);
}

// ---------------------------------------------------------------------------
// Layouts

TEST_CASE("fd_filestat_get writes the 64-byte filestat at the witx offsets", "[abi]") {
  Fixture f;
  REQUIRE(f.sb.fs().MakeHardLink("base/f.txt", "base/h").ok());  // nlink 2
  f.mem.Fill(0xAA);
  CHECK_RETURNS(f.Call(Import::kFdFilestatGet, {f.file, kRecord}), Errno::kSuccess);
  Result<Filestat> st = f.ctx().fd_filestat_get(f.file);
  REQUIRE(st.ok());
  CHECK(f.mem.U64(kRecord + 0) == st->dev);
  CHECK(f.mem.U64(kRecord + 8) == st->ino);
  CHECK(f.mem.U8(kRecord + 16) == 4);  // regular_file
  CHECK(f.mem.All(kRecord + 17, 7, 0));  // padding
  CHECK(f.mem.U64(kRecord + 24) == 2);
  CHECK(f.mem.U64(kRecord + 32) == kFileText.size());
  CHECK(f.mem.U64(kRecord + 40) == st->atim);
  CHECK(f.mem.U64(kRecord + 48) == st->mtim);
  CHECK(f.mem.U64(kRecord + 56) == st->ctim);
  CHECK(st->ino != 0);
  CHECK(st->mtim != 0);
  // Nothing outside the 64 bytes.
  CHECK(f.mem.U8(kRecord - 1) == 0xAA);
  CHECK(f.mem.U8(kRecord + 64) == 0xAA);
}

TEST_CASE("path_filestat_get writes the filestat of the path, following symlinks only when asked",
          "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  f.mem.PutStr(kPathLink, "link");
  CHECK_RETURNS(f.Call(Import::kPathFilestatGet, {f.sb.base(), 1, kPathLink, 4, kRecord}),
                Errno::kSuccess);
  Result<Filestat> target = f.ctx().fd_filestat_get(f.file);
  REQUIRE(target.ok());
  CHECK(f.mem.U64(kRecord + 8) == target->ino);
  CHECK(f.mem.U8(kRecord + 16) == 4);
  CHECK(f.mem.All(kRecord + 17, 7, 0));
  CHECK(f.mem.U64(kRecord + 24) == 1);
  CHECK(f.mem.U64(kRecord + 32) == kFileText.size());
  CHECK(f.mem.U64(kRecord + 48) == target->mtim);
  CHECK(f.mem.U8(kRecord + 64) == 0xAA);

  CHECK_RETURNS(f.Call(Import::kPathFilestatGet, {f.sb.base(), 0, kPathLink, 4, kRecord}),
                Errno::kSuccess);
  CHECK(f.mem.U8(kRecord + 16) == 7);  // symbolic_link
  CHECK(f.mem.U64(kRecord + 32) == 5);  // "f.txt"
  CHECK(f.mem.U64(kRecord + 8) != target->ino);
}

TEST_CASE("fd_fdstat_get writes the 24-byte fdstat at the witx offsets", "[abi]") {
  Fixture f;
  Result<fd_t> fd = f.ctx().path_open(f.sb.base(), lookupflags::kSymlinkFollow, "f.txt",
                                      Oflags(), rights::kFdRead | rights::kFdWrite,
                                      rights::kFdRead, fdflags::kAppend);
  REQUIRE(fd.ok());
  f.mem.Fill(0xAA);
  CHECK_RETURNS(f.Call(Import::kFdFdstatGet, {*fd, kRecord}), Errno::kSuccess);
  CHECK(f.mem.U8(kRecord + 0) == 4);
  CHECK(f.mem.U8(kRecord + 1) == 0);
  CHECK(f.mem.U16(kRecord + 2) == 1);  // append
  CHECK(f.mem.All(kRecord + 4, 4, 0));
  CHECK(f.mem.U64(kRecord + 8) == (rights::kFdRead | rights::kFdWrite).bits());
  Result<Fdstat> st = f.ctx().fd_fdstat_get(*fd);
  REQUIRE(st.ok());
  CHECK(f.mem.U64(kRecord + 16) == st->fs_rights_inheriting.bits());
  CHECK(f.mem.U8(kRecord + 24) == 0xAA);
  CHECK(f.mem.U8(kRecord - 1) == 0xAA);

  CHECK_RETURNS(f.Call(Import::kFdFdstatGet, {f.sb.base(), kRecord}), Errno::kSuccess);
  CHECK(f.mem.U8(kRecord + 0) == 3);  // directory
  CHECK(f.mem.U16(kRecord + 2) == 0);
  Result<Fdstat> dir = f.ctx().fd_fdstat_get(f.sb.base());
  REQUIRE(dir.ok());
  CHECK(f.mem.U64(kRecord + 8) == dir->fs_rights_base.bits());
  CHECK(f.mem.U64(kRecord + 16) == dir->fs_rights_inheriting.bits());
}

TEST_CASE("fd_prestat_get writes tag 0 and the name length, fd_prestat_dir_name the name",
          "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  CHECK_RETURNS(f.Call(Import::kFdPrestatGet, {f.sb.base(), kOutA}), Errno::kSuccess);
  CHECK(f.mem.U8(kOutA + 0) == 0);
  CHECK(f.mem.All(kOutA + 1, 3, 0));
  CHECK(f.mem.U32(kOutA + 4) == 8);  // "/sandbox"
  CHECK(f.mem.U8(kOutA + 8) == 0xAA);

  CHECK_RETURNS(f.Call(Import::kFdPrestatDirName, {f.sb.base(), kBuf, 8}), Errno::kSuccess);
  CHECK(f.mem.Str(kBuf, 8) == "/sandbox");
  CHECK(f.mem.U8(kBuf + 8) == 0xAA);  // no NUL

  CHECK_RETURNS(f.Call(Import::kFdPrestatGet, {f.file, kOutA}), Errno::kBadf);
  CHECK_RETURNS(f.Call(Import::kFdPrestatGet, {99, kOutA}), Errno::kBadf);
}

TEST_CASE("fd_readdir writes the Context's dirents and bufused", "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  CHECK_RETURNS(f.Call(Import::kFdReaddir, {f.sb.base(), kBuf, 1024, 0, kOutA}),
                Errno::kSuccess);
  const uint32_t used = f.mem.U32(kOutA);
  REQUIRE(used > 0);
  REQUIRE(used < 1024);
  std::vector<uint8_t> host(1024);
  Result<size_t> n = f.ctx().fd_readdir(f.sb.base(), absl::MakeSpan(host), 0);
  REQUIRE(n.ok());
  REQUIRE(*n == used);
  CHECK(std::equal(host.begin(), host.begin() + used, f.mem.bytes.begin() + kBuf));

  std::vector<std::string> names;
  uint32_t pos = kBuf;
  while (pos < kBuf + used) {
    const uint32_t namlen = f.mem.U32(pos + 16);
    const std::string name = f.mem.Str(pos + 24, namlen);
    names.push_back(name);
    CHECK(f.mem.All(pos + 21, 3, 0));  // padding
    if (name == "f.txt") {
      CHECK(f.mem.U64(pos + 8) == f.ctx().fd_filestat_get(f.file)->ino);
      CHECK(f.mem.U8(pos + 20) == 4);
    } else if (name == "d") {
      CHECK(f.mem.U8(pos + 20) == 3);
    } else if (name == "link") {
      CHECK(f.mem.U8(pos + 20) == 7);
    }
    pos += 24 + namlen;
  }
  CHECK(pos == kBuf + used);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{".", "..", "d", "f.txt", "link"});
}

TEST_CASE("fd_seek and fd_tell write the u64 offset and nothing else", "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  CHECK_RETURNS(f.Call(Import::kFdSeek, {f.file, 3, 0, kOut64}), Errno::kSuccess);
  CHECK(f.mem.U64(kOut64) == 3);
  CHECK_RETURNS(f.Call(Import::kFdSeek, {f.file, static_cast<uint64_t>(int64_t{-2}), 1, kOut64}),
                Errno::kSuccess);
  CHECK(f.mem.U64(kOut64) == 1);
  CHECK_RETURNS(f.Call(Import::kFdSeek, {f.file, 0, 2, kOut64}), Errno::kSuccess);
  CHECK(f.mem.U64(kOut64) == kFileText.size());
  CHECK(f.mem.U8(kOut64 - 1) == 0xAA);
  CHECK(f.mem.U8(kOut64 + 8) == 0xAA);

  f.mem.PutU64(kOut64, 0xAAAAAAAAAAAAAAAAull);
  CHECK_RETURNS(f.Call(Import::kFdTell, {f.file, kOut64}), Errno::kSuccess);
  CHECK(f.mem.U64(kOut64) == kFileText.size());

  // A failing seek leaves the result untouched.
  f.mem.PutU64(kOut64, 0xAAAAAAAAAAAAAAAAull);
  CHECK_RETURNS(f.Call(Import::kFdSeek, {f.file, 0, 3, kOut64}), Errno::kInval);
  CHECK(f.mem.U64(kOut64) == 0xAAAAAAAAAAAAAAAAull);
  CHECK_RETURNS(f.Call(Import::kFdTell, {99, kOut64}), Errno::kBadf);
  CHECK(f.mem.U64(kOut64) == 0xAAAAAAAAAAAAAAAAull);
}

TEST_CASE("fd_read scatters into several iovecs and writes nread", "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  f.mem.PutIovec(kIovs + 0, kBuf, 2);
  f.mem.PutIovec(kIovs + 8, kBuf + 0x10, 0);
  f.mem.PutIovec(kIovs + 16, kBuf + 0x20, 5);
  CHECK_RETURNS(f.Call(Import::kFdRead, {f.file, kIovs, 3, kOutA}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 7);
  CHECK(f.mem.Str(kBuf, 2) == "he");
  CHECK(f.mem.U8(kBuf + 2) == 0xAA);
  CHECK(f.mem.U8(kBuf + 0x10) == 0xAA);
  CHECK(f.mem.Str(kBuf + 0x20, 5) == "llo w");
  CHECK(f.mem.U8(kBuf + 0x25) == 0xAA);
  CHECK(f.mem.U8(kOutA + 4) == 0xAA);
  CHECK(f.ctx().LookupDescriptor(f.file)->offset == 7);

  // At end of file: nread 0.
  CHECK_RETURNS(f.Call(Import::kFdRead, {f.file, kIovs, 3, kOutA}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 4);  // "orld"
  CHECK_RETURNS(f.Call(Import::kFdRead, {f.file, kIovs, 3, kOutA}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 0);
}

TEST_CASE("fd_pread reads at an offset into several iovecs without moving the offset", "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  f.mem.PutIovec(kIovs + 0, kBuf, 3);
  f.mem.PutIovec(kIovs + 8, kBuf + 0x10, 10);
  CHECK_RETURNS(f.Call(Import::kFdPread, {f.file, kIovs, 2, 6, kOutA}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 5);
  CHECK(f.mem.Str(kBuf, 3) == "wor");
  CHECK(f.mem.Str(kBuf + 0x10, 2) == "ld");
  CHECK(f.mem.U8(kBuf + 0x12) == 0xAA);
  CHECK(f.ctx().LookupDescriptor(f.file)->offset == 0);
}

TEST_CASE("fd_write gathers several iovecs and writes nwritten", "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  f.mem.PutStr(kBuf, "ab");
  f.mem.PutStr(kBuf + 0x20, "cde");
  f.mem.PutIovec(kIovs + 0, kBuf, 2);
  f.mem.PutIovec(kIovs + 8, kBuf + 0x10, 0);
  f.mem.PutIovec(kIovs + 16, kBuf + 0x20, 3);
  CHECK_RETURNS(f.Call(Import::kFdWrite, {f.file, kIovs, 3, kOutA}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 5);
  CHECK(f.mem.U8(kOutA + 4) == 0xAA);
  CHECK(*f.sb.fs().ReadFile("base/f.txt") == "abcde world");

  CHECK_RETURNS(f.Call(Import::kFdPwrite, {f.file, kIovs, 3, 11, kOutA}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 5);
  CHECK(*f.sb.fs().ReadFile("base/f.txt") == "abcde worldabcde");
  CHECK(f.ctx().LookupDescriptor(f.file)->offset == 5);
}

TEST_CASE("path_open writes the new descriptor, and a failing open writes nothing", "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  f.mem.PutStr(kPathF, "f.txt");
  const uint64_t all = rights::kAll.bits();
  CHECK_RETURNS(f.Call(Import::kPathOpen, {f.sb.base(), 1, kPathF, 5, 0, all, all, 0, kOutA}),
                Errno::kSuccess);
  const uint32_t fd = f.mem.U32(kOutA);
  CHECK(fd == f.file + 1);
  CHECK(f.mem.U8(kOutA + 4) == 0xAA);
  absl::StatusOr<FdInfo> info = f.ctx().LookupDescriptor(fd);
  REQUIRE(info.ok());
  CHECK(info->filetype == Filetype::kRegularFile);

  f.mem.PutU32(kOutA, 0xAAAAAAAA);
  f.mem.PutStr(kPathG, "g.txt");
  CHECK_RETURNS(f.Call(Import::kPathOpen, {f.sb.base(), 1, kPathG, 5, 0, all, all, 0, kOutA}),
                Errno::kNoent);
  CHECK(f.mem.U32(kOutA) == 0xAAAAAAAA);

  // O_CREAT makes it.
  CHECK_RETURNS(f.Call(Import::kPathOpen, {f.sb.base(), 1, kPathG, 5, 1, all, all, 0, kOutA}),
                Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == fd + 1);
  CHECK(f.sb.fs().ReadFile("base/g.txt").ok());
}

// ---------------------------------------------------------------------------
// args and environ

TEST_CASE("args_sizes_get and args_get give exactly the configured argv, NUL-terminated", "[abi]") {
  AbiOptions o;
  o.args = {"prog", "", "two words"};
  Fixture f(o);
  f.mem.Fill(0xAA);
  CHECK_RETURNS(f.Call(Import::kArgsSizesGet, {kOutA, kOutB}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 3);
  CHECK(f.mem.U32(kOutB) == 5 + 1 + 10);
  CHECK_RETURNS(f.Call(Import::kArgsGet, {kArgv, kBuf}), Errno::kSuccess);
  CHECK(f.mem.U32(kArgv + 0) == kBuf);
  CHECK(f.mem.U32(kArgv + 4) == kBuf + 5);
  CHECK(f.mem.U32(kArgv + 8) == kBuf + 6);
  CHECK(f.mem.U8(kArgv + 12) == 0xAA);
  CHECK(f.mem.Str(kBuf, 16) == std::string("prog\0\0two words\0", 16));
  CHECK(f.mem.U8(kBuf + 16) == 0xAA);
}

TEST_CASE("environ_sizes_get and environ_get give exactly the configured environment", "[abi]") {
  AbiOptions o;
  o.env = {"A=1", "PATH=/bin"};
  Fixture f(o);
  f.mem.Fill(0xAA);
  CHECK_RETURNS(f.Call(Import::kEnvironSizesGet, {kOutA, kOutB}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 2);
  CHECK(f.mem.U32(kOutB) == 4 + 10);
  CHECK_RETURNS(f.Call(Import::kEnvironGet, {kArgv, kBuf}), Errno::kSuccess);
  CHECK(f.mem.U32(kArgv + 0) == kBuf);
  CHECK(f.mem.U32(kArgv + 4) == kBuf + 4);
  CHECK(f.mem.U8(kArgv + 8) == 0xAA);
  CHECK(f.mem.Str(kBuf, 14) == std::string("A=1\0PATH=/bin\0", 14));
  CHECK(f.mem.U8(kBuf + 14) == 0xAA);
}

TEST_CASE("Empty argv and environment give zero counts and write nothing", "[abi]") {
  Fixture f{AbiOptions()};
  f.mem.Fill(0xAA);
  CHECK_RETURNS(f.Call(Import::kArgsSizesGet, {kOutA, kOutB}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 0);
  CHECK(f.mem.U32(kOutB) == 0);
  CHECK_RETURNS(f.Call(Import::kEnvironSizesGet, {kOutA, kOutB}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 0);
  CHECK(f.mem.U32(kOutB) == 0);
  const std::vector<uint8_t> before = f.mem.bytes;
  CHECK_RETURNS(f.Call(Import::kArgsGet, {kArgv, kBuf}), Errno::kSuccess);
  CHECK_RETURNS(f.Call(Import::kEnvironGet, {kArgv, kBuf}), Errno::kSuccess);
  // Nothing to write, so even pointers at the end of memory are fine.
  CHECK_RETURNS(f.Call(Import::kArgsGet, {kMemSize, kMemSize}), Errno::kSuccess);
  CHECK(FirstDifference(f.mem.bytes, before) == -1);
}

// ---------------------------------------------------------------------------
// Clocks

TEST_CASE("clock_res_get and clock_time_get succeed for realtime and monotonic", "[abi]") {
  AbiOptions o;  // real clocks
  Fixture f(o);
  for (uint64_t id : {0, 1}) {
    INFO("clock " << id);
    f.mem.PutU64(kOut64, 0);
    CHECK_RETURNS(f.Call(Import::kClockResGet, {id, kOut64}), Errno::kSuccess);
    CHECK(f.mem.U64(kOut64) > 0);
    CHECK_RETURNS(f.Call(Import::kClockTimeGet, {id, 0, kOut64}), Errno::kSuccess);
    CHECK(f.mem.U64(kOut64) > 0);
  }
  // Realtime is the host's wall clock.
  CHECK_RETURNS(f.Call(Import::kClockTimeGet, {0, 1, kOut64}), Errno::kSuccess);
  const int64_t host = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  const int64_t guest = static_cast<int64_t>(f.mem.U64(kOut64));
  CHECK(std::abs(host - guest) < int64_t{60} * 1000 * 1000 * 1000);
  // Monotonic does not go back.
  uint64_t last = 0;
  for (int i = 0; i < 100; ++i) {
    CHECK_RETURNS(f.Call(Import::kClockTimeGet, {1, 0, kOut64}), Errno::kSuccess);
    CHECK(f.mem.U64(kOut64) >= last);
    last = f.mem.U64(kOut64);
  }
}

TEST_CASE("CPU-time clocks are BADF and clock ids above 3 are INVAL, writing nothing", "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  for (uint64_t id : {2, 3}) {
    INFO("clock " << id);
    CHECK_RETURNS(f.Call(Import::kClockResGet, {id, kOut64}), Errno::kBadf);
    CHECK_RETURNS(f.Call(Import::kClockTimeGet, {id, 0, kOut64}), Errno::kBadf);
  }
  for (uint64_t id : {uint64_t{4}, uint64_t{0xFFFFFFFF}}) {
    INFO("clock " << id);
    CHECK_RETURNS(f.Call(Import::kClockResGet, {id, kOut64}), Errno::kInval);
    CHECK_RETURNS(f.Call(Import::kClockTimeGet, {id, 0, kOut64}), Errno::kInval);
  }
  CHECK(f.mem.U64(kOut64) == 0xAAAAAAAAAAAAAAAAull);
}

TEST_CASE("Deterministic clocks give the same readings on every run and monotonic never decreases",
          "[abi]") {
  auto readings = [] {
    Fixture f;  // deterministic
    std::vector<uint64_t> out;
    for (int i = 0; i < 50; ++i) {
      for (uint64_t id : {0, 1}) {
        CHECK_RETURNS(f.Call(Import::kClockTimeGet, {id, 0, kOut64}), Errno::kSuccess);
        out.push_back(f.mem.U64(kOut64));
      }
    }
    CHECK_RETURNS(f.Call(Import::kClockResGet, {1, kOut64}), Errno::kSuccess);
    out.push_back(f.mem.U64(kOut64));
    return out;
  };
  const std::vector<uint64_t> a = readings();
  const std::vector<uint64_t> b = readings();
  CHECK(a == b);
  for (size_t i = 3; i + 1 < a.size(); i += 2) {  // the monotonic readings
    CHECK(a[i] >= a[i - 2]);
  }
  CHECK(a[0] > 0);  // realtime is a plausible epoch time
}

// ---------------------------------------------------------------------------
// random_get

TEST_CASE("random_get with a seed repeats for the same seed and differs for another", "[abi]") {
  auto bytes = [](uint64_t seed) {
    AbiOptions o;
    o.deterministic = true;
    o.random_seed = seed;
    Fixture f(o);
    f.mem.Fill(0xAA);
    CHECK_RETURNS(f.Call(Import::kRandomGet, {kBuf, 37}), Errno::kSuccess);
    CHECK(f.mem.U8(kBuf + 37) == 0xAA);  // exactly 37 bytes
    CHECK(f.mem.U8(kBuf - 1) == 0xAA);
    return f.mem.Str(kBuf, 37);
  };
  const std::string a = bytes(7);
  CHECK(a == bytes(7));
  CHECK(a != bytes(8));
  CHECK(a != std::string(37, '\xAA'));
}

TEST_CASE("random_get of length 0 succeeds and writes nothing, even at the end of memory",
          "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  const std::vector<uint8_t> before = f.mem.bytes;
  CHECK_RETURNS(f.Call(Import::kRandomGet, {kBuf, 0}), Errno::kSuccess);
  CHECK_RETURNS(f.Call(Import::kRandomGet, {kMemSize, 0}), Errno::kSuccess);
  CHECK(FirstDifference(f.mem.bytes, before) == -1);
}

// ---------------------------------------------------------------------------
// poll_oneoff

TEST_CASE("poll_oneoff with no subscriptions is INVAL", "[abi]") {
  Fixture f;
  CHECK_RETURNS(f.Call(Import::kPollOneoff, {kSubs, kEvents, 0, kOutA}), Errno::kInval);
}

TEST_CASE("poll_oneoff with one relative clock subscription sleeps and reports it", "[abi]") {
  Fixture f{AbiOptions()};  // real clocks
  f.mem.Fill(0xAA);
  PutClockSub(f.mem, kSubs, 0xDEADBEEFCAFEull, 1, 2'000'000, 0);  // 2 ms
  const auto start = std::chrono::steady_clock::now();
  CHECK_RETURNS(f.Call(Import::kPollOneoff, {kSubs, kEvents, 1, kOutA}), Errno::kSuccess);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(2));
  CHECK(f.mem.U32(kOutA) == 1);
  const Event e = GetEvent(f.mem, kEvents);
  CHECK(e.userdata == 0xDEADBEEFCAFEull);
  CHECK(e.error == 0);
  CHECK(e.type == 0);  // clock
  CHECK(f.mem.U8(kEvents + 32) == 0xAA);
}

TEST_CASE("poll_oneoff on a file reports it readable with the bytes left", "[abi]") {
  Fixture f;
  PutFdSub(f.mem, kSubs, 42, 1, f.file);
  CHECK_RETURNS(f.Call(Import::kPollOneoff, {kSubs, kEvents, 1, kOutA}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 1);
  Event e = GetEvent(f.mem, kEvents);
  CHECK(e.userdata == 42);
  CHECK(e.error == 0);
  CHECK(e.type == 1);  // fd_read
  CHECK(e.nbytes == kFileText.size());
  CHECK(e.flags == 0);

  REQUIRE(f.ctx().fd_seek(f.file, 4, Whence::kSet).ok());
  CHECK_RETURNS(f.Call(Import::kPollOneoff, {kSubs, kEvents, 1, kOutA}), Errno::kSuccess);
  e = GetEvent(f.mem, kEvents);
  CHECK(e.nbytes == kFileText.size() - 4);
}

TEST_CASE("poll_oneoff on a bad descriptor reports an event with error BADF", "[abi]") {
  Fixture f;
  PutFdSub(f.mem, kSubs, 9, 1, 99);
  CHECK_RETURNS(f.Call(Import::kPollOneoff, {kSubs, kEvents, 1, kOutA}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 1);
  const Event e = GetEvent(f.mem, kEvents);
  CHECK(e.userdata == 9);
  CHECK(e.error == static_cast<uint16_t>(Errno::kBadf));
  CHECK(e.type == 1);
}

TEST_CASE("poll_oneoff on a pipe holding data reports the bytes buffered", "[abi]") {
  Fixture f;
  absl::StatusOr<std::pair<fd_t, fd_t>> pipe = f.ctx().CreatePipe();
  REQUIRE(pipe.ok());
  REQUIRE(vfs::testing::Write(f.ctx(), pipe->second, "abc").ok());
  PutFdSub(f.mem, kSubs, 5, 1, pipe->first);
  CHECK_RETURNS(f.Call(Import::kPollOneoff, {kSubs, kEvents, 1, kOutA}), Errno::kSuccess);
  CHECK(f.mem.U32(kOutA) == 1);
  const Event e = GetEvent(f.mem, kEvents);
  CHECK(e.userdata == 5);
  CHECK(e.error == 0);
  CHECK(e.type == 1);
  CHECK(e.nbytes == 3);
}

TEST_CASE("poll_oneoff in deterministic mode advances the monotonic clock by the timeout",
          "[abi]") {
  Fixture f;  // deterministic
  CHECK_RETURNS(f.Call(Import::kClockTimeGet, {1, 0, kOut64}), Errno::kSuccess);
  const uint64_t before = f.mem.U64(kOut64);
  constexpr uint64_t kTimeout = 5'000'000'000;  // 5 s, not slept
  PutClockSub(f.mem, kSubs, 1, 1, kTimeout, 0);
  const auto start = std::chrono::steady_clock::now();
  CHECK_RETURNS(f.Call(Import::kPollOneoff, {kSubs, kEvents, 1, kOutA}), Errno::kSuccess);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  CHECK(f.mem.U32(kOutA) == 1);
  CHECK_RETURNS(f.Call(Import::kClockTimeGet, {1, 0, kOut64}), Errno::kSuccess);
  // One reading's step (1 µs) plus the timeout.
  CHECK(f.mem.U64(kOut64) - before == kTimeout + 1000);
}

// ---------------------------------------------------------------------------
// proc_*, sched_yield

TEST_CASE("proc_exit with a status below 126 exits with it", "[abi]") {
  Fixture f;
  Outcome o = f.Call(Import::kProcExit, {7});
  CHECK(o.kind == Outcome::kExit);
  CHECK(o.value == 7);
  o = f.Call(Import::kProcExit, {0});
  CHECK(o.kind == Outcome::kExit);
  CHECK(o.value == 0);
}

TEST_CASE("proc_exit with status 200 traps", "[abi]") {
  Fixture f;
  CHECK_TRAPS(f.Call(Import::kProcExit, {200}));
}

TEST_CASE("proc_raise traps", "[abi]") {
  Fixture f;
  CHECK_TRAPS(f.Call(Import::kProcRaise, {6}));
}

TEST_CASE("sched_yield succeeds", "[abi]") {
  Fixture f;
  CHECK_RETURNS(f.Call(Import::kSchedYield, {}), Errno::kSuccess);
}

// ---------------------------------------------------------------------------
// Sockets: there are none.

TEST_CASE("sock_* on a descriptor that is not open is BADF", "[abi]") {
  Fixture f;
  f.mem.Fill(0xAA);
  f.mem.PutIovec(kIovs, kBuf, 4);
  CHECK_RETURNS(f.Call(Import::kSockAccept, {99, 0, kOutA}), Errno::kBadf);
  CHECK_RETURNS(f.Call(Import::kSockRecv, {99, kIovs, 1, 0, kOutA, kOutB}), Errno::kBadf);
  CHECK_RETURNS(f.Call(Import::kSockSend, {99, kIovs, 1, 0, kOutA}), Errno::kBadf);
  CHECK_RETURNS(f.Call(Import::kSockShutdown, {99, 1}), Errno::kBadf);
  CHECK(f.mem.U32(kOutA) == 0xAAAAAAAA);
  CHECK(f.mem.U32(kOutB) == 0xAAAAAAAA);
}

TEST_CASE("sock_* on an open file or directory is NOTSOCK", "[abi]") {
  Fixture f;
  f.mem.PutIovec(kIovs, kBuf, 4);
  for (uint64_t fd : {uint64_t{f.file}, uint64_t{f.sb.base()}}) {
    INFO("fd " << fd);
    CHECK_RETURNS(f.Call(Import::kSockAccept, {fd, 0, kOutA}), Errno::kNotsock);
    CHECK_RETURNS(f.Call(Import::kSockRecv, {fd, kIovs, 1, 0, kOutA, kOutB}), Errno::kNotsock);
    CHECK_RETURNS(f.Call(Import::kSockSend, {fd, kIovs, 1, 0, kOutA}), Errno::kNotsock);
    CHECK_RETURNS(f.Call(Import::kSockShutdown, {fd, 3}), Errno::kNotsock);
  }
}

TEST_CASE("sock_shutdown with how = 4 is INVAL", "[abi]") {
  Fixture f;
  CHECK_RETURNS(f.Call(Import::kSockShutdown, {f.file, 4}), Errno::kInval);
}

// ---------------------------------------------------------------------------
// The iovec count limit

TEST_CASE("More than 1024 iovecs with the array in bounds is INVAL and changes nothing",
          "[abi]") {
  for (Import id : {Import::kFdRead, Import::kFdWrite, Import::kFdPread, Import::kFdPwrite}) {
    INFO(ImportName(id));
    Fixture f;
    f.mem.Fill(0xAA);
    // 1025 one-byte iovecs, array and buffers in bounds.
    for (uint32_t i = 0; i < 1025; ++i) f.mem.PutIovec(kBuf + 8 * i, 0x8000, 1);
    const bool positioned = id == Import::kFdPread || id == Import::kFdPwrite;
    std::vector<uint64_t> args = {f.file, kBuf, 1025};
    if (positioned) args.push_back(0);
    args.push_back(kOutA);
    const std::vector<uint8_t> before = f.mem.bytes;
    CHECK_RETURNS(f.Call(id, args), Errno::kInval);
    CHECK(FirstDifference(f.mem.bytes, before) == -1);
    CHECK(*f.sb.fs().ReadFile("base/f.txt") == kFileText);
    CHECK(f.ctx().LookupDescriptor(f.file)->offset == 0);

    // Exactly 1024 is allowed.
    args[2] = 1024;
    CHECK_RETURNS(f.Call(id, args), Errno::kSuccess);
    CHECK(f.mem.U32(kOutA) == (id == Import::kFdRead || id == Import::kFdPread
                                   ? kFileText.size()
                                   : 1024u));
  }
}

// ---------------------------------------------------------------------------
// Trace

TEST_CASE("The trace callback receives one line per call with the name and the errno name",
          "[abi]") {
  std::vector<std::string> lines;
  AbiOptions o;
  o.trace = [&lines](const std::string& line) { lines.push_back(line); };
  Fixture f(o);
  CHECK_RETURNS(f.Call(Import::kSchedYield, {}), Errno::kSuccess);
  CHECK_RETURNS(f.Call(Import::kFdClose, {99}), Errno::kBadf);
  CHECK_RETURNS(f.Call(Import::kFdTell, {f.file, kOut64}), Errno::kSuccess);
  CHECK_TRAPS(f.Call(Import::kFdTell, {f.file, 0xFFFFFFFF}));
  REQUIRE(lines.size() == 4);
  auto starts = [](const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; };
  auto ends = [](const std::string& s, std::string_view p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
  };
  CHECK(starts(lines[0], "sched_yield("));
  CHECK(ends(lines[0], "success"));
  CHECK(starts(lines[1], "fd_close("));
  CHECK(lines[1].find("99") != std::string::npos);
  CHECK(ends(lines[1], "badf"));
  CHECK(starts(lines[2], "fd_tell("));
  CHECK(ends(lines[2], "success"));
  CHECK(starts(lines[3], "fd_tell("));
  CHECK(lines[3].find("trap") != std::string::npos);
}

}  // namespace vfs::wasi::testing
