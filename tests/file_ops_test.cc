// The fd_* calls on regular files (and their refusals on directories and
// closed descriptors): vectored and positioned I/O, offsets, APPEND, seeking,
// sizes, allocation, timestamps, flags, rights, closing, renumbering,
// preopen names and the descriptor-table limit. Ends with a randomized
// comparison of a file against a std::string model.
#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
// What a directory may be opened with: FD_DATASYNC counts as write intent,
// so requesting all of kDirectoryBase is ISDIR.
constexpr Rights kDirRights = rights::kDirectoryBase & ~rights::kFdDatasync;

absl::Span<const uint8_t> B(std::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// fd_write / fd_pwrite of several buffers.
Result<size_t> WriteV(Context& ctx, fd_t fd, std::vector<std::string_view> parts) {
  std::vector<absl::Span<const uint8_t>> iovs;
  for (std::string_view p : parts) iovs.push_back(B(p));
  return ctx.fd_write(fd, iovs);
}
Result<size_t> PWriteV(Context& ctx, fd_t fd, std::vector<std::string_view> parts,
                       filesize_t offset) {
  std::vector<absl::Span<const uint8_t>> iovs;
  for (std::string_view p : parts) iovs.push_back(B(p));
  return ctx.fd_pwrite(fd, iovs, offset);
}

// Scatter buffers pre-filled with '.', so untouched bytes are visible.
struct Scatter {
  explicit Scatter(std::vector<size_t> sizes) {
    for (size_t s : sizes) bufs.emplace_back(s, '.');
    for (auto& b : bufs) {
      iovs.push_back(absl::MakeSpan(reinterpret_cast<uint8_t*>(b.data()), b.size()));
    }
  }
  std::vector<std::string> bufs;
  std::vector<absl::Span<uint8_t>> iovs;
};

Result<Filestat> Stat(Context& ctx, fd_t fd) { return ctx.fd_filestat_get(fd); }

filesize_t SizeOf(Context& ctx, fd_t fd) {
  Result<Filestat> st = ctx.fd_filestat_get(fd);
  REQUIRE(st.ok());
  return st->size;
}

filesize_t Tell(Context& ctx, fd_t fd) {
  Result<filesize_t> t = ctx.fd_tell(fd);
  REQUIRE(t.ok());
  return *t;
}

std::string FileAt(Filesystem& fs, std::string_view path) {
  absl::StatusOr<std::string> s = fs.ReadFile(path);
  REQUIRE(s.ok());
  return *s;
}

fd_t MustOpen(Context& ctx, fd_t dir, std::string_view path, Oflags oflags = Oflags(),
              Rights base = rights::kAll, Fdflags fdflags = Fdflags()) {
  Result<fd_t> fd = Open(ctx, dir, path, oflags, base, rights::kAll, fdflags);
  INFO("open " << path << ": " << ErrnoName(fd.error()));
  REQUIRE(fd.ok());
  return *fd;
}

// A Filesystem with chosen options (a small max_file_size, a device
// number, a descriptor limit), `base/` preopened at fd 3. Runs Fsck at the end.
struct Env {
  explicit Env(FilesystemOptions opt = {}, ContextOptions copt = {},
               std::string_view spec = "") {
    if (!opt.clock) opt.clock = std::make_shared<DeterministicClock>();
    fs = Filesystem::Create(opt);
    REQUIRE(fs->MakeDirectories("base").ok());
    REQUIRE(BuildTree(*fs, spec).ok());
    ctx = std::make_unique<Context>(fs, copt);
    absl::StatusOr<fd_t> fd = ctx->Preopen("base", "/sandbox");
    REQUIRE(fd.ok());
    base = *fd;
  }
  ~Env() {
    absl::Status s = fs->Fsck();
    if (!s.ok()) FAIL_CHECK(s.ToString() << "\n" << fs->Dump());
    ctx.reset();
    s = fs->Fsck();
    if (!s.ok()) FAIL_CHECK(s.ToString() << "\n" << fs->Dump());
  }
  std::shared_ptr<Filesystem> fs;
  std::unique_ptr<Context> ctx;
  fd_t base = 0;
};

FilesystemOptions SmallFiles(filesize_t max) {
  FilesystemOptions o;
  o.max_file_size = max;
  return o;
}

}  // namespace

// ---------------------------------------------------------------------------
// Vectored I/O

TEST_CASE("fd_write gathers several iovecs in order and skips empty ones", "[file_ops]") {
  Sandbox sb("base/f = ");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  Result<size_t> n = WriteV(sb.ctx(), fd, {"ab", "", "cde", ""});
  REQUIRE(n.ok());
  CHECK(*n == 5);
  CHECK(Tell(sb.ctx(), fd) == 5);
  CHECK(FileAt(sb.fs(), "base/f") == "abcde");
}

TEST_CASE("fd_read scatters into several iovecs and is short at end of file", "[file_ops]") {
  Sandbox sb("base/f = abcdefg");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  Scatter s({3, 0, 2, 5});
  Result<size_t> n = sb.ctx().fd_read(fd, s.iovs);
  REQUIRE(n.ok());
  CHECK(*n == 7);
  CHECK(s.bufs[0] == "abc");
  CHECK(s.bufs[1] == "");
  CHECK(s.bufs[2] == "de");
  CHECK(s.bufs[3] == "fg...");
  CHECK(Tell(sb.ctx(), fd) == 7);
  // The next read is at end of file.
  Scatter t({4, 4});
  n = sb.ctx().fd_read(fd, t.iovs);
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(t.bufs[0] == "....");
}

TEST_CASE("fd_pwrite and fd_pread are vectored too", "[file_ops]") {
  Sandbox sb("base/f = abcdef");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  Result<size_t> n = PWriteV(sb.ctx(), fd, {"xy", "", "z"}, 2);
  REQUIRE(n.ok());
  CHECK(*n == 3);
  CHECK(FileAt(sb.fs(), "base/f") == "abxyzf");
  Scatter s({2, 0, 3, 4});
  n = sb.ctx().fd_pread(fd, s.iovs, 1);
  REQUIRE(n.ok());
  CHECK(*n == 5);
  CHECK(s.bufs[0] == "bx");
  CHECK(s.bufs[2] == "yzf");
  CHECK(s.bufs[3] == "....");
  CHECK(Tell(sb.ctx(), fd) == 0);
}

TEST_CASE("I/O with no iovecs or only empty iovecs transfers nothing", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_seek(fd, 1, Whence::kSet).ok());
  const std::string before = SubtreeDigest(sb.fs(), "base");
  SECTION("fd_write with no iovecs") {
    Result<size_t> n = WriteV(sb.ctx(), fd, {});
    REQUIRE(n.ok());
    CHECK(*n == 0);
  }
  SECTION("fd_write with empty iovecs") {
    Result<size_t> n = WriteV(sb.ctx(), fd, {"", ""});
    REQUIRE(n.ok());
    CHECK(*n == 0);
  }
  SECTION("fd_pwrite past the end with an empty iovec does not extend the file") {
    Result<size_t> n = PWriteV(sb.ctx(), fd, {""}, 100);
    REQUIRE(n.ok());
    CHECK(*n == 0);
  }
  SECTION("fd_read with no iovecs") {
    Scatter s({});
    Result<size_t> n = sb.ctx().fd_read(fd, s.iovs);
    REQUIRE(n.ok());
    CHECK(*n == 0);
  }
  SECTION("fd_read with empty iovecs") {
    Scatter s({0, 0});
    Result<size_t> n = sb.ctx().fd_read(fd, s.iovs);
    REQUIRE(n.ok());
    CHECK(*n == 0);
  }
  CHECK(Tell(sb.ctx(), fd) == 1);
  CHECK(SubtreeDigest(sb.fs(), "base") == before);
}

TEST_CASE("Reads at or past end of file return 0", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const filesize_t off = GENERATE(filesize_t{3}, filesize_t{4}, filesize_t{100000},
                                  filesize_t{1} << 62, UINT64_MAX);
  INFO("offset " << off);
  SECTION("fd_pread") {
    Result<std::string> r = PRead(sb.ctx(), fd, 8, off);
    REQUIRE(r.ok());
    CHECK(r->empty());
    CHECK(Tell(sb.ctx(), fd) == 0);
  }
  SECTION("fd_read after seeking there") {
    if (off <= static_cast<filesize_t>(kInt64Max)) {
      REQUIRE(sb.ctx().fd_seek(fd, static_cast<int64_t>(off), Whence::kSet).ok());
      Scatter s({8});
      Result<size_t> n = sb.ctx().fd_read(fd, s.iovs);
      REQUIRE(n.ok());
      CHECK(*n == 0);
      CHECK(Tell(sb.ctx(), fd) == off);
    }
  }
  CHECK(SizeOf(sb.ctx(), fd) == 3);
}

TEST_CASE("fd_pwrite past end of file leaves a zero gap", "[file_ops]") {
  Sandbox sb("base/f = ab");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  Result<size_t> n = PWrite(sb.ctx(), fd, "Z", 5);
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(SizeOf(sb.ctx(), fd) == 6);
  CHECK(FileAt(sb.fs(), "base/f") == std::string("ab\0\0\0Z", 6));
  CHECK(Tell(sb.ctx(), fd) == 0);
}

