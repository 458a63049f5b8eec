// HostFileContents (backends/host_file_contents.h) and ImportHostTree
// (backends/host_tree_import.h) against real files in a temporary host
// directory: lazy reads through a Filesystem and a Context, copy-on-write
// (the host file never changes; chunk-granular copies; shrink then grow reads
// zeros; clones are independent), write-through (guest writes and
// truncations reach the host), errors naming the path, snapshots, and a lazy
// import of a sparse 1 GiB file that reads nothing.
//
// "Reads nothing" is measured with HostFileContents::host_bytes_read(), the
// process-wide count of bytes read from host files.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "backends/host_file_contents.h"
#include "backends/host_tree_import.h"
#include "backends/memory_contents.h"
#include "serialize/backend_registry.h"
#include "serialize/fork.h"
#include "serialize/snapshot.h"
#include "tests/support/temp_dir.h"
#include "tests/support/contents_conformance.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

namespace stdfs = std::filesystem;

constexpr filesize_t kChunk = HostFileContents::kChunkSize;

// Deterministic bytes, never zero, so a zero read from a gap is never data.
std::string Pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>('a' + (x >> 24) % 26);
  }
  return s;
}

absl::Span<const uint8_t> B(std::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::unique_ptr<HostFileContents> OpenHost(const std::string& path,
                                           HostFileMode mode = HostFileMode::kCopyOnWrite) {
  absl::StatusOr<std::unique_ptr<HostFileContents>> c = HostFileContents::Open(path, mode);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  return *std::move(c);
}

void Put(FileContents& c, filesize_t off, std::string_view s) {
  Result<size_t> n = c.Write(off, B(s));
  INFO("write at " << off << " -> " << (n.ok() ? "ok" : ErrnoName(n.error())));
  REQUIRE(n.ok());
  REQUIRE(*n == s.size());
}

std::string Get(const FileContents& c, filesize_t off, size_t len) {
  std::string out(len, '\x7f');
  Result<size_t> n = c.Read(off, absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), len));
  INFO("read at " << off << " -> " << (n.ok() ? "ok" : ErrnoName(n.error())));
  REQUIRE(n.ok());
  REQUIRE(*n <= len);
  out.resize(*n);
  return out;
}

std::string All(const FileContents& c) { return Get(c, 0, static_cast<size_t>(c.Size())); }

// Applies Resize to a std::string model of a file.
void ModelResize(std::string& model, filesize_t size) { model.resize(static_cast<size_t>(size), '\0'); }

void ModelWrite(std::string& model, filesize_t off, std::string_view s) {
  if (model.size() < off + s.size()) model.resize(static_cast<size_t>(off + s.size()), '\0');
  model.replace(static_cast<size_t>(off), s.size(), s);
}

// A codec for "host_file" in a local registry, used only if the global one
// lacks it: the bytes, restored as memory.
void RegisterLocalHostFileCodec(BackendRegistry& registry) {
  BackendCodec codec;
  codec.name = "host_file";
  codec.version = 1;
  codec.save = [](const FileContents& c, SnapshotWriter& w) -> absl::Status {
    std::string bytes(static_cast<size_t>(c.Size()), '\0');
    Result<size_t> n =
        c.Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
    if (!n.ok() || *n != bytes.size()) return absl::DataLossError("host file read failed");
    w.String(bytes);
    return absl::OkStatus();
  };
  codec.load = [](uint32_t version, SnapshotReader& r, const PayloadLimits& limits)
      -> absl::StatusOr<std::unique_ptr<FileContents>> {
    if (version != 1) return absl::UnimplementedError("unknown host_file version");
    const uint64_t size = r.U64();
    if (size > limits.max_file_size || size > r.remaining()) {
      return absl::DataLossError("host_file payload too large");
    }
    return std::unique_ptr<FileContents>(std::make_unique<MemoryContents>(r.Raw(size)));
  };
  REQUIRE(registry.Register(std::move(codec)).ok());
}

}  // namespace

TEST_CASE("Opening a host file records its size and reads nothing", "[host_file]") {
  TempDir dir("vfs-host-file");
  WriteHostFile(dir / "f", Pattern(3 * kChunk + 17, 1));
  const uint64_t before = HostFileContents::host_bytes_read();
  auto c = OpenHost(dir / "f");
  CHECK(HostFileContents::host_bytes_read() == before);
  CHECK(c->Size() == 3 * kChunk + 17);
  CHECK(c->backend_name() == "host_file");
  CHECK(c->mode() == HostFileMode::kCopyOnWrite);
  CHECK(c->host_path() == dir / "f");
  CHECK(c->capabilities().writable);
  CHECK(c->capabilities().resizable);
  CHECK(c->overlay_bytes() == 0);
}

