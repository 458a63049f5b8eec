// Path resolution rules (vfs/path_resolver.h), checked through the preview1
// calls of Context: validation of the string (empty, NUL, UTF-8, leading
// '/', lengths), '.', '..', repeated slashes, trailing slashes, symlink
// expansion (chains, loops, targets with '..' or a trailing slash, dangling
// and absolute targets), physical '..' after a symlink, device-like names,
// and that resolution starts at the call's own base descriptor.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {

using namespace std::string_literals;

constexpr Rights kFileRead = rights::kFdRead | rights::kFdSeek |
                             rights::kFdTell | rights::kFdFilestatGet;
constexpr Rights kFileRW = kFileRead | rights::kFdWrite;
// Everything a directory can hold except FD_DATASYNC (a narrower request;
// opening a directory with it is allowed too).
constexpr Rights kDirOpen = rights::kDirectoryBase & ~rights::kFdDatasync;

// The tree most tests start from.
constexpr const char* kTree = R"(
base/file = top
base/dir/file = in-dir
base/dir/sub/file = in-dir-sub
base/sub/file = in-sub
base/empty/
outside/secret = s3cret
)";

// Everything observable about the tree except times: the graph (kinds,
// inode numbers, link counts, sizes, targets) and every file's bytes.
std::string State(Sandbox& sb) {
  return sb.fs().Dump() + "--\n" + SubtreeDigest(sb.fs(), "base") +
         SubtreeDigest(sb.fs(), "outside");
}

std::string HostRead(Sandbox& sb, std::string_view path) {
  auto bytes = sb.fs().ReadFile(path);
  return bytes.ok() ? *bytes : "<" + bytes.status().ToString() + ">";
}

InodeId HostIno(Sandbox& sb, std::string_view path) {
  auto st = sb.fs().Stat(path, /*follow=*/false);
  INFO("host stat " << std::string(path));
  REQUIRE(st.ok());
  return st->ino;
}

InodeId FdIno(Context& ctx, fd_t fd) {
  auto info = ctx.LookupDescriptor(fd);
  REQUIRE(info.ok());
  return info->inode;
}

// path_open that closes what it opened; returns the inode reached.
Result<InodeId> OpenIno(Context& ctx, fd_t dir, std::string_view path,
                        Lookupflags lf = kFollow, Oflags of = Oflags(),
                        Rights r = kFileRead) {
  Result<fd_t> fd = ctx.path_open(dir, lf, path, of, r, Rights(), Fdflags());
  if (!fd.ok()) return fd.error();
  const InodeId ino = FdIno(ctx, *fd);
  CHECK(ctx.fd_close(*fd) == Errno::kSuccess);
  return ino;
}

Errno OpenErr(Context& ctx, fd_t dir, std::string_view path,
              Lookupflags lf = kFollow, Oflags of = Oflags(),
              Rights r = kFileRead) {
  return OpenIno(ctx, dir, path, lf, of, r).error();
}

Result<fd_t> OpenDir(Context& ctx, fd_t dir, std::string_view path,
                     Lookupflags lf = kFollow) {
  return ctx.path_open(dir, lf, path, oflags::kDirectory, kDirOpen,
                       rights::kDirectoryInheriting, Fdflags());
}

Result<InodeId> OpenDirIno(Context& ctx, fd_t dir, std::string_view path,
                           Lookupflags lf = kFollow) {
  return OpenIno(ctx, dir, path, lf, oflags::kDirectory, kDirOpen);
}

// Reads a whole file through a fresh descriptor.
Result<std::string> ReadPath(Context& ctx, fd_t dir, std::string_view path,
                             Lookupflags lf = kFollow) {
  Result<fd_t> fd = ctx.path_open(dir, lf, path, Oflags(), kFileRead,
                                  Rights(), Fdflags());
  if (!fd.ok()) return fd.error();
  Result<std::string> bytes = ReadAll(ctx, *fd);
  CHECK(ctx.fd_close(*fd) == Errno::kSuccess);
  return bytes;
}

Result<std::string> Readlink(Context& ctx, fd_t dir, std::string_view path) {
  std::string buf(8192, '\0');
  Result<size_t> n = ctx.path_readlink(
      dir, path,
      absl::MakeSpan(reinterpret_cast<uint8_t*>(buf.data()), buf.size()));
  if (!n.ok()) return n.error();
  buf.resize(*n);
  return buf;
}

// Every preview1 call that resolves a caller-supplied path, with the path
// put in each position it can take. For validation errors every one of
// them must give the same errno and change nothing.
struct PathOp {
  const char* name;
  std::function<Errno(Context&, fd_t, std::string_view)> call;
};

