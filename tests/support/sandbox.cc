#include "tests/support/sandbox.h"

#include <catch2/catch.hpp>
#include <cstring>

#include "tests/support/tree_builder.h"

namespace vfs::testing {

Sandbox::Sandbox(std::string_view spec) : Sandbox(spec, FilesystemOptions()) {}

Sandbox::Sandbox(std::string_view spec, FilesystemOptions opt) {
  if (!opt.clock) opt.clock = std::make_shared<DeterministicClock>();
  fs_ = Filesystem::Create(opt);
  absl::Status s = fs_->MakeDirectories("base");
  if (s.ok()) s = BuildTree(*fs_, spec);
  if (!s.ok()) FAIL("tree spec failed: " << s.ToString());
  ctx_ = std::make_unique<Context>(fs_);
  auto fd = ctx_->Preopen("base", "/sandbox");
  if (!fd.ok()) FAIL("preopen failed: " << fd.status().ToString());
  base_fd_ = *fd;
}

Sandbox::~Sandbox() {
  absl::Status s = fs_->Fsck();
  if (!s.ok()) FAIL_CHECK(s.ToString() << "\n" << fs_->Dump());
  // With the context gone, only linked inodes remain: nothing leaks.
  ctx_.reset();
  s = fs_->Fsck();
  if (!s.ok()) FAIL_CHECK(s.ToString() << "\n" << fs_->Dump());
}

Result<fd_t> Open(WasiFilesystem& ctx, fd_t dir, std::string_view path, Oflags oflags,
                  Rights base, Rights inheriting, Fdflags fdflags,
                  Lookupflags lookup) {
  return ctx.path_open(dir, lookup, path, oflags, base, inheriting, fdflags);
}

namespace {
absl::Span<const uint8_t> Bytes(std::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
}  // namespace

Result<size_t> Write(WasiFilesystem& ctx, fd_t fd, std::string_view bytes) {
  absl::Span<const uint8_t> iov[] = {Bytes(bytes)};
  return ctx.fd_write(fd, iov);
}

Result<size_t> PWrite(WasiFilesystem& ctx, fd_t fd, std::string_view bytes,
                      filesize_t offset) {
  absl::Span<const uint8_t> iov[] = {Bytes(bytes)};
  return ctx.fd_pwrite(fd, iov, offset);
}

Result<std::string> ReadAll(WasiFilesystem& ctx, fd_t fd, size_t max) {
  std::string out;
  uint8_t buf[4096];
  while (out.size() < max) {
    absl::Span<uint8_t> iov[] = {absl::MakeSpan(buf, std::min(sizeof(buf), max - out.size()))};
    Result<size_t> n = ctx.fd_read(fd, iov);
    if (!n.ok()) return n.error();
    if (*n == 0) break;
    out.append(reinterpret_cast<char*>(buf), *n);
  }
  return out;
}

Result<std::string> PRead(WasiFilesystem& ctx, fd_t fd, size_t len, filesize_t offset) {
  std::string out(len, '\0');
  absl::Span<uint8_t> iov[] = {absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), len)};
  Result<size_t> n = ctx.fd_pread(fd, iov, offset);
  if (!n.ok()) return n.error();
  out.resize(*n);
  return out;
}

Result<std::vector<Listed>> ListDir(WasiFilesystem& ctx, fd_t fd, size_t buf_len) {
  std::vector<Listed> out;
  std::vector<uint8_t> buf(buf_len);
  dircookie_t cookie = 0;
  // A dirent that does not fit is retried with the cookie before it; if
  // even a lone entry does not fit in buf_len, grow the buffer (the caller
  // asked for a tiny buffer to exercise partial entries).
  for (int guard = 0; guard < 1000000; ++guard) {
    Result<size_t> used = ctx.fd_readdir(fd, absl::MakeSpan(buf), cookie);
    if (!used.ok()) return used.error();
    size_t pos = 0;
    bool progressed = false;
    while (pos + layout::kDirentSize <= *used) {
      auto get = [&](size_t off, size_t n) {
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v |= uint64_t{buf[pos + off + i]} << (8 * i);
        return v;
      };
      Listed e;
      e.next = get(layout::kDirentOffNext, 8);
      e.ino = get(layout::kDirentOffIno, 8);
      const size_t namlen = get(layout::kDirentOffNamlen, 4);
      e.type = static_cast<Filetype>(buf[pos + layout::kDirentOffType]);
      if (pos + layout::kDirentSize + namlen > *used) break;  // cut short
      e.name.assign(reinterpret_cast<char*>(buf.data() + pos + layout::kDirentSize), namlen);
      out.push_back(e);
      cookie = e.next;
      progressed = true;
      pos += layout::kDirentSize + namlen;
    }
    if (*used < buf.size()) return out;  // the listing is complete
    if (!progressed) buf.resize(buf.size() * 2);
  }
  return Errno::kLoop;
}

std::vector<std::string> Names(const std::vector<Listed>& listing) {
  std::vector<std::string> out;
  for (const auto& e : listing) out.push_back(e.name);
  return out;
}

Result<std::string> ReadSome(WasiFilesystem& ctx, fd_t fd, size_t len) {
  std::string out(len, '\0');
  absl::Span<uint8_t> iov[] = {absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), len)};
  Result<size_t> n = ctx.fd_read(fd, iov);
  if (!n.ok()) return n.error();
  out.resize(*n);
  return out;
}

}  // namespace vfs::testing