TEST_CASE("A host file is read on demand through path_open and fd_read", "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string bytes = Pattern(3 * kChunk + 17, 2);
  WriteHostFile(dir / "f", bytes);
  Sandbox sb;
  const uint64_t at_start = HostFileContents::host_bytes_read();
  REQUIRE(sb.fs().AddFile("base/f", OpenHost(dir / "f")).ok());
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), "f");
  REQUIRE(fd.ok());
  CHECK(HostFileContents::host_bytes_read() == at_start);

  // A small read costs exactly its own bytes, not the file.
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 10, 2 * kChunk + 3)) == bytes.substr(2 * kChunk + 3, 10));
  CHECK(HostFileContents::host_bytes_read() == at_start + 10);

  CHECK(ValueOrDefault(ReadAll(sb.ctx(), *fd)) == bytes);
  // At and past the end: 0 bytes; across the end: short.
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 10, bytes.size())).empty());
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 10, bytes.size() + 100)).empty());
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 10, bytes.size() - 4)) == bytes.substr(bytes.size() - 4));
  Result<std::string> rest = ReadAll(sb.ctx(), *fd);  // the offset is at the end
  REQUIRE(rest.ok());
  CHECK(rest->empty());
  REQUIRE_OK(sb.ctx().fd_close(*fd));
}

TEST_CASE("Copy-on-write: guest writes are visible to the guest and never reach the host",
          "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string original = Pattern(2 * kChunk + 500, 3);
  WriteHostFile(dir / "f", original);
  Sandbox sb;
  REQUIRE(sb.fs().AddFile("base/f", OpenHost(dir / "f")).ok());
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), "f");
  REQUIRE(fd.ok());
  std::string model = original;

  CHECK(ValueOrDefault(PWrite(sb.ctx(), *fd, "HELLO", 100)) == 5);
  ModelWrite(model, 100, "HELLO");
  CHECK(ValueOrDefault(PWrite(sb.ctx(), *fd, "tail!", model.size())) == 5);
  ModelWrite(model, model.size(), "tail!");
  REQUIRE_OK(sb.ctx().fd_sync(*fd));
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, model.size() + 10, 0)) == model);
  absl::StatusOr<std::string> via_host_api = sb.fs().ReadFile("base/f");
  REQUIRE(via_host_api.ok());
  CHECK(*via_host_api == model);

  REQUIRE_OK(sb.ctx().fd_filestat_set_size(*fd, 50));
  model.resize(50);
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 1000, 0)) == model);

  // The host file is byte-identical, at the same size.
  CHECK(ReadHostFile(dir / "f") == original);
  CHECK(stdfs::file_size(dir / "f") == original.size());
  REQUIRE_OK(sb.ctx().fd_close(*fd));
}

TEST_CASE("Copy-on-write: a write past the end leaves a zero gap", "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string original = Pattern(100, 4);
  WriteHostFile(dir / "f", original);
  auto c = OpenHost(dir / "f");
  const filesize_t off = GENERATE(filesize_t{101}, kChunk - 2, 3 * kChunk + 5);
  INFO("offset " << off);
  Put(*c, off, "xyz");
  std::string model = original;
  ModelWrite(model, off, "xyz");
  CHECK(c->Size() == off + 3);
  CHECK(All(*c) == model);
  CHECK(Get(*c, 100, static_cast<size_t>(off - 100)) == std::string(off - 100, '\0'));
  CHECK(ReadHostFile(dir / "f") == original);
}

TEST_CASE("Copy-on-write: truncating down then up reads zeros where the host still has data",
          "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string original = Pattern(3 * kChunk + 100, 5);
  WriteHostFile(dir / "f", original);
  const filesize_t cut =
      GENERATE(filesize_t{0}, filesize_t{1}, kChunk - 1, kChunk, kChunk + 10, 2 * kChunk + 5);
  // Whether the chunks around the cut were copied into memory first: the
  // discarded range must read as zeros either way.
  const bool written_first = GENERATE(false, true);
  INFO("cut at " << cut << (written_first ? ", after writes" : ""));
  auto c = OpenHost(dir / "f");
  std::string model = original;
  if (written_first) {
    for (filesize_t off : {filesize_t{0}, kChunk + 5, 2 * kChunk + 7, 3 * kChunk + 1}) {
      Put(*c, off, "W");
      ModelWrite(model, off, "W");
    }
  }
  REQUIRE_OK(c->Resize(cut));
  ModelResize(model, cut);
  CHECK(All(*c) == model);
  REQUIRE_OK(c->Resize(original.size()));
  ModelResize(model, original.size());
  CHECK(c->Size() == original.size());
  CHECK(All(*c) == model);
  CHECK(Get(*c, cut, static_cast<size_t>(original.size() - cut)) ==
        std::string(original.size() - cut, '\0'));

  SECTION("a write into the regrown range keeps the rest zero") {
    Put(*c, 2 * kChunk + 50, "Z");
    ModelWrite(model, 2 * kChunk + 50, "Z");
    CHECK(All(*c) == model);
  }
  SECTION("Allocate grows with zeros too") {
    REQUIRE_OK(c->Resize(cut));
    REQUIRE_OK(c->Allocate(0, original.size() + 10));
    ModelResize(model, cut);
    ModelResize(model, original.size() + 10);
    CHECK(All(*c) == model);
    REQUIRE_OK(c->Allocate(0, 1));  // never shrinks
    CHECK(c->Size() == original.size() + 10);
  }
  CHECK(ReadHostFile(dir / "f") == original);
}