std::vector<PathOp> AllPathOps() {
  return {
      {"path_open", [](Context& c, fd_t d, std::string_view p) {
         return OpenErr(c, d, p);
       }},
      {"path_open nofollow", [](Context& c, fd_t d, std::string_view p) {
         return OpenErr(c, d, p, kNoFollow);
       }},
      {"path_open creat", [](Context& c, fd_t d, std::string_view p) {
         return OpenErr(c, d, p, kFollow, oflags::kCreat, kFileRW);
       }},
      {"path_open creat|excl", [](Context& c, fd_t d, std::string_view p) {
         return OpenErr(c, d, p, kFollow, oflags::kCreat | oflags::kExcl,
                        kFileRW);
       }},
      {"path_open directory", [](Context& c, fd_t d, std::string_view p) {
         return OpenDirIno(c, d, p).error();
       }},
      {"path_filestat_get follow", [](Context& c, fd_t d, std::string_view p) {
         return c.path_filestat_get(d, kFollow, p).error();
       }},
      {"path_filestat_get nofollow",
       [](Context& c, fd_t d, std::string_view p) {
         return c.path_filestat_get(d, kNoFollow, p).error();
       }},
      {"path_filestat_set_times", [](Context& c, fd_t d, std::string_view p) {
         return c.path_filestat_set_times(d, kFollow, p, 0, 0,
                                          fstflags::kMtimNow);
       }},
      {"path_create_directory", [](Context& c, fd_t d, std::string_view p) {
         return c.path_create_directory(d, p);
       }},
      {"path_remove_directory", [](Context& c, fd_t d, std::string_view p) {
         return c.path_remove_directory(d, p);
       }},
      {"path_unlink_file", [](Context& c, fd_t d, std::string_view p) {
         return c.path_unlink_file(d, p);
       }},
      {"path_readlink", [](Context& c, fd_t d, std::string_view p) {
         return Readlink(c, d, p).error();
       }},
      {"path_symlink (new path)", [](Context& c, fd_t d, std::string_view p) {
         return c.path_symlink("file", d, p);
       }},
      {"path_link (old path)", [](Context& c, fd_t d, std::string_view p) {
         return c.path_link(d, Lookupflags(), p, d, "linked");
       }},
      {"path_link (new path)", [](Context& c, fd_t d, std::string_view p) {
         return c.path_link(d, Lookupflags(), "file", d, p);
       }},
      {"path_rename (old path)", [](Context& c, fd_t d, std::string_view p) {
         return c.path_rename(d, p, d, "renamed");
       }},
      {"path_rename (new path)", [](Context& c, fd_t d, std::string_view p) {
         return c.path_rename(d, "file", d, p);
       }},
  };
}

// `path` with non-printable bytes escaped and long runs elided, for INFO.
std::string Printable(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size() && i < 120; ++i) {
    const unsigned char ch = static_cast<unsigned char>(path[i]);
    if (ch >= 0x20 && ch < 0x7f) {
      out.push_back(static_cast<char>(ch));
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[ch >> 4]);
      out.push_back(hex[ch & 15]);
    }
  }
  if (path.size() > 120) out += "...";
  return out;
}

// Runs every path op on `path` and checks each gives `want` and changes
// nothing.
void ExpectAllOpsFail(Sandbox& sb, fd_t dir, std::string_view path,
                      Errno want) {
  for (const PathOp& op : AllPathOps()) {
    const std::string before = State(sb);
    INFO("op " << op.name << ", path '" << Printable(path) << "' ("
               << path.size() << " bytes)");
    CHECK_ERRNO(op.call(sb.ctx(), dir, path), want);
    CHECK(State(sb) == before);
  }
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out.append(s);
  return out;
}

// A chain `prefix0 -> prefix1 -> ... -> prefix{n-1} -> target` of n links
// in base/, as tree spec lines.
std::string Chain(const std::string& prefix, int n, const std::string& target) {
  std::string spec;
  for (int i = 0; i < n; ++i) {
    spec += "base/" + prefix + std::to_string(i) + " -> " +
            (i + 1 < n ? prefix + std::to_string(i + 1) : target) + "\n";
  }
  return spec;
}

}  // namespace

// ---------------------------------------------------------------------------
// Validation of the path string.

TEST_CASE("An empty path is NOENT for every path call and changes nothing",
          "[resolver]") {
  Sandbox sb(kTree);
  ExpectAllOpsFail(sb, sb.base(), "", Errno::kNoent);
}

TEST_CASE("A path containing a NUL byte is INVAL, even when its prefix exists",
          "[resolver]") {
  Sandbox sb(kTree);
  const std::string path = GENERATE("\0"s, "file\0"s, "fi\0le"s, "dir/\0"s,
                                    "dir/file\0/../x"s, "\0/file"s,
                                    "newname\0"s);
  ExpectAllOpsFail(sb, sb.base(), path, Errno::kInval);
}

TEST_CASE("Malformed UTF-8 anywhere in a path is ILSEQ for every path call",
          "[resolver]") {
  Sandbox sb(kTree);
  const std::string bad = GENERATE(
      "\xff"s,                  // never valid
      "\xfe"s,                  // never valid
      "\x80"s,                  // lone continuation byte
      "\xc3("s,                 // lead byte followed by a non-continuation
      "\xe2\x82"s,              // truncated 3-byte sequence
      "\xc0\xaf"s,              // overlong '/'
      "\xc1\xbf"s,              // overlong 2-byte
      "\xe0\x80\xaf"s,          // overlong 3-byte '/'
      "\xf0\x80\x80\xaf"s,      // overlong 4-byte '/'
      "\xed\xa0\x80"s,          // UTF-16 surrogate U+D800
      "\xed\xbf\xbf"s,          // UTF-16 surrogate U+DFFF
      "\xf4\x90\x80\x80"s,      // U+110000, above the Unicode range
      "\xf8\x88\x80\x80\x80"s,  // 5-byte form
      "\xfc\x84\x80\x80\x80\x80"s);  // 6-byte form
  const std::string where = GENERATE("alone", "prefix", "suffix", "middle");
  std::string path = bad;
  if (where == "prefix") path = "dir/" + bad;
  if (where == "suffix") path = bad + "/file";
  if (where == "middle") path = "dir/x" + bad + "y/file";
  ExpectAllOpsFail(sb, sb.base(), path, Errno::kIlseq);
}

