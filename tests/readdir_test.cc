// fd_readdir (family F11 of reliability.md): "." and ".." come first with
// cookies 1 and 2; d_ino and d_type agree with path_filestat_get; ".." of a
// preopen never describes anything outside it; the byte stream is exact for
// every buffer length (a partial last entry fills the buffer, and reading
// through cookies gives the full listing exactly once); and cookies survive
// entries being added and removed between calls (emscripten #19106).
//
// The decoder here is deliberately strict and separate from ListDir (whose
// buffer-growing fallback would hide a wrong bufused).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

constexpr Rights kDirRights = rights::kDirectoryBase & ~rights::kFdDatasync;
constexpr size_t kHeader = 24;

struct Ent {
  std::string name;
  inode_t ino = 0;
  Filetype type = Filetype::kUnknown;
  dircookie_t next = 0;
};

bool operator==(const Ent& a, const Ent& b) {
  return a.name == b.name && a.ino == b.ino && a.type == b.type && a.next == b.next;
}

std::ostream& operator<<(std::ostream& os, const Ent& e) {
  return os << "{'" << e.name << "' ino=" << e.ino << " type=" << int(e.type)
            << " next=" << e.next << "}";
}

std::string Show(const std::vector<Ent>& v) {
  std::ostringstream os;
  for (const Ent& e : v) os << e << "\n";
  return os.str();
}

uint64_t Le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

