// Snapshot restore with hostile bytes (reliability.md, F7): every prefix of
// three snapshots, every bit flip of a small one (with the checksum verified
// and with it skipped, so that the record parser sees the damage), one
// hand-crafted snapshot per invariant with its specific error, hostile
// counts and tiny extents with the peak RSS of the restore measured, and a
// 100,000-level directory chain.
//
// Peak RSS is measured in a fresh process (this binary run again on a hidden
// test case, see MeasureLoad): ru_maxrss is a high-water mark, and a forked
// child would reuse the parent's freed heap without growing.
//
// The regression tests at the end show bugs these tests found (each names
// the code at fault); the ones that crashed run in a forked child, so a
// regression fails one test instead of the binary. Crafted payloads carry a
// real XXH3-64 checksum (xxhash links into the test binary through
// vfs_serialize).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/memory_contents.h"
#include "serialize/archive.h"
#include "serialize/backend_registry.h"
#include "serialize/snapshot.h"
#include "serialize/state.h"
#include "tests/support/random_state.h"
#include "tests/support/sandbox.h"
#include "xxhash.h"

namespace vfs::testing {
namespace {

constexpr uint64_t k2To32 = uint64_t{1} << 32;
constexpr uint64_t k2To40 = uint64_t{1} << 40;
constexpr size_t kChunk = MemoryContents::kChunkSize;

std::string MustSave(Filesystem& fs, absl::Span<Context* const> contexts = {}) {
  absl::StatusOr<std::string> bytes = SaveSnapshot(fs, contexts);
  INFO(bytes.status().ToString());
  REQUIRE(bytes.ok());
  return *std::move(bytes);
}

std::vector<Context*> Raw(const LiveState& s) {
  std::vector<Context*> out;
  for (const auto& c : s.contexts) out.push_back(c.get());
  return out;
}

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

const char* CodeName(absl::StatusCode c) {
  switch (c) {
    case absl::StatusCode::kOk: return "OK";
    case absl::StatusCode::kInvalidArgument: return "InvalidArgument";
    case absl::StatusCode::kNotFound: return "NotFound";
    case absl::StatusCode::kOutOfRange: return "OutOfRange";
    case absl::StatusCode::kUnimplemented: return "Unimplemented";
    case absl::StatusCode::kInternal: return "Internal";
    case absl::StatusCode::kDataLoss: return "DataLoss";
    case absl::StatusCode::kResourceExhausted: return "ResourceExhausted";
    case absl::StatusCode::kFailedPrecondition: return "FailedPrecondition";
    default: return "other";
  }
}

// ---- Header fields (docs: magic, u32 version, u32 flags, u64 payload
// length, u64 XXH3-64 of the payload; all little-endian).

uint64_t GetLE(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
  }
  return v;
}

void PutLE(std::string& out, size_t at, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}

uint64_t PayloadChecksum(std::string_view bytes) {
  const std::string_view payload = bytes.substr(kSnapshotHeaderSize);
  return XXH3_64bits(payload.data(), payload.size());
}

// Sets the header's payload length to the payload's size and its checksum to
// the payload's, so that only the payload's own structure is judged.
void Reseal(std::string& bytes) {
  PutLE(bytes, 16, bytes.size() - kSnapshotHeaderSize, 8);
  PutLE(bytes, 24, PayloadChecksum(bytes), 8);
}

// A header in front of a hand-made payload.
std::string Frame(const std::string& payload) {
  std::string out(kSnapshotHeaderSize, '\0');
  std::memcpy(out.data(), kSnapshotMagic, sizeof(kSnapshotMagic));
  PutLE(out, 8, kSnapshotVersion, 4);
  PutLE(out, 12, 0, 4);
  out += payload;
  Reseal(out);
  return out;
}

// A payload written with the snapshot's own writer (which starts with the
// archive's endianness byte).
std::string Payload(const std::function<void(SnapshotWriter&)>& fn) {
  std::string out;
  {
    SnapshotWriter w(&out);
    fn(w);
  }
  return out;
}

// The offset of the only occurrence of `needle` (a u64 length and the
// bytes, as SnapshotWriter::String writes them) in `bytes`.
size_t FindString(const std::string& bytes, std::string_view s) {
  std::string needle(8, '\0');
  PutLE(needle, 0, s.size(), 8);
  needle += s;
  const size_t at = bytes.find(needle);
  INFO("looking for '" << s << "'");
  REQUIRE(at != std::string::npos);
  REQUIRE(bytes.find(needle, at + 1) == std::string::npos);
  return at;
}

// ---- Records of the payload, for hand-built snapshots.

void Head(SnapshotWriter& w, uint64_t next_id, uint64_t inodes) {
  w.Bool(false);  // host clock
  w.U64(0);
  w.U64(0);
  w.U64(next_id);
  w.U64(inodes);
}

void InodeHead(SnapshotWriter& w, uint64_t id, InodeKind kind, uint64_t links) {
  w.U64(id);
  w.U8(static_cast<uint8_t>(kind));
  w.U64(links);
  w.U64(1);  // atim, mtim, ctim
  w.U64(2);
  w.U64(3);
}

void DirBody(SnapshotWriter& w, uint64_t next_seq, uint64_t entries) {
  w.Bool(false);  // removed
  w.U64(next_seq);
  w.U64(entries);
}

void EntryRec(SnapshotWriter& w, std::string_view name, uint64_t child, uint64_t seq) {
  w.String(name);
  w.U64(child);
  w.U64(seq);
}

void FdRec(SnapshotWriter& w, uint32_t fd, uint64_t inode, Rights base, Rights inheriting,
           bool preopen, std::string_view preopen_name) {
  w.U32(fd);
  w.U64(inode);
  w.U64(base.bits());
  w.U64(inheriting.bits());
  w.U16(0);  // fdflags
  w.U64(0);  // offset
  w.Bool(preopen);
  w.String(preopen_name);
  w.Bool(false);  // stream writer
}

// A "memory" file body: backend name, codec version, a length-framed payload
// of (u64 size, u64 extent count, extents as (u64 offset, u64 length, bytes))
// (serialize/backend_registry.cc).
void MemoryFile(SnapshotWriter& w, uint64_t size,
                const std::function<void(SnapshotWriter&)>& extents) {
  w.String("memory");
  w.U32(1);
  const size_t at = w.ReserveU64();
  const size_t start = w.position();
  w.U64(size);
  extents(w);
  w.PatchU64(at, w.position() - start);
}

// A minimal valid snapshot, hand-encoded: the root naming one memory file
// "f" holding "abc", and one context with the root preopened at fd 3.
std::string HandMadeSnapshot() {
  return Frame(Payload([](SnapshotWriter& w) {
    Head(w, 3, 2);
    InodeHead(w, 1, InodeKind::kRoot, 0);
    DirBody(w, 4, 1);
    EntryRec(w, "f", 2, 3);
    InodeHead(w, 2, InodeKind::kFile, 1);
    MemoryFile(w, 3, [](SnapshotWriter& m) {
      m.U64(1);
      m.U64(0);
      m.U64(3);
      m.Raw(absl::MakeConstSpan(reinterpret_cast<const uint8_t*>("abc"), 3));
    });
    w.U64(1);  // contexts
    w.U64(1);  // fds
    FdRec(w, 3, 1, rights::kDirectoryBase, rights::kDirectoryInheriting, true, "/");
  }));
}

// ---- Running one restore in a child process.

// The peak RSS of this process, in KiB: the kernel's high-water mark of
// its address space (VmHWM), which is what getrusage's ru_maxrss reports
// except that ru_maxrss also keeps the peak of the image before execve
// (here, a fork of a test process hundreds of MiB large). Falls back to
// ru_maxrss where /proc is missing.
long MaxRssKiB() {
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof(line), f) != nullptr) {
      if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    }
    std::fclose(f);
    if (kib >= 0) return kib;
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct ChildResult {
  bool exited_cleanly = false;
  int wait_status = 0;
  std::string out;
};

