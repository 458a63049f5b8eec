#include "wasi/abi.h"

#include <sys/random.h>

#include <cerrno>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace vfs::wasi {
namespace {

// Linux's IOV_MAX: a vectored call with more iovecs is INVAL (after the
// array itself was found to lie in memory).
constexpr uint32_t kMaxIovecs = 1024;

Outcome Return(Errno e) { return Outcome{Outcome::kReturn, static_cast<uint32_t>(e), {}}; }
Outcome Trap(std::string_view what) {
  return Outcome{Outcome::kTrap, 0,
                 absl::StrCat("out-of-bounds or misaligned guest pointer (",
                              absl::string_view(what.data(), what.size()), ")")};
}

void Put(uint8_t* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t Get(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

void EncodeFilestat(const Filestat& st, uint8_t* out) {
  std::memset(out, 0, layout::kFilestatSize);
  Put(out + 0, st.dev, 8);
  Put(out + 8, st.ino, 8);
  out[16] = static_cast<uint8_t>(st.filetype);
  Put(out + 24, st.nlink, 8);
  Put(out + 32, st.size, 8);
  Put(out + 40, st.atim, 8);
  Put(out + 48, st.mtim, 8);
  Put(out + 56, st.ctim, 8);
}

void EncodeFdstat(const Fdstat& st, uint8_t* out) {
  std::memset(out, 0, layout::kFdstatSize);
  out[0] = static_cast<uint8_t>(st.fs_filetype);
  Put(out + 2, st.fs_flags.bits(), 2);
  Put(out + 8, st.fs_rights_base.bits(), 8);
  Put(out + 16, st.fs_rights_inheriting.bits(), 8);
}

// Decodes an iovec array (8 bytes each: u32 buf, u32 len) into spans. False
// means a trap: the array or a buffer lies outside memory or is misaligned.
template <typename Byte>
bool DecodeIovecs(GuestMemory& m, uint32_t iovs, uint32_t count,
                  std::vector<absl::Span<Byte>>* out) {
  absl::Span<uint8_t> array;
  if (iovs % 4 != 0 || !m.InBounds(iovs, uint64_t{count} * 8)) return false;
  if (count > kMaxIovecs) return true;  // caller returns INVAL
  (void)m.Bytes(iovs, count * 8, &array);
  out->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t buf = static_cast<uint32_t>(Get(array.data() + 8 * i, 4));
    const uint32_t len = static_cast<uint32_t>(Get(array.data() + 8 * i + 4, 4));
    absl::Span<uint8_t> bytes;
    if (!m.Bytes(buf, len, &bytes)) return false;
    out->push_back(absl::Span<Byte>(bytes.data(), bytes.size()));
  }
  return true;
}

// Joins NUL-terminated strings for args_get / environ_get.
Outcome PutStrings(const std::vector<std::string>& strings, uint32_t ptrs,
                   uint32_t buf, GuestMemory& m) {
  uint64_t total = 0;
  for (const auto& s : strings) total += s.size() + 1;
  if (ptrs % 4 != 0 || !m.InBounds(ptrs, uint64_t{strings.size()} * 4) ||
      !m.InBounds(buf, total)) {
    return Trap("argv/environ buffers");
  }
  uint32_t at = buf;
  for (size_t i = 0; i < strings.size(); ++i) {
    (void)m.Store<uint32_t>(ptrs + 4 * static_cast<uint32_t>(i), at);
    absl::Span<uint8_t> dst;
    (void)m.Bytes(at, static_cast<uint32_t>(strings[i].size() + 1), &dst);
    std::memcpy(dst.data(), strings[i].data(), strings[i].size());
    dst[strings[i].size()] = 0;
    at += static_cast<uint32_t>(strings[i].size() + 1);
  }
  return Return(Errno::kSuccess);
}

Outcome PutSizes(const std::vector<std::string>& strings, uint32_t count_ptr,
                 uint32_t size_ptr, GuestMemory& m) {
  uint64_t total = 0;
  for (const auto& s : strings) total += s.size() + 1;
  if (count_ptr % 4 || size_ptr % 4 || !m.InBounds(count_ptr, 4) ||
      !m.InBounds(size_ptr, 4)) {
    return Trap("sizes");
  }
  (void)m.Store<uint32_t>(count_ptr, static_cast<uint32_t>(strings.size()));
  (void)m.Store<uint32_t>(size_ptr, static_cast<uint32_t>(total));
  return Return(Errno::kSuccess);
}

}  // namespace

WasiAbi::WasiAbi(WasiFilesystem& ctx, AbiOptions options)
    : ctx_(ctx), options_(std::move(options)) {
  rng_.seed(options_.random_seed);  // used only in deterministic mode
}

uint64_t WasiAbi::Realtime() {
  if (options_.deterministic) return fixed_realtime_.Now();
  return RealClock().Now();
}

uint64_t WasiAbi::Monotonic() {
  if (options_.deterministic) return fixed_monotonic_.Now();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count());
}