TEST_CASE("Seeking past end of file then writing leaves a zero gap", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  Result<filesize_t> pos = sb.ctx().fd_seek(fd, 6, Whence::kSet);
  REQUIRE(pos.ok());
  CHECK(*pos == 6);
  CHECK(SizeOf(sb.ctx(), fd) == 3);  // seeking alone does not extend
  REQUIRE(*Write(sb.ctx(), fd, "X") == 1);
  CHECK(FileAt(sb.fs(), "base/f") == std::string("abc\0\0\0X", 7));
  CHECK(Tell(sb.ctx(), fd) == 7);
}

TEST_CASE("fd_read and fd_write move the offset, fd_pread and fd_pwrite do not",
          "[file_ops]") {
  Sandbox sb("base/f = 0123456789");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  Scatter s({3});
  REQUIRE(*sb.ctx().fd_read(fd, s.iovs) == 3);
  CHECK(s.bufs[0] == "012");
  CHECK(Tell(sb.ctx(), fd) == 3);
  REQUIRE(*Write(sb.ctx(), fd, "ab") == 2);
  CHECK(Tell(sb.ctx(), fd) == 5);
  REQUIRE(*PWrite(sb.ctx(), fd, "XYZ", 7) == 3);
  CHECK(Tell(sb.ctx(), fd) == 5);
  CHECK(*PRead(sb.ctx(), fd, 4, 0) == "012a");
  CHECK(Tell(sb.ctx(), fd) == 5);
  Scatter t({10});
  REQUIRE(*sb.ctx().fd_read(fd, t.iovs) == 5);
  CHECK(t.bufs[0] == "56XYZ.....");
  CHECK(Tell(sb.ctx(), fd) == 10);
  CHECK(FileAt(sb.fs(), "base/f") == "012ab56XYZ");
}

TEST_CASE("Two descriptors on one file keep separate offsets", "[file_ops]") {
  Sandbox sb("base/f = abcdef");
  const fd_t a = MustOpen(sb.ctx(), sb.base(), "f");
  const fd_t b = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(*Write(sb.ctx(), a, "XY") == 2);
  CHECK(Tell(sb.ctx(), a) == 2);
  CHECK(Tell(sb.ctx(), b) == 0);
  CHECK(*ReadAll(sb.ctx(), b) == "XYcdef");
}

// ---------------------------------------------------------------------------
// APPEND

TEST_CASE("A file opened with FDFLAGS_APPEND writes at the end whatever the offset",
          "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(), rights::kAll,
                           fdflags::kAppend);
  Result<Fdstat> st = sb.ctx().fd_fdstat_get(fd);
  REQUIRE(st.ok());
  CHECK(st->fs_flags == fdflags::kAppend);
  REQUIRE(sb.ctx().fd_seek(fd, 0, Whence::kSet).ok());
  REQUIRE(*Write(sb.ctx(), fd, "de") == 2);
  CHECK(FileAt(sb.fs(), "base/f") == "abcde");
  CHECK(Tell(sb.ctx(), fd) == 5);
  // Another descriptor extends the file; the next append lands after it.
  const fd_t other = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(*PWrite(sb.ctx(), other, "XY", 5) == 2);
  REQUIRE(*Write(sb.ctx(), fd, "z") == 1);
  CHECK(FileAt(sb.fs(), "base/f") == "abcdeXYz");
  CHECK(Tell(sb.ctx(), fd) == 8);
}

TEST_CASE("fd_fdstat_set_flags sets and clears APPEND", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_fdstat_set_flags(fd, fdflags::kAppend) == Errno::kSuccess);
  CHECK(sb.ctx().fd_fdstat_get(fd)->fs_flags == fdflags::kAppend);
  REQUIRE(*Write(sb.ctx(), fd, "d") == 1);
  CHECK(FileAt(sb.fs(), "base/f") == "abcd");
  CHECK(Tell(sb.ctx(), fd) == 4);

  REQUIRE(sb.ctx().fd_fdstat_set_flags(fd, Fdflags()) == Errno::kSuccess);
  CHECK(sb.ctx().fd_fdstat_get(fd)->fs_flags == Fdflags());
  REQUIRE(sb.ctx().fd_seek(fd, 0, Whence::kSet).ok());
  REQUIRE(*Write(sb.ctx(), fd, "X") == 1);
  CHECK(FileAt(sb.fs(), "base/f") == "Xbcd");
  CHECK(Tell(sb.ctx(), fd) == 1);
}

TEST_CASE("fd_pwrite on an APPEND descriptor appends and does not move the offset",
          "[file_ops]") {
  Sandbox sb;
  SECTION("APPEND from path_open") {
    const fd_t fd = MustOpen(sb.ctx(), sb.base(), "g", oflags::kCreat, rights::kAll,
                             fdflags::kAppend);
    REQUIRE(*Write(sb.ctx(), fd, "aaaa") == 4);
    Result<size_t> n = PWrite(sb.ctx(), fd, "bbb", 0);
    REQUIRE(n.ok());
    CHECK(*n == 3);
    CHECK(SizeOf(sb.ctx(), fd) == 7);
    CHECK(FileAt(sb.fs(), "base/g") == "aaaabbb");
    CHECK(Tell(sb.ctx(), fd) == 4);
  }
  SECTION("APPEND from fd_fdstat_set_flags, offset elsewhere") {
    const fd_t fd = MustOpen(sb.ctx(), sb.base(), "g", oflags::kCreat);
    REQUIRE(*Write(sb.ctx(), fd, "aaaa") == 4);
    REQUIRE(sb.ctx().fd_seek(fd, 1, Whence::kSet).ok());
    REQUIRE(sb.ctx().fd_fdstat_set_flags(fd, fdflags::kAppend) == Errno::kSuccess);
    REQUIRE(*PWrite(sb.ctx(), fd, "bbb", 2) == 3);
    CHECK(FileAt(sb.fs(), "base/g") == "aaaabbb");
    CHECK(Tell(sb.ctx(), fd) == 1);
  }
}

// ---------------------------------------------------------------------------
// fd_seek and fd_tell

TEST_CASE("fd_seek computes SET, CUR and END positions", "[file_ops]") {
  Sandbox sb("base/f = 0123456789");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_seek(fd, 4, Whence::kSet).ok());  // start at 4
  const auto [offset, whence, expect] = GENERATE(table<int64_t, Whence, filesize_t>({
      {0, Whence::kSet, 0},
      {7, Whence::kSet, 7},
      {25, Whence::kSet, 25},
      {0, Whence::kCur, 4},
      {3, Whence::kCur, 7},
      {-4, Whence::kCur, 0},
      {-1, Whence::kCur, 3},
      {0, Whence::kEnd, 10},
      {-10, Whence::kEnd, 0},
      {-3, Whence::kEnd, 7},
      {5, Whence::kEnd, 15},
      {kInt64Max, Whence::kSet, static_cast<filesize_t>(kInt64Max)},
      {kInt64Max - 4, Whence::kCur, static_cast<filesize_t>(kInt64Max)},
      {kInt64Max - 10, Whence::kEnd, static_cast<filesize_t>(kInt64Max)},
  }));
  INFO("offset " << offset << " whence " << static_cast<int>(whence));
  Result<filesize_t> pos = sb.ctx().fd_seek(fd, offset, whence);
  REQUIRE(pos.ok());
  CHECK(*pos == expect);
  CHECK(Tell(sb.ctx(), fd) == expect);
  CHECK(SizeOf(sb.ctx(), fd) == 10);
}

TEST_CASE("fd_seek to a negative position fails with INVAL and keeps the offset",
          "[file_ops]") {
  Sandbox sb("base/f = 0123456789");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_seek(fd, 4, Whence::kSet).ok());
  const auto [offset, whence] = GENERATE(table<int64_t, Whence>({
      {-1, Whence::kSet},
      {kInt64Min, Whence::kSet},
      {-5, Whence::kCur},
      {kInt64Min, Whence::kCur},
      {-11, Whence::kEnd},
      {kInt64Min, Whence::kEnd},
  }));
  INFO("offset " << offset << " whence " << static_cast<int>(whence));
  CHECK(sb.ctx().fd_seek(fd, offset, whence).error() == Errno::kInval);
  CHECK(Tell(sb.ctx(), fd) == 4);
}

TEST_CASE("fd_seek past INT64_MAX fails with OVERFLOW and keeps the offset", "[file_ops]") {
  Sandbox sb("base/f = 0123456789");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  SECTION("CUR from INT64_MAX") {
    REQUIRE(sb.ctx().fd_seek(fd, kInt64Max, Whence::kSet).ok());
    CHECK(sb.ctx().fd_seek(fd, 1, Whence::kCur).error() == Errno::kOverflow);
    CHECK(sb.ctx().fd_seek(fd, kInt64Max, Whence::kCur).error() == Errno::kOverflow);
    CHECK(Tell(sb.ctx(), fd) == static_cast<filesize_t>(kInt64Max));
  }
  SECTION("END of a non-empty file") {
    REQUIRE(sb.ctx().fd_seek(fd, 3, Whence::kSet).ok());
    CHECK(sb.ctx().fd_seek(fd, kInt64Max, Whence::kEnd).error() == Errno::kOverflow);
    CHECK(sb.ctx().fd_seek(fd, kInt64Max - 9, Whence::kEnd).error() == Errno::kOverflow);
    CHECK(Tell(sb.ctx(), fd) == 3);
  }
}

