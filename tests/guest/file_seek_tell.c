// fd_seek / fd_tell: whence, negative results, past the end, wrong kinds.
#include <stdint.h>

#include "guest.h"

static void sk(__wasi_fd_t fd, int64_t off, __wasi_whence_t w) {
  __wasi_filesize_t pos = 0;
  __wasi_errno_t e = __wasi_fd_seek(fd, off, w, &pos);
  static const char* const names[] = {"SET", "CUR", "END", "3"};
  if (e)
    printf("seek fd %u %lld %s: %s\n", fd, (long long)off, names[w & 3], en(e));
  else
    printf("seek fd %u %lld %s: %s -> %llu\n", fd, (long long)off,
           names[w & 3], en(e), (unsigned long long)pos);
}

static void tell(__wasi_fd_t fd) {
  __wasi_filesize_t pos = 0;
  __wasi_errno_t e = __wasi_fd_tell(fd, &pos);
  if (e)
    printf("tell fd %u: %s\n", fd, en(e));
  else
    printf("tell fd %u: %s %llu\n", fd, en(e), (unsigned long long)pos);
}

int main(void) {
  __wasi_fd_t fd;
  check("open data.txt", open_at(PRE, 0, "data.txt", 0, R_FILE_RW, 0, &fd));
  tell(fd);
  sk(fd, 4, __WASI_WHENCE_SET);
  sk(fd, 2, __WASI_WHENCE_CUR);
  tell(fd);
  char b[4] = {0};
  __wasi_iovec_t iov = {(uint8_t*)b, 2};
  __wasi_size_t n;
  check("read 2", __wasi_fd_read(fd, &iov, 1, &n));
  printf("read: \"%s\"\n", b);
  tell(fd);
  sk(fd, -1, __WASI_WHENCE_END);
  sk(fd, -20, __WASI_WHENCE_CUR);
  tell(fd);
  sk(fd, -11, __WASI_WHENCE_END);
  sk(fd, -1, __WASI_WHENCE_SET);
  tell(fd);
  sk(fd, 0, __WASI_WHENCE_END);
  sk(fd, 100, __WASI_WHENCE_SET);
  check("read past the end", __wasi_fd_read(fd, &iov, 1, &n));
  printf("read %u bytes\n", (unsigned)n);
  sk(fd, 0, 3);
  tell(fd);
  sk(fd, INT64_MAX, __WASI_WHENCE_SET);
  sk(fd, 1, __WASI_WHENCE_CUR);
  tell(fd);
  // Writing after seeking past the end leaves a zero-filled gap.
  sk(fd, 12, __WASI_WHENCE_SET);
  check("write \"!\"", put(fd, "!", &n));
  tell(fd);
  uint8_t all[16];
  __wasi_iovec_t aiov = {all, sizeof(all)};
  sk(fd, 0, __WASI_WHENCE_SET);
  check("read all", __wasi_fd_read(fd, &aiov, 1, &n));
  print_bytes("data.txt", all, n);

  // Rights: tell alone is enough for tell and seek(0, CUR).
  __wasi_fd_t t;
  check("open hello.txt with FD_TELL only",
        open_at(PRE, 0, "hello.txt", 0, __WASI_RIGHTS_FD_TELL, 0, &t));
  tell(t);
  sk(t, 0, __WASI_WHENCE_CUR);
  sk(t, 1, __WASI_WHENCE_CUR);
  sk(t, 0, __WASI_WHENCE_SET);
  __wasi_fd_t r;
  check("open hello.txt with FD_READ only",
        open_at(PRE, 0, "hello.txt", 0, __WASI_RIGHTS_FD_READ, 0, &r));
  tell(r);
  sk(r, 0, __WASI_WHENCE_SET);

  // Kinds.
  __wasi_fd_t dir;
  check("open sub", open_dir(PRE, "sub", &dir));
  sk(dir, 0, __WASI_WHENCE_SET);
  tell(dir);
  sk(1, 0, __WASI_WHENCE_CUR);
  tell(0);
  sk(99, 0, __WASI_WHENCE_SET);
  sk(99, 0, 3);
  return 0;
}