void PutLe(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// The witx dirent encoding, written here independently of the library:
// d_next u64, d_ino u64, d_namlen u32, d_type u8, 3 zero pad bytes, name.
std::string Encode(const Ent& e) {
  std::string out;
  PutLe(&out, e.next, 8);
  PutLe(&out, e.ino, 8);
  PutLe(&out, e.name.size(), 4);
  out.push_back(static_cast<char>(e.type));
  out.append(3, '\0');
  out += e.name;
  return out;
}

std::string EncodeAll(const std::vector<Ent>& v) {
  std::string out;
  for (const Ent& e : v) out += Encode(e);
  return out;
}

// What one fd_readdir call returned, strictly decoded.
struct Chunk {
  std::vector<Ent> complete;  // whole entries, in order
  size_t complete_bytes = 0;  // bytes they occupy
  bool partial = false;       // a cut-short entry follows them
  std::string error;          // the first rule broken, if any
};

Chunk Decode(const uint8_t* buf, size_t used, size_t cap) {
  Chunk c;
  if (used > cap) {
    c.error = absl::StrCat("bufused ", used, " > buf_len ", cap);
    return c;
  }
  size_t pos = 0;
  while (pos < used) {
    if (used - pos < kHeader) {
      c.partial = true;
      break;
    }
    const uint8_t* h = buf + pos;
    Ent e;
    e.next = Le(h + 0, 8);
    e.ino = Le(h + 8, 8);
    const uint64_t namlen = Le(h + 16, 4);
    e.type = static_cast<Filetype>(h[20]);
    if (h[21] != 0 || h[22] != 0 || h[23] != 0) {
      c.error = absl::StrCat("non-zero padding at offset ", pos);
      return c;
    }
    if (h[20] > 7) {
      c.error = absl::StrCat("d_type ", int(h[20]), " at offset ", pos);
      return c;
    }
    if (namlen == 0 || namlen > 255) {
      c.error = absl::StrCat("d_namlen ", namlen, " at offset ", pos);
      return c;
    }
    if (pos + kHeader + namlen > used) {
      c.partial = true;
      break;
    }
    e.name.assign(reinterpret_cast<const char*>(h + kHeader), namlen);
    c.complete.push_back(std::move(e));
    pos += kHeader + namlen;
  }
  c.complete_bytes = pos;
  if (c.partial && used != cap) {
    c.error = absl::StrCat("a partial entry at offset ", pos, " but bufused ", used,
                           " < buf_len ", cap);
  }
  return c;
}

// Reads the whole listing from `cookie` with a buffer larger than it, in one
// call; requires bufused < buf_len (the listing is complete).
std::vector<Ent> ReadWhole(Context& ctx, fd_t fd, dircookie_t cookie = 0,
                           std::string* raw = nullptr) {
  std::vector<uint8_t> buf(1 << 20);
  Result<size_t> used = ctx.fd_readdir(fd, absl::MakeSpan(buf), cookie);
  INFO("fd_readdir -> " << ErrnoName(used.error()));
  REQUIRE(used.ok());
  REQUIRE(*used < buf.size());
  Chunk c = Decode(buf.data(), *used, buf.size());
  INFO(c.error);
  REQUIRE(c.error.empty());
  REQUIRE_FALSE(c.partial);
  if (raw != nullptr) raw->assign(reinterpret_cast<char*>(buf.data()), *used);
  return c.complete;
}

// Reads through cookies with a fixed buffer length, resuming after the last
// complete entry of each call. Requires that every call returns at least one
// complete entry (buf_len large enough for any entry).
std::vector<Ent> ReadThrough(Context& ctx, fd_t fd, size_t buf_len) {
  std::vector<Ent> out;
  dircookie_t cookie = 0;
  std::vector<uint8_t> buf(buf_len);
  for (int guard = 0; guard < 100000; ++guard) {
    Result<size_t> used = ctx.fd_readdir(fd, absl::MakeSpan(buf), cookie);
    REQUIRE(used.ok());
    Chunk c = Decode(buf.data(), *used, buf_len);
    INFO(c.error);
    REQUIRE(c.error.empty());
    out.insert(out.end(), c.complete.begin(), c.complete.end());
    if (*used < buf_len) return out;
    REQUIRE_FALSE(c.complete.empty());
    cookie = c.complete.back().next;
  }
  FAIL("readdir never ended");
  return out;
}

fd_t OpenDir(Sandbox& sb, std::string_view path, Rights base = kDirRights) {
  Result<fd_t> fd = sb.ctx().path_open(sb.base(), kNoFollow, path, oflags::kDirectory, base,
                                       rights::kDirectoryInheriting, Fdflags());
  INFO("open dir '" << path << "' -> " << ErrnoName(fd.error()));
  REQUIRE(fd.ok());
  return *fd;
}

Filestat StatAt(Context& ctx, fd_t dir, std::string_view path) {
  Result<Filestat> r = ctx.path_filestat_get(dir, kNoFollow, path);
  INFO("path_filestat_get '" << path << "' -> " << ErrnoName(r.error()));
  REQUIRE(r.ok());
  return *r;
}

void Touch(Sandbox& sb, std::string_view path) {
  Result<fd_t> fd = Open(sb.ctx(), sb.base(), path, oflags::kCreat | oflags::kExcl);
  INFO("create '" << path << "' -> " << ErrnoName(fd.error()));
  REQUIRE(fd.ok());
  REQUIRE(sb.ctx().fd_close(*fd) == Errno::kSuccess);
}

// Checks a listing against the directory's own view of itself: "." and ".."
// first with cookies 1 and 2, then `names` in order, every d_ino and d_type
// as path_filestat_get (no follow) reports them through `dir`, and cookies
// strictly increasing.
void CheckListing(Context& ctx, fd_t dir, const std::vector<Ent>& got, inode_t dotdot_ino,
                  const std::vector<std::string>& names) {
  INFO(Show(got));
  REQUIRE(got.size() == names.size() + 2);
  Result<Filestat> self = ctx.fd_filestat_get(dir);
  REQUIRE(self.ok());
  CHECK(got[0].name == ".");
  CHECK(got[0].next == 1);
  CHECK(got[0].ino == self->ino);
  CHECK(got[0].ino == StatAt(ctx, dir, ".").ino);
  CHECK(got[0].type == Filetype::kDirectory);
  CHECK(got[1].name == "..");
  CHECK(got[1].next == 2);
  CHECK(got[1].ino == dotdot_ino);
  CHECK(got[1].type == Filetype::kDirectory);
  for (size_t i = 0; i < names.size(); ++i) {
    const Ent& e = got[i + 2];
    INFO("entry " << i << " " << e);
    CHECK(e.name == names[i]);
    const Filestat st = StatAt(ctx, dir, names[i]);
    CHECK(e.ino == st.ino);
    CHECK(e.type == st.filetype);
    CHECK(e.next > got[i + 1].next);
  }
}

// The 300-entry directory: names of 2..12 bytes (some multi-byte UTF-8),
// files, directories, symlinks and a hard link, with gaps in the sequence
// numbers left by entries created and removed.
std::vector<std::string> MakeBigDir(Sandbox& sb, std::string_view dir, size_t count) {
  std::vector<std::string> names;
  size_t made = 0;
  for (size_t i = 0; names.size() < count; ++i) {
    std::string name = absl::StrCat("n", i);
    const size_t want_len = 1 + (i * 7) % 12;
    if (i % 11 == 5) name += "\xc3\xa9";  // é
    while (name.size() < want_len) name.push_back(static_cast<char>('a' + (i + name.size()) % 26));
    const std::string path = absl::StrCat(AsAbsl(dir), "/", name);
    if (i % 13 == 4) {
      REQUIRE(sb.ctx().path_create_directory(sb.base(), path) == Errno::kSuccess);
    } else if (i % 9 == 2) {
      REQUIRE(sb.ctx().path_symlink(absl::StrCat("target", i), sb.base(), path) == Errno::kSuccess);
    } else if (i % 29 == 7 && !names.empty()) {
      REQUIRE(sb.ctx().path_link(sb.base(), kNoFollow, absl::StrCat(AsAbsl(dir), "/", names[0]),
                                 sb.base(), path) == Errno::kSuccess);
    } else {
      Touch(sb, path);
    }
    ++made;
    // Every 16th entry is removed again, leaving a gap in the sequence.
    if (made % 16 == 0) {
      if (i % 13 == 4) {
        REQUIRE(sb.ctx().path_remove_directory(sb.base(), path) == Errno::kSuccess);
      } else {
        REQUIRE(sb.ctx().path_unlink_file(sb.base(), path) == Errno::kSuccess);
      }
      continue;
    }
    names.push_back(name);
  }
  return names;
}

// Result of sweeping one directory over every buffer length.
struct SweepStats {
  size_t points = 0;          // buffer lengths checked
  size_t prefix_only = 0;     // calls where not even one entry fitted
  size_t calls = 0;
};

// For every buf_len in [1, full + 64]: read through cookies with exactly
// that buffer; every call's bytes must equal the expected encoding from the
// resume point, a short return must end the listing, and a partial last
// entry must fill the buffer. Where not one entry fits, the call can only be
// checked for bufused == buf_len and a correct prefix; the walk then moves
// on with that entry's cookie from the reference listing.
void Sweep(Context& ctx, fd_t fd, const std::vector<Ent>& ref, SweepStats* stats) {
  const std::string all = EncodeAll(ref);
  std::vector<size_t> offset_of(ref.size() + 1, 0);  // byte offset of entry i
  for (size_t i = 0; i < ref.size(); ++i) offset_of[i + 1] = offset_of[i] + Encode(ref[i]).size();
  size_t failures = 0;
  std::string first_failure;
  auto fail = [&](size_t buf_len, dircookie_t cookie, const std::string& why) {
    if (failures++ == 0) {
      first_failure = absl::StrCat("buf_len ", buf_len, " cookie ", cookie, ": ", why);
    }
  };
  constexpr uint8_t kSentinel = 0xA5;
  for (size_t buf_len = 1; buf_len <= all.size() + 64; ++buf_len) {
    ++stats->points;
    std::vector<Ent> got;
    size_t idx = 0;          // index in `ref` of the next entry expected
    dircookie_t cookie = 0;  // resume point
    bool done = false;
    // Allocated at exactly buf_len so ASan sees any write past it.
    std::vector<uint8_t> buf(buf_len);
    for (int guard = 0; !done && guard < 100000; ++guard) {
      std::fill(buf.begin(), buf.end(), kSentinel);
      Result<size_t> r = ctx.fd_readdir(fd, absl::MakeSpan(buf), cookie);
      ++stats->calls;
      if (!r.ok()) {
        fail(buf_len, cookie, absl::StrCat("errno ", AsAbsl(ErrnoName(r.error()))));
        break;
      }
      const size_t used = *r;
      const size_t off = offset_of[idx];
      const size_t want = std::min(buf_len, all.size() - off);
      if (used != want) {
        fail(buf_len, cookie, absl::StrCat("bufused ", used, ", want ", want));
        break;
      }
      if (std::memcmp(buf.data(), all.data() + off, used) != 0) {
        fail(buf_len, cookie, "bytes differ from the expected encoding");
        break;
      }
      if (used < buf_len &&
          std::any_of(buf.begin() + used, buf.end(), [](uint8_t b) { return b != kSentinel; })) {
        fail(buf_len, cookie, "bytes written past bufused");
        break;
      }
      Chunk c = Decode(buf.data(), used, buf_len);
      if (!c.error.empty()) {
        fail(buf_len, cookie, c.error);
        break;
      }
      got.insert(got.end(), c.complete.begin(), c.complete.end());
      idx += c.complete.size();
      if (used < buf_len) {
        if (c.partial) fail(buf_len, cookie, "partial entry in a short return");
        done = true;
        break;
      }
      if (!c.complete.empty()) {
        cookie = c.complete.back().next;
      } else {
        // Not even one entry fits: bufused == buf_len and the prefix were
        // checked above; step over this entry with the reference cookie.
        ++stats->prefix_only;
        if (idx >= ref.size()) {
          fail(buf_len, cookie, "a full buffer with nothing left to list");
          break;
        }
        got.push_back(ref[idx]);
        cookie = ref[idx].next;
        ++idx;
      }
    }
    if (!done) {
      if (failures == 0) fail(buf_len, cookie, "the listing did not end");
      continue;
    }
    if (!(got == ref)) fail(buf_len, 0, absl::StrCat("listing differs:\n", Show(got)));
  }
  INFO(first_failure);
  CHECK(failures == 0);
}

}  // namespace

