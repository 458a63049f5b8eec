// fd_filestat_set_size (and ftruncate): growing reads zeros, shrinking drops
// bytes for good, the offset is left alone.
#include <fcntl.h>
#include <unistd.h>

#include "guest.h"

static void dump(__wasi_fd_t fd, const char* label) {
  uint8_t buf[32];
  __wasi_iovec_t iov = {buf, sizeof(buf)};
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_fd_pread(fd, &iov, 1, 0, &n);
  if (e)
    printf("%s: %s\n", label, en(e));
  else
    print_bytes(label, buf, n);
}

static void size(__wasi_fd_t fd) {
  __wasi_filestat_t st;
  __wasi_errno_t e = __wasi_fd_filestat_get(fd, &st);
  printf("size: %s %llu\n", en(e), (unsigned long long)st.size);
}

int main(void) {
  __wasi_fd_t fd;
  check("open data.txt", open_at(PRE, 0, "data.txt", 0, R_FILE_RW, 0, &fd));
  __wasi_filesize_t pos;
  check("seek to 6", __wasi_fd_seek(fd, 6, __WASI_WHENCE_SET, &pos));
  check("set_size 16", __wasi_fd_filestat_set_size(fd, 16));
  size(fd);
  dump(fd, "after grow");
  check("set_size 4", __wasi_fd_filestat_set_size(fd, 4));
  size(fd);
  dump(fd, "after shrink");
  check("set_size 8", __wasi_fd_filestat_set_size(fd, 8));
  dump(fd, "after regrow");
  check("tell", __wasi_fd_tell(fd, &pos));
  printf("offset: %llu\n", (unsigned long long)pos);
  check("set_size 0", __wasi_fd_filestat_set_size(fd, 0));
  size(fd);
  check("set_size 8 again", __wasi_fd_filestat_set_size(fd, 8));
  size(fd);

  // libc's ftruncate on a libc-opened file.
  int lfd = open("hello.txt", O_RDWR);
  printf("open hello.txt via libc: %s\n", yn(lfd >= 0));
  printf("ftruncate 20: %d\n", ftruncate(lfd, 20));
  dump((__wasi_fd_t)lfd, "hello.txt");
  printf("ftruncate 5: %d\n", ftruncate(lfd, 5));
  dump((__wasi_fd_t)lfd, "hello.txt");
  close(lfd);

  // Rights and kinds.
  __wasi_fd_t ro, dir;
  check("open sub/inner.txt read-only",
        open_at(PRE, 0, "sub/inner.txt", 0, R_FILE_RO, 0, &ro));
  check("set_size on read-only fd", __wasi_fd_filestat_set_size(ro, 0));
  size(ro);
  check("open sub", open_dir(PRE, "sub", &dir));
  check("set_size on a directory", __wasi_fd_filestat_set_size(dir, 0));
  check("set_size on fd 99", __wasi_fd_filestat_set_size(99, 0));
  return 0;
}
