// Quotas (vfs/quota.h): the filesystem's byte and inode limits (NOSPC),
// subtree quotas (DQUOT), and the file-size cap (FBIG). Every refused call
// is checked to change nothing: sizes, listings and usage are compared
// before and after. Every Sandbox runs Fsck at the end, which also checks
// that each inode's charge equals its size and every usage is the sum of
// the charges beneath it.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "serialize/fork.h"
#include "serialize/snapshot.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

constexpr Oflags kCreate = oflags::kCreat;

FilesystemOptions WithLimits(uint64_t bytes, uint64_t inodes) {
  FilesystemOptions o;
  o.limits.max_bytes = bytes;
  o.limits.max_inodes = inodes;
  return o;
}

filesize_t SizeOf(Sandbox& s, std::string_view path) {
  absl::StatusOr<Filestat> st = s.fs().Stat("base/" + std::string(path));
  return st.ok() ? st->size : ~filesize_t{0};
}

TEST_CASE("The filesystem byte limit refuses a write that does not fit, whole, with NOSPC",
          "[quota]") {
  Sandbox s("", WithLimits(10000, kUnlimited));
  fd_t a = ValueOrDefault(Open(s.ctx(), s.base(), "a", kCreate));
  CHECK(ValueOrDefault(Write(s.ctx(), a, std::string(6000, 'a'))) == 6000);
  fd_t b = ValueOrDefault(Open(s.ctx(), s.base(), "b", kCreate));
  const QuotaUsage before = s.fs().Usage();
  CHECK(before.bytes == 6000);
  // 5000 more would make 11000: refused whole, not written short.
  CHECK_ERRNO(Write(s.ctx(), b, std::string(5000, 'b')).error(), Errno::kNospc);
  CHECK(SizeOf(s, "b") == 0);
  CHECK(s.fs().Usage() == before);
  // Exactly what remains fits.
  CHECK(ValueOrDefault(Write(s.ctx(), b, std::string(4000, 'b'))) == 4000);
  CHECK(s.fs().Usage().bytes == 10000);
  // Overwriting inside a file's size needs no new bytes, even at the limit.
  CHECK(ValueOrDefault(PWrite(s.ctx(), a, "xyz", 10)) == 3);
  CHECK_ERRNO(PWrite(s.ctx(), a, "!", 6000).error(), Errno::kNospc);
  // Shrinking frees bytes for others.
  REQUIRE_OK(s.ctx().fd_filestat_set_size(a, 1000));
  CHECK(s.fs().Usage().bytes == 5000);
  CHECK(ValueOrDefault(PWrite(s.ctx(), b, std::string(5000, 'c'), 4000)) == 5000);
  CHECK(s.fs().Usage().bytes == 10000);
  REQUIRE_OK(s.ctx().fd_close(a));
  REQUIRE_OK(s.ctx().fd_close(b));
}

TEST_CASE("A sparse write is charged its full logical size", "[quota]") {
  Sandbox s("", WithLimits(1 << 20, kUnlimited));
  fd_t f = ValueOrDefault(Open(s.ctx(), s.base(), "sparse", kCreate));
  CHECK_ERRNO(PWrite(s.ctx(), f, "x", 1 << 20).error(), Errno::kNospc);
  CHECK(SizeOf(s, "sparse") == 0);
  CHECK(ValueOrDefault(PWrite(s.ctx(), f, "x", (1 << 20) - 1)) == 1);
  CHECK(s.fs().Usage().bytes == 1 << 20);
  REQUIRE_OK(s.ctx().fd_close(f));
}

