// Renumbering a file onto fd 3 replaces the preopen.
#include "guest.h"

int main(void) {
  __wasi_fd_t fd;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &fd));
  printf("fd: %u\n", fd);
  check("renumber 4 -> 3", __wasi_fd_renumber(fd, PRE));
  __wasi_prestat_t p;
  check("prestat 3", __wasi_fd_prestat_get(PRE, &p));
  __wasi_fdstat_t s;
  __wasi_errno_t e = __wasi_fd_fdstat_get(PRE, &s);
  printf("fdstat 3: %s filetype %u\n", en(e), s.fs_filetype);
  check("fdstat 4", __wasi_fd_fdstat_get(fd, &s));
  char buf[16] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, 5};
  __wasi_size_t n;
  check("read fd 3", __wasi_fd_read(PRE, &iov, 1, &n));
  printf("read: \"%s\"\n", buf);
  __wasi_filestat_t st;
  check("path_filestat_get via 3 (a file)",
        __wasi_path_filestat_get(PRE, 0, "hello.txt", &st));
  __wasi_fd_t g;
  check("path_open via 3 (a file)",
        open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &g));
  return 0;
}
