// Shared pieces of the fuzz targets: a reader that turns fuzz bytes into
// choices, the oracle check that aborts, and the "world" most targets run
// in: a Filesystem with `box/` preopened and a sibling `outside/` that no
// guest call may change or reach.
#ifndef TESTS_FUZZ_FUZZ_SUPPORT_H_
#define TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "vfs/context.h"
#include "vfs/filesystem.h"

// Aborts with a message when an oracle fails: libFuzzer then saves the input
// as a crash, and the regression test dies loudly instead of passing.
#define FUZZ_CHECK(cond, msg)                                            \
  do {                                                                   \
    if (!(cond)) ::vfs::fuzz::OracleFailed(#cond, (msg), __FILE__, __LINE__); \
  } while (0)

namespace vfs::fuzz {

[[noreturn]] void OracleFailed(const char* cond, const std::string& msg,
                               const char* file, int line);
// Names the input being replayed (a corpus file), for OracleFailed's
// message: the regression test sets it, libFuzzer names the input itself.
void SetInputName(std::string name);

// Consumes the input from the front. Past the end every read gives zero, so
// any byte string decodes to something (libFuzzer truncates inputs freely).
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return empty() ? 0 : size_ - pos_; }
  uint8_t U8() { return empty() ? 0 : data_[pos_++]; }
  uint16_t U16() { return static_cast<uint16_t>(U8() | (U8() << 8)); }
  uint32_t U32() { return U16() | (uint32_t{U16()} << 16); }
  uint64_t U64() { return U32() | (uint64_t{U32()} << 32); }
  // Up to `max` raw bytes (fewer at the end of the input).
  std::string Bytes(size_t max) {
    const size_t n = std::min(max, remaining());
    std::string out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }

  // A path from the token grammar: `.`, `..`, names that exist in the
  // starting trees (files, directories, symlinks that escape or loop),
  // empty components (`//`), a leading `/`, a trailing `/`, and now and
  // then raw bytes (NUL, long names).
  std::string Path();
  // A value that is usually small and in range, sometimes at a boundary,
  // sometimes anything: for offsets and sizes.
  uint64_t Size(uint64_t small_max);
  Rights RightsValue();

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Files are at most this big in a fuzz world (FBIG past it), so no input
// can make a target use much memory.
inline constexpr filesize_t kMaxFileSize = 1 << 20;
// Reads and writes move at most this many bytes per call.
inline constexpr size_t kMaxIo = 64 << 10;

struct World {
  std::shared_ptr<Filesystem> fs;
  std::unique_ptr<Context> ctx;
  fd_t box = 0;
  std::string outside_digest;
  // Root, `outside/` and everything beneath it: no guest call may return or
  // open one of these.
  absl::flat_hash_set<inode_t> outside;
};

// Builds `outside/` and `box/` (whose optional entries the bits of `shape`
// pick: nested directories, a hard link, symlinks that are relative,
// absolute, escaping, looping, dangling or end in `/`), and preopens `box`
// as "/box" with full directory rights. Each shape is built once; the
// world returned is a fork of it.
World MakeWorld(uint32_t shape);

// The oracles checked after every call: Fsck passes, `outside/` is
// unchanged (every stat field, target and byte), no open descriptor names an
// outside inode or a file larger than kMaxFileSize. `what` names the call
// for the failure message.
void CheckWorld(World& w, const std::string& what);
// A stat the guest got back must not describe an outside inode.
void CheckInode(World& w, inode_t ino, const std::string& what);
// End of input: closes every descriptor and checks that no inode outlives
// its names (live inodes == root + distinct inodes reachable by name).
void FinishWorld(World& w);

}  // namespace vfs::fuzz

#endif  // TESTS_FUZZ_FUZZ_SUPPORT_H_