TEST_CASE("Growth by truncate, allocate and O_TRUNC-then-write is checked before it happens",
          "[quota]") {
  Sandbox s("base/f = 0123456789", WithLimits(100, kUnlimited));
  fd_t f = ValueOrDefault(Open(s.ctx(), s.base(), "f"));
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(f, 101), Errno::kNospc);
  CHECK_ERRNO(s.ctx().fd_allocate(f, 50, 51), Errno::kNospc);
  CHECK(SizeOf(s, "f") == 10);
  CHECK(ValueOrDefault(ReadAll(s.ctx(), f)) == "0123456789");
  REQUIRE_OK(s.ctx().fd_allocate(f, 50, 50));
  CHECK(SizeOf(s, "f") == 100);
  CHECK(s.fs().Usage().bytes == 100);
  REQUIRE_OK(s.ctx().fd_close(f));
  // O_TRUNC releases the bytes before the new ones are written.
  fd_t g = ValueOrDefault(Open(s.ctx(), s.base(), "f", oflags::kTrunc));
  CHECK(s.fs().Usage().bytes == 0);
  CHECK(ValueOrDefault(Write(s.ctx(), g, std::string(100, 'z'))) == 100);
  REQUIRE_OK(s.ctx().fd_close(g));
}

TEST_CASE("The filesystem inode limit refuses creation of every kind with NOSPC",
          "[quota]") {
  // Root and base/ are two inodes; three more fit.
  Sandbox s("", WithLimits(kUnlimited, 5));
  CHECK(s.fs().Usage().inodes == 2);
  REQUIRE_OK(s.ctx().path_create_directory(s.base(), "d"));
  REQUIRE_OK(s.ctx().path_symlink("d", s.base(), "l"));
  fd_t f = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
  REQUIRE_OK(s.ctx().fd_close(f));
  CHECK(s.fs().Usage().inodes == 5);
  const auto names = Names(ValueOrDefault(ListDir(s.ctx(), s.base())));
  CHECK_ERRNO(Open(s.ctx(), s.base(), "g", kCreate).error(), Errno::kNospc);
  CHECK_ERRNO(s.ctx().path_create_directory(s.base(), "e"), Errno::kNospc);
  CHECK_ERRNO(s.ctx().path_symlink("d", s.base(), "m"), Errno::kNospc);
  CHECK(Names(ValueOrDefault(ListDir(s.ctx(), s.base()))) == names);
  // A hard link is a name, not an inode: it fits.
  REQUIRE_OK(s.ctx().path_link(s.base(), kNoFollow, "f", s.base(), "f2"));
  CHECK(s.fs().Usage().inodes == 5);
  // Opening an existing file with O_CREAT creates nothing, so it succeeds.
  fd_t again = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
  REQUIRE_OK(s.ctx().fd_close(again));
  REQUIRE_OK(s.ctx().path_unlink_file(s.base(), "l"));
  fd_t g = ValueOrDefault(Open(s.ctx(), s.base(), "g", kCreate));
  REQUIRE_OK(s.ctx().fd_close(g));
  // The host API obeys the same limits.
  absl::Status st = s.fs().WriteFile("base/h", "x");
  CHECK(st.code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(st.message()).find("nospc") != std::string::npos);
  CHECK(!s.fs().Stat("base/h").ok());
}

TEST_CASE("An unlinked file stays charged while open and is released at close",
          "[quota]") {
  Sandbox s("", WithLimits(1000, kUnlimited));
  fd_t f = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
  CHECK(ValueOrDefault(Write(s.ctx(), f, std::string(800, 'x'))) == 800);
  REQUIRE_OK(s.ctx().path_unlink_file(s.base(), "f"));
  CHECK(s.fs().Usage().bytes == 800);
  fd_t g = ValueOrDefault(Open(s.ctx(), s.base(), "g", kCreate));
  CHECK_ERRNO(Write(s.ctx(), g, std::string(300, 'y')).error(), Errno::kNospc);
  REQUIRE_OK(s.ctx().fd_close(f));
  CHECK(s.fs().Usage().bytes == 0);
  CHECK(ValueOrDefault(Write(s.ctx(), g, std::string(300, 'y'))) == 300);
  REQUIRE_OK(s.ctx().fd_close(g));
}

