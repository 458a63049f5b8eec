// F10: every documented limit (docs/error-model.md, vfs/quota.h,
// vfs/path_resolver.h, vfs/stream.h) returns its documented errno through the
// preview1 calls, both sides of each boundary are tested, and a refused call
// changes nothing (the tree digest, the usage and the descriptor's offset are
// compared before and after). Huge offsets, sizes and iovecs are checked to
// cost no host memory: peak RSS (VmHWM, reset through /proc/self/clear_refs)
// is measured around them.
#include <catch2/catch.hpp>
#include <sys/mman.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "serialize/snapshot.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {

constexpr Oflags kCreate = oflags::kCreat;
constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;
constexpr filesize_t k2p62 = filesize_t{1} << 62;
// Growth of peak RSS that still counts as "allocated nothing": allocator and
// sanitizer bookkeeping move it by a few pages, a real allocation of the
// requested sizes would move it by hundreds of MiB.
constexpr uint64_t kRssSlackKiB = 4 * 1024;

// Everything observable of the sandbox's tree plus the filesystem's usage:
// equal before and after a refused call means the call changed nothing.
std::string State(Sandbox& s) {
  const QuotaUsage u = s.fs().Usage();
  return absl::StrCat(SubtreeDigest(s.fs(), "base"), "|", u.bytes, "|", u.inodes);
}

filesize_t SizeOfFd(Context& ctx, fd_t fd) {
  Result<Filestat> st = ctx.fd_filestat_get(fd);
  return st.ok() ? st->size : ~filesize_t{0};
}

// Reads one "Key:   N kB" line of /proc/self/status; 0 if absent.
uint64_t ProcStatusKiB(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1));
  }
  return 0;
}

// Peak RSS since the last reset. Writing "5" to clear_refs resets VmHWM to
// the current RSS (Linux >= 4.0), so a test measures its own peak and not one
// an earlier test (the 64 MiB pipe) left behind.
struct PeakRss {
  PeakRss() {
    std::ofstream("/proc/self/clear_refs") << "5";
    start_kib = ProcStatusKiB("VmHWM");
  }
  uint64_t GrowthKiB() const {
    const uint64_t now = ProcStatusKiB("VmHWM");
    return now > start_kib ? now - start_kib : 0;
  }
  uint64_t start_kib;
};

// A read-write mapping whose pages are never touched unless someone writes
// or reads them: a caller buffer of `len` bytes that costs no RSS by itself.
class LazyBuffer {
 public:
  explicit LazyBuffer(size_t len) : len_(len) {
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    data_ = p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
  }
  ~LazyBuffer() {
    if (data_ != nullptr) munmap(data_, len_);
  }
  LazyBuffer(const LazyBuffer&) = delete;
  LazyBuffer& operator=(const LazyBuffer&) = delete;
  bool ok() const { return data_ != nullptr; }
  absl::Span<uint8_t> span() { return absl::MakeSpan(data_, len_); }

 private:
  size_t len_;
  uint8_t* data_;
};

FilesystemOptions WithLimits(uint64_t bytes, uint64_t inodes) {
  FilesystemOptions o;
  o.limits.max_bytes = bytes;
  o.limits.max_inodes = inodes;
  return o;
}

// A path of exactly `len` bytes (len >= 2) that names `leaf` (one byte) in
// the base: "././...//" padding, which the resolver walks as "." steps.
std::string PaddedPath(size_t len, char leaf) {
  std::string p;
  while (p.size() + 2 <= len - 1) p += "./";
  while (p.size() < len - 1) p += '/';
  p += leaf;
  return p;
}

// A chain of `n` symlinks <prefix>0 -> <prefix>1 -> ... -> <prefix>(n-1) ->
// `target`: following <prefix>0 takes exactly n expansions.
std::string ChainSpec(const std::string& prefix, int n, const std::string& target) {
  std::string spec;
  for (int i = 0; i < n; ++i) {
    const std::string next = i + 1 < n ? absl::StrCat(prefix, i + 1) : target;
    absl::StrAppend(&spec, "base/", prefix, i, " -> ", next, "\n");
  }
  return spec;
}

// ---- Names and paths ----

