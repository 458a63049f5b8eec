// Snapshot and restore (serialize/snapshot.h): round trips over random
// states, determinism, continuing reads exactly where they stopped, streams,
// readdir cookies, custom backends through the registry, restoring into an
// existing filesystem atomically, files, the golden snapshot of each format
// version, and InspectSnapshot. Hostile input is in snapshot_hostile_test.cc.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "backends/memory_contents.h"
#include "serialize/snapshot.h"
#include "tests/support/random_state.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {

std::string MustSave(Filesystem& fs, absl::Span<Context* const> contexts = {}) {
  absl::StatusOr<std::string> bytes = SaveSnapshot(fs, contexts);
  INFO(bytes.status().ToString());
  REQUIRE(bytes.ok());
  return *std::move(bytes);
}

LiveState MustLoad(std::string_view bytes, const LoadOptions& options = {}) {
  absl::StatusOr<LiveState> state = LoadSnapshot(bytes, options);
  INFO(state.status().ToString());
  REQUIRE(state.ok());
  return *std::move(state);
}

std::vector<Context*> Raw(const LiveState& s) {
  std::vector<Context*> out;
  for (const auto& c : s.contexts) out.push_back(c.get());
  return out;
}

// One fd_read as text, or "<errno>" when it fails.
std::string ReadText(Context& ctx, fd_t fd, size_t n) {
  std::string out(n, '\0');
  absl::Span<uint8_t> iov(reinterpret_cast<uint8_t*>(out.data()), n);
  Result<size_t> got = ctx.fd_read(fd, absl::MakeConstSpan(&iov, 1));
  if (!got.ok()) return absl::StrCat("<", AsAbsl(ErrnoName(got.error())), ">");
  out.resize(*got);
  return out;
}

}  // namespace

TEST_CASE("Round trip: snapshot(restore(snapshot(S))) == snapshot(S) and S reads back the same",
          "[snapshot]") {
  constexpr int kStates = 10000;
  int passed = 0;
  for (int seed = 0; seed < kStates; ++seed) {
    RandomState s = MakeRandomState(seed, 10 + seed % 50);
    REQUIRE(s.fs->Fsck().ok());
    const std::string first = MustSave(*s.fs, s.contexts());
    LiveState r = MustLoad(first);
    REQUIRE(r.contexts.size() == 2);
    const std::string second = MustSave(*r.fs, Raw(r));
    INFO("seed " << seed);
    REQUIRE(second == first);
    REQUIRE(Observe(*r.fs, Raw(r)) == Observe(*s.fs, s.contexts()));
    REQUIRE(r.fs->Fsck().ok());
    ++passed;
  }
  WARN("round trip: " << passed << " / " << kStates << " random states");
}

TEST_CASE("The same calls give byte-identical snapshots, any change gives others",
          "[snapshot]") {
  int compared = 0;
  for (int seed = 0; seed < 1000; ++seed) {
    RandomState a = MakeRandomState(seed, 30);
    RandomState b = MakeRandomState(seed, 30);
    const std::string sa = MustSave(*a.fs, a.contexts());
    INFO("seed " << seed);
    REQUIRE(sa == MustSave(*b.fs, b.contexts()));
    REQUIRE(sa == MustSave(*a.fs, a.contexts()));  // saving adds nothing
    ++compared;
  }
  WARN("determinism: 0 diffs over " << compared << " states snapshotted twice");
  RandomState a = MakeRandomState(7, 30);
  const std::string before = MustSave(*a.fs, a.contexts());
  REQUIRE(a.fs->WriteFile("fresh", "x").ok());
  CHECK(MustSave(*a.fs, a.contexts()) != before);
}