TEST_CASE("Copy-on-write: a write copies only the chunks it covers in part", "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string original = Pattern(4 * kChunk, 6);
  WriteHostFile(dir / "f", original);
  auto c = OpenHost(dir / "f");
  std::string model = original;

  // Straddling the boundary between chunks 0 and 1: both copied.
  uint64_t before = HostFileContents::host_bytes_read();
  Put(*c, kChunk - 5, "0123456789");
  ModelWrite(model, kChunk - 5, "0123456789");
  CHECK(HostFileContents::host_bytes_read() - before == 2 * kChunk);
  CHECK(c->overlay_bytes() == 2 * kChunk);

  // Chunk 2 entirely: nothing to copy from the host.
  before = HostFileContents::host_bytes_read();
  const std::string whole = Pattern(kChunk, 7);
  Put(*c, 2 * kChunk, whole);
  ModelWrite(model, 2 * kChunk, whole);
  CHECK(HostFileContents::host_bytes_read() == before);
  CHECK(c->overlay_bytes() == 3 * kChunk);

  // A chunk already in memory is not copied again.
  before = HostFileContents::host_bytes_read();
  Put(*c, kChunk + 100, "again");
  ModelWrite(model, kChunk + 100, "again");
  CHECK(HostFileContents::host_bytes_read() == before);

  CHECK(All(*c) == model);
  // Reads mixing memory and host chunks, across each boundary.
  for (filesize_t b = kChunk; b < 4 * kChunk; b += kChunk) {
    CHECK(Get(*c, b - 3, 6) == model.substr(b - 3, 6));
  }
  CHECK(ReadHostFile(dir / "f") == original);
}

TEST_CASE("Copy-on-write agrees with a byte model under random operations", "[host_file]") {
  const uint32_t seed = GENERATE(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u);
  INFO("seed " << seed);
  TempDir dir("vfs-host-file");
  std::mt19937 rng(seed);
  const std::string original = Pattern(rng() % (4 * kChunk), seed);
  WriteHostFile(dir / "f", original);
  std::unique_ptr<FileContents> c = OpenHost(dir / "f");
  std::string model = original;
  // Offsets near chunk boundaries are where the bugs would be.
  // Offsets stay below about 10 chunks so the model stays small.
  auto offset = [&]() -> filesize_t {
    if (rng() % 2 == 0) return rng() % (std::min<filesize_t>(model.size(), 8 * kChunk) + 2 * kChunk);
    const filesize_t v = (rng() % 6) * kChunk + rng() % 7;
    return v >= 3 ? v - 3 : v;
  };
  for (int step = 0; step < 200; ++step) {
    switch (rng() % 6) {
      case 0:
      case 1: {
        const filesize_t off = offset();
        const std::string data = Pattern(1 + rng() % (kChunk + kChunk / 2), seed * 1000 + step);
        Put(*c, off, data);
        ModelWrite(model, off, data);
        break;
      }
      case 2: {
        const filesize_t size = offset();
        REQUIRE_OK(c->Resize(size));
        ModelResize(model, size);
        break;
      }
      case 3: {
        const filesize_t off = offset();
        const filesize_t len = rng() % kChunk;
        REQUIRE_OK(c->Allocate(off, len));
        if (off + len > model.size()) ModelResize(model, off + len);
        break;
      }
      case 4: {
        // Continue on a clone; the abandoned original must be unaffected by
        // what the clone does next (checked at once, then dropped).
        std::unique_ptr<FileContents> clone = c->Clone();
        std::string clone_model = model;
        const filesize_t off = offset();
        Put(*clone, off, "clone-write");
        ModelWrite(clone_model, off, "clone-write");
        CHECK(All(*c) == model);
        c = std::move(clone);
        model = std::move(clone_model);
        break;
      }
      default: {
        const filesize_t off = offset();
        const size_t len = rng() % (3 * kChunk);
        const std::string want =
            off >= model.size() ? "" : model.substr(static_cast<size_t>(off), len);
        CHECK(Get(*c, off, len) == want);
        break;
      }
    }
    REQUIRE(c->Size() == model.size());
  }
  CHECK(All(*c) == model);
  CHECK(ReadHostFile(dir / "f") == original);
}

