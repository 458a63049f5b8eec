// F3: stateful fuzzing of every preview1 path and fd call. The input is a
// tree shape (2 bytes) followed by up to kMaxOps operations, each an opcode
// byte and its arguments. Descriptors live in 8 slots; path_open fills a
// slot, and an fd argument names a slot (or, rarely, a raw small number, to
// reach stdio numbers and closed descriptors).
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace vfs::fuzz {
namespace {

constexpr int kMaxOps = 64;
constexpr int kSlots = 8;

struct Driver {
  World w;
  FuzzInput in;
  std::array<fd_t, kSlots> slots{};

  fd_t Fd() {
    const uint8_t b = in.U8();
    if (b >= 0xF0) return b - 0xF0;  // 0..15: stdio numbers, gaps, the preopen
    return slots[b % kSlots];
  }
  size_t Slot() { return in.U8() % kSlots; }

  Lookupflags Lookup() { return Lookupflags(in.U8() & 1); }

  // Inode numbers guest calls returned must lie inside.
  void CheckStat(const Result<Filestat>& r, const std::string& what) {
    if (r.ok()) CheckInode(w, r->ino, what);
  }

  void CheckOpened(fd_t dir, Rights base, fd_t fd, const std::string& what) {
    auto info = w.ctx->LookupDescriptor(fd);
    FUZZ_CHECK(info.ok(), what + ": opened fd not in the table");
    CheckInode(w, info->inode, what);
    // Rights only ever narrow: within the request and the directory's
    // inheriting rights.
    FUZZ_CHECK(base.Contains(info->base), what + ": rights wider than requested");
    auto parent = w.ctx->LookupDescriptor(dir);
    if (parent.ok()) {
      FUZZ_CHECK(parent->inheriting.Contains(info->base),
                 what + ": base rights beyond the directory's inheriting");
      FUZZ_CHECK(parent->inheriting.Contains(info->inheriting),
                 what + ": inheriting rights beyond the directory's inheriting");
    }
  }

  // Decodes and runs one call; returns its description for failure messages.
  // Reads and writes use two buffers split at a random point, so that the
  // multi-iovec paths run.
  std::string Step(int op_index);

  void Run() {
    // VFS_FUZZ_TRACE=1 prints each call, to read what a saved input does.
    const bool trace = std::getenv("VFS_FUZZ_TRACE") != nullptr;
    for (int i = 0; i < kMaxOps && !in.empty(); ++i) {
      const std::string what = Step(i);
      if (trace) std::fprintf(stderr, "%s\n", what.c_str());
      CheckWorld(w, what);
    }
    FinishWorld(w);
  }
};

std::string Driver::Step(int i) {
  const uint8_t op = in.U8() % 30;
  std::string what = absl::StrCat("op ", i, " (", static_cast<int>(op), ")");
  Context& c = *w.ctx;
  switch (op) {
    case 0: {  // path_open
      const fd_t dir = Fd();
      const Lookupflags lf = Lookup();
      const std::string path = in.Path();
      const Oflags of(in.U8() & 0xF);
      const Rights base = in.RightsValue();
      const Rights inh = in.RightsValue();
      const Fdflags ff(in.U8() & 0x1F);
      const size_t slot = Slot();
      absl::StrAppend(&what, " path_open ", dir, " '", path, "'");
      auto r = c.path_open(dir, lf, path, of, base, inh, ff);
      if (r.ok()) {
        CheckOpened(dir, base, *r, what);
        slots[slot] = *r;
      }
      break;
    }
    case 1:
    case 2: {  // fd_read / fd_pread, through two buffers
      const fd_t fd = Fd();
      const size_t len = in.Size(kMaxIo) % (kMaxIo + 1);
      const size_t split = len == 0 ? 0 : in.U16() % (len + 1);
      std::vector<uint8_t> buf(len);
      const absl::Span<uint8_t> iov[2] = {absl::MakeSpan(buf.data(), split),
                                          absl::MakeSpan(buf.data() + split, len - split)};
      if (op == 1) {
        auto r = c.fd_read(fd, iov);
        FUZZ_CHECK(!r.ok() || *r <= len, what + ": fd_read returned more than asked");
      } else {
        const filesize_t off = in.Size(2 * kMaxFileSize);
        auto r = c.fd_pread(fd, iov, off);
        FUZZ_CHECK(!r.ok() || *r <= len, what + ": fd_pread returned more than asked");
      }
      absl::StrAppend(&what, op == 1 ? " fd_read " : " fd_pread ", fd);
      break;
    }
    case 3:
    case 4: {  // fd_write / fd_pwrite
      const fd_t fd = Fd();
      const size_t len = in.Size(kMaxIo) % (kMaxIo + 1);
      std::vector<uint8_t> buf(len, static_cast<uint8_t>('a' + i % 26));
      const size_t split = len == 0 ? 0 : in.U16() % (len + 1);
      const absl::Span<const uint8_t> iov[2] = {
          absl::MakeConstSpan(buf.data(), split),
          absl::MakeConstSpan(buf.data() + split, len - split)};
      if (op == 3) {
        auto r = c.fd_write(fd, iov);
        FUZZ_CHECK(!r.ok() || *r <= len, what + ": fd_write wrote more than given");
      } else {
        const filesize_t off = in.Size(2 * kMaxFileSize);
        auto r = c.fd_pwrite(fd, iov, off);
        FUZZ_CHECK(!r.ok() || *r <= len, what + ": fd_pwrite wrote more than given");
      }
      absl::StrAppend(&what, op == 3 ? " fd_write " : " fd_pwrite ", fd);
      break;
    }
    case 5: {
      const fd_t fd = Fd();
      const int64_t off = static_cast<int64_t>(in.Size(kMaxFileSize)) *
                          ((in.U8() & 1) ? -1 : 1);
      const Whence wh = static_cast<Whence>(in.U8() % 3);
      auto r = c.fd_seek(fd, off, wh);
      (void)r;
      absl::StrAppend(&what, " fd_seek ", fd);
      break;
    }
    case 6: (void)c.fd_tell(Fd()); what += " fd_tell"; break;
    case 7: {
      const fd_t fd = Fd();
      absl::StrAppend(&what, " fd_close ", fd);
      (void)c.fd_close(fd);
      break;
    }
    case 8: {
      const fd_t from = Fd();
      const fd_t to = Fd();
      absl::StrAppend(&what, " fd_renumber ", from, " ", to);
      (void)c.fd_renumber(from, to);
      break;
    }
    case 9: (void)((in.U8() & 1) ? c.fd_sync(Fd()) : c.fd_datasync(Fd())); what += " sync"; break;
    case 10: {
      const fd_t fd = Fd();
      const filesize_t off = in.Size(kMaxFileSize);
      const filesize_t len = in.Size(kMaxFileSize);
      (void)c.fd_advise(fd, off, len, static_cast<Advice>(in.U8() % 7));
      what += " fd_advise";
      break;
    }
    case 11: {
      const fd_t fd = Fd();
      const filesize_t off = in.Size(kMaxFileSize);
      const filesize_t len = in.Size(kMaxFileSize);
      (void)c.fd_allocate(fd, off, len);
      what += " fd_allocate";
      break;
    }
    case 12: (void)c.fd_fdstat_get(Fd()); what += " fd_fdstat_get"; break;
    case 13: (void)c.fd_fdstat_set_flags(Fd(), Fdflags(in.U8() & 0x3F)); what += " set_flags"; break;
    case 14: {
      const fd_t fd = Fd();
      auto before = c.LookupDescriptor(fd);
      const Rights base = in.RightsValue();
      const Rights inh = in.RightsValue();
      absl::StrAppend(&what, " fd_fdstat_set_rights ", fd);
      if (c.fd_fdstat_set_rights(fd, base, inh) == Errno::kSuccess) {
        auto after = c.LookupDescriptor(fd);
        FUZZ_CHECK(before.ok() && after.ok(), what + ": descriptor vanished");
        FUZZ_CHECK(before->base.Contains(after->base) &&
                       before->inheriting.Contains(after->inheriting),
                   what + ": fd_fdstat_set_rights widened rights");
      }
      break;
    }
    case 15: {
      const fd_t fd = Fd();
      absl::StrAppend(&what, " fd_filestat_get ", fd);
      CheckStat(c.fd_filestat_get(fd), what);
      break;
    }
    case 16: {
      const fd_t fd = Fd();
      const filesize_t size = in.Size(kMaxFileSize);
      absl::StrAppend(&what, " fd_filestat_set_size ", fd, " ", size);
      (void)c.fd_filestat_set_size(fd, size);
      break;
    }
    case 17: {
      const fd_t fd = Fd();
      (void)c.fd_filestat_set_times(fd, in.U64(), in.U64(), Fstflags(in.U8() & 0x1F));
      what += " fd_filestat_set_times";
      break;
    }
    case 18: {  // fd_readdir: every dirent that fits names an inside inode
      const fd_t fd = Fd();
      std::vector<uint8_t> buf(in.U16() % 4097);
      const dircookie_t cookie = (in.U8() & 1) ? in.U64() : in.U8() % 16;
      absl::StrAppend(&what, " fd_readdir ", fd);
      auto r = c.fd_readdir(fd, absl::MakeSpan(buf), cookie);
      if (r.ok()) {
        FUZZ_CHECK(*r <= buf.size(), what + ": used more than the buffer");
        size_t pos = 0;
        while (pos + layout::kDirentSize <= *r) {
          uint64_t ino;
          uint32_t namlen;
          std::memcpy(&ino, buf.data() + pos + layout::kDirentOffIno, 8);
          std::memcpy(&namlen, buf.data() + pos + layout::kDirentOffNamlen, 4);
          CheckInode(w, ino, what);
          pos += layout::kDirentSize + namlen;
        }
      }
      break;
    }
    case 19: {
      const fd_t fd = Fd();
      (void)c.fd_prestat_get(fd);
      std::vector<uint8_t> name(in.U8() % 16);
      (void)c.fd_prestat_dir_name(fd, absl::MakeSpan(name));
      what += " fd_prestat";
      break;
    }
    case 20: {
      const fd_t fd = Fd();
      const std::string p = in.Path();
      absl::StrAppend(&what, " path_create_directory ", fd, " '", p, "'");
      (void)c.path_create_directory(fd, p);
      break;
    }
    case 21: {
      const fd_t fd = Fd();
      const Lookupflags lf = Lookup();
      const std::string p = in.Path();
      absl::StrAppend(&what, " path_filestat_get ", fd, " '", p, "'");
      CheckStat(c.path_filestat_get(fd, lf, p), what);
      break;
    }
    case 22: {
      const fd_t fd = Fd();
      const Lookupflags lf = Lookup();
      const std::string p = in.Path();
      absl::StrAppend(&what, " path_filestat_set_times ", fd, " '", p, "'");
      (void)c.path_filestat_set_times(fd, lf, p, in.U64(), in.U64(),
                                      Fstflags(in.U8() & 0x1F));
      break;
    }
    case 23: {
      const fd_t a = Fd();
      const Lookupflags lf = Lookup();
      const std::string pa = in.Path();
      const fd_t b = Fd();
      const std::string pb = in.Path();
      absl::StrAppend(&what, " path_link ", a, " '", pa, "' ", b, " '", pb, "'");
      (void)c.path_link(a, lf, pa, b, pb);
      break;
    }
    case 24: {
      const fd_t fd = Fd();
      const std::string p = in.Path();
      std::vector<uint8_t> buf(in.U8() % 64);
      absl::StrAppend(&what, " path_readlink ", fd, " '", p, "'");
      auto r = c.path_readlink(fd, p, absl::MakeSpan(buf));
      FUZZ_CHECK(!r.ok() || *r <= buf.size(), what + ": readlink overran its buffer");
      break;
    }
    case 25: {
      const fd_t fd = Fd();
      const std::string p = in.Path();
      absl::StrAppend(&what, " path_remove_directory ", fd, " '", p, "'");
      (void)c.path_remove_directory(fd, p);
      break;
    }
    case 26: {
      const fd_t a = Fd();
      const std::string pa = in.Path();
      const fd_t b = Fd();
      const std::string pb = in.Path();
      absl::StrAppend(&what, " path_rename ", a, " '", pa, "' ", b, " '", pb, "'");
      (void)c.path_rename(a, pa, b, pb);
      break;
    }
    case 27: {
      const std::string target = in.Path();
      const fd_t fd = Fd();
      const std::string p = in.Path();
      absl::StrAppend(&what, " path_symlink '", target, "' ", fd, " '", p, "'");
      (void)c.path_symlink(target, fd, p);
      break;
    }
    case 28: {
      const fd_t fd = Fd();
      const std::string p = in.Path();
      absl::StrAppend(&what, " path_unlink_file ", fd, " '", p, "'");
      (void)c.path_unlink_file(fd, p);
      break;
    }
    default: {
      const fd_t fd = Fd();
      (void)c.PollReadiness(fd, in.U8() & 1);
      what += " poll";
      break;
    }
  }
  return what;
}

}  // namespace

int FuzzWasiOps(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint32_t shape = in.U16();
  Driver d{MakeWorld(shape), in, {}};
  // Slot 0 starts as the preopen; the rest as numbers nothing holds yet.
  d.slots = {d.w.box, d.w.box, 4, 5, 6, 7, 8, 100};
  d.Run();
  return 0;
}

}  // namespace vfs::fuzz
