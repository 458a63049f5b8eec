// The FileContents backends beyond memory and the decorators: the
// conformance kit (tests/support/contents_conformance.h) run over every
// backend, then what only one backend has: BlobContents' zero copy,
// keep-alive and mmap factory; GeneratedContents' order-independent streams
// and generator registry; FaultPlan's countdown, modes and counters (with a
// small F6-style sweep through a Context); TracingContents' log format; and
// the snapshot codecs' refusal of hostile payloads.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/blob_contents.h"
#include "backends/fault_injecting_contents.h"
#include "backends/generated_contents.h"
#include "backends/memory_contents.h"
#include "backends/tracing_contents.h"
#include "serialize/archive.h"
#include "serialize/backend_registry.h"
#include "serialize/snapshot.h"
#include "tests/support/contents_conformance.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

using Bytes = std::vector<uint8_t>;

absl::Span<const uint8_t> S(std::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string ReadString(const FileContents& c, filesize_t offset, size_t len) {
  std::string out(len, '\0');
  Result<size_t> n =
      c.Read(offset, absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), len));
  REQUIRE(n.ok());
  out.resize(*n);
  return out;
}

std::string TempPath(std::string_view tag) {
  static int counter = 0;
  const char* dir = std::getenv("TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/vfs_backends_test_", getpid(), "_",
                      ++counter, "_", std::string(tag));
}

