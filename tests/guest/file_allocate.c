// fd_allocate: extends a file with zeros, never shrinks, needs FD_ALLOCATE.
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

int main(void) {
  __wasi_fd_t fd;
  check("open data.txt", open_at(PRE, 0, "data.txt", 0, R_FILE_RW, 0, &fd));
  check("allocate 0+5 (inside)", __wasi_fd_allocate(fd, 0, 5));
  dump(fd, "data.txt");
  check("allocate 8+8 (past the end)", __wasi_fd_allocate(fd, 8, 8));
  dump(fd, "data.txt");
  check("allocate 20+0", __wasi_fd_allocate(fd, 20, 0));
  dump(fd, "data.txt");
  check("allocate 18+2 (ends at 20)", __wasi_fd_allocate(fd, 18, 2));
  __wasi_filestat_t st;
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &st));
  printf("size: %llu\n", (unsigned long long)st.size);
  __wasi_filesize_t pos;
  check("tell", __wasi_fd_tell(fd, &pos));
  printf("offset: %llu\n", (unsigned long long)pos);

  __wasi_fd_t ro, dir;
  check("open hello.txt without FD_ALLOCATE",
        open_at(PRE, 0, "hello.txt", 0, R_FILE_RO | __WASI_RIGHTS_FD_WRITE, 0,
                &ro));
  check("allocate on it", __wasi_fd_allocate(ro, 0, 100));
  check("fd_filestat_get", __wasi_fd_filestat_get(ro, &st));
  printf("hello.txt size: %llu\n", (unsigned long long)st.size);
  check("open sub", open_dir(PRE, "sub", &dir));
  check("allocate on a directory", __wasi_fd_allocate(dir, 0, 1));
  check("allocate on fd 99", __wasi_fd_allocate(99, 0, 1));
  return 0;
}