TEST_CASE("fd_seek with an invalid whence fails with INVAL before the descriptor is checked",
          "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const uint8_t w = GENERATE(3, 4, 255);
  INFO("whence " << int{w});
  CHECK(sb.ctx().fd_seek(fd, 0, static_cast<Whence>(w)).error() == Errno::kInval);
  CHECK(sb.ctx().fd_seek(99, 0, static_cast<Whence>(w)).error() == Errno::kInval);
  CHECK(sb.ctx().fd_seek(sb.base(), 0, static_cast<Whence>(w)).error() == Errno::kInval);
  CHECK(Tell(sb.ctx(), fd) == 0);
}

TEST_CASE("fd_seek needs FD_SEEK, FD_TELL alone allows only seek(0, CUR)", "[file_ops]") {
  Sandbox sb("base/f = abcdef");
  SECTION("FD_TELL only") {
    const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(),
                             rights::kFdRead | rights::kFdTell);
    REQUIRE(*ReadAll(sb.ctx(), fd, 2) == "ab");
    Result<filesize_t> q = sb.ctx().fd_seek(fd, 0, Whence::kCur);
    REQUIRE(q.ok());
    CHECK(*q == 2);
    CHECK(sb.ctx().fd_seek(fd, 1, Whence::kCur).error() == Errno::kNotcapable);
    CHECK(sb.ctx().fd_seek(fd, 0, Whence::kSet).error() == Errno::kNotcapable);
    CHECK(sb.ctx().fd_seek(fd, 0, Whence::kEnd).error() == Errno::kNotcapable);
    CHECK(Tell(sb.ctx(), fd) == 2);
  }
  SECTION("neither right") {
    const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(), rights::kFdRead);
    CHECK(sb.ctx().fd_seek(fd, 0, Whence::kCur).error() == Errno::kNotcapable);
    CHECK(sb.ctx().fd_seek(fd, 2, Whence::kSet).error() == Errno::kNotcapable);
  }
  SECTION("FD_SEEK only") {
    const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(), rights::kFdSeek);
    Result<filesize_t> p = sb.ctx().fd_seek(fd, -1, Whence::kEnd);
    REQUIRE(p.ok());
    CHECK(*p == 5);
  }
}

TEST_CASE("fd_tell reports the offset and needs FD_TELL or FD_SEEK", "[file_ops]") {
  Sandbox sb("base/f = abcdef");
  const Rights r = GENERATE(as<Rights>{}, rights::kFdTell, rights::kFdSeek,
                            rights::kFdTell | rights::kFdSeek);
  INFO("rights " << r.bits());
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(), r | rights::kFdRead);
  REQUIRE(*ReadAll(sb.ctx(), fd, 3) == "abc");
  Result<filesize_t> t = sb.ctx().fd_tell(fd);
  REQUIRE(t.ok());
  CHECK(*t == 3);
  const fd_t none = MustOpen(sb.ctx(), sb.base(), "f", Oflags(), rights::kFdRead);
  CHECK(sb.ctx().fd_tell(none).error() == Errno::kNotcapable);
}

// ---------------------------------------------------------------------------
// Sizes: fd_allocate, fd_filestat_set_size, the file-size cap

TEST_CASE("fd_allocate extends the file with zeros and never shrinks it", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_seek(fd, 1, Whence::kSet).ok());
  REQUIRE(sb.ctx().fd_allocate(fd, 2, 8) == Errno::kSuccess);
  CHECK(SizeOf(sb.ctx(), fd) == 10);
  CHECK(FileAt(sb.fs(), "base/f") == std::string("abc") + std::string(7, '\0'));
  CHECK(Tell(sb.ctx(), fd) == 1);
  REQUIRE(sb.ctx().fd_allocate(fd, 0, 4) == Errno::kSuccess);
  CHECK(SizeOf(sb.ctx(), fd) == 10);
  REQUIRE(sb.ctx().fd_allocate(fd, 9, 1) == Errno::kSuccess);
  CHECK(SizeOf(sb.ctx(), fd) == 10);
  CHECK(FileAt(sb.fs(), "base/f") == std::string("abc") + std::string(7, '\0'));
}

TEST_CASE("fd_allocate with length 0 fails with INVAL and changes nothing", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const filesize_t off = GENERATE(filesize_t{0}, filesize_t{2}, filesize_t{100});
  INFO("offset " << off);
  CHECK(sb.ctx().fd_allocate(fd, off, 0) == Errno::kInval);
  CHECK(SizeOf(sb.ctx(), fd) == 3);
}

TEST_CASE("fd_allocate past the maximum file size fails with FBIG and changes nothing",
          "[file_ops]") {
  Env env(SmallFiles(100), {}, "base/f = abc");
  Context& ctx = *env.ctx;
  const fd_t fd = MustOpen(ctx, env.base, "f");
  const auto [off, len] = GENERATE(table<filesize_t, filesize_t>({
      {0, 101},
      {90, 11},
      {100, 1},
      {101, 1},
      {UINT64_MAX, 1},
      {1, UINT64_MAX},
      {filesize_t{1} << 62, filesize_t{1} << 62},
  }));
  INFO("offset " << off << " len " << len);
  CHECK(ctx.fd_allocate(fd, off, len) == Errno::kFbig);
  CHECK(SizeOf(ctx, fd) == 3);
  // Exactly up to the cap is fine.
  REQUIRE(ctx.fd_allocate(fd, 90, 10) == Errno::kSuccess);
  CHECK(SizeOf(ctx, fd) == 100);
}

TEST_CASE("fd_filestat_set_size grows the file with zeros", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_filestat_set_size(fd, 8) == Errno::kSuccess);
  CHECK(SizeOf(sb.ctx(), fd) == 8);
  CHECK(FileAt(sb.fs(), "base/f") == std::string("abc\0\0\0\0\0", 8));
  CHECK(Tell(sb.ctx(), fd) == 0);
}

TEST_CASE("fd_filestat_set_size shrink then grow reads zeros in the regrown range",
          "[file_ops]") {
  Sandbox sb("base/f = hello world");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_seek(fd, 9, Whence::kSet).ok());
  REQUIRE(sb.ctx().fd_filestat_set_size(fd, 3) == Errno::kSuccess);
  CHECK(FileAt(sb.fs(), "base/f") == "hel");
  CHECK(Tell(sb.ctx(), fd) == 9);  // the offset is left where it was
  REQUIRE(sb.ctx().fd_filestat_set_size(fd, 11) == Errno::kSuccess);
  CHECK(FileAt(sb.fs(), "base/f") == std::string("hel") + std::string(8, '\0'));
  SECTION("to zero and back") {
    REQUIRE(sb.ctx().fd_filestat_set_size(fd, 0) == Errno::kSuccess);
    REQUIRE(sb.ctx().fd_filestat_set_size(fd, 4) == Errno::kSuccess);
    CHECK(FileAt(sb.fs(), "base/f") == std::string(4, '\0'));
  }
}

TEST_CASE("fd_filestat_set_size shrink then grow across 64 KiB chunks reads zeros",
          "[file_ops]") {
  Sandbox sb;
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", oflags::kCreat);
  std::string data(200000, 'q');
  REQUIRE(*Write(sb.ctx(), fd, data) == data.size());
  REQUIRE(sb.ctx().fd_filestat_set_size(fd, 70000) == Errno::kSuccess);
  REQUIRE(sb.ctx().fd_filestat_set_size(fd, 200000) == Errno::kSuccess);
  CHECK(FileAt(sb.fs(), "base/f") == std::string(70000, 'q') + std::string(130000, '\0'));
}

TEST_CASE("fd_filestat_set_size past the maximum file size fails with FBIG", "[file_ops]") {
  SECTION("a small cap") {
    Env env(SmallFiles(100), {}, "base/f = abc");
    const fd_t fd = MustOpen(*env.ctx, env.base, "f");
    const filesize_t size = GENERATE(filesize_t{101}, filesize_t{1000}, UINT64_MAX);
    INFO("size " << size);
    CHECK(env.ctx->fd_filestat_set_size(fd, size) == Errno::kFbig);
    CHECK(FileAt(*env.fs, "base/f") == "abc");
    REQUIRE(env.ctx->fd_filestat_set_size(fd, 100) == Errno::kSuccess);
    CHECK(SizeOf(*env.ctx, fd) == 100);
  }
  SECTION("2^62 with the default cap fails without allocating") {
    Sandbox sb("base/f = abc");
    const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
    CHECK(sb.ctx().fd_filestat_set_size(fd, filesize_t{1} << 62) == Errno::kFbig);
    CHECK(SizeOf(sb.ctx(), fd) == 3);
  }
}