TEST_CASE("A clone of a copy-on-write host file is independent of the original",
          "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string original = Pattern(2 * kChunk + 9, 8);
  WriteHostFile(dir / "f", original);
  auto c = OpenHost(dir / "f");
  Put(*c, 10, "before-clone");
  std::string model = original;
  ModelWrite(model, 10, "before-clone");

  std::unique_ptr<FileContents> clone = c->Clone();
  CHECK(clone->backend_name() == "host_file");
  CHECK(All(*clone) == model);

  std::string clone_model = model;
  Put(*clone, 12, "CLONE");
  ModelWrite(clone_model, 12, "CLONE");
  Put(*clone, kChunk + 1, "C2");
  ModelWrite(clone_model, kChunk + 1, "C2");
  CHECK(All(*c) == model);

  Put(*c, 11, "ORIG");
  ModelWrite(model, 11, "ORIG");
  REQUIRE_OK(c->Resize(5));
  ModelResize(model, 5);
  CHECK(All(*clone) == clone_model);
  CHECK(All(*c) == model);
  c.reset();  // the clone keeps the host descriptor alive
  CHECK(All(*clone) == clone_model);
  CHECK(ReadHostFile(dir / "f") == original);
}

TEST_CASE("A fork of a filesystem holding host files is independent", "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string original = Pattern(kChunk + 300, 9);
  WriteHostFile(dir / "f", original);
  Sandbox sb;
  REQUIRE(sb.fs().AddFile("base/f", OpenHost(dir / "f")).ok());
  Context* contexts[] = {&sb.ctx()};
  absl::StatusOr<LiveState> fork = Fork(sb.fs(), contexts);
  REQUIRE(fork.ok());
  Context& fctx = *fork->contexts[0];
  Result<fd_t> ffd = Open(fctx, sb.base(), "f");
  REQUIRE(ffd.ok());
  CHECK(ValueOrDefault(PWrite(fctx, *ffd, "FORK", kChunk - 2)) == 4);
  std::string forked = original;
  ModelWrite(forked, kChunk - 2, "FORK");
  CHECK(ValueOrDefault(ReadAll(fctx, *ffd)) == forked);
  REQUIRE_OK(fctx.fd_close(*ffd));
  CHECK(*fork->fs->ReadFile("base/f") == forked);
  CHECK(*sb.fs().ReadFile("base/f") == original);
  CHECK(ReadHostFile(dir / "f") == original);
  CHECK(fork->fs->Fsck().ok());
}

TEST_CASE("Write-through: a guest write changes the host file", "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string original = Pattern(kChunk + 10, 10);
  WriteHostFile(dir / "f", original);
  Sandbox sb;
  REQUIRE(sb.fs().AddFile("base/f", OpenHost(dir / "f", HostFileMode::kWriteThrough)).ok());
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), "f");
  REQUIRE(fd.ok());
  std::string model = original;
  CHECK(ValueOrDefault(PWrite(sb.ctx(), *fd, "THROUGH", kChunk - 3)) == 7);
  ModelWrite(model, kChunk - 3, "THROUGH");
  CHECK(ReadHostFile(dir / "f") == model);
  // Past the end: the host file grows, with a zero gap.
  CHECK(ValueOrDefault(PWrite(sb.ctx(), *fd, "end", model.size() + 20)) == 3);
  ModelWrite(model, model.size() + 20, "end");
  REQUIRE_OK(sb.ctx().fd_sync(*fd));
  CHECK(ReadHostFile(dir / "f") == model);
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, model.size() + 5, 0)) == model);
  REQUIRE_OK(sb.ctx().fd_close(*fd));
}

TEST_CASE("Write-through: truncation and allocation change the host file size",
          "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string original = Pattern(5000, 11);
  WriteHostFile(dir / "f", original);
  Sandbox sb;
  REQUIRE(sb.fs().AddFile("base/f", OpenHost(dir / "f", HostFileMode::kWriteThrough)).ok());
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), "f");
  REQUIRE(fd.ok());
  REQUIRE_OK(sb.ctx().fd_filestat_set_size(*fd, 10));
  CHECK(stdfs::file_size(dir / "f") == 10);
  REQUIRE_OK(sb.ctx().fd_filestat_set_size(*fd, 100));
  CHECK(stdfs::file_size(dir / "f") == 100);
  CHECK(ReadHostFile(dir / "f") == original.substr(0, 10) + std::string(90, '\0'));
  REQUIRE_OK(sb.ctx().fd_allocate(*fd, 150, 50));
  CHECK(stdfs::file_size(dir / "f") == 200);
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 300, 0)) ==
        original.substr(0, 10) + std::string(190, '\0'));
  REQUIRE_OK(sb.ctx().fd_close(*fd));
}