TEST_CASE("Well-formed multi-byte UTF-8 names are ordinary names",
          "[resolver]") {
  Sandbox sb(kTree);
  const std::string name = GENERATE(
      "caf\xc3\xa9"s,              // U+00E9
      "\xe6\x97\xa5\xe6\x9c\xac"s, // CJK
      "\xf0\x9f\x98\x80"s,         // U+1F600, 4 bytes
      "\xed\x9f\xbf"s,             // U+D7FF, just below the surrogates
      "\xee\x80\x80"s,             // U+E000, just above them
      "\xef\xbf\xbf"s,             // U+FFFF
      "\xf4\x8f\xbf\xbf"s);        // U+10FFFF, the last code point
  Result<fd_t> fd = sb.ctx().path_open(sb.base(), kFollow, name,
                                       oflags::kCreat, kFileRW, Rights(),
                                       Fdflags());
  REQUIRE(fd.ok());
  CHECK(ValueOrDefault(Write(sb.ctx(), *fd, "x")) == 1);
  CHECK(sb.ctx().fd_close(*fd) == Errno::kSuccess);
  CHECK(ValueOrDefault(sb.ctx().path_filestat_get(sb.base(), kNoFollow, name)).size == 1);
  auto listing = ListDir(sb.ctx(), sb.base());
  REQUIRE(listing.ok());
  const auto names = Names(*listing);
  CHECK(std::count(names.begin(), names.end(), name) == 1);
  CHECK(sb.ctx().path_create_directory(sb.base(), "d" + name) ==
        Errno::kSuccess);
  CHECK(sb.ctx().path_symlink(name, sb.base(), "l" + name) == Errno::kSuccess);
  CHECK(ValueOrDefault(ReadPath(sb.ctx(), sb.base(), "l" + name)) == "x");
}

TEST_CASE("A path starting with '/' is PERM, even when the rest names an "
          "entry inside",
          "[resolver]") {
  Sandbox sb(kTree);
  const std::string path = GENERATE("/"s, "/file"s, "//file"s, "/base/file"s,
                                    "/sandbox/file"s, "/dir/../file"s,
                                    "/nothere"s, "/."s, "/.."s);
  ExpectAllOpsFail(sb, sb.base(), path, Errno::kPerm);
  // The same from a descriptor that is not a preopen.
  Result<fd_t> dir = OpenDir(sb.ctx(), sb.base(), "dir");
  REQUIRE(dir.ok());
  ExpectAllOpsFail(sb, *dir, path, Errno::kPerm);
}

TEST_CASE("Validation errors come in the documented order: NOENT, ILSEQ, "
          "INVAL, PERM, NAMETOOLONG",
          "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  // Invalid UTF-8 is reported before a NUL, a leading '/' or the length.
  CHECK_ERRNO(OpenErr(c, sb.base(), "\xff\0"s), Errno::kIlseq);
  CHECK_ERRNO(OpenErr(c, sb.base(), "/\xff"s), Errno::kIlseq);
  CHECK_ERRNO(OpenErr(c, sb.base(), "\xff" + Repeat("a", 5000)),
              Errno::kIlseq);
  // A NUL before a leading '/' or the length.
  CHECK_ERRNO(OpenErr(c, sb.base(), "/a\0"s), Errno::kInval);
  CHECK_ERRNO(OpenErr(c, sb.base(), "\0"s + Repeat("a", 5000)), Errno::kInval);
  // A leading '/' before the length.
  CHECK_ERRNO(OpenErr(c, sb.base(), "/" + Repeat("a", 5000)), Errno::kPerm);
  // The length before any lookup: '..' in a too-long path is not reached.
  CHECK_ERRNO(OpenErr(c, sb.base(), "../" + Repeat("a/", 2100)),
              Errno::kNametoolong);
}

// ---------------------------------------------------------------------------
// Lengths.

TEST_CASE("A 4096-byte path resolves and a 4097-byte one is NAMETOOLONG",
          "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  // "./" x 2046 + "file" is 4096 bytes and names base/file.
  const std::string p4096 = Repeat("./", 2046) + "file";
  REQUIRE(p4096.size() == 4096);
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), p4096)) == HostIno(sb, "base/file"));
  CHECK(c.path_filestat_get(sb.base(), kNoFollow, p4096).ok());
  // Through real directories: "dir/../" x 584 + "dir/file" is 4096 bytes.
  const std::string walk = Repeat("dir/../", 584) + "dir/file";
  REQUIRE(walk.size() == 4096);
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), walk)) == HostIno(sb, "base/dir/file"));
  // Creating at exactly 4096 bytes works too.
  const std::string create4096 = Repeat("./", 2046) + "newf";
  REQUIRE(create4096.size() == 4096);
  CHECK_ERRNO(OpenErr(c, sb.base(), create4096, kFollow, oflags::kCreat,
                      kFileRW),
              Errno::kSuccess);
  CHECK(sb.fs().Stat("base/newf").ok());
  CHECK_ERRNO(c.path_create_directory(sb.base(), Repeat("./", 2046) + "mkd4"),
              Errno::kSuccess);
  CHECK(sb.fs().Stat("base/mkd4").ok());

  // One byte more: every call refuses it before looking anything up.
  const std::string p4097 = Repeat("./", 2046) + "/file";
  REQUIRE(p4097.size() == 4097);
  ExpectAllOpsFail(sb, sb.base(), p4097, Errno::kNametoolong);
  const std::string missing4097 = Repeat("nothere/", 512) + "x";
  REQUIRE(missing4097.size() == 4097);
  ExpectAllOpsFail(sb, sb.base(), missing4097, Errno::kNametoolong);
  // A symlink target is limited in the same way at creation.
  CHECK_ERRNO(c.path_symlink(p4097, sb.base(), "toolong"),
              Errno::kNametoolong);
  CHECK_ERRNO(c.path_symlink(p4096, sb.base(), "justright"), Errno::kSuccess);
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "justright")) == HostIno(sb, "base/file"));
}

