// Fork (serialize/fork.h): an independent copy that shares file data
// copy-on-write. Independence in both directions, no bytes copied at fork
// time (checked through MemoryContents' shared/unshared accounting), one
// chunk copied on first write, contexts forked with their offsets, and a
// forked state equal to the original by snapshot.
#include <catch2/catch.hpp>

#include <string>

#include "backends/memory_contents.h"
#include "serialize/fork.h"
#include "serialize/snapshot.h"
#include "tests/support/random_state.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

LiveState MustFork(Filesystem& fs, absl::Span<Context* const> contexts = {}) {
  absl::StatusOr<LiveState> f = Fork(fs, contexts);
  INFO(f.status().ToString());
  REQUIRE(f.ok());
  return *std::move(f);
}

std::vector<Context*> Raw(const LiveState& s) {
  std::vector<Context*> out;
  for (const auto& c : s.contexts) out.push_back(c.get());
  return out;
}

absl::Span<const uint8_t> B(std::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

TEST_CASE("MemoryContents clones share every chunk until one side writes",
          "[fork][memory_contents]") {
  constexpr size_t kChunk = MemoryContents::kChunkSize;
  MemoryContents m;
  const std::string data(8 * kChunk, 'a');
  REQUIRE(m.Write(0, B(data)).ok());
  CHECK(m.unshared_bytes() == 8 * kChunk);
  std::unique_ptr<FileContents> c = m.Clone();
  auto& clone = dynamic_cast<MemoryContents&>(*c);
  CHECK(m.unshared_bytes() == 0);
  CHECK(clone.unshared_bytes() == 0);
  // One byte written in the clone copies exactly one chunk.
  REQUIRE(clone.Write(3 * kChunk + 5, B("Z")).ok());
  CHECK(clone.unshared_bytes() == kChunk);
  CHECK(m.unshared_bytes() == kChunk);  // the original now alone owns its copy
  std::string out(1, '\0');
  auto span = absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), 1);
  REQUIRE(m.Read(3 * kChunk + 5, span).ok());
  CHECK(out == "a");
  REQUIRE(clone.Read(3 * kChunk + 5, span).ok());
  CHECK(out == "Z");
  // Truncating the original does not cut the clone's shared chunks.
  REQUIRE(m.Resize(kChunk / 2) == Errno::kSuccess);
  CHECK(clone.Size() == 8 * kChunk);
  REQUIRE(clone.Read(kChunk - 1, span).ok());
  CHECK(out == "a");
  // Growing the truncated original past its cut reads zeros, not the
  // clone's bytes that share the buffer.
  REQUIRE(m.Resize(kChunk) == Errno::kSuccess);
  REQUIRE(m.Read(kChunk - 1, span).ok());
  CHECK(out == std::string(1, '\0'));
  REQUIRE(m.Write(kChunk / 2 + 1, B("q")).ok());
  REQUIRE(m.Read(kChunk / 2, span).ok());
  CHECK(out == std::string(1, '\0'));
  REQUIRE(clone.Read(kChunk / 2, span).ok());
  CHECK(out == "a");
}

TEST_CASE("A fork equals its source and then goes its own way", "[fork]") {
  for (int seed = 0; seed < 200; ++seed) {
    RandomState s = MakeRandomState(seed, 40);
    LiveState f = MustFork(*s.fs, s.contexts());
    INFO("seed " << seed);
    REQUIRE(f.fs->Fsck().ok());
    REQUIRE(Observe(*f.fs, Raw(f)) == Observe(*s.fs, s.contexts()));
    REQUIRE(*SaveSnapshot(*f.fs, Raw(f)) == *SaveSnapshot(*s.fs, s.contexts()));
  }
}