TEST_CASE("A restored descriptor continues reading exactly where it stopped",
          "[snapshot]") {
  Sandbox sb("base/f = 0123456789abcdef\nbase/d/\nbase/d/one = 1\nbase/d/two = 2\n");
  Context& c = sb.ctx();
  const fd_t f = ValueOrDefault(Open(c, sb.base(), "f"));
  CHECK(ReadText(c, f, 5) == "01234");
  // An unlinked file open elsewhere, with its own offset.
  const fd_t g = ValueOrDefault(Open(c, sb.base(), "d/one"));
  REQUIRE_OK(c.path_unlink_file(sb.base(), "d/one"));
  Context* ctxs[] = {&c};
  const std::string bytes = MustSave(sb.fs(), ctxs);

  LiveState r = MustLoad(bytes);
  Context& rc = *r.contexts[0];
  CHECK(ReadText(rc, f, 5) == "56789");
  CHECK(ReadText(c, f, 5) == "56789");  // the original goes on unaffected
  CHECK(ValueOrDefault(rc.fd_tell(f)) == 10);
  CHECK(ReadText(rc, g, 10) == "1");
  Result<Filestat> st = rc.fd_filestat_get(g);
  REQUIRE(st.ok());
  CHECK(st->nlink == 0);
  // Writes in the restored state are not seen by the original.
  REQUIRE(Write(rc, f, "XY").ok());
  CHECK(ValueOrDefault(PRead(rc, f, 16, 0)) == "0123456789XYcdef");
  CHECK(ValueOrDefault(PRead(c, f, 16, 0)) == "0123456789abcdef");
  // Preopen names, rights and flags survive.
  Result<Prestat> p = rc.fd_prestat_get(sb.base());
  REQUIRE(p.ok());
  CHECK(p->pr_name_len == std::string("/sandbox").size());
  CHECK(r.fs->Fsck().ok());
}

TEST_CASE("Readdir cookies taken before a snapshot continue after restore", "[snapshot]") {
  Sandbox sb("base/d/\nbase/d/a = 1\nbase/d/b = 2\nbase/d/c = 3\nbase/d/e = 4\n");
  Context& c = sb.ctx();
  const fd_t d =
      ValueOrDefault(Open(c, sb.base(), "d", oflags::kDirectory, rights::kDirectoryBase));
  Result<std::vector<Listed>> all = ListDir(c, d);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 6);  // . .. a b c e
  const dircookie_t after_b = (*all)[3].next;
  Context* ctxs[] = {&c};
  LiveState r = MustLoad(MustSave(sb.fs(), ctxs));
  Context& rc = *r.contexts[0];
  // Remove one entry and add one: the cookie still resumes after "b".
  REQUIRE_OK(rc.path_unlink_file(sb.base(), "d/c"));
  REQUIRE(rc.fs().WriteFile("base/d/new", "n").ok());
  std::vector<uint8_t> buf(4096);
  Result<size_t> n = rc.fd_readdir(d, absl::MakeSpan(buf), after_b);
  REQUIRE(n.ok());
  std::vector<std::string> names;
  for (size_t off = 0; off + layout::kDirentSize <= *n;) {
    uint32_t len;
    std::memcpy(&len, buf.data() + off + 16, 4);
    names.emplace_back(reinterpret_cast<const char*>(buf.data()) + off + layout::kDirentSize, len);
    off += layout::kDirentSize + len;
  }
  CHECK(names == std::vector<std::string>{"e", "new"});
}

TEST_CASE("Streams keep their unread bytes, and pipes their ends", "[snapshot]") {
  Sandbox sb;
  Context& c = sb.ctx();
  absl::StatusOr<std::pair<fd_t, fd_t>> p = c.CreatePipe();
  REQUIRE(p.ok());
  REQUIRE(Write(c, p->second, "hello world").ok());
  CHECK(ReadText(c, p->first, 6) == "hello ");
  REQUIRE(c.AttachStream(20, StreamEnd::kRead).ok());
  REQUIRE(c.StreamFeed(20, "fed").ok());
  Context* ctxs[] = {&c};
  LiveState r = MustLoad(MustSave(sb.fs(), ctxs));
  Context& rc = *r.contexts[0];
  CHECK(ReadText(rc, p->first, 100) == "world");
  CHECK(ReadText(rc, p->first, 100) == "<again>");  // the write end is still open
  REQUIRE_OK(rc.fd_close(p->second));
  CHECK(ReadText(rc, p->first, 100).empty());  // end of file
  CHECK(ReadText(rc, 20, 100) == "fed");
  CHECK(ReadText(rc, 20, 100) == "<again>");  // host input still open
  REQUIRE(rc.StreamCloseInput(20).ok());
  CHECK(ReadText(rc, 20, 100).empty());
  CHECK(r.fs->Fsck().ok());
}