TEST_CASE("A 255-byte name works, a 256-byte name is NAMETOOLONG and changes nothing",
          "[limits][f10]") {
  Sandbox s("base/d/\nbase/f = x");
  const std::string n255(255, 'n');
  const std::string n256(256, 'n');
  CHECK(FilesystemOptions().max_name_length == 255);

  fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), n255, kCreate));
  REQUIRE_OK(s.ctx().fd_close(fd));
  REQUIRE_OK(s.ctx().path_create_directory(s.base(), "d/" + n255));
  REQUIRE_OK(s.ctx().path_symlink("../../f", s.base(), "d/" + n255 + "/" + n255));
  CHECK(s.ctx().path_filestat_get(s.base(), kFollow, "d/" + n255 + "/" + n255).ok());

  const std::string before = State(s);
  // Every kind of call, final and non-final components, existing or not:
  // the length is refused before any lookup, so a missing name is not NOENT.
  CHECK_ERRNO(Open(s.ctx(), s.base(), n256, kCreate).error(), Errno::kNametoolong);
  CHECK_ERRNO(Open(s.ctx(), s.base(), n256 + "/f").error(), Errno::kNametoolong);
  CHECK_ERRNO(s.ctx().path_create_directory(s.base(), n256), Errno::kNametoolong);
  CHECK_ERRNO(s.ctx().path_symlink("f", s.base(), n256), Errno::kNametoolong);
  CHECK_ERRNO(s.ctx().path_filestat_get(s.base(), kFollow, "d/" + n256).error(),
              Errno::kNametoolong);
  CHECK_ERRNO(s.ctx().path_rename(s.base(), "f", s.base(), n256), Errno::kNametoolong);
  CHECK_ERRNO(s.ctx().path_link(s.base(), kNoFollow, "f", s.base(), n256),
              Errno::kNametoolong);
  CHECK_ERRNO(s.ctx().path_unlink_file(s.base(), n256), Errno::kNametoolong);
  CHECK(State(s) == before);

  // A symlink's target is stored as given (only its total length is
  // limited); a long component in it is refused when it is followed.
  REQUIRE_OK(s.ctx().path_symlink("d/" + n256, s.base(), "long"));
  const std::string with_link = State(s);
  CHECK_ERRNO(Open(s.ctx(), s.base(), "long", kCreate).error(), Errno::kNametoolong);
  CHECK(State(s) == with_link);
}

TEST_CASE("max_name_length is the boundary it says", "[limits][f10]") {
  FilesystemOptions o;
  o.max_name_length = 8;
  Sandbox s("", o);
  REQUIRE_OK(s.ctx().path_create_directory(s.base(), "12345678"));
  const std::string before = State(s);
  CHECK_ERRNO(s.ctx().path_create_directory(s.base(), "123456789"), Errno::kNametoolong);
  CHECK(State(s) == before);
}

TEST_CASE("A 4096-byte path resolves, a 4097-byte path is NAMETOOLONG and changes nothing",
          "[limits][f10]") {
  Sandbox s("base/f = hello");
  CHECK(FilesystemOptions().max_path_length == 4096);
  const std::string p4096 = PaddedPath(4096, 'f');
  const std::string p4097 = PaddedPath(4097, 'f');
  REQUIRE(p4096.size() == 4096);
  REQUIRE(p4097.size() == 4097);

  fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), p4096));
  CHECK(ValueOrDefault(ReadAll(s.ctx(), fd)) == "hello");
  REQUIRE_OK(s.ctx().fd_close(fd));
  // At the limit a missing name gets the ordinary errno.
  CHECK_ERRNO(Open(s.ctx(), s.base(), PaddedPath(4096, 'g')).error(), Errno::kNoent);

  const std::string before = State(s);
  CHECK_ERRNO(Open(s.ctx(), s.base(), p4097).error(), Errno::kNametoolong);
  CHECK_ERRNO(Open(s.ctx(), s.base(), PaddedPath(4097, 'g'), kCreate).error(),
              Errno::kNametoolong);
  CHECK_ERRNO(s.ctx().path_create_directory(s.base(), PaddedPath(4097, 'g')),
              Errno::kNametoolong);
  CHECK_ERRNO(s.ctx().path_filestat_get(s.base(), kFollow, p4097).error(),
              Errno::kNametoolong);
  CHECK_ERRNO(s.ctx().path_unlink_file(s.base(), p4097), Errno::kNametoolong);
  // path_symlink: the stored target has the same limit.
  CHECK_ERRNO(s.ctx().path_symlink(p4097, s.base(), "l"), Errno::kNametoolong);
  CHECK(State(s) == before);

  // A 4096-byte target is stored and followed.
  REQUIRE_OK(s.ctx().path_symlink(p4096, s.base(), "l"));
  fd = ValueOrDefault(Open(s.ctx(), s.base(), "l"));
  CHECK(ValueOrDefault(ReadAll(s.ctx(), fd)) == "hello");
  REQUIRE_OK(s.ctx().fd_close(fd));

  FilesystemOptions o;
  o.max_path_length = 16;
  Sandbox small("base/f = x", o);
  CHECK(Open(small.ctx(), small.base(), PaddedPath(16, 'f')).ok());
  CHECK_ERRNO(Open(small.ctx(), small.base(), PaddedPath(17, 'f')).error(),
              Errno::kNametoolong);
}

// ---- Symlink expansions ----