TEST_CASE("fd_pwrite and fd_write at huge offsets fail with FBIG without allocating",
          "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const filesize_t cap = sb.fs().options().max_file_size;
  SECTION("pwrite at 2^62") {
    CHECK(PWrite(sb.ctx(), fd, "x", filesize_t{1} << 62).error() == Errno::kFbig);
  }
  SECTION("pwrite at UINT64_MAX") {
    CHECK(PWrite(sb.ctx(), fd, "xy", UINT64_MAX).error() == Errno::kFbig);
  }
  SECTION("pwrite at the cap") {
    CHECK(PWrite(sb.ctx(), fd, "x", cap).error() == Errno::kFbig);
  }
  SECTION("pwrite crossing the cap") {
    CHECK(PWrite(sb.ctx(), fd, "xy", cap - 1).error() == Errno::kFbig);
  }
  SECTION("write after seeking to 2^62") {
    REQUIRE(sb.ctx().fd_seek(fd, int64_t{1} << 62, Whence::kSet).ok());
    CHECK(Write(sb.ctx(), fd, "x").error() == Errno::kFbig);
    CHECK(Tell(sb.ctx(), fd) == filesize_t{1} << 62);
  }
  CHECK(SizeOf(sb.ctx(), fd) == 3);
  CHECK(FileAt(sb.fs(), "base/f") == "abc");
}

TEST_CASE("A sparse write just below the file-size cap succeeds", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const filesize_t cap = sb.fs().options().max_file_size;
  REQUIRE(*PWrite(sb.ctx(), fd, "z", cap - 1) == 1);
  CHECK(SizeOf(sb.ctx(), fd) == cap);
  CHECK(*PRead(sb.ctx(), fd, 4, cap - 3) == std::string("\0\0z", 3));
  REQUIRE(sb.ctx().fd_filestat_set_size(fd, 3) == Errno::kSuccess);
}

TEST_CASE("Writes past the maximum file size fail with FBIG and write nothing",
          "[file_ops]") {
  Env env(SmallFiles(100));
  Context& ctx = *env.ctx;
  const fd_t fd = MustOpen(ctx, env.base, "f", oflags::kCreat);
  const std::string head(95, 'h');
  REQUIRE(*Write(ctx, fd, head) == 95);
  SECTION("a vectored fd_write that would cross the cap") {
    CHECK(WriteV(ctx, fd, {"abc", "defghij"}).error() == Errno::kFbig);
    CHECK(Tell(ctx, fd) == 95);
  }
  SECTION("fd_pwrite crossing the cap") {
    CHECK(PWriteV(ctx, fd, {"ab", "cdef"}, 95).error() == Errno::kFbig);
  }
  SECTION("fd_pwrite past the cap") {
    CHECK(PWrite(ctx, fd, "a", 100).error() == Errno::kFbig);
  }
  SECTION("an APPEND write crossing the cap") {
    REQUIRE(ctx.fd_fdstat_set_flags(fd, fdflags::kAppend) == Errno::kSuccess);
    REQUIRE(ctx.fd_seek(fd, 0, Whence::kSet).ok());
    CHECK(Write(ctx, fd, "0123456").error() == Errno::kFbig);
    CHECK(Tell(ctx, fd) == 0);
  }
  CHECK(FileAt(*env.fs, "base/f") == head);
  // Up to the cap exactly is allowed, one more byte is not.
  REQUIRE(*PWrite(ctx, fd, "12345", 95) == 5);
  CHECK(SizeOf(ctx, fd) == 100);
  CHECK(PWrite(ctx, fd, "!", 100).error() == Errno::kFbig);
  CHECK(SizeOf(ctx, fd) == 100);
}

// ---------------------------------------------------------------------------
// fd_filestat_get and timestamps

TEST_CASE("fd_filestat_get reports dev, ino, filetype, nlink and size", "[file_ops]") {
  FilesystemOptions opt;
  opt.device = 42;
  Env env(opt, {}, "base/f = abcd\nbase/d/\n");
  Context& ctx = *env.ctx;
  const fd_t fd = MustOpen(ctx, env.base, "f");
  Result<Filestat> st = Stat(ctx, fd);
  REQUIRE(st.ok());
  CHECK(st->dev == 42);
  CHECK(st->filetype == Filetype::kRegularFile);
  CHECK(st->size == 4);
  CHECK(st->nlink == 1);
  Result<Filestat> ps = ctx.path_filestat_get(env.base, Lookupflags(), "f");
  REQUIRE(ps.ok());
  CHECK(st->ino == ps->ino);
  CHECK(st->ino != 0);
  const inode_t ino = st->ino;

  // The inode number is stable across writes, renames and new links.
  REQUIRE(*Write(ctx, fd, "xyz123") == 6);
  REQUIRE(ctx.path_rename(env.base, "f", env.base, "d/g") == Errno::kSuccess);
  REQUIRE(ctx.path_link(env.base, Lookupflags(), "d/g", env.base, "h") == Errno::kSuccess);
  st = Stat(ctx, fd);
  REQUIRE(st.ok());
  CHECK(st->ino == ino);
  CHECK(st->size == 6);
  CHECK(st->nlink == 2);
  CHECK(ctx.path_filestat_get(env.base, Lookupflags(), "h")->ino == ino);

  // Unlinked while open: nlink 0, still readable through the descriptor.
  REQUIRE(ctx.path_unlink_file(env.base, "h") == Errno::kSuccess);
  REQUIRE(ctx.path_unlink_file(env.base, "d/g") == Errno::kSuccess);
  st = Stat(ctx, fd);
  REQUIRE(st.ok());
  CHECK(st->nlink == 0);
  CHECK(st->ino == ino);
  CHECK(*PRead(ctx, fd, 10, 0) == "xyz123");
}

TEST_CASE("fd_filestat_get needs FD_FILESTAT_GET", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(), rights::kFdRead);
  CHECK(sb.ctx().fd_filestat_get(fd).error() == Errno::kNotcapable);
}

TEST_CASE("Inode numbers are distinct and never reused", "[file_ops]") {
  Sandbox sb;
  const fd_t a = MustOpen(sb.ctx(), sb.base(), "a", oflags::kCreat);
  const inode_t ino_a = Stat(sb.ctx(), a)->ino;
  REQUIRE(sb.ctx().fd_close(a) == Errno::kSuccess);
  REQUIRE(sb.ctx().path_unlink_file(sb.base(), "a") == Errno::kSuccess);
  const fd_t b = MustOpen(sb.ctx(), sb.base(), "a", oflags::kCreat);
  const inode_t ino_b = Stat(sb.ctx(), b)->ino;
  CHECK(ino_b != ino_a);
  CHECK(ino_b != Stat(sb.ctx(), sb.base())->ino);
}

TEST_CASE("fd_write updates mtim and ctim but not atim", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const Filestat before = *Stat(sb.ctx(), fd);
  REQUIRE(*Write(sb.ctx(), fd, "x") == 1);
  const Filestat after = *Stat(sb.ctx(), fd);
  CHECK(after.mtim > before.mtim);
  CHECK(after.ctim > before.ctim);
  CHECK(after.atim == before.atim);
  // pwrite too.
  REQUIRE(*PWrite(sb.ctx(), fd, "y", 10) == 1);
  const Filestat later = *Stat(sb.ctx(), fd);
  CHECK(later.mtim > after.mtim);
  CHECK(later.ctim > after.ctim);
  CHECK(later.atim == before.atim);
}

TEST_CASE("fd_read updates atim but not mtim or ctim", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const Filestat before = *Stat(sb.ctx(), fd);
  REQUIRE(*ReadAll(sb.ctx(), fd, 2) == "ab");
  const Filestat after = *Stat(sb.ctx(), fd);
  CHECK(after.atim > before.atim);
  CHECK(after.mtim == before.mtim);
  CHECK(after.ctim == before.ctim);
  REQUIRE(*PRead(sb.ctx(), fd, 2, 0) == "ab");
  CHECK(Stat(sb.ctx(), fd)->atim > after.atim);
}

TEST_CASE("fd_filestat_set_size and fd_allocate update mtim and ctim", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const Filestat before = *Stat(sb.ctx(), fd);
  REQUIRE(sb.ctx().fd_filestat_set_size(fd, 1) == Errno::kSuccess);
  const Filestat after = *Stat(sb.ctx(), fd);
  CHECK(after.mtim > before.mtim);
  CHECK(after.ctim > before.ctim);
  REQUIRE(sb.ctx().fd_allocate(fd, 0, 50) == Errno::kSuccess);
  const Filestat later = *Stat(sb.ctx(), fd);
  CHECK(later.mtim > after.mtim);
  CHECK(later.ctim > after.ctim);
}

