// Family F6 of reliability.md: fault injection at every backend error and
// quota point, through the WASI API.
//
// Every regular file is wrapped in a FaultInjectingContents sharing one
// FaultPlan (FilesystemOptions::new_file_contents does it for files the
// scripts create, and for the fixture's files). For each script:
//   1. a counting run learns N, the backend calls the script makes;
//   2. for n = 1..N, in transient and in persistent mode, the n-th call
//      fails with IO, NOSPC or FBIG; before every step the state is forked, and the step
//      is run fault-free on the fork for reference. The real step must then
//      either give the reference result and leave the reference state, or
//      give the injected errno and leave the state as it was before the
//      step, byte for byte (states compared as snapshots: tree, bytes,
//      descriptors, offsets). Fsck passes after every step.
//   3. the quota injector runs the script again under filesystem limits
//      just above what the fixture holds, with the same checks, and a
//      refused step (NOSPC) must leave the state as it was.
// LeakSanitizer checks every run in the ASan build.
#include <catch2/catch.hpp>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "backends/fault_injecting_contents.h"
#include "backends/memory_contents.h"
#include "serialize/fork.h"
#include "serialize/snapshot.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

using Step = std::function<Errno(Context&)>;

struct Script {
  std::string name;
  std::string tree;  // tree_builder spec; files live under base/
  std::vector<Step> steps;
};

// ---- Steps: one preview1 call each, on the sandbox preopen (fd 3). ----
constexpr fd_t kBase = 3;

Step OpenAt(std::string path, Oflags of = Oflags(), Fdflags ff = Fdflags()) {
  return [=](Context& c) {
    return c.path_open(kBase, kFollow, path, of, rights::kRegularFileBase,
                       Rights(), ff).error();
  };
}
Step OpenDir(std::string path) {
  return [=](Context& c) {
    return c.path_open(kBase, kFollow, path, oflags::kDirectory, rights::kFdReaddir,
                       Rights(), Fdflags()).error();
  };
}
Step W(fd_t fd, std::string bytes) {
  return [=](Context& c) { return Write(c, fd, bytes).error(); };
}
Step WV(fd_t fd, std::vector<std::string> parts) {
  return [=](Context& c) {
    std::vector<absl::Span<const uint8_t>> iovs;
    for (const std::string& p : parts) {
      iovs.emplace_back(reinterpret_cast<const uint8_t*>(p.data()), p.size());
    }
    return c.fd_write(fd, iovs).error();
  };
}
Step PW(fd_t fd, std::string bytes, filesize_t off) {
  return [=](Context& c) { return PWrite(c, fd, bytes, off).error(); };
}
Step R(fd_t fd, size_t n) {
  return [=](Context& c) {
    std::string buf(n, '\0');
    absl::Span<uint8_t> iov(reinterpret_cast<uint8_t*>(buf.data()), buf.size());
    return c.fd_read(fd, absl::MakeConstSpan(&iov, 1)).error();
  };
}
Step PR(fd_t fd, size_t n, filesize_t off) {
  return [=](Context& c) { return PRead(c, fd, n, off).error(); };
}
Step Trunc(fd_t fd, filesize_t size) {
  return [=](Context& c) { return c.fd_filestat_set_size(fd, size); };
}
Step Alloc(fd_t fd, filesize_t off, filesize_t len) {
  return [=](Context& c) { return c.fd_allocate(fd, off, len); };
}
Step Sync(fd_t fd) { return [=](Context& c) { return c.fd_sync(fd); }; }
Step DSync(fd_t fd) { return [=](Context& c) { return c.fd_datasync(fd); }; }
Step Close(fd_t fd) { return [=](Context& c) { return c.fd_close(fd); }; }
Step Seek(fd_t fd, int64_t off, Whence w) {
  return [=](Context& c) { return c.fd_seek(fd, off, w).error(); };
}
Step Renumber(fd_t from, fd_t to) {
  return [=](Context& c) { return c.fd_renumber(from, to); };
}
Step Mkdir(std::string p) {
  return [=](Context& c) { return c.path_create_directory(kBase, p); };
}
Step Unlink(std::string p) {
  return [=](Context& c) { return c.path_unlink_file(kBase, p); };
}
Step Rmdir(std::string p) {
  return [=](Context& c) { return c.path_remove_directory(kBase, p); };
}
Step Rename(std::string a, std::string b) {
  return [=](Context& c) { return c.path_rename(kBase, a, kBase, b); };
}
Step Link(std::string a, std::string b) {
  return [=](Context& c) { return c.path_link(kBase, kNoFollow, a, kBase, b); };
}
Step Symlink(std::string target, std::string p) {
  return [=](Context& c) { return c.path_symlink(target, kBase, p); };
}
Step Readdir(fd_t fd) {
  return [=](Context& c) { return ListDir(c, fd, 64).error(); };
}
Step Stat(std::string p) {
  return [=](Context& c) { return c.path_filestat_get(kBase, kFollow, p).error(); };
}
// Save the whole state and restore it in place (the descriptors continue).
Step SaveRestore() {
  return [](Context& c) {
    Context* cs[] = {&c};
    absl::StatusOr<std::string> bytes = SaveSnapshot(c.fs(), cs);
    if (!bytes.ok()) return Errno::kIo;
    return RestoreSnapshot(*bytes, c.fs(), cs).ok() ? Errno::kSuccess : Errno::kIo;
  };
}