void WriteHostFile(const std::string& path, absl::Span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// Whether the process has a mapping of `path` (Linux /proc/self/maps).
bool IsMapped(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  std::string all((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  return all.find(path) != std::string::npos;
}

// SplitMix64 as published: a running state, advanced then mixed. Written
// here independently of the backend's counter-based version, so the kit
// compares the backend against a second implementation.
Bytes SequentialSplitMix(uint64_t seed, size_t size) {
  Bytes out;
  out.reserve(size + 8);
  uint64_t state = seed;
  while (out.size() < size) {
    state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(z >> (8 * i)));
  }
  out.resize(size);
  return out;
}

// Runs a codec's load over `payload` as the snapshot reader would: a
// SnapshotFormatError (reading past the end) becomes DataLoss.
absl::Status TryLoad(const BackendCodec& codec, uint32_t version, const std::string& payload,
                     filesize_t max_file_size = filesize_t{1} << 40,
                     std::unique_ptr<FileContents>* out = nullptr) {
  SnapshotReader r(S(payload));
  PayloadLimits limits;
  limits.max_file_size = max_file_size;
  try {
    absl::StatusOr<std::unique_ptr<FileContents>> c = codec.load(version, r, limits);
    if (!c.ok()) return c.status();
    if (r.remaining() != 0) return absl::DataLossError("payload not consumed");
    if (out != nullptr) *out = *std::move(c);
    return absl::OkStatus();
  } catch (const SnapshotFormatError& e) {
    return absl::DataLossError(e.what());
  }
}

// A payload as a codec sees it inside a snapshot. A fresh SnapshotWriter
// starts with cereal's one-byte endianness marker, which SnapshotReader
// expects; kMarker counts it in lengths and prefixes.
constexpr size_t kMarker = 1;
std::string Payload(const std::function<void(SnapshotWriter&)>& fill) {
  std::string out;
  SnapshotWriter w(&out);
  fill(w);
  return out;
}

const BackendCodec& GlobalCodec(std::string_view name) {
  const BackendCodec* codec = BackendRegistry::Global().Find(name);
  REQUIRE(codec != nullptr);
  return *codec;
}

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// A stand-in for another person's HostFileContents: read-only bytes under
// the backend name "host_file", so the materializing codec is what saves it.
class FakeHostFile final : public FileContents {
 public:
  explicit FakeHostFile(absl::Span<const uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
  filesize_t Size() const override { return bytes_.size(); }
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override {
    if (offset >= bytes_.size()) return size_t{0};
    const size_t n = std::min<size_t>(out.size(), bytes_.size() - offset);
    std::copy_n(bytes_.begin() + static_cast<ptrdiff_t>(offset), n, out.begin());
    return n;
  }
  ContentsCapabilities capabilities() const override { return {false, false}; }
  std::string_view backend_name() const override { return "host_file"; }

 private:
  Bytes bytes_;
};

ConformanceOptions ReadOnly() {
  ConformanceOptions o;
  o.writable = false;
  o.resizable = false;
  return o;
}

}  // namespace

// ---- The conformance kit over every backend. ----

TEST_CASE("MemoryContents passes the FileContents conformance kit",
          "[backends][conformance][memory]") {
  CheckContentsConformance("memory", [](absl::Span<const uint8_t> initial) {
    return std::make_unique<MemoryContents>(initial);
  });
}

TEST_CASE("BlobContents over a host span passes the conformance kit",
          "[backends][conformance][blob]") {
  CheckContentsConformance(
      "blob (span)",
      [](absl::Span<const uint8_t> initial) {
        auto owner = std::make_shared<const Bytes>(initial.begin(), initial.end());
        return std::make_unique<BlobContents>(absl::MakeConstSpan(*owner), owner);
      },
      ReadOnly());
}

TEST_CASE("BlobContents over an mmap'd host file passes the conformance kit",
          "[backends][conformance][blob][mmap]") {
  CheckContentsConformance(
      "blob (mmap)",
      [](absl::Span<const uint8_t> initial) -> std::unique_ptr<FileContents> {
        const std::string path = TempPath("conformance");
        WriteHostFile(path, initial);
        absl::StatusOr<std::unique_ptr<BlobContents>> b = MapFileBlob(path);
        std::remove(path.c_str());  // the mapping outlives the name
        INFO(b.status().ToString());
        REQUIRE(b.ok());
        return *std::move(b);
      },
      ReadOnly());
}

TEST_CASE("GeneratedContents 'zero' passes the conformance kit",
          "[backends][conformance][generated]") {
  ConformanceOptions o = ReadOnly();
  o.expected_bytes = [](size_t n) { return Bytes(n, 0); };
  CheckContentsConformance(
      "generated zero",
      [](absl::Span<const uint8_t> initial) { return MakeZeroContents(initial.size()); }, o);
}

TEST_CASE("GeneratedContents 'seeded_random' passes the conformance kit",
          "[backends][conformance][generated]") {
  ConformanceOptions o = ReadOnly();
  o.expected_bytes = [](size_t n) { return SequentialSplitMix(1234, n); };
  CheckContentsConformance(
      "generated seeded_random",
      [](absl::Span<const uint8_t> initial) {
        return MakeSeededRandomContents(1234, initial.size());
      },
      o);
}

TEST_CASE("FaultInjectingContents over memory passes the conformance kit while not failing",
          "[backends][conformance][fault]") {
  // One plan in counting mode for every instance: it counts, fails nothing.
  auto plan = std::make_shared<FaultPlan>();
  plan->Count(fault_method::kAll);
  CheckContentsConformance("fault(memory)", [plan](absl::Span<const uint8_t> initial) {
    return std::make_unique<FaultInjectingContents>(std::make_unique<MemoryContents>(initial),
                                                    plan);
  });
  CHECK(plan->calls_seen() > 0);
  CHECK(plan->faults_injected() == 0);
}

TEST_CASE("TracingContents over memory passes the conformance kit",
          "[backends][conformance][tracing]") {
  auto sink = std::make_shared<TraceSink>();
  CheckContentsConformance("tracing(memory)", [sink](absl::Span<const uint8_t> initial) {
    return std::make_unique<TracingContents>(std::make_unique<MemoryContents>(initial), sink);
  });
  CHECK(sink->lines() > 0);
}

TEST_CASE("A host_file backend passes the kit and restores as a memory file",
          "[backends][conformance][host_file]") {
  ConformanceOptions o = ReadOnly();
  o.restored_backend = "memory";
  o.clone_keeps_capabilities = false;  // it uses FileContents' default Clone
  CheckContentsConformance(
      "fake host_file",
      [](absl::Span<const uint8_t> initial) { return std::make_unique<FakeHostFile>(initial); },
      o);
}

// ---- BlobContents. ----

TEST_CASE("A BlobContents reads the host's bytes in place, and clones share them",
          "[backends][blob]") {
  static const uint8_t kHost[] = {'h', 'o', 's', 't', ' ', 'b', 'y', 't', 'e', 's'};
  BlobContents b(absl::MakeConstSpan(kHost));
  CHECK(b.bytes().data() == kHost);
  CHECK(b.Size() == sizeof(kHost));
  CHECK(ReadString(b, 5, 100) == "bytes");
  CHECK(b.backend_name() == "blob");
  CHECK_FALSE(b.capabilities().writable);
  CHECK_FALSE(b.capabilities().resizable);
  std::unique_ptr<FileContents> clone = b.Clone();
  const auto* cb = dynamic_cast<const BlobContents*>(clone.get());
  REQUIRE(cb != nullptr);
  CHECK(cb->bytes().data() == kHost);  // O(1): nothing copied
  // The methods themselves keep the default NOTSUP; the core says PERM.
  CHECK(b.Write(0, S("x")).error() == Errno::kNotsup);
  CHECK(b.Resize(0) == Errno::kNotsup);
  CHECK(b.Allocate(0, 100) == Errno::kNotsup);
  CHECK(ReadString(b, 0, 100) == "host bytes");
}

TEST_CASE("A BlobContents keeps its bytes alive after the host drops its reference",
          "[backends][blob]") {
  auto host = std::make_shared<std::string>("kept alive by the blob");
  std::weak_ptr<std::string> watch = host;
  auto blob = std::make_unique<BlobContents>(S(*host), host);
  const uint8_t* where = blob->bytes().data();
  host.reset();
  REQUIRE_FALSE(watch.expired());
  CHECK(ReadString(*blob, 0, 100) == "kept alive by the blob");
  std::unique_ptr<FileContents> clone = blob->Clone();
  blob.reset();
  REQUIRE_FALSE(watch.expired());  // the clone holds it now
  CHECK(dynamic_cast<const BlobContents&>(*clone).bytes().data() == where);
  CHECK(ReadString(*clone, 14, 100) == "the blob");
  clone.reset();
  CHECK(watch.expired());  // the last user is gone, so are the bytes
}

TEST_CASE("MapFileBlob maps a file read-only and unmaps it when the last user goes",
          "[backends][blob][mmap]") {
  const std::string path = TempPath("mapped");
  const Bytes content = ConformancePattern(100000, 5);
  WriteHostFile(path, content);
  absl::StatusOr<std::unique_ptr<BlobContents>> b = MapFileBlob(path);
  INFO(b.status().ToString());
  REQUIRE(b.ok());
  CHECK(IsMapped(path));
  CHECK((*b)->Size() == content.size());
  CHECK(ReadString(**b, 99990, 100) ==
        std::string(content.end() - 10, content.end()));
  std::unique_ptr<FileContents> clone = (*b)->Clone();
  b->reset();
  CHECK(IsMapped(path));  // the clone still uses it
  CHECK(clone->Size() == content.size());
  clone.reset();
  CHECK_FALSE(IsMapped(path));
  std::remove(path.c_str());

  SECTION("an empty file maps nothing and reads nothing") {
    const std::string empty = TempPath("empty");
    WriteHostFile(empty, {});
    absl::StatusOr<std::unique_ptr<BlobContents>> e = MapFileBlob(empty);
    REQUIRE(e.ok());
    CHECK((*e)->Size() == 0);
    CHECK(ReadString(**e, 0, 10).empty());
    CHECK_FALSE(IsMapped(empty));
    std::remove(empty.c_str());
  }
}

TEST_CASE("MapFileBlob of a missing file is NotFound naming it, a directory is refused",
          "[backends][blob][mmap]") {
  const std::string missing = TempPath("does-not-exist");
  absl::StatusOr<std::unique_ptr<BlobContents>> b = MapFileBlob(missing);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Msg(b.status()), Catch::Contains(missing));
  const char* dir = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp";
  absl::StatusOr<std::unique_ptr<BlobContents>> d = MapFileBlob(dir);
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(Msg(d.status()), Catch::Contains(dir));
}

TEST_CASE("Writing, truncating or allocating a read-only backend through a Context gives PERM",
          "[backends][blob][generated]") {
  Sandbox sb;
  const std::string text = "read-only bytes";
  auto owner = std::make_shared<std::string>(text);
  REQUIRE(sb.fs().AddFile("base/blob", std::make_unique<BlobContents>(S(*owner), owner)).ok());
  REQUIRE(sb.fs().AddFile("base/gen", MakeSeededRandomContents(9, 1000)).ok());
  Context& c = sb.ctx();
  for (const char* name : {"blob", "gen"}) {
    INFO(name);
    Result<fd_t> opened = Open(c, sb.base(), name);
    REQUIRE(opened.ok());
    const fd_t fd = *opened;
    const std::string before = ValueOrDefault(PRead(c, fd, 2000, 0));
    CHECK_ERRNO(Write(c, fd, "x").error(), Errno::kPerm);
    CHECK_ERRNO(PWrite(c, fd, "x", 5000).error(), Errno::kPerm);
    CHECK_ERRNO(c.fd_filestat_set_size(fd, 0), Errno::kPerm);
    CHECK_ERRNO(c.fd_allocate(fd, 0, 5000), Errno::kPerm);
    CHECK(ValueOrDefault(PRead(c, fd, 2000, 0)) == before);
    CHECK(ValueOrDefault(c.fd_filestat_get(fd)).size == before.size());
    REQUIRE_OK(c.fd_close(fd));
  }
  CHECK(*sb.fs().ReadFile("base/blob") == text);
}

// ---- GeneratedContents and the generator registry. ----

TEST_CASE("seeded_random bytes do not depend on read order or piece size, seeds differ",
          "[backends][generated]") {
  constexpr size_t kSize = 300000;
  std::unique_ptr<GeneratedContents> g = MakeSeededRandomContents(77, kSize);
  CHECK(g->generator_name() == "seeded_random");
  CHECK(g->parameter() == "77");
  const std::string whole = ReadString(*g, 0, kSize);
  REQUIRE(whole.size() == kSize);
  // Two ranges, read in either order, by a fresh instance and by a clone.
  std::unique_ptr<GeneratedContents> h = MakeSeededRandomContents(77, kSize);
  const std::string late = ReadString(*h, 250001, 3333);
  const std::string early = ReadString(*h, 13, 77777);
  CHECK(late == whole.substr(250001, 3333));
  CHECK(early == whole.substr(13, 77777));
  std::unique_ptr<FileContents> k = h->Clone();
  CHECK(ReadString(*k, 13, 77777) == early);
  CHECK(ReadString(*k, 250001, 3333) == late);
  // Odd pieces, last to first.
  std::string pieces(kSize, '\0');
  for (size_t off = kSize; off > 0;) {
    const size_t len = std::min<size_t>(off, 4099);
    off -= len;
    pieces.replace(off, len, ReadString(*g, off, len));
  }
  CHECK(pieces == whole);
  // The bytes are not degenerate, and another seed gives another stream.
  CHECK(whole.find_first_not_of('\0') != std::string::npos);
  const std::string other = ReadString(*MakeSeededRandomContents(78, kSize), 0, kSize);
  CHECK(other != whole);
  size_t equal = 0;
  for (size_t i = 0; i < kSize; ++i) equal += whole[i] == other[i];
  CHECK(equal < kSize / 100);  // about 1/256 by chance
  // Independent of the file size: a longer file has the same prefix.
  CHECK(ReadString(*MakeSeededRandomContents(77, 2 * kSize), 0, kSize) == whole);
}

TEST_CASE("The generator registry has the built-ins and refuses bad names and parameters",
          "[backends][generated]") {
  GeneratorRegistry& reg = GeneratorRegistry::Global();
  CHECK(reg.Contains("zero"));
  CHECK(reg.Contains("seeded_random"));
  CHECK_FALSE(reg.Contains("no_such_generator"));
  auto noop = [](std::string_view) -> absl::StatusOr<GeneratorFn> {
    return GeneratorFn([](filesize_t, absl::Span<uint8_t>) {});
  };
  CHECK(reg.Register("zero", noop).code() == absl::StatusCode::kAlreadyExists);
  CHECK(reg.Register("", noop).code() == absl::StatusCode::kInvalidArgument);
  CHECK(reg.Register(std::string(65, 'n'), noop).code() == absl::StatusCode::kInvalidArgument);
  CHECK(reg.Register("null_factory", nullptr).code() == absl::StatusCode::kInvalidArgument);
  for (const char* bad : {"", "-1", "+1", "01", "1x", " 1", "18446744073709551616"}) {
    INFO("seed '" << bad << "'");
    CHECK(reg.Make("seeded_random", bad, 10).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  CHECK(reg.Make("seeded_random", "18446744073709551615", 10).ok());
  CHECK(reg.Make("zero", "x", 10).status().code() == absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::unique_ptr<GeneratedContents>> missing =
      reg.Make("no_such_generator", "", 10);
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Msg(missing.status()), Catch::Contains("'no_such_generator'"));
  // A private registry starts with the built-ins only.
  GeneratorRegistry local;
  CHECK(local.Contains("zero"));
  REQUIRE(local.Register("local_only", noop).ok());
  CHECK_FALSE(reg.Contains("local_only"));
}

TEST_CASE("A custom generator registered by name survives snapshot and restore",
          "[backends][generated][snapshot]") {
  // byte k = k * step (mod 256); the parameter is the step.
  absl::Status s = GeneratorRegistry::Global().Register(
      "test_arithmetic", [](std::string_view p) -> absl::StatusOr<GeneratorFn> {
        if (p.size() != 1) return absl::InvalidArgumentError("one step byte");
        const uint8_t step = static_cast<uint8_t>(p[0]);
        return GeneratorFn([step](filesize_t off, absl::Span<uint8_t> out) {
          for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>((off + i) * step);
        });
      });
  REQUIRE((s.ok() || s.code() == absl::StatusCode::kAlreadyExists));
  absl::StatusOr<std::unique_ptr<GeneratedContents>> g =
      GeneratorRegistry::Global().Make("test_arithmetic", "\x03", 1000);
  REQUIRE(g.ok());
  std::string want(1000, '\0');
  for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<char>(i * 3);
  CHECK(ReadString(**g, 0, 2000) == want);

  Sandbox sb;
  REQUIRE(sb.fs().AddFile("base/custom", *std::move(g)).ok());
  REQUIRE(sb.fs().AddFile("base/big_zero", MakeZeroContents(filesize_t{1} << 39)).ok());
  absl::StatusOr<std::string> bytes = SaveSnapshot(sb.fs());
  REQUIRE(bytes.ok());
  CHECK(bytes->size() < 4096);  // half a TiB of zeros costs a few bytes
  absl::StatusOr<LiveState> r = LoadSnapshot(*bytes);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(*r->fs->ReadFile("base/custom") == want);
  CHECK(r->fs->Stat("base/big_zero")->size == filesize_t{1} << 39);
  absl::StatusOr<std::string> again = SaveSnapshot(*r->fs);
  REQUIRE(again.ok());
  CHECK(*again == *bytes);
}

TEST_CASE("Restoring a generated file whose generator is not registered is NotFound naming it",
          "[backends][generated][snapshot]") {
  Sandbox sb;
  auto fn = std::make_shared<const GeneratorFn>([](filesize_t, absl::Span<uint8_t> out) {
    std::fill(out.begin(), out.end(), uint8_t{'u'});
  });
  REQUIRE(sb.fs()
              .AddFile("base/u", std::make_unique<GeneratedContents>("unregistered_gen",
                                                                     "param", 10, fn))
              .ok());
  CHECK(*sb.fs().ReadFile("base/u") == "uuuuuuuuuu");
  absl::StatusOr<std::string> bytes = SaveSnapshot(sb.fs());
  REQUIRE(bytes.ok());  // saving needs only the "generated" codec
  absl::StatusOr<LiveState> r = LoadSnapshot(*bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Msg(r.status()), Catch::Contains("'unregistered_gen'"));
}

// ---- FaultInjectingContents. ----

TEST_CASE("A FaultPlan fails the Nth matching call, once or from then on, and counts",
          "[backends][fault]") {
  auto plan = std::make_shared<FaultPlan>();
  FaultInjectingContents f(std::make_unique<MemoryContents>(S("0123456789")), plan);
  auto write = [&](filesize_t off) { return f.Write(off, S("w")); };

  SECTION("a new plan fails nothing and counts nothing") {
    CHECK(write(0).ok());
    CHECK(f.Resize(20) == Errno::kSuccess);
    CHECK(plan->calls_seen() == 0);
    CHECK(plan->faults_injected() == 0);
  }
  SECTION("transient: the third write fails once, later ones succeed") {
    REQUIRE(plan->Arm(FaultMode::kTransient, 3, fault_method::kWrite, Errno::kIo).ok());
    CHECK(write(0).ok());
    CHECK(f.Resize(12) == Errno::kSuccess);  // not in the mask: not counted
    CHECK(write(1).ok());
    Result<size_t> third = write(2);
    REQUIRE_FALSE(third.ok());
    CHECK(third.error() == Errno::kIo);
    CHECK(write(3).ok());
    CHECK(write(4).ok());
    CHECK(plan->calls_seen() == 5);
    CHECK(plan->faults_injected() == 1);
    CHECK(ReadString(f, 0, 20) == std::string("ww2ww56789\0\0", 12));
  }
  SECTION("persistent: the second matching call and every later one fail") {
    REQUIRE(plan->Arm(FaultMode::kPersistent, 2,
                      fault_method::kWrite | fault_method::kResize, Errno::kNospc)
                .ok());
    CHECK(write(0).ok());
    CHECK(f.Resize(5) == Errno::kNospc);
    CHECK(write(1).error() == Errno::kNospc);
    CHECK(f.Resize(1) == Errno::kNospc);
    CHECK(f.Allocate(0, 50) == Errno::kSuccess);  // not in the mask
    CHECK(plan->calls_seen() == 4);
    CHECK(plan->faults_injected() == 3);
    CHECK(f.Size() == 50);
    CHECK(ReadString(f, 0, 10) == "w123456789");
    plan->Disarm();
    CHECK(write(1).ok());
    CHECK(plan->faults_injected() == 3);  // Disarm keeps the counters
  }
  SECTION("reads and syncs can fail too, with any errno") {
    REQUIRE(plan->Arm(FaultMode::kTransient, 1, fault_method::kSync, Errno::kFbig).ok());
    CHECK(f.Sync() == Errno::kFbig);
    CHECK(f.Sync() == Errno::kSuccess);
    REQUIRE(plan->Arm(FaultMode::kPersistent, 1, fault_method::kRead, Errno::kIo).ok());
    uint8_t buf[4];
    CHECK(f.Read(0, absl::MakeSpan(buf)).error() == Errno::kIo);
    CHECK(f.Read(0, absl::MakeSpan(buf)).error() == Errno::kIo);
    CHECK(plan->faults_injected() == 2);
  }
  SECTION("counting mode counts matching calls and fails none") {
    plan->Count(fault_method::kMutating);
    CHECK(write(0).ok());
    CHECK(f.Resize(3) == Errno::kSuccess);
    CHECK(f.Allocate(0, 8) == Errno::kSuccess);
    CHECK(f.Sync() == Errno::kSuccess);  // not mutating
    CHECK(ReadString(f, 0, 10) == std::string("w12\0\0\0\0\0", 8));
    CHECK(plan->calls_seen() == 3);
    CHECK(plan->faults_injected() == 0);
  }
  SECTION("Arm refuses plans that cannot fail anything") {
    CHECK_FALSE(plan->Arm(FaultMode::kCount, 1, fault_method::kWrite, Errno::kIo).ok());
    CHECK_FALSE(plan->Arm(FaultMode::kTransient, 0, fault_method::kWrite, Errno::kIo).ok());
    CHECK_FALSE(plan->Arm(FaultMode::kTransient, 1, 0, Errno::kIo).ok());
    CHECK_FALSE(plan->Arm(FaultMode::kTransient, 1, 1u << 20, Errno::kIo).ok());
    CHECK_FALSE(plan->Arm(FaultMode::kTransient, 1, fault_method::kWrite, Errno::kSuccess).ok());
    CHECK(write(0).ok());  // still disarmed
  }
}

TEST_CASE("An injected fault never reaches the inner contents", "[backends][fault][tracing]") {
  auto plan = std::make_shared<FaultPlan>();
  auto sink = std::make_shared<TraceSink>();
  auto traced = std::make_unique<TracingContents>(std::make_unique<MemoryContents>(S("abc")), sink);
  const TracingContents* inner = traced.get();
  FaultInjectingContents f(std::move(traced), plan);
  REQUIRE(plan->Arm(FaultMode::kPersistent, 1, fault_method::kAll, Errno::kIo).ok());
  CHECK(f.Write(0, S("x")).error() == Errno::kIo);
  CHECK(f.Resize(0) == Errno::kIo);
  CHECK(f.Allocate(0, 10) == Errno::kIo);
  CHECK(f.Sync() == Errno::kIo);
  uint8_t buf[3];
  CHECK(f.Read(0, absl::MakeSpan(buf)).error() == Errno::kIo);
  const TraceCounts n = inner->counts();
  CHECK(n.read + n.write + n.resize + n.allocate + n.sync == 0);
  CHECK(sink->Text().empty());
  plan->Disarm();
  CHECK(ReadString(f, 0, 10) == "abc");
  CHECK(inner->counts().read == 1);
}

TEST_CASE("Cloning a decorated file clones the inner contents without the decoration",
          "[backends][fault]") {
  auto plan = std::make_shared<FaultPlan>();
  FaultInjectingContents f(std::make_unique<MemoryContents>(S("abc")), plan);
  REQUIRE(plan->Arm(FaultMode::kPersistent, 1, fault_method::kAll, Errno::kIo).ok());
  std::unique_ptr<FileContents> clone = f.Clone();
  CHECK(dynamic_cast<FaultInjectingContents*>(clone.get()) == nullptr);
  CHECK(clone->backend_name() == "memory");
  CHECK(clone->Write(3, S("d")).ok());
  CHECK(ReadString(*clone, 0, 10) == "abcd");
  CHECK(plan->calls_seen() == 0);  // the clone never consults the plan
  CHECK(f.Write(0, S("x")).error() == Errno::kIo);
}

namespace {
// What a successful pwrite of `data` at `off` does to a file's bytes.
void PutAt(std::string& m, size_t off, std::string_view data) {
  if (m.size() < off + data.size()) m.resize(off + data.size(), '\0');
  m.replace(off, data.size(), data);
}
}  // namespace

TEST_CASE("Every injection point of a script through a Context fails cleanly in both modes",
          "[backends][fault][f6]") {
  // Each step is one Context call; it must return success or exactly the
  // injected errno, and a failed step must change nothing (the model takes
  // only the steps that succeeded).
  struct Step {
    const char* what;
    std::function<Errno(Context&, fd_t)> run;
    std::function<void(std::string&)> apply;
  };
  const std::vector<Step> script = {
      {"write", [](Context& c, fd_t fd) {
         Result<size_t> n = PWrite(c, fd, "hello", 0);
         return n.ok() ? Errno::kSuccess : n.error();
       }, [](std::string& m) { PutAt(m, 0, "hello"); }},
      {"sparse pwrite", [](Context& c, fd_t fd) {
         Result<size_t> n = PWrite(c, fd, "far", 100000);
         return n.ok() ? Errno::kSuccess : n.error();
       }, [](std::string& m) { PutAt(m, 100000, "far"); }},
      {"read", [](Context& c, fd_t fd) {
         Result<std::string> s = PRead(c, fd, 10, 0);
         return s.ok() ? Errno::kSuccess : s.error();
       }, [](std::string&) {}},
      {"truncate", [](Context& c, fd_t fd) { return c.fd_filestat_set_size(fd, 3); },
       [](std::string& m) { m.resize(3); }},
      {"allocate", [](Context& c, fd_t fd) { return c.fd_allocate(fd, 0, 50); },
       [](std::string& m) { m.resize(std::max<size_t>(m.size(), 50), '\0'); }},
      {"sync", [](Context& c, fd_t fd) { return c.fd_sync(fd); }, [](std::string&) {}},
      {"append", [](Context& c, fd_t fd) {
         Result<size_t> n = PWrite(c, fd, "end", 50);
         return n.ok() ? Errno::kSuccess : n.error();
       }, [](std::string& m) { PutAt(m, 50, "end"); }},
  };
  auto plan = std::make_shared<FaultPlan>();
  // Runs the script on a fresh sandbox; returns the failed steps' count.
  auto run = [&](Errno injected) {
    Sandbox sb;
    REQUIRE(sb.fs().AddFile("base/f", std::make_unique<FaultInjectingContents>(
                                          std::make_unique<MemoryContents>(S("initial!")),
                                          plan)).ok());
    Context& c = sb.ctx();
    Result<fd_t> opened = Open(c, sb.base(), "f");
    REQUIRE(opened.ok());
    const fd_t fd = *opened;
    std::string model = "initial!";
    int failed = 0;
    for (const Step& step : script) {
      const Errno e = step.run(c, fd);
      INFO(step.what << " -> " << ErrnoName(e));
      CHECK((e == Errno::kSuccess || e == injected));
      if (e == Errno::kSuccess) {
        step.apply(model);
      } else {
        ++failed;
      }
    }
    plan->Disarm();  // so that the checking reads are not failed (counters stay)
    CHECK(*sb.fs().ReadFile("base/f") == model);
    CHECK(sb.fs().Fsck().ok());
    return failed;
  };
  // Counting mode: learn N, the number of injection points of the script.
  plan->Count(fault_method::kAll);
  REQUIRE(run(Errno::kSuccess) == 0);
  const uint64_t n_points = plan->calls_seen();
  REQUIRE(n_points >= script.size());
  int runs = 0;
  for (FaultMode mode : {FaultMode::kTransient, FaultMode::kPersistent}) {
    for (uint64_t n = 1; n <= n_points; ++n) {
      INFO("mode " << (mode == FaultMode::kTransient ? "transient" : "persistent")
                   << ", injection point " << n << " of " << n_points);
      REQUIRE(plan->Arm(mode, n, fault_method::kAll, Errno::kIo).ok());
      const int failed = run(Errno::kIo);
      // The fault fired at its point: at least one call failed, and a
      // transient fault failed exactly one.
      CHECK(failed >= 1);
      if (mode == FaultMode::kTransient) CHECK(failed == 1);
      // Each step makes one backend call, so every injected fault is one
      // failed step: no fault was swallowed or turned into success.
      CHECK(plan->faults_injected() == static_cast<uint64_t>(failed));
      ++runs;
    }
  }
  WARN("fault injection: " << runs << " runs over " << n_points << " injection points");
}

// ---- TracingContents. ----

TEST_CASE("TracingContents logs one line per call in the documented format",
          "[backends][tracing]") {
  auto sink = std::make_shared<TraceSink>();
  TracingContents t(std::make_unique<MemoryContents>(S("0123456789")), sink, "a.txt");
  uint8_t buf[4];
  (void)t.Read(8, absl::MakeSpan(buf));
  (void)t.Write(2, S("xyz"));
  (void)t.Resize(4);
  (void)t.Allocate(10, 6);
  (void)t.Sync();
  (void)t.Clone();
  CHECK(sink->Text() ==
        "a.txt: read offset=8 length=4 -> 2\n"
        "a.txt: write offset=2 length=3 -> 3\n"
        "a.txt: resize size=4 -> ok\n"
        "a.txt: allocate offset=10 length=6 -> ok\n"
        "a.txt: sync -> ok\n"
        "a.txt: clone -> ok\n");
  const TraceCounts n = t.counts();
  CHECK(n.read == 1);
  CHECK(n.write == 1);
  CHECK(n.resize == 1);
  CHECK(n.allocate == 1);
  CHECK(n.sync == 1);
  CHECK(n.clone == 1);
  CHECK(sink->lines() == 6);
  CHECK(sink->TakeText().size() > 0);
  CHECK(sink->Text().empty());

  SECTION("errors are logged by errno name, without a label when none is given") {
    static const uint8_t kRo[] = {'r', 'o'};
    TracingContents ro(std::make_unique<BlobContents>(absl::MakeConstSpan(kRo)), sink);
    (void)ro.Write(0, S("x"));
    (void)ro.Resize(0);
    CHECK(sink->Text() ==
          "write offset=0 length=1 -> error notsup\n"
          "resize size=0 -> error notsup\n");
    CHECK(ro.counts().write == 1);
  }
  SECTION("a callback sink receives lines without newlines, from many threads") {
    std::vector<std::string> lines;
    auto cb_sink = std::make_shared<TraceSink>(
        [&lines](std::string_view line) { lines.emplace_back(line); });
    TracingContents a(std::make_unique<MemoryContents>(S("aaaa")), cb_sink, "a");
    TracingContents b(std::make_unique<MemoryContents>(S("bbbb")), cb_sink, "b");
    std::thread ta([&] { for (int i = 0; i < 500; ++i) (void)a.Read(0, absl::MakeSpan(buf, 1)); });
    uint8_t other[1];
    std::thread tb([&] { for (int i = 0; i < 500; ++i) (void)b.Read(1, absl::MakeSpan(other)); });
    ta.join();
    tb.join();
    REQUIRE(lines.size() == 1000);
    CHECK(cb_sink->lines() == 1000);
    CHECK(cb_sink->Text().empty());
    size_t from_a = 0;
    for (const std::string& l : lines) {
      if (l == "a: read offset=0 length=1 -> 1") {
        ++from_a;
      } else {
        CHECK(l == "b: read offset=1 length=1 -> 1");
      }
    }
    CHECK(from_a == 500);
  }
  SECTION("a traced file in a Filesystem shows the calls the core makes") {
    Sandbox sb;
    auto s2 = std::make_shared<TraceSink>();
    REQUIRE(sb.fs().AddFile("base/t", std::make_unique<TracingContents>(
                                          std::make_unique<MemoryContents>(S("hello")), s2, "t"))
                .ok());
    const fd_t fd = ValueOrDefault(Open(sb.ctx(), sb.base(), "t"));
    CHECK(ValueOrDefault(PWrite(sb.ctx(), fd, "J", 0)) == 1);
    REQUIRE_OK(sb.ctx().fd_filestat_set_size(fd, 2));
    CHECK(s2->Text() ==
          "t: write offset=0 length=1 -> 1\n"
          "t: resize size=2 -> ok\n");
    // A snapshot saves the inner memory contents and does not go through
    // the tracer's Read.
    absl::StatusOr<std::string> bytes = SaveSnapshot(sb.fs());
    REQUIRE(bytes.ok());
    CHECK(InspectSnapshot(*bytes)->files_by_backend["memory"] == 1);
    CHECK(s2->lines() == 2);
  }
}

// ---- Codecs with hostile payloads. ----

TEST_CASE("Hostile blob payloads are refused with an error, not a crash or a big allocation",
          "[backends][blob][codec][hostile]") {
  const BackendCodec& codec = GlobalCodec("blob");
  CHECK(codec.version == 1);
  const std::string good = Payload([](SnapshotWriter& w) {
    w.U64(5);
    w.Raw(S("abcde"));
  });
  std::unique_ptr<FileContents> loaded;
  REQUIRE(TryLoad(codec, 1, good, filesize_t{1} << 40, &loaded).ok());
  REQUIRE(loaded != nullptr);
  CHECK(loaded->backend_name() == "blob");
  CHECK(ReadString(*loaded, 0, 10) == "abcde");
  // The restored blob owns a copy, not the snapshot's buffer.
  CHECK(dynamic_cast<const BlobContents&>(*loaded).bytes().data() !=
        reinterpret_cast<const uint8_t*>(good.data()) + kMarker + 8);

  for (size_t len = kMarker; len < good.size(); ++len) {
    INFO("prefix of " << len << " bytes");
    const absl::Status s = TryLoad(codec, 1, good.substr(0, len));
    CHECK(s.code() == absl::StatusCode::kDataLoss);
  }
  // Larger than the limit: refused before looking at the bytes.
  const std::string huge = Payload([](SnapshotWriter& w) { w.U64(uint64_t{1} << 62); });
  CHECK(TryLoad(codec, 1, huge).code() == absl::StatusCode::kOutOfRange);
  CHECK(TryLoad(codec, 1, good, 4).code() == absl::StatusCode::kOutOfRange);
  // Within the limit but beyond the payload: refused before allocating
  // (ASan would abort on a 2^39-byte allocation).
  const std::string lying = Payload([](SnapshotWriter& w) {
    w.U64(uint64_t{1} << 39);
    w.Raw(S("only a few bytes"));
  });
  const absl::Status s = TryLoad(codec, 1, lying);
  CHECK(s.code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(Msg(s), Catch::Contains("remain"));
  CHECK(TryLoad(codec, 2, good).code() == absl::StatusCode::kUnimplemented);

  SECTION("through a whole snapshot, the file size limit of the loader applies") {
    Sandbox sb;
    auto owner = std::make_shared<std::string>(5000, 'b');
    REQUIRE(sb.fs().AddFile("base/b", std::make_unique<BlobContents>(S(*owner), owner)).ok());
    absl::StatusOr<std::string> bytes = SaveSnapshot(sb.fs());
    REQUIRE(bytes.ok());
    LoadOptions lo;
    lo.fs.max_file_size = 4096;
    absl::StatusOr<LiveState> r = LoadSnapshot(*bytes, lo);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kOutOfRange);
    CHECK_THAT(Msg(r.status()), Catch::Contains("'blob'"));
  }
}

TEST_CASE("Hostile generated payloads are refused with an error, not a crash",
          "[backends][generated][codec][hostile]") {
  const BackendCodec& codec = GlobalCodec("generated");
  const std::string good = Payload([](SnapshotWriter& w) {
    w.String("seeded_random");
    w.String("12");
    w.U64(100);
  });
  std::unique_ptr<FileContents> loaded;
  REQUIRE(TryLoad(codec, 1, good, filesize_t{1} << 40, &loaded).ok());
  CHECK(ReadString(*loaded, 0, 200) == ReadString(*MakeSeededRandomContents(12, 100), 0, 200));

  for (size_t len = kMarker; len < good.size(); ++len) {
    INFO("prefix of " << len << " bytes");
    CHECK(TryLoad(codec, 1, good.substr(0, len)).code() == absl::StatusCode::kDataLoss);
  }
  auto make = [](uint64_t name_len, std::string_view name, std::string_view param,
                 uint64_t size) {
    return Payload([&](SnapshotWriter& w) {
      w.U64(name_len);
      w.Raw(S(name));
      w.String(param);
      w.U64(size);
    });
  };
  // A name length far beyond the limit, with nothing behind it.
  CHECK(TryLoad(codec, 1, make(uint64_t{1} << 60, "", "", 1)).code() ==
        absl::StatusCode::kDataLoss);
  CHECK(TryLoad(codec, 1, make(65, std::string(65, 'n'), "", 1)).code() ==
        absl::StatusCode::kDataLoss);
  // A parameter length beyond its limit.
  const std::string long_param = Payload([](SnapshotWriter& w) {
    w.String("zero");
    w.U64(kMaxGeneratorParameterLength + 1);
  });
  CHECK(TryLoad(codec, 1, long_param).code() == absl::StatusCode::kDataLoss);
  // A size beyond the limit; at the limit it costs nothing.
  CHECK(TryLoad(codec, 1, make(4, "zero", "", (uint64_t{1} << 40) + 1)).code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(TryLoad(codec, 1, make(4, "zero", "", uint64_t{1} << 40)).ok());
  // Unknown generator and refused parameter.
  const absl::Status unknown = TryLoad(codec, 1, make(7, "nothere", "", 1));
  CHECK(unknown.code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Msg(unknown), Catch::Contains("'nothere'"));
  CHECK(TryLoad(codec, 1, make(13, "seeded_random", "seed", 1)).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(TryLoad(codec, 7, good).code() == absl::StatusCode::kUnimplemented);
}

TEST_CASE("MaterializingCodec saves any contents as bytes and restores a memory file",
          "[backends][host_file][codec][hostile]") {
  CHECK(BackendRegistry::Global().Find("host_file") != nullptr);
  const BackendCodec codec = MaterializingCodec("materialized");
  CHECK(codec.name == "materialized");
  // A sparse source: the zero run in the middle comes back as a hole.
  MemoryContents src;
  REQUIRE(src.Write(0, S("head")).ok());
  REQUIRE(src.Write(5 * MemoryContents::kChunkSize + 1, S("tail")).ok());
  std::string payload;
  {
    SnapshotWriter w(&payload);
    REQUIRE(codec.save(src, w).ok());
  }
  CHECK(payload.size() == kMarker + 8 + src.Size());
  std::unique_ptr<FileContents> loaded;
  REQUIRE(TryLoad(codec, 1, payload, filesize_t{1} << 40, &loaded).ok());
  REQUIRE(loaded->backend_name() == "memory");
  CHECK(loaded->Size() == src.Size());
  CHECK(ReadString(*loaded, 0, src.Size()) == ReadString(src, 0, src.Size()));
  CHECK(dynamic_cast<const MemoryContents&>(*loaded).allocated_bytes() <=
        2 * MemoryContents::kChunkSize);
  CHECK(loaded->capabilities().writable);

  SECTION("a source whose reads fail cannot be saved") {
    auto plan = std::make_shared<FaultPlan>();
    FaultInjectingContents failing(std::make_unique<MemoryContents>(S("data")), plan);
    REQUIRE(plan->Arm(FaultMode::kPersistent, 1, fault_method::kRead, Errno::kIo).ok());
    std::string out;
    SnapshotWriter w(&out);
    const absl::Status s = codec.save(failing, w);
    CHECK(s.code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(Msg(s), Catch::Contains("offset 0"));
  }
  SECTION("truncated, oversized and lying payloads are refused") {
    for (size_t len : {kMarker, kMarker + 7, kMarker + 8, kMarker + 9, payload.size() - 1}) {
      INFO("prefix of " << len << " bytes");
      CHECK(TryLoad(codec, 1, payload.substr(0, len)).code() == absl::StatusCode::kDataLoss);
    }
    CHECK(TryLoad(codec, 1, payload, 100).code() == absl::StatusCode::kOutOfRange);
    const std::string lying = Payload([](SnapshotWriter& w) { w.U64(uint64_t{1} << 39); });
    CHECK(TryLoad(codec, 1, lying).code() == absl::StatusCode::kDataLoss);
    CHECK(TryLoad(codec, 2, payload).code() == absl::StatusCode::kUnimplemented);
  }
}

}  // namespace vfs::testing