TEST_CASE("A deterministic clock continues from its saved state", "[snapshot]") {
  Sandbox sb("base/f = x\n");
  Context* ctxs[] = {&sb.ctx()};
  LiveState r = MustLoad(MustSave(sb.fs(), ctxs));
  // Both now take the same next reading, so the same call stamps the same time.
  REQUIRE(sb.fs().WriteFile("base/g", "1").ok());
  REQUIRE(r.fs->WriteFile("base/g", "1").ok());
  CHECK(sb.fs().Stat("base/g")->mtim == r.fs->Stat("base/g")->mtim);
  CHECK(MustSave(sb.fs(), ctxs) == MustSave(*r.fs, Raw(r)));
}

// A backend outside the core: contents stored XOR-ed with a key.
class XorContents final : public FileContents {
 public:
  XorContents(std::string data, uint8_t key) : data_(std::move(data)), key_(key) {}
  filesize_t Size() const override { return data_.size(); }
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override {
    if (offset >= data_.size()) return size_t{0};
    const size_t n = std::min<size_t>(out.size(), data_.size() - offset);
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(data_[offset + i] ^ key_);
    return n;
  }
  ContentsCapabilities capabilities() const override { return {false, false}; }
  std::string_view backend_name() const override { return "test-xor"; }
  const std::string& stored() const { return data_; }
  uint8_t key() const { return key_; }

 private:
  std::string data_;
  uint8_t key_;
};

BackendCodec XorCodec() {
  BackendCodec codec;
  codec.name = "test-xor";
  codec.version = 3;
  codec.save = [](const FileContents& c, SnapshotWriter& w) {
    const auto& x = dynamic_cast<const XorContents&>(c);
    w.U8(x.key());
    w.String(x.stored());
    return absl::OkStatus();
  };
  codec.load = [](uint32_t version, SnapshotReader& r, const PayloadLimits&)
      -> absl::StatusOr<std::unique_ptr<FileContents>> {
    if (version != 3) return absl::UnimplementedError("unknown test-xor version");
    const uint8_t key = r.U8();
    std::string data = r.String(r.remaining(), "xor data");
    return std::unique_ptr<FileContents>(std::make_unique<XorContents>(std::move(data), key));
  };
  return codec;
}

TEST_CASE("A registered backend survives the round trip, an unknown one is named",
          "[snapshot][backend]") {
  Sandbox sb;
  std::string stored = "secret";
  for (char& ch : stored) ch ^= 0x5a;
  REQUIRE(sb.fs().AddFile("base/x", std::make_unique<XorContents>(stored, 0x5a)).ok());
  REQUIRE(sb.fs().MakeHardLink("base/x", "base/y").ok());
  Context* ctxs[] = {&sb.ctx()};

  BackendRegistry registry;
  SECTION("saving without a codec fails, naming the backend") {
    SaveOptions so;
    so.registry = &registry;
    absl::StatusOr<std::string> bytes = SaveSnapshot(sb.fs(), ctxs, so);
    REQUIRE_FALSE(bytes.ok());
    CHECK(bytes.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(std::string(bytes.status().message()), Catch::Contains("test-xor"));
  }
  SECTION("with the codec registered it round-trips, and restoring elsewhere needs it") {
    REQUIRE(registry.Register(XorCodec()).ok());
    CHECK(registry.Register(XorCodec()).code() == absl::StatusCode::kAlreadyExists);
    SaveOptions so;
    so.registry = &registry;
    absl::StatusOr<std::string> bytes = SaveSnapshot(sb.fs(), ctxs, so);
    REQUIRE(bytes.ok());
    LoadOptions lo;
    lo.registry = &registry;
    LiveState r = MustLoad(*bytes, lo);
    CHECK(*r.fs->ReadFile("base/y") == "secret");
    CHECK(r.fs->Stat("base/x")->ino == r.fs->Stat("base/y")->ino);
    CHECK(r.fs->Stat("base/x")->nlink == 2);
    // The backend keeps its identity: the restored file is still read-only.
    const fd_t fd = ValueOrDefault(Open(*r.contexts[0], sb.base(), "x"));
    CHECK_ERRNO(Write(*r.contexts[0], fd, "z").error(), Errno::kPerm);
    absl::StatusOr<LiveState> missing = LoadSnapshot(*bytes);  // the global registry
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.status().code() == absl::StatusCode::kNotFound);
    CHECK_THAT(std::string(missing.status().message()), Catch::Contains("'test-xor'"));
  }
}