TEST_CASE("A clone of a write-through file is copy-on-write and independent", "[host_file]") {
  TempDir dir("vfs-host-file");
  // Chunk 1 is a hole: the clone claims it without storing it.
  std::string original = Pattern(3 * kChunk + 5, 12);
  original.replace(kChunk, kChunk, std::string(kChunk, '\0'));
  WriteHostFile(dir / "f", original);
  auto c = OpenHost(dir / "f", HostFileMode::kWriteThrough);
  std::unique_ptr<FileContents> clone_base = c->Clone();
  auto* clone = dynamic_cast<HostFileContents*>(clone_base.get());
  REQUIRE(clone != nullptr);
  CHECK(clone->mode() == HostFileMode::kCopyOnWrite);
  CHECK(clone->overlay_bytes() <= 2 * kChunk + 64);

  // The original keeps writing to the host; the clone does not see it.
  std::string host = original;
  Put(*c, 3, "ORIGINAL");
  ModelWrite(host, 3, "ORIGINAL");
  REQUIRE_OK(c->Resize(kChunk));
  ModelResize(host, kChunk);
  CHECK(ReadHostFile(dir / "f") == host);
  CHECK(All(*clone) == original);

  // The clone's writes stay in memory.
  std::string cloned = original;
  Put(*clone, kChunk + 7, "CLONE");
  ModelWrite(cloned, kChunk + 7, "CLONE");
  CHECK(All(*clone) == cloned);
  CHECK(ReadHostFile(dir / "f") == host);
  CHECK(All(*c) == host);
}

TEST_CASE("A host file removed after the import stays readable", "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string original = Pattern(kChunk + 77, 13);
  WriteHostFile(dir / "f", original);
  const HostFileMode mode = GENERATE(HostFileMode::kCopyOnWrite, HostFileMode::kWriteThrough);
  Sandbox sb;
  REQUIRE(sb.fs().AddFile("base/f", OpenHost(dir / "f", mode)).ok());
  // The descriptor was opened at import, so the bytes live on, as an
  // unlinked-but-open file does on POSIX.
  REQUIRE(::unlink((dir / "f").c_str()) == 0);
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), "f");
  REQUIRE(fd.ok());
  CHECK(ValueOrDefault(ReadAll(sb.ctx(), *fd)) == original);
  CHECK(ValueOrDefault(PWrite(sb.ctx(), *fd, "still", 0)) == 5);
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 5, 0)) == "still");
  CHECK(!stdfs::exists(dir / "f"));
  REQUIRE_OK(sb.ctx().fd_close(*fd));
}

TEST_CASE("Opening what is not a readable regular file fails naming the path", "[host_file]") {
  TempDir dir("vfs-host-file");
  const HostFileMode mode = GENERATE(HostFileMode::kCopyOnWrite, HostFileMode::kWriteThrough);
  SECTION("a missing file") {
    absl::StatusOr<std::unique_ptr<HostFileContents>> c =
        HostFileContents::Open(dir / "missing", mode);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == absl::StatusCode::kNotFound);
    CHECK(absl::StrContains(c.status().message(), dir / "missing"));
  }
  SECTION("a directory") {
    REQUIRE(::mkdir((dir / "d").c_str(), 0755) == 0);
    absl::StatusOr<std::unique_ptr<HostFileContents>> c = HostFileContents::Open(dir / "d", mode);
    REQUIRE_FALSE(c.ok());
    CHECK(absl::StrContains(c.status().message(), dir / "d"));
  }
  SECTION("a FIFO, refused without blocking") {
    REQUIRE(::mkfifo((dir / "p").c_str(), 0644) == 0);
    absl::StatusOr<std::unique_ptr<HostFileContents>> c = HostFileContents::Open(dir / "p", mode);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(absl::StrContains(c.status().message(), dir / "p"));
  }
}

TEST_CASE("Write-through needs write permission on the host file", "[host_file]") {
  if (::geteuid() == 0) {
    WARN("skipped: root ignores file permissions");
    return;
  }
  TempDir dir("vfs-host-file");
  WriteHostFile(dir / "ro", "read only");
  REQUIRE(::chmod((dir / "ro").c_str(), 0444) == 0);
  absl::StatusOr<std::unique_ptr<HostFileContents>> c =
      HostFileContents::Open(dir / "ro", HostFileMode::kWriteThrough);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(absl::StrContains(c.status().message(), dir / "ro"));
  CHECK(HostFileContents::Open(dir / "ro", HostFileMode::kCopyOnWrite).ok());
}