TEST_CASE("fd_readdir lists '.' and '..' first, with cookies 1 and 2", "[readdir]") {
  Sandbox sb("base/d/\nbase/d/x = 1\n");
  const fd_t d = OpenDir(sb, "d");
  const inode_t d_ino = StatAt(sb.ctx(), sb.base(), "d").ino;
  const inode_t base_ino = StatAt(sb.ctx(), sb.base(), ".").ino;
  std::vector<Ent> all = ReadWhole(sb.ctx(), d, 0);
  REQUIRE(all.size() == 3);
  CHECK(all[0] == Ent{".", d_ino, Filetype::kDirectory, 1});
  CHECK(all[1] == Ent{"..", base_ino, Filetype::kDirectory, 2});
  CHECK(all[2].name == "x");
  CHECK(all[2].next > 2);
  // Resuming at each cookie skips exactly what came before it.
  std::vector<Ent> from1 = ReadWhole(sb.ctx(), d, 1);
  CHECK(from1 == std::vector<Ent>(all.begin() + 1, all.end()));
  std::vector<Ent> from2 = ReadWhole(sb.ctx(), d, 2);
  CHECK(from2 == std::vector<Ent>(all.begin() + 2, all.end()));
  CHECK(ReadWhole(sb.ctx(), d, all[2].next).empty());
  CHECK(ReadWhole(sb.ctx(), d, ~dircookie_t{0}).empty());
  // An empty directory has just the two.
  REQUIRE(sb.ctx().path_create_directory(sb.base(), "e") == Errno::kSuccess);
  const fd_t e = OpenDir(sb, "e");
  CheckListing(sb.ctx(), e, ReadWhole(sb.ctx(), e), base_ino, {});
}