TEST_CASE("The 40th symlink expansion resolves, the 41st is LOOP and changes nothing",
          "[limits][f10]") {
  CHECK(FilesystemOptions().max_symlink_expansions == 40);
  Sandbox s("base/f = target\nbase/d/x = inside\n" + ChainSpec("a", 40, "f") +
            ChainSpec("b", 41, "f") + ChainSpec("c", 40, "d") + ChainSpec("e", 41, "d") +
            "base/self -> self\n");
  // Final component, followed.
  fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "a0"));
  CHECK(ValueOrDefault(ReadAll(s.ctx(), fd)) == "target");
  REQUIRE_OK(s.ctx().fd_close(fd));
  CHECK(s.ctx().path_filestat_get(s.base(), kFollow, "a0").ok());
  // Non-final components.
  fd = ValueOrDefault(Open(s.ctx(), s.base(), "c0/x"));
  CHECK(ValueOrDefault(ReadAll(s.ctx(), fd)) == "inside");
  REQUIRE_OK(s.ctx().fd_close(fd));

  const std::string before = State(s);
  CHECK_ERRNO(Open(s.ctx(), s.base(), "b0").error(), Errno::kLoop);
  CHECK_ERRNO(Open(s.ctx(), s.base(), "b0", kCreate).error(), Errno::kLoop);
  CHECK_ERRNO(s.ctx().path_filestat_get(s.base(), kFollow, "b0").error(), Errno::kLoop);
  CHECK_ERRNO(Open(s.ctx(), s.base(), "e0/x").error(), Errno::kLoop);
  CHECK_ERRNO(s.ctx().path_create_directory(s.base(), "e0/new"), Errno::kLoop);
  CHECK_ERRNO(Open(s.ctx(), s.base(), "self").error(), Errno::kLoop);
  // Expansions add up across the whole path: "hop" -> c1 (1) then c1..c39
  // (39) is 40; "hop2" -> c0 (1) then c0..c39 (40) is 41.
  REQUIRE_OK(s.ctx().path_symlink("c1", s.base(), "hop"));
  CHECK(Open(s.ctx(), s.base(), "hop/x").ok());
  REQUIRE_OK(s.ctx().path_symlink("c0", s.base(), "hop2"));
  CHECK_ERRNO(Open(s.ctx(), s.base(), "hop2/x").error(), Errno::kLoop);
  REQUIRE_OK(s.ctx().path_unlink_file(s.base(), "hop"));
  REQUIRE_OK(s.ctx().path_unlink_file(s.base(), "hop2"));
  CHECK(State(s) == before);
  // Not following the final link takes no expansion at all.
  CHECK(s.ctx().path_filestat_get(s.base(), kNoFollow, "b0").ok());

  FilesystemOptions o;
  o.max_symlink_expansions = 3;
  Sandbox small("base/f = x\n" + ChainSpec("a", 3, "f") + ChainSpec("b", 4, "f"), o);
  CHECK(Open(small.ctx(), small.base(), "a0").ok());
  CHECK_ERRNO(Open(small.ctx(), small.base(), "b0").error(), Errno::kLoop);
}

// ---- Descriptor table ----

TEST_CASE("A full descriptor table gives MFILE before anything changes, a close frees a slot",
          "[limits][f10]") {
  Sandbox s("base/f = data\nbase/t = keep\nbase/d/");
  ContextOptions opts;
  CHECK(opts.max_fds == 1024);
  opts.max_fds = 4;
  Context ctx(s.fs_, opts);
  const fd_t dir = *ctx.Preopen("base", "/sandbox");
  std::vector<fd_t> fds;
  for (int i = 0; i < 3; ++i) fds.push_back(ValueOrDefault(Open(ctx, dir, "f")));
  REQUIRE(ctx.OpenDescriptors().size() == 4);

  const std::string before = State(s);
  CHECK_ERRNO(Open(ctx, dir, "f").error(), Errno::kMfile);
  CHECK_ERRNO(Open(ctx, dir, "d", oflags::kDirectory).error(), Errno::kMfile);
  // Checked before the tree is touched: no file created, none truncated.
  CHECK_ERRNO(Open(ctx, dir, "new", kCreate).error(), Errno::kMfile);
  CHECK_ERRNO(Open(ctx, dir, "t", oflags::kTrunc).error(), Errno::kMfile);
  CHECK(ctx.CreatePipe().status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(State(s) == before);
  CHECK(ctx.OpenDescriptors().size() == 4);

  // A close frees exactly one slot, which the next open takes.
  REQUIRE_OK(ctx.fd_close(fds[1]));
  const Result<fd_t> again = Open(ctx, dir, "t", oflags::kTrunc);
  REQUIRE(again.ok());
  CHECK(*again == fds[1]);
  CHECK(s.fs().ReadFile("base/t").value_or("?").empty());
  CHECK_ERRNO(Open(ctx, dir, "f").error(), Errno::kMfile);
  // Renumbering onto an open fd closes the displaced one: a slot frees.
  REQUIRE_OK(ctx.fd_renumber(fds[0], fds[2]));
  CHECK(Open(ctx, dir, "f").ok());
  CHECK_ERRNO(Open(ctx, dir, "f").error(), Errno::kMfile);
}

TEST_CASE("The default table holds 1024 descriptors", "[limits][f10]") {
  Sandbox s("base/f = data");
  // The preopen is one; 1023 opens fill the table.
  for (int i = 0; i < 1023; ++i) {
    if (!Open(s.ctx(), s.base(), "f").ok()) FAIL("open " << i << " failed");
  }
  CHECK(s.ctx().OpenDescriptors().size() == 1024);
  CHECK_ERRNO(Open(s.ctx(), s.base(), "f").error(), Errno::kMfile);
}

// ---- Inode and byte limits, quotas, the file-size cap ----

TEST_CASE("The filesystem inode limit is NOSPC for every creating call, exactly at the limit",
          "[limits][f10]") {
  Sandbox s("base/f = x\nbase/d/", WithLimits(kUnlimited, 5));
  REQUIRE(s.fs().Usage().inodes == 4);  // root, base, f, d
  REQUIRE_OK(s.ctx().path_create_directory(s.base(), "e"));  // the 5th

  const std::string before = State(s);
  CHECK_ERRNO(Open(s.ctx(), s.base(), "g", kCreate).error(), Errno::kNospc);
  CHECK_ERRNO(s.ctx().path_create_directory(s.base(), "h"), Errno::kNospc);
  CHECK_ERRNO(s.ctx().path_symlink("f", s.base(), "l"), Errno::kNospc);
  CHECK(State(s) == before);
  // Calls that add no inode still work at the limit.
  fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
  REQUIRE_OK(s.ctx().fd_close(fd));
  REQUIRE_OK(s.ctx().path_link(s.base(), kNoFollow, "f", s.base(), "f2"));
  REQUIRE_OK(s.ctx().path_rename(s.base(), "f2", s.base(), "d/f2"));
  CHECK(s.fs().Usage().inodes == 5);
  // Freeing one makes room for one.
  REQUIRE_OK(s.ctx().path_remove_directory(s.base(), "e"));
  REQUIRE_OK(s.ctx().path_symlink("f", s.base(), "l"));
  CHECK_ERRNO(s.ctx().path_create_directory(s.base(), "h"), Errno::kNospc);
}

TEST_CASE("The filesystem byte limit is NOSPC for write, pwrite, set_size and allocate",
          "[limits][f10]") {
  Sandbox s("", WithLimits(64 * kKiB, kUnlimited));
  fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
  CHECK(ValueOrDefault(Write(s.ctx(), fd, std::string(64 * kKiB - 1, 'a'))) == 64 * kKiB - 1);
  CHECK(ValueOrDefault(Write(s.ctx(), fd, "b")) == 1);  // exactly at the limit

  const std::string before = State(s);
  CHECK_ERRNO(Write(s.ctx(), fd, "c").error(), Errno::kNospc);
  CHECK_ERRNO(PWrite(s.ctx(), fd, "c", 64 * kKiB).error(), Errno::kNospc);
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(fd, 64 * kKiB + 1), Errno::kNospc);
  CHECK_ERRNO(s.ctx().fd_allocate(fd, 0, 64 * kKiB + 1), Errno::kNospc);
  CHECK(State(s) == before);
  CHECK(ValueOrDefault(s.ctx().fd_tell(fd)) == 64 * kKiB);
  // What needs no new bytes still works: overwrite, allocate within, shrink.
  CHECK(ValueOrDefault(PWrite(s.ctx(), fd, "z", 0)) == 1);
  REQUIRE_OK(s.ctx().fd_allocate(fd, 0, 64 * kKiB));
  REQUIRE_OK(s.ctx().fd_filestat_set_size(fd, 10));
  CHECK(s.fs().Usage().bytes == 10);
  REQUIRE_OK(s.ctx().fd_close(fd));
}