TEST_CASE("A subtree quota refuses growth inside it with DQUOT and leaves the rest alone",
          "[quota]") {
  Sandbox s("base/q/\nbase/free/");
  REQUIRE(s.fs().SetQuota("base/q", {4096, 4}).ok());
  // q itself is one of its four inodes.
  CHECK(s.fs().QuotaUsageAt("base/q")->inodes == 1);
  fd_t f = ValueOrDefault(Open(s.ctx(), s.base(), "q/f", kCreate));
  CHECK(ValueOrDefault(Write(s.ctx(), f, std::string(4000, 'a'))) == 4000);
  CHECK_ERRNO(Write(s.ctx(), f, std::string(97, 'a')).error(), Errno::kDquot);
  CHECK(SizeOf(s, "q/f") == 4000);
  CHECK(s.fs().QuotaUsageAt("base/q")->bytes == 4000);
  // Outside the subtree nothing is limited.
  fd_t g = ValueOrDefault(Open(s.ctx(), s.base(), "free/g", kCreate));
  CHECK(ValueOrDefault(Write(s.ctx(), g, std::string(100000, 'b'))) == 100000);
  CHECK(s.fs().QuotaUsageAt("base/q")->bytes == 4000);
  CHECK(s.fs().Usage().bytes == 104000);
  // Inodes: q, f, and two more.
  REQUIRE_OK(s.ctx().path_create_directory(s.base(), "q/d"));
  REQUIRE_OK(s.ctx().path_symlink("f", s.base(), "q/d/l"));
  CHECK_ERRNO(s.ctx().path_create_directory(s.base(), "q/d/e"), Errno::kDquot);
  CHECK_ERRNO(Open(s.ctx(), s.base(), "q/d/h", kCreate).error(), Errno::kDquot);
  CHECK(s.fs().QuotaUsageAt("base/q")->inodes == 4);
  REQUIRE_OK(s.ctx().fd_close(f));
  REQUIRE_OK(s.ctx().fd_close(g));
  // Removing the quota lifts it; usage stays with the filesystem.
  REQUIRE(s.fs().RemoveQuota("base/q").ok());
  CHECK(s.fs().QuotaUsageAt("base/q").status().code() == absl::StatusCode::kNotFound);
  CHECK(s.fs().RemoveQuota("base/q").code() == absl::StatusCode::kNotFound);
  REQUIRE_OK(s.ctx().path_create_directory(s.base(), "q/d/e"));
}

TEST_CASE("Nested subtree quotas charge every enclosing quota", "[quota]") {
  Sandbox s("base/outer/inner/\nbase/outer/side/");
  REQUIRE(s.fs().SetQuota("base/outer", {1000, kUnlimited}).ok());
  REQUIRE(s.fs().SetQuota("base/outer/inner", {600, kUnlimited}).ok());
  fd_t a = ValueOrDefault(Open(s.ctx(), s.base(), "outer/inner/a", kCreate));
  CHECK(ValueOrDefault(Write(s.ctx(), a, std::string(500, 'a'))) == 500);
  CHECK(s.fs().QuotaUsageAt("base/outer/inner")->bytes == 500);
  CHECK(s.fs().QuotaUsageAt("base/outer")->bytes == 500);
  // The inner limit binds first.
  CHECK_ERRNO(Write(s.ctx(), a, std::string(101, 'a')).error(), Errno::kDquot);
  fd_t b = ValueOrDefault(Open(s.ctx(), s.base(), "outer/side/b", kCreate));
  CHECK(ValueOrDefault(Write(s.ctx(), b, std::string(450, 'b'))) == 450);
  // Now the outer limit binds, for a write inside inner that inner allows.
  CHECK_ERRNO(Write(s.ctx(), a, std::string(60, 'a')).error(), Errno::kDquot);
  CHECK(ValueOrDefault(Write(s.ctx(), a, std::string(50, 'a'))) == 50);
  CHECK(s.fs().QuotaUsageAt("base/outer")->bytes == 1000);
  REQUIRE_OK(s.ctx().fd_close(a));
  REQUIRE_OK(s.ctx().fd_close(b));
  // Removing the outer quota re-nests inner directly in the filesystem.
  REQUIRE(s.fs().RemoveQuota("base/outer").ok());
  CHECK(s.fs().QuotaUsageAt("base/outer/inner")->bytes == 550);
}