TEST_CASE("fd_readdir d_ino and d_type agree with path_filestat_get for every entry",
          "[readdir]") {
  Sandbox sb(
      "base/d/\n"
      "base/d/file = x\n"
      "base/d/sub/\n"
      "base/d/link -> file\n"
      "base/d/dlink -> sub\n"
      "base/d/dangling -> nowhere\n"
      "base/d/abs -> /etc/passwd\n"
      "base/d/hard => base/d/file\n"
      "base/d/sub/inner = y\n");
  const fd_t d = OpenDir(sb, "d");
  const inode_t base_ino = StatAt(sb.ctx(), sb.base(), ".").ino;
  const std::vector<Ent> got = ReadWhole(sb.ctx(), d);
  CheckListing(sb.ctx(), d, got, base_ino,
               {"file", "sub", "link", "dlink", "dangling", "abs", "hard"});
  // Spot checks of what CheckListing compared.
  CHECK(got[4].type == Filetype::kSymbolicLink);  // link: the link, not its target
  CHECK(got[3].type == Filetype::kDirectory);
  CHECK(got[8].ino == got[2].ino);                 // hard link: same inode
  // The nested directory's '..' is d.
  const fd_t sub = OpenDir(sb, "d/sub");
  CheckListing(sb.ctx(), sub, ReadWhole(sb.ctx(), sub), StatAt(sb.ctx(), sb.base(), "d").ino,
               {"inner"});
}