TEST_CASE("A 255-byte name can be created and used, a 256-byte one is "
          "NAMETOOLONG anywhere in a path",
          "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  const std::string n255(255, 'a');
  const std::string n256(256, 'b');
  // Creation and use with 255 bytes, through every creating call.
  REQUIRE(OpenErr(c, sb.base(), n255, kFollow, oflags::kCreat, kFileRW) ==
          Errno::kSuccess);
  CHECK(c.path_filestat_get(sb.base(), kNoFollow, n255).ok());
  CHECK(c.path_create_directory(sb.base(), "dir/" + n255) == Errno::kSuccess);
  CHECK(OpenErr(c, sb.base(), "dir/" + n255 + "/../file") == Errno::kSuccess);
  CHECK(c.path_symlink("file", sb.base(), "sub/" + n255) == Errno::kSuccess);
  CHECK(c.path_link(sb.base(), Lookupflags(), "file", sb.base(),
                    "empty/" + n255) == Errno::kSuccess);
  CHECK(c.path_rename(sb.base(), n255, sb.base(), "dir/sub/" + n255) ==
        Errno::kSuccess);
  // Multi-byte characters count in bytes: 127 x U+00E9 + 'a' is 255 bytes.
  std::string accents;
  for (int i = 0; i < 127; ++i) accents += "\xc3\xa9";
  CHECK(OpenErr(c, sb.base(), accents + "a", kFollow, oflags::kCreat,
                kFileRW) == Errno::kSuccess);

  // 256 bytes: refused by every call, whether the name exists or not, final
  // or not.
  ExpectAllOpsFail(sb, sb.base(), n256, Errno::kNametoolong);
  ExpectAllOpsFail(sb, sb.base(), "dir/" + n256, Errno::kNametoolong);
  ExpectAllOpsFail(sb, sb.base(), n256 + "/file", Errno::kNametoolong);
  ExpectAllOpsFail(sb, sb.base(), accents + "\xc3\xa9", Errno::kNametoolong);
}

TEST_CASE("A too-long component inside a symlink target is NAMETOOLONG at "
          "traversal",
          "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  // Only the whole target string is limited at creation.
  REQUIRE(c.path_symlink("dir/" + std::string(256, 'x'), sb.base(), "long") ==
          Errno::kSuccess);
  CHECK_ERRNO(OpenErr(c, sb.base(), "long"), Errno::kNametoolong);
  CHECK_ERRNO(c.path_filestat_get(sb.base(), kFollow, "long").error(),
              Errno::kNametoolong);
  CHECK(ValueOrDefault(c.path_filestat_get(sb.base(), kNoFollow, "long")).filetype ==
        Filetype::kSymbolicLink);
  CHECK(ValueOrDefault(Readlink(c, sb.base(), "long")).size() == 260);
}

// ---------------------------------------------------------------------------
// '.', '..' and repeated slashes.

TEST_CASE("'.' names the base directory itself", "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  const InodeId base = HostIno(sb, "base");
  for (const char* p : {".", "./", "./.", ".//.//", "dir/..", "dir/./.."}) {
    INFO(p);
    CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), p)) == base);
    CHECK(ValueOrDefault(c.path_filestat_get(sb.base(), kNoFollow, p)).ino == base);
  }
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "dir/.")) == HostIno(sb, "base/dir"));
  // The calls that need an entry refuse "." with their own errno.
  const std::string before = State(sb);
  CHECK_ERRNO(c.path_create_directory(sb.base(), "."), Errno::kExist);
  CHECK_ERRNO(c.path_remove_directory(sb.base(), "."), Errno::kInval);
  CHECK_ERRNO(c.path_unlink_file(sb.base(), "."), Errno::kIsdir);
  CHECK_ERRNO(c.path_rename(sb.base(), ".", sb.base(), "x"), Errno::kBusy);
  CHECK_ERRNO(c.path_rename(sb.base(), "file", sb.base(), "."), Errno::kBusy);
  CHECK_ERRNO(c.path_symlink("file", sb.base(), "."), Errno::kExist);
  CHECK_ERRNO(c.path_link(sb.base(), Lookupflags(), ".", sb.base(), "x"),
              Errno::kPerm);
  CHECK_ERRNO(Readlink(c, sb.base(), ".").error(), Errno::kInval);
  CHECK(State(sb) == before);
}

TEST_CASE("'..' that would leave the base at any step is PERM, even if the "
          "path comes back inside",
          "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  for (const char* p : {"..", "../", "../file", "../base/file",
                        "../outside/secret", "dir/../..", "dir/../../base/file",
                        "dir/sub/../../../base", "./..", "..//.", "sub/../../base",
                        "../nothere", "dir/../../outside"}) {
    ExpectAllOpsFail(sb, sb.base(), p, Errno::kPerm);
  }
  // '..' that stays inside is fine.
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "dir/../file")) == HostIno(sb, "base/file"));
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "dir/sub/../../sub/file")) ==
        HostIno(sb, "base/sub/file"));
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "dir/sub/..")) == HostIno(sb, "base/dir"));
}

TEST_CASE("Repeated slashes are one separator", "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  const InodeId f = HostIno(sb, "base/dir/sub/file");
  for (const char* p : {"dir//sub/file", "dir///sub////file", "dir/sub//file",
                        ".//dir//sub//file"}) {
    INFO(p);
    CHECK(ValueOrDefault(OpenIno(c, sb.base(), p)) == f);
  }
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "dir//")) == HostIno(sb, "base/dir"));
  CHECK(c.path_create_directory(sb.base(), "dir//made") == Errno::kSuccess);
  CHECK(sb.fs().Stat("base/dir/made").ok());
}

TEST_CASE("A path that wanders with '.', '..' and '//' but stays inside "
          "resolves",
          "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "dir/.//sub/../../dir/..///./file")) ==
        HostIno(sb, "base/file"));
  CHECK(ValueOrDefault(ReadPath(c, sb.base(), "dir/.//sub/../../dir/..///./file")) == "top");
}

// ---------------------------------------------------------------------------
// Trailing slashes.

