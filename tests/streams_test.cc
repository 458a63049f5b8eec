// Buffer streams (host-attached stdio-like streams and pipes), the Stream
// class itself, and the host descriptor API (RemoveDescriptor,
// InsertDescriptor, LookupDescriptor, OpenAt) that moves descriptors between
// Contexts sharing one Filesystem.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"
#include "vfs/stream.h"

namespace vfs::testing {
namespace {

absl::Span<const uint8_t> B(std::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// One fd_read of up to `len` bytes; the bytes read, or the errno.
// Direct Stream reads.
Result<std::string> StreamRead(Stream& s, size_t len) {
  std::string out(len, '\0');
  Result<size_t> n = s.Read(absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), len));
  if (!n.ok()) return n.error();
  out.resize(*n);
  return out;
}

constexpr Rights kDirRights = rights::kDirectoryBase & ~rights::kFdDatasync;

}  // namespace

// ---------------------------------------------------------------------------
// Host-attached streams

TEST_CASE("A host-fed read stream returns fed bytes, AGAIN when empty, EOF after input closes",
          "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  REQUIRE(ctx.AttachStream(0, StreamEnd::kRead).ok());
  // Nothing fed yet, input open: AGAIN, not EOF.
  CHECK(ReadSome(ctx, 0, 8).error() == Errno::kAgain);
  REQUIRE(ctx.StreamFeed(0, "abc").ok());
  Result<std::string> r = ReadSome(ctx, 0, 8);
  REQUIRE(r.ok());
  CHECK(*r == "abc");
  CHECK(ReadSome(ctx, 0, 8).error() == Errno::kAgain);
  REQUIRE(ctx.StreamFeed(0, "de").ok());
  REQUIRE(ctx.StreamCloseInput(0).ok());
  // Buffered bytes still come out before end of file.
  r = ReadSome(ctx, 0, 8);
  REQUIRE(r.ok());
  CHECK(*r == "de");
  r = ReadSome(ctx, 0, 8);
  REQUIRE(r.ok());
  CHECK(r->empty());
  r = ReadSome(ctx, 0, 8);
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("Bytes fed in pieces are read in order through small and vectored reads",
          "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  REQUIRE(ctx.AttachStream(0, StreamEnd::kRead).ok());
  REQUIRE(ctx.StreamFeed(0, "hello ").ok());
  REQUIRE(ctx.StreamFeed(0, "").ok());
  REQUIRE(ctx.StreamFeed(0, "world").ok());
  CHECK(*ReadSome(ctx, 0, 3) == "hel");
  std::string a(2, '.'), b(0, '.'), c(4, '.');
  absl::Span<uint8_t> iovs[] = {
      absl::MakeSpan(reinterpret_cast<uint8_t*>(a.data()), a.size()),
      absl::MakeSpan(reinterpret_cast<uint8_t*>(b.data()), b.size()),
      absl::MakeSpan(reinterpret_cast<uint8_t*>(c.data()), c.size())};
  Result<size_t> n = ctx.fd_read(0, iovs);
  REQUIRE(n.ok());
  CHECK(*n == 6);
  CHECK(a == "lo");
  CHECK(c == " wor");
  CHECK(*ReadSome(ctx, 0, 100) == "ld");
  CHECK(ReadSome(ctx, 0, 100).error() == Errno::kAgain);
}

TEST_CASE("A write stream without a sink buffers bytes for StreamDrain", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  REQUIRE(ctx.AttachStream(1, StreamEnd::kWrite).ok());
  REQUIRE(*Write(ctx, 1, "out") == 3);
  absl::Span<const uint8_t> iovs[] = {B("pu"), B(""), B("t!")};
  Result<size_t> n = ctx.fd_write(1, iovs);
  REQUIRE(n.ok());
  CHECK(*n == 4);
  absl::StatusOr<std::string> d = ctx.StreamDrain(1);
  REQUIRE(d.ok());
  CHECK(*d == "output!");
  d = ctx.StreamDrain(1);
  REQUIRE(d.ok());
  CHECK(d->empty());
  REQUIRE(*Write(ctx, 1, "more") == 4);
  CHECK(*ctx.StreamDrain(1) == "more");
}

TEST_CASE("A write stream with a sink passes every byte to it in order", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  std::string seen;
  int calls = 0;
  Stream::Sink sink = [&](absl::Span<const uint8_t> bytes) {
    seen.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    ++calls;
    return Errno::kSuccess;
  };
  REQUIRE(ctx.AttachStream(1, StreamEnd::kWrite, sink).ok());
  REQUIRE(*Write(ctx, 1, "one ") == 4);
  absl::Span<const uint8_t> iovs[] = {B("two "), B(""), B("three")};
  Result<size_t> n = ctx.fd_write(1, iovs);
  REQUIRE(n.ok());
  CHECK(*n == 9);
  const std::string big(100000, 'x');
  REQUIRE(*Write(ctx, 1, big) == big.size());
  CHECK(seen == "one two three" + big);
  CHECK(calls >= 3);
  // Nothing was buffered.
  CHECK(ctx.StreamDrain(1)->empty());
}

TEST_CASE("A sink that fails makes fd_write fail with its errno", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  Stream::Sink sink = [](absl::Span<const uint8_t>) { return Errno::kIo; };
  REQUIRE(ctx.AttachStream(1, StreamEnd::kWrite, sink).ok());
  CHECK(Write(ctx, 1, "abc").error() == Errno::kIo);
}

TEST_CASE("A read stream with a source reads what the source supplies, then EOF",
          "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  std::vector<std::string> chunks = {"first-", "second"};
  size_t next = 0;
  Stream::Source source = [&](absl::Span<uint8_t> out) -> Result<size_t> {
    if (next == chunks.size()) return size_t{0};
    const std::string& c = chunks[next++];
    const size_t n = std::min(out.size(), c.size());
    std::memcpy(out.data(), c.data(), n);
    return n;
  };
  REQUIRE(ctx.AttachStream(0, StreamEnd::kRead, {}, source).ok());
  CHECK(*ReadSome(ctx, 0, 64) == "first-");
  CHECK(*ReadSome(ctx, 0, 64) == "second");
  Result<std::string> r = ReadSome(ctx, 0, 64);
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("A source error makes fd_read fail with its errno", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  Stream::Source source = [](absl::Span<uint8_t>) -> Result<size_t> { return Errno::kIo; };
  REQUIRE(ctx.AttachStream(0, StreamEnd::kRead, {}, source).ok());
  CHECK(ReadSome(ctx, 0, 8).error() == Errno::kIo);
}

TEST_CASE("A stream with both ends reads back what it wrote", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  REQUIRE(ctx.AttachStream(0, StreamEnd::kBoth).ok());
  REQUIRE(*Write(ctx, 0, "loop") == 4);
  CHECK(*ReadSome(ctx, 0, 2) == "lo");
  CHECK(*ReadSome(ctx, 0, 10) == "op");
  CHECK(ReadSome(ctx, 0, 10).error() == Errno::kAgain);
}

TEST_CASE("A read-only stream end refuses fd_write and a write-only end refuses fd_read",
          "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  REQUIRE(ctx.AttachStream(0, StreamEnd::kRead).ok());
  REQUIRE(ctx.AttachStream(1, StreamEnd::kWrite).ok());
  REQUIRE(ctx.StreamFeed(0, "in").ok());
  CHECK(Write(ctx, 0, "x").error() == Errno::kNotcapable);
  CHECK(ReadSome(ctx, 1, 4).error() == Errno::kNotcapable);
  CHECK(*ReadSome(ctx, 0, 4) == "in");  // the failed write did not land
  CHECK(ctx.StreamDrain(1)->empty());
}

TEST_CASE("AttachStream onto an open descriptor fails with AlreadyExists", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  REQUIRE(ctx.AttachStream(0, StreamEnd::kRead).ok());
  const size_t live = sb.fs().live_inode_count();
  CHECK(ctx.AttachStream(0, StreamEnd::kWrite).code() == absl::StatusCode::kAlreadyExists);
  CHECK(ctx.AttachStream(sb.base(), StreamEnd::kWrite).code() ==
        absl::StatusCode::kAlreadyExists);
  CHECK(sb.fs().live_inode_count() == live);
  // fd 0 is still the read end, and the preopen is still a preopen.
  REQUIRE(ctx.StreamFeed(0, "k").ok());
  CHECK(*ReadSome(ctx, 0, 4) == "k");
  CHECK(ctx.fd_prestat_get(sb.base()).ok());
}

TEST_CASE("Host stream calls on a descriptor that is not a stream fail", "[streams]") {
  Sandbox sb("base/f = abc");
  Context& ctx = sb.ctx();
  Result<fd_t> f = Open(ctx, sb.base(), "f");
  REQUIRE(f.ok());
  for (fd_t fd : {*f, sb.base(), fd_t{40}}) {
    INFO("fd " << fd);
    CHECK_FALSE(ctx.StreamFeed(fd, "x").ok());
    CHECK_FALSE(ctx.StreamDrain(fd).ok());
    CHECK_FALSE(ctx.StreamCloseInput(fd).ok());
  }
  CHECK(*sb.fs().ReadFile("base/f") == "abc");
}

// ---------------------------------------------------------------------------
// Pipes

TEST_CASE("Bytes written to a pipe's write end come out of its read end", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  absl::StatusOr<std::pair<fd_t, fd_t>> p = ctx.CreatePipe();
  REQUIRE(p.ok());
  const auto [rfd, wfd] = *p;
  CHECK(rfd != wfd);
  CHECK(rfd != sb.base());
  CHECK(wfd != sb.base());
  REQUIRE(*Write(ctx, wfd, "hello ") == 6);
  REQUIRE(*Write(ctx, wfd, "pipe") == 4);
  CHECK(*ReadSome(ctx, rfd, 3) == "hel");
  CHECK(*ReadSome(ctx, rfd, 100) == "lo pipe");
  // The ends are one-way.
  CHECK(Write(ctx, rfd, "x").error() == Errno::kNotcapable);
  CHECK(ReadSome(ctx, wfd, 4).error() == Errno::kNotcapable);
}

TEST_CASE("A pipe read is AGAIN while the write end is open and EOF after it closes",
          "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  const auto [rfd, wfd] = *ctx.CreatePipe();
  CHECK(ReadSome(ctx, rfd, 8).error() == Errno::kAgain);
  REQUIRE(*Write(ctx, wfd, "last") == 4);
  REQUIRE(ctx.fd_close(wfd) == Errno::kSuccess);
  // Bytes written before the close are still delivered, then EOF.
  CHECK(*ReadSome(ctx, rfd, 8) == "last");
  Result<std::string> r = ReadSome(ctx, rfd, 8);
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("A pipe stays open while any descriptor holds its write end", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  const auto [rfd, wfd] = *ctx.CreatePipe();
  // Renumbering the write end keeps one writer.
  Result<fd_t> other = Open(ctx, sb.base(), ".", oflags::kDirectory, kDirRights);
  REQUIRE(other.ok());
  REQUIRE(ctx.fd_renumber(wfd, *other) == Errno::kSuccess);
  CHECK(ReadSome(ctx, rfd, 8).error() == Errno::kAgain);
  REQUIRE(*Write(ctx, *other, "r") == 1);
  CHECK(*ReadSome(ctx, rfd, 8) == "r");
  REQUIRE(ctx.fd_close(*other) == Errno::kSuccess);
  CHECK(ReadSome(ctx, rfd, 8)->empty());
}

TEST_CASE("A pipe end moved to a second Context over the same Filesystem still works",
          "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  Context ctx2(sb.fs_);
  const auto [rfd, wfd] = *ctx.CreatePipe();
  // Nonblocking, so that an empty read is AGAIN at once: with the write end
  // in another Context a blocking read would wait (stream_blocking_test.cc).
  REQUIRE(ctx.fd_fdstat_set_flags(rfd, fdflags::kNonblock) == Errno::kSuccess);
  SECTION("the write end moves") {
    absl::StatusOr<DescriptorHandle> h = ctx.RemoveDescriptor(wfd);
    REQUIRE(h.ok());
    REQUIRE(ctx2.InsertDescriptor(1, std::move(*h)).ok());
    CHECK(Write(ctx, wfd, "x").error() == Errno::kBadf);
    CHECK(ReadSome(ctx, rfd, 8).error() == Errno::kAgain);
    REQUIRE(*Write(ctx2, 1, "across") == 6);
    CHECK(*ReadSome(ctx, rfd, 16) == "across");
    REQUIRE(ctx2.fd_close(1) == Errno::kSuccess);
    CHECK(ReadSome(ctx, rfd, 8)->empty());
  }
  SECTION("the read end moves") {
    absl::StatusOr<DescriptorHandle> h = ctx.RemoveDescriptor(rfd);
    REQUIRE(h.ok());
    REQUIRE(ctx2.InsertDescriptor(0, std::move(*h)).ok());
    REQUIRE(*Write(ctx, wfd, "back") == 4);
    CHECK(*ReadSome(ctx2, 0, 16) == "back");
    REQUIRE(ctx.fd_close(wfd) == Errno::kSuccess);
    CHECK(ReadSome(ctx2, 0, 8)->empty());
  }
  SECTION("a write end held in a handle still counts as a writer") {
    absl::StatusOr<DescriptorHandle> h = ctx.RemoveDescriptor(wfd);
    REQUIRE(h.ok());
    CHECK(ReadSome(ctx, rfd, 8).error() == Errno::kAgain);
    *h = DescriptorHandle();  // destroying the handle closes the write end
    CHECK(ReadSome(ctx, rfd, 8)->empty());
  }
}

TEST_CASE("A pipe's inode is reclaimed when both ends are closed", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  const size_t live = sb.fs().live_inode_count();
  const auto [rfd, wfd] = *ctx.CreatePipe();
  CHECK(sb.fs().live_inode_count() == live + 1);
  REQUIRE(ctx.fd_close(rfd) == Errno::kSuccess);
  CHECK(sb.fs().live_inode_count() == live + 1);
  REQUIRE(ctx.fd_close(wfd) == Errno::kSuccess);
  CHECK(sb.fs().live_inode_count() == live);
}

TEST_CASE("An attached stream's inode is reclaimed when its descriptor closes", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  const size_t live = sb.fs().live_inode_count();
  REQUIRE(ctx.AttachStream(0, StreamEnd::kBoth).ok());
  REQUIRE(*Write(ctx, 0, "pending") == 7);
  CHECK(sb.fs().live_inode_count() == live + 1);
  REQUIRE(ctx.fd_close(0) == Errno::kSuccess);
  CHECK(sb.fs().live_inode_count() == live);
}

// ---------------------------------------------------------------------------
// What streams refuse

TEST_CASE("Positioning calls on a stream fail with SPIPE", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  REQUIRE(ctx.AttachStream(0, StreamEnd::kBoth).ok());
  const auto [rfd, wfd] = *ctx.CreatePipe();
  for (fd_t fd : {fd_t{0}, rfd, wfd}) {
    INFO("fd " << fd);
    CHECK(ctx.fd_seek(fd, 0, Whence::kCur).error() == Errno::kSpipe);
    CHECK(ctx.fd_seek(fd, 5, Whence::kSet).error() == Errno::kSpipe);
    CHECK(ctx.fd_seek(fd, 0, Whence::kEnd).error() == Errno::kSpipe);
    CHECK(ctx.fd_tell(fd).error() == Errno::kSpipe);
    CHECK(PRead(ctx, fd, 4, 0).error() == Errno::kSpipe);
    CHECK(PWrite(ctx, fd, "x", 0).error() == Errno::kSpipe);
    // Argument values are checked before the descriptor's kind.
    CHECK(ctx.fd_seek(fd, 0, static_cast<Whence>(3)).error() == Errno::kInval);
  }
  // Nothing was written by the refused pwrites.
  CHECK(ctx.StreamDrain(0)->empty());
  CHECK(ReadSome(ctx, rfd, 8).error() == Errno::kAgain);
}

TEST_CASE("fd_filestat_get on a stream reports zeros with filetype UNKNOWN", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  REQUIRE(ctx.AttachStream(0, StreamEnd::kBoth).ok());
  REQUIRE(*Write(ctx, 0, "buffered bytes") == 14);
  const auto [rfd, wfd] = *ctx.CreatePipe();
  REQUIRE(*Write(ctx, wfd, "xyz") == 3);
  for (fd_t fd : {fd_t{0}, rfd, wfd}) {
    INFO("fd " << fd);
    Result<Filestat> st = ctx.fd_filestat_get(fd);
    REQUIRE(st.ok());
    CHECK(st->filetype == Filetype::kUnknown);
    CHECK(st->dev == 0);
    CHECK(st->ino == 0);
    CHECK(st->nlink == 0);
    CHECK(st->size == 0);
    CHECK(st->atim == 0);
    CHECK(st->mtim == 0);
    CHECK(st->ctim == 0);
  }
}

TEST_CASE("Directory operations on a stream fail with NOTDIR", "[streams]") {
  Sandbox sb;
  Context& ctx = sb.ctx();
  REQUIRE(ctx.AttachStream(0, StreamEnd::kBoth).ok());
  const auto [rfd, wfd] = *ctx.CreatePipe();
  const std::string before = SubtreeDigest(sb.fs(), "base");
  for (fd_t fd : {fd_t{0}, rfd, wfd}) {
    INFO("fd " << fd);
    uint8_t buf[128];
    CHECK(ctx.fd_readdir(fd, absl::MakeSpan(buf), 0).error() == Errno::kNotdir);
    CHECK(Open(ctx, fd, "x", oflags::kCreat).error() == Errno::kNotdir);
    CHECK(ctx.path_create_directory(fd, "d") == Errno::kNotdir);
    CHECK(ctx.path_filestat_get(fd, Lookupflags(), ".").error() == Errno::kNotdir);
  }
  CHECK(SubtreeDigest(sb.fs(), "base") == before);
}

// ---------------------------------------------------------------------------
// The Stream class directly

TEST_CASE("A Stream with a small capacity gives a short write, then AGAIN", "[streams]") {
  Stream s(4);
  Result<size_t> n = s.Write(B("abcdef"));
  REQUIRE(n.ok());
  CHECK(*n == 4);
  CHECK(s.buffered() == 4);
  CHECK(s.Write(B("x")).error() == Errno::kAgain);
  CHECK(s.buffered() == 4);
  // Reading makes room again.
  s.open_writers = 1;
  CHECK(*StreamRead(s, 2) == "ab");
  n = s.Write(B("xyz"));
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(s.Write(B("q")).error() == Errno::kAgain);
  CHECK(s.Drain() == "cdxy");
  CHECK(s.buffered() == 0);
  n = s.Write(B("1234"));
  REQUIRE(n.ok());
  CHECK(*n == 4);
}

TEST_CASE("Stream::Feed ignores the capacity", "[streams]") {
  Stream s(2);
  s.Feed("abcdef");
  CHECK(s.buffered() == 6);
  CHECK(s.Write(B("x")).error() == Errno::kAgain);
  CHECK(*StreamRead(s, 10) == "abcdef");
}

TEST_CASE("A Stream read on an empty buffer is AGAIN while a writer remains, else EOF",
          "[streams]") {
  Stream s;
  SECTION("no writer, input closed: EOF") {
    Result<std::string> r = StreamRead(s, 4);
    REQUIRE(r.ok());
    CHECK(r->empty());
  }
  SECTION("a descriptor writer") {
    s.open_writers = 1;
    CHECK(StreamRead(s, 4).error() == Errno::kAgain);
    s.open_writers = 0;
    CHECK(StreamRead(s, 4)->empty());
  }
  SECTION("host input open") {
    s.set_host_input_open(true);
    CHECK(StreamRead(s, 4).error() == Errno::kAgain);
    s.Feed("z");
    CHECK(*StreamRead(s, 4) == "z");
    s.CloseInput();
    CHECK_FALSE(s.host_input_open());
    CHECK(StreamRead(s, 4)->empty());
  }
}

TEST_CASE("A Stream delivers a long interleaving of writes and reads in order", "[streams]") {
  Stream s(1000);
  s.open_writers = 1;
  std::string written, read;
  uint32_t x = 7;
  for (int i = 0; i < 2000; ++i) {
    x = x * 1664525u + 1013904223u;
    if ((x >> 16) % 2 == 0) {
      std::string chunk((x >> 20) % 300, static_cast<char>('a' + i % 26));
      Result<size_t> n = s.Write(B(chunk));
      if (n.ok()) {
        written += chunk.substr(0, *n);
      } else {
        REQUIRE(n.error() == Errno::kAgain);
        REQUIRE(s.buffered() == 1000);
      }
    } else {
      Result<std::string> r = StreamRead(s, (x >> 20) % 400 + 1);
      if (r.ok()) {
        read += *r;
      } else {
        REQUIRE(r.error() == Errno::kAgain);
        REQUIRE(s.buffered() == 0);
      }
    }
    REQUIRE(s.buffered() == written.size() - read.size());
  }
  read += s.Drain();
  CHECK(read == written);
}

// ---------------------------------------------------------------------------
// Host descriptor API

TEST_CASE("A new Context has no descriptors at all", "[host_api]") {
  Sandbox sb("base/f = abc");
  Context fresh(sb.fs_);
  CHECK(fresh.OpenDescriptors().empty());
  for (fd_t fd : {0u, 1u, 2u, 3u, 4u}) {
    INFO("fd " << fd);
    CHECK(fresh.fd_fdstat_get(fd).error() == Errno::kBadf);
    CHECK(fresh.fd_prestat_get(fd).error() == Errno::kBadf);
    CHECK_FALSE(fresh.LookupDescriptor(fd).ok());
  }
  CHECK(Open(fresh, 3, "base/f").error() == Errno::kBadf);
  // The first preopen then lands at 3.
  absl::StatusOr<fd_t> p = fresh.Preopen("base", "/b");
  REQUIRE(p.ok());
  CHECK(*p == 3);
  CHECK(fresh.OpenDescriptors() == std::vector<fd_t>{3});
}

TEST_CASE("RemoveDescriptor then InsertDescriptor moves a file descriptor with its offset",
          "[host_api]") {
  Sandbox sb("base/f = abcdefgh");
  Context& ctx = sb.ctx();
  Context ctx2(sb.fs_);
  Result<fd_t> fd = Open(ctx, sb.base(), "f");
  REQUIRE(fd.ok());
  REQUIRE(*ReadAll(ctx, *fd, 3) == "abc");
  absl::StatusOr<DescriptorHandle> h = ctx.RemoveDescriptor(*fd);
  REQUIRE(h.ok());
  CHECK(h->valid());
  CHECK(ctx.fd_tell(*fd).error() == Errno::kBadf);
  CHECK(ctx.OpenDescriptors() == std::vector<fd_t>{sb.base()});
  REQUIRE(ctx2.InsertDescriptor(7, std::move(*h)).ok());
  CHECK(ctx2.OpenDescriptors() == std::vector<fd_t>{7});
  Result<filesize_t> t = ctx2.fd_tell(7);
  REQUIRE(t.ok());
  CHECK(*t == 3);
  CHECK(*ReadAll(ctx2, 7) == "defgh");
  REQUIRE(*PWrite(ctx2, 7, "XY", 0) == 2);
  CHECK(*sb.fs().ReadFile("base/f") == "XYcdefgh");
  // The freed number is reused in the first Context.
  Result<fd_t> again = Open(ctx, sb.base(), "f");
  REQUIRE(again.ok());
  CHECK(*again == *fd);
}

TEST_CASE("A moved preopen keeps its name and works in the other Context", "[host_api]") {
  Sandbox sb("base/f = abc");
  Context ctx2(sb.fs_);
  absl::StatusOr<DescriptorHandle> h = sb.ctx().RemoveDescriptor(sb.base());
  REQUIRE(h.ok());
  REQUIRE(ctx2.InsertDescriptor(5, std::move(*h)).ok());
  Result<Prestat> p = ctx2.fd_prestat_get(5);
  REQUIRE(p.ok());
  CHECK(p->pr_name_len == 8);
  Result<fd_t> f = Open(ctx2, 5, "f");
  REQUIRE(f.ok());
  CHECK(*ReadAll(ctx2, *f) == "abc");
}

TEST_CASE("A removed descriptor handle that is destroyed releases its inode", "[host_api]") {
  Sandbox sb("base/f = abc");
  Context& ctx = sb.ctx();
  Result<fd_t> fd = Open(ctx, sb.base(), "f");
  REQUIRE(fd.ok());
  REQUIRE(ctx.path_unlink_file(sb.base(), "f") == Errno::kSuccess);
  const size_t live = sb.fs().live_inode_count();
  {
    absl::StatusOr<DescriptorHandle> h = ctx.RemoveDescriptor(*fd);
    REQUIRE(h.ok());
    // Held by the handle: still alive.
    CHECK(sb.fs().live_inode_count() == live);
    CHECK(sb.fs().Fsck().ok());
  }
  CHECK(sb.fs().live_inode_count() == live - 1);
}

TEST_CASE("Move-assigning over a handle releases the handle it replaces", "[host_api]") {
  Sandbox sb("base/a = A\nbase/b = B\n");
  Context& ctx = sb.ctx();
  Result<fd_t> a = Open(ctx, sb.base(), "a");
  Result<fd_t> b = Open(ctx, sb.base(), "b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(ctx.path_unlink_file(sb.base(), "a") == Errno::kSuccess);
  const size_t live = sb.fs().live_inode_count();
  absl::StatusOr<DescriptorHandle> ha = ctx.RemoveDescriptor(*a);
  absl::StatusOr<DescriptorHandle> hb = ctx.RemoveDescriptor(*b);
  REQUIRE(ha.ok());
  REQUIRE(hb.ok());
  *ha = std::move(*hb);
  CHECK(sb.fs().live_inode_count() == live - 1);
  CHECK(ha->valid());
  REQUIRE(ctx.InsertDescriptor(9, std::move(*ha)).ok());
  CHECK(*ReadAll(ctx, 9) == "B");
}

TEST_CASE("InsertDescriptor into a taken descriptor fails with AlreadyExists", "[host_api]") {
  Sandbox sb("base/a = A\nbase/b = B\n");
  Context& ctx = sb.ctx();
  Result<fd_t> a = Open(ctx, sb.base(), "a");
  Result<fd_t> b = Open(ctx, sb.base(), "b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  absl::StatusOr<DescriptorHandle> h = ctx.RemoveDescriptor(*b);
  REQUIRE(h.ok());
  CHECK(ctx.InsertDescriptor(*a, std::move(*h)).code() == absl::StatusCode::kAlreadyExists);
  CHECK(*ReadAll(ctx, *a) == "A");  // the occupant is untouched
  CHECK(ctx.fd_prestat_get(sb.base()).ok());
}

TEST_CASE("InsertDescriptor of a handle from another Filesystem fails with InvalidArgument",
          "[host_api]") {
  Sandbox sb1("base/f = one");
  Sandbox sb2("base/f = two");
  Result<fd_t> fd = Open(sb1.ctx(), sb1.base(), "f");
  REQUIRE(fd.ok());
  absl::StatusOr<DescriptorHandle> h = sb1.ctx().RemoveDescriptor(*fd);
  REQUIRE(h.ok());
  const std::vector<fd_t> before = sb2.ctx().OpenDescriptors();
  CHECK(sb2.ctx().InsertDescriptor(10, std::move(*h)).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(sb2.ctx().OpenDescriptors() == before);
  CHECK(sb2.ctx().fd_tell(10).error() == Errno::kBadf);
}

TEST_CASE("InsertDescriptor of an empty handle fails with InvalidArgument", "[host_api]") {
  Sandbox sb;
  CHECK(sb.ctx().InsertDescriptor(10, DescriptorHandle()).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(sb.ctx().OpenDescriptors() == std::vector<fd_t>{sb.base()});
}

TEST_CASE("RemoveDescriptor of a descriptor that is not open fails with NotFound",
          "[host_api]") {
  Sandbox sb;
  CHECK(sb.ctx().RemoveDescriptor(0).status().code() == absl::StatusCode::kNotFound);
  CHECK(sb.ctx().RemoveDescriptor(1234).status().code() == absl::StatusCode::kNotFound);
  CHECK(sb.ctx().OpenDescriptors() == std::vector<fd_t>{sb.base()});
}

TEST_CASE("LookupDescriptor reports kind, rights, flags, offset and preopen name",
          "[host_api]") {
  Sandbox sb("base/f = abcdef");
  Context& ctx = sb.ctx();
  SECTION("the preopen") {
    absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(sb.base());
    REQUIRE(info.ok());
    CHECK(info->filetype == Filetype::kDirectory);
    CHECK(info->is_preopen);
    CHECK(info->preopen_name == "/sandbox");
    CHECK(info->base == rights::kDirectoryBase);
    CHECK(info->inheriting == rights::kDirectoryInheriting);
    CHECK(info->inode == ctx.fd_filestat_get(sb.base())->ino);
  }
  SECTION("an opened file") {
    const Rights want = rights::kFdRead | rights::kFdSeek | rights::kFdFilestatGet;
    Result<fd_t> fd = Open(ctx, sb.base(), "f", Oflags(), want, rights::kAll, fdflags::kAppend);
    REQUIRE(fd.ok());
    REQUIRE(*ReadAll(ctx, *fd, 4) == "abcd");
    absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(*fd);
    REQUIRE(info.ok());
    CHECK(info->filetype == Filetype::kRegularFile);
    CHECK_FALSE(info->is_preopen);
    CHECK(info->preopen_name.empty());
    CHECK(info->base == want);
    CHECK(info->inheriting == Rights());
    CHECK(info->flags == fdflags::kAppend);
    CHECK(info->offset == 4);
    CHECK(info->inode == ctx.fd_filestat_get(*fd)->ino);
  }
  SECTION("a stream") {
    REQUIRE(ctx.AttachStream(1, StreamEnd::kWrite).ok());
    absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(1);
    REQUIRE(info.ok());
    CHECK(info->filetype == Filetype::kUnknown);
    CHECK(info->base.Contains(rights::kFdWrite));
    CHECK_FALSE(info->base.Any(rights::kFdRead | rights::kFdSeek | rights::kFdTell));
  }
  SECTION("not open") {
    CHECK(ctx.LookupDescriptor(77).status().code() == absl::StatusCode::kNotFound);
  }
}

TEST_CASE("OpenAt installs a descriptor at a chosen number with clipped rights", "[host_api]") {
  Sandbox sb("base/f = abc\nbase/d/\n");
  Context& ctx = sb.ctx();
  SECTION("a file") {
    REQUIRE(ctx.OpenAt(10, "base/f", rights::kAll, rights::kAll).ok());
    absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(10);
    REQUIRE(info.ok());
    CHECK(info->filetype == Filetype::kRegularFile);
    CHECK(info->base == rights::kRegularFileBase);
    CHECK(info->inheriting == Rights());
    CHECK(info->offset == 0);
    CHECK(*ReadAll(ctx, 10) == "abc");
    CHECK(ctx.OpenDescriptors() == std::vector<fd_t>{sb.base(), 10});
  }
  SECTION("a directory") {
    REQUIRE(ctx.OpenAt(0, "base/d", rights::kAll, rights::kAll).ok());
    absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(0);
    REQUIRE(info.ok());
    CHECK(info->filetype == Filetype::kDirectory);
    CHECK(info->base == rights::kDirectoryBase);
    CHECK(info->inheriting == rights::kDirectoryInheriting);
    CHECK_FALSE(info->is_preopen);
    CHECK(ctx.path_create_directory(0, "sub") == Errno::kSuccess);
    CHECK(sb.fs().Stat("base/d/sub").ok());
  }
  SECTION("narrower rights are kept as given") {
    REQUIRE(ctx.OpenAt(4, "base/f", rights::kFdRead).ok());
    CHECK(ctx.LookupDescriptor(4)->base == rights::kFdRead);
    CHECK(Write(ctx, 4, "x").error() == Errno::kNotcapable);
  }
  SECTION("a taken number") {
    CHECK(ctx.OpenAt(sb.base(), "base/f", rights::kAll).code() ==
          absl::StatusCode::kAlreadyExists);
    CHECK(ctx.LookupDescriptor(sb.base())->is_preopen);
  }
  SECTION("a missing path") {
    const size_t live = sb.fs().live_inode_count();
    CHECK_FALSE(ctx.OpenAt(10, "base/missing", rights::kAll).ok());
    CHECK(ctx.OpenDescriptors() == std::vector<fd_t>{sb.base()});
    CHECK(sb.fs().live_inode_count() == live);
  }
}

}  // namespace vfs::testing