TEST_CASE("A subtree quota is DQUOT, FBIG, then NOSPC, then DQUOT when several are passed",
          "[limits][f10]") {
  FilesystemOptions o = WithLimits(1 * kMiB, kUnlimited);
  o.max_file_size = 4 * kMiB;
  Sandbox s("base/q/\nbase/out = o", o);
  REQUIRE(s.fs().SetQuota("base/q", {4 * kKiB, 2}).ok());  // q and one more
  fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "q/f", kCreate));
  CHECK(ValueOrDefault(Write(s.ctx(), fd, std::string(4 * kKiB, 'a'))) == 4 * kKiB);

  const std::string before = State(s);
  const QuotaUsage q_before = *s.fs().QuotaUsageAt("base/q");
  CHECK_ERRNO(Write(s.ctx(), fd, "b").error(), Errno::kDquot);
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(fd, 4 * kKiB + 1), Errno::kDquot);
  CHECK_ERRNO(s.ctx().fd_allocate(fd, 4 * kKiB, 1), Errno::kDquot);
  CHECK_ERRNO(Open(s.ctx(), s.base(), "q/g", kCreate).error(), Errno::kDquot);
  CHECK_ERRNO(s.ctx().path_create_directory(s.base(), "q/e"), Errno::kDquot);
  CHECK_ERRNO(s.ctx().path_symlink("f", s.base(), "q/l"), Errno::kDquot);
  // Past the filesystem's limit too: NOSPC wins; past the file-size cap as
  // well: FBIG wins.
  CHECK_ERRNO(PWrite(s.ctx(), fd, "b", 2 * kMiB).error(), Errno::kNospc);
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(fd, 2 * kMiB), Errno::kNospc);
  CHECK_ERRNO(PWrite(s.ctx(), fd, "b", 4 * kMiB).error(), Errno::kFbig);
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(fd, 4 * kMiB + 1), Errno::kFbig);
  // Moving an inode across the quota boundary would dodge the charge: XDEV.
  CHECK_ERRNO(s.ctx().path_link(s.base(), kNoFollow, "out", s.base(), "q/out"),
              Errno::kXdev);
  CHECK_ERRNO(s.ctx().path_rename(s.base(), "q/f", s.base(), "f"), Errno::kXdev);
  CHECK(State(s) == before);
  CHECK(*s.fs().QuotaUsageAt("base/q") == q_before);
  // Outside the subtree only the filesystem limit applies.
  fd_t out = ValueOrDefault(Open(s.ctx(), s.base(), "out"));
  CHECK(ValueOrDefault(PWrite(s.ctx(), out, "x", 512 * kKiB)) == 1);
  REQUIRE_OK(s.ctx().fd_close(out));
  REQUIRE_OK(s.ctx().fd_close(fd));
}