TEST_CASE("A snapshot of a filesystem holding host files restores their bytes",
          "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string plain = Pattern(2 * kChunk + 3, 14);
  const std::string cow = Pattern(kChunk + 40, 15);
  const std::string through = Pattern(700, 16);
  WriteHostFile(dir / "plain", plain);
  WriteHostFile(dir / "cow", cow);
  WriteHostFile(dir / "through", through);
  auto fs = Filesystem::Create();
  REQUIRE(fs->AddFile("plain", OpenHost(dir / "plain")).ok());
  auto cow_contents = OpenHost(dir / "cow");
  Put(*cow_contents, kChunk + 50, "sparse");
  std::string cow_model = cow;
  ModelWrite(cow_model, kChunk + 50, "sparse");
  REQUIRE(fs->AddFile("cow", std::move(cow_contents)).ok());
  REQUIRE(fs->AddFile("through", OpenHost(dir / "through", HostFileMode::kWriteThrough)).ok());

  // The "host_file" codec belongs to serialize/; if this build lacks it,
  // a local registry with an equivalent codec keeps the test meaningful.
  BackendRegistry local;
  SaveOptions save;
  LoadOptions load;
  if (BackendRegistry::Global().Find("host_file") == nullptr) {
    WARN("the global registry has no host_file codec: using a local one");
    RegisterLocalHostFileCodec(local);
    save.registry = &local;
    load.registry = &local;
  }
  absl::StatusOr<std::string> bytes = SaveSnapshot(*fs, {}, save);
  INFO(bytes.status().ToString());
  REQUIRE(bytes.ok());
  // The restore must not depend on the host files.
  for (const char* name : {"plain", "cow", "through"}) REQUIRE(stdfs::remove(dir / name));
  absl::StatusOr<LiveState> restored = LoadSnapshot(*bytes, load);
  INFO(restored.status().ToString());
  REQUIRE(restored.ok());
  CHECK(*restored->fs->ReadFile("plain") == plain);
  CHECK(*restored->fs->ReadFile("cow") == cow_model);
  CHECK(*restored->fs->ReadFile("through") == through);
  CHECK(restored->fs->Stat("cow")->size == cow_model.size());
  CHECK(restored->fs->Fsck().ok());
}

TEST_CASE("ImportHostTree reads no bytes and builds the same tree as CopyHostTree",
          "[host_file]") {
  TempDir dir("vfs-host-file");
  const std::string root = dir / "tree";
  REQUIRE(stdfs::create_directories(root + "/b/deeper"));
  REQUIRE(stdfs::create_directories(root + "/a"));
  WriteHostFile(root + "/z.txt", Pattern(kChunk + 1, 17));
  WriteHostFile(root + "/.hidden", "dot");
  WriteHostFile(root + "/a/one", "1");
  WriteHostFile(root + "/b/deeper/two", Pattern(300, 18));
  WriteHostFile(root + "/empty", "");
  stdfs::create_symlink("a/one", root + "/link");
  stdfs::create_symlink("/etc/passwd", root + "/escape");
  REQUIRE(::mkfifo((root + "/fifo").c_str(), 0644) == 0);  // skipped by both

  auto copied = Filesystem::Create();
  REQUIRE(CopyHostTree(root, *copied, "mnt").ok());
  const HostFileMode mode = GENERATE(HostFileMode::kCopyOnWrite, HostFileMode::kWriteThrough);
  auto imported = Filesystem::Create();
  const uint64_t before = HostFileContents::host_bytes_read();
  absl::Status s = ImportHostTree(root, *imported, "mnt", mode);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(HostFileContents::host_bytes_read() == before);

  absl::StatusOr<std::vector<Filesystem::Entry>> want = copied->List();
  absl::StatusOr<std::vector<Filesystem::Entry>> got = imported->List();
  REQUIRE(want.ok());
  REQUIRE(got.ok());
  REQUIRE(got->size() == want->size());
  for (size_t i = 0; i < want->size(); ++i) {
    const Filesystem::Entry& w = (*want)[i];
    const Filesystem::Entry& g = (*got)[i];
    INFO(w.path);
    CHECK(g.path == w.path);
    CHECK(g.kind == w.kind);
    CHECK(g.stat.ino == w.stat.ino);
    CHECK(g.stat.size == w.stat.size);
    CHECK(g.target == w.target);
    if (w.kind == InodeKind::kFile) CHECK(*imported->ReadFile(g.path) == *copied->ReadFile(w.path));
  }
  // Inode numbers follow the sorted walk: a directory's entries by name,
  // then its subdirectories' contents, whatever the host's readdir order.
  inode_t last = 0;
  for (const char* path : {"mnt/.hidden", "mnt/a", "mnt/b", "mnt/empty", "mnt/escape",
                           "mnt/link", "mnt/z.txt", "mnt/a/one", "mnt/b/deeper",
                           "mnt/b/deeper/two"}) {
    INFO(path);
    absl::StatusOr<Filestat> st = imported->Stat(path);
    REQUIRE(st.ok());
    CHECK(st->ino > last);
    last = st->ino;
  }
  CHECK(!imported->Stat("mnt/fifo").ok());
  CHECK(imported->Stat("mnt/escape")->filetype == Filetype::kSymbolicLink);
  CHECK(imported->Fsck().ok());
}

