#include "tests/support/contents_conformance.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/fault_injecting_contents.h"
#include "backends/forwarding_contents.h"
#include "serialize/snapshot.h"
#include "vfs/context.h"
#include "vfs/filesystem.h"

namespace vfs::testing {

namespace {

using Bytes = std::vector<uint8_t>;

// Past one 64 KiB chunk, so gaps and truncations cross chunk boundaries of
// chunked backends.
constexpr filesize_t kFarGap = 70000 + 13;

Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }

// "equal", or where two byte strings first differ: comparing 200 KB vectors
// with CHECK would print them whole.
std::string Compare(const Bytes& got, const Bytes& want) {
  const size_t common = std::min(got.size(), want.size());
  for (size_t i = 0; i < common; ++i) {
    if (got[i] != want[i]) {
      return absl::StrCat("first difference at offset ", i, ": got ", int{got[i]}, ", want ",
                          int{want[i]}, " (sizes ", got.size(), " and ", want.size(), ")");
    }
  }
  if (got.size() != want.size()) {
    return absl::StrCat("got ", got.size(), " bytes, want ", want.size());
  }
  return "equal";
}

// What Read returns for [offset, offset + len); requires success and no more
// than `len` bytes.
Bytes ReadAt(const FileContents& c, filesize_t offset, size_t len) {
  Bytes out(len, 0xEE);
  Result<size_t> n = c.Read(offset, absl::MakeSpan(out));
  INFO("Read(" << offset << ", " << len << ") -> "
               << (n.ok() ? std::to_string(*n) : std::string(ErrnoName(n.error()))));
  REQUIRE(n.ok());
  REQUIRE(*n <= len);
  out.resize(*n);
  return out;
}

// Size() and every byte (one read asking for more than the size) equal the
// model.
void RequireHolds(const FileContents& c, const Bytes& model) {
  REQUIRE(c.Size() == model.size());
  CHECK(Compare(ReadAt(c, 0, model.size() + 16), model) == "equal");
}

Bytes Slice(const Bytes& b, size_t offset, size_t len) {
  if (offset >= b.size()) return {};
  len = std::min(len, b.size() - offset);
  return Bytes(b.begin() + static_cast<ptrdiff_t>(offset),
               b.begin() + static_cast<ptrdiff_t>(offset + len));
}

// Writes `data` at `offset`, requiring the whole write, and applies it to
// the model (zero-filling a gap).
void WriteBoth(FileContents& c, Bytes& model, filesize_t offset, const Bytes& data) {
  Result<size_t> n = c.Write(offset, absl::MakeConstSpan(data));
  INFO("Write(" << offset << ", " << data.size() << " bytes) -> "
                << (n.ok() ? std::to_string(*n) : std::string(ErrnoName(n.error()))));
  REQUIRE(n.ok());
  REQUIRE(*n == data.size());
  const size_t end = static_cast<size_t>(offset) + data.size();
  if (model.size() < end) model.resize(end, 0);
  std::copy(data.begin(), data.end(), model.begin() + static_cast<ptrdiff_t>(offset));
}

void ResizeBoth(FileContents& c, Bytes& model, filesize_t size) {
  INFO("Resize(" << size << ")");
  REQUIRE(c.Resize(size) == Errno::kSuccess);
  model.resize(static_cast<size_t>(size), 0);
}

bool AllZero(const Bytes& b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}

void CheckReads(const FileContents& c, const Bytes& want, const ConformanceOptions& opts) {
  const size_t n = want.size();
  CHECK(c.capabilities().writable == opts.writable);
  CHECK(c.capabilities().resizable == opts.resizable);
  CHECK_FALSE(c.backend_name().empty());
  REQUIRE(c.Size() == n);
  // Whole file, asking for more than there is: a short read of exactly n.
  CHECK(Compare(ReadAt(c, 0, n + 100), want) == "equal");
  // Exactly the file.
  CHECK(Compare(ReadAt(c, 0, n), want) == "equal");
  // The middle.
  CHECK(Compare(ReadAt(c, n / 2, 7), Slice(want, n / 2, 7)) == "equal");
  // Straddling the end: short.
  const size_t tail = std::min<size_t>(n, 3);
  CHECK(Compare(ReadAt(c, n - tail, 10), Slice(want, n - tail, 10)) == "equal");
  CHECK(ReadAt(c, n - tail, 10).size() == tail);
  // At the end and past it: 0.
  CHECK(ReadAt(c, n, 5).empty());
  CHECK(ReadAt(c, n + 1, 5).empty());
  CHECK(ReadAt(c, filesize_t{1} << 62, 5).empty());
  // Into an empty span: 0, wherever.
  CHECK(ReadAt(c, 0, 0).empty());
  CHECK(ReadAt(c, n / 2, 0).empty());
  CHECK(ReadAt(c, n + 10, 0).empty());
  // Odd-sized pieces, forwards and backwards, assemble the same bytes.
  constexpr size_t kPiece = 4093;
  Bytes forward;
  for (size_t off = 0; off < n; off += kPiece) {
    Bytes p = ReadAt(c, off, kPiece);
    REQUIRE(p.size() == std::min(kPiece, n - off));
    forward.insert(forward.end(), p.begin(), p.end());
  }
  CHECK(Compare(forward, want) == "equal");
  Bytes backward(n, 0xEE);
  for (size_t k = (n + kPiece - 1) / kPiece; k-- > 0;) {
    Bytes p = ReadAt(c, k * kPiece, kPiece);
    REQUIRE(p.size() == std::min(kPiece, n - k * kPiece));
    std::copy(p.begin(), p.end(), backward.begin() + static_cast<ptrdiff_t>(k * kPiece));
  }
  CHECK(Compare(backward, want) == "equal");
  // Reading changed nothing.
  CHECK(c.Size() == n);
}

void CheckClone(std::unique_ptr<FileContents> c, const Bytes& want,
                const ConformanceOptions& opts) {
  std::unique_ptr<FileContents> k = c->Clone();
  REQUIRE(k != nullptr);
  RequireHolds(*k, want);
  if (opts.clone_keeps_capabilities) {
    CHECK(k->capabilities().writable == opts.writable);
    CHECK(k->capabilities().resizable == opts.resizable);
  }
  if (!opts.writable) {
    // The clone must not borrow from the original.
    c.reset();
    RequireHolds(*k, want);
    return;
  }
  const size_t n = want.size();
  Bytes model_c = want;
  Bytes model_k = want;
  if (n > 0) {
    WriteBoth(*c, model_c, 0, B("O"));  // original -> clone unaffected
    RequireHolds(*k, model_k);
    WriteBoth(*k, model_k, n - 1, B("K"));  // clone -> original unaffected
    RequireHolds(*c, model_c);
  }
  if (opts.resizable) {
    WriteBoth(*c, model_c, n + kFarGap, B("grown original"));
    RequireHolds(*k, model_k);
    ResizeBoth(*k, model_k, n / 2);
    RequireHolds(*c, model_c);
    // A clone of a clone, taken after writes, is independent too.
    std::unique_ptr<FileContents> k2 = k->Clone();
    REQUIRE(k2 != nullptr);
    Bytes model_k2 = model_k;
    WriteBoth(*k, model_k, 0, B("second"));
    RequireHolds(*k2, model_k2);
    WriteBoth(*k2, model_k2, 3, B("third"));
    RequireHolds(*k, model_k);
    RequireHolds(*c, model_c);
  }
}

void CheckWrites(FileContents& c, const Bytes& want, const ConformanceOptions& opts) {
  const size_t n = want.size();
  Bytes model = want;
  if (!opts.resizable) {
    // A fixed-size writable backend: overwrites in place, no size change.
    if (n > 0) WriteBoth(c, model, n / 2, Slice(B("fixed"), 0, n - n / 2));
    RequireHolds(c, model);
    CHECK(c.Resize(n + 1) != Errno::kSuccess);
    RequireHolds(c, model);
    return;
  }
  // Overwrite in the middle (extending a tiny file).
  WriteBoth(c, model, n / 2, B("OVERWRITE"));
  RequireHolds(c, model);
  // Append at the end.
  WriteBoth(c, model, model.size(), B("appended"));
  RequireHolds(c, model);
  // Sparse write past the end: the gap reads as zeros.
  const size_t gap_start = model.size();
  WriteBoth(c, model, gap_start + kFarGap, B("sparse"));
  RequireHolds(c, model);
  CHECK(AllZero(ReadAt(c, gap_start, static_cast<size_t>(kFarGap))));
  // A write into the gap leaves the rest of the gap zero.
  WriteBoth(c, model, gap_start + 1000, B("in the gap"));
  RequireHolds(c, model);
  // Truncate down, then up: the discarded range reads as zeros.
  const size_t cut = n / 3;
  ResizeBoth(c, model, cut);
  RequireHolds(c, model);
  ResizeBoth(c, model, cut + kFarGap);
  RequireHolds(c, model);
  CHECK(AllZero(ReadAt(c, cut, static_cast<size_t>(kFarGap))));
  // Truncate to zero and write again at a non-zero offset.
  ResizeBoth(c, model, 0);
  RequireHolds(c, model);
  WriteBoth(c, model, 5, B("after zero"));
  RequireHolds(c, model);
  // Allocate never shrinks...
  const filesize_t size = c.Size();
  CHECK(c.Allocate(0, 1) == Errno::kSuccess);
  CHECK(c.Allocate(size - 1, 1) == Errno::kSuccess);
  RequireHolds(c, model);
  // ...and an extension reads as zeros.
  CHECK(c.Allocate(size + 10, 20) == Errno::kSuccess);
  model.resize(static_cast<size_t>(size) + 30, 0);
  RequireHolds(c, model);
  CHECK(AllZero(ReadAt(c, size, 30)));
}

void CheckReadOnly(FileContents& c, const Bytes& want) {
  const size_t n = want.size();
  const Bytes x = B("x");
  CHECK_FALSE(c.Write(0, absl::MakeConstSpan(x)).ok());
  CHECK_FALSE(c.Write(n, absl::MakeConstSpan(x)).ok());
  CHECK_FALSE(c.Write(n + kFarGap, absl::MakeConstSpan(x)).ok());
  CHECK(c.Resize(0) != Errno::kSuccess);
  CHECK(c.Resize(n + 10) != Errno::kSuccess);
  CHECK(c.Allocate(0, n + 10) != Errno::kSuccess);
  CHECK(c.Allocate(n + kFarGap, 1) != Errno::kSuccess);
  RequireHolds(c, want);
}

void CheckFaults(std::unique_ptr<FileContents> inner, const Bytes& want,
                 const ConformanceOptions& opts) {
  const size_t n = want.size();
  auto plan = std::make_shared<FaultPlan>();
  FaultInjectingContents f(std::move(inner), plan);
  REQUIRE(plan->Arm(FaultMode::kPersistent, 1, fault_method::kMutating, Errno::kNospc).ok());
  const Bytes data = B("must not land");
  Result<size_t> w1 = f.Write(n / 2, absl::MakeConstSpan(data));
  Result<size_t> w2 = f.Write(n + kFarGap, absl::MakeConstSpan(data));
  REQUIRE_FALSE(w1.ok());
  REQUIRE_FALSE(w2.ok());
  CHECK(w1.error() == Errno::kNospc);
  CHECK(w2.error() == Errno::kNospc);
  CHECK(f.Resize(0) == Errno::kNospc);
  CHECK(f.Resize(n + kFarGap) == Errno::kNospc);
  CHECK(f.Allocate(0, n + kFarGap) == Errno::kNospc);
  CHECK(plan->calls_seen() == 5);
  CHECK(plan->faults_injected() == 5);
  RequireHolds(f, want);
  RequireHolds(f.inner(), want);
  // A transient read fault fails the chosen read only.
  REQUIRE(plan->Arm(FaultMode::kTransient, 2, fault_method::kRead, Errno::kIo).ok());
  CHECK(Compare(ReadAt(f, 0, n), want) == "equal");
  Bytes buf(n + 1);
  Result<size_t> r = f.Read(0, absl::MakeSpan(buf));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == Errno::kIo);
  CHECK(Compare(ReadAt(f, 0, n), want) == "equal");
  CHECK(plan->faults_injected() == 1);
  if (opts.writable && opts.resizable) {
    // Disarmed, the decorator is transparent.
    plan->Disarm();
    Bytes model = want;
    WriteBoth(f, model, n, B("tail"));
    RequireHolds(f, model);
    RequireHolds(f.inner(), model);
  }
}