TEST_CASE("The file-size cap is FBIG for pwrite, write, set_size and allocate, at the exact size",
          "[limits][f10]") {
  CHECK(FilesystemOptions().max_file_size == filesize_t{1} << 40);
  FilesystemOptions o;
  o.max_file_size = 1 * kMiB;
  Sandbox s("", o);
  fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
  // Ending exactly at the cap is allowed.
  CHECK(ValueOrDefault(PWrite(s.ctx(), fd, "e", kMiB - 1)) == 1);
  REQUIRE_OK(s.ctx().fd_filestat_set_size(fd, kMiB));
  REQUIRE_OK(s.ctx().fd_allocate(fd, kMiB - 1, 1));
  REQUIRE_OK(s.ctx().fd_filestat_set_size(fd, 10));

  const std::string before = State(s);
  CHECK_ERRNO(PWrite(s.ctx(), fd, "x", kMiB).error(), Errno::kFbig);
  CHECK_ERRNO(PWrite(s.ctx(), fd, "xy", kMiB - 1).error(), Errno::kFbig);
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(fd, kMiB + 1), Errno::kFbig);
  CHECK_ERRNO(s.ctx().fd_allocate(fd, 0, kMiB + 1), Errno::kFbig);
  CHECK_ERRNO(s.ctx().fd_allocate(fd, kMiB, 1), Errno::kFbig);
  // offset + len would wrap 2^64: still FBIG, never a small size.
  CHECK_ERRNO(s.ctx().fd_allocate(fd, 1, ~filesize_t{0}), Errno::kFbig);
  CHECK_ERRNO(s.ctx().fd_allocate(fd, ~filesize_t{0}, 1), Errno::kFbig);
  CHECK_ERRNO(PWrite(s.ctx(), fd, "wrap", ~filesize_t{0} - 1).error(), Errno::kFbig);
  // fd_write at an offset past the cap: refused, and the offset stays.
  CHECK(ValueOrDefault(s.ctx().fd_seek(fd, kMiB, Whence::kSet)) == kMiB);
  CHECK_ERRNO(Write(s.ctx(), fd, "x").error(), Errno::kFbig);
  CHECK(ValueOrDefault(s.ctx().fd_tell(fd)) == kMiB);
  CHECK(State(s) == before);
  CHECK(SizeOfFd(s.ctx(), fd) == 10);
  REQUIRE_OK(s.ctx().fd_close(fd));
}

// ---- Huge offsets, sizes and iovecs cost no memory ----

// Each call below asks for 2^62 bytes or 1 GiB; run under a 64 MiB byte limit
// and a 64 MiB subtree quota. Returns the peak RSS growth across them.
uint64_t RunHugeRequests() {
  Sandbox s("base/q/", WithLimits(64 * kMiB, kUnlimited));
  REQUIRE(s.fs().SetQuota("base/q", {64 * kMiB, kUnlimited}).ok());
  fd_t f = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
  fd_t g = ValueOrDefault(Open(s.ctx(), s.base(), "q/g", kCreate));
  REQUIRE(ValueOrDefault(Write(s.ctx(), f, "small")) == 5);
  LazyBuffer huge(1 * kGiB);
  REQUIRE(huge.ok());
  const std::string before = State(s);

  const PeakRss rss;
  CHECK_ERRNO(PWrite(s.ctx(), f, "x", k2p62).error(), Errno::kFbig);
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(f, k2p62), Errno::kFbig);
  CHECK_ERRNO(s.ctx().fd_allocate(f, 0, k2p62), Errno::kFbig);
  // Under the 1 TiB cap but over the 64 MiB limit: NOSPC, before allocation.
  CHECK_ERRNO(PWrite(s.ctx(), f, "x", 1 * kGiB).error(), Errno::kNospc);
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(f, 1 * kGiB), Errno::kNospc);
  CHECK_ERRNO(s.ctx().fd_allocate(f, 0, 1 * kGiB), Errno::kNospc);
  // A 1 GiB iovec: refused before a byte of it is read (or copied).
  absl::Span<const uint8_t> big[] = {huge.span()};
  CHECK_ERRNO(s.ctx().fd_write(f, big).error(), Errno::kNospc);
  CHECK_ERRNO(s.ctx().fd_pwrite(f, big, 0).error(), Errno::kNospc);
  // Inside the subtree quota (the filesystem limit equals it, so the sparse
  // write fails on the filesystem's limit first): still refused whole.
  CHECK_ERRNO(PWrite(s.ctx(), g, "x", 1 * kGiB).error(), Errno::kNospc);
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(g, 64 * kMiB + 1), Errno::kNospc);
  const uint64_t growth = rss.GrowthKiB();

  CHECK(State(s) == before);
  CHECK(SizeOfFd(s.ctx(), f) == 5);
  CHECK(ValueOrDefault(s.ctx().fd_tell(f)) == 5);
  REQUIRE_OK(s.ctx().fd_close(f));
  REQUIRE_OK(s.ctx().fd_close(g));
  return growth;
}