// Runs `fn` in a forked child and returns what it returned. No Catch2
// assertion may run in the child; the caller checks the result.
ChildResult RunInChild(const std::function<std::string()>& fn) {
  ChildResult r;
  int p[2];
  if (pipe(p) != 0) return r;
  const pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    close(p[0]);
    std::string out;
    try {
      out = fn();
    } catch (...) {
      _exit(3);
    }
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = write(p[1], out.data() + done, out.size() - done);
      if (n <= 0) _exit(4);
      done += static_cast<size_t>(n);
    }
    close(p[1]);
    _exit(0);  // no atexit handlers, no leak check of the parent's heap
  }
  close(p[1]);
  char buf[4096];
  while (true) {
    const ssize_t n = read(p[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.out.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  while (waitpid(pid, &r.wait_status, 0) < 0 && errno == EINTR) {
  }
  r.exited_cleanly = WIFEXITED(r.wait_status) && WEXITSTATUS(r.wait_status) == 0;
  return r;
}

struct Measured {
  bool ran = false;
  absl::StatusCode code = absl::StatusCode::kUnknown;
  std::string message;
  long growth_kib = 0;
  int wait_status = 0;        // of the fresh process
  bool fsck_ok = false;       // of the restored state, if it restored
  bool resaves_same = false;  // the restored state saves to the input's bytes
};

std::string TempPath(std::string_view what) {
  static int counter = 0;
  const char* dir = std::getenv("TMPDIR");
  return absl::StrCat(dir != nullptr && *dir != '\0' ? dir : "/tmp", "/vfs_hostile_", getpid(),
                      "_", counter++, "_", std::string(what));
}

bool WriteWholeFile(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
  std::fclose(f);
  return true;
}

constexpr char kChildInputEnv[] = "VFS_HOSTILE_CHILD_INPUT";
constexpr char kChildOutputEnv[] = "VFS_HOSTILE_CHILD_OUTPUT";

// LoadSnapshot(bytes) in a fresh process: this test binary run again on the
// hidden test case "[hostile_child]" below. A fresh process has no freed
// heap to reuse, so its peak RSS growth over the call is what the call
// allocates and touches (a forked child would reuse the parent's freed,
// still resident memory and show almost nothing). The restored state is
// still alive when the peak is read.
Measured MeasureLoad(const std::string& bytes) {
  Measured m;
  const std::string in = TempPath("in"), out = TempPath("out");
  if (!WriteWholeFile(in, bytes)) return m;
  const pid_t pid = fork();
  if (pid == 0) {
    setenv(kChildInputEnv, in.c_str(), 1);
    setenv(kChildOutputEnv, out.c_str(), 1);
    // A regression that allocates what a count claims must fail the child,
    // not exhaust the machine.
#ifdef __SANITIZE_ADDRESS__
    const char* asan = std::getenv("ASAN_OPTIONS");
    setenv("ASAN_OPTIONS",
           absl::StrCat(asan != nullptr ? asan : "", ":max_allocation_size_mb=1024").c_str(), 1);
#else
    rlimit data{rlim_t{4} << 30, rlim_t{4} << 30};
    setrlimit(RLIMIT_DATA, &data);
#endif
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1);  // the child's Catch2 report; stderr stays
    execl("/proc/self/exe", "vfs_tests", "[hostile_child]", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid > 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  std::string result;
  const bool read = ReadWholeFile(out, &result);
  std::remove(in.c_str());
  std::remove(out.c_str());
  m.wait_status = status;
  if (pid <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !read) return m;
  std::istringstream is(result);
  int code = 0, fsck = 0, same = 0;
  is >> code >> m.growth_kib >> fsck >> same;
  is.get();
  m.message.assign(std::istreambuf_iterator<char>(is), {});
  m.code = static_cast<absl::StatusCode>(code);
  m.fsck_ok = fsck == 1;
  m.resaves_same = same == 1;
  m.ran = true;
  return m;
}

// ---- Golden snapshots, made deterministically.

// The first random state (over a fixed list of seeds and sizes, preferred
// ones first) whose snapshot has a size in [lo, hi].
struct Golden {
  std::string bytes;
  uint64_t seed = 0;
  int ops = 0;
};

Golden GoldenOfSize(size_t lo, size_t hi, std::vector<std::pair<uint64_t, int>> prefer) {
  for (int ops : {8, 10, 15, 20, 30}) {
    for (uint64_t seed = 0; seed < 40; ++seed) prefer.emplace_back(seed, ops);
  }
  for (const auto& [seed, ops] : prefer) {
    RandomState s = MakeRandomState(seed, ops);
    absl::StatusOr<std::string> b = SaveSnapshot(*s.fs, s.contexts());
    if (b.ok() && b->size() >= lo && b->size() <= hi) return {*std::move(b), seed, ops};
  }
  return {};
}

// ---- Backends for the registry cases: bytes held in a string, under any
// backend name.
class TaggedContents final : public FileContents {
 public:
  TaggedContents(std::string name, std::string data)
      : name_(std::move(name)), data_(std::move(data)) {}
  filesize_t Size() const override { return data_.size(); }
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override {
    if (offset >= data_.size()) return size_t{0};
    const size_t n = std::min<size_t>(out.size(), data_.size() - offset);
    std::memcpy(out.data(), data_.data() + offset, n);
    return n;
  }
  ContentsCapabilities capabilities() const override { return {false, false}; }
  std::string_view backend_name() const override { return name_; }
  const std::string& data() const { return data_; }

 private:
  std::string name_;
  std::string data_;
};

// A codec for TaggedContents whose save writes `extra_saved` bytes after the
// data and whose load reads `extra_loaded` bytes after it: unequal counts
// make the payload length and what the codec consumes disagree.
BackendCodec TaggedCodec(const std::string& name, int extra_saved, int extra_loaded) {
  BackendCodec codec;
  codec.name = name;
  codec.version = 1;
  codec.save = [extra_saved](const FileContents& c, SnapshotWriter& w) {
    w.String(dynamic_cast<const TaggedContents&>(c).data());
    for (int i = 0; i < extra_saved; ++i) w.U8(0xEE);
    return absl::OkStatus();
  };
  codec.load = [name, extra_loaded](uint32_t, SnapshotReader& r, const PayloadLimits&)
      -> absl::StatusOr<std::unique_ptr<FileContents>> {
    std::string data = r.String(r.remaining(), "tagged data");
    for (int i = 0; i < extra_loaded; ++i) (void)r.U8();
    return std::unique_ptr<FileContents>(std::make_unique<TaggedContents>(name, data));
  };
  return codec;
}

// ---- StateImage editing.

InodeRecord& Rec(StateImage& im, InodeId id) {
  for (InodeRecord& r : im.inodes) {
    if (r.id == id) return r;
  }
  throw std::runtime_error(absl::StrCat("no inode ", id, " in the image"));
}

EntryRecord& EntryOf(InodeRecord& dir, std::string_view name) {
  for (EntryRecord& e : dir.entries) {
    if (e.name == name) return e;
  }
  throw std::runtime_error(absl::StrCat("no entry ", std::string(name)));
}

void AddEntry(InodeRecord& dir, std::string name, InodeId child) {
  dir.entries.push_back({std::move(name), child, dir.next_seq++});
}

// Appends a new inode record (ids stay ascending) and returns its id.
InodeId AddInode(StateImage& im, InodeKind kind, uint64_t links) {
  InodeRecord& r = im.inodes.emplace_back();
  r.id = im.next_id++;
  r.kind = kind;
  r.links = links;
  return r.id;
}

FdRecord& FdOf(StateImage& im, fd_t fd) {
  for (FdRecord& f : im.contexts.at(0).fds) {
    if (f.fd == fd) return f;
  }
  throw std::runtime_error(absl::StrCat("no fd ", fd));
}

// Captures `fs` and `contexts`, lets `mutate` edit the image, and encodes it
// as given (EncodeSnapshot sorts entries by name and validates nothing).
std::string Craft(Filesystem& fs, absl::Span<Context* const> contexts,
                  const std::function<void(StateImage&)>& mutate,
                  const SaveOptions& options = {}) {
  std::string out;
  absl::Status s = WithCapturedState(fs, contexts, [&](StateImage& image) {
    try {
      mutate(image);
    } catch (const std::exception& e) {
      return absl::InternalError(e.what());
    }
    absl::StatusOr<std::string> b = EncodeSnapshot(image, options);
    if (!b.ok()) return b.status();
    out = *std::move(b);
    return absl::OkStatus();
  });
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

// Captures and mutates as Craft does, then runs ValidateImage on the image
// itself (for invariants that decoding already enforces on bytes).
absl::Status ValidateMutated(Filesystem& fs, absl::Span<Context* const> contexts,
                             const std::function<void(StateImage&)>& mutate) {
  absl::Status result;
  absl::Status s = WithCapturedState(fs, contexts, [&](StateImage& image) {
    mutate(image);
    result = ValidateImage(image, FilesystemOptions(), ContextOptions());
    return absl::OkStatus();
  });
  REQUIRE(s.ok());
  return result;
}

}  // namespace

// ---------------------------------------------------------------------------
// 1. Every prefix.

TEST_CASE("Every prefix of three snapshots is refused, and a target stays unchanged",
          "[snapshot][hostile]") {
  const Golden small = GoldenOfSize(1536, 3072, {{2, 20}});
  const Golden medium = GoldenOfSize(6 * 1024, 10 * 1024, {{6, 15}});
  const Golden large = GoldenOfSize(32 * 1024, 48 * 1024, {{9, 8}});
  REQUIRE(!small.bytes.empty());
  REQUIRE(!medium.bytes.empty());
  REQUIRE(!large.bytes.empty());

  // The target: a different state with as many contexts (two) as the snapshots.
  RandomState target = MakeRandomState(1234, 12);
  const std::string target_before = MustSave(*target.fs, target.contexts());

  uint64_t prefixes = 0, restores = 0;
  for (const Golden* g : {&small, &medium, &large}) {
    const std::string& bytes = g->bytes;
    INFO("snapshot of MakeRandomState(" << g->seed << ", " << g->ops << "), " << bytes.size()
                                        << " bytes");
    // The whole snapshot loads: the failures below are the truncation's.
    REQUIRE(LoadSnapshot(bytes).ok());
    size_t bad = 0, first_bad = 0;
    std::string first_bad_status;
    for (size_t n = 0; n < bytes.size(); ++n) {
      absl::StatusOr<LiveState> s = LoadSnapshot(std::string_view(bytes.data(), n));
      // The header sees every truncation: shorter than the header, or a
      // payload shorter than the header's length field.
      const bool right = !s.ok() && s.status().code() == absl::StatusCode::kDataLoss &&
                         Msg(s.status()).find(n < kSnapshotHeaderSize
                                                  ? "shorter than the header"
                                                  : "(truncated)") != std::string::npos;
      if (!right && bad++ == 0) {
        first_bad = n;
        first_bad_status = s.status().ToString();
      }
      ++prefixes;
    }
    INFO("first wrong prefix " << first_bad << ": " << first_bad_status);
    CHECK(bad == 0);

    size_t changed = 0, restored_ok = 0;
    for (size_t n = 0; n < bytes.size(); n += 97) {
      absl::Status s =
          RestoreSnapshot(std::string_view(bytes.data(), n), *target.fs, target.contexts());
      if (s.ok()) ++restored_ok;
      if (MustSave(*target.fs, target.contexts()) != target_before) ++changed;
      ++restores;
    }
    CHECK(restored_ok == 0);
    CHECK(changed == 0);
  }
  // The same target accepts a whole snapshot (so the refusals above were the
  // prefixes', not the target's).
  {
    RandomState t2 = MakeRandomState(1234, 12);
    REQUIRE(RestoreSnapshot(large.bytes, *t2.fs, t2.contexts()).ok());
    CHECK(MustSave(*t2.fs, t2.contexts()) == large.bytes);
  }

  // The smallest again, with the header's length patched to each prefix's
  // payload: the record parser, not the header, meets the truncation. First
  // with the checksum skipped, then with a recomputed (valid) checksum.
  uint64_t parsed = 0;
  std::map<std::string, int> where;  // first words of each parser message
  for (bool reseal : {false, true}) {
    LoadOptions lo;
    lo.verify_checksum = reseal;
    size_t bad = 0, first_bad = 0;
    std::string first_bad_status;
    for (size_t n = kSnapshotHeaderSize; n < small.bytes.size(); ++n) {
      std::string cut = small.bytes.substr(0, n);
      if (reseal) {
        Reseal(cut);
      } else {
        PutLE(cut, 16, n - kSnapshotHeaderSize, 8);
      }
      absl::StatusOr<LiveState> s = LoadSnapshot(cut, lo);
      const bool right = !s.ok() && s.status().code() == absl::StatusCode::kDataLoss &&
                         Msg(s.status()).find("checksum") == std::string::npos;
      if (!right && bad++ == 0) {
        first_bad = n;
        first_bad_status = s.status().ToString();
      }
      if (!s.ok() && !reseal) {
        const std::string m = Msg(s.status());
        std::string_view key = m;
        if (key.rfind("invalid snapshot: ", 0) == 0) key.remove_prefix(18);
        where[std::string(key.substr(0, std::min(key.find_first_of("0123456789"), key.size())))]++;
      }
      ++parsed;
    }
    INFO("reseal " << reseal << ": first wrong prefix " << first_bad << ": "
                   << first_bad_status);
    CHECK(bad == 0);
  }
  std::string kinds;
  for (const auto& [m, n] : where) absl::StrAppend(&kinds, "\n  ", n, " x ", m);
  WARN("every prefix: " << prefixes << " prefixes of snapshots of " << small.bytes.size()
                        << ", " << medium.bytes.size() << " and " << large.bytes.size()
                        << " bytes refused (100%); " << restores
                        << " sampled RestoreSnapshot calls left the target byte-identical; "
                        << parsed << " length-patched prefixes (checksum off, then resealed) "
                        << "refused by the record parser. Parser messages:" << kinds);
}

TEST_CASE("An empty view with a null data pointer is refused cleanly", "[snapshot][hostile]") {
  // HeaderError calls memcmp(bytes.data(), ...) with bytes.data() == nullptr
  // when the view is default-constructed; UBSan (nonnull-attribute) aborts.
  // Run in a child so that an abort is reported here instead of ending the
  // whole test binary.
  ChildResult c = RunInChild([] {
    absl::StatusOr<LiveState> s = LoadSnapshot(std::string_view());
    return absl::StrCat(static_cast<int>(s.status().code()), " ", Msg(s.status()));
  });
  INFO("child wait status " << c.wait_status << ", output: " << c.out);
  REQUIRE(c.exited_cleanly);
  CHECK(c.out.rfind(absl::StrCat(static_cast<int>(absl::StatusCode::kDataLoss), " "), 0) == 0);
}

// ---------------------------------------------------------------------------
// 2. Every bit flip.

TEST_CASE("Every bit flip of a 4 KiB snapshot gives an error or a state that passes fsck",
          "[snapshot][hostile]") {
  const Golden g = GoldenOfSize(3 * 1024, 5 * 1024, {{2, 30}, {0, 15}});
  REQUIRE(!g.bytes.empty());
  const std::string& golden = g.bytes;
  INFO("snapshot of MakeRandomState(" << g.seed << ", " << g.ops << "), " << golden.size()
                                      << " bytes");
  REQUIRE(LoadSnapshot(golden).ok());
  const uint64_t cases = 8 * golden.size();

  SECTION("with the checksum verified") {
    std::map<absl::StatusCode, uint64_t> codes;
    uint64_t successes = 0, bad = 0;
    std::string first_bad;
    std::string flipped = golden;
    for (uint64_t bit = 0; bit < cases; ++bit) {
      const size_t at = bit / 8;
      flipped[at] = static_cast<char>(flipped[at] ^ (1 << (bit % 8)));
      absl::StatusOr<LiveState> s = LoadSnapshot(flipped);
      flipped[at] = golden[at];
      if (s.ok()) {
        ++successes;
        if (!s->fs->Fsck().ok() && bad++ == 0) first_bad = absl::StrCat("bit ", bit);
        continue;
      }
      codes[s.status().code()]++;
      // The field decides the code: magic, version and flags are judged
      // before the checksum; everything else fails the length or checksum.
      absl::StatusCode want = absl::StatusCode::kDataLoss;
      if (at < 8) want = absl::StatusCode::kInvalidArgument;
      else if (at < 16) want = absl::StatusCode::kUnimplemented;
      if (s.status().code() != want && bad++ == 0) {
        first_bad = absl::StrCat("bit ", bit, ": ", s.status().ToString());
      }
    }
    INFO("first unexpected: " << first_bad);
    CHECK(bad == 0);
    CHECK(successes == 0);  // XXH3-64 catches every single-bit flip of the payload
    CHECK(codes[absl::StatusCode::kInvalidArgument] == 64);
    CHECK(codes[absl::StatusCode::kUnimplemented] == 64);
    CHECK(codes[absl::StatusCode::kDataLoss] == cases - 128);
    WARN("bit flips, checksum on: " << cases << " cases, " << cases - successes << " errors ("
                                    << codes[absl::StatusCode::kDataLoss] << " DataLoss, "
                                    << codes[absl::StatusCode::kInvalidArgument]
                                    << " InvalidArgument, "
                                    << codes[absl::StatusCode::kUnimplemented]
                                    << " Unimplemented), " << successes << " successes");
  }

  SECTION("with the checksum skipped, so the record parser sees every flip") {
    LoadOptions lo;
    lo.verify_checksum = false;
    std::map<absl::StatusCode, uint64_t> codes;
    uint64_t successes = 0, bad = 0, resaved = 0;
    std::string first_bad;
    std::string flipped = golden;
    for (uint64_t bit = 0; bit < cases; ++bit) {
      const size_t at = bit / 8;
      flipped[at] = static_cast<char>(flipped[at] ^ (1 << (bit % 8)));
      absl::StatusOr<LiveState> s = LoadSnapshot(flipped, lo);
      flipped[at] = golden[at];
      if (!s.ok()) {
        codes[s.status().code()]++;
        // Internal would mean validation let through what only the fsck
        // backstop (or the builder) caught.
        if (s.status().code() == absl::StatusCode::kInternal && bad++ == 0) {
          first_bad = absl::StrCat("bit ", bit, ": ", s.status().ToString());
        }
        continue;
      }
      ++successes;
      absl::Status fsck = s->fs->Fsck();
      // A state that restored is a state like any other: it saves, and the
      // save restores.
      absl::StatusOr<std::string> again = SaveSnapshot(*s->fs, Raw(*s));
      const bool round = again.ok() && LoadSnapshot(*again).ok();
      if (round) ++resaved;
      if ((!fsck.ok() || !round) && bad++ == 0) {
        first_bad = absl::StrCat("bit ", bit, ": fsck ", fsck.ToString(), ", resave ",
                                 again.status().ToString());
      }
    }
    std::string by_code;
    for (const auto& [code, n] : codes) absl::StrAppend(&by_code, " ", CodeName(code), " ", n);
    INFO("first unexpected: " << first_bad << "; errors by code:" << by_code);
    CHECK(bad == 0);
    CHECK(codes.count(absl::StatusCode::kInternal) == 0);
    // The parser really was reached: flips in the records give both
    // refusals (structure) and successes (times, contents, names, offsets).
    CHECK(codes[absl::StatusCode::kDataLoss] > 0);
    CHECK(successes > 0);
    WARN("bit flips, checksum off: " << cases << " cases, " << cases - successes
                                     << " errors (" << by_code << " ), " << successes
                                     << " successes, all passing fsck; " << resaved
                                     << " of them saved and restored again");
  }
}

// ---------------------------------------------------------------------------
// 3. One hand-crafted snapshot per invariant.

TEST_CASE("Each broken invariant gives its own error", "[snapshot][hostile]") {
  Sandbox sb(
      "base/f = hello\n"
      "base/g = world\n"
      "base/oaa = 1\n"
      "base/obb = 2\n"
      "base/d/\n"
      "base/d/e = x\n"
      "base/l -> f\n");
  Context& c = sb.ctx();
  Result<fd_t> opened = Open(c, sb.base(), "f");
  INFO("open f: " << (opened.ok() ? "ok" : ErrnoName(opened.error())));
  REQUIRE(opened.ok());
  const fd_t file_fd = *opened;
  const std::string fd_words = absl::StrCat("context 0 fd ", file_fd, " ");
  absl::StatusOr<std::pair<fd_t, fd_t>> pipe_fds = c.CreatePipe();
  REQUIRE(pipe_fds.ok());
  Context* ctxs[] = {&c};
  const InodeId base = sb.fs().Stat("base")->ino;
  const InodeId f = sb.fs().Stat("base/f")->ino;
  const InodeId d = sb.fs().Stat("base/d")->ino;
  const InodeId l = sb.fs().Stat("base/l")->ino;
  const InodeId pipe_inode = c.LookupDescriptor(pipe_fds->first)->inode;

  // The target of every failed restore, with one context like the snapshots.
  Sandbox target("base/other = 2\n");
  Context* target_ctxs[] = {&target.ctx()};
  const std::string target_before = MustSave(target.fs(), target_ctxs);

  const std::string good = Craft(sb.fs(), ctxs, [](StateImage&) {});
  REQUIRE(good == MustSave(sb.fs(), ctxs));
  REQUIRE(LoadSnapshot(good).ok());
  // At the limits the same edits load, so the refusals below are the limits'.
  {
    const std::vector<std::pair<std::string, std::function<void(StateImage&)>>> controls = {
        {"a 255-byte name",
         [&](StateImage& im) { EntryOf(Rec(im, base), "f").name = std::string(255, 'n'); }},
        {"a UTF-8 name", [&](StateImage& im) { EntryOf(Rec(im, base), "f").name = "\xc3\xa9t\xc3\xa9"; }},
        {"a 4096-byte symlink target",
         [&](StateImage& im) { Rec(im, l).target = std::string(4096, 't'); }},
        {"an fd offset of INT64_MAX",
         [&](StateImage& im) {
           FdOf(im, file_fd).offset = uint64_t{std::numeric_limits<int64_t>::max()};
         }},
        {"next_id far above the last inode", [&](StateImage& im) { im.next_id += 1000; }},
    };
    for (const auto& [what, mutate] : controls) {
      INFO("control: " << what);
      absl::StatusOr<LiveState> s = LoadSnapshot(Craft(sb.fs(), ctxs, mutate));
      INFO(s.status().ToString());
      CHECK(s.ok());
    }
  }

  struct Case {
    std::string what;
    std::string bytes;
    absl::StatusCode code;
    std::vector<std::string> words;
    LoadOptions options = {};
    bool restore = true;  // RestoreSnapshot ignores options.context
  };
  std::vector<Case> cases;
  auto edit = [&](std::string what, absl::StatusCode code, std::vector<std::string> words,
                  const std::function<void(StateImage&)>& mutate) {
    cases.push_back({std::move(what), Craft(sb.fs(), ctxs, mutate), code, std::move(words)});
  };
  auto patch = [&](std::string what, absl::StatusCode code, std::vector<std::string> words,
                   const std::function<void(std::string&)>& fn) {
    std::string b = good;
    fn(b);
    cases.push_back({std::move(what), std::move(b), code, std::move(words)});
  };
  const auto kLoss = absl::StatusCode::kDataLoss;
  const std::string in_base = absl::StrCat("directory ", base, " ");
  auto rename_f = [&](std::string to) {
    return [&, to](StateImage& im) { EntryOf(Rec(im, base), "f").name = to; };
  };

  // Entry names.
  edit("empty name", kLoss, {in_base, "invalid entry name ''"}, rename_f(""));
  edit("name '.'", kLoss, {in_base, "invalid entry name '.'"}, rename_f("."));
  edit("name '..'", kLoss, {in_base, "invalid entry name '..'"}, rename_f(".."));
  edit("name 'a/b'", kLoss, {in_base, "invalid entry name 'a/b'"}, rename_f("a/b"));
  edit("name with NUL", kLoss, {in_base, "invalid entry name 'a\\0b'"},
       rename_f(std::string("a\0b", 3)));
  edit("name not UTF-8", kLoss, {in_base, "is not UTF-8"}, rename_f("bad\xff\xfe"));
  edit("name of 256 bytes", kLoss, {"entry name length 256 exceeds the limit 255"},
       rename_f(std::string(256, 'n')));
  edit("duplicate names", kLoss, {in_base, "has the name 'f' twice"},
       [&](StateImage& im) { EntryOf(Rec(im, base), "g").name = "f"; });
  // EncodeSnapshot sorts entries by name, so the order is broken in the
  // bytes: the names "oaa" and "obb" swap places, their records do not.
  patch("names out of order", kLoss, {in_base, "not in name order at 'oaa'"},
        [&](std::string& b) {
          const size_t a = FindString(b, "oaa") + 8;
          const size_t z = FindString(b, "obb") + 8;
          REQUIRE(a < z);
          for (int i = 0; i < 3; ++i) std::swap(b[a + i], b[z + i]);
          Reseal(b);
        });

  // The graph.
  edit("a directory with two parents", kLoss,
       {absl::StrCat("directory ", base, " has two parents")},
       [&](StateImage& im) { AddEntry(Rec(im, 1), "again", base); });
  edit("a parent cycle off the root", kLoss, {"is its own ancestor (a parent cycle)"},
       [&](StateImage& im) {
         const InodeId x = AddInode(im, InodeKind::kDirectory, 1);
         const InodeId y = AddInode(im, InodeKind::kDirectory, 1);
         AddEntry(Rec(im, x), "y", y);
         AddEntry(Rec(im, y), "x", x);
       });
  edit("a directory naming itself", kLoss, {"is its own ancestor (a parent cycle)"},
       [&](StateImage& im) {
         const InodeId x = AddInode(im, InodeKind::kDirectory, 1);
         AddEntry(Rec(im, x), "self", x);
       });
  edit("a dangling child id", kLoss, {in_base, "entry 'ghost' names missing inode 999999"},
       [&](StateImage& im) { AddEntry(Rec(im, base), "ghost", 999999); });
  edit("an entry naming a stream", kLoss, {in_base, "entry 'p' names a buffer"},
       [&](StateImage& im) { AddEntry(Rec(im, base), "p", pipe_inode); });
  edit("an entry naming the root", kLoss, {in_base, "entry 'up' names a root"},
       [&](StateImage& im) { AddEntry(Rec(im, base), "up", 1); });
  edit("a wrong nlink", kLoss,
       {absl::StrCat("inode ", f, " has nlink 2 but 1 entries name it")},
       [&](StateImage& im) { Rec(im, f).links = 2; });
  edit("an inode neither linked nor open", kLoss, {"is neither linked nor open"},
       [&](StateImage& im) {
         const InodeId s = AddInode(im, InodeKind::kSymlink, 0);
         Rec(im, s).target = "x";
       });
  edit("an unlinked directory not marked removed", kLoss,
       {"unlinked directory", "is not marked removed"}, [&](StateImage& im) {
         const InodeId x = AddInode(im, InodeKind::kDirectory, 0);
         im.contexts[0].fds.push_back({200, x, rights::kFdReaddir, Rights(), Fdflags(), 0,
                                       false, "", false});
       });
  edit("a removed directory that still has entries", kLoss,
       {absl::StrCat("removed directory ", d, " is not empty and unlinked")},
       [&](StateImage& im) { Rec(im, d).removed = true; });
  edit("an entry sequence number at next_seq", kLoss, {in_base, "entry 'g' has sequence"},
       [&](StateImage& im) { EntryOf(Rec(im, base), "g").seq = Rec(im, base).next_seq; });
  edit("a sequence number used twice", kLoss, {in_base, "twice"}, [&](StateImage& im) {
    EntryOf(Rec(im, base), "g").seq = EntryOf(Rec(im, base), "f").seq;
  });
  edit("next_seq below the first entry's", kLoss, {"next sequence number 2 is outside [3, "},
       [&](StateImage& im) { Rec(im, d).next_seq = 2; });

  // Inodes.
  edit("Root (inode 1) not a directory", kLoss,
       {"inode 1 is a symlink; the root must be inode 1"}, [&](StateImage& im) {
         InodeRecord& r = Rec(im, 1);
         r.kind = InodeKind::kSymlink;
         r.target = "nowhere";
       });
  edit("a second root", kLoss, {absl::StrCat("inode ", d, " is a root; the root must be")},
       [&](StateImage& im) { Rec(im, d).kind = InodeKind::kRoot; });
  edit("no root at all", kLoss, {"there is no root directory (inode 1)"},
       [&](StateImage& im) {
         // Keep everything else consistent: base becomes a removed orphan
         // held by its preopen.
         im.inodes.erase(std::find_if(im.inodes.begin(), im.inodes.end(),
                                      [](const InodeRecord& r) { return r.id == 1; }));
         Rec(im, base).links = 0;
       });
  edit("an inode id not below next_id", kLoss, {"is not below the inode counter"},
       [&](StateImage& im) {
         InodeId top = 0;
         for (const InodeRecord& r : im.inodes) top = std::max(top, r.id);
         im.next_id = top;
       });
  // The encoder writes records in id order, so a repeated id is the case
  // that reaches the reader's "strictly ascending" check.
  edit("an inode id repeated", kLoss, {"is out of order or repeated"},
       [&](StateImage& im) { Rec(im, l).id = d; });
  edit("a symlink target over 4096 bytes", kLoss,
       {"symlink target length 4097 exceeds the limit 4096"},
       [&](StateImage& im) { Rec(im, l).target = std::string(4097, 't'); });
  // Descriptors.
  edit("an fd naming a missing inode", kLoss, {fd_words + "names missing inode 888888"},
       [&](StateImage& im) { FdOf(im, file_fd).inode = 888888; });
  edit("a file fd with PATH_OPEN", kLoss,
       {fd_words + "has rights wider than a file descriptor may hold"},
       [&](StateImage& im) { FdOf(im, file_fd).base |= rights::kPathOpen; });
  edit("a file fd with inheriting rights", kLoss,
       {fd_words + "has rights wider than a file descriptor may hold"},
       [&](StateImage& im) { FdOf(im, file_fd).inheriting = rights::kFdRead; });
  edit("a stream fd with FD_SEEK", kLoss,
       {"has rights wider than a buffer descriptor may hold"},
       [&](StateImage& im) { FdOf(im, pipe_fds->first).base |= rights::kFdSeek; });
  // A hostile capacity would let guest writes buffer without bound.
  edit("a stream capacity over the limit", kLoss,
       {absl::StrCat("stream ", pipe_inode, " capacity 18446744073709551615 is over the limit ",
                     Stream::kDefaultCapacity)},
       [&](StateImage& im) { Rec(im, pipe_inode).capacity = ~uint64_t{0}; });
  edit("an fd offset above INT64_MAX", kLoss,
       {fd_words + "offset 9223372036854775808 is beyond any seekable position"},
       [&](StateImage& im) {
         FdOf(im, file_fd).offset = uint64_t{std::numeric_limits<int64_t>::max()} + 1;
       });
  edit("unknown fdflags", kLoss, {fd_words + "has unknown fdflags"},
       [&](StateImage& im) { FdOf(im, file_fd).flags = Fdflags(0x20); });
  edit("a preopen on a file", kLoss, {fd_words + "is a preopen of a file"},
       [&](StateImage& im) {
         FdOf(im, file_fd).is_preopen = true;
         FdOf(im, file_fd).preopen_name = "/f";
       });
  edit("a preopen name on a plain fd", kLoss, {fd_words + "has a preopen name but is not a preopen"},
       [&](StateImage& im) { FdOf(im, file_fd).preopen_name = "/f"; });
  edit("a stream write end on a file", kLoss,
       {fd_words + "holds a stream's write end but names a file"},
       [&](StateImage& im) { FdOf(im, file_fd).stream_writer = true; });
  edit("a repeated fd number", kLoss, {fd_words + "is out of order or repeated"},
       [&](StateImage& im) {
         auto& fds = im.contexts[0].fds;
         FdRecord copy = FdOf(im, file_fd);
         fds.insert(fds.begin() + 2, copy);
       });
  {
    std::string b = good;
    LoadOptions lo;
    lo.context.max_fds = 2;
    cases.push_back({"more descriptors than max_fds", b, kLoss,
                     {"context 0 has 4 descriptors, over the limit 2"}, lo, false});
  }

  // Header and framing.
  patch("bad magic", absl::StatusCode::kInvalidArgument, {"not a vfs snapshot (bad magic)"},
        [](std::string& b) { b[0] = 'X'; });
  patch("bad magic in a 3-byte input", absl::StatusCode::kInvalidArgument, {"bad magic"},
        [](std::string& b) { b = "VFX"; });
  patch("unknown version", absl::StatusCode::kUnimplemented,
        {"snapshot format version 2 is not supported"},
        [](std::string& b) { PutLE(b, 8, 2, 4); });
  patch("unknown flags", absl::StatusCode::kUnimplemented, {"unknown flags 0x1"},
        [](std::string& b) { PutLE(b, 12, 1, 4); });
  patch("checksum mismatch (payload changed)", kLoss, {"checksum mismatch"},
        [](std::string& b) { b[b.size() - 3] ^= 0x10; });
  patch("checksum mismatch (checksum changed)", kLoss, {"checksum mismatch"},
        [](std::string& b) { b[24] ^= 0x01; });
  patch("header length above the payload", kLoss, {"(truncated)"},
        [](std::string& b) { PutLE(b, 16, GetLE(b, 16, 8) + 1, 8); });
  patch("a byte after the payload the header counts", kLoss, {"(trailing bytes)"},
        [](std::string& b) { b.push_back('\0'); });
  patch("trailing bytes after the last record", kLoss, {"1 bytes follow the last record"},
        [](std::string& b) {
          b.push_back('\0');
          Reseal(b);
        });
  patch("payload not marked little-endian", kLoss, {"payload is not marked little-endian"},
        [](std::string& b) {
          b[kSnapshotHeaderSize] = 0;
          Reseal(b);
        });
  patch("a boolean byte of 2", kLoss, {"boolean byte is 2"}, [](std::string& b) {
    b[kSnapshotHeaderSize + 1] = 2;  // the deterministic-clock flag
    Reseal(b);
  });
  patch("an unknown inode kind", kLoss, {"inode 1 has unknown kind 9"}, [](std::string& b) {
    // endianness, clock flag, next, step, next_id, inode count, root id: 42.
    REQUIRE(GetLE(b, kSnapshotHeaderSize + 34, 8) == 1);
    b[kSnapshotHeaderSize + 42] = 9;
    Reseal(b);
  });
  patch("an unknown memory payload version", absl::StatusCode::kUnimplemented,
        {"(backend 'memory'): memory payload version 2 is unknown"}, [](std::string& b) {
          const size_t at = b.find(std::string("\x06\0\0\0\0\0\0\0memory", 14));
          REQUIRE(at != std::string::npos);
          PutLE(b, at + 14, 2, 4);
          Reseal(b);
        });

  // Backends, through registries.
  BackendRegistry registry;
  REQUIRE(registry.Register(TaggedCodec("hostile-unregistered", 0, 0)).ok());
  REQUIRE(registry.Register(TaggedCodec("hostile-extra", 1, 0)).ok());
  REQUIRE(registry.Register(TaggedCodec("hostile-short", 0, 1)).ok());
  auto with_backend = [&](const std::string& name) {
    Sandbox s;
    REQUIRE(s.fs().AddFile("base/t", std::make_unique<TaggedContents>(name, "data")).ok());
    Context* cs[] = {&s.ctx()};
    SaveOptions so;
    so.registry = &registry;
    return Craft(s.fs(), cs, [](StateImage&) {}, so);
  };
  LoadOptions with_registry;
  with_registry.registry = &registry;
  cases.push_back({"an unknown backend name", with_backend("hostile-unregistered"),
                   absl::StatusCode::kNotFound,
                   {"uses backend 'hostile-unregistered', which is not registered"}});
  cases.push_back({"a payload longer than its codec reads", with_backend("hostile-extra"),
                   kLoss,
                   {"payload has 1 unread bytes (payload length mismatch)"},
                   with_registry});
  cases.push_back({"a payload shorter than its codec reads", with_backend("hostile-short"),
                   kLoss, {"unexpected end of input"}, with_registry});
  // The payload-length field of a memory file, one more than its payload:
  // the frame takes a byte of the next record, which the codec leaves unread.
  patch("a memory payload length one too long", kLoss,
        {"payload has 1 unread bytes (payload length mismatch)"}, [](std::string& b) {
          const size_t name = b.find(std::string("\x06\0\0\0\0\0\0\0memory", 14));
          REQUIRE(name != std::string::npos);
          const size_t at = name + 14 + 4;  // past the name and the codec version
          PutLE(b, at, GetLE(b, at, 8) + 1, 8);
          Reseal(b);
        });

  // Run them all.
  int passed = 0;
  for (const Case& k : cases) {
    INFO("case: " << k.what);
    absl::StatusOr<LiveState> s = LoadSnapshot(k.bytes, k.options);
    INFO("got: " << s.status().ToString());
    bool ok = !s.ok() && s.status().code() == k.code;
    CHECK_FALSE(s.ok());
    CHECK(CodeName(s.status().code()) == std::string(CodeName(k.code)));
    for (const std::string& w : k.words) {
      INFO("want the words: " << w);
      const bool has = Msg(s.status()).find(w) != std::string::npos;
      CHECK(has);
      ok = ok && has;
    }
    if (k.restore) {
      absl::Status r = RestoreSnapshot(k.bytes, target.fs(), target_ctxs, k.options);
      CHECK(r.code() == s.status().code());
      CHECK(MustSave(target.fs(), target_ctxs) == target_before);
    }
    passed += ok ? 1 : 0;
  }

  // Invariants that decoding already enforces on bytes are enforced again by
  // ValidateImage on an image (fork builds from images without bytes).
  struct Direct {
    std::string what;
    std::function<void(StateImage&)> mutate;
    std::string words;
  };
  const std::vector<Direct> direct = {
      {"ValidateImage: a 256-byte name",
       [&](StateImage& im) { EntryOf(Rec(im, base), "f").name = std::string(256, 'n'); },
       "entry name is 256 bytes, over the limit 255"},
      {"ValidateImage: a 4097-byte symlink target",
       [&](StateImage& im) { Rec(im, l).target = std::string(4097, 't'); },
       absl::StrCat("symlink ", l, " target is 4097 bytes, over the limit 4096")},
      {"ValidateImage: a file without contents",
       [&](StateImage& im) { Rec(im, f).contents = nullptr; },
       absl::StrCat("file ", f, " has no contents")},
  };
  for (const Direct& k : direct) {
    INFO("case: " << k.what);
    absl::Status s = ValidateMutated(sb.fs(), ctxs, k.mutate);
    INFO("got: " << s.ToString());
    const bool ok = s.code() == absl::StatusCode::kDataLoss &&
                    Msg(s).find(k.words) != std::string::npos;
    CHECK(ok);
    passed += ok ? 1 : 0;
  }
  const size_t total = cases.size() + direct.size();
  CHECK(total >= 18);
  CHECK(passed == static_cast<int>(total));
  WARN("semantic validation: " << passed << " / " << total
                               << " hand-crafted invalid snapshots gave their specific "
                                  "error; every failed RestoreSnapshot left the target "
                                  "byte-identical");
  REQUIRE_OK(c.fd_close(pipe_fds->first));
  REQUIRE_OK(c.fd_close(pipe_fds->second));
}

TEST_CASE("A restored inode counter at the top of its range never reuses an id",
          "[snapshot][hostile]") {
  // BUG: ValidateImage (serialize/state.cc) only requires every id to be
  // below next_id, so next_id = 2^64 - 1 restores; Filesystem::NewInode
  // (vfs/filesystem.cc) then hands out 2^64 - 1, wraps the counter to 0,
  // and the third new inode gets id 1, the root's: inodes_.emplace keeps the
  // root, the new Inode is freed on return, and the caller links a freed
  // pointer (heap-use-after-free under ASan). Run in a child so that the
  // abort is reported here.
  Sandbox sb("base/f = kept\n");
  Context* ctxs[] = {&sb.ctx()};
  const std::string bytes = Craft(sb.fs(), ctxs, [](StateImage& im) {
    im.next_id = std::numeric_limits<uint64_t>::max();
  });
  ChildResult c = RunInChild([&]() -> std::string {
    absl::StatusOr<LiveState> s = LoadSnapshot(bytes);
    if (!s.ok()) return absl::StrCat("refused ", s.status().ToString());
    std::string out = "restored";
    for (const char* name : {"a", "b", "c", "d"}) {
      absl::Status w = s->fs->WriteFile(name, "new");
      absl::StrAppend(&out, "; ", name, ": ", w.ok() ? "created" : w.ToString());
    }
    absl::StatusOr<std::string> kept = s->fs->ReadFile("base/f");
    absl::StrAppend(&out, "; base/f ", kept.ok() ? *kept : kept.status().ToString(),
                    "; fsck ", s->fs->Fsck().ToString());
    return out;
  });
  INFO("child wait status " << c.wait_status << ": " << c.out);
  REQUIRE(c.exited_cleanly);
  // Refusing the snapshot, or refusing to create past the end of the id
  // space, are both fine; reusing an id is not.
  const bool refused = c.out.rfind("refused", 0) == 0;
  const bool sound = c.out.find("base/f kept; fsck OK") != std::string::npos;
  CHECK((refused || sound));
}

TEST_CASE("A restored directory sequence counter at the top of its range stays sound",
          "[snapshot][hostile]") {
  // BUG: ValidateImage (serialize/state.cc) accepts next_seq = 2^64 - 1;
  // Directory::InsertWithSeq (vfs/filesystem.cc) then gives the next entry
  // seq 2^64 - 1 and sets next_seq to 0, so fsck fails at once (seq >=
  // next_seq), and later entries get seqs 0, 1, 2 that readdir never lists
  // (it resumes after the cookie of "..", 2) and that collide with existing
  // seqs from 3 on.
  Sandbox sb("base/d/\nbase/d/old = 1\n");
  Context* ctxs[] = {&sb.ctx()};
  const InodeId d = sb.fs().Stat("base/d")->ino;
  const std::string bytes = Craft(sb.fs(), ctxs, [&](StateImage& im) {
    Rec(im, d).next_seq = std::numeric_limits<uint64_t>::max();
  });
  absl::StatusOr<LiveState> s = LoadSnapshot(bytes);
  if (!s.ok()) {
    SUCCEED("refused: " << s.status().ToString());
    return;
  }
  // Accepted: then new entries must work like any others.
  const absl::Status x = s->fs->WriteFile("base/d/x", "1");
  const absl::Status y = s->fs->WriteFile("base/d/y", "2");
  INFO("creating x: " << x.ToString() << ", y: " << y.ToString());
  const absl::Status fsck = s->fs->Fsck();
  INFO("fsck after creating: " << fsck.ToString());
  CHECK(fsck.ok());
  Context& rc = *s->contexts[0];
  Result<fd_t> dir = Open(rc, sb.base(), "d", oflags::kDirectory, rights::kDirectoryBase);
  REQUIRE(dir.ok());
  Result<std::vector<Listed>> listing = ListDir(rc, *dir);
  REQUIRE(listing.ok());
  std::vector<std::string> want = {".", "..", "old"};
  if (x.ok()) want.push_back("x");
  if (y.ok()) want.push_back("y");
  CHECK(Names(*listing) == want);
}

// ---------------------------------------------------------------------------
// 4. Hostile counts and tiny extents, with the peak RSS of the restore.

namespace {

// A snapshot of one memory file (inode 2, named "f" in the root) built from
// `extents` extents of one byte each, the i-th at offset at(i), and one
// context holding the file open read-only at fd 3.
std::string OneByteExtents(uint64_t extents, const std::function<uint64_t(uint64_t)>& at,
                           uint64_t size) {
  return Frame(Payload([&](SnapshotWriter& w) {
    Head(w, 3, 2);
    InodeHead(w, 1, InodeKind::kRoot, 0);
    DirBody(w, 4, 1);
    EntryRec(w, "f", 2, 3);
    InodeHead(w, 2, InodeKind::kFile, 1);
    MemoryFile(w, size, [&](SnapshotWriter& m) {
      m.U64(extents);
      for (uint64_t i = 0; i < extents; ++i) {
        m.U64(at(i));
        m.U64(1);
        m.U8(static_cast<uint8_t>('A' + i % 26));
      }
    });
    w.U64(1);
    w.U64(1);
    FdRec(w, 3, 2, rights::kFdRead | rights::kFdSeek, Rights(), false, "");
  }));
}

}  // namespace

TEST_CASE("Hostile counts are refused before allocation", "[snapshot][hostile]") {
  // The encoder here writes what the loader reads: a hand-made snapshot loads.
  {
    absl::StatusOr<LiveState> s = LoadSnapshot(HandMadeSnapshot());
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    CHECK(*s->fs->ReadFile("f") == "abc");
    CHECK(s->fs->Fsck().ok());
  }

  struct Case {
    std::string what;
    std::string bytes;
    absl::StatusCode code;
    std::string words;
  };
  const auto kLoss = absl::StatusCode::kDataLoss;
  auto root_with = [](uint64_t next_id, uint64_t inodes, uint64_t entries) {
    return [=](SnapshotWriter& w) {
      Head(w, next_id, inodes);
      InodeHead(w, 1, InodeKind::kRoot, 0);
      DirBody(w, 3 + entries, entries);
    };
  };
  auto pad = [](SnapshotWriter& w) {
    for (int i = 0; i < 64; ++i) w.U8(0);
  };
  const std::vector<Case> cases = {
      {"2^32 inodes", Frame(Payload([&](SnapshotWriter& w) {
         Head(w, 2, k2To32);
         pad(w);
       })),
       kLoss, "inode count 4294967296 cannot fit"},
      {"a directory with 10^9 entries", Frame(Payload([&](SnapshotWriter& w) {
         Head(w, 2, 1);
         InodeHead(w, 1, InodeKind::kRoot, 0);
         DirBody(w, 3, 1'000'000'000);
         pad(w);
       })),
       kLoss, "directory entry count 1000000000 cannot fit"},
      {"a 2^40-byte entry name", Frame(Payload([&](SnapshotWriter& w) {
         root_with(2, 1, 1)(w);
         w.U64(k2To40);
         pad(w);
       })),
       kLoss, "entry name length 1099511627776 exceeds the limit 255"},
      {"a 2^40-byte stream string", Frame(Payload([&](SnapshotWriter& w) {
         Head(w, 3, 1);
         InodeHead(w, 2, InodeKind::kBuffer, 0);
         w.U64(1024);  // capacity
         w.Bool(true);
         w.U64(k2To40);
         pad(w);
       })),
       kLoss, "stream bytes length 1099511627776 exceeds the limit"},
      {"a 2^40-byte symlink target", Frame(Payload([&](SnapshotWriter& w) {
         Head(w, 3, 1);
         InodeHead(w, 2, InodeKind::kSymlink, 1);
         w.U64(k2To40);
         pad(w);
       })),
       kLoss, "symlink target length 1099511627776 exceeds the limit 4096"},
      {"a 2^40-byte backend name", Frame(Payload([&](SnapshotWriter& w) {
         Head(w, 3, 1);
         InodeHead(w, 2, InodeKind::kFile, 1);
         w.U64(k2To40);
         pad(w);
       })),
       kLoss, "backend name length 1099511627776 exceeds the limit 64"},
      {"a 2^40-byte file payload length", Frame(Payload([&](SnapshotWriter& w) {
         Head(w, 3, 1);
         InodeHead(w, 2, InodeKind::kFile, 1);
         w.String("memory");
         w.U32(1);
         w.U64(k2To40);
         pad(w);
       })),
       kLoss, "file payload length 1099511627776 runs past the end"},
      {"a memory extent of 2^40 bytes", Frame(Payload([&](SnapshotWriter& w) {
         Head(w, 3, 1);
         InodeHead(w, 2, InodeKind::kFile, 1);
         MemoryFile(w, k2To40, [&](SnapshotWriter& m) {
           m.U64(1);
           m.U64(0);
           m.U64(k2To40);
           pad(m);
         });
       })),
       kLoss, "length 1099511627776) does not start a 64 KiB chunk or is longer than one"},
      {"2^40 memory extents", Frame(Payload([&](SnapshotWriter& w) {
         Head(w, 3, 1);
         InodeHead(w, 2, InodeKind::kFile, 1);
         MemoryFile(w, k2To40, [&](SnapshotWriter& m) {
           m.U64(k2To40);
           pad(m);
         });
       })),
       kLoss, "extent count 1099511627776 cannot fit"},
      {"a memory file of 2^41 bytes", Frame(Payload([&](SnapshotWriter& w) {
         Head(w, 3, 1);
         InodeHead(w, 2, InodeKind::kFile, 1);
         MemoryFile(w, 2 * k2To40, [&](SnapshotWriter& m) { m.U64(0); });
       })),
       absl::StatusCode::kOutOfRange, "file size 2199023255552 exceeds the limit 1099511627776"},
      {"2^32 contexts", Frame(Payload([&](SnapshotWriter& w) {
         root_with(2, 1, 0)(w);
         w.U64(k2To32);
         pad(w);
       })),
       kLoss, "context count 4294967296 cannot fit"},
      {"2^32 descriptors", Frame(Payload([&](SnapshotWriter& w) {
         root_with(2, 1, 0)(w);
         w.U64(1);
         w.U64(k2To32);
         pad(w);
       })),
       kLoss, "descriptor count 4294967296 cannot fit"},
      {"a 2^40-byte preopen name", Frame(Payload([&](SnapshotWriter& w) {
         root_with(2, 1, 0)(w);
         w.U64(1);
         w.U64(1);
         w.U32(3);
         w.U64(1);
         w.U64(rights::kDirectoryBase.bits());
         w.U64(0);
         w.U16(0);
         w.U64(0);
         w.Bool(true);
         w.U64(k2To40);
         pad(w);
       })),
       kLoss, "preopen name length 1099511627776 exceeds the limit 4096"},
  };

  std::string figures;
  long worst_kib = 0;
  for (const Case& k : cases) {
    INFO("case: " << k.what << " (" << k.bytes.size() << " bytes)");
    CHECK(k.bytes.size() < 1024);
    const Measured m = MeasureLoad(k.bytes);
    INFO("fresh process wait status " << m.wait_status);
    REQUIRE(m.ran);
    INFO("got " << CodeName(m.code) << ": " << m.message);
    CHECK(m.code == k.code);
    CHECK(m.message.find(k.words) != std::string::npos);
    const long limit_kib = static_cast<long>((4 * k.bytes.size() + 1024 * 1024) / 1024);
    INFO("peak RSS growth " << m.growth_kib << " KiB, limit " << limit_kib << " KiB");
    CHECK(m.growth_kib <= limit_kib);
    worst_kib = std::max(worst_kib, m.growth_kib);
    absl::StrAppend(&figures, "\n  ", k.what, ": ", k.bytes.size(), " bytes, ",
                    CodeName(m.code), ", RSS +", m.growth_kib, " KiB");
  }

  // The largest count the byte check lets through: 1 MiB of payload
  // claiming as many inodes as could fit in it. The records vector is
  // allocated for that count before the records are read.
  {
    const size_t payload_bytes = size_t{1} << 20;
    const std::string bytes = Frame(Payload([&](SnapshotWriter& w) {
      const uint64_t after_count = payload_bytes - 34;
      Head(w, 2, after_count / 49);
      const std::vector<uint8_t> zeros(after_count, 0);
      w.Raw(zeros);
    }));
    const Measured m = MeasureLoad(bytes);
    INFO("fresh process wait status " << m.wait_status);
    REQUIRE(m.ran);
    INFO("got " << CodeName(m.code) << ": " << m.message);
    CHECK(m.code == kLoss);
    const double multiple = static_cast<double>(m.growth_kib) * 1024 / bytes.size();
    const long limit_kib = static_cast<long>((4 * bytes.size() + 1024 * 1024) / 1024);
    INFO("peak RSS growth " << m.growth_kib << " KiB, limit " << limit_kib << " KiB");
    CHECK(m.growth_kib <= limit_kib);
    absl::StrAppend(&figures, "\n  the largest inode count that fits 1 MiB (",
                    (payload_bytes - 34) / 49, " inodes): ", CodeName(m.code), ", RSS +",
                    m.growth_kib, " KiB = ", absl::StrFormat("%.2f", multiple),
                    " x the input");
  }
  WARN("hostile counts: " << cases.size() << " payloads under 1 KiB refused with their "
                          << "error, peak RSS growth at most " << worst_kib
                          << " KiB (limit 4 x input + 1 MiB):" << figures);
}

TEST_CASE("Many tiny extents restore in memory proportional to the input",
          "[snapshot][hostile]") {
  // 20,000 one-byte extents, one at the start of each 64 KiB chunk: a
  // sparse 1.3 GB file described in ~340 KB.
  constexpr uint64_t kExtents = 20'000;
  const std::string bytes =
      OneByteExtents(kExtents, [](uint64_t i) { return i * kChunk; }, kExtents * kChunk);
  const Measured m = MeasureLoad(bytes);
  INFO("fresh process wait status " << m.wait_status);
  REQUIRE(m.ran);
  INFO("got " << CodeName(m.code) << ": " << m.message);
  REQUIRE(m.code == absl::StatusCode::kOk);
  CHECK(m.fsck_ok);
  CHECK(m.resaves_same);  // every extent's byte and offset came back
  const double multiple = static_cast<double>(m.growth_kib) * 1024 / bytes.size();
  const long limit_kib = static_cast<long>((16 * bytes.size() + 1024 * 1024) / 1024);
  INFO("peak RSS growth " << m.growth_kib << " KiB, limit " << limit_kib << " KiB");
  CHECK(m.growth_kib <= limit_kib);
  WARN("tiny extents: " << kExtents << " one-byte extents at chunk starts, "
                        << bytes.size() << " bytes of snapshot, restored with peak RSS +"
                        << m.growth_kib << " KiB = " << absl::StrFormat("%.2f", multiple)
                        << " x the input (limit 16 x + 1 MiB)");
}

TEST_CASE("A one-byte extent at the end of a chunk does not cost the whole chunk",
          "[snapshot][hostile]") {
  // BUG (backends/memory_contents.cc MakeWritable, reached from LoadMemory
  // in serialize/backend_registry.cc): a chunk keeps an initialised prefix
  // from its start, so restoring a 1-byte extent at offset 64 KiB * k +
  // 65535 allocates and zeroes a whole 64 KiB chunk for 17 bytes of input.
  // 256 such extents (~4.5 KB) cost ~16 MiB; 20,000 (~340 KB) would cost
  // 1.25 GiB. SaveMemory only ever writes extents that start on a chunk
  // boundary, so the loader can refuse the others.
  constexpr uint64_t kExtents = 256;
  const std::string bytes = OneByteExtents(
      kExtents, [](uint64_t i) { return i * kChunk + (kChunk - 1); }, kExtents * kChunk);
  const Measured m = MeasureLoad(bytes);
  INFO("fresh process wait status " << m.wait_status);
  REQUIRE(m.ran);
  INFO("got " << CodeName(m.code) << ": " << m.message);
  const double multiple = static_cast<double>(m.growth_kib) * 1024 / bytes.size();
  const long limit_kib = static_cast<long>((16 * bytes.size() + 1024 * 1024) / 1024);
  INFO("peak RSS growth " << m.growth_kib << " KiB = " << multiple << " x the " << bytes.size()
                          << "-byte input; limit " << limit_kib << " KiB");
  WARN("chunk-end extents: " << kExtents << " one-byte extents, " << bytes.size()
                             << " bytes of snapshot, " << CodeName(m.code)
                             << ", peak RSS +" << m.growth_kib << " KiB = "
                             << absl::StrFormat("%.0f", multiple) << " x the input");
  // Refusing the input is as good as restoring it cheaply.
  CHECK(m.growth_kib <= limit_kib);
}

// ---------------------------------------------------------------------------
// 5. Depth.

TEST_CASE("A 100,000-level directory chain round-trips without recursion",
          "[snapshot][hostile]") {
  constexpr int kDepth = 100'000;
  Sandbox sb;
  Context& c = sb.ctx();
  // Built through the guest API one level at a time (a path naming the
  // bottom would be far over the 4096-byte limit).
  fd_t at = sb.base();
  for (int i = 0; i < kDepth; ++i) {
    if (c.path_create_directory(at, "d") != Errno::kSuccess) FAIL("mkdir at depth " << i);
    Result<fd_t> next = c.path_open(at, Lookupflags(), "d", oflags::kDirectory,
                                    rights::kDirectoryBase, rights::kDirectoryInheriting,
                                    Fdflags());
    if (!next.ok()) FAIL("open at depth " << i);
    if (at != sb.base() && c.fd_close(at) != Errno::kSuccess) FAIL("close at depth " << i);
    at = *next;
  }
  const fd_t bottom = at;  // kept open: the snapshot holds a descriptor at the bottom
  REQUIRE(sb.fs().Fsck().ok());
  Context* ctxs[] = {&c};
  const std::string bytes = MustSave(sb.fs(), ctxs);

  absl::StatusOr<LiveState> r = LoadSnapshot(bytes);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->fs->Fsck().ok());
  CHECK(MustSave(*r->fs, Raw(*r)) == bytes);
  absl::StatusOr<SnapshotInfo> info = InspectSnapshot(bytes);
  REQUIRE(info.ok());
  CHECK(info->directories == kDepth + 2);  // root, base, the chain

  // Walk the restored chain down from the preopen: every level is there,
  // and the bottom is the directory the restored descriptor holds.
  Context& rc = *r->contexts[0];
  fd_t walk = sb.base();
  int levels = 0;
  while (true) {
    Result<fd_t> next = rc.path_open(walk, Lookupflags(), "d", oflags::kDirectory,
                                     rights::kDirectoryBase, rights::kDirectoryInheriting,
                                     Fdflags());
    if (!next.ok()) break;
    if (walk != sb.base() && rc.fd_close(walk) != Errno::kSuccess) FAIL("close while walking");
    walk = *next;
    ++levels;
  }
  CHECK(levels == kDepth);
  CHECK(rc.LookupDescriptor(walk)->inode == rc.LookupDescriptor(bottom)->inode);
  REQUIRE_OK(rc.fd_close(walk));
  WARN("depth: a " << kDepth << "-level chain (" << bytes.size()
                   << " bytes of snapshot) saved, restored, passed fsck, saved to the same "
                      "bytes and was walked to the bottom, with no stack overflow");
}

// Not a test: the fresh process MeasureLoad runs. Hidden, and does nothing
// unless MeasureLoad set the environment.
TEST_CASE("(helper) one restore with its peak RSS, in a fresh process", "[.][hostile_child]") {
  const char* in = std::getenv(kChildInputEnv);
  const char* out = std::getenv(kChildOutputEnv);
  if (in == nullptr || out == nullptr) {
    SUCCEED("run only by MeasureLoad");
    return;
  }
  std::string bytes;
  REQUIRE(ReadWholeFile(in, &bytes));
  // Warm up: the first run of any code faults its pages in, which would
  // count as growth. One good restore, one the record parser refuses (the
  // exception path) and one the header refuses, a few hundred bytes each.
  const std::string good = HandMadeSnapshot();
  REQUIRE(LoadSnapshot(good).ok());
  std::string cut = good.substr(0, good.size() - 1);
  Reseal(cut);
  REQUIRE_FALSE(LoadSnapshot(cut).ok());
  REQUIRE_FALSE(LoadSnapshot(good.substr(0, 40)).ok());

  const long before = MaxRssKiB();
  absl::StatusOr<LiveState> s = LoadSnapshot(bytes);
  const long after = MaxRssKiB();
  bool fsck = false, same = false;
  if (s.ok()) {
    fsck = s->fs->Fsck().ok();
    absl::StatusOr<std::string> again = SaveSnapshot(*s->fs, Raw(*s));
    same = again.ok() && *again == bytes;
  }
  REQUIRE(WriteWholeFile(out, absl::StrCat(static_cast<int>(s.status().code()), "\n",
                                           after - before, "\n", fsck ? 1 : 0, "\n",
                                           same ? 1 : 0, "\n", Msg(s.status()))));
}

}  // namespace vfs::testing
