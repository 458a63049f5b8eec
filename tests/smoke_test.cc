#include <catch2/catch.hpp>

#include "tests/support/sandbox.h"

namespace vfs::testing {

TEST_CASE("A file written through one descriptor reads back through another", "[smoke]") {
  Sandbox sb("base/dir/");
  Result<fd_t> w = Open(sb.ctx(), sb.base(), "dir/f", oflags::kCreat);
  REQUIRE(w.ok());
  REQUIRE(*Write(sb.ctx(), *w, "hello") == 5);
  Result<fd_t> r = Open(sb.ctx(), sb.base(), "dir/f");
  REQUIRE(r.ok());
  CHECK(*ReadAll(sb.ctx(), *r) == "hello");
  CHECK(sb.ctx().fd_close(*w) == Errno::kSuccess);
  CHECK(sb.ctx().fd_close(*r) == Errno::kSuccess);
}

}  // namespace vfs::testing