TEST_CASE("Writes, resizes and allocations of 2^62 or 1 GiB fail without allocating",
          "[limits][f10]") {
  const uint64_t growth = RunHugeRequests();
  INFO("peak RSS growth " << growth << " KiB");
  CHECK(growth < kRssSlackKiB);
}

TEST_CASE("A subtree quota refuses a sparse 1 GiB write with DQUOT without allocating",
          "[limits][f10]") {
  Sandbox s("base/q/");
  REQUIRE(s.fs().SetQuota("base/q", {64 * kMiB, kUnlimited}).ok());
  fd_t g = ValueOrDefault(Open(s.ctx(), s.base(), "q/g", kCreate));
  const std::string before = State(s);
  const PeakRss rss;
  CHECK_ERRNO(PWrite(s.ctx(), g, "x", 1 * kGiB).error(), Errno::kDquot);
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(g, 1 * kGiB), Errno::kDquot);
  CHECK_ERRNO(s.ctx().fd_allocate(g, 1 * kGiB, 1), Errno::kDquot);
  CHECK(rss.GrowthKiB() < kRssSlackKiB);
  CHECK(State(s) == before);
  REQUIRE_OK(s.ctx().fd_close(g));
}

TEST_CASE("fd_seek below 0 is INVAL, past 2^63-1 is OVERFLOW, the offset stays",
          "[limits][f10]") {
  Sandbox s("base/f = 0123456789");
  fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "f"));
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  REQUIRE(ValueOrDefault(s.ctx().fd_seek(fd, 4, Whence::kSet)) == 4);

  CHECK_ERRNO(s.ctx().fd_seek(fd, -1, Whence::kSet).error(), Errno::kInval);
  CHECK_ERRNO(s.ctx().fd_seek(fd, -5, Whence::kCur).error(), Errno::kInval);
  CHECK_ERRNO(s.ctx().fd_seek(fd, -11, Whence::kEnd).error(), Errno::kInval);
  CHECK_ERRNO(s.ctx().fd_seek(fd, kMin, Whence::kCur).error(), Errno::kInval);
  CHECK_ERRNO(s.ctx().fd_seek(fd, kMax, Whence::kCur).error(), Errno::kOverflow);
  CHECK_ERRNO(s.ctx().fd_seek(fd, kMax - 9, Whence::kEnd).error(), Errno::kOverflow);
  CHECK(ValueOrDefault(s.ctx().fd_tell(fd)) == 4);
  // The boundaries themselves are fine.
  CHECK(ValueOrDefault(s.ctx().fd_seek(fd, -4, Whence::kCur)) == 0);
  CHECK(ValueOrDefault(s.ctx().fd_seek(fd, -10, Whence::kEnd)) == 0);
  CHECK(ValueOrDefault(s.ctx().fd_seek(fd, kMax - 10, Whence::kEnd)) ==
        static_cast<filesize_t>(kMax));
  CHECK_ERRNO(s.ctx().fd_seek(fd, 1, Whence::kCur).error(), Errno::kOverflow);
  CHECK(ValueOrDefault(s.ctx().fd_tell(fd)) == static_cast<filesize_t>(kMax));
  // Reading there finds end of file; nothing about the file changed.
  CHECK(ValueOrDefault(ReadSome(s.ctx(), fd, 8)).empty());
  REQUIRE_OK(s.ctx().fd_close(fd));
  CHECK(s.fs().ReadFile("base/f").value_or("") == "0123456789");
}

TEST_CASE("Reads into a 1 GiB iovec return only what exists and allocate nothing",
          "[limits][f10]") {
  Sandbox s("base/f = tiny file\nbase/l -> f\nbase/d/");
  LazyBuffer huge(1 * kGiB);
  REQUIRE(huge.ok());
  fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "f"));
  auto [rfd, wfd] = *s.ctx().CreatePipe();
  REQUIRE(ValueOrDefault(Write(s.ctx(), wfd, "piped")) == 5);
  fd_t dir = ValueOrDefault(Open(s.ctx(), s.base(), "d", oflags::kDirectory,
                                       rights::kDirectoryBase, rights::kDirectoryInheriting));
  const std::string before = State(s);

  const PeakRss rss;
  absl::Span<uint8_t> iov[] = {huge.span()};
  CHECK(ValueOrDefault(s.ctx().fd_read(fd, iov)) == 9);
  CHECK(std::string(reinterpret_cast<char*>(huge.span().data()), 9) == "tiny file");
  CHECK(ValueOrDefault(s.ctx().fd_read(fd, iov)) == 0);
  CHECK(ValueOrDefault(s.ctx().fd_pread(fd, iov, k2p62)) == 0);
  CHECK(ValueOrDefault(s.ctx().fd_pread(fd, iov, 5)) == 4);
  absl::Span<uint8_t> two[] = {huge.span(), huge.span()};
  CHECK(ValueOrDefault(s.ctx().fd_pread(fd, two, 0)) == 9);
  CHECK(ValueOrDefault(s.ctx().fd_read(rfd, iov)) == 5);
  CHECK(ValueOrDefault(s.ctx().path_readlink(s.base(), "l", huge.span())) == 1);
  // Two 24-byte dirents ("." and "..") plus their names: "call again" is not
  // signalled because far less than the buffer is used.
  const size_t used = ValueOrDefault(s.ctx().fd_readdir(dir, huge.span(), 0));
  CHECK(used == 2 * 24 + 1 + 2);
  CHECK(rss.GrowthKiB() < kRssSlackKiB);
  CHECK(State(s) == before);
  for (fd_t x : {fd, rfd, wfd, dir}) REQUIRE_OK(s.ctx().fd_close(x));
}