constexpr Oflags kCreat = oflags::kCreat;

std::vector<Step> ManySmallWrites() {
  std::vector<Step> steps = {OpenAt("log", oflags::kCreat, fdflags::kAppend)};
  for (int i = 0; i < 40; ++i) steps.push_back(W(0, std::string(1 + i % 7, 'a' + i % 26)));
  steps.push_back(Close(0));
  return steps;
}
std::vector<Step> ManySmallReads() {
  std::vector<Step> steps = {OpenAt("f")};
  for (int i = 0; i < 40; ++i) steps.push_back(R(0, 8));
  steps.push_back(Close(0));
  return steps;
}
std::vector<Step> DozenFiles() {
  std::vector<Step> steps;
  for (int i = 0; i < 12; ++i) {
    const std::string name = "f" + std::to_string(i);
    steps.push_back(OpenAt(name, oflags::kCreat));
    steps.push_back(W(0, std::string(100 + i, 'x')));
    steps.push_back(PR(0, 50, 25));
    steps.push_back(Trunc(0, 10));
    steps.push_back(Close(0));
    if (i % 3 == 0) steps.push_back(Unlink(name));
  }
  return steps;
}
const Oflags kCreatTrunc = oflags::kCreat | oflags::kTrunc;

std::vector<Script> Scripts() {
  const std::string big(200 * 1024, 'B');
  const std::string mid(100 * 1024, 'M');
  return {
      {"create and write", "", {OpenAt("f", kCreat), W(0, "hello"), Close(0)}},
      {"create and write 200 KiB", "", {OpenAt("f", kCreat), W(0, big), Close(0)}},
      {"O_CREAT|O_TRUNC over an existing file", "base/f = old contents",
       {OpenAt("f", kCreatTrunc), W(0, "new"), Close(0)}},
      {"append three times", "base/log = abc",
       {OpenAt("log", Oflags(), fdflags::kAppend), W(0, "1"), W(0, "22"), W(0, "333"), Close(0)}},
      {"sparse pwrite", "", {OpenAt("f", kCreat), PW(0, "x", 1 << 20), PW(0, "y", 5), Close(0)}},
      {"vectored writes", "",
       {OpenAt("f", kCreat), WV(0, {"ab", "cd", "ef"}), WV(0, {"", "gh", mid}), Close(0)}},
      {"read a file in pieces", "base/f = 0123456789",
       {OpenAt("f"), R(0, 3), R(0, 100), R(0, 5), Close(0)}},
      {"pread inside and past the end", "base/f = 0123456789",
       {OpenAt("f"), PR(0, 4, 2), PR(0, 4, 8), PR(0, 4, 50), Close(0)}},
      {"truncate up, down and up", "base/f = 0123456789",
       {OpenAt("f"), Trunc(0, 100), Trunc(0, 3), Trunc(0, 70000), R(0, 16), Close(0)}},
      {"allocate", "base/f = abc",
       {OpenAt("f"), Alloc(0, 0, 10), Alloc(0, 65536, 10), Alloc(0, 0, 2), Close(0)}},
      {"write and sync", "", {OpenAt("f", kCreat), W(0, "data"), Sync(0), DSync(0), Close(0)}},
      {"rename over a file", "base/a = AAA\nbase/b = BBB",
       {Rename("a", "b"), OpenAt("b"), R(0, 10), Close(0)}},
      {"rename over an open file", "base/a = AAA\nbase/b = BBB",
       {OpenAt("b"), Rename("a", "b"), R(0, 10), PW(0, "z", 1), Close(0)}},
      {"hard link then write through it", "base/a = xyz",
       {Link("a", "b"), OpenAt("b"), W(0, "12"), Close(0), OpenAt("a"), R(0, 10), Close(0)}},
      {"unlink while open, then write and read", "",
       {OpenAt("f", kCreat), Unlink("f"), W(0, "ghost"), PR(0, 10, 0), Close(0)}},
      {"readdir during mutation",
       "base/d/a = 1\nbase/d/b = 2\nbase/d/c = 3",
       {OpenDir("d"), Readdir(0), OpenAt("d/new", kCreat), W(1, "n"), Readdir(0),
        Unlink("d/b"), Readdir(0), Close(1), Close(0)}},
      {"mkdir, file, rmdir", "",
       {Mkdir("d"), OpenAt("d/f", kCreat), W(0, "x"), Close(0), Unlink("d/f"), Rmdir("d")}},
      {"create through a symlink", "",
       {Symlink("f", "l"), OpenAt("l", kCreat), W(0, "via link"), Close(0), OpenAt("f"),
        R(0, 20), Close(0)}},
      {"three files at once", "",
       {OpenAt("a", kCreat), OpenAt("b", kCreat), OpenAt("c", kCreat), W(0, "aa"), W(1, "bb"),
        W(2, "cc"), Close(1), W(0, "a2"), Close(0), Close(2)}},
      {"overwrite the middle", "base/f = 0123456789",
       {OpenAt("f"), PW(0, "XY", 4), R(0, 20), Close(0)}},
      {"seek and write", "",
       {OpenAt("f", kCreat), W(0, "abcdef"), Seek(0, 1, Whence::kSet), W(0, "Z"),
        Seek(0, 0, Whence::kEnd), W(0, "!"), Close(0)}},
      {"write, snapshot and restore in place, write again", "",
       {OpenAt("f", kCreat), W(0, "before"), SaveRestore(), W(0, " after"), Close(0)}},
      {"restore then pwrite and read", "base/f = abc",
       {OpenAt("f"), SaveRestore(), PW(0, "Q", 1), R(0, 10), Close(0)}},
      {"multi-chunk overwrite and truncate", "",
       {OpenAt("f", kCreat), W(0, big), PW(0, mid, 30 * 1024), Trunc(0, 70 * 1024),
        PR(0, 64, 70 * 1024 - 32), Close(0)}},
      {"hard link, unlink the original, write", "base/a = xyz",
       {Link("a", "b"), Unlink("a"), OpenAt("b"), W(0, "w"), Close(0), Stat("b")}},
      {"renumber over an open file", "",
       {OpenAt("a", kCreat), OpenAt("b", kCreat), W(0, "0"), Renumber(0, 1), W(1, "1"),
        Close(1)}},
      {"rename a directory holding files", "base/d/f = 1",
       {Rename("d", "e"), OpenAt("e/f"), W(0, "2"), R(0, 4), Close(0)}},
      {"vectored append", "base/f = start",
       {OpenAt("f", Oflags(), fdflags::kAppend), WV(0, {"-a", "-b"}), R(0, 4), Close(0)}},
      {"many small appends", "", ManySmallWrites()},
      {"read back in many small reads", "base/f = " + std::string(300, 'r'), ManySmallReads()},
      {"a dozen files written, read and removed", "", DozenFiles()},
      {"truncate by open, then refill", "base/f = 0123456789abcdef",
       {OpenAt("f", oflags::kTrunc), W(0, "short"), Trunc(0, 2), W(0, "tail"), Close(0)}},
  };
}

