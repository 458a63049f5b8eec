// fd_pread / fd_pwrite: positioned I/O that leaves the offset alone.
#include "guest.h"

static void pr(__wasi_fd_t fd, size_t len, uint64_t off) {
  uint8_t buf[32];
  __wasi_iovec_t iov = {buf, len};
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_fd_pread(fd, &iov, 1, off, &n);
  char label[48];
  snprintf(label, sizeof(label), "pread %zu at %llu", len,
           (unsigned long long)off);
  if (e)
    printf("%s: %s\n", label, en(e));
  else
    print_bytes(label, buf, n);
}

static void pw(__wasi_fd_t fd, const char* s, uint64_t off) {
  __wasi_ciovec_t iov = {(const uint8_t*)s, strlen(s)};
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_fd_pwrite(fd, &iov, 1, off, &n);
  printf("pwrite \"%s\" at %llu: %s wrote %u\n", s, (unsigned long long)off,
         en(e), (unsigned)n);
}

static void tell(__wasi_fd_t fd) {
  __wasi_filesize_t pos = 0;
  __wasi_errno_t e = __wasi_fd_tell(fd, &pos);
  printf("tell: %s %llu\n", en(e), (unsigned long long)pos);
}

int main(void) {
  __wasi_fd_t fd;
  check("open data.txt rw", open_at(PRE, 0, "data.txt", 0, R_FILE_RW, 0, &fd));
  pr(fd, 4, 3);
  tell(fd);
  pw(fd, "XY", 8);
  tell(fd);
  pr(fd, 32, 0);
  pw(fd, "Z", 12);
  __wasi_filestat_t st;
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &st));
  printf("size: %llu\n", (unsigned long long)st.size);
  pr(fd, 32, 0);
  pr(fd, 4, 13);
  pr(fd, 4, 100);
  tell(fd);
  // Sequential reads still start at 0.
  uint8_t buf[4];
  __wasi_iovec_t iov = {buf, 4};
  __wasi_size_t n;
  check("read 4", __wasi_fd_read(fd, &iov, 1, &n));
  print_bytes("read", buf, n);
  tell(fd);
  // Two iovecs in one pread.
  uint8_t b1[3], b2[3];
  __wasi_iovec_t two[2] = {{b1, 3}, {b2, 3}};
  check("pread 3+3 at 2", __wasi_fd_pread(fd, two, 2, 2, &n));
  print_bytes("first", b1, 3);
  print_bytes("second", b2, 3);
  printf("total %u\n", (unsigned)n);

  // Rights and kinds.
  __wasi_fd_t ro, dir;
  check("open hello.txt read-only",
        open_at(PRE, 0, "hello.txt", 0, __WASI_RIGHTS_FD_READ, 0, &ro));
  pr(ro, 4, 0);
  pw(ro, "no", 0);
  check("open sub", open_dir(PRE, "sub", &dir));
  pr(dir, 4, 0);
  pw(dir, "no", 0);
  pr(0, 4, 0);
  pw(1, "no", 0);
  pr(99, 4, 0);
  return 0;
}