TEST_CASE("A trailing slash on a regular file is NOTDIR", "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  for (const char* p : {"file/", "file//", "dir/file/", "file/."}) {
    INFO(p);
    const std::string before = State(sb);
    CHECK_ERRNO(OpenErr(c, sb.base(), p), Errno::kNotdir);
    CHECK_ERRNO(OpenErr(c, sb.base(), p, kNoFollow), Errno::kNotdir);
    // CREAT refuses a slashed final name before looking it up (ISDIR, as
    // Linux); in "file/." the file is not the final name.
    CHECK_ERRNO(OpenErr(c, sb.base(), p, kFollow, oflags::kCreat, kFileRW),
                std::string_view(p) == "file/." ? Errno::kNotdir : Errno::kIsdir);
    CHECK_ERRNO(c.path_filestat_get(sb.base(), kFollow, p).error(),
                Errno::kNotdir);
    CHECK_ERRNO(c.path_filestat_get(sb.base(), kNoFollow, p).error(),
                Errno::kNotdir);
    CHECK_ERRNO(c.path_unlink_file(sb.base(), p), Errno::kNotdir);
    CHECK_ERRNO(c.path_remove_directory(sb.base(), p), Errno::kNotdir);
    CHECK(State(sb) == before);
  }
}

TEST_CASE("A trailing slash on a directory is accepted", "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "dir/")) == HostIno(sb, "base/dir"));
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "dir///")) == HostIno(sb, "base/dir"));
  CHECK(ValueOrDefault(c.path_filestat_get(sb.base(), kNoFollow, "dir/sub/")).filetype ==
        Filetype::kDirectory);
  CHECK(c.path_create_directory(sb.base(), "made/") == Errno::kSuccess);
  CHECK(c.path_remove_directory(sb.base(), "made//") == Errno::kSuccess);
  CHECK(c.path_remove_directory(sb.base(), "empty/") == Errno::kSuccess);
  CHECK(sb.fs().Stat("base/empty").status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("A trailing slash on a symlink follows it, whatever the lookup "
          "flags",
          "[resolver]") {
  Sandbox sb(std::string(kTree) +
             "base/ldir -> dir\nbase/lfile -> file\nbase/dang -> nothere\n");
  Context& c = sb.ctx();
  // Without the slash a no-follow stat sees the link itself...
  CHECK(ValueOrDefault(c.path_filestat_get(sb.base(), kNoFollow, "ldir")).filetype ==
        Filetype::kSymbolicLink);
  // ...with it, the directory behind it.
  auto st = c.path_filestat_get(sb.base(), kNoFollow, "ldir/");
  REQUIRE(st.ok());
  CHECK(st->ino == HostIno(sb, "base/dir"));
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "ldir/", kNoFollow)) ==
        HostIno(sb, "base/dir"));
  // A link to a file with a slash is NOTDIR; to nothing, NOENT.
  CHECK_ERRNO(c.path_filestat_get(sb.base(), kNoFollow, "lfile/").error(),
              Errno::kNotdir);
  CHECK_ERRNO(OpenErr(c, sb.base(), "lfile/", kNoFollow), Errno::kNotdir);
  CHECK_ERRNO(c.path_filestat_get(sb.base(), kNoFollow, "dang/").error(),
              Errno::kNoent);
  // Calls that act on the entry itself do not follow: "link/" names a
  // symlink, which is not a directory.
  const std::string before = State(sb);
  CHECK_ERRNO(c.path_unlink_file(sb.base(), "lfile/"), Errno::kNotdir);
  CHECK_ERRNO(c.path_unlink_file(sb.base(), "ldir/"), Errno::kNotdir);
  CHECK_ERRNO(c.path_remove_directory(sb.base(), "ldir/"), Errno::kNotdir);
  CHECK(State(sb) == before);
}

// ---------------------------------------------------------------------------
// Symlink expansion.

TEST_CASE("A chain of 40 symlinks resolves and a chain of 41 is LOOP",
          "[resolver]") {
  Sandbox sb(std::string(kTree) + Chain("f", 40, "file") +
             Chain("g", 41, "file") + Chain("d", 40, "dir") +
             Chain("e", 41, "dir"));
  Context& c = sb.ctx();
  // As the final component.
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "f0")) == HostIno(sb, "base/file"));
  CHECK(ValueOrDefault(c.path_filestat_get(sb.base(), kFollow, "f0")).ino ==
        HostIno(sb, "base/file"));
  CHECK_ERRNO(OpenErr(c, sb.base(), "g0"), Errno::kLoop);
  CHECK_ERRNO(c.path_filestat_get(sb.base(), kFollow, "g0").error(),
              Errno::kLoop);
  // The 41st link itself is an ordinary symlink when not followed.
  CHECK(ValueOrDefault(c.path_filestat_get(sb.base(), kNoFollow, "g0")).filetype ==
        Filetype::kSymbolicLink);
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "g1")) == HostIno(sb, "base/file"));
  // As an intermediate component.
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "d0/file")) == HostIno(sb, "base/dir/file"));
  CHECK_ERRNO(OpenErr(c, sb.base(), "e0/file"), Errno::kLoop);
  const std::string before = State(sb);
  CHECK_ERRNO(c.path_create_directory(sb.base(), "e0/new"), Errno::kLoop);
  CHECK_ERRNO(OpenErr(c, sb.base(), "e0/new", kFollow, oflags::kCreat,
                      kFileRW),
              Errno::kLoop);
  CHECK(State(sb) == before);
}

TEST_CASE("Symlink expansions are counted over the whole path, not per link",
          "[resolver]") {
  Sandbox sb(std::string(kTree) + Chain("a", 20, "dir") +
             Chain("b", 20, "file") + Chain("c", 21, "file"));
  Context& c = sb.ctx();
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "a0/../b0")) == HostIno(sb, "base/file"));
  CHECK_ERRNO(OpenErr(c, sb.base(), "a0/../c0"), Errno::kLoop);
  CHECK_ERRNO(OpenErr(c, sb.base(), "a0/../a0/../b0"), Errno::kLoop);
}

