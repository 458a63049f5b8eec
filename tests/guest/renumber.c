// fd_renumber: both descriptors must be open; the target is closed first.
#include "guest.h"

static void rd(const char* label, __wasi_fd_t fd) {
  char buf[16] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, 5};
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_fd_read(fd, &iov, 1, &n);
  if (e)
    printf("%s: %s\n", label, en(e));
  else
    printf("%s: \"%s\"\n", label, esc(buf));
}

int main(void) {
  __wasi_fd_t a, b;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &a));
  check("open data.txt", open_at(PRE, 0, "data.txt", 0, R_FILE_RO, 0, &b));
  printf("fds: %u %u\n", a, b);
  check("renumber 4 -> 5", __wasi_fd_renumber(a, b));
  rd("read fd 5", b);
  rd("read fd 4", a);
  __wasi_fdstat_t s;
  check("fdstat fd 4", __wasi_fd_fdstat_get(a, &s));
  check("renumber 5 -> 9 (not open)", __wasi_fd_renumber(b, 9));
  check("renumber 9 -> 5 (not open)", __wasi_fd_renumber(9, b));
  check("fdstat fd 9", __wasi_fd_fdstat_get(9, &s));
  rd("read fd 5", b);
  check("renumber 5 -> 5", __wasi_fd_renumber(b, b));
  rd("read fd 5", b);
  check("renumber 9 -> 9", __wasi_fd_renumber(9, 9));
  // The lowest free number is reused.
  __wasi_fd_t c;
  check("open data.txt", open_at(PRE, 0, "data.txt", 0, R_FILE_RO, 0, &c));
  printf("new fd: %u\n", c);
  // fd 5 now holds the new description, read from its start.
  check("renumber 4 -> 5", __wasi_fd_renumber(c, b));
  rd("read fd 5", b);
  // A directory descriptor renumbered keeps working as a directory.
  __wasi_fd_t d;
  check("open sub", open_dir(PRE, "sub", &d));
  printf("sub fd: %u\n", d);
  check("renumber sub -> 5", __wasi_fd_renumber(d, b));
  __wasi_filestat_t st;
  check("stat inner.txt via fd 5",
        __wasi_path_filestat_get(b, 0, "inner.txt", &st));
  printf("inner.txt size: %llu\n", (unsigned long long)st.size);
  check("close 5", __wasi_fd_close(b));
  check("close 5 again", __wasi_fd_close(b));
  return 0;
}