TEST_CASE("fd_readdir of a preopen reports the preopen itself as '..'", "[readdir][containment]") {
  Sandbox sb("base/a = 1\nbase/dir/\nbase/dir/b = 2\n");
  const inode_t base_ino = StatAt(sb.ctx(), sb.base(), ".").ino;
  SECTION("the sandbox preopen") {
    CheckListing(sb.ctx(), sb.base(), ReadWhole(sb.ctx(), sb.base()), base_ino, {"a", "dir"});
  }
  SECTION("a nested directory preopened by the host") {
    Context ctx2(sb.fs_);
    absl::StatusOr<fd_t> fd = ctx2.Preopen("base/dir", "/inner");
    REQUIRE(fd.ok());
    const inode_t dir_ino = StatAt(sb.ctx(), sb.base(), "dir").ino;
    const std::vector<Ent> got = ReadWhole(ctx2, *fd);
    CheckListing(ctx2, *fd, got, dir_ino, {"b"});
    CHECK(got[1].ino != base_ino);
  }
  SECTION("the root preopened by the host") {
    Context ctx2(sb.fs_);
    absl::StatusOr<fd_t> fd = ctx2.Preopen("/", "/");
    REQUIRE(fd.ok());
    const std::vector<Ent> got = ReadWhole(ctx2, *fd);
    REQUIRE(got.size() == 3);
    CHECK(got[0].ino == sb.fs().root_id());
    CHECK(got[1].ino == sb.fs().root_id());
    CHECK(got[2].name == "base");
  }
  SECTION("a preopen moved to another number by fd_renumber is still its own '..'") {
    const fd_t other = OpenDir(sb, "dir");
    REQUIRE(sb.ctx().fd_renumber(sb.base(), other) == Errno::kSuccess);
    const std::vector<Ent> got = ReadWhole(sb.ctx(), other);
    REQUIRE(got.size() == 4);
    CHECK(got[0].ino == base_ino);
    CHECK(got[1].ino == base_ino);
  }
}

TEST_CASE("fd_readdir '..' of another descriptor on the preopen's directory stays inside",
          "[readdir][containment]") {
  // A guest can open the preopen's own directory again ("." or "dir/..").
  // That descriptor is not the preopen, but its '..' would be the
  // directory above the sandbox; it must not be described.
  Sandbox sb("base/dir/\noutside/\n");
  const inode_t base_ino = StatAt(sb.ctx(), sb.base(), ".").ino;
  absl::StatusOr<Filestat> root = sb.fs().Stat("/", false);
  REQUIRE(root.ok());
  const std::string path = GENERATE(as<std::string>{}, ".", "dir/..", "./dir/../");
  INFO("opened as '" << path << "'");
  const fd_t again = OpenDir(sb, path);
  const std::vector<Ent> got = ReadWhole(sb.ctx(), again);
  REQUIRE(got.size() == 3);
  CHECK(got[0].ino == base_ino);
  CHECK(got[1].name == "..");
  CHECK(got[1].ino != root->ino);
  CHECK(got[1].ino == base_ino);
}

TEST_CASE("fd_readdir lists entries in creation order, not name order", "[readdir]") {
  Sandbox sb("base/d/\n");
  const std::vector<std::string> names = {"zeta", "alpha", "Mid", "beta", "0"};
  for (const std::string& n : names) Touch(sb, "d/" + n);
  const fd_t d = OpenDir(sb, "d");
  CheckListing(sb.ctx(), d, ReadWhole(sb.ctx(), d), StatAt(sb.ctx(), sb.base(), ".").ino, names);
  // Removing and re-creating a name moves it to the end.
  REQUIRE(sb.ctx().path_unlink_file(sb.base(), "d/alpha") == Errno::kSuccess);
  Touch(sb, "d/alpha");
  CheckListing(sb.ctx(), d, ReadWhole(sb.ctx(), d), StatAt(sb.ctx(), sb.base(), ".").ino,
               {"zeta", "Mid", "beta", "0", "alpha"});
}