TEST_CASE("fd_filestat_set_times sets explicit nanosecond ATIM and MTIM values",
          "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const Filestat before = *Stat(sb.ctx(), fd);
  const timestamp_t atim = 1'600'000'000'123'456'789ull;
  const timestamp_t mtim = 1'500'000'000'987'654'321ull;
  const auto [flags, set_a, set_m] = GENERATE(table<Fstflags, bool, bool>({
      {fstflags::kAtim, true, false},
      {fstflags::kMtim, false, true},
      {fstflags::kAtim | fstflags::kMtim, true, true},
  }));
  INFO("fstflags " << flags.bits());
  REQUIRE(sb.ctx().fd_filestat_set_times(fd, atim, mtim, flags) == Errno::kSuccess);
  const Filestat after = *Stat(sb.ctx(), fd);
  CHECK(after.atim == (set_a ? atim : before.atim));
  CHECK(after.mtim == (set_m ? mtim : before.mtim));
  CHECK(after.ctim > before.ctim);
  CHECK(after.size == 3);
}

TEST_CASE("fd_filestat_set_times with ATIM_NOW and MTIM_NOW uses the clock", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  // Old explicit times first, so "now" is clearly different.
  REQUIRE(sb.ctx().fd_filestat_set_times(fd, 5, 7, fstflags::kAtim | fstflags::kMtim) ==
          Errno::kSuccess);
  const Filestat before = *Stat(sb.ctx(), fd);
  SECTION("ATIM_NOW") {
    REQUIRE(sb.ctx().fd_filestat_set_times(fd, 1, 2, fstflags::kAtimNow) == Errno::kSuccess);
    const Filestat after = *Stat(sb.ctx(), fd);
    CHECK(after.atim > before.ctim);
    CHECK(after.atim <= after.ctim);
    CHECK(after.mtim == 7);
  }
  SECTION("MTIM_NOW") {
    REQUIRE(sb.ctx().fd_filestat_set_times(fd, 1, 2, fstflags::kMtimNow) == Errno::kSuccess);
    const Filestat after = *Stat(sb.ctx(), fd);
    CHECK(after.mtim > before.ctim);
    CHECK(after.mtim <= after.ctim);
    CHECK(after.atim == 5);
  }
  SECTION("ATIM_NOW with explicit MTIM") {
    REQUIRE(sb.ctx().fd_filestat_set_times(fd, 1, 99, fstflags::kAtimNow | fstflags::kMtim) ==
            Errno::kSuccess);
    const Filestat after = *Stat(sb.ctx(), fd);
    CHECK(after.atim > before.ctim);
    CHECK(after.mtim == 99);
  }
  SECTION("both NOW") {
    REQUIRE(sb.ctx().fd_filestat_set_times(fd, 1, 2, fstflags::kAtimNow | fstflags::kMtimNow) ==
            Errno::kSuccess);
    const Filestat after = *Stat(sb.ctx(), fd);
    CHECK(after.atim > before.ctim);
    CHECK(after.mtim > before.ctim);
  }
}

TEST_CASE("fd_filestat_set_times with conflicting or unknown fstflags fails with INVAL first",
          "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const uint16_t bits = GENERATE(
      uint16_t{0x3},           // ATIM | ATIM_NOW
      uint16_t{0xC},           // MTIM | MTIM_NOW
      uint16_t{0xF},           // all four
      uint16_t{0x10},          // unknown bit
      uint16_t{0x10 | 0x1},    // unknown with a valid one
      uint16_t{0x8000});
  const Fstflags flags(bits);
  INFO("fstflags " << bits);
  const Filestat before = *Stat(sb.ctx(), fd);
  CHECK(sb.ctx().fd_filestat_set_times(fd, 1, 2, flags) == Errno::kInval);
  const Filestat after = *Stat(sb.ctx(), fd);
  CHECK(after.atim == before.atim);
  CHECK(after.mtim == before.mtim);
  CHECK(after.ctim == before.ctim);
  // Checked before the descriptor.
  CHECK(sb.ctx().fd_filestat_set_times(99, 1, 2, flags) == Errno::kInval);
}

TEST_CASE("fd_filestat_set_times needs FD_FILESTAT_SET_TIMES", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(),
                           rights::kFdRead | rights::kFdFilestatGet);
  const Filestat before = *Stat(sb.ctx(), fd);
  CHECK(sb.ctx().fd_filestat_set_times(fd, 1, 2, fstflags::kAtim) == Errno::kNotcapable);
  CHECK(Stat(sb.ctx(), fd)->atim == before.atim);
  CHECK(Stat(sb.ctx(), fd)->ctim == before.ctim);
}

// ---------------------------------------------------------------------------
// fd_sync, fd_datasync, fd_advise

TEST_CASE("fd_sync and fd_datasync succeed on files and directories", "[file_ops]") {
  Sandbox sb("base/f = abc\nbase/d/\n");
  const fd_t f = MustOpen(sb.ctx(), sb.base(), "f");
  Result<fd_t> d = Open(sb.ctx(), sb.base(), "d", oflags::kDirectory, kDirRights,
                        rights::kDirectoryInheriting);
  REQUIRE(d.ok());
  for (fd_t fd : {f, sb.base()}) {
    INFO("fd " << fd);
    CHECK(sb.ctx().fd_sync(fd) == Errno::kSuccess);
    CHECK(sb.ctx().fd_datasync(fd) == Errno::kSuccess);
  }
  // A path_open'ed directory cannot hold FD_DATASYNC (it is write intent).
  CHECK(sb.ctx().fd_sync(*d) == Errno::kSuccess);
  CHECK(sb.ctx().fd_datasync(*d) == Errno::kNotcapable);
}

TEST_CASE("fd_sync and fd_datasync need FD_SYNC and FD_DATASYNC", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t no_sync = MustOpen(sb.ctx(), sb.base(), "f", Oflags(),
                                rights::kRegularFileBase & ~rights::kFdSync);
  const fd_t no_datasync = MustOpen(sb.ctx(), sb.base(), "f", Oflags(),
                                    rights::kRegularFileBase & ~rights::kFdDatasync);
  CHECK(sb.ctx().fd_sync(no_sync) == Errno::kNotcapable);
  CHECK(sb.ctx().fd_datasync(no_sync) == Errno::kSuccess);
  CHECK(sb.ctx().fd_datasync(no_datasync) == Errno::kNotcapable);
  CHECK(sb.ctx().fd_sync(no_datasync) == Errno::kSuccess);
}

TEST_CASE("fd_advise accepts every valid advice and changes nothing", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const uint8_t advice = GENERATE(0, 1, 2, 3, 4, 5);
  INFO("advice " << int{advice});
  const std::string before = SubtreeDigest(sb.fs(), "base");
  CHECK(sb.ctx().fd_advise(fd, 0, 100, static_cast<Advice>(advice)) == Errno::kSuccess);
  CHECK(sb.ctx().fd_advise(fd, 1000, 0, static_cast<Advice>(advice)) == Errno::kSuccess);
  CHECK(SubtreeDigest(sb.fs(), "base") == before);
}

TEST_CASE("fd_advise with an unknown advice fails with INVAL before the descriptor",
          "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  const uint8_t advice = GENERATE(6, 7, 255);
  INFO("advice " << int{advice});
  CHECK(sb.ctx().fd_advise(fd, 0, 1, static_cast<Advice>(advice)) == Errno::kInval);
  CHECK(sb.ctx().fd_advise(99, 0, 1, static_cast<Advice>(advice)) == Errno::kInval);
  CHECK(sb.ctx().fd_advise(sb.base(), 0, 1, static_cast<Advice>(advice)) == Errno::kInval);
}

TEST_CASE("fd_advise needs FD_ADVISE", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(),
                           rights::kRegularFileBase & ~rights::kFdAdvise);
  CHECK(sb.ctx().fd_advise(fd, 0, 1, Advice::kNormal) == Errno::kNotcapable);
}

// ---------------------------------------------------------------------------
// fd_fdstat_get / fd_fdstat_set_flags

TEST_CASE("fd_fdstat_get reports filetype, flags and rights", "[file_ops]") {
  Sandbox sb("base/f = abc\nbase/d/\n");
  SECTION("a file") {
    const Rights want = rights::kFdRead | rights::kFdSeek | rights::kFdTell;
    Result<fd_t> fd = Open(sb.ctx(), sb.base(), "f", Oflags(), want, rights::kAll,
                           fdflags::kAppend | fdflags::kNonblock);
    REQUIRE(fd.ok());
    Result<Fdstat> st = sb.ctx().fd_fdstat_get(*fd);
    REQUIRE(st.ok());
    CHECK(st->fs_filetype == Filetype::kRegularFile);
    CHECK(st->fs_flags == (fdflags::kAppend | fdflags::kNonblock));
    CHECK(st->fs_rights_base == want);
    CHECK(st->fs_rights_inheriting == Rights());
  }
  SECTION("a file opened with every right gets the regular-file maximum") {
    const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
    Result<Fdstat> st = sb.ctx().fd_fdstat_get(fd);
    REQUIRE(st.ok());
    CHECK(st->fs_rights_base == rights::kRegularFileBase);
    CHECK(st->fs_rights_inheriting == Rights());
    CHECK(st->fs_flags == Fdflags());
  }
  SECTION("the preopen") {
    Result<Fdstat> st = sb.ctx().fd_fdstat_get(sb.base());
    REQUIRE(st.ok());
    CHECK(st->fs_filetype == Filetype::kDirectory);
    CHECK(st->fs_rights_base == rights::kDirectoryBase);
    CHECK(st->fs_rights_inheriting == rights::kDirectoryInheriting);
  }
}