TEST_CASE("A self loop and a two-link loop are LOOP when followed",
          "[resolver]") {
  Sandbox sb(std::string(kTree) +
             "base/self -> self\nbase/loop1 -> loop2\nbase/loop2 -> loop1\n"
             "base/dir/loop -> ../dir/loop\n");
  Context& c = sb.ctx();
  for (const char* p : {"self", "loop1", "loop2", "dir/loop"}) {
    INFO(p);
    const std::string s(p);
    const std::string before = State(sb);
    CHECK_ERRNO(OpenErr(c, sb.base(), s), Errno::kLoop);
    CHECK_ERRNO(c.path_filestat_get(sb.base(), kFollow, s).error(),
                Errno::kLoop);
    CHECK_ERRNO(c.path_filestat_get(sb.base(), kNoFollow, s + "/").error(),
                Errno::kLoop);
    CHECK_ERRNO(OpenErr(c, sb.base(), s + "/x"), Errno::kLoop);
    CHECK_ERRNO(OpenErr(c, sb.base(), s, kFollow, oflags::kCreat, kFileRW),
                Errno::kLoop);
    CHECK_ERRNO(c.path_create_directory(sb.base(), s + "/x"), Errno::kLoop);
    // Not followed, the link is an ordinary entry.
    CHECK(ValueOrDefault(c.path_filestat_get(sb.base(), kNoFollow, s)).filetype ==
          Filetype::kSymbolicLink);
    CHECK_ERRNO(OpenErr(c, sb.base(), s, kFollow,
                        oflags::kCreat | oflags::kExcl, kFileRW),
                Errno::kExist);
    CHECK(State(sb) == before);
  }
  CHECK(ValueOrDefault(Readlink(c, sb.base(), "loop1")) == "loop2");
  CHECK(c.path_unlink_file(sb.base(), "self") == Errno::kSuccess);
}

TEST_CASE("An empty symlink target can be created by neither guest nor host",
          "[resolver]") {
  // The resolver's rule (an empty target is NOENT on traversal) cannot be
  // reached through the public API because no such link can exist.
  Sandbox sb(kTree);
  const std::string before = State(sb);
  CHECK_ERRNO(sb.ctx().path_symlink("", sb.base(), "empty_link"),
              Errno::kNoent);
  CHECK(State(sb) == before);
  CHECK_FALSE(sb.fs().MakeSymlink("base/empty_link", "").ok());
  CHECK(State(sb) == before);
}

TEST_CASE("A symlink target ending in '/' must name a directory", "[resolver]") {
  Sandbox sb(std::string(kTree) +
             "base/tdir -> dir/\nbase/tfile -> file/\nbase/tmiss -> nothere/\n");
  Context& c = sb.ctx();
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "tdir")) == HostIno(sb, "base/dir"));
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "tdir/file")) == HostIno(sb, "base/dir/file"));
  const std::string before = State(sb);
  CHECK_ERRNO(OpenErr(c, sb.base(), "tfile"), Errno::kNotdir);
  CHECK_ERRNO(c.path_filestat_get(sb.base(), kFollow, "tfile").error(),
              Errno::kNotdir);
  // O_CREAT through a link whose target is "missing/" is ISDIR (as Linux),
  // and creates nothing.
  CHECK_ERRNO(OpenErr(c, sb.base(), "tmiss", kFollow, oflags::kCreat, kFileRW),
              Errno::kIsdir);
  CHECK_ERRNO(c.path_filestat_get(sb.base(), kFollow, "tmiss").error(),
              Errno::kNoent);
  CHECK(State(sb) == before);
}

TEST_CASE("A slash at the end of a symlink target never turns the caller's "
          "no-follow off",
          "[resolver]") {
  Sandbox sb(std::string(kTree) +
             "base/tdir -> dir/\nbase/link1 -> evil/\nbase/evil -> ../outside\n");
  Context& c = sb.ctx();
  CHECK(ValueOrDefault(c.path_filestat_get(sb.base(), kNoFollow, "tdir")).filetype ==
        Filetype::kSymbolicLink);
  CHECK_ERRNO(OpenErr(c, sb.base(), "tdir", kNoFollow), Errno::kLoop);
  CHECK_ERRNO(OpenDirIno(c, sb.base(), "tdir", kNoFollow).error(),
              Errno::kNotdir);
  CHECK_ERRNO(OpenErr(c, sb.base(), "link1", kNoFollow), Errno::kLoop);
  CHECK_ERRNO(OpenErr(c, sb.base(), "link1", kFollow), Errno::kPerm);
  CHECK_ERRNO(OpenErr(c, sb.base(), "link1/", kNoFollow), Errno::kPerm);
  CHECK(ValueOrDefault(c.path_filestat_get(sb.base(), kNoFollow, "link1")).filetype ==
        Filetype::kSymbolicLink);
}

TEST_CASE("'..' inside a symlink target is fine while it stays inside the "
          "base",
          "[resolver]") {
  Sandbox sb(std::string(kTree) +
             "base/dir/up -> ../file\n"
             "base/dir/sub/deep -> ../../dir/./sub/../file\n"
             "base/dir/sub/top -> ../..\n"
             "base/dir/sub/over -> ../../..\n"
             "base/dir/back -> ../../base/file\n");
  Context& c = sb.ctx();
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "dir/up")) == HostIno(sb, "base/file"));
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "dir/sub/deep")) == HostIno(sb, "base/dir/file"));
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "dir/sub/top")) == HostIno(sb, "base"));
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "dir/sub/top/sub/file")) ==
        HostIno(sb, "base/sub/file"));
  // One '..' too many, or leaving and coming back, is PERM.
  CHECK_ERRNO(OpenDirIno(c, sb.base(), "dir/sub/over").error(), Errno::kPerm);
  CHECK_ERRNO(OpenErr(c, sb.base(), "dir/back"), Errno::kPerm);
}