Outcome WasiAbi::Call(Import id, absl::Span<const uint64_t> args,
                      GuestMemory memory) {
  Outcome out = Dispatch(id, args, memory);
  if (options_.trace) {
    const ImportSignature& sig = ImportTable()[static_cast<size_t>(id)];
    std::string line = absl::StrCat(absl::string_view(sig.name.data(), sig.name.size()),
                                    "(", absl::StrJoin(args, ", "), ") -> ");
    if (out.kind == Outcome::kReturn) {
      const std::string_view name = ErrnoName(static_cast<Errno>(out.value));
      absl::StrAppend(&line, absl::string_view(name.data(), name.size()));
    } else if (out.kind == Outcome::kExit) {
      absl::StrAppend(&line, "exit ", out.value);
    } else {
      absl::StrAppend(&line, "trap: ", out.message);
    }
    options_.trace(line);
  }
  return out;
}

Outcome WasiAbi::ClockTimeGet(uint32_t id, uint32_t out, GuestMemory& m) {
  if (out % 8 != 0 || !m.InBounds(out, 8)) return Trap("time");
  if (id > 3) return Return(Errno::kInval);
  if (id >= 2) return Return(Errno::kBadf);  // CPU-time clocks, as wasmtime
  (void)m.Store<uint64_t>(out, id == 0 ? Realtime() : Monotonic());
  return Return(Errno::kSuccess);
}

Outcome WasiAbi::SockCheck(uint32_t fd) {
  // There are no sockets: an open descriptor is not one.
  Result<Fdstat> st = ctx_.fd_fdstat_get(fd);
  return Return(st.ok() ? Errno::kNotsock : Errno::kBadf);
}