TEST_CASE("A quota set around an existing one takes it in, usage and limits", "[quota]") {
  Sandbox s("base/outer/inner/f = 0123456789\nbase/outer/g = abc");
  REQUIRE(s.fs().SetQuota("base/outer/inner", {100, kUnlimited}).ok());
  REQUIRE(s.fs().SetQuota("base/outer", {50, kUnlimited}).ok());
  // outer, inner, f, g; 13 bytes, inner's included.
  CHECK(s.fs().QuotaUsageAt("base/outer")->inodes == 4);
  CHECK(s.fs().QuotaUsageAt("base/outer")->bytes == 13);
  CHECK(s.fs().QuotaUsageAt("base/outer/inner")->bytes == 10);
  fd_t f = ValueOrDefault(Open(s.ctx(), s.base(), "outer/inner/f"));
  // Inner allows 90 more bytes, outer only 37: the outer limit binds.
  CHECK_ERRNO(PWrite(s.ctx(), f, std::string(38, 'x'), 10).error(), Errno::kDquot);
  CHECK(ValueOrDefault(PWrite(s.ctx(), f, std::string(37, 'x'), 10)) == 37);
  CHECK(s.fs().QuotaUsageAt("base/outer")->bytes == 50);
  CHECK(s.fs().QuotaUsageAt("base/outer/inner")->bytes == 47);
  REQUIRE_OK(s.ctx().fd_close(f));
}

TEST_CASE("Setting a quota on a full subtree charges what is there, even past the limit",
          "[quota]") {
  Sandbox s("base/d/a = 0123456789\nbase/d/e/b = 01234\nbase/d/l -> a");
  REQUIRE(s.fs().MakeHardLink("base/d/a", "base/d/e/a2").ok());
  REQUIRE(s.fs().SetQuota("base/d", {8, kUnlimited}).ok());
  // d, a, e, b, l: a hard-linked file is charged once.
  const QuotaUsage u = *s.fs().QuotaUsageAt("base/d");
  CHECK(u.inodes == 5);
  CHECK(u.bytes == 15);
  fd_t b = ValueOrDefault(Open(s.ctx(), s.base(), "d/e/b"));
  CHECK_ERRNO(PWrite(s.ctx(), b, "!", 5).error(), Errno::kDquot);
  // Shrinking is always allowed, and frees room.
  REQUIRE_OK(s.ctx().fd_filestat_set_size(b, 0));
  REQUIRE_OK(s.ctx().path_unlink_file(s.base(), "d/a"));
  REQUIRE_OK(s.ctx().path_unlink_file(s.base(), "d/e/a2"));
  CHECK(s.fs().QuotaUsageAt("base/d")->bytes == 0);
  CHECK(ValueOrDefault(Write(s.ctx(), b, "12345678")) == 8);
  REQUIRE_OK(s.ctx().fd_close(b));
  // Changing the limits of an existing quota keeps its usage.
  REQUIRE(s.fs().SetQuota("base/d", {kUnlimited, kUnlimited}).ok());
  CHECK(s.fs().QuotaUsageAt("base/d")->bytes == 8);
}

