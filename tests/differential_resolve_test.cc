// F2 of /work/shared/reliability.md: path resolution compared with the Linux
// kernel's, case by case.
//
// A seeded generator builds the same random tree twice, once in our
// Filesystem (BuildTree) and once in a real temp dir (mkdir, symlink, link),
// and asks both to open many random paths beneath `base/` with every
// combination of follow/nofollow x O_DIRECTORY x O_CREAT:
//   - the oracle is openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS
//     (O_PATH, or O_RDWR | O_CREAT for the create cases);
//   - ours is Context::path_open on a preopen of `base/`.
// An outcome is the inode reached, named by its path in the generated tree
// (or "new:" and the path of a file the call created), or an errno, with
// EXDEV (the kernel's escape error) mapped to PERM (ours). Created files are
// unlinked again on both sides after each case, so both trees stay equal.
//
// A difference is allowed only when one narrow predicate below (Classify)
// explains it; each class is a row of docs/conformance.md, "Differential
// resolution against Linux (F2)". Anything else fails the test and prints
// the seed, the tree, the path, the flags and both outcomes.
//
// VFS_F2_CASES raises the number of cases (default 100,000); VFS_F2_SEED
// replays a run.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/support/sandbox.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {

// ---------------------------------------------------------------------------
// The generated tree.

enum class Kind { kDir, kFile, kSymlink, kHardLink };

struct Entry {
  std::string path;    // relative to the root, e.g. "base/a/ab"
  Kind kind;
  std::string target;  // symlink target, or the existing path a hard link names
};

// Names come from the token grammar, so generated paths often hit entries;
// "A" next to "a" checks that lookups are case-sensitive.
constexpr const char* kNames[] = {"a", "b", "ab", "A"};
constexpr int kMaxDepth = 4;      // base/x/x/x/x at the deepest
constexpr int kMaxEntries = 16;
constexpr int kMaxSymlinks = 6;
constexpr int kMaxHardLinks = 2;

// Entries outside `base/`, present on both sides so that a resolution that
// escaped would reach something (and show up as a success) instead of
// failing with NOENT by luck.
const std::vector<Entry>& OutsideEntries() {
  static const std::vector<Entry> entries = {
      {"a", Kind::kDir, ""},
      {"a/a", Kind::kFile, ""},
      {"b", Kind::kFile, ""},
      {"ab", Kind::kDir, ""},
  };
  return entries;
}

struct Tree {
  std::vector<Entry> entries;  // outside entries first, then base's, in creation order

  // The BuildTree spec (base/ itself is made by Sandbox); also the
  // reproduction printed with a divergence.
  std::string Spec() const {
    std::string spec;
    for (const Entry& e : entries) {
      switch (e.kind) {
        case Kind::kDir: absl::StrAppend(&spec, e.path, "/\n"); break;
        case Kind::kFile: absl::StrAppend(&spec, e.path, " = ", e.path, "\n"); break;
        case Kind::kSymlink: absl::StrAppend(&spec, e.path, " -> ", e.target, "\n"); break;
        case Kind::kHardLink: absl::StrAppend(&spec, e.path, " => ", e.target, "\n"); break;
      }
    }
    return spec;
  }
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Percent(int p) { return Uniform(0, 99) < p; }