TEST_CASE("fd_readdir buffer sweep: every buf_len gives the full listing exactly once",
          "[readdir][sweep]") {
  Sandbox sb("base/zero/\nbase/one/\nbase/many/\n");
  Touch(sb, "one/only_entry");
  const std::vector<std::string> many = MakeBigDir(sb, "many", 300);
  REQUIRE(many.size() == 300);
  const inode_t base_ino = StatAt(sb.ctx(), sb.base(), ".").ino;
  struct Dir {
    const char* path;
    std::vector<std::string> names;
  };
  const std::vector<Dir> dirs = {{"zero", {}}, {"one", {"only_entry"}}, {"many", many}};
  SweepStats total;
  for (const Dir& dir : dirs) {
    INFO("directory " << dir.path);
    const fd_t fd = OpenDir(sb, dir.path);
    std::string raw;
    const std::vector<Ent> ref = ReadWhole(sb.ctx(), fd, 0, &raw);
    CheckListing(sb.ctx(), fd, ref, base_ino, dir.names);
    // The library's bytes are the independent encoding of what it listed.
    REQUIRE(raw == EncodeAll(ref));
    SweepStats s;
    Sweep(sb.ctx(), fd, ref, &s);
    std::cout << "readdir sweep: " << dir.path << " (" << dir.names.size() << " entries, "
              << raw.size() << " bytes): " << s.points << " buffer lengths, " << s.calls
              << " calls, " << s.prefix_only << " prefix-only calls\n";
    total.points += s.points;
    total.calls += s.calls;
    total.prefix_only += s.prefix_only;
    REQUIRE(sb.ctx().fd_close(fd) == Errno::kSuccess);
  }
  WARN("readdir sweep points checked: " << total.points << " buffer lengths over 3 directories ("
                                        << total.calls << " fd_readdir calls, "
                                        << total.prefix_only << " prefix-only)");
  CHECK(total.points > 300 * 24);
}

TEST_CASE("fd_readdir through cookies while not-yet-listed entries are deleted",
          "[readdir][mutation]") {
  Sandbox sb("base/d/\n");
  std::vector<std::string> initial;
  for (int i = 0; i < 60; ++i) {
    initial.push_back(absl::StrCat("e", i < 10 ? "0" : "", i));
    Touch(sb, "d/" + initial.back());
  }
  const fd_t d = OpenDir(sb, "d");
  std::map<std::string, inode_t> ino_of;
  for (const std::string& n : initial) ino_of[n] = StatAt(sb.ctx(), d, n).ino;
  const size_t buf_len = GENERATE(as<size_t>{}, 100, 150, 333);
  INFO("buf_len " << buf_len);
  std::multiset<std::string> returned;
  std::set<std::string> removed;
  std::vector<uint8_t> buf(buf_len);
  dircookie_t cookie = 0;
  int calls = 0;
  for (; calls < 1000; ++calls) {
    Result<size_t> used = sb.ctx().fd_readdir(d, absl::MakeSpan(buf), cookie);
    REQUIRE(used.ok());
    Chunk c = Decode(buf.data(), *used, buf_len);
    INFO(c.error);
    REQUIRE(c.error.empty());
    for (const Ent& e : c.complete) {
      returned.insert(e.name);
      if (e.name != "." && e.name != "..") {
        CHECK(removed.count(e.name) == 0);
        CHECK(e.ino == ino_of[e.name]);
      }
    }
    if (*used < buf_len) break;
    REQUIRE_FALSE(c.complete.empty());
    cookie = c.complete.back().next;
    // Delete the entry the next call would start with (if any is cut
    // short it is exactly that one), and every 4th entry not yet returned.
    int k = 0;
    for (const std::string& n : initial) {
      if (returned.count(n) || removed.count(n)) continue;
      if (k++ % 4 == 0) {
        REQUIRE(sb.ctx().path_unlink_file(d, n) == Errno::kSuccess);
        removed.insert(n);
      }
    }
  }
  REQUIRE(calls < 1000);
  CHECK(returned.count(".") == 1);
  CHECK(returned.count("..") == 1);
  for (const std::string& n : initial) {
    INFO(n);
    if (removed.count(n)) {
      CHECK(returned.count(n) == 0);
    } else {
      CHECK(returned.count(n) == 1);
    }
  }
  CHECK_FALSE(removed.empty());
  CHECK(returned.size() == 2 + initial.size() - removed.size());
}