TEST_CASE("Hard links and renames across quota domains fail with XDEV", "[quota]") {
  Sandbox s("base/q/in = 1\nbase/q/sub/\nbase/out = 2\nbase/other/");
  REQUIRE(s.fs().SetQuota("base/q", {}).ok());
  CHECK_ERRNO(s.ctx().path_link(s.base(), kNoFollow, "out", s.base(), "q/out"), Errno::kXdev);
  CHECK_ERRNO(s.ctx().path_link(s.base(), kNoFollow, "q/in", s.base(), "in"), Errno::kXdev);
  CHECK_ERRNO(s.ctx().path_rename(s.base(), "out", s.base(), "q/out"), Errno::kXdev);
  CHECK_ERRNO(s.ctx().path_rename(s.base(), "q/sub", s.base(), "sub"), Errno::kXdev);
  CHECK(s.fs().Stat("base/q/sub").ok());
  CHECK(s.fs().MakeHardLink("base/out", "base/q/o").code() ==
        absl::StatusCode::kInvalidArgument);
  // Within one domain both work; the quota root itself moves within its
  // parent's domain.
  REQUIRE_OK(s.ctx().path_link(s.base(), kNoFollow, "q/in", s.base(), "q/sub/in2"));
  REQUIRE_OK(s.ctx().path_rename(s.base(), "q/in", s.base(), "q/sub/in"));
  REQUIRE_OK(s.ctx().path_rename(s.base(), "q", s.base(), "other/q"));
  CHECK(s.fs().QuotaUsageAt("base/other/q")->inodes == 3);
}

TEST_CASE("Removing a quota's directory drops the quota", "[quota]") {
  Sandbox s("base/q/f = abc");
  REQUIRE(s.fs().SetQuota("base/q", {100, 100}).ok());
  fd_t dir = ValueOrDefault(
      Open(s.ctx(), s.base(), "q", oflags::kDirectory, rights::kFdReaddir));
  fd_t f = ValueOrDefault(Open(s.ctx(), s.base(), "q/f"));
  REQUIRE_OK(s.ctx().path_unlink_file(s.base(), "q/f"));
  REQUIRE_OK(s.ctx().path_remove_directory(s.base(), "q"));
  // Both still open: still charged, fsck (run at the end) agrees.
  REQUIRE(s.fs().Fsck().ok());
  REQUIRE_OK(s.ctx().fd_close(dir));
  REQUIRE(s.fs().Fsck().ok());
  CHECK(s.fs().Usage().bytes == 3);
  REQUIRE_OK(s.ctx().fd_close(f));
  CHECK(s.fs().Usage().bytes == 0);
  CHECK(s.fs().Usage().inodes == 2);
}

TEST_CASE("Quota limits near 2^64 do not overflow", "[quota]") {
  FilesystemOptions o = WithLimits(kUnlimited - 1, kUnlimited);
  o.max_file_size = kUnlimited;
  Sandbox s("", o);
  fd_t f = ValueOrDefault(Open(s.ctx(), s.base(), "f", kCreate));
  REQUIRE_OK(s.ctx().fd_filestat_set_size(f, kUnlimited - 2));
  REQUIRE_OK(s.ctx().fd_filestat_set_size(f, kUnlimited - 1));
  CHECK_ERRNO(s.ctx().fd_filestat_set_size(f, kUnlimited), Errno::kNospc);
  CHECK_ERRNO(s.ctx().fd_allocate(f, kUnlimited - 1, 1), Errno::kNospc);
  CHECK(s.fs().Usage().bytes == kUnlimited - 1);
  REQUIRE_OK(s.ctx().fd_filestat_set_size(f, 0));
  REQUIRE_OK(s.ctx().fd_close(f));
}

