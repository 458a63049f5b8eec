// Redirection helpers (backends/stdio.h): stdin from a string or a host
// descriptor, output to a capture, a callback or a host descriptor.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

#include "backends/stdio.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

TEST_CASE("stdin from a string reads the string, then end of file", "[stdio]") {
  Sandbox sb;
  Context ctx(sb.fs_);
  REQUIRE(stdio::StdinFromString(ctx, "line one\nline two\n").ok());
  CHECK(ValueOrDefault(ReadSome(ctx, 0, 9)) == "line one\n");
  CHECK(ValueOrDefault(ReadSome(ctx, 0, 100)) == "line two\n");
  CHECK(ValueOrDefault(ReadSome(ctx, 0, 100)).empty());
  CHECK(ValueOrDefault(ReadSome(ctx, 0, 100)).empty());
  // The descriptor is taken: a second attach fails.
  CHECK(stdio::StdinFromString(ctx, "x").code() == absl::StatusCode::kAlreadyExists);
}

TEST_CASE("stdin from a host descriptor reads it to its end", "[stdio]") {
  Sandbox sb;
  Context ctx(sb.fs_);
  int p[2];
  REQUIRE(::pipe(p) == 0);
  REQUIRE(::write(p[1], "from host", 9) == 9);
  ::close(p[1]);
  REQUIRE(stdio::StdinFromHostFd(ctx, p[0]).ok());
  CHECK(ValueOrDefault(ReadSome(ctx, 0, 100)) == "from host");
  CHECK(ValueOrDefault(ReadSome(ctx, 0, 100)).empty());
  ::close(p[0]);
  // A descriptor that read(2) refuses gives IO.
  Context other(sb.fs_);
  REQUIRE(stdio::StdinFromHostFd(other, -1).ok());
  CHECK(ReadSome(other, 0, 10).error() == Errno::kIo);
}

TEST_CASE("stdout and stderr into one capture interleave in write order", "[stdio]") {
  Sandbox sb;
  Context ctx(sb.fs_);
  stdio::Capture both;
  REQUIRE(stdio::OutputToCapture(ctx, 1, both).ok());
  REQUIRE(stdio::OutputToCapture(ctx, 2, both).ok());
  CHECK(ValueOrDefault(Write(ctx, 1, "out1 ")) == 5);
  CHECK(ValueOrDefault(Write(ctx, 2, "err1 ")) == 5);
  CHECK(ValueOrDefault(Write(ctx, 1, "out2")) == 4);
  CHECK(both.contents() == "out1 err1 out2");
  CHECK(both.Take() == "out1 err1 out2");
  CHECK(both.contents().empty());
  // The capture outlives the context's descriptors and vice versa.
  REQUIRE(ctx.fd_close(1) == Errno::kSuccess);
  CHECK(ValueOrDefault(Write(ctx, 2, "late")) == 4);
  CHECK(both.Take() == "late");
}

TEST_CASE("output to a callback and to a host descriptor", "[stdio]") {
  Sandbox sb;
  Context ctx(sb.fs_);
  std::vector<std::string> pieces;
  REQUIRE(stdio::OutputToCallback(ctx, 1, [&](std::string_view s) {
            pieces.emplace_back(s);
          }).ok());
  CHECK(ValueOrDefault(Write(ctx, 1, "a")) == 1);
  CHECK(ValueOrDefault(Write(ctx, 1, "bc")) == 2);
  CHECK(pieces == std::vector<std::string>{"a", "bc"});
  CHECK(stdio::OutputToCallback(ctx, 3, nullptr).code() ==
        absl::StatusCode::kInvalidArgument);
  int p[2];
  REQUIRE(::pipe(p) == 0);
  REQUIRE(stdio::OutputToHostFd(ctx, 2, p[1]).ok());
  CHECK(ValueOrDefault(Write(ctx, 2, "to host")) == 7);
  char buf[16] = {};
  CHECK(::read(p[0], buf, sizeof buf) == 7);
  CHECK(std::string(buf, 7) == "to host");
  ::close(p[0]);
  // The host descriptor is closed: write(2) fails (EBADF), the guest sees IO.
  ::close(p[1]);
  CHECK(Write(ctx, 2, "x").error() == Errno::kIo);
}

}  // namespace
}  // namespace vfs::testing