TEST_CASE("fd_fdstat_set_flags rejects DSYNC, RSYNC, SYNC and unknown bits with INVAL",
          "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_fdstat_set_flags(fd, fdflags::kNonblock) == Errno::kSuccess);
  const uint16_t bits = GENERATE(uint16_t{0x2}, uint16_t{0x8}, uint16_t{0x10},
                                 uint16_t{0x1 | 0x2}, uint16_t{0x20}, uint16_t{0x8000},
                                 uint16_t{0xFFFF});
  INFO("fdflags " << bits);
  CHECK(sb.ctx().fd_fdstat_set_flags(fd, Fdflags(bits)) == Errno::kInval);
  CHECK(sb.ctx().fd_fdstat_get(fd)->fs_flags == fdflags::kNonblock);
  // Checked before the descriptor and its kind.
  CHECK(sb.ctx().fd_fdstat_set_flags(99, Fdflags(bits)) == Errno::kInval);
  CHECK(sb.ctx().fd_fdstat_set_flags(sb.base(), Fdflags(bits)) == Errno::kInval);
}

TEST_CASE("fd_fdstat_set_flags replaces the flags", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_fdstat_set_flags(fd, fdflags::kNonblock) == Errno::kSuccess);
  CHECK(sb.ctx().fd_fdstat_get(fd)->fs_flags == fdflags::kNonblock);
  REQUIRE(sb.ctx().fd_fdstat_set_flags(fd, fdflags::kAppend) == Errno::kSuccess);
  CHECK(sb.ctx().fd_fdstat_get(fd)->fs_flags == fdflags::kAppend);
  REQUIRE(sb.ctx().fd_fdstat_set_flags(fd, fdflags::kAppend | fdflags::kNonblock) ==
          Errno::kSuccess);
  CHECK(sb.ctx().fd_fdstat_get(fd)->fs_flags == (fdflags::kAppend | fdflags::kNonblock));
  REQUIRE(sb.ctx().fd_fdstat_set_flags(fd, Fdflags()) == Errno::kSuccess);
  CHECK(sb.ctx().fd_fdstat_get(fd)->fs_flags == Fdflags());
}

TEST_CASE("fd_fdstat_set_flags needs FD_FDSTAT_SET_FLAGS", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(),
                           rights::kRegularFileBase & ~rights::kFdFdstatSetFlags);
  CHECK(sb.ctx().fd_fdstat_set_flags(fd, fdflags::kAppend) == Errno::kNotcapable);
  CHECK(sb.ctx().fd_fdstat_get(fd)->fs_flags == Fdflags());
}

// ---------------------------------------------------------------------------
// Rights on byte I/O and sizes

TEST_CASE("Each file operation is refused with NOTCAPABLE without its right", "[file_ops]") {
  using Op = std::function<Errno(Context&, fd_t)>;
  auto err = [](auto r) { return r.error(); };
  const std::vector<std::tuple<const char*, Rights, Op>> cases = {
      {"fd_read", rights::kFdRead,
       [&](Context& c, fd_t fd) { Scatter s({4}); return err(c.fd_read(fd, s.iovs)); }},
      {"fd_pread without READ", rights::kFdRead,
       [&](Context& c, fd_t fd) { return err(PRead(c, fd, 4, 0)); }},
      {"fd_pread without SEEK", rights::kFdSeek,
       [&](Context& c, fd_t fd) { return err(PRead(c, fd, 4, 0)); }},
      {"fd_write", rights::kFdWrite,
       [&](Context& c, fd_t fd) { return err(Write(c, fd, "zz")); }},
      {"fd_pwrite without WRITE", rights::kFdWrite,
       [&](Context& c, fd_t fd) { return err(PWrite(c, fd, "zz", 1)); }},
      {"fd_pwrite without SEEK", rights::kFdSeek,
       [&](Context& c, fd_t fd) { return err(PWrite(c, fd, "zz", 1)); }},
      {"fd_allocate", rights::kFdAllocate,
       [&](Context& c, fd_t fd) { return c.fd_allocate(fd, 0, 100); }},
      {"fd_filestat_set_size", rights::kFdFilestatSetSize,
       [&](Context& c, fd_t fd) { return c.fd_filestat_set_size(fd, 1); }},
  };
  Sandbox sb("base/f = abc");
  for (const auto& [name, missing, op] : cases) {
    INFO(name);
    const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f", Oflags(),
                             rights::kRegularFileBase & ~missing);
    const std::string before = SubtreeDigest(sb.fs(), "base");
    const Errno e = op(sb.ctx(), fd);
    INFO("got " << ErrnoName(e));
    CHECK(e == Errno::kNotcapable);
    CHECK(SubtreeDigest(sb.fs(), "base") == before);
    CHECK(Tell(sb.ctx(), fd) == 0);
    REQUIRE(sb.ctx().fd_close(fd) == Errno::kSuccess);
  }
}

// ---------------------------------------------------------------------------
// Directories and closed descriptors

TEST_CASE("File operations on a directory descriptor fail with BADF", "[file_ops]") {
  using Op = std::function<Errno(Context&, fd_t)>;
  auto err = [](auto r) { return r.error(); };
  const std::vector<std::pair<const char*, Op>> cases = {
      {"fd_read", [&](Context& c, fd_t fd) { Scatter s({4}); return err(c.fd_read(fd, s.iovs)); }},
      {"fd_pread", [&](Context& c, fd_t fd) { return err(PRead(c, fd, 4, 0)); }},
      {"fd_write", [&](Context& c, fd_t fd) { return err(Write(c, fd, "x")); }},
      {"fd_pwrite", [&](Context& c, fd_t fd) { return err(PWrite(c, fd, "x", 0)); }},
      {"fd_seek", [&](Context& c, fd_t fd) { return err(c.fd_seek(fd, 0, Whence::kCur)); }},
      {"fd_tell", [&](Context& c, fd_t fd) { return err(c.fd_tell(fd)); }},
      {"fd_advise", [&](Context& c, fd_t fd) { return c.fd_advise(fd, 0, 1, Advice::kNormal); }},
      {"fd_allocate", [&](Context& c, fd_t fd) { return c.fd_allocate(fd, 0, 1); }},
      {"fd_fdstat_set_flags",
       [&](Context& c, fd_t fd) { return c.fd_fdstat_set_flags(fd, fdflags::kAppend); }},
      {"fd_filestat_set_size", [&](Context& c, fd_t fd) { return c.fd_filestat_set_size(fd, 1); }},
  };
  Sandbox sb("base/d/x = 1\n");
  Result<fd_t> d = Open(sb.ctx(), sb.base(), "d", oflags::kDirectory, kDirRights,
                        rights::kDirectoryInheriting);
  REQUIRE(d.ok());
  const std::string before = SubtreeDigest(sb.fs(), "base");
  for (fd_t fd : {sb.base(), *d}) {
    for (const auto& [name, op] : cases) {
      INFO("fd " << fd << " " << name);
      const Errno e = op(sb.ctx(), fd);
      INFO("got " << ErrnoName(e));
      CHECK(e == Errno::kBadf);
    }
  }
  CHECK(SubtreeDigest(sb.fs(), "base") == before);
  CHECK(sb.ctx().fd_fdstat_get(*d)->fs_flags == Fdflags());
}

TEST_CASE("fd_fdstat_get, fd_filestat_get and fd_filestat_set_times work on a directory",
          "[file_ops]") {
  Sandbox sb("base/d/\n");
  Result<Fdstat> fst = sb.ctx().fd_fdstat_get(sb.base());
  REQUIRE(fst.ok());
  CHECK(fst->fs_filetype == Filetype::kDirectory);
  Result<Filestat> st = sb.ctx().fd_filestat_get(sb.base());
  REQUIRE(st.ok());
  CHECK(st->filetype == Filetype::kDirectory);
  CHECK(st->nlink == 3);  // 2 + one subdirectory
  REQUIRE(sb.ctx().fd_filestat_set_times(sb.base(), 11, 22, fstflags::kAtim | fstflags::kMtim) ==
          Errno::kSuccess);
  st = sb.ctx().fd_filestat_get(sb.base());
  CHECK(st->atim == 11);
  CHECK(st->mtim == 22);
}