  // A relative path of 1..4 components from the grammar; `..` is common so
  // that targets climb (and often escape).
  std::string RelativePath() {
    static constexpr const char* kComps[] = {".", "..", "..", "a", "b", "ab", "A"};
    const int n = Uniform(1, 4);
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += Percent(15) ? "//" : "/";
      s += kComps[Uniform(0, 6)];
    }
    return s;
  }

  std::string SymlinkTarget(const std::string& dir, const std::string& name,
                            const std::vector<std::string>& links_in_dir) {
    const int r = Uniform(0, 99);
    if (r < 15) {  // absolute
      return Percent(25) ? "/" : (Percent(20) ? "//" : "/") + RelativePath();
    }
    if (r < 30) {  // looping, or pointing at another link of the same dir
      switch (Uniform(0, 3)) {
        case 0: return name;
        case 1: return "./" + name;
        case 2:
          if (!links_in_dir.empty()) {
            return links_in_dir[Uniform(0, static_cast<int>(links_in_dir.size()) - 1)];
          }
          return name;
        default: {
          // Back into this directory through its parent: "../d/name".
          const size_t slash = dir.rfind('/');
          return "../" + dir.substr(slash + 1) + "/" + name;
        }
      }
    }
    if (r < 45) return RelativePath() + "/";  // trailing slash
    return RelativePath();
  }

  Tree MakeTree() {
    Tree t;
    t.entries = OutsideEntries();
    struct Dir {
      std::string path;
      int depth;
      std::set<std::string> used;
      std::vector<std::string> links;
    };
    std::vector<Dir> dirs = {{"base", 0, {}, {}}};
    std::vector<std::string> files;
    int symlinks = 0, hardlinks = 0;
    const int n = Uniform(1, kMaxEntries);
    for (int added = 0, attempts = 0; added < n && attempts < 4 * kMaxEntries; ++attempts) {
      std::vector<size_t> open;
      for (size_t i = 0; i < dirs.size(); ++i) {
        if (dirs[i].depth < kMaxDepth && dirs[i].used.size() < std::size(kNames)) {
          open.push_back(i);
        }
      }
      if (open.empty()) break;
      const size_t di = open[Uniform(0, static_cast<int>(open.size()) - 1)];
      std::string name;
      do {
        name = kNames[Uniform(0, std::size(kNames) - 1)];
      } while (dirs[di].used.count(name) != 0);
      const std::string path = dirs[di].path + "/" + name;
      const int r = Uniform(0, 99);
      Entry e{path, Kind::kFile, ""};
      if (r < 30) {
        e.kind = Kind::kDir;
      } else if (r < 65 && symlinks < kMaxSymlinks) {
        e.kind = Kind::kSymlink;
        e.target = SymlinkTarget(dirs[di].path, name, dirs[di].links);
      } else if (r < 75 && hardlinks < kMaxHardLinks && !files.empty()) {
        e.kind = Kind::kHardLink;
        e.target = files[Uniform(0, static_cast<int>(files.size()) - 1)];
      }
      dirs[di].used.insert(name);
      switch (e.kind) {
        case Kind::kDir: dirs.push_back({path, dirs[di].depth + 1, {}, {}}); break;
        case Kind::kFile: files.push_back(path); break;
        case Kind::kSymlink: ++symlinks; dirs[di].links.push_back(name); break;
        case Kind::kHardLink: ++hardlinks; break;
      }
      t.entries.push_back(std::move(e));
      ++added;
    }
    return t;
  }

  // A path beneath the base from the token grammar: components `.`, `..`,
  // `a`, `b`, `ab`, `A` joined by `/` or `//`, sometimes absolute, sometimes
  // with a trailing `/` or `//`, and now and then empty. Half of the paths
  // start with the components of an entry of `tree` (so deep entries and
  // the links beneath them are reached, not only missed), then go on with
  // random components.
  std::string Path(const Tree& tree) {
    static constexpr const char* kComps[] = {".", "..", "a", "a", "b", "b", "ab", "ab", "A"};
    std::vector<std::string> comps;
    if (Percent(50)) {
      std::vector<const Entry*> inside;
      for (const Entry& e : tree.entries) {
        if (e.path.rfind("base/", 0) == 0) inside.push_back(&e);
      }
      if (!inside.empty()) {
        const Entry& e = *inside[Uniform(0, static_cast<int>(inside.size()) - 1)];
        comps = absl::StrSplit(e.path.substr(5), '/');
      }
      for (int i = Uniform(0, 2); i > 0; --i) comps.push_back(kComps[Uniform(0, 8)]);
    } else if (Uniform(0, 99) >= 3) {  // else: no components at all
      for (int i = Uniform(1, 5); i > 0; --i) comps.push_back(kComps[Uniform(0, 8)]);
    }
    std::string s;
    const int lead = Uniform(0, 99);
    if (lead < 6) s = "/";
    else if (lead < 8) s = "//";
    for (size_t i = 0; i < comps.size(); ++i) {
      if (i > 0) s += Percent(12) ? "//" : "/";
      s += comps[i];
    }
    const int trail = Uniform(0, 99);
    if (trail < 15) s += "/";
    else if (trail < 18) s += "//";
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

// ---------------------------------------------------------------------------
// Outcomes, flags and the classifier.

struct Flags {
  bool follow = false;
  bool directory = false;
  bool creat = false;

  std::string ToString() const {
    std::vector<std::string> parts = {follow ? "SYMLINK_FOLLOW" : "nofollow"};
    if (directory) parts.push_back("DIRECTORY");
    if (creat) parts.push_back("CREAT");
    return absl::StrJoin(parts, "|");
  }
};

struct Outcome {
  bool ok = false;
  // On success: the root-relative path of the inode reached (its first name
  // in creation order), "new:PATH" for a file the call created, or
  // "unknown:..." for an inode that is neither (always a divergence).
  std::string id;
  bool symlink = false;  // on success: the inode reached is a symlink
  // On failure: ours, or the host's errno mapped onto ours.
  Errno err = Errno::kSuccess;
  bool mapped = true;    // false: a host errno with no counterpart (never matches)
  int host_errno = 0;    // host failures: the raw value, for messages

  static Outcome Success(std::string id, bool symlink = false) {
    Outcome o;
    o.ok = true;
    o.id = std::move(id);
    o.symlink = symlink;
    return o;
  }
  static Outcome Failure(Errno e) {
    Outcome o;
    o.err = e;
    return o;
  }

  bool Same(const Outcome& other) const {
    if (ok != other.ok) return false;
    if (ok) return id == other.id;
    return mapped && other.mapped && err == other.err;
  }

  std::string ToString() const {
    if (ok) return absl::StrCat("ok ", id, symlink ? " (symlink)" : "");
    std::string s = absl::StrCat("errno ", mapped ? std::string(ErrnoName(err)) : "?");
    if (host_errno != 0) {
      absl::StrAppend(&s, " (host ", strerrorname_np(host_errno), ")");
    }
    return s;
  }
};

// The host errnos a path lookup can give, onto ours. EXDEV is how
// RESOLVE_BENEATH refuses an escape (absolute path or target, `..` above the
// dirfd); ours says PERM (docs/error-model.md).
Outcome HostFailure(int e) {
  Outcome o;
  o.host_errno = e;
  switch (e) {
    case ENOENT: o.err = Errno::kNoent; break;
    case ENOTDIR: o.err = Errno::kNotdir; break;
    case ELOOP: o.err = Errno::kLoop; break;
    case EXDEV: o.err = Errno::kPerm; break;
    case EISDIR: o.err = Errno::kIsdir; break;
    case EINVAL: o.err = Errno::kInval; break;
    case ENAMETOOLONG: o.err = Errno::kNametoolong; break;
    case EEXIST: o.err = Errno::kExist; break;
    default: o.mapped = false; break;
  }
  return o;
}

// Each allowed class of divergence; docs/conformance.md has a row for each.
enum class Verdict {
  kSame,
  // O_PATH|O_NOFOLLOW opens a final symlink itself; path_open (no O_PATH in
  // WASI) refuses it with LOOP, as open(2) without O_PATH does.
  kNofollowFinalSymlink,
  kUnexplained,
};

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSame: return "same";
    case Verdict::kNofollowFinalSymlink: return "nofollow-final-symlink";
    case Verdict::kUnexplained: return "unexplained";
  }
  return "?";
}