Bytes AsBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

void CheckSnapshot(const ContentsFactory& make, const Bytes& initial, const Bytes& want,
                   const ConformanceOptions& opts) {
  const size_t n = want.size();
  std::unique_ptr<FileContents> f = make(absl::MakeConstSpan(initial));
  REQUIRE(f != nullptr);
  const std::string saved_backend(ForwardingContents::Innermost(*f).backend_name());
  const std::string restored_backend =
      opts.restored_backend.empty() ? saved_backend : opts.restored_backend;

  std::shared_ptr<Filesystem> fs = Filesystem::Create();
  REQUIRE(fs->AddFile("d/f", std::move(f)).ok());
  uint64_t files = 1;
  Bytes model_g;
  if (opts.writable && opts.resizable) {
    // A modified copy with a hole and a truncated tail.
    std::unique_ptr<FileContents> g = make(absl::MakeConstSpan(initial));
    model_g = want;
    WriteBoth(*g, model_g, n + kFarGap, B("after a hole"));
    WriteBoth(*g, model_g, n / 2, B("middle"));
    ResizeBoth(*g, model_g, model_g.size() - 3);
    REQUIRE(fs->AddFile("d/g", std::move(g)).ok());
    ++files;
  }
  absl::StatusOr<std::string> bytes = SaveSnapshot(*fs);
  INFO(bytes.status().ToString());
  REQUIRE(bytes.ok());
  // InspectSnapshot decodes through the codecs, so it names the backend a
  // restore builds.
  absl::StatusOr<SnapshotInfo> info = InspectSnapshot(*bytes);
  REQUIRE(info.ok());
  CHECK(info->files_by_backend[restored_backend] == files);

  absl::StatusOr<LiveState> r = LoadSnapshot(*bytes);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->fs->Fsck().ok());
  // Re-save before anything reads the files (reads set atim).
  absl::StatusOr<std::string> again = SaveSnapshot(*r->fs);
  REQUIRE(again.ok());
  absl::StatusOr<SnapshotInfo> again_info = InspectSnapshot(*again);
  REQUIRE(again_info.ok());
  CHECK(again_info->files_by_backend[restored_backend] == files);
  if (restored_backend == saved_backend) {
    const bool resaved_identical = *again == *bytes;  // not printed: binary
    CHECK(resaved_identical);
  }

  // The host API.
  absl::StatusOr<std::string> read = r->fs->ReadFile("d/f");
  REQUIRE(read.ok());
  CHECK(Compare(AsBytes(*read), want) == "equal");
  absl::StatusOr<Filestat> st = r->fs->Stat("d/f");
  REQUIRE(st.ok());
  CHECK(st->size == n);
  if (!model_g.empty()) {
    absl::StatusOr<std::string> g = r->fs->ReadFile("d/g");
    REQUIRE(g.ok());
    CHECK(Compare(AsBytes(*g), model_g) == "equal");
  }
  // A Context: fd_pread from the middle and fd_filestat_get.
  Context ctx(r->fs);
  constexpr fd_t kFd = 10;
  REQUIRE(ctx.OpenAt(kFd, "d/f", rights::kFdRead | rights::kFdSeek | rights::kFdFilestatGet)
              .ok());
  Result<Filestat> fst = ctx.fd_filestat_get(kFd);
  REQUIRE(fst.ok());
  CHECK(fst->size == n);
  Bytes mid(n - n / 2 + 8, 0xEE);
  absl::Span<uint8_t> iov[] = {absl::MakeSpan(mid)};
  Result<size_t> got = ctx.fd_pread(kFd, iov, n / 2);
  INFO("fd_pread: " << (got.ok() ? "ok" : std::string(ErrnoName(got.error()))));
  REQUIRE(got.ok());
  mid.resize(*got);
  CHECK(Compare(mid, Slice(want, n / 2, n)) == "equal");
  CHECK(ctx.fd_close(kFd) == Errno::kSuccess);
  CHECK(r->fs->Fsck().ok());
}

}  // namespace

