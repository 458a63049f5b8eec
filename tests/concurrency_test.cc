// Several threads, each with its own Context over one shared Filesystem,
// issue random preview1 calls on a shared tree. Every call is atomic under
// the Filesystem lock, so the graph must stay consistent (Fsck) and nothing
// may crash or race (the tsan preset runs this under ThreadSanitizer).
#include <catch2/catch.hpp>

#include <atomic>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "backends/memory_contents.h"
#include "serialize/fork.h"
#include "serialize/snapshot.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {

constexpr const char* kNames[] = {"a", "b", "c", "d/a", "d/b", "e", "d/e/x"};

std::string Pick(std::mt19937& rng) {
  return kNames[rng() % (sizeof(kNames) / sizeof(kNames[0]))];
}

// One worker: random calls through its own Context; counts successes.
// Catch2's assertions are not thread-safe, so workers only count; the test
// asserts on the main thread after joining.
void Worker(std::shared_ptr<Filesystem> fs, unsigned seed, int ops,
            std::atomic<int>* successes, std::atomic<int>* setup_failures) {
  Context ctx(fs);
  auto base = ctx.Preopen("base", "/w");
  if (!base.ok()) {
    setup_failures->fetch_add(1);
    return;
  }
  std::mt19937 rng(seed);
  std::vector<fd_t> open;
  for (int i = 0; i < ops; ++i) {
    Errno e = Errno::kSuccess;
    switch (rng() % 10) {
      case 0: {
        Result<fd_t> fd = Open(ctx, *base, Pick(rng), oflags::kCreat);
        if (fd.ok()) open.push_back(*fd); else e = fd.error();
        break;
      }
      case 1:
        if (!open.empty()) {
          Result<size_t> n = Write(ctx, open[rng() % open.size()], "payload");
          if (!n.ok()) e = n.error();
        }
        break;
      case 2:
        if (!open.empty()) {
          Result<std::string> s = ReadAll(ctx, open[rng() % open.size()], 64);
          if (!s.ok()) e = s.error();
        }
        break;
      case 3: e = ctx.path_unlink_file(*base, Pick(rng)); break;
      case 4: e = ctx.path_rename(*base, Pick(rng), *base, Pick(rng)); break;
      case 5: e = ctx.path_create_directory(*base, rng() % 2 ? "d" : "d/e"); break;
      case 6: e = ctx.path_remove_directory(*base, rng() % 2 ? "d" : "d/e"); break;
      case 7: e = ctx.path_link(*base, Lookupflags(), Pick(rng), *base, Pick(rng)); break;
      case 8:
        if (!open.empty()) {
          const size_t k = rng() % open.size();
          e = ctx.fd_close(open[k]);
          open.erase(open.begin() + static_cast<long>(k));
        }
        break;
      case 9: {
        uint8_t buf[256];
        Result<size_t> n = ctx.fd_readdir(*base, absl::MakeSpan(buf), 0);
        if (!n.ok()) e = n.error();
        break;
      }
    }
    if (e == Errno::kSuccess) successes->fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

TEST_CASE("Contexts on several threads sharing one filesystem keep it consistent",
          "[concurrency]") {
  auto fs = Filesystem::Create();
  REQUIRE(fs->MakeDirectories("base/d").ok());
  std::atomic<int> successes{0};
  std::atomic<int> setup_failures{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t) {
    threads.emplace_back(Worker, fs, 1000 + t, 3000, &successes, &setup_failures);
  }
  for (auto& t : threads) t.join();
  INFO(fs->Dump());
  REQUIRE(setup_failures.load() == 0);
  REQUIRE(fs->Fsck().ok());
  // Workers' contexts are gone: only inodes reachable from Root remain.
  CHECK(successes.load() > 1000);
}

TEST_CASE("A descriptor handed between contexts on different threads stays valid",
          "[concurrency]") {
  auto fs = Filesystem::Create();
  REQUIRE(fs->WriteFile("base/f", "0123456789").ok());
  Context a(fs);
  Context b(fs);
  REQUIRE(a.OpenAt(10, "base/f", rights::kFdRead | rights::kFdSeek).ok());
  int failures = 0;  // written by one thread at a time (join orders them)
  for (int round = 0; round < 200; ++round) {
    Context& from = round % 2 ? b : a;
    Context& to = round % 2 ? a : b;
    std::thread t([&] {
      auto h = from.RemoveDescriptor(10);
      if (!h.ok() || !to.InsertDescriptor(10, std::move(*h)).ok()) ++failures;
    });
    t.join();
  }
  REQUIRE(failures == 0);
  // 200 hand-overs end where they started; one byte read moves the offset.
  uint8_t byte;
  absl::Span<uint8_t> iov[] = {absl::MakeSpan(&byte, 1)};
  Result<size_t> n = a.fd_read(10, iov);
  REQUIRE(n.ok());
  CHECK(byte == '0');
  CHECK(a.LookupDescriptor(10)->offset == 1);
  CHECK(fs->Fsck().ok());
}

}  // namespace vfs::testing

namespace vfs::testing {

// Forks share file buffers copy-on-write across Filesystems, each with its
// own lock, so two threads may touch one shared buffer at once: one copying
// it, the other reading it or (once it is the sole owner) writing in place.
// Under TSan this shows the reference-count protocol is race-free; the
// contents show every fork saw only its own writes.
TEST_CASE("Forks written on different threads share nothing they write",
          "[concurrency][fork]") {
  auto fs = Filesystem::Create();
  const std::string original(4 * MemoryContents::kChunkSize, 'o');
  REQUIRE(fs->WriteFile("big", original).ok());
  constexpr int kForks = 4;
  std::vector<LiveState> forks;
  for (int i = 0; i < kForks; ++i) {
    absl::StatusOr<LiveState> f = Fork(*fs);
    REQUIRE(f.ok());
    forks.push_back(*std::move(f));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kForks; ++i) {
    threads.emplace_back([&, i] {
      Context ctx(forks[i].fs);
      absl::StatusOr<fd_t> root = ctx.Preopen("", "/");
      if (!root.ok()) {
        failures.fetch_add(1);
        return;
      }
      Result<fd_t> fd = Open(ctx, *root, "big");
      if (!fd.ok()) {
        failures.fetch_add(1);
        return;
      }
      const std::string mark(1, static_cast<char>('0' + i));
      for (int round = 0; round < 200; ++round) {
        const filesize_t at = (round * 7919u) % original.size();
        if (!PWrite(ctx, *fd, mark, at).ok()) failures.fetch_add(1);
        Result<std::string> back = PRead(ctx, *fd, 1, at);
        if (!back.ok() || *back != mark) failures.fetch_add(1);
      }
    });
  }
  // Meanwhile the source keeps reading and writing its own copy.
  for (int round = 0; round < 50; ++round) {
    REQUIRE(fs->WriteFile("big", original).ok());
  }
  for (std::thread& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(*fs->ReadFile("big") == original);
  for (int i = 0; i < kForks; ++i) {
    absl::StatusOr<std::string> bytes = forks[i].fs->ReadFile("big");
    REQUIRE(bytes.ok());
    for (char c : *bytes) {
      if (c != 'o' && c != '0' + i) {
        FAIL("fork " << i << " sees a byte written by another: " << c);
      }
    }
  }
}

}  // namespace vfs::testing

namespace vfs::testing {
namespace {

// One thread's share of the shared-context stress: random calls on two
// Contexts that every thread uses at once, on descriptors any thread may
// have opened, renumbered or closed. Errors are expected (another thread
// closed the fd); what is checked is that nothing crashes, races or
// corrupts the graph. Returns the successful calls.
int SharedWorker(Context* contexts[2], fd_t base[2], unsigned seed, int ops) {
  std::mt19937 rng(seed);
  int successes = 0;
  for (int i = 0; i < ops; ++i) {
    const int c = static_cast<int>(rng() % 2);
    Context& ctx = *contexts[c];
    // Any descriptor number a thread may have made: 3..15.
    const fd_t fd = 3 + rng() % 13;
    Errno e = Errno::kSuccess;
    switch (rng() % 14) {
      case 0: {
        Result<fd_t> r = Open(ctx, base[c], Pick(rng), Oflags(static_cast<uint16_t>(rng() % 16)));
        e = r.ok() ? Errno::kSuccess : r.error();
        break;
      }
      case 1: e = E(Write(ctx, fd, std::string(rng() % 200, 'w'))); break;
      case 2: e = E(PWrite(ctx, fd, "pw", rng() % 300)); break;
      case 3: e = E(ReadSome(ctx, fd, rng() % 128)); break;
      case 4: e = E(PRead(ctx, fd, 64, rng() % 300)); break;
      case 5: e = E(ctx.fd_seek(fd, static_cast<int64_t>(rng() % 50), Whence::kSet)); break;
      case 6: {
        uint8_t buf[200];
        e = E(ctx.fd_readdir(fd, absl::MakeSpan(buf), rng() % 4));
        break;
      }
      case 7: e = ctx.fd_renumber(fd, 3 + rng() % 13); break;
      case 8:
        // Never the preopens: the other threads need them.
        if (fd != base[0] && fd != base[1]) e = ctx.fd_close(fd);
        break;
      case 9: e = ctx.fd_filestat_set_size(fd, rng() % 400); break;
      case 10: e = ctx.path_rename(base[c], Pick(rng), base[c], Pick(rng)); break;
      case 11: e = ctx.path_unlink_file(base[c], Pick(rng)); break;
      case 12: e = ctx.path_create_directory(base[c], rng() % 2 ? "d" : "d/e"); break;
      case 13: e = E(ctx.path_filestat_get(base[c], kFollow, Pick(rng))); break;
    }
    if (e == Errno::kSuccess) ++successes;
  }
  return successes;
}

}  // namespace

TEST_CASE("Threads sharing contexts and descriptors, with a snapshot taken meanwhile, "
          "keep the graph consistent",
          "[concurrency][stress]") {
  auto fs = Filesystem::Create();
  REQUIRE(fs->MakeDirectories("base/d").ok());
  Context a(fs);
  Context b(fs);
  // Both preopens at fd 3 would clash with the renumber range; keep them
  // apart and out of it.
  REQUIRE(a.InsertDescriptor(16, *a.RemoveDescriptor(*a.Preopen("base", "/w"))).ok());
  REQUIRE(b.InsertDescriptor(17, *b.RemoveDescriptor(*b.Preopen("base", "/w"))).ok());
  Context* contexts[2] = {&a, &b};
  fd_t base[2] = {16, 17};
  constexpr int kThreads = 4;
  std::atomic<int> successes{0};
  std::atomic<bool> done{false};
  std::atomic<int> snapshots{0};
  std::atomic<int> snapshot_failures{0};
  // A host thread snapshots the whole state while the workers run: every
  // snapshot must load back and pass Fsck.
  std::thread snapshotter([&] {
    while (!done.load()) {
      Context* both[] = {&a, &b};
      absl::StatusOr<std::string> bytes = SaveSnapshot(*fs, both);
      if (!bytes.ok() || !LoadSnapshot(*bytes).ok()) snapshot_failures.fetch_add(1);
      snapshots.fetch_add(1);
    }
  });
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { successes.fetch_add(SharedWorker(contexts, base, 77 + t, 5000)); });
  }
  for (auto& t : threads) t.join();
  done.store(true);
  snapshotter.join();
  INFO(fs->Dump());
  CHECK(snapshot_failures.load() == 0);
  CHECK(snapshots.load() > 0);
  CHECK(successes.load() > 1000);
  CHECK(fs->Fsck().ok());
  // The preopens survived every thread's closes and renumbers.
  CHECK(a.LookupDescriptor(16)->is_preopen);
  CHECK(b.LookupDescriptor(17)->is_preopen);
  std::cout << "concurrency stress: " << kThreads << " threads x 5000 calls on 2 shared contexts, "
            << successes.load() << " succeeded, " << snapshots.load()
            << " snapshots taken meanwhile, Fsck clean\n";
}

}  // namespace vfs::testing