TEST_CASE("RestoreSnapshot swaps state in only on success", "[snapshot]") {
  Sandbox src("base/a = 1\nbase/b/\n");
  Context* src_ctxs[] = {&src.ctx()};
  const std::string bytes = MustSave(src.fs(), src_ctxs);

  Sandbox target("base/other = 2\n");
  Context* ctxs[] = {&target.ctx()};
  const std::string before = MustSave(target.fs(), ctxs);
  SECTION("a corrupt snapshot leaves the target byte-identical") {
    std::string bad = bytes;
    bad[bad.size() / 2] ^= 1;
    CHECK_FALSE(RestoreSnapshot(bad, target.fs(), ctxs).ok());
    CHECK(MustSave(target.fs(), ctxs) == before);
  }
  SECTION("the wrong number of contexts is refused before anything changes") {
    absl::Status s = RestoreSnapshot(bytes, target.fs(), {});
    CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(MustSave(target.fs(), ctxs) == before);
  }
  SECTION("a descriptor held outside the contexts is refused") {
    absl::StatusOr<DescriptorHandle> h = target.ctx().RemoveDescriptor(target.base());
    REQUIRE(h.ok());
    absl::Status s = RestoreSnapshot(bytes, target.fs(), ctxs);
    CHECK(s.code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(std::string(s.message()), Catch::Contains("outside"));
    REQUIRE(target.ctx().InsertDescriptor(target.base(), std::move(*h)).ok());
    CHECK(MustSave(target.fs(), ctxs) == before);
  }
  SECTION("success replaces the tree, the table and the clock") {
    REQUIRE(RestoreSnapshot(bytes, target.fs(), ctxs).ok());
    CHECK(MustSave(target.fs(), ctxs) == bytes);
    CHECK(*target.fs().ReadFile("base/a") == "1");
    CHECK_FALSE(target.fs().Stat("base/other").ok());
    CHECK(target.fs().Fsck().ok());
  }
}

TEST_CASE("Snapshots save to and load from files", "[snapshot]") {
  Sandbox sb("base/f = file bytes\n");
  Context* ctxs[] = {&sb.ctx()};
  const std::string path = absl::StrCat(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp",
                                        "/vfs_snapshot_test_", getpid(), ".bin");
  REQUIRE(SaveSnapshotToFile(path, sb.fs(), ctxs).ok());
  absl::StatusOr<LiveState> r = LoadSnapshotFromFile(path);
  REQUIRE(r.ok());
  CHECK(*r->fs->ReadFile("base/f") == "file bytes");
  LoadOptions small;
  small.max_snapshot_bytes = 10;
  CHECK(LoadSnapshotFromFile(path, small).status().code() == absl::StatusCode::kOutOfRange);
  std::remove(path.c_str());
  absl::StatusOr<LiveState> gone = LoadSnapshotFromFile(path);
  CHECK(gone.status().code() == absl::StatusCode::kNotFound);
  CHECK(SaveSnapshotToFile("/nonexistent-dir/x.bin", sb.fs(), ctxs).code() ==
        absl::StatusCode::kUnavailable);
}

TEST_CASE("InspectSnapshot counts what a snapshot holds", "[snapshot]") {
  Sandbox sb("base/f = 12345\nbase/g => base/f\nbase/l -> f\nbase/d/\n");
  Context& c = sb.ctx();
  const fd_t u = ValueOrDefault(Open(c, sb.base(), "u", oflags::kCreat));
  REQUIRE(Write(c, u, "xy").ok());
  REQUIRE_OK(c.path_unlink_file(sb.base(), "u"));
  Context* ctxs[] = {&c};
  absl::StatusOr<SnapshotInfo> info = InspectSnapshot(MustSave(sb.fs(), ctxs));
  REQUIRE(info.ok());
  CHECK(info->version == kSnapshotVersion);
  CHECK(info->directories == 3);  // root, base, base/d
  CHECK(info->files == 2);
  CHECK(info->hard_linked == 1);
  CHECK(info->symlinks == 1);
  CHECK(info->unlinked_open == 1);
  CHECK(info->file_bytes == 7);
  CHECK(info->contexts == 1);
  CHECK(info->descriptors == 2);
  CHECK(info->preopens == 1);
  CHECK(info->files_by_backend.at("memory") == 2);
  CHECK_THAT(FormatSnapshotInfo(*info), Catch::Contains("hard-linked files 1"));
}

}  // namespace vfs::testing
