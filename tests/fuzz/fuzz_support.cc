#include "tests/fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "serialize/fork.h"
#include "tests/support/tree_builder.h"

namespace vfs::fuzz {

namespace {
std::string& InputName() {
  static std::string* name = new std::string;
  return *name;
}
}  // namespace

void SetInputName(std::string name) { InputName() = std::move(name); }

void OracleFailed(const char* cond, const std::string& msg, const char* file,
                  int line) {
  std::fprintf(stderr, "%s:%d: fuzz oracle failed: %s\n  %s\n", file, line, cond,
               msg.c_str());
  if (!InputName().empty()) std::fprintf(stderr, "  input: %s\n", InputName().c_str());
  std::fflush(stderr);
  std::abort();
}

namespace {

// Names the starting trees use, so that paths hit existing entries often.
constexpr std::string_view kTokens[] = {
    ".",   "..",   "a",       "b",   "ab",     "h",      "up",
    "abs", "self", "loop",    "e",   "c",      "outside", "box",
    "dotdot", "new", "",      "slash", "dangle", "out",
};
constexpr size_t kTokenCount = sizeof(kTokens) / sizeof(kTokens[0]);

// Optional entries of box/, one per bit of the shape.
constexpr const char* kBoxEntries[] = {
    "box/a/",
    "box/a/b = hello\n",
    "box/ab = text",
    "box/b -> a",
    "box/a/up -> ../..",                    // escapes box through its parent
    "box/abs -> /outside",                  // absolute
    "box/a/self -> .",
    "box/loop -> loop",
    "box/ab = text\nbox/h => box/ab",       // a hard link
    "box/e/",
    "box/a/c/d/",
    "box/dangle -> nowhere",
    "box/a/out -> ../../outside/secret",    // escapes to a real file
    "box/dotdot -> ..",
    "box/slash -> a/",                      // trailing slash
    "box/a/new = \\0bin\\0ary",
};

}  // namespace

std::string FuzzInput::Path() {
  const uint8_t shape = U8();
  const int components = shape % 5;
  std::string out;
  if (shape & 0x10) out += '/';
  for (int i = 0; i < components; ++i) {
    if (i > 0) out += (shape & 0x40) && i == 1 ? "//" : "/";
    const uint8_t t = U8() % (kTokenCount + 1);
    if (t == kTokenCount) {
      // Raw bytes: NUL, '/', long names; capped at 300 bytes (past the
      // 255-byte name limit).
      const uint8_t len = U8();
      out += len == 255 ? std::string(300, 'n') : Bytes(len % 8);
    } else {
      out += kTokens[t];
    }
  }
  if (shape & 0x20) out += '/';
  return out;
}

uint64_t FuzzInput::Size(uint64_t small_max) {
  switch (U8() % 8) {
    case 0: return 0;
    case 1: return kMaxFileSize;             // exactly at the limit
    case 2: return kMaxFileSize + 1;         // just past it
    case 3: return U64();                    // anything, up to 2^64 - 1
    default: return U32() % (small_max + 1);
  }
}

Rights FuzzInput::RightsValue() {
  switch (U8() % 4) {
    case 0: return rights::kAll;
    case 1: return rights::kRegularFileBase;
    case 2: return rights::kDirectoryBase | rights::kDirectoryInheriting;
    default: return Rights(U64());           // may hold undefined bits
  }
}

namespace {

// Everything about outside/ that a call could change: each entry's path,
// kind, whole stat (inode number and times included; the deterministic
// clock moves on every change), symlink target and file bytes.
std::string OutsideDigest(Filesystem& fs) {
  std::string out;
  auto append = [&out](absl::string_view path, int kind, const Filestat& st,
                       absl::string_view target) {
    absl::StrAppend(&out, path, "|", kind, "|", st.dev, ",", st.ino, ",",
                    static_cast<int>(st.filetype), ",", st.nlink, ",", st.size, ",",
                    st.atim, ",", st.mtim, ",", st.ctim, "|", target, "\n");
  };
  auto top = fs.Stat("outside");
  FUZZ_CHECK(top.ok(), top.status().ToString());
  append("outside", -1, *top, "");
  auto list = fs.List("outside");
  FUZZ_CHECK(list.ok(), list.status().ToString());
  for (const auto& e : *list) {
    append(e.path, static_cast<int>(e.kind), e.stat, e.target);
    if (e.kind == InodeKind::kFile) {
      auto bytes = fs.ReadFile(absl::StrCat("outside/", e.path));  // List's paths are relative
      FUZZ_CHECK(bytes.ok(), absl::StrCat(e.path, ": ", bytes.status().ToString()));
      absl::StrAppend(&out, *bytes, "\n");
    }
  }
  return out;
}

World BuildWorld(uint32_t shape) {
  World w;
  FilesystemOptions opt;
  opt.clock = std::make_shared<DeterministicClock>();
  opt.max_file_size = kMaxFileSize;
  opt.limits.max_bytes = 8 * kMaxFileSize;
  opt.limits.max_inodes = 512;
  w.fs = Filesystem::Create(opt);
  std::string spec =
      "outside/secret = s3cret\noutside/d/f = x\noutside/in -> ../box\nbox/\n";
  for (size_t i = 0; i < sizeof(kBoxEntries) / sizeof(kBoxEntries[0]); ++i) {
    if (shape & (1u << i)) absl::StrAppend(&spec, kBoxEntries[i], "\n");
  }
  absl::Status s = testing::BuildTree(*w.fs, spec);
  FUZZ_CHECK(s.ok(), s.ToString());
  w.ctx = std::make_unique<Context>(w.fs, ContextOptions{64, std::chrono::nanoseconds(0)});
  auto fd = w.ctx->Preopen("box", "/box");
  FUZZ_CHECK(fd.ok(), fd.status().ToString());
  w.box = *fd;

  w.outside.insert(w.fs->root_id());
  auto top = w.fs->Stat("outside");
  FUZZ_CHECK(top.ok(), top.status().ToString());
  w.outside.insert(top->ino);
  auto list = w.fs->List("outside");
  FUZZ_CHECK(list.ok(), list.status().ToString());
  for (const auto& e : *list) w.outside.insert(e.stat.ino);
  w.outside_digest = OutsideDigest(*w.fs);
  return w;
}

}  // namespace

World MakeWorld(uint32_t shape) {
  // Building a world from its text costs more than most inputs' calls, so
  // each shape is built once and every input runs in a copy-on-write fork
  // of it: same inode numbers, descriptors and clock, so the same input
  // still does the same thing.
  static auto* templates = new absl::flat_hash_map<uint32_t, std::unique_ptr<World>>;
  if (templates->size() >= 4096) templates->clear();  // bounds the memory
  std::unique_ptr<World>& t = (*templates)[shape];
  if (t == nullptr) t = std::make_unique<World>(BuildWorld(shape));
  absl::StatusOr<LiveState> fork = Fork(*t->fs, {t->ctx.get()});
  FUZZ_CHECK(fork.ok(), fork.status().ToString());
  World w;
  w.fs = std::move(fork->fs);
  w.ctx = std::move(fork->contexts.front());
  w.box = t->box;
  w.outside = t->outside;
  w.outside_digest = t->outside_digest;
  return w;
}

void CheckInode(World& w, inode_t ino, const std::string& what) {
  FUZZ_CHECK(!w.outside.contains(ino),
             absl::StrCat(what, " returned outside inode ", ino, "\n", w.fs->Dump()));
}

void CheckWorld(World& w, const std::string& what) {
  absl::Status s = w.fs->Fsck();
  FUZZ_CHECK(s.ok(), absl::StrCat("after ", what, ": ", s.ToString(), "\n", w.fs->Dump()));
  FUZZ_CHECK(OutsideDigest(*w.fs) == w.outside_digest,
             absl::StrCat("after ", what, ": outside/ changed\n", w.fs->Dump()));
  for (fd_t fd : w.ctx->OpenDescriptors()) {
    auto info = w.ctx->LookupDescriptor(fd);
    FUZZ_CHECK(info.ok(), info.status().ToString());
    CheckInode(w, info->inode, absl::StrCat(what, ": fd ", fd));
    // Writes, pwrites (an O_APPEND one lands at the end whatever its
    // offset), allocations and truncations all stop at max_file_size. A
    // file only grows through a descriptor, which the call leaves open.
    FUZZ_CHECK(info->size <= kMaxFileSize,
               absl::StrCat("after ", what, ": fd ", fd, " names a file of ", info->size,
                            " bytes, past max_file_size"));
  }
}

void FinishWorld(World& w) {
  w.ctx.reset();  // closes every descriptor
  absl::Status s = w.fs->Fsck();
  FUZZ_CHECK(s.ok(), absl::StrCat("after closing all fds: ", s.ToString()));
  auto list = w.fs->List("");
  FUZZ_CHECK(list.ok(), list.status().ToString());
  absl::flat_hash_set<inode_t> named = {w.fs->root_id()};
  for (const auto& e : *list) named.insert(e.stat.ino);
  FUZZ_CHECK(w.fs->live_inode_count() == named.size(),
             absl::StrCat(w.fs->live_inode_count(), " live inodes but ", named.size(),
                          " reachable by name (an orphan)\n", w.fs->Dump()));
}

}  // namespace vfs::fuzz
