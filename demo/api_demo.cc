// vfs_demo (api_demo): builds a small tree, drives a scripted sequence of WASI preview1
// calls through a Context (as a guest would), and prints each call with its
// result, then the tree. It shows hard links, unlink-while-open, a symlink
// escape being refused, rights narrowing, and stable readdir cookies.
#include <cstdio>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "vfs/context.h"
#include "vfs/filesystem.h"

using namespace vfs;  // NOLINT: a demo reads better without prefixes

namespace {

int step = 0;

void Show(std::string_view call, Errno e) {
  std::printf("%2d. %-58s -> %s\n", ++step, std::string(call).c_str(),
              std::string(ErrnoName(e)).c_str());
}
template <typename T>
void Show(std::string_view call, const Result<T>& r, std::string_view value) {
  if (r.ok()) {
    std::printf("%2d. %-58s -> ok %s\n", ++step, std::string(call).c_str(),
                std::string(value).c_str());
  } else {
    Show(call, r.error());
  }
}

absl::Span<const uint8_t> Bytes(std::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

int main() {
  FilesystemOptions options;
  options.clock = std::make_shared<DeterministicClock>();
  auto fs = Filesystem::Create(options);
  // The host builds the tree. `outside/` is not preopened: the guest must
  // never reach it.
  (void)fs->WriteFile("outside/secret", "host-only data\n");
  (void)fs->WriteFile("sandbox/docs/readme.txt", "hello from the fixture\n");
  (void)fs->MakeDirectories("sandbox/tmp");
  (void)fs->MakeSymlink("sandbox/escape", "../outside/secret");

  Context ctx(fs);
  std::string out;
  // stdio as Buffers: stdin at end of file, stdout/stderr captured.
  (void)ctx.AttachStream(0, StreamEnd::kRead);
  (void)ctx.StreamCloseInput(0);
  (void)ctx.AttachStream(1, StreamEnd::kWrite);
  (void)ctx.AttachStream(2, StreamEnd::kWrite);
  const fd_t dir = *ctx.Preopen("sandbox", "/sandbox");
  std::printf("preopened 'sandbox' as \"/sandbox\" at fd %u\n\n", dir);

  const Rights rw = rights::kFdRead | rights::kFdWrite | rights::kFdSeek |
                    rights::kFdTell | rights::kFdFilestatGet;
  Result<fd_t> f = ctx.path_open(dir, lookupflags::kSymlinkFollow, "tmp/log.txt",
                                 oflags::kCreat | oflags::kTrunc, rw, Rights(),
                                 Fdflags());
  Show("path_open(tmp/log.txt, CREAT|TRUNC)", f, f.ok() ? absl::StrCat("fd=", *f) : "");
  absl::Span<const uint8_t> iov[] = {Bytes("first line\n")};
  Result<size_t> n = ctx.fd_write(*f, iov);
  Show("fd_write(\"first line\\n\")", n, n.ok() ? absl::StrCat(*n, " bytes") : "");

  Show("path_link(tmp/log.txt -> tmp/log.link)",
       ctx.path_link(dir, Lookupflags(), "tmp/log.txt", dir, "tmp/log.link"));
  Result<Filestat> st = ctx.path_filestat_get(dir, Lookupflags(), "tmp/log.link");
  Show("path_filestat_get(tmp/log.link)", st,
       st.ok() ? absl::StrCat("ino=", st->ino, " nlink=", st->nlink, " size=", st->size) : "");

  Show("path_unlink_file(tmp/log.txt)", ctx.path_unlink_file(dir, "tmp/log.txt"));
  Show("path_unlink_file(tmp/log.link)", ctx.path_unlink_file(dir, "tmp/log.link"));
  st = ctx.fd_filestat_get(*f);
  Show("fd_filestat_get(fd) after both unlinks", st,
       st.ok() ? absl::StrCat("nlink=", st->nlink, " size=", st->size) : "");
  Result<filesize_t> pos = ctx.fd_seek(*f, 0, Whence::kSet);
  Show("fd_seek(0, SET)", pos, pos.ok() ? absl::StrCat("offset=", *pos) : "");
  uint8_t buf[64];
  absl::Span<uint8_t> riov[] = {absl::MakeSpan(buf)};
  n = ctx.fd_read(*f, riov);
  Show("fd_read(unlinked file)", n,
       n.ok() ? absl::StrCat("\"", std::string(reinterpret_cast<char*>(buf), *n - 1), "\\n\"") : "");
  Show("fd_close(fd)", ctx.fd_close(*f));

  f = ctx.path_open(dir, lookupflags::kSymlinkFollow, "escape", Oflags(),
                    rights::kFdRead, Rights(), Fdflags());
  Show("path_open(escape -> ../outside/secret, FOLLOW)", f, "");
  f = ctx.path_open(dir, Lookupflags(), "escape", Oflags(), rights::kFdRead,
                    Rights(), Fdflags());
  Show("path_open(escape, NOFOLLOW)", f, "");
  f = ctx.path_open(dir, Lookupflags(), "../outside/secret", Oflags(),
                    rights::kFdRead, Rights(), Fdflags());
  Show("path_open(../outside/secret)", f, "");
  Show("path_symlink(\"/etc/passwd\", abs)", ctx.path_symlink("/etc/passwd", dir, "abs"));

  f = ctx.path_open(dir, lookupflags::kSymlinkFollow, "docs/readme.txt", Oflags(),
                    rights::kFdRead | rights::kFdWrite, Rights(), Fdflags());
  Show("path_open(docs/readme.txt, READ|WRITE)", f, f.ok() ? absl::StrCat("fd=", *f) : "");
  Show("fd_fdstat_set_rights(fd, READ only)",
       ctx.fd_fdstat_set_rights(*f, rights::kFdRead, Rights()));
  iov[0] = Bytes("overwrite");
  n = ctx.fd_write(*f, iov);
  Show("fd_write after narrowing", n, "");
  Show("fd_fdstat_set_rights(fd, READ|WRITE) (widen)",
       ctx.fd_fdstat_set_rights(*f, rights::kFdRead | rights::kFdWrite, Rights()));
  (void)ctx.fd_close(*f);

  // Readdir cookies survive changes between calls.
  Result<fd_t> d = ctx.path_open(dir, Lookupflags(), "docs", oflags::kDirectory,
                                 rights::kFdReaddir, Rights(), Fdflags());
  uint8_t dbuf[256];
  Result<size_t> used = ctx.fd_readdir(*d, absl::MakeSpan(dbuf), 0);
  Show("fd_readdir(docs, cookie=0)", used, used.ok() ? absl::StrCat(*used, " bytes: . .. readme.txt") : "");
  (void)fs->WriteFile("sandbox/docs/added.txt", "new\n");
  used = ctx.fd_readdir(*d, absl::MakeSpan(dbuf), 3);
  Show("fd_readdir(docs, cookie=3) after a file was added", used,
       used.ok() ? absl::StrCat(*used, " bytes: added.txt") : "");
  (void)ctx.fd_close(*d);

  std::printf("\nThe tree afterwards:\n%s", fs->Dump().c_str());
  absl::Status check = fs->Fsck();
  std::printf("fsck: %s\n", check.ok() ? "clean" : check.ToString().c_str());
  return check.ok() ? 0 : 1;
}