TEST_CASE("fd_readdir through cookies while listed entries are deleted and new ones added",
          "[readdir][mutation]") {
  Sandbox sb("base/d/\n");
  std::vector<std::string> initial;
  for (int i = 0; i < 60; ++i) {
    initial.push_back(absl::StrCat("e", i < 10 ? "0" : "", i));
    Touch(sb, "d/" + initial.back());
  }
  const fd_t d = OpenDir(sb, "d");
  const size_t buf_len = GENERATE(as<size_t>{}, 100, 150, 333);
  INFO("buf_len " << buf_len);
  // Entries are identified by (name, ino): a re-created name is a new entry.
  using Id = std::pair<std::string, inode_t>;
  std::set<Id> present_at_start;
  for (const std::string& n : initial) present_at_start.insert({n, StatAt(sb.ctx(), d, n).ino});
  std::multiset<Id> returned;
  std::set<Id> added;
  std::set<Id> removed;
  std::vector<uint8_t> buf(buf_len);
  dircookie_t cookie = 0;
  int calls = 0, round = 0;
  for (; calls < 1000; ++calls) {
    Result<size_t> used = sb.ctx().fd_readdir(d, absl::MakeSpan(buf), cookie);
    REQUIRE(used.ok());
    Chunk c = Decode(buf.data(), *used, buf_len);
    INFO(c.error);
    REQUIRE(c.error.empty());
    for (const Ent& e : c.complete) {
      if (e.name == "." || e.name == "..") continue;
      returned.insert({e.name, e.ino});
    }
    if (*used < buf_len) break;
    REQUIRE_FALSE(c.complete.empty());
    cookie = c.complete.back().next;
    // Delete two entries already returned, re-create one of them under the
    // same name, and add two brand-new names.
    ++round;
    int deleted = 0;
    for (const Id& id : std::set<Id>(returned.begin(), returned.end())) {
      if (deleted == 2) break;
      if (removed.count(id)) continue;
      REQUIRE(sb.ctx().path_unlink_file(d, id.first) == Errno::kSuccess);
      removed.insert(id);
      if (deleted == 0) {
        Touch(sb, "d/" + id.first);
        added.insert({id.first, StatAt(sb.ctx(), d, id.first).ino});
      }
      ++deleted;
    }
    for (int j = 0; j < 2 && round < 40; ++j) {
      const std::string n = absl::StrCat("new", round, "_", j);
      Touch(sb, "d/" + n);
      added.insert({n, StatAt(sb.ctx(), d, n).ino});
    }
  }
  REQUIRE(calls < 1000);
  for (const Id& id : present_at_start) {
    INFO(id.first << " ino " << id.second);
    CHECK(returned.count(id) == 1);  // removed only after being returned
  }
  // New entries get later cookies than any existing one, so a listing in
  // progress reaches each of them once.
  for (const Id& id : added) {
    INFO("added " << id.first << " ino " << id.second);
    CHECK(returned.count(id) == 1);
  }
  CHECK(returned.size() == std::set<Id>(returned.begin(), returned.end()).size());
  CHECK_FALSE(removed.empty());
  CHECK_FALSE(added.empty());
}

TEST_CASE("fd_readdir cookies taken before a mutation stay valid after it", "[readdir][mutation]") {
  Sandbox sb("base/d/\n");
  for (int i = 0; i < 20; ++i) Touch(sb, absl::StrCat("d/f", i));
  const fd_t d = OpenDir(sb, "d");
  const std::vector<Ent> before = ReadWhole(sb.ctx(), d);
  REQUIRE(before.size() == 22);
  // Remove some, add some.
  for (int i : {0, 5, 6, 13, 19}) {
    REQUIRE(sb.ctx().path_unlink_file(d, absl::StrCat("f", i)) == Errno::kSuccess);
  }
  for (int i = 0; i < 4; ++i) Touch(sb, absl::StrCat("d/g", i));
  REQUIRE(sb.ctx().path_create_directory(d, "subdir") == Errno::kSuccess);
  const std::vector<Ent> after = ReadWhole(sb.ctx(), d);
  REQUIRE(after.size() == 22 - 5 + 5);
  // Entries that survived keep their cookies.
  for (const Ent& e : after) {
    auto it = std::find_if(before.begin(), before.end(),
                           [&](const Ent& b) { return b.name == e.name; });
    if (it != before.end()) CHECK(*it == e);
  }
  // Every old cookie (of a kept or a removed entry) resumes right after
  // that entry's position: the current entries with a later cookie.
  for (const Ent& old : before) {
    INFO("resume after " << old);
    std::vector<Ent> want;
    for (const Ent& e : after) {
      if (e.next > old.next) want.push_back(e);
    }
    CHECK(ReadWhole(sb.ctx(), d, old.next) == want);
  }
  CHECK(ReadWhole(sb.ctx(), d, 0) == after);
}