// Second opinions a predicate may ask for, run only when it needs them.
struct Probes {
  // The host, same path, O_RDONLY|O_NOFOLLOW (no O_PATH): what open(2) says.
  std::function<Outcome()> host_open_nofollow;
  // Ours: path_filestat_get with the same lookupflags, which (like O_PATH)
  // returns a final symlink itself when not following.
  std::function<Outcome()> ours_filestat;
};

Verdict Classify(const Flags& f, const Outcome& host, const Outcome& ours, const Probes& probes) {
  if (host.Same(ours)) return Verdict::kSame;

  // The kernel opened a final symlink (no follow, O_PATH); ours refused with
  // LOOP. Allowed only if ours' own lookup of the path names that very
  // symlink and open(2) without O_PATH refuses it with ELOOP as well.
  if (!f.follow && !f.creat && !f.directory && host.ok && host.symlink && !ours.ok &&
      ours.err == Errno::kLoop) {
    const Outcome st = probes.ours_filestat();
    const Outcome plain = probes.host_open_nofollow();
    if (st.ok && st.id == host.id && !plain.ok && plain.host_errno == ELOOP) {
      return Verdict::kNofollowFinalSymlink;
    }
  }

  return Verdict::kUnexplained;
}

// ---------------------------------------------------------------------------
// The two sides.

long Openat2(int dirfd, const std::string& path, uint64_t flags, uint64_t mode) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  // A scoped lookup that crosses `..` fails with EAGAIN when any rename
  // anywhere on the system raced with it (the kernel cannot then prove the
  // walk stayed beneath); retrying is the documented answer.
  for (int attempt = 0;; ++attempt) {
    const long fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN || attempt == 1000) return fd;
  }
}