TEST_CASE("ImportHostTree replaces files already at the destination", "[host_file]") {
  TempDir dir("vfs-host-file");
  REQUIRE(stdfs::create_directories(dir / "t"));
  WriteHostFile(dir / "t/f", "from the host");
  auto fs = Filesystem::Create();
  REQUIRE(fs->WriteFile("mnt/f", "old bytes").ok());
  REQUIRE(fs->MakeDirectories("mnt/keep").ok());
  absl::Status s = ImportHostTree(dir / "t", *fs, "mnt");
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(*fs->ReadFile("mnt/f") == "from the host");
  CHECK(fs->Stat("mnt/keep").ok());
  // The same tree again: every file replaced, nothing duplicated.
  REQUIRE(ImportHostTree(dir / "t", *fs, "mnt").ok());
  CHECK(*fs->ReadFile("mnt/f") == "from the host");
  CHECK(fs->Fsck().ok());
}

TEST_CASE("ImportHostTree errors name the host path", "[host_file]") {
  TempDir dir("vfs-host-file");
  auto fs = Filesystem::Create();
  SECTION("the directory does not exist") {
    absl::Status s = ImportHostTree(dir / "nope", *fs, "");
    CHECK(s.code() == absl::StatusCode::kNotFound);
    CHECK(absl::StrContains(s.message(), dir / "nope"));
  }
  SECTION("the directory is a file") {
    WriteHostFile(dir / "file", "x");
    absl::Status s = ImportHostTree(dir / "file", *fs, "");
    CHECK_FALSE(s.ok());
    CHECK(absl::StrContains(s.message(), dir / "file"));
  }
  SECTION("a host file clashes with a destination directory") {
    REQUIRE(stdfs::create_directories(dir / "t"));
    WriteHostFile(dir / "t/x", "x");
    REQUIRE(fs->MakeDirectories("x").ok());
    absl::Status s = ImportHostTree(dir / "t", *fs, "");
    CHECK_FALSE(s.ok());
    CHECK(absl::StrContains(s.message(), dir / "t/x"));
  }
}

TEST_CASE("A sparse 1 GiB host file imports without reading a byte", "[host_file]") {
  TempDir dir("vfs-host-file");
  constexpr filesize_t kGiB = filesize_t{1} << 30;
  REQUIRE(stdfs::create_directories(dir / "big"));
  const std::string big = dir / "big/sparse.img";
  {
    const int fd = ::open(big.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, static_cast<off_t>(kGiB)) == 0);
    REQUIRE(::pwrite(fd, "tail", 4, static_cast<off_t>(kGiB - 4)) == 4);
    ::close(fd);
  }
  Sandbox sb;
  const uint64_t before = HostFileContents::host_bytes_read();
  REQUIRE(ImportHostTree(dir / "big", sb.fs(), "base/big").ok());
  CHECK(HostFileContents::host_bytes_read() == before);
  CHECK(sb.fs().Stat("base/big/sparse.img")->size == kGiB);

  Result<fd_t> fd = Open(sb.ctx(), sb.base(), "big/sparse.img");
  REQUIRE(fd.ok());
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 4096, kGiB / 2)) == std::string(4096, '\0'));
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 100, kGiB - 4)) == "tail");
  CHECK(HostFileContents::host_bytes_read() - before == 4096 + 4);
  // A guest write in the middle copies one chunk, not the file.
  CHECK(ValueOrDefault(PWrite(sb.ctx(), *fd, "mid", kGiB / 2 + 10)) == 3);
  CHECK(HostFileContents::host_bytes_read() - before <= 4096 + 4 + kChunk);
  CHECK(ValueOrDefault(PRead(sb.ctx(), *fd, 16, kGiB / 2 + 8)) ==
        std::string(2, '\0') + "mid" + std::string(11, '\0'));
  REQUIRE_OK(sb.ctx().fd_close(*fd));
  CHECK(stdfs::file_size(big) == kGiB);
}

TEST_CASE("A copy-on-write write into a 1 GiB host file costs one chunk of memory",
          "[host_file]") {
  TempDir dir("vfs-host-file");
  constexpr filesize_t kGiB = filesize_t{1} << 30;
  {
    const int fd = ::open((dir / "big").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, static_cast<off_t>(kGiB)) == 0);
    ::close(fd);
  }
  auto c = OpenHost(dir / "big");
  Put(*c, kGiB / 3, "x");
  CHECK(c->overlay_bytes() <= kChunk);
  Put(*c, kGiB + 5, "past");  // past the host end: no host bytes to copy
  CHECK(c->overlay_bytes() <= 2 * kChunk);
  CHECK(c->Size() == kGiB + 9);
  CHECK(Get(*c, kGiB - 2, 11) == std::string(7, '\0') + "past");
}