Outcome WasiAbi::PollOneoff(uint32_t in, uint32_t out, uint32_t n,
                            uint32_t nevents, GuestMemory& m) {
  constexpr uint32_t kSubSize = 48, kEventSize = 32;
  absl::Span<uint8_t> subs, events;
  if (!m.Region(in, 0, 8, &subs) || !m.InBounds(in, uint64_t{n} * kSubSize) ||
      out % 8 != 0 || !m.InBounds(out, uint64_t{n} * kEventSize) ||
      nevents % 4 != 0 || !m.InBounds(nevents, 4)) {
    return Trap("poll_oneoff");
  }
  if (n == 0) return Return(Errno::kInval);
  (void)m.Bytes(in, n * kSubSize, &subs);
  (void)m.Bytes(out, n * kEventSize, &events);
  struct Pending {
    uint64_t userdata;
    uint64_t deadline;  // nanoseconds from now
  };
  std::vector<Pending> clocks;
  uint32_t produced = 0;
  auto emit = [&](uint64_t userdata, Errno error, uint8_t type, uint64_t nbytes,
                  uint16_t flags) {
    uint8_t* e = events.data() + produced * kEventSize;
    std::memset(e, 0, kEventSize);
    Put(e + 0, userdata, 8);
    Put(e + 8, static_cast<uint16_t>(error), 2);
    e[10] = type;
    Put(e + 16, nbytes, 8);
    Put(e + 24, flags, 2);
    ++produced;
  };
  std::vector<std::pair<uint64_t, uint8_t>> blocked;  // fd waits never ready
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* s = subs.data() + i * kSubSize;
    const uint64_t userdata = Get(s, 8);
    const uint8_t tag = s[8];
    if (tag == 0) {  // clock
      const uint32_t id = static_cast<uint32_t>(Get(s + 16, 4));
      const uint64_t timeout = Get(s + 24, 8);
      const uint16_t flags = static_cast<uint16_t>(Get(s + 40, 2));
      if (id > 3 || (flags & ~1u) != 0) {
        emit(userdata, Errno::kInval, 0, 0, 0);
        continue;
      }
      if (id >= 2) {
        emit(userdata, Errno::kNotsup, 0, 0, 0);
        continue;
      }
      uint64_t deadline = timeout;
      if (flags & 1) {  // absolute
        const uint64_t now = id == 0 ? Realtime() : Monotonic();
        deadline = timeout > now ? timeout - now : 0;
      }
      clocks.push_back({userdata, deadline});
    } else if (tag == 1 || tag == 2) {
      const uint32_t fd = static_cast<uint32_t>(Get(s + 16, 4));
      Result<WasiFilesystem::PollState> st = ctx_.PollReadiness(fd, tag == 2);
      if (!st.ok()) {
        emit(userdata, st.error(), tag, 0, 0);
      } else if (st->ready) {
        emit(userdata, Errno::kSuccess, tag, st->nbytes, st->hangup ? 1 : 0);
      } else {
        blocked.push_back({userdata, tag});
      }
    } else {
      emit(userdata, Errno::kInval, tag, 0, 0);
    }
  }
  if (produced == 0 && !clocks.empty()) {
    uint64_t wait = UINT64_MAX;
    for (const Pending& c : clocks) wait = std::min(wait, c.deadline);
    if (options_.deterministic) {
      fixed_monotonic_.Advance(wait);
      fixed_realtime_.Advance(wait);
    } else if (wait > 0) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    }
    for (const Pending& c : clocks) {
      if (c.deadline <= wait) emit(c.userdata, Errno::kSuccess, 0, 0, 0);
    }
  }
  if (produced == 0) {
    // Only waits that nothing in this single-threaded world can satisfy:
    // report them rather than block forever.
    for (const auto& [userdata, tag] : blocked) emit(userdata, Errno::kAgain, tag, 0, 0);
  }
  (void)m.Store<uint32_t>(nevents, produced);
  return Return(Errno::kSuccess);
}

