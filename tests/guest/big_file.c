// A file of a few hundred KiB written in uneven pieces and read back across
// the 64 KiB chunk boundaries; a sparse write far out reads zeros before it.
#include <stdlib.h>

#include "guest.h"

static uint8_t pattern(size_t i) { return (uint8_t)((i * 131u + (i >> 9)) & 0xff); }

int main(void) {
  const size_t total = 300000;
  uint8_t* data = malloc(total);
  for (size_t i = 0; i < total; i++) data[i] = pattern(i);
  __wasi_fd_t fd;
  check("create big.bin",
        open_at(PRE, 0, "big.bin", __WASI_OFLAGS_CREAT, R_FILE_RW, 0, &fd));
  size_t off = 0, writes = 0;
  int bad = 0;
  while (off < total) {
    size_t len = 7919;
    if (len > total - off) len = total - off;
    // Two iovecs per write, split unevenly.
    __wasi_ciovec_t iov[2] = {{data + off, len / 3}, {data + off + len / 3, len - len / 3}};
    __wasi_size_t n = 0;
    if (__wasi_fd_write(fd, iov, 2, &n) || n != len) bad++;
    off += len;
    writes++;
  }
  printf("writes: %zu, failed or short: %d\n", writes, bad);
  __wasi_filestat_t st;
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &st));
  printf("size: %llu\n", (unsigned long long)st.size);

  // Whole file back with sequential reads of 10000 bytes.
  uint8_t* back = calloc(1, total);
  __wasi_filesize_t pos;
  check("seek 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  off = 0;
  while (off < total) {
    size_t len = total - off < 10000 ? total - off : 10000;
    __wasi_iovec_t iov = {back + off, len};
    __wasi_size_t n = 0;
    if (__wasi_fd_read(fd, &iov, 1, &n) || n == 0) break;
    off += n;
  }
  printf("read back %zu bytes, equal: %s\n", off,
         yn(off == total && memcmp(back, data, total) == 0));

  // Reads straddling chunk boundaries.
  const size_t edges[] = {65535, 65536, 131071, 196607, 262143};
  int ok = 1;
  for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
    uint8_t b[5];
    __wasi_iovec_t iov = {b, 5};
    __wasi_size_t n = 0;
    if (__wasi_fd_pread(fd, &iov, 1, edges[i] - 2, &n) || n != 5 ||
        memcmp(b, data + edges[i] - 2, 5) != 0)
      ok = 0;
  }
  printf("reads across chunk edges equal: %s\n", yn(ok));

  // Overwrite across a boundary, then check the neighbourhood.
  __wasi_ciovec_t w = {(const uint8_t*)"XXXXXXXX", 8};
  __wasi_size_t n;
  check("pwrite 8 at 65532", __wasi_fd_pwrite(fd, &w, 1, 65532, &n));
  memcpy(data + 65532, "XXXXXXXX", 8);
  __wasi_iovec_t r = {back, 64};
  check("pread 64 at 65510", __wasi_fd_pread(fd, &r, 1, 65510, &n));
  printf("equal: %s\n", yn(n == 64 && memcmp(back, data + 65510, 64) == 0));

  // Sparse: one byte at 1 GiB.
  __wasi_ciovec_t z = {(const uint8_t*)"Z", 1};
  check("pwrite 1 byte at 1 GiB", __wasi_fd_pwrite(fd, &z, 1, 1ull << 30, &n));
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &st));
  printf("size: %llu\n", (unsigned long long)st.size);
  uint8_t hole[16];
  memset(hole, 0xaa, sizeof(hole));
  __wasi_iovec_t h = {hole, 16};
  check("pread 16 at 1 GiB - 15", __wasi_fd_pread(fd, &h, 1, (1ull << 30) - 15, &n));
  print_bytes("bytes", hole, n);
  memset(hole, 0xaa, sizeof(hole));
  check("pread 16 at 300000 - 8", __wasi_fd_pread(fd, &h, 1, total - 8, &n));
  printf("tail equal: %s, then zeros: %s\n",
         yn(n == 16 && memcmp(hole, data + total - 8, 8) == 0),
         yn(n == 16 && memcmp(hole + 8, "\0\0\0\0\0\0\0\0", 8) == 0));
  check("set_size 100", __wasi_fd_filestat_set_size(fd, 100));
  check("set_size 300000", __wasi_fd_filestat_set_size(fd, total));
  memset(back, 0xaa, total);
  __wasi_iovec_t all = {back, total};
  check("pread all", __wasi_fd_pread(fd, &all, 1, 0, &n));
  int zeros = 1;
  for (size_t i = 100; i < total; i++) zeros &= back[i] == 0;
  printf("read %u, first 100 kept: %s, rest zeros: %s\n", (unsigned)n,
         yn(memcmp(back, data, 100) == 0), yn(zeros));
  return 0;
}