TEST_CASE("HostFileContents passes the FileContents conformance kit", "[host_file]") {
  TempDir dir("vfs-host-file");
  const HostFileMode mode = GENERATE(HostFileMode::kCopyOnWrite, HostFileMode::kWriteThrough);
  int next = 0;
  ConformanceOptions opts;
  opts.restored_backend = "memory";
  CheckContentsConformance(
      mode == HostFileMode::kCopyOnWrite ? "host_file cow" : "host_file write-through",
      [&](absl::Span<const uint8_t> initial) -> std::unique_ptr<FileContents> {
        const std::string path = dir / ("f" + std::to_string(next++));
        WriteHostFile(path, std::string_view(reinterpret_cast<const char*>(initial.data()),
                                             initial.size()));
        return OpenHost(path, mode);
      },
      opts);
}

}  // namespace vfs::testing

namespace vfs::testing {
namespace {

// Restores the process-wide descriptor cap at scope exit.
struct MaxOpenHostFiles {
  explicit MaxOpenHostFiles(size_t n) { HostFileContents::SetMaxOpenHostFiles(n); }
  ~MaxOpenHostFiles() { HostFileContents::SetMaxOpenHostFiles(64); }
};

TEST_CASE("Importing more host files than the descriptor cap keeps at most the cap open",
          "[host_file][fds]") {
  TempDir dir("vfs-host-file");
  constexpr int kFiles = 300;
  for (int i = 0; i < kFiles; ++i) WriteHostFile(dir / ("f" + std::to_string(i)), Pattern(100 + i, i));
  MaxOpenHostFiles cap(8);
  Sandbox sb;
  REQUIRE(ImportHostTree(dir.path(), sb.fs(), "base/tree").ok());
  CHECK(HostFileContents::open_host_files() <= 8);
  // Every file reads back its own bytes, in two passes in different orders,
  // reopening evicted descriptors as needed.
  for (int pass = 0; pass < 2; ++pass) {
    for (int k = 0; k < kFiles; ++k) {
      const int i = pass == 0 ? k : kFiles - 1 - k;
      Result<fd_t> fd = Open(sb.ctx(), sb.base(), "tree/f" + std::to_string(i));
      REQUIRE(fd.ok());
      CHECK(ValueOrDefault(ReadAll(sb.ctx(), *fd)) == Pattern(100 + i, i));
      REQUIRE_OK(sb.ctx().fd_close(*fd));
      CHECK(HostFileContents::open_host_files() <= 8);
    }
  }
}

TEST_CASE("A host file replaced after its descriptor was evicted reads IO, never the new bytes",
          "[host_file][fds]") {
  TempDir dir("vfs-host-file");
  WriteHostFile(dir / "a", "original bytes");
  WriteHostFile(dir / "b", "other");
  MaxOpenHostFiles cap(1);
  Sandbox sb;
  REQUIRE(sb.fs().AddFile("base/a", OpenHost(dir / "a", HostFileMode::kCopyOnWrite)).ok());
  // Opening b evicts a's descriptor (the cap is 1).
  REQUIRE(sb.fs().AddFile("base/b", OpenHost(dir / "b", HostFileMode::kCopyOnWrite)).ok());
  CHECK(HostFileContents::open_host_files() == 1);
  // Replace a on the host: a new inode at the same path.
  REQUIRE(::unlink((dir / "a").c_str()) == 0);
  WriteHostFile(dir / "a", "REPLACED, LONGER BYTES");
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), "a");
  REQUIRE(fd.ok());
  CHECK(PRead(sb.ctx(), *fd, 8, 0).error() == Errno::kIo);
  REQUIRE_OK(sb.ctx().fd_close(*fd));
  // b was cached and unchanged: it reads normally.
  CHECK(sb.fs().ReadFile("base/b").value_or("?") == "other");
}

TEST_CASE("An import survives a process descriptor limit below the file count", "[host_file][fds]") {
  // With the process's own limit far below the file count, the cache gives
  // back descriptors instead of failing the import with EMFILE.
  TempDir dir("vfs-host-file");
  for (int i = 0; i < 200; ++i) WriteHostFile(dir / ("f" + std::to_string(i)), "x");
  struct rlimit old;
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
  MaxOpenHostFiles cap(100000);  // the cache alone would not stop it
  struct rlimit low = old;
  low.rlim_cur = std::min<rlim_t>(old.rlim_cur, 96);
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  Sandbox sb;
  absl::Status s = ImportHostTree(dir.path(), sb.fs(), "base/t");
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &old) == 0);
  INFO(s.ToString());
  CHECK(s.ok());
  CHECK(sb.fs().ReadFile("base/t/f199").value_or("?") == "x");
}

}  // namespace
}  // namespace vfs::testing