Outcome WasiAbi::Dispatch(Import id, absl::Span<const uint64_t> a,
                          GuestMemory& m) {
  auto u32 = [&](size_t i) { return static_cast<uint32_t>(a[i]); };
  auto path = [&](size_t ptr, size_t len, std::string_view* out) {
    return m.String(u32(ptr), u32(len), out);
  };
  switch (id) {
    case Import::kArgsGet: return PutStrings(options_.args, u32(0), u32(1), m);
    case Import::kArgsSizesGet: return PutSizes(options_.args, u32(0), u32(1), m);
    case Import::kEnvironGet: return PutStrings(options_.env, u32(0), u32(1), m);
    case Import::kEnvironSizesGet: return PutSizes(options_.env, u32(0), u32(1), m);
    case Import::kClockResGet: {
      if (u32(1) % 8 != 0 || !m.InBounds(u32(1), 8)) return Trap("resolution");
      if (u32(0) > 3) return Return(Errno::kInval);
      if (u32(0) >= 2) return Return(Errno::kBadf);
      (void)m.Store<uint64_t>(u32(1), options_.deterministic ? 1000 : 1);
      return Return(Errno::kSuccess);
    }
    case Import::kClockTimeGet: return ClockTimeGet(u32(0), u32(2), m);
    case Import::kFdAdvise:
      if (u32(3) > 0xFF) return Return(Errno::kInval);
      return Return(ctx_.fd_advise(u32(0), a[1], a[2], static_cast<Advice>(u32(3))));
    case Import::kFdAllocate: return Return(ctx_.fd_allocate(u32(0), a[1], a[2]));
    case Import::kFdClose: return Return(ctx_.fd_close(u32(0)));
    case Import::kFdDatasync: return Return(ctx_.fd_datasync(u32(0)));
    case Import::kFdFdstatGet: {
      absl::Span<uint8_t> out;
      if (!m.Region(u32(1), layout::kFdstatSize, 8, &out)) return Trap("fdstat");
      Result<Fdstat> st = ctx_.fd_fdstat_get(u32(0));
      if (!st.ok()) return Return(st.error());
      EncodeFdstat(*st, out.data());
      return Return(Errno::kSuccess);
    }
    case Import::kFdFdstatSetFlags:
      if (u32(1) > 0xFFFF) return Return(Errno::kInval);
      return Return(ctx_.fd_fdstat_set_flags(u32(0), Fdflags(static_cast<uint16_t>(u32(1)))));
    case Import::kFdFdstatSetRights:
      return Return(ctx_.fd_fdstat_set_rights(u32(0), Rights(a[1]), Rights(a[2])));
    case Import::kFdFilestatGet: {
      absl::Span<uint8_t> out;
      if (!m.Region(u32(1), layout::kFilestatSize, 8, &out)) return Trap("filestat");
      Result<Filestat> st = ctx_.fd_filestat_get(u32(0));
      if (!st.ok()) return Return(st.error());
      EncodeFilestat(*st, out.data());
      return Return(Errno::kSuccess);
    }
    case Import::kFdFilestatSetSize: return Return(ctx_.fd_filestat_set_size(u32(0), a[1]));
    case Import::kFdFilestatSetTimes:
      if (u32(3) > 0xFFFF) return Return(Errno::kInval);
      return Return(ctx_.fd_filestat_set_times(u32(0), a[1], a[2],
                                               Fstflags(static_cast<uint16_t>(u32(3)))));
    case Import::kFdPread:
    case Import::kFdRead: {
      const bool positioned = id == Import::kFdPread;
      const uint32_t result_ptr = u32(positioned ? 4 : 3);
      std::vector<absl::Span<uint8_t>> iovs;
      if (!DecodeIovecs(m, u32(1), u32(2), &iovs)) return Trap("iovs");
      if (result_ptr % 4 != 0 || !m.InBounds(result_ptr, 4)) return Trap("nread");
      if (u32(2) > kMaxIovecs) return Return(Errno::kInval);
      Result<size_t> n = positioned ? ctx_.fd_pread(u32(0), iovs, a[3])
                                    : ctx_.fd_read(u32(0), iovs);
      if (!n.ok()) return Return(n.error());
      (void)m.Store<uint32_t>(result_ptr, static_cast<uint32_t>(*n));
      return Return(Errno::kSuccess);
    }
    case Import::kFdPwrite:
    case Import::kFdWrite: {
      const bool positioned = id == Import::kFdPwrite;
      const uint32_t result_ptr = u32(positioned ? 4 : 3);
      std::vector<absl::Span<const uint8_t>> iovs;
      if (!DecodeIovecs(m, u32(1), u32(2), &iovs)) return Trap("iovs");
      if (result_ptr % 4 != 0 || !m.InBounds(result_ptr, 4)) return Trap("nwritten");
      if (u32(2) > kMaxIovecs) return Return(Errno::kInval);
      Result<size_t> n = positioned ? ctx_.fd_pwrite(u32(0), iovs, a[3])
                                    : ctx_.fd_write(u32(0), iovs);
      if (!n.ok()) return Return(n.error());
      (void)m.Store<uint32_t>(result_ptr, static_cast<uint32_t>(*n));
      return Return(Errno::kSuccess);
    }
    case Import::kFdPrestatGet: {
      absl::Span<uint8_t> out;
      if (!m.Region(u32(1), layout::kPrestatSize, 4, &out)) return Trap("prestat");
      Result<Prestat> p = ctx_.fd_prestat_get(u32(0));
      if (!p.ok()) return Return(p.error());
      std::memset(out.data(), 0, out.size());
      out[0] = p->tag;
      Put(out.data() + 4, p->pr_name_len, 4);
      return Return(Errno::kSuccess);
    }
    case Import::kFdPrestatDirName: {
      absl::Span<uint8_t> buf;
      if (!m.Bytes(u32(1), u32(2), &buf)) return Trap("path");
      return Return(ctx_.fd_prestat_dir_name(u32(0), buf));
    }
    case Import::kFdReaddir: {
      absl::Span<uint8_t> buf;
      if (!m.Bytes(u32(1), u32(2), &buf)) return Trap("buf");
      if (u32(4) % 4 != 0 || !m.InBounds(u32(4), 4)) return Trap("bufused");
      Result<size_t> n = ctx_.fd_readdir(u32(0), buf, a[3]);
      if (!n.ok()) return Return(n.error());
      (void)m.Store<uint32_t>(u32(4), static_cast<uint32_t>(*n));
      return Return(Errno::kSuccess);
    }
    case Import::kFdRenumber: return Return(ctx_.fd_renumber(u32(0), u32(1)));
    case Import::kFdSeek: {
      if (u32(3) % 8 != 0 || !m.InBounds(u32(3), 8)) return Trap("newoffset");
      if (u32(2) > 0xFF) return Return(Errno::kInval);
      Result<filesize_t> pos = ctx_.fd_seek(u32(0), static_cast<int64_t>(a[1]),
                                            static_cast<Whence>(u32(2)));
      if (!pos.ok()) return Return(pos.error());
      (void)m.Store<uint64_t>(u32(3), *pos);
      return Return(Errno::kSuccess);
    }
    case Import::kFdSync: return Return(ctx_.fd_sync(u32(0)));
    case Import::kFdTell: {
      if (u32(1) % 8 != 0 || !m.InBounds(u32(1), 8)) return Trap("offset");
      Result<filesize_t> pos = ctx_.fd_tell(u32(0));
      if (!pos.ok()) return Return(pos.error());
      (void)m.Store<uint64_t>(u32(1), *pos);
      return Return(Errno::kSuccess);
    }
    case Import::kPathCreateDirectory: {
      std::string_view p;
      if (!path(1, 2, &p)) return Trap("path");
      return Return(ctx_.path_create_directory(u32(0), p));
    }
    case Import::kPathFilestatGet: {
      std::string_view p;
      absl::Span<uint8_t> out;
      if (!path(2, 3, &p)) return Trap("path");
      if (!m.Region(u32(4), layout::kFilestatSize, 8, &out)) return Trap("filestat");
      Result<Filestat> st = ctx_.path_filestat_get(u32(0), Lookupflags(u32(1)), p);
      if (!st.ok()) return Return(st.error());
      EncodeFilestat(*st, out.data());
      return Return(Errno::kSuccess);
    }
    case Import::kPathFilestatSetTimes: {
      std::string_view p;
      if (!path(2, 3, &p)) return Trap("path");
      if (u32(6) > 0xFFFF) return Return(Errno::kInval);
      return Return(ctx_.path_filestat_set_times(u32(0), Lookupflags(u32(1)), p, a[4], a[5],
                                                 Fstflags(static_cast<uint16_t>(u32(6)))));
    }
    case Import::kPathLink: {
      std::string_view from, to;
      if (!path(2, 3, &from) || !path(5, 6, &to)) return Trap("path");
      return Return(ctx_.path_link(u32(0), Lookupflags(u32(1)), from, u32(4), to));
    }
    case Import::kPathOpen: {
      std::string_view p;
      if (!path(2, 3, &p)) return Trap("path");
      if (u32(8) % 4 != 0 || !m.InBounds(u32(8), 4)) return Trap("fd");
      if (u32(4) > 0xFFFF || u32(7) > 0xFFFF) return Return(Errno::kInval);
      Result<fd_t> fd = ctx_.path_open(u32(0), Lookupflags(u32(1)), p,
                                       Oflags(static_cast<uint16_t>(u32(4))),
                                       Rights(a[5]), Rights(a[6]),
                                       Fdflags(static_cast<uint16_t>(u32(7))));
      if (!fd.ok()) return Return(fd.error());
      (void)m.Store<uint32_t>(u32(8), *fd);
      return Return(Errno::kSuccess);
    }
    case Import::kPathReadlink: {
      std::string_view p;
      absl::Span<uint8_t> buf;
      if (!path(1, 2, &p) || !m.Bytes(u32(3), u32(4), &buf)) return Trap("path");
      if (u32(5) % 4 != 0 || !m.InBounds(u32(5), 4)) return Trap("bufused");
      Result<size_t> n = ctx_.path_readlink(u32(0), p, buf);
      if (!n.ok()) return Return(n.error());
      (void)m.Store<uint32_t>(u32(5), static_cast<uint32_t>(*n));
      return Return(Errno::kSuccess);
    }
    case Import::kPathRemoveDirectory: {
      std::string_view p;
      if (!path(1, 2, &p)) return Trap("path");
      return Return(ctx_.path_remove_directory(u32(0), p));
    }
    case Import::kPathRename: {
      std::string_view from, to;
      if (!path(1, 2, &from) || !path(4, 5, &to)) return Trap("path");
      return Return(ctx_.path_rename(u32(0), from, u32(3), to));
    }
    case Import::kPathSymlink: {
      std::string_view target, p;
      if (!path(0, 1, &target) || !path(3, 4, &p)) return Trap("path");
      return Return(ctx_.path_symlink(target, u32(2), p));
    }
    case Import::kPathUnlinkFile: {
      std::string_view p;
      if (!path(1, 2, &p)) return Trap("path");
      return Return(ctx_.path_unlink_file(u32(0), p));
    }
    case Import::kPollOneoff: return PollOneoff(u32(0), u32(1), u32(2), u32(3), m);
    case Import::kProcExit:
      if (u32(0) >= 126) {
        return Outcome{Outcome::kTrap, 0,
                       absl::StrCat("proc_exit(", u32(0),
                                    "): exit status outside [0, 126)")};
      }
      return Outcome{Outcome::kExit, u32(0), {}};
    case Import::kProcRaise:
      return Outcome{Outcome::kTrap, 0,
                     absl::StrCat("proc_raise(", u32(0), ") is not supported")};
    case Import::kSchedYield: return Return(Errno::kSuccess);
    case Import::kRandomGet: {
      absl::Span<uint8_t> buf;
      if (!m.Bytes(u32(0), u32(1), &buf)) return Trap("buf");
      if (!options_.deterministic) {
        // Guests use random_get for keys and hash seeds: the kernel's CSPRNG.
        size_t done = 0;
        while (done < buf.size()) {
          const ssize_t n = getrandom(buf.data() + done, buf.size() - done, 0);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) return Return(Errno::kIo);
          done += static_cast<size_t>(n);
        }
        return Return(Errno::kSuccess);
      }
      for (size_t i = 0; i < buf.size(); i += 8) {
        const uint64_t r = rng_();
        std::memcpy(buf.data() + i, &r, std::min<size_t>(8, buf.size() - i));
      }
      return Return(Errno::kSuccess);
    }
    case Import::kSockAccept:
      if (u32(2) % 4 != 0 || !m.InBounds(u32(2), 4)) return Trap("fd");
      if (u32(1) > 0xFFFF) return Return(Errno::kInval);
      return SockCheck(u32(0));
    case Import::kSockRecv: {
      std::vector<absl::Span<uint8_t>> iovs;
      if (!DecodeIovecs(m, u32(1), u32(2), &iovs)) return Trap("ri_data");
      if (u32(4) % 4 != 0 || !m.InBounds(u32(4), 4) || u32(5) % 2 != 0 ||
          !m.InBounds(u32(5), 2)) {
        return Trap("ro_datalen/ro_flags");
      }
      return SockCheck(u32(0));
    }
    case Import::kSockSend: {
      std::vector<absl::Span<const uint8_t>> iovs;
      if (!DecodeIovecs(m, u32(1), u32(2), &iovs)) return Trap("si_data");
      if (u32(4) % 4 != 0 || !m.InBounds(u32(4), 4)) return Trap("so_datalen");
      return SockCheck(u32(0));
    }
    case Import::kSockShutdown:
      if ((u32(1) & ~3u) != 0) return Return(Errno::kInval);
      return SockCheck(u32(0));
  }
  return Outcome{Outcome::kTrap, 0, "unknown import"};
}

}  // namespace vfs::wasi