// Set while the fault-free reference step runs on a fork: the fork shares
// the options (and so the factory), but its new files must not be decorated.
thread_local bool g_reference_run = false;

struct Fixture {
  Fixture(const Script& s, std::shared_ptr<FaultPlan> plan, QuotaLimits limits)
      : plan_(std::move(plan)) {
    FilesystemOptions o;
    o.clock = std::make_shared<DeterministicClock>(1'000'000, 0);  // constant time
    o.limits = limits;
    std::shared_ptr<FaultPlan> p = plan_;
    o.new_file_contents = [p]() -> std::unique_ptr<FileContents> {
      if (g_reference_run) return std::make_unique<MemoryContents>();
      return std::make_unique<FaultInjectingContents>(std::make_unique<MemoryContents>(), p);
    };
    sandbox = std::make_unique<Sandbox>(s.tree, o);
  }
  std::shared_ptr<FaultPlan> plan_;
  std::unique_ptr<Sandbox> sandbox;
};

std::string StateOf(Filesystem& fs, Context& ctx) {
  Context* cs[] = {&ctx};
  absl::StatusOr<std::string> bytes = SaveSnapshot(fs, cs);
  return bytes.ok() ? *bytes : "snapshot failed: " + std::string(bytes.status().message());
}

struct Tally {
  uint64_t injection_points = 0;
  uint64_t runs = 0;
  uint64_t fired = 0;
  uint64_t quota_runs = 0;
  uint64_t quota_refusals = 0;
};