TEST_CASE("Writes in one fork are never visible in the other", "[fork]") {
  Sandbox sb("base/f = original\nbase/d/\nbase/d/g = gg\n");
  Context& c = sb.ctx();
  const fd_t f = ValueOrDefault(Open(c, sb.base(), "f"));
  Context* ctxs[] = {&c};
  LiveState k = MustFork(sb.fs(), ctxs);
  Context& kc = *k.contexts[0];

  REQUIRE(Write(kc, f, "FORKED").ok());             // through a forked descriptor
  REQUIRE(k.fs->WriteFile("base/new", "n").ok());   // a new name
  REQUIRE_OK(kc.path_unlink_file(sb.base(), "d/g"));
  REQUIRE(Write(c, f, "SOURCE").ok());
  REQUIRE_OK(c.path_create_directory(sb.base(), "only-in-source"));

  CHECK(*sb.fs().ReadFile("base/f") == "SOURCEal");
  CHECK(*k.fs->ReadFile("base/f") == "FORKEDal");
  CHECK_FALSE(sb.fs().Stat("base/new").ok());
  CHECK(sb.fs().Stat("base/d/g").ok());
  CHECK_FALSE(k.fs->Stat("base/d/g").ok());
  CHECK_FALSE(k.fs->Stat("base/only-in-source").ok());
  // Offsets advanced separately.
  CHECK(ValueOrDefault(c.fd_tell(f)) == 6);
  CHECK(ValueOrDefault(kc.fd_tell(f)) == 6);
  CHECK(k.fs->Fsck().ok());
}

TEST_CASE("Forking a large file copies no bytes", "[fork]") {
  Sandbox sb;
  constexpr size_t kBig = 64 << 20;
  auto big = std::make_unique<MemoryContents>();
  REQUIRE(big->Write(0, B(std::string(kBig, 'x'))).ok());
  const MemoryContents* source = big.get();
  REQUIRE(sb.fs().AddFile("base/big", std::move(big)).ok());
  for (int i = 0; i < 100; ++i) {
    REQUIRE(sb.fs().WriteFile("base/small" + std::to_string(i), "s").ok());
  }
  CHECK(source->unshared_bytes() >= kBig);
  LiveState k = MustFork(sb.fs());
  // Every byte is now shared by the two forks: nothing was copied.
  CHECK(source->unshared_bytes() == 0);
  // One write in the fork copies one chunk, and the source keeps its bytes.
  absl::StatusOr<std::string> before = sb.fs().ReadFile("base/big");
  REQUIRE(before.ok());
  auto ctx = std::make_unique<Context>(k.fs);
  const fd_t root = *ctx->Preopen("", "/");
  const fd_t fd = ValueOrDefault(Open(*ctx, root, "base/big"));
  REQUIRE(PWrite(*ctx, fd, "Y", 12345).ok());
  CHECK(source->unshared_bytes() == MemoryContents::kChunkSize);
  CHECK(*sb.fs().ReadFile("base/big") == *before);
  CHECK(ValueOrDefault(PRead(*ctx, fd, 1, 12345)) == "Y");
}

TEST_CASE("A fork keeps streams, unlinked-open files and the clock", "[fork]") {
  Sandbox sb("base/u = unlinked\n");
  Context& c = sb.ctx();
  const fd_t u = ValueOrDefault(Open(c, sb.base(), "u"));
  REQUIRE_OK(c.path_unlink_file(sb.base(), "u"));
  absl::StatusOr<std::pair<fd_t, fd_t>> p = c.CreatePipe();
  REQUIRE(p.ok());
  REQUIRE(Write(c, p->second, "piped").ok());
  Context* ctxs[] = {&c};
  LiveState k = MustFork(sb.fs(), ctxs);
  Context& kc = *k.contexts[0];
  CHECK(ValueOrDefault(PRead(kc, u, 100, 0)) == "unlinked");
  CHECK(ValueOrDefault(PRead(c, u, 100, 0)) == "unlinked");
  CHECK(ValueOrDefault(ReadAll(kc, p->first, 5)) == "piped");
  CHECK(ValueOrDefault(ReadAll(c, p->first, 5)) == "piped");  // each fork has its copy
  // Both clocks continue from the same reading (the same calls were made).
  REQUIRE(sb.fs().WriteFile("base/t", "").ok());
  REQUIRE(k.fs->WriteFile("base/t", "").ok());
  CHECK(sb.fs().Stat("base/t")->mtim == k.fs->Stat("base/t")->mtim);
  // Without its contexts, a fork drops what only descriptors held.
  LiveState bare = MustFork(sb.fs());
  CHECK(bare.fs->live_inode_count() + 2 == sb.fs().live_inode_count());
  CHECK(bare.fs->Fsck().ok());
}

TEST_CASE("Fork refuses contexts over another filesystem", "[fork]") {
  Sandbox a, b;
  Context* wrong[] = {&b.ctx()};
  CHECK(Fork(a.fs(), wrong).status().code() == absl::StatusCode::kInvalidArgument);
  Context* twice[] = {&a.ctx(), &a.ctx()};
  CHECK(Fork(a.fs(), twice).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace vfs::testing