TEST_CASE("A relative symlink is resolved from the directory holding the link",
          "[resolver]") {
  Sandbox sb(std::string(kTree) +
             "base/dir/rel -> file\nbase/dir/sub/rel -> file\nbase/rel -> file\n"
             "base/dir/relsub -> sub\n");
  Context& c = sb.ctx();
  CHECK(ValueOrDefault(ReadPath(c, sb.base(), "dir/rel")) == "in-dir");
  CHECK(ValueOrDefault(ReadPath(c, sb.base(), "dir/sub/rel")) == "in-dir-sub");
  CHECK(ValueOrDefault(ReadPath(c, sb.base(), "rel")) == "top");
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "dir/relsub")) == HostIno(sb, "base/dir/sub"));
  CHECK(ValueOrDefault(ReadPath(c, sb.base(), "dir/relsub/file")) == "in-dir-sub");
  // O_CREAT through a link creates next to the link, not in the base.
  Sandbox sb2(std::string(kTree) + "base/dir/newlink -> made\n");
  CHECK(OpenErr(sb2.ctx(), sb2.base(), "dir/newlink", kFollow, oflags::kCreat,
                kFileRW) == Errno::kSuccess);
  CHECK(sb2.fs().Stat("base/dir/made").ok());
  CHECK_FALSE(sb2.fs().Stat("base/made").ok());
}

TEST_CASE("A dangling symlink is NOENT when followed and an entry when not",
          "[resolver]") {
  Sandbox sb(std::string(kTree) +
             "base/dang -> nothere\nbase/dang2 -> missingdir/x\n");
  Context& c = sb.ctx();
  const std::string before = State(sb);
  CHECK_ERRNO(OpenErr(c, sb.base(), "dang"), Errno::kNoent);
  CHECK_ERRNO(c.path_filestat_get(sb.base(), kFollow, "dang").error(),
              Errno::kNoent);
  CHECK_ERRNO(OpenErr(c, sb.base(), "dang/x"), Errno::kNoent);
  CHECK_ERRNO(OpenErr(c, sb.base(), "dang2", kFollow, oflags::kCreat, kFileRW),
              Errno::kNoent);
  CHECK_ERRNO(OpenErr(c, sb.base(), "dang", kNoFollow), Errno::kLoop);
  CHECK_ERRNO(OpenErr(c, sb.base(), "dang", kFollow,
                      oflags::kCreat | oflags::kExcl, kFileRW),
              Errno::kExist);
  auto st = c.path_filestat_get(sb.base(), kNoFollow, "dang");
  REQUIRE(st.ok());
  CHECK(st->filetype == Filetype::kSymbolicLink);
  CHECK(st->size == 7);
  CHECK(ValueOrDefault(Readlink(c, sb.base(), "dang")) == "nothere");
  CHECK(State(sb) == before);
  // O_CREAT through it creates the target, inside the base.
  CHECK(OpenErr(c, sb.base(), "dang", kFollow, oflags::kCreat, kFileRW) ==
        Errno::kSuccess);
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "dang")) == HostIno(sb, "base/nothere"));
}

TEST_CASE("'..' after a symlink leaves the target's directory, not the link's",
          "[resolver]") {
  Sandbox sb(std::string(kTree) + "base/sub/jump -> ../dir/sub\n");
  Context& c = sb.ctx();
  // Physical: sub/jump is dir/sub, so sub/jump/.. is dir, not sub.
  CHECK(ValueOrDefault(OpenDirIno(c, sb.base(), "sub/jump/..")) == HostIno(sb, "base/dir"));
  CHECK(ValueOrDefault(ReadPath(c, sb.base(), "sub/jump/../file")) == "in-dir");
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "sub/jump/../file")) ==
        HostIno(sb, "base/dir/file"));
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "sub/jump/../../file")) ==
        HostIno(sb, "base/file"));
  CHECK_ERRNO(OpenErr(c, sb.base(), "sub/jump/../../.."), Errno::kPerm);
}

TEST_CASE("Device-like names are ordinary names", "[resolver]") {
  Sandbox sb(kTree);
  Context& c = sb.ctx();
  const std::vector<std::string> names = {
      "COM1", "NUL", "con.txt", "aux", "CON", "PRN", "LPT1", "com1.txt",
      "nul.tar.gz", "COM\xc2\xb9", "AUX.", "con "};
  for (const std::string& n : names) {
    INFO(n);
    Result<fd_t> fd = c.path_open(sb.base(), kFollow, n, oflags::kCreat,
                                  kFileRW, Rights(), Fdflags());
    REQUIRE(fd.ok());
    CHECK(ValueOrDefault(Write(c, *fd, n)) == n.size());
    CHECK(c.fd_close(*fd) == Errno::kSuccess);
  }
  for (const std::string& n : names) {
    INFO(n);
    CHECK(ValueOrDefault(ReadPath(c, sb.base(), n)) == n);
    CHECK(HostRead(sb, "base/" + n) == n);
  }
  auto listing = ListDir(c, sb.base());
  REQUIRE(listing.ok());
  for (const std::string& n : names) {
    const auto ns = Names(*listing);
    CHECK(std::count(ns.begin(), ns.end(), n) == 1);
  }
  // As directories and symlinks too.
  CHECK(c.path_create_directory(sb.base(), "dir/CON") == Errno::kSuccess);
  CHECK(OpenErr(c, sb.base(), "dir/CON/NUL", kFollow, oflags::kCreat,
                kFileRW) == Errno::kSuccess);
  CHECK(c.path_symlink("COM1", sb.base(), "LPT2") == Errno::kSuccess);
  CHECK(ValueOrDefault(ReadPath(c, sb.base(), "LPT2")) == "COM1");
  CHECK(c.path_unlink_file(sb.base(), "NUL") == Errno::kSuccess);
  CHECK(sb.fs().ReadFile("base/dir/CON/NUL").ok());
}

// ---------------------------------------------------------------------------
// Intermediate components.

