// Blocking and nonblocking stream calls (ContextOptions::max_block): a
// blocking fd_read of an empty pipe, or fd_write to a full one, waits while
// the other side is held by another Context (which another thread may
// drive), and returns AGAIN at once when it is not, or with NONBLOCK. Also
// run under ThreadSanitizer (scripts/test.sh).
//
// No test asserts a duration. A call that must not wait is given an hour of
// max_block, so waiting would hang the test (and CTest's timeout would
// report it); a call that must wait is answered by another thread.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

// Two Contexts over one Filesystem, with a pipe whose read end is in
// `reader` (fd 0) and write end in `writer` (fd 1).
struct PipePair {
  explicit PipePair(ContextOptions options = {}) {
    fs = Filesystem::Create();
    reader = std::make_unique<Context>(fs, options);
    writer = std::make_unique<Context>(fs, options);
    auto fds = reader->CreatePipe();
    REQUIRE(fds.ok());
    absl::StatusOr<DescriptorHandle> w = reader->RemoveDescriptor(fds->second);
    REQUIRE(w.ok());
    REQUIRE(writer->InsertDescriptor(1, std::move(*w)).ok());
    absl::StatusOr<DescriptorHandle> r = reader->RemoveDescriptor(fds->first);
    REQUIRE(r.ok());
    REQUIRE(reader->InsertDescriptor(0, std::move(*r)).ok());
  }
  ~PipePair() {
    reader.reset();
    writer.reset();
    CHECK(fs->Fsck().ok());
  }
  std::shared_ptr<Filesystem> fs;
  std::unique_ptr<Context> reader, writer;
};

ContextOptions Blocking(std::chrono::nanoseconds max_block) {
  ContextOptions o;
  o.max_block = max_block;
  return o;
}

TEST_CASE("A blocking read of an empty pipe waits for a writer in another Context",
          "[streams][blocking][concurrency]") {
  PipePair p(Blocking(hours(1)));
  std::thread t([&] {
    std::this_thread::sleep_for(milliseconds(20));
    CHECK(ValueOrDefault(Write(*p.writer, 1, "late")) == 4);
  });
  Result<std::string> got = ReadSome(*p.reader, 0, 16);
  t.join();
  REQUIRE(got.ok());
  CHECK(*got == "late");
}

TEST_CASE("A blocked read returns end of file when the other Context closes the write end",
          "[streams][blocking][concurrency]") {
  PipePair p(Blocking(hours(1)));
  std::thread t([&] {
    std::this_thread::sleep_for(milliseconds(20));
    CHECK(p.writer->fd_close(1) == Errno::kSuccess);
  });
  Result<std::string> got = ReadSome(*p.reader, 0, 16);
  t.join();
  REQUIRE(got.ok());
  CHECK(got->empty());
}

TEST_CASE("A blocking write to a full pipe waits for the reader in another Context",
          "[streams][blocking][concurrency]") {
  PipePair p(Blocking(hours(1)));
  // Fill the pipe (default capacity) with nonblocking writes first.
  REQUIRE(p.writer->fd_fdstat_set_flags(1, fdflags::kNonblock) == Errno::kSuccess);
  const std::string chunk(1 << 20, 'x');
  size_t filled = 0;
  for (;;) {
    Result<size_t> n = Write(*p.writer, 1, chunk);
    if (!n.ok()) {
      CHECK(n.error() == Errno::kAgain);
      break;
    }
    filled += *n;
  }
  CHECK(filled == Stream::kDefaultCapacity);
  REQUIRE(p.writer->fd_fdstat_set_flags(1, Fdflags()) == Errno::kSuccess);
  std::thread t([&] {
    std::this_thread::sleep_for(milliseconds(20));
    CHECK(ValueOrDefault(ReadSome(*p.reader, 0, 100)).size() == 100);
  });
  // Blocks until the reader made room, then writes what fits.
  Result<size_t> n = Write(*p.writer, 1, std::string(500, 'y'));
  t.join();
  REQUIRE(n.ok());
  CHECK(*n == 100);
}

TEST_CASE("A nonblocking read of an empty pipe is AGAIN at once", "[streams][blocking]") {
  PipePair p(Blocking(hours(1)));
  REQUIRE(p.reader->fd_fdstat_set_flags(0, fdflags::kNonblock) == Errno::kSuccess);
  CHECK(ReadSome(*p.reader, 0, 16).error() == Errno::kAgain);
}

TEST_CASE("A blocking read never waits when every write end is in the same Context",
          "[streams][blocking]") {
  Sandbox sb;
  ContextOptions o = Blocking(hours(1));
  Context ctx(sb.fs_, o);
  auto fds = ctx.CreatePipe();
  REQUIRE(fds.ok());
  // Waiting could only deadlock: this guest is the only writer.
  CHECK(ReadSome(ctx, fds->first, 16).error() == Errno::kAgain);
  REQUIRE(ValueOrDefault(Write(ctx, fds->second, "self")) == 4);
  CHECK(ValueOrDefault(ReadSome(ctx, fds->first, 16)) == "self");
}

TEST_CASE("A blocking read gives AGAIN once max_block passes with nothing written",
          "[streams][blocking]") {
  PipePair p(Blocking(milliseconds(30)));
  CHECK(ReadSome(*p.reader, 0, 16).error() == Errno::kAgain);
  // Zero never waits, whoever holds the other end.
  PipePair q(Blocking(std::chrono::nanoseconds(0)));
  CHECK(ReadSome(*q.reader, 0, 16).error() == Errno::kAgain);
}

TEST_CASE("A descriptor closed while its reader waits gives BADF, not a dangling read",
          "[streams][blocking][concurrency]") {
  PipePair p(Blocking(hours(1)));
  std::thread t([&] {
    std::this_thread::sleep_for(milliseconds(20));
    CHECK(p.reader->fd_close(0) == Errno::kSuccess);
    // Wake the waiter: closing a stream end notifies.
  });
  Result<std::string> got = ReadSome(*p.reader, 0, 16);
  t.join();
  CHECK(got.error() == Errno::kBadf);
}

}  // namespace
}  // namespace vfs::testing