// ---- Streams ----

TEST_CASE("A pipe buffers at most its capacity: a write that does not fit is short, then AGAIN",
          "[limits][f10]") {
  Sandbox s;
  auto [rfd, wfd] = *s.ctx().CreatePipe();
  constexpr size_t kCap = Stream::kDefaultCapacity;
  // Chunks that do not divide the capacity, so the last write is short.
  std::string chunk(kMiB + 7, '\0');
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(i * 131 % 251);
  size_t total = 0;
  size_t short_writes = 0;
  for (int guard = 0; guard < 100 && total < kCap; ++guard) {
    const size_t n = ValueOrDefault(Write(s.ctx(), wfd, chunk));
    if (n < chunk.size()) ++short_writes;
    total += n;
  }
  CHECK(total == kCap);
  CHECK(short_writes == 1);
  // Full: nothing fits, AGAIN at once (both ends are in this Context).
  CHECK_ERRNO(Write(s.ctx(), wfd, "x").error(), Errno::kAgain);
  // Room for 10 after reading 10: a bigger write takes exactly 10.
  CHECK(ValueOrDefault(ReadSome(s.ctx(), rfd, 10)).size() == 10);
  CHECK(ValueOrDefault(Write(s.ctx(), wfd, chunk)) == 10);
  CHECK_ERRNO(Write(s.ctx(), wfd, "x").error(), Errno::kAgain);
  REQUIRE_OK(s.ctx().fd_close(wfd));
  // Everything buffered reads back, in order, and never more than capacity.
  size_t drained = 0;
  bool in_order = true;
  std::string buf(4 * kMiB, '\0');
  absl::Span<uint8_t> iov[] = {
      absl::MakeSpan(reinterpret_cast<uint8_t*>(buf.data()), buf.size())};
  for (;;) {
    const Result<size_t> n = s.ctx().fd_read(rfd, iov);
    REQUIRE(n.ok());
    if (*n == 0) break;
    for (size_t i = 0; i < *n && in_order; ++i) {
      // Stream byte k (10 were read already): full chunks and the short
      // write's prefix up to kCap, then the 10 bytes written after.
      const size_t k = 10 + drained + i;
      in_order = buf[i] == (k < kCap ? chunk[k % chunk.size()] : chunk[k - kCap]);
    }
    drained += *n;
  }
  CHECK(in_order);
  CHECK(drained == kCap);
  REQUIRE_OK(s.ctx().fd_close(rfd));
}

TEST_CASE("FilesystemOptions::stream_capacity bounds every stream, and restores check it",
          "[limits][f10]") {
  FilesystemOptions opt;
  opt.stream_capacity = 100;
  Sandbox s("", opt);
  auto [rfd, wfd] = *s.ctx().CreatePipe();
  CHECK(ValueOrDefault(Write(s.ctx(), wfd, std::string(150, 'p'))) == 100);
  CHECK_ERRNO(Write(s.ctx(), wfd, "x").error(), Errno::kAgain);
  // A host-attached stream (stdio) is one too.
  REQUIRE(s.ctx().AttachStream(20, StreamEnd::kBoth).ok());
  CHECK(ValueOrDefault(Write(s.ctx(), 20, std::string(101, 'o'))) == 100);

  // The capacity travels in snapshots; a restoring Filesystem with a smaller
  // limit refuses it (a hostile capacity would let guest writes grow the
  // host's memory without bound).
  Context* ctxs[] = {&s.ctx()};
  absl::StatusOr<std::string> snap = SaveSnapshot(s.fs(), ctxs);
  REQUIRE(snap.ok());
  LoadOptions same;
  same.fs.stream_capacity = 100;
  absl::StatusOr<LiveState> back = LoadSnapshot(*snap, same);
  REQUIRE(back.ok());
  auto [r2, w2] = *back->contexts[0]->CreatePipe();
  (void)r2;
  CHECK(ValueOrDefault(Write(*back->contexts[0], w2, std::string(101, 'q'))) == 100);
  CHECK_ERRNO(Write(*back->contexts[0], wfd, "x").error(), Errno::kAgain);  // still full
  LoadOptions smaller;
  smaller.fs.stream_capacity = 99;
  absl::StatusOr<LiveState> refused = LoadSnapshot(*snap, smaller);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Contains("capacity 100 is over the limit 99"));
  (void)rfd;
}