TEST_CASE("fd_readdir of a directory removed while open lists only '.' and '..'",
          "[readdir][removed]") {
  Sandbox sb("base/d/\nbase/d/x = 1\n");
  const fd_t d = OpenDir(sb, "d");
  const inode_t d_ino = StatAt(sb.ctx(), sb.base(), "d").ino;
  const std::vector<Ent> first = ReadWhole(sb.ctx(), d);
  REQUIRE(first.size() == 3);
  REQUIRE(sb.ctx().path_unlink_file(sb.base(), "d/x") == Errno::kSuccess);
  REQUIRE(sb.ctx().path_remove_directory(sb.base(), "d") == Errno::kSuccess);
  const std::vector<Ent> got = ReadWhole(sb.ctx(), d);
  INFO(Show(got));
  REQUIRE(got.size() == 2);
  CHECK(got[0] == Ent{".", d_ino, Filetype::kDirectory, 1});
  // A removed directory has no parent: '..' reports itself.
  CHECK(got[1] == Ent{"..", d_ino, Filetype::kDirectory, 2});
  // Old cookies still work and list nothing.
  CHECK(ReadWhole(sb.ctx(), d, first[2].next).empty());
  CHECK(ReadThrough(sb.ctx(), d, 30) == got);
}

TEST_CASE("fd_readdir checks the descriptor, its kind and FD_READDIR", "[readdir][order]") {
  Sandbox sb("base/f = x\nbase/d/\n");
  std::vector<uint8_t> buf(256, 0x5A);
  const std::vector<uint8_t> untouched = buf;
  auto readdir = [&](fd_t fd) { return sb.ctx().fd_readdir(fd, absl::MakeSpan(buf), 0).error(); };
  CHECK(readdir(99) == Errno::kBadf);
  Result<fd_t> file = Open(sb.ctx(), sb.base(), "f");
  REQUIRE(file.ok());
  CHECK(readdir(*file) == Errno::kNotdir);
  const fd_t no_right = OpenDir(sb, "d", kDirRights & ~rights::kFdReaddir);
  CHECK(readdir(no_right) == Errno::kNotcapable);
  CHECK(buf == untouched);
  // A narrowed descriptor loses it too.
  const fd_t d = OpenDir(sb, "d");
  REQUIRE(sb.ctx().fd_fdstat_set_rights(d, kDirRights & ~rights::kFdReaddir, Rights()) ==
          Errno::kSuccess);
  CHECK(readdir(d) == Errno::kNotcapable);
}

TEST_CASE("fd_readdir with a buffer big enough for exactly the listing returns buf_len and then 0",
          "[readdir][sweep]") {
  Sandbox sb("base/d/\nbase/d/abc = 1\n");
  const fd_t d = OpenDir(sb, "d");
  std::string raw;
  const std::vector<Ent> ref = ReadWhole(sb.ctx(), d, 0, &raw);
  REQUIRE(raw.size() == 3 * kHeader + 1 + 2 + 3);
  std::vector<uint8_t> buf(raw.size());
  Result<size_t> used = sb.ctx().fd_readdir(d, absl::MakeSpan(buf), 0);
  REQUIRE(used.ok());
  CHECK(*used == raw.size());
  CHECK(std::string(buf.begin(), buf.end()) == raw);
  // The caller cannot know it was the end, so it asks again after the last
  // cookie and gets nothing.
  used = sb.ctx().fd_readdir(d, absl::MakeSpan(buf), ref.back().next);
  REQUIRE(used.ok());
  CHECK(*used == 0);
}

}  // namespace vfs::testing