// The tree in a real directory, with its base opened as an O_PATH dirfd.
class HostTree {
 public:
  HostTree(const std::string& root, const Tree& tree) : root_(root) {
    Check(::mkdir(root_.c_str(), 0755), "mkdir " + root_);
    Check(::mkdir(Abs("base").c_str(), 0755), "mkdir base");
    for (const Entry& e : tree.entries) {
      const std::string abs = Abs(e.path);
      switch (e.kind) {
        case Kind::kDir: Check(::mkdir(abs.c_str(), 0755), "mkdir " + e.path); break;
        case Kind::kFile: {
          const int fd = ::open(abs.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
          Check(fd, "create " + e.path);
          const bool wrote = ::write(fd, e.path.data(), e.path.size()) ==
                             static_cast<ssize_t>(e.path.size());
          ::close(fd);
          if (!wrote) FAIL("write " << e.path << ": " << std::strerror(errno));
          break;
        }
        case Kind::kSymlink: Check(::symlink(e.target.c_str(), abs.c_str()), "symlink " + e.path); break;
        case Kind::kHardLink: Check(::link(Abs(e.target).c_str(), abs.c_str()), "link " + e.path); break;
      }
    }
    base_ = ::open(Abs("base").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    Check(base_, "open base");
    // Every inode is named by its first path, so hard links share one id.
    struct stat st;
    Check(::lstat(root_.c_str(), &st), "lstat root");
    dev_ = st.st_dev;
    ids_.emplace(st.st_ino, Id{"<root>", false});
    Add("base");
    for (const Entry& e : tree.entries) Add(e.path);
  }
  ~HostTree() {
    if (base_ >= 0) ::close(base_);
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  HostTree(const HostTree&) = delete;
  HostTree& operator=(const HostTree&) = delete;

  // openat2 beneath base; a file it created is identified, then unlinked.
  Outcome Open(const std::string& path, const Flags& f) {
    uint64_t flags = f.creat ? (O_RDWR | O_CREAT) : O_PATH;
    if (!f.follow) flags |= O_NOFOLLOW;
    if (f.directory) flags |= O_DIRECTORY;
    return Run(path, flags, f.creat ? 0644 : 0);
  }
  // What open(2) without O_PATH says of a final symlink.
  Outcome OpenNofollow(const std::string& path) { return Run(path, O_RDONLY | O_NOFOLLOW, 0); }

 private:
  struct Id {
    std::string path;
    bool symlink;
  };

  std::string Abs(const std::string& rel) const { return root_ + "/" + rel; }
  static void Check(long rc, const std::string& what) {
    if (rc < 0) FAIL(what << ": " << std::strerror(errno));
  }
  void Add(const std::string& rel) {
    struct stat st;
    Check(::lstat(Abs(rel).c_str(), &st), "lstat " + rel);
    ids_.emplace(st.st_ino, Id{rel, S_ISLNK(st.st_mode)});
  }

  Outcome Run(const std::string& path, uint64_t flags, uint64_t mode) {
    const long fd = Openat2(base_, path, flags, mode);
    if (fd < 0) return HostFailure(errno);
    struct stat st;
    const int rc = ::fstat(static_cast<int>(fd), &st);
    const int saved = errno;
    Outcome o;
    if (rc != 0) {
      o = Outcome::Success(absl::StrCat("unknown:fstat failed: ", std::strerror(saved)));
    } else if (auto it = ids_.find(st.st_ino); st.st_dev == dev_ && it != ids_.end()) {
      o = Outcome::Success(it->second.path, it->second.symlink);
    } else {
      // Created by this call: name it by where it landed, then undo it.
      char buf[4096];
      const std::string proc = absl::StrCat("/proc/self/fd/", fd);
      const ssize_t n = ::readlink(proc.c_str(), buf, sizeof buf - 1);
      const std::string where = n > 0 ? std::string(buf, n) : "?";
      if (where.rfind(root_ + "/", 0) == 0) {
        o = Outcome::Success("new:" + where.substr(root_.size() + 1));
        if (::unlink(where.c_str()) != 0) {
          FAIL("undo create " << where << ": " << std::strerror(errno));
        }
      } else {
        o = Outcome::Success("unknown:" + where);
      }
    }
    ::close(static_cast<int>(fd));
    return o;
  }

  std::string root_;
  int base_ = -1;
  dev_t dev_ = 0;
  absl::flat_hash_map<ino_t, Id> ids_;
};

// The tree in our Filesystem: a Sandbox (base/ preopened) plus a preopen of
// the root, used only to undo creations wherever they landed.
class OurTree {
 public:
  explicit OurTree(const Tree& tree) : sb_(tree.Spec()) {
    auto root = sb_.ctx().Preopen("", "/");
    REQUIRE(root.ok());
    root_fd_ = *root;
    auto st = sb_.fs().Stat("", false);
    REQUIRE(st.ok());
    ids_.emplace(st->ino, Id{"<root>", false});
    Add("base");
    for (const Entry& e : tree.entries) Add(e.path);
  }

  Outcome Open(const std::string& path, const Flags& f) {
    Oflags of;
    if (f.creat) of = of | oflags::kCreat;
    if (f.directory) of = of | oflags::kDirectory;
    // Write intent on the create cases, as the host's O_RDWR: an existing
    // directory then gives ISDIR on both sides.
    const Rights want = f.creat ? (rights::kFdRead | rights::kFdWrite | rights::kFdFilestatGet)
                                : rights::kFdFilestatGet;
    Result<fd_t> fd = sb_.ctx().path_open(sb_.base(), Lookup(f.follow), path, of, want,
                                          Rights(), Fdflags());
    if (!fd.ok()) return Outcome::Failure(fd.error());
    Result<Filestat> st = sb_.ctx().fd_filestat_get(*fd);
    Outcome o = st.ok() ? Identify(st->ino, /*undo=*/true)
                        : Outcome::Success(absl::StrCat("unknown:fd_filestat_get ",
                                                        std::string(ErrnoName(st.error()))));
    if (sb_.ctx().fd_close(*fd) != Errno::kSuccess) FAIL("fd_close failed");
    return o;
  }

  Outcome PathFilestat(const std::string& path, bool follow) {
    Result<vfs::Filestat> st = sb_.ctx().path_filestat_get(sb_.base(), Lookup(follow), path);
    if (!st.ok()) return Outcome::Failure(st.error());
    return Identify(st->ino, /*undo=*/false);
  }

 private:
  struct Id {
    std::string path;
    bool symlink;
  };

  static Lookupflags Lookup(bool follow) {
    return follow ? lookupflags::kSymlinkFollow : Lookupflags();
  }

  void Add(const std::string& rel) {
    auto st = sb_.fs().Stat(rel, false);
    if (!st.ok()) FAIL("stat " << rel << ": " << st.status().ToString());
    ids_.emplace(st->ino, Id{rel, st->filetype == Filetype::kSymbolicLink});
  }

  Outcome Identify(inode_t ino, bool undo) {
    if (auto it = ids_.find(ino); it != ids_.end()) {
      return Outcome::Success(it->second.path, it->second.symlink);
    }
    // Not in the generated tree: a file this call created. Find its name
    // (the tree is small) and unlink it through the root preopen.
    auto list = sb_.fs().List("");
    if (!list.ok()) FAIL("List: " << list.status().ToString());
    for (const Filesystem::Entry& e : *list) {
      if (e.stat.ino != ino) continue;
      if (undo && sb_.ctx().path_unlink_file(root_fd_, e.path) != Errno::kSuccess) {
        FAIL("undo create " << e.path);
      }
      return Outcome::Success("new:" + e.path);
    }
    return Outcome::Success(absl::StrCat("unknown:ino ", ino));
  }

  Sandbox sb_;
  fd_t root_fd_ = 0;
  absl::flat_hash_map<inode_t, Id> ids_;
};

// ---------------------------------------------------------------------------
// The classifier and the oracle, on fixed inputs.

// Shorter in the tables below: the host failing with errno `e`.
Outcome Host(int e) { return HostFailure(e); }

// Probes that must not be needed: a predicate that asks for one fails.
Probes NoProbes() {
  auto fail = []() -> Outcome {
    FAIL_CHECK("a probe was run where no predicate applies");
    return Outcome::Failure(Errno::kIo);
  };
  return {fail, fail};
}

Probes FixedProbes(Outcome open_nofollow, Outcome filestat) {
  return {[=] { return open_nofollow; }, [=] { return filestat; }};
}

TEST_CASE("F2 classifier: outcomes match by identity or mapped errno", "[f2][differential]") {
  const Flags plain{true, false, false};
  CHECK(Classify(plain, Outcome::Success("base/a"), Outcome::Success("base/a"), NoProbes()) ==
        Verdict::kSame);
  CHECK(Classify(plain, Host(EXDEV), Outcome::Failure(Errno::kPerm), NoProbes()) ==
        Verdict::kSame);
  CHECK(Classify(plain, Host(ENOENT), Outcome::Failure(Errno::kNoent), NoProbes()) ==
        Verdict::kSame);
  // A different inode, success against failure, a different errno.
  CHECK(Classify(plain, Outcome::Success("base/a"), Outcome::Success("base/b"), NoProbes()) ==
        Verdict::kUnexplained);
  CHECK(Classify(plain, Outcome::Success("base/a"), Outcome::Failure(Errno::kNoent),
                 NoProbes()) == Verdict::kUnexplained);
  CHECK(Classify(plain, Host(ENOTDIR), Outcome::Failure(Errno::kNoent), NoProbes()) ==
        Verdict::kUnexplained);
  // A host errno with no counterpart never matches, not even PERM.
  CHECK_FALSE(Host(EPERM).mapped);
  CHECK(Classify(plain, Host(EPERM), Outcome::Failure(Errno::kPerm), NoProbes()) ==
        Verdict::kUnexplained);
}

TEST_CASE("F2 classifier: nofollow-final-symlink needs its whole predicate",
          "[f2][differential]") {
  const Flags nofollow{false, false, false};
  const Outcome link = Outcome::Success("base/l", /*symlink=*/true);
  const Outcome loop = Outcome::Failure(Errno::kLoop);
  CHECK(Classify(nofollow, link, loop, FixedProbes(Host(ELOOP), link)) ==
        Verdict::kNofollowFinalSymlink);
  // Ours' lookup must name the same symlink.
  CHECK(Classify(nofollow, link, loop,
                 FixedProbes(Host(ELOOP), Outcome::Success("base/m", true))) ==
        Verdict::kUnexplained);
  // open(2) without O_PATH must refuse it too.
  CHECK(Classify(nofollow, link, loop, FixedProbes(link, link)) == Verdict::kUnexplained);
  // Only LOOP, only without follow / DIRECTORY / CREAT, only for a symlink.
  CHECK(Classify(nofollow, link, Outcome::Failure(Errno::kNoent), NoProbes()) ==
        Verdict::kUnexplained);
  CHECK(Classify(Flags{true, false, false}, link, loop, NoProbes()) == Verdict::kUnexplained);
  CHECK(Classify(Flags{false, true, false}, link, loop, NoProbes()) == Verdict::kUnexplained);
  CHECK(Classify(Flags{false, false, true}, link, loop, NoProbes()) == Verdict::kUnexplained);
  CHECK(Classify(nofollow, Outcome::Success("base/l"), loop, NoProbes()) ==
        Verdict::kUnexplained);
}

// Each class and each agreement the docs claim, on the real kernel.
TEST_CASE("F2 oracle: a fixed tree shows each documented behaviour", "[f2][differential]") {
  Tree tree;
  tree.entries = OutsideEntries();
  const std::vector<Entry> inside = {
      {"base/file", Kind::kFile, ""},     {"base/dir", Kind::kDir, ""},
      {"base/link", Kind::kSymlink, "file"}, {"base/abs", Kind::kSymlink, "/etc"},
      {"base/up", Kind::kSymlink, ".."},  {"base/dangling", Kind::kSymlink, "dir/new"},
      {"base/loop", Kind::kSymlink, "loop"}, {"base/nowhere", Kind::kSymlink, "missing/new"},
  };
  tree.entries.insert(tree.entries.end(), inside.begin(), inside.end());
  TempDir tmp("vfs-f2-fixed");
  HostTree host(tmp / "t", tree);
  OurTree ours(tree);
  auto both = [&](const std::string& path, Flags f) {
    const Outcome h = host.Open(path, f);
    const Outcome o = ours.Open(path, f);
    UNSCOPED_INFO("path \"" << path << "\" " << f.ToString() << ": linux " << h.ToString() << ", ours "
                   << o.ToString());
    const Probes probes{[&] { return host.OpenNofollow(path); },
                        [&] { return ours.PathFilestat(path, f.follow); }};
    return std::make_tuple(h, o, Classify(f, h, o, probes));
  };
  const Flags follow{true, false, false}, nofollow{false, false, false};
  const Flags creat{true, false, true}, creat_nofollow{false, false, true};

  SECTION("escapes are EXDEV on Linux and PERM here") {
    for (const char* path : {"..", "../b", "/b", "/", "//", "abs", "up/b", "dir/../../a"}) {
      auto [h, o, v] = both(path, follow);
      CHECK(h.host_errno == EXDEV);
      CHECK(o.err == Errno::kPerm);
      CHECK(v == Verdict::kSame);
    }
  }
  SECTION("lookups that agree exactly") {
    CHECK(std::get<1>(both("", follow)).err == Errno::kNoent);
    CHECK(std::get<2>(both("", follow)) == Verdict::kSame);
    auto [h, o, v] = both("link", follow);
    CHECK(o.id == "base/file");
    CHECK(v == Verdict::kSame);
    CHECK(std::get<1>(both("loop", follow)).err == Errno::kLoop);
    CHECK(std::get<2>(both("loop", follow)) == Verdict::kSame);
    CHECK(std::get<1>(both("file/", follow)).err == Errno::kNotdir);
    CHECK(std::get<2>(both("file/", follow)) == Verdict::kSame);
    CHECK(std::get<1>(both("link/", nofollow)).err == Errno::kNotdir);  // slash follows
    CHECK(std::get<2>(both("link/", nofollow)) == Verdict::kSame);
    CHECK(std::get<1>(both("link", Flags{false, true, false})).err == Errno::kNotdir);
    CHECK(std::get<2>(both("link", Flags{false, true, false})) == Verdict::kSame);
    CHECK(std::get<1>(both("dir", Flags{true, true, true})).err == Errno::kInval);
    CHECK(std::get<2>(both("dir", Flags{true, true, true})) == Verdict::kSame);
  }
  SECTION("creates agree and are undone on both sides") {
    auto [h, o, v] = both("dir/x", creat);
    CHECK(h.id == "new:base/dir/x");
    CHECK(v == Verdict::kSame);
    // Through a dangling symlink the target is created, as on Linux.
    auto [h2, o2, v2] = both("dangling", creat);
    CHECK(o2.id == "new:base/dir/new");
    CHECK(v2 == Verdict::kSame);
    CHECK(std::get<1>(both("dangling", creat_nofollow)).err == Errno::kLoop);
    CHECK(std::get<2>(both("dangling", creat_nofollow)) == Verdict::kSame);
    CHECK(std::get<1>(both("dir/x", follow)).err == Errno::kNoent);  // undone
    CHECK(std::get<2>(both("dir/x", follow)) == Verdict::kSame);
    CHECK(std::get<1>(both("dir", creat)).err == Errno::kIsdir);
    CHECK(std::get<2>(both("dir", creat)) == Verdict::kSame);
    CHECK(std::get<1>(both("dangling/", creat)).err == Errno::kIsdir);
    CHECK(std::get<2>(both("dangling/", creat)) == Verdict::kSame);
    CHECK(std::get<1>(both("x/", creat)).err == Errno::kIsdir);
    CHECK(std::get<2>(both("x/", creat)) == Verdict::kSame);
  }
  SECTION("nofollow-final-symlink: O_PATH opens the link, path_open says LOOP") {
    auto [h, o, v] = both("link", nofollow);
    CHECK(h.ok);
    CHECK(h.id == "base/link");
    CHECK(o.err == Errno::kLoop);
    CHECK(v == Verdict::kNofollowFinalSymlink);
    // path_filestat_get is compared exactly: it returns the link as O_PATH does.
    CHECK(ours.PathFilestat("link", false).id == "base/link");
  }
  SECTION("CREAT with a trailing slash is ISDIR on both, whatever the name is") {
    for (const std::string path : {"file/", "link/", "abs/", "loop/", "nowhere/", "dir/",
                                   "x/", "dir/x//"}) {
      auto [h, o, v] = both(path, creat);
      CHECK(h.host_errno == EISDIR);
      CHECK(o.err == Errno::kIsdir);
      CHECK(v == Verdict::kSame);
    }
    // Only the walk to the final name can fail first.
    CHECK(std::get<1>(both("file/x/", creat)).err == Errno::kNotdir);
    CHECK(std::get<2>(both("file/x/", creat)) == Verdict::kSame);
    CHECK(std::get<1>(both("abs/x/", creat)).err == Errno::kPerm);
    CHECK(std::get<2>(both("abs/x/", creat)) == Verdict::kSame);
  }
}

// ---------------------------------------------------------------------------
// The run.

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  uint64_t n = 0;
  if (!absl::SimpleAtoi(v, &n)) FAIL(name << "=" << v << " is not a number");
  return n;
}

constexpr int kPathsPerTree = 128;  // x 8 flag combinations per tree

TEST_CASE("F2: path_open agrees with Linux openat2(RESOLVE_BENEATH) on random trees",
          "[f2][differential]") {
  const uint64_t cases_wanted = EnvNumber("VFS_F2_CASES", 100000);
  const uint64_t seed = EnvNumber("VFS_F2_SEED", std::random_device()() |
                                                     (uint64_t{std::random_device()()} << 32));
  std::cout << "F2 differential: seed " << seed << " (VFS_F2_SEED=" << seed
            << " replays it)" << std::endl;

  // The oracle must exist: without openat2 this test would prove nothing.
  {
    const long fd = Openat2(AT_FDCWD, ".", O_PATH, 0);
    if (fd < 0) {
      FAIL("openat2(2) is unavailable (" << std::strerror(errno)
                                         << "); F2 needs Linux >= 5.6 without a seccomp filter on it");
    }
    ::close(static_cast<int>(fd));
  }

  TempDir tmp("vfs-f2");
  Generator gen(seed);
  uint64_t cases = 0, trees = 0, filestats = 0, unexplained = 0;
  std::map<std::string, uint64_t> allowed;
  std::map<std::string, uint64_t> coverage;  // Linux's outcomes, to show what was exercised
  std::string reports;
  const auto start = std::chrono::steady_clock::now();

  while (cases < cases_wanted) {
    const Tree tree = gen.MakeTree();
    HostTree host(tmp / absl::StrCat("t", trees), tree);
    OurTree ours(tree);
    ++trees;
    for (int p = 0; p < kPathsPerTree && cases < cases_wanted; ++p) {
      const std::string path = gen.Path(tree);
      for (int bits = 0; bits < 8; ++bits) {
        const Flags f{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0};
        const Outcome h = host.Open(path, f);
        const Outcome o = ours.Open(path, f);
        Probes probes{
            [&] { return host.OpenNofollow(path); },
            [&] { return ours.PathFilestat(path, f.follow); },
        };
        const Verdict v = Classify(f, h, o, probes);
        ++cases;
        ++coverage[h.ok ? (absl::StartsWith(h.id, "new:") ? "created" : "opened")
                        : h.mapped ? std::string(ErrnoName(h.err)) : "unmapped"];
        // The plain lookups must also agree with path_filestat_get, which
        // (as O_PATH does) returns a final symlink itself when not following.
        if (!f.creat && !f.directory) {
          const Outcome st = ours.PathFilestat(path, f.follow);
          ++filestats;
          if (!h.Same(st) && ++unexplained <= 10) {
            absl::StrAppend(&reports, "---- unexplained path_filestat_get divergence (seed ", seed,
                            ", tree ", trees - 1, ")\ntree (root-relative; base/ is the preopen):\n",
                            tree.Spec(), "path: \"", path, "\"\nflags: ", f.ToString(),
                            "\nlinux (O_PATH): ", h.ToString(), "\nours:  ", st.ToString(), "\n");
          }
        }
        if (v == Verdict::kSame) continue;
        if (v != Verdict::kUnexplained) {
          ++allowed[VerdictName(v)];
          continue;
        }
        if (++unexplained <= 10) {
          absl::StrAppend(&reports, "---- unexplained divergence (seed ", seed, ", tree ",
                          trees - 1, ")\ntree (root-relative; base/ is the preopen):\n",
                          tree.Spec(), "path: \"", path, "\"\nflags: ", f.ToString(),
                          "\nlinux: ", h.ToString(), "\nours:  ", o.ToString(), "\n");
        }
      }
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  uint64_t allowed_total = 0;
  std::vector<std::string> by_class;
  for (const auto& [name, n] : allowed) {
    allowed_total += n;
    by_class.push_back(absl::StrCat(name, "=", n));
  }
  if (!reports.empty()) std::cout << reports;
  std::cout << "F2 differential: " << cases << " cases, " << trees << " trees, " << unexplained
            << " unexplained divergences, " << allowed_total << " allowed (by class: "
            << (by_class.empty() ? "none" : absl::StrJoin(by_class, ", ")) << ")" << std::endl;
  std::vector<std::string> seen;
  for (const auto& [name, n] : coverage) seen.push_back(absl::StrCat(name, "=", n));
  std::cout << "F2 differential: Linux outcomes " << absl::StrJoin(seen, ", ") << std::endl;
  std::cout << "F2 differential: path_filestat_get also compared on " << filestats
            << " of those (tree, path) lookups; " << secs << " s" << std::endl;
  INFO("elapsed " << secs << " s; seed " << seed << "\n" << reports);
  CHECK(unexplained == 0);
  CHECK(cases >= cases_wanted);
}

}  // namespace
}  // namespace vfs::testing