// The measurement itself: after a reset, touching 32 MiB must show. Placed
// after the 64 MiB pipe, so a reset that silently failed (peak stuck at the
// pipe's) would make this fail rather than every "< 4 MiB" check pass
// vacuously.
TEST_CASE("The peak-RSS probe sees a 32 MiB allocation", "[limits][f10]") {
  const PeakRss rss;
  // Fresh anonymous pages, not the heap: a heap allocation may reuse pages
  // that earlier tests freed but that are still resident, and not grow RSS.
  const size_t len = 32 * kMiB;
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(p != MAP_FAILED);
  auto* touched = static_cast<volatile uint8_t*>(p);
  for (size_t i = 0; i < len; i += 4096) touched[i] = 1;
  CHECK(rss.GrowthKiB() >= 30 * 1024);
  ::munmap(p, len);
}

// ---- Figure ----

struct Probe {
  const char* limit;
  Errno want;
  std::function<Errno()> run;
};

TEST_CASE("F10 figure: every limit returns its errno, peak RSS growth", "[limits][figure]") {
  auto path_open_in = [](FilesystemOptions o, std::string spec, std::string path,
                         Oflags of) {
    Sandbox s(spec, o);
    Result<fd_t> r = Open(s.ctx(), s.base(), path, of);
    if (r.ok()) (void)s.ctx().fd_close(*r);
    return r.ok() ? Errno::kSuccess : r.error();
  };
  std::vector<Probe> probes = {
      {"name > 255 bytes", Errno::kNametoolong,
       [&] { return path_open_in({}, "", std::string(256, 'n'), kCreate); }},
      {"path > 4096 bytes", Errno::kNametoolong,
       [&] { return path_open_in({}, "base/f = x", PaddedPath(4097, 'f'), Oflags()); }},
      {"41st symlink expansion", Errno::kLoop,
       [&] { return path_open_in({}, "base/f = x\n" + ChainSpec("a", 41, "f"), "a0", Oflags()); }},
      {"fd table full", Errno::kMfile,
       [] {
         Sandbox s("base/f = x");
         ContextOptions co;
         co.max_fds = 1;
         Context ctx(s.fs_, co);
         const fd_t dir = *ctx.Preopen("base", "/sandbox");
         Result<fd_t> r = Open(ctx, dir, "f");
         return r.ok() ? Errno::kSuccess : r.error();
       }},
      {"inode limit", Errno::kNospc,
       [] {
         Sandbox s("", WithLimits(kUnlimited, 2));
         return s.ctx().path_create_directory(s.base(), "d");
       }},
      {"byte limit", Errno::kNospc,
       [] {
         Sandbox s("", WithLimits(64 * kMiB, kUnlimited));
         fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
         const Errno e = s.ctx().fd_filestat_set_size(fd, 1 * kGiB);
         (void)s.ctx().fd_close(fd);
         return e;
       }},
      {"subtree quota", Errno::kDquot,
       [] {
         Sandbox s("base/q/");
         (void)s.fs().SetQuota("base/q", {64 * kMiB, kUnlimited});
         fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "q/f", kCreate));
         const Errno e = PWrite(s.ctx(), fd, "x", 1 * kGiB).error();
         (void)s.ctx().fd_close(fd);
         return e;
       }},
      {"file-size cap", Errno::kFbig,
       [] {
         Sandbox s;
         fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
         const Errno e = s.ctx().fd_allocate(fd, 0, k2p62);
         (void)s.ctx().fd_close(fd);
         return e;
       }},
      {"seek below 0", Errno::kInval,
       [] {
         Sandbox s("base/f = x");
         fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "f"));
         const Errno e = s.ctx().fd_seek(fd, -2, Whence::kEnd).error();
         (void)s.ctx().fd_close(fd);
         return e;
       }},
      {"seek past 2^63-1", Errno::kOverflow,
       [] {
         Sandbox s("base/f = x");
         fd_t fd = ValueOrDefault(Open(s.ctx(), s.base(), "f"));
         const Errno e =
             s.ctx().fd_seek(fd, std::numeric_limits<int64_t>::max(), Whence::kEnd).error();
         (void)s.ctx().fd_close(fd);
         return e;
       }},
      {"stream at capacity", Errno::kAgain,
       [] {
         Sandbox s;
         auto [rfd, wfd] = *s.ctx().CreatePipe();
         const std::string fill(Stream::kDefaultCapacity, 'p');
         (void)Write(s.ctx(), wfd, fill);
         const Result<size_t> r = Write(s.ctx(), wfd, "x");
         (void)s.ctx().fd_close(rfd);
         (void)s.ctx().fd_close(wfd);
         return r.ok() ? Errno::kSuccess : r.error();
       }},
  };
  int passed = 0;
  for (const Probe& p : probes) {
    const Errno got = p.run();
    INFO(p.limit << ": got " << ErrnoName(got) << ", want " << ErrnoName(p.want));
    CHECK(got == p.want);
    if (got == p.want) ++passed;
  }
  const uint64_t growth = RunHugeRequests();
  CHECK(growth < kRssSlackKiB);
  std::cout << "F10 limits: " << passed << " of " << probes.size()
            << " limits return their errno; peak RSS growth " << growth << " KiB\n";
}

}  // namespace
}  // namespace vfs::testing
