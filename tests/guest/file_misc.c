// fd_advise, fd_sync, fd_datasync, fd_fdstat_set_flags, sync fdflags on
// path_open, the descriptor limit (MFILE) and the file size cap (FBIG).
#include "guest.h"

int main(void) {
  const __wasi_rights_t all_file =
      R_FILE_RW | __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_SYNC |
      __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS;
  __wasi_fd_t fd;
  check("open data.txt", open_at(PRE, 0, "data.txt", 0, all_file, 0, &fd));
  check("advise NORMAL", __wasi_fd_advise(fd, 0, 10, __WASI_ADVICE_NORMAL));
  check("advise NOREUSE", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_NOREUSE));
  check("advise 6", __wasi_fd_advise(fd, 0, 10, 6));
  check("advise 6 on fd 99", __wasi_fd_advise(99, 0, 10, 6));
  check("advise offset+len overflows",
        __wasi_fd_advise(fd, ~0ull - 5, 10, __WASI_ADVICE_NORMAL));
  check("sync", __wasi_fd_sync(fd));
  check("datasync", __wasi_fd_datasync(fd));
  check("set NONBLOCK", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK));
  __wasi_fdstat_t s;
  check("fdstat", __wasi_fd_fdstat_get(fd, &s));
  printf("flags: %u filetype %u\n", s.fs_flags, s.fs_filetype);
  check("set DSYNC", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_DSYNC));
  check("set flags 0", __wasi_fd_fdstat_set_flags(fd, 0));
  check("fdstat", __wasi_fd_fdstat_get(fd, &s));
  printf("flags: %u\n", s.fs_flags);

  __wasi_fd_t ro;
  check("open hello.txt read-only",
        open_at(PRE, 0, "hello.txt", 0, __WASI_RIGHTS_FD_READ, 0, &ro));
  check("advise on it", __wasi_fd_advise(ro, 0, 1, __WASI_ADVICE_NORMAL));
  check("sync on it", __wasi_fd_sync(ro));
  check("datasync on it", __wasi_fd_datasync(ro));
  check("set_flags on it", __wasi_fd_fdstat_set_flags(ro, __WASI_FDFLAGS_APPEND));
  check("close", __wasi_fd_close(ro));
  __wasi_fd_t dir;
  check("open sub", open_dir(PRE, "sub", &dir));
  check("advise on a directory", __wasi_fd_advise(dir, 0, 1, 0));
  check("sync on a directory", __wasi_fd_sync(dir));

  // Sync fdflags on path_open need FD_DATASYNC / FD_SYNC among the
  // directory's inheriting rights.
  __wasi_fd_t g;
  check("open DSYNC", open_at(PRE, 0, "hello.txt", 0, __WASI_RIGHTS_FD_WRITE,
                              __WASI_FDFLAGS_DSYNC, &g));
  check("fdstat", __wasi_fd_fdstat_get(g, &s));
  printf("flags: %u\n", s.fs_flags);
  check("close", __wasi_fd_close(g));
  check("open SYNC|RSYNC", open_at(PRE, 0, "hello.txt", 0, __WASI_RIGHTS_FD_READ,
                                   __WASI_FDFLAGS_SYNC | __WASI_FDFLAGS_RSYNC,
                                   &g));
  check("close", __wasi_fd_close(g));
  __wasi_fdstat_t ds;
  check("fdstat sub", __wasi_fd_fdstat_get(dir, &ds));
  check("drop FD_DATASYNC|FD_SYNC from sub's inheriting",
        __wasi_fd_fdstat_set_rights(
            dir, ds.fs_rights_base,
            ds.fs_rights_inheriting &
                ~(__WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_SYNC)));
  check("open DSYNC via sub", open_at(dir, 0, "inner.txt", 0,
                                      __WASI_RIGHTS_FD_WRITE,
                                      __WASI_FDFLAGS_DSYNC, &g));
  check("open SYNC via sub", open_at(dir, 0, "inner.txt", 0,
                                     __WASI_RIGHTS_FD_READ,
                                     __WASI_FDFLAGS_SYNC, &g));
  check("open plain via sub", open_at(dir, 0, "inner.txt", 0,
                                      __WASI_RIGHTS_FD_READ, 0, &g));
  check("close", __wasi_fd_close(g));
  check("close sub", __wasi_fd_close(dir));

  // The file size cap: 1 TiB.
  const uint64_t tib = 1ull << 40;
  check("set_size 1 TiB", __wasi_fd_filestat_set_size(fd, tib));
  check("set_size 1 TiB + 1", __wasi_fd_filestat_set_size(fd, tib + 1));
  __wasi_ciovec_t one = {(const uint8_t*)"Z", 1};
  __wasi_size_t n = 0;
  check("pwrite 1 byte at 1 TiB - 1", __wasi_fd_pwrite(fd, &one, 1, tib - 1, &n));
  check("pwrite 1 byte at 1 TiB", __wasi_fd_pwrite(fd, &one, 1, tib, &n));
  check("allocate 1 TiB - 1 + 2", __wasi_fd_allocate(fd, tib - 1, 2));
  __wasi_filestat_t st;
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &st));
  printf("size is 1 TiB: %s\n", yn(st.size == tib));
  uint8_t b[2] = {0, 0};
  __wasi_iovec_t iov = {b, 2};
  check("pread at 1 TiB - 2", __wasi_fd_pread(fd, &iov, 1, tib - 2, &n));
  print_bytes("bytes", b, n);
  check("set_size 10", __wasi_fd_filestat_set_size(fd, 10));
  __wasi_filesize_t pos;
  check("seek to 1 TiB", __wasi_fd_seek(fd, (int64_t)tib, __WASI_WHENCE_SET, &pos));
  check("write there", __wasi_fd_write(fd, &one, 1, &n));
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &st));
  printf("size: %llu\n", (unsigned long long)st.size);

  // The descriptor table holds 1024 (fds 0..1023).
  int opened = 0;
  __wasi_errno_t e = 0;
  __wasi_fd_t last = 0;
  for (int i = 0; i < 2000; i++) {
    e = open_at(PRE, 0, "hello.txt", 0, __WASI_RIGHTS_FD_READ, 0, &g);
    if (e) break;
    last = g;
    opened++;
  }
  printf("opened %d more, last fd %u, then %s\n", opened, last, en(e));
  check("create while full",
        open_at(PRE, 0, "new.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0,
                &g));
  check("stat new.txt (not created)",
        __wasi_path_filestat_get(PRE, 0, "new.txt", &st));
  check("close fd 500", __wasi_fd_close(500));
  e = open_at(PRE, 0, "hello.txt", 0, __WASI_RIGHTS_FD_READ, 0, &g);
  printf("open again: %s fd %u\n", en(e), g);
  return 0;
}