// Runs `s` once with the plan as armed by `arm` (after the fixture is
// built). Returns false after reporting the first violation.
bool RunChecked(const Script& s, const std::string& label, QuotaLimits limits,
                const std::function<void(FaultPlan&)>& arm, Errno injected,
                Tally* tally) {
  auto plan = std::make_shared<FaultPlan>();
  Fixture fx(s, plan, limits);
  Filesystem& fs = fx.sandbox->fs();
  Context& ctx = fx.sandbox->ctx();
  arm(*plan);
  for (size_t i = 0; i < s.steps.size(); ++i) {
    INFO(s.name << " [" << label << "] step " << i);
    const std::string pre = StateOf(fs, ctx);
    Context* cs[] = {&ctx};
    absl::StatusOr<LiveState> fork = Fork(fs, cs);
    REQUIRE(fork.ok());
    g_reference_run = true;
    const Errno want = s.steps[i](*fork->contexts[0]);
    g_reference_run = false;
    const std::string want_state = StateOf(*fork->fs, *fork->contexts[0]);
    const uint64_t fired_before = plan->faults_injected();
    const Errno got = s.steps[i](ctx);
    const bool fired = plan->faults_injected() > fired_before;
    const std::string post = StateOf(fs, ctx);
    absl::Status fsck = fs.Fsck();
    INFO("want " << ErrnoName(want) << ", got " << ErrnoName(got)
                 << (fired ? " (a fault fired)" : ""));
    if (!fsck.ok()) FAIL(fsck.ToString());
    if (got == want && post == want_state) continue;
    if (fired && got == injected && post == pre) continue;
    if ((got == Errno::kNospc || got == Errno::kDquot) && post == pre && got == want) continue;
    FAIL_CHECK((post == pre ? "state unchanged"
                            : post == want_state ? "state as fault-free"
                                                 : "state is neither before nor after"));
    return false;
  }
  if (tally != nullptr) tally->fired += plan->faults_injected() > 0 ? 1 : 0;
  return true;
}