TEST_CASE("Every fd_* call on a descriptor that is not open fails with BADF", "[file_ops]") {
  using Op = std::function<Errno(Context&, fd_t)>;
  auto err = [](auto r) { return r.error(); };
  const std::vector<std::pair<const char*, Op>> cases = {
      {"fd_read", [&](Context& c, fd_t fd) { Scatter s({4}); return err(c.fd_read(fd, s.iovs)); }},
      {"fd_pread", [&](Context& c, fd_t fd) { return err(PRead(c, fd, 4, 0)); }},
      {"fd_write", [&](Context& c, fd_t fd) { return err(Write(c, fd, "x")); }},
      {"fd_pwrite", [&](Context& c, fd_t fd) { return err(PWrite(c, fd, "x", 0)); }},
      {"fd_seek", [&](Context& c, fd_t fd) { return err(c.fd_seek(fd, 0, Whence::kCur)); }},
      {"fd_tell", [&](Context& c, fd_t fd) { return err(c.fd_tell(fd)); }},
      {"fd_close", [&](Context& c, fd_t fd) { return c.fd_close(fd); }},
      {"fd_sync", [&](Context& c, fd_t fd) { return c.fd_sync(fd); }},
      {"fd_datasync", [&](Context& c, fd_t fd) { return c.fd_datasync(fd); }},
      {"fd_advise", [&](Context& c, fd_t fd) { return c.fd_advise(fd, 0, 1, Advice::kNormal); }},
      {"fd_allocate", [&](Context& c, fd_t fd) { return c.fd_allocate(fd, 0, 1); }},
      {"fd_fdstat_get", [&](Context& c, fd_t fd) { return err(c.fd_fdstat_get(fd)); }},
      {"fd_fdstat_set_flags", [&](Context& c, fd_t fd) { return c.fd_fdstat_set_flags(fd, Fdflags()); }},
      {"fd_fdstat_set_rights",
       [&](Context& c, fd_t fd) { return c.fd_fdstat_set_rights(fd, Rights(), Rights()); }},
      {"fd_filestat_get", [&](Context& c, fd_t fd) { return err(c.fd_filestat_get(fd)); }},
      {"fd_filestat_set_size", [&](Context& c, fd_t fd) { return c.fd_filestat_set_size(fd, 0); }},
      {"fd_filestat_set_times",
       [&](Context& c, fd_t fd) { return c.fd_filestat_set_times(fd, 0, 0, fstflags::kAtim); }},
      {"fd_readdir", [&](Context& c, fd_t fd) {
         uint8_t buf[64];
         return err(c.fd_readdir(fd, absl::MakeSpan(buf), 0));
       }},
      {"fd_prestat_get", [&](Context& c, fd_t fd) { return err(c.fd_prestat_get(fd)); }},
      {"fd_prestat_dir_name", [&](Context& c, fd_t fd) {
         uint8_t buf[64];
         return c.fd_prestat_dir_name(fd, absl::MakeSpan(buf));
       }},
      {"fd_renumber from", [&](Context& c, fd_t fd) { return c.fd_renumber(fd, 3); }},
      {"fd_renumber to", [&](Context& c, fd_t fd) { return c.fd_renumber(3, fd); }},
  };
  Sandbox sb("base/f = abc");
  const fd_t closed = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().fd_close(closed) == Errno::kSuccess);
  const std::string before = SubtreeDigest(sb.fs(), "base");
  for (fd_t fd : {fd_t{0}, fd_t{2}, closed, fd_t{1000}, fd_t{UINT32_MAX}}) {
    for (const auto& [name, op] : cases) {
      INFO("fd " << fd << " " << name);
      const Errno e = op(sb.ctx(), fd);
      INFO("got " << ErrnoName(e));
      CHECK(e == Errno::kBadf);
    }
  }
  CHECK(SubtreeDigest(sb.fs(), "base") == before);
  CHECK(sb.ctx().OpenDescriptors() == std::vector<fd_t>{sb.base()});
}

// ---------------------------------------------------------------------------
// fd_close and fd_renumber

TEST_CASE("fd_close closes a descriptor once, the second close fails with BADF",
          "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  CHECK(sb.ctx().fd_close(fd) == Errno::kSuccess);
  CHECK(sb.ctx().fd_close(fd) == Errno::kBadf);
  CHECK(sb.ctx().fd_tell(fd).error() == Errno::kBadf);
  CHECK(sb.ctx().OpenDescriptors() == std::vector<fd_t>{sb.base()});
  CHECK(FileAt(sb.fs(), "base/f") == "abc");
}

TEST_CASE("Closing a preopen is allowed and makes its number unusable", "[file_ops]") {
  Sandbox sb("base/f = abc");
  CHECK(sb.ctx().fd_close(sb.base()) == Errno::kSuccess);
  CHECK(Open(sb.ctx(), sb.base(), "f").error() == Errno::kBadf);
  CHECK(sb.ctx().fd_prestat_get(sb.base()).error() == Errno::kBadf);
  CHECK(sb.ctx().fd_close(sb.base()) == Errno::kBadf);
  CHECK(sb.ctx().OpenDescriptors().empty());
}

TEST_CASE("Closing a descriptor of an unlinked file reclaims its inode", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t fd = MustOpen(sb.ctx(), sb.base(), "f");
  REQUIRE(sb.ctx().path_unlink_file(sb.base(), "f") == Errno::kSuccess);
  const size_t live = sb.fs().live_inode_count();
  CHECK(*PRead(sb.ctx(), fd, 3, 0) == "abc");
  REQUIRE(sb.ctx().fd_close(fd) == Errno::kSuccess);
  CHECK(sb.fs().live_inode_count() == live - 1);
}

TEST_CASE("New descriptors get the lowest free number", "[file_ops]") {
  Sandbox sb("base/f = abc");
  const fd_t a = MustOpen(sb.ctx(), sb.base(), "f");
  const fd_t b = MustOpen(sb.ctx(), sb.base(), "f");
  const fd_t c = MustOpen(sb.ctx(), sb.base(), "f");
  CHECK(a == 0);
  CHECK(b == 1);
  CHECK(c == 2);
  CHECK(MustOpen(sb.ctx(), sb.base(), "f") == 4);  // 3 is the preopen
  REQUIRE(sb.ctx().fd_close(b) == Errno::kSuccess);
  CHECK(MustOpen(sb.ctx(), sb.base(), "f") == b);
}

TEST_CASE("fd_renumber moves a descriptor onto another, closing the one it replaces",
          "[file_ops]") {
  Sandbox sb("base/a = AAAA\nbase/b = BBBB\n");
  const fd_t a = MustOpen(sb.ctx(), sb.base(), "a");
  const fd_t b = MustOpen(sb.ctx(), sb.base(), "b");
  REQUIRE(sb.ctx().fd_seek(a, 2, Whence::kSet).ok());
  const inode_t ino_a = Stat(sb.ctx(), a)->ino;
  REQUIRE(sb.ctx().fd_renumber(a, b) == Errno::kSuccess);
  CHECK(sb.ctx().fd_tell(a).error() == Errno::kBadf);
  CHECK(Stat(sb.ctx(), b)->ino == ino_a);
  CHECK(Tell(sb.ctx(), b) == 2);
  CHECK(*ReadAll(sb.ctx(), b) == "AA");
  CHECK(sb.ctx().OpenDescriptors() == std::vector<fd_t>{b, sb.base()});
}

TEST_CASE("fd_renumber onto itself is a no-op", "[file_ops]") {
  Sandbox sb("base/a = AAAA");
  const fd_t a = MustOpen(sb.ctx(), sb.base(), "a");
  REQUIRE(sb.ctx().fd_seek(a, 1, Whence::kSet).ok());
  CHECK(sb.ctx().fd_renumber(a, a) == Errno::kSuccess);
  CHECK(Tell(sb.ctx(), a) == 1);
  CHECK(*ReadAll(sb.ctx(), a) == "AAA");
  CHECK(sb.ctx().fd_renumber(sb.base(), sb.base()) == Errno::kSuccess);
  CHECK(sb.ctx().fd_prestat_get(sb.base()).ok());
}

TEST_CASE("fd_renumber onto a preopen closes the preopen", "[file_ops]") {
  Sandbox sb("base/a = AAAA");
  const fd_t a = MustOpen(sb.ctx(), sb.base(), "a");
  REQUIRE(sb.ctx().fd_renumber(a, sb.base()) == Errno::kSuccess);
  CHECK(sb.ctx().fd_prestat_get(sb.base()).error() == Errno::kBadf);
  CHECK(sb.ctx().fd_fdstat_get(sb.base())->fs_filetype == Filetype::kRegularFile);
  CHECK(*ReadAll(sb.ctx(), sb.base()) == "AAAA");
  CHECK(sb.ctx().OpenDescriptors() == std::vector<fd_t>{sb.base()});
}

TEST_CASE("fd_renumber needs both descriptors open", "[file_ops]") {
  Sandbox sb("base/a = AAAA");
  const fd_t a = MustOpen(sb.ctx(), sb.base(), "a");
  REQUIRE(sb.ctx().fd_seek(a, 1, Whence::kSet).ok());
  SECTION("`to` not open") {
    CHECK(sb.ctx().fd_renumber(a, 17) == Errno::kBadf);
  }
  SECTION("`from` not open") {
    CHECK(sb.ctx().fd_renumber(17, a) == Errno::kBadf);
  }
  SECTION("`from` not open onto a preopen") {
    CHECK(sb.ctx().fd_renumber(17, sb.base()) == Errno::kBadf);
    CHECK(sb.ctx().fd_prestat_get(sb.base()).ok());
  }
  SECTION("neither open, same number") {
    CHECK(sb.ctx().fd_renumber(17, 17) == Errno::kBadf);
  }
  CHECK(Tell(sb.ctx(), a) == 1);
  CHECK(sb.ctx().OpenDescriptors() == std::vector<fd_t>{a, sb.base()});
}

