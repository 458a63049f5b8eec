// fds 0, 1 and 2: streams (filetype UNKNOWN) with the rights of their
// direction; stdin (from /dev/null) is at end of file.
#include <unistd.h>

#include "guest.h"

static void show(__wasi_fd_t fd) {
  __wasi_fdstat_t s;
  __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &s);
  if (e) {
    printf("fdstat %u: %s\n", fd, en(e));
    return;
  }
  printf("fdstat %u: filetype %u flags %u read %s write %s seek %s tell %s\n",
         fd, s.fs_filetype, s.fs_flags,
         yn(s.fs_rights_base & __WASI_RIGHTS_FD_READ),
         yn(s.fs_rights_base & __WASI_RIGHTS_FD_WRITE),
         yn(s.fs_rights_base & __WASI_RIGHTS_FD_SEEK),
         yn(s.fs_rights_base & __WASI_RIGHTS_FD_TELL));
}

int main(void) {
  show(0);
  show(1);
  show(2);
  char buf[16];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof(buf)};
  __wasi_size_t n = 99;
  check("read stdin", __wasi_fd_read(0, &iov, 1, &n));
  printf("read %u bytes\n", (unsigned)n);
  n = 99;
  check("read stdin again", __wasi_fd_read(0, &iov, 1, &n));
  printf("read %u bytes\n", (unsigned)n);
  printf("getchar is EOF: %s\n", yn(getchar() == EOF));
  fflush(stdout);
  __wasi_size_t w = 0;
  __wasi_errno_t e = put(1, "raw write to stdout\n", &w);
  printf("write stdout: %s, %u bytes\n", en(e), (unsigned)w);
  e = put(2, "guest stdio: this line goes to stderr\n", &w);
  printf("write stderr: %s, %u bytes\n", en(e), (unsigned)w);
  // Two iovecs in one write.
  fflush(stdout);
  __wasi_ciovec_t two[2] = {{(const uint8_t*)"two ", 4},
                            {(const uint8_t*)"iovecs\n", 7}};
  e = __wasi_fd_write(1, two, 2, &w);
  printf("gathered write: %s, %u bytes\n", en(e), (unsigned)w);
  check("write stdin", put(0, "x", &w));
  check("read stdout", __wasi_fd_read(1, &iov, 1, &n));
  __wasi_filestat_t st;
  e = __wasi_fd_filestat_get(1, &st);
  printf("fd_filestat_get stdout: %s filetype %u\n", en(e), st.filetype);
  __wasi_prestat_t p;
  check("prestat 0", __wasi_fd_prestat_get(0, &p));
  __wasi_filesize_t pos;
  check("seek stdin", __wasi_fd_seek(0, 0, __WASI_WHENCE_SET, &pos));
  check("tell stdout", __wasi_fd_tell(1, &pos));
  __wasi_fd_t fd;
  check("path_open via stdin", open_at(0, 0, "x", 0, 0, 0, &fd));
  printf("isatty(1): %d\n", isatty(1));
  check("close stdin", __wasi_fd_close(0));
  check("read stdin", __wasi_fd_read(0, &iov, 1, &n));
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &fd));
  printf("reuses fd 0: %s\n", yn(fd == 0));
  return 0;
}