TEST_CASE("A missing intermediate is NOENT and a file as intermediate is "
          "NOTDIR",
          "[resolver]") {
  Sandbox sb(std::string(kTree) + "base/lfile -> file\n");
  Context& c = sb.ctx();
  const std::string before = State(sb);
  for (const char* p : {"nothere/file", "dir/nothere/file", "nothere/../file"}) {
    INFO(p);
    CHECK_ERRNO(OpenErr(c, sb.base(), p), Errno::kNoent);
    CHECK_ERRNO(OpenErr(c, sb.base(), p, kFollow, oflags::kCreat, kFileRW),
                Errno::kNoent);
    CHECK_ERRNO(c.path_create_directory(sb.base(), p), Errno::kNoent);
    CHECK_ERRNO(c.path_symlink("file", sb.base(), p), Errno::kNoent);
  }
  for (const char* p : {"file/x", "dir/file/x", "lfile/x", "file/../file"}) {
    INFO(p);
    CHECK_ERRNO(OpenErr(c, sb.base(), p), Errno::kNotdir);
    CHECK_ERRNO(OpenErr(c, sb.base(), p, kFollow, oflags::kCreat, kFileRW),
                Errno::kNotdir);
    CHECK_ERRNO(c.path_create_directory(sb.base(), p), Errno::kNotdir);
    CHECK_ERRNO(c.path_filestat_get(sb.base(), kNoFollow, p).error(),
                Errno::kNotdir);
  }
  CHECK(State(sb) == before);
}

TEST_CASE("An absolute symlink target made by the host is PERM on traversal "
          "and inert otherwise",
          "[resolver]") {
  Sandbox sb(std::string(kTree) +
             "base/abs -> /base/file\nbase/absd -> /base/dir\n");
  Context& c = sb.ctx();
  const std::string before = State(sb);
  CHECK_ERRNO(OpenErr(c, sb.base(), "abs"), Errno::kPerm);
  CHECK_ERRNO(c.path_filestat_get(sb.base(), kFollow, "abs").error(),
              Errno::kPerm);
  CHECK_ERRNO(OpenErr(c, sb.base(), "absd/file"), Errno::kPerm);
  CHECK_ERRNO(OpenErr(c, sb.base(), "abs/", kNoFollow), Errno::kPerm);
  CHECK_ERRNO(c.path_create_directory(sb.base(), "absd/new"), Errno::kPerm);
  CHECK(State(sb) == before);
  auto st = c.path_filestat_get(sb.base(), kNoFollow, "abs");
  REQUIRE(st.ok());
  CHECK(st->filetype == Filetype::kSymbolicLink);
  CHECK(st->size == 10);
  CHECK(ValueOrDefault(Readlink(c, sb.base(), "abs")) == "/base/file");
  CHECK(c.path_unlink_file(sb.base(), "abs") == Errno::kSuccess);
  CHECK_FALSE(sb.fs().Stat("base/abs").ok());
}

// ---------------------------------------------------------------------------
// The base descriptor.

TEST_CASE("Resolution starts at the call's own descriptor, and '..' above it "
          "is PERM",
          "[resolver]") {
  Sandbox sb(std::string(kTree) + "base/dir/up -> ../file\n");
  Context& c = sb.ctx();
  Result<fd_t> dir = OpenDir(c, sb.base(), "dir");
  REQUIRE(dir.ok());
  // Not a preopen: a descriptor opened by the guest.
  CHECK_ERRNO(c.fd_prestat_get(*dir).error(), Errno::kBadf);
  CHECK(ValueOrDefault(OpenIno(c, *dir, "file")) == HostIno(sb, "base/dir/file"));
  CHECK(ValueOrDefault(ReadPath(c, *dir, "file")) == "in-dir");
  CHECK(ValueOrDefault(OpenDirIno(c, *dir, ".")) == HostIno(sb, "base/dir"));
  CHECK(ValueOrDefault(OpenIno(c, *dir, "sub/../file")) == HostIno(sb, "base/dir/file"));
  // The parent of the descriptor's directory is out of reach, although it
  // is inside the preopen.
  for (const char* p : {"..", "../file", "../dir/file", "sub/../..",
                        "sub/../../dir/file", "../sub/file"}) {
    ExpectAllOpsFail(sb, *dir, p, Errno::kPerm);
  }
  // The same symlink is inside from the preopen and escapes from dir.
  CHECK(ValueOrDefault(OpenIno(c, sb.base(), "dir/up")) == HostIno(sb, "base/file"));
  CHECK_ERRNO(OpenErr(c, *dir, "up"), Errno::kPerm);
  CHECK(ValueOrDefault(Readlink(c, *dir, "up")) == "../file");
  // Creation happens relative to the descriptor too.
  CHECK(c.path_create_directory(*dir, "made") == Errno::kSuccess);
  CHECK(sb.fs().Stat("base/dir/made").ok());
  CHECK_FALSE(sb.fs().Stat("base/made").ok());
  CHECK(c.fd_close(*dir) == Errno::kSuccess);
}

TEST_CASE("A descriptor opened through a symlink is based at the target "
          "directory",
          "[resolver]") {
  Sandbox sb(std::string(kTree) + "base/sub/jump -> ../dir/sub\n");
  Context& c = sb.ctx();
  Result<fd_t> d = OpenDir(c, sb.base(), "sub/jump");
  REQUIRE(d.ok());
  CHECK(FdIno(c, *d) == HostIno(sb, "base/dir/sub"));
  CHECK(ValueOrDefault(ReadPath(c, *d, "file")) == "in-dir-sub");
  CHECK_ERRNO(OpenErr(c, *d, "../file"), Errno::kPerm);
  CHECK_ERRNO(OpenErr(c, *d, "../jump"), Errno::kPerm);
  CHECK(c.fd_close(*d) == Errno::kSuccess);
}

}  // namespace vfs::testing