TEST_CASE("fd_renumber releases the displaced descriptor's inode", "[file_ops]") {
  Sandbox sb("base/a = AAAA\nbase/b = BBBB\n");
  const fd_t a = MustOpen(sb.ctx(), sb.base(), "a");
  const fd_t b = MustOpen(sb.ctx(), sb.base(), "b");
  REQUIRE(sb.ctx().path_unlink_file(sb.base(), "b") == Errno::kSuccess);
  const size_t live = sb.fs().live_inode_count();
  REQUIRE(sb.ctx().fd_renumber(a, b) == Errno::kSuccess);
  CHECK(sb.fs().live_inode_count() == live - 1);
  CHECK(*ReadAll(sb.ctx(), b) == "AAAA");
}

// ---------------------------------------------------------------------------
// fd_prestat_get / fd_prestat_dir_name

TEST_CASE("fd_prestat_get reports a directory tag and the name length", "[file_ops]") {
  Sandbox sb;
  Result<Prestat> p = sb.ctx().fd_prestat_get(sb.base());
  REQUIRE(p.ok());
  CHECK(p->tag == 0);
  CHECK(p->pr_name_len == std::string_view("/sandbox").size());
}

TEST_CASE("fd_prestat_dir_name fills a buffer at least as long as the name", "[file_ops]") {
  Sandbox sb;
  const size_t len = GENERATE(8, 9, 64);
  INFO("buffer " << len);
  std::string buf(len, '#');
  REQUIRE(sb.ctx().fd_prestat_dir_name(
              sb.base(), absl::MakeSpan(reinterpret_cast<uint8_t*>(buf.data()), len)) ==
          Errno::kSuccess);
  CHECK(buf.substr(0, 8) == "/sandbox");
  CHECK(buf.substr(8) == std::string(len - 8, '#'));
}

TEST_CASE("fd_prestat_dir_name with a buffer shorter than the name fails with NAMETOOLONG",
          "[file_ops]") {
  Sandbox sb;
  const size_t len = GENERATE(0, 1, 7);
  INFO("buffer " << len);
  std::string buf(len + 1, '#');
  CHECK(sb.ctx().fd_prestat_dir_name(
            sb.base(), absl::MakeSpan(reinterpret_cast<uint8_t*>(buf.data()), len)) ==
        Errno::kNametoolong);
  CHECK(buf == std::string(len + 1, '#'));
}

TEST_CASE("fd_prestat_get and fd_prestat_dir_name refuse descriptors that are not preopens",
          "[file_ops]") {
  Sandbox sb("base/f = abc\nbase/d/\n");
  const fd_t f = MustOpen(sb.ctx(), sb.base(), "f");
  Result<fd_t> d = Open(sb.ctx(), sb.base(), "d", oflags::kDirectory, kDirRights,
                        rights::kDirectoryInheriting);
  REQUIRE(d.ok());
  uint8_t buf[64];
  for (fd_t fd : {f, *d}) {
    INFO("fd " << fd);
    CHECK(sb.ctx().fd_prestat_get(fd).error() == Errno::kBadf);
    CHECK(sb.ctx().fd_prestat_dir_name(fd, absl::MakeSpan(buf)) == Errno::kNotdir);
  }
  CHECK(sb.ctx().fd_prestat_get(50).error() == Errno::kBadf);
  CHECK(sb.ctx().fd_prestat_dir_name(50, absl::MakeSpan(buf)) == Errno::kBadf);
}

// ---------------------------------------------------------------------------
// The descriptor-table limit

TEST_CASE("path_open fails with MFILE when the table is full and creates nothing",
          "[file_ops]") {
  ContextOptions copt;
  copt.max_fds = 3;
  Env env({}, copt, "base/f = abc\nbase/d/\n");
  Context& ctx = *env.ctx;
  MustOpen(ctx, env.base, "f");
  MustOpen(ctx, env.base, "f");
  REQUIRE(ctx.OpenDescriptors().size() == 3);
  const std::string before = SubtreeDigest(*env.fs, "base");
  const size_t live = env.fs->live_inode_count();
  CHECK(Open(ctx, env.base, "f").error() == Errno::kMfile);
  CHECK(Open(ctx, env.base, "new", oflags::kCreat).error() == Errno::kMfile);
  CHECK(Open(ctx, env.base, "f", oflags::kTrunc).error() == Errno::kMfile);
  CHECK(Open(ctx, env.base, "d", oflags::kDirectory, kDirRights).error() ==
        Errno::kMfile);
  CHECK(SubtreeDigest(*env.fs, "base") == before);
  CHECK(FileAt(*env.fs, "base/f") == "abc");
  CHECK(env.fs->live_inode_count() == live);
  CHECK(ctx.OpenDescriptors().size() == 3);
  // Freeing a slot makes room again.
  REQUIRE(ctx.fd_close(0) == Errno::kSuccess);
  Result<fd_t> again = Open(ctx, env.base, "new", oflags::kCreat);
  REQUIRE(again.ok());
  CHECK(*again == 0);
}

// ---------------------------------------------------------------------------
// Randomized model

TEST_CASE("A file matches a std::string model over 1000 random fd operations",
          "[file_ops]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  const fd_t fd = MustOpen(ctx, sb.base(), "m", oflags::kCreat);
  std::mt19937_64 rng(0x5eed);
  std::string model;
  filesize_t pos = 0;
  const filesize_t kSpan = 3 * 65536 + 100;
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (auto& ch : s) ch = static_cast<char>('A' + rng() % 26);
    return s;
  };
  auto apply_write = [&](filesize_t off, const std::string& data) {
    if (data.empty()) return;
    if (model.size() < off + data.size()) model.resize(off + data.size(), '\0');
    model.replace(off, data.size(), data);
  };
  for (int step = 0; step < 1000; ++step) {
    const int op = static_cast<int>(rng() % 9);
    INFO("step " << step << " op " << op << " size " << model.size() << " pos " << pos);
    switch (op) {
      case 0:
      case 1: {  // pwrite
        const filesize_t off = rng() % kSpan;
        const std::string data = random_bytes(rng() % 3000);
        Result<size_t> n = PWrite(ctx, fd, data, off);
        REQUIRE(n.ok());
        REQUIRE(*n == data.size());
        apply_write(off, data);
        break;
      }
      case 2:
      case 3: {  // write at the offset, split into two iovecs
        const std::string data = random_bytes(rng() % 3000);
        const size_t cut = data.empty() ? 0 : rng() % data.size();
        Result<size_t> n = WriteV(ctx, fd, {std::string_view(data).substr(0, cut),
                                            std::string_view(data).substr(cut)});
        REQUIRE(n.ok());
        REQUIRE(*n == data.size());
        apply_write(pos, data);
        pos += data.size();
        break;
      }
      case 4: {  // seek
        const Whence w = static_cast<Whence>(rng() % 3);
        const int64_t delta = static_cast<int64_t>(rng() % 20000) - 10000;
        const int64_t off = w == Whence::kSet ? static_cast<int64_t>(rng() % kSpan) : delta;
        const int64_t from = w == Whence::kSet   ? 0
                             : w == Whence::kCur ? static_cast<int64_t>(pos)
                                                 : static_cast<int64_t>(model.size());
        Result<filesize_t> r = ctx.fd_seek(fd, off, w);
        if (from + off < 0) {
          REQUIRE(r.error() == Errno::kInval);
        } else {
          REQUIRE(r.ok());
          pos = static_cast<filesize_t>(from + off);
          REQUIRE(*r == pos);
        }
        break;
      }
      case 5: {  // set_size
        const filesize_t size = rng() % kSpan;
        REQUIRE(ctx.fd_filestat_set_size(fd, size) == Errno::kSuccess);
        model.resize(size, '\0');
        break;
      }
      case 6: {  // allocate
        const filesize_t off = rng() % kSpan;
        const filesize_t len = 1 + rng() % 5000;
        REQUIRE(ctx.fd_allocate(fd, off, len) == Errno::kSuccess);
        if (model.size() < off + len) model.resize(off + len, '\0');
        break;
      }
      case 7: {  // read at the offset
        const size_t len = rng() % 5000;
        Scatter s({len / 2, len - len / 2});
        Result<size_t> n = ctx.fd_read(fd, s.iovs);
        REQUIRE(n.ok());
        const std::string want = pos >= model.size() ? std::string() : model.substr(pos, len);
        REQUIRE(*n == want.size());
        REQUIRE((s.bufs[0] + s.bufs[1]).substr(0, want.size()) == want);
        pos += want.size();
        break;
      }
      default: {  // pread
        const filesize_t off = rng() % kSpan;
        const size_t len = rng() % 5000;
        const std::string want = off >= model.size() ? std::string() : model.substr(off, len);
        REQUIRE(*PRead(ctx, fd, len, off) == want);
        break;
      }
    }
    REQUIRE(SizeOf(ctx, fd) == model.size());
    REQUIRE(Tell(ctx, fd) == pos);
    Result<std::string> all = PRead(ctx, fd, model.size() + 16, 0);
    REQUIRE(all.ok());
    REQUIRE(*all == model);
  }
}

}  // namespace vfs::testing