TEST_CASE("Restore refuses a state over the filesystem's limits, fork keeps usage, not quotas",
          "[quota]") {
  Sandbox s("base/q/f = 0123456789");
  REQUIRE(s.fs().SetQuota("base/q", {50, kUnlimited}).ok());
  Context* contexts[] = {&s.ctx()};
  absl::StatusOr<std::string> bytes = SaveSnapshot(s.fs(), contexts);
  REQUIRE(bytes.ok());
  LoadOptions small;
  small.fs.limits.max_bytes = 9;
  absl::StatusOr<LiveState> refused = LoadSnapshot(*bytes, small);
  CHECK(refused.status().code() == absl::StatusCode::kResourceExhausted);
  LoadOptions enough;
  enough.fs.limits.max_bytes = 10;
  absl::StatusOr<LiveState> loaded = LoadSnapshot(*bytes, enough);
  REQUIRE(loaded.ok());
  CHECK(loaded->fs->Usage() == s.fs().Usage());
  CHECK(loaded->fs->QuotaUsageAt("base/q").status().code() == absl::StatusCode::kNotFound);
  absl::StatusOr<LiveState> forked = Fork(s.fs(), contexts);
  REQUIRE(forked.ok());
  CHECK(forked->fs->Usage() == s.fs().Usage());
  CHECK(forked->fs->QuotaUsageAt("base/q").status().code() == absl::StatusCode::kNotFound);
  CHECK(forked->fs->Fsck().ok());
  CHECK(loaded->fs->Fsck().ok());
}

// Random calls under tight limits: every call succeeds or fails with the
// limit's errno (or an ordinary errno of the call), Fsck's accounting check
// passes after each, and usage never exceeds a limit.
TEST_CASE("Random calls under quotas keep exact accounting and never pass a limit",
          "[quota][property]") {
  std::mt19937_64 rng(20261122);
  std::map<Errno, int> seen;
  for (int round = 0; round < 20; ++round) {
    Sandbox s("base/a/b/\nbase/c/", WithLimits(64 * 1024, 40));
    REQUIRE(s.fs().SetQuota("base/a", {16 * 1024, 12}).ok());
    REQUIRE(s.fs().SetQuota("base/a/b", {4 * 1024, 6}).ok());
    const char* dirs[] = {"a", "a/b", "c", "."};
    for (int step = 0; step < 150; ++step) {
      const std::string dir = dirs[rng() % 4];
      const std::string name = absl::StrCat(dir, "/n", rng() % 8);
      const std::string other = absl::StrCat(dirs[rng() % 4], "/n", rng() % 8);
      Errno e = Errno::kSuccess;
      switch (rng() % 7) {
        case 0:
        case 1: {
          Result<fd_t> f = Open(s.ctx(), s.base(), name, kCreate);
          e = f.error();
          if (f.ok()) {
            Result<size_t> w = PWrite(s.ctx(), *f, std::string(rng() % 6000, 'x'), rng() % 8000);
            e = w.ok() ? Errno::kSuccess : w.error();
            (void)s.ctx().fd_close(*f);
          }
          break;
        }
        case 2: e = s.ctx().path_create_directory(s.base(), name); break;
        case 3: e = s.ctx().path_unlink_file(s.base(), name); break;
        case 4: e = s.ctx().path_rename(s.base(), name, s.base(), other); break;
        case 5: e = s.ctx().path_link(s.base(), kNoFollow, name, s.base(), other); break;
        case 6: e = s.ctx().path_remove_directory(s.base(), name); break;
      }
      seen[e]++;
      INFO("round " << round << " step " << step << ": " << ErrnoName(e));
      REQUIRE(s.fs().Fsck().ok());
      const QuotaUsage all = s.fs().Usage();
      CHECK(all.bytes <= 64 * 1024);
      CHECK(all.inodes <= 40);
      CHECK(s.fs().QuotaUsageAt("base/a")->bytes <= 16 * 1024);
      CHECK(s.fs().QuotaUsageAt("base/a")->inodes <= 12);
      CHECK(s.fs().QuotaUsageAt("base/a/b")->bytes <= 4 * 1024);
      CHECK(s.fs().QuotaUsageAt("base/a/b")->inodes <= 6);
    }
  }
  // The script reaches every limit: it is not passing by never trying.
  CHECK(seen[Errno::kDquot] > 0);
  CHECK(seen[Errno::kNospc] > 0);
  CHECK(seen[Errno::kXdev] > 0);
  CHECK(seen[Errno::kSuccess] > 0);
}

}  // namespace
}  // namespace vfs::testing