std::vector<uint8_t> ConformancePattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> out(size);
  uint32_t x = seed * 2654435761u + 7;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<uint8_t>(1 + (x >> 24) % 255);
  }
  return out;
}

void CheckContentsConformance(const std::string& label, const ContentsFactory& make,
                              const ConformanceOptions& opts) {
  INFO("backend under test: " << label);
  for (size_t n : opts.sizes) {
    const Bytes initial = ConformancePattern(n, static_cast<uint32_t>(n) + 1);
    const Bytes want = opts.expected_bytes ? opts.expected_bytes(n) : initial;
    REQUIRE(want.size() == n);
    auto fresh = [&] {
      std::unique_ptr<FileContents> c = make(absl::MakeConstSpan(initial));
      REQUIRE(c != nullptr);
      return c;
    };
    const std::string prefix = absl::StrCat(label, " size ", n, ": ");
    SECTION(prefix + "reads") { CheckReads(*fresh(), want, opts); }
    SECTION(prefix + "clone") { CheckClone(fresh(), want, opts); }
    if (opts.writable) {
      SECTION(prefix + "writes") { CheckWrites(*fresh(), want, opts); }
    } else {
      SECTION(prefix + "read-only") { CheckReadOnly(*fresh(), want); }
    }
    SECTION(prefix + "faults") { CheckFaults(fresh(), want, opts); }
    SECTION(prefix + "snapshot") { CheckSnapshot(make, initial, want, opts); }
  }
}

}  // namespace vfs::testing