TEST_CASE("F6: every backend fault point of every script fails cleanly", "[fault][f6]") {
  const std::vector<Script> scripts = Scripts();
  REQUIRE(scripts.size() >= 25);
  Tally tally;
  for (const Script& s : scripts) {
    // 1. Count the injection points.
    uint64_t n = 0;
    {
      auto plan = std::make_shared<FaultPlan>();
      Fixture fx(s, plan, QuotaLimits{});
      plan->Count(fault_method::kAll);
      for (const Step& step : s.steps) (void)step(fx.sandbox->ctx());
      n = plan->calls_seen();
    }
    tally.injection_points += n;
    // 2. Fail each one, transiently and persistently.
    for (uint64_t k = 1; k <= n; ++k) {
      for (FaultMode mode : {FaultMode::kTransient, FaultMode::kPersistent}) {
        for (Errno e : {Errno::kIo, Errno::kNospc, Errno::kFbig}) {
          const std::string label =
              std::string(mode == FaultMode::kTransient ? "transient " : "persistent ") +
              std::string(ErrnoName(e)) + " at call " + std::to_string(k) + " of " +
              std::to_string(n);
          const bool ok = RunChecked(
              s, label, QuotaLimits{},
              [&](FaultPlan& p) { REQUIRE(p.Arm(mode, k, fault_method::kAll, e).ok()); },
              e, &tally);
          tally.runs++;
          if (!ok) return;
        }
      }
    }
  }
  // Every armed run must actually have injected its fault.
  CHECK(tally.fired == tally.runs);
  CHECK(tally.injection_points >= 100);
  std::printf("F6 fault injection: %zu scripts, %llu injection points, %llu runs (transient and persistent; IO, NOSPC, FBIG), all clean\n",
              scripts.size(), static_cast<unsigned long long>(tally.injection_points),
              static_cast<unsigned long long>(tally.runs));
}

TEST_CASE("F6: every script under lowered quotas fails cleanly with NOSPC", "[fault][f6][quota]") {
  const std::vector<Script> scripts = Scripts();
  Tally tally;
  for (const Script& s : scripts) {
    // What the fixture alone holds.
    QuotaUsage base;
    {
      Fixture fx(s, std::make_shared<FaultPlan>(), QuotaLimits{});
      base = fx.sandbox->fs().Usage();
    }
    for (uint64_t extra_bytes : {0ull, 1ull, 4ull, 4096ull, 70000ull, 250000ull}) {
      for (uint64_t extra_inodes : {0ull, 1ull, 2ull}) {
        QuotaLimits limits{base.bytes + extra_bytes, base.inodes + extra_inodes};
        const std::string label = "limits +" + std::to_string(extra_bytes) + " bytes +" +
                                  std::to_string(extra_inodes) + " inodes";
        auto plan = std::make_shared<FaultPlan>();
        Fixture fx(s, plan, limits);
        Filesystem& fs = fx.sandbox->fs();
        Context& ctx = fx.sandbox->ctx();
        for (size_t i = 0; i < s.steps.size(); ++i) {
          INFO(s.name << " [" << label << "] step " << i);
          const std::string pre = StateOf(fs, ctx);
          const Errno got = s.steps[i](ctx);
          REQUIRE(fs.Fsck().ok());
          const QuotaUsage u = fs.Usage();
          CHECK(u.bytes <= limits.max_bytes);
          CHECK(u.inodes <= limits.max_inodes);
          if (got == Errno::kNospc) {
            tally.quota_refusals++;
            CHECK(StateOf(fs, ctx) == pre);
          }
        }
        tally.quota_runs++;
      }
    }
  }
  CHECK(tally.quota_refusals > 0);
  std::printf("F6 quota injection: %llu runs, %llu refused calls, each leaving the state unchanged\n",
              static_cast<unsigned long long>(tally.quota_runs),
              static_cast<unsigned long long>(tally.quota_refusals));
}

}  // namespace
}  // namespace vfs::testing
