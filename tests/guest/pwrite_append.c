// An O_APPEND descriptor: writes go to the end; pwrite also goes to the end
// (Linux, wasmtime) and does not move the offset.
#include "guest.h"

static void state(__wasi_fd_t fd) {
  __wasi_filestat_t st;
  __wasi_filesize_t pos = 0;
  __wasi_errno_t e1 = __wasi_fd_filestat_get(fd, &st);
  __wasi_errno_t e2 = __wasi_fd_tell(fd, &pos);
  if (e1 || e2)
    printf("state: %s %s\n", en(e1), en(e2));
  else
    printf("size %llu offset %llu\n", (unsigned long long)st.size,
           (unsigned long long)pos);
}

int main(void) {
  __wasi_fd_t fd;
  check("create app.txt with APPEND",
        open_at(PRE, 0, "app.txt", __WASI_OFLAGS_CREAT,
                R_FILE_RW | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS,
                __WASI_FDFLAGS_APPEND, &fd));
  __wasi_fdstat_t s;
  check("fdstat", __wasi_fd_fdstat_get(fd, &s));
  printf("fdflags: %u\n", s.fs_flags);
  __wasi_size_t n;
  check("write \"aaaa\"", put(fd, "aaaa", &n));
  state(fd);
  __wasi_ciovec_t iov = {(const uint8_t*)"bbb", 3};
  check("pwrite \"bbb\" at 0", __wasi_fd_pwrite(fd, &iov, 1, 0, &n));
  printf("wrote %u\n", (unsigned)n);
  state(fd);
  char buf[32];
  check("read app.txt", slurp(PRE, "app.txt", buf, sizeof(buf), NULL));
  printf("app.txt: \"%s\"\n", buf);
  // A seek does not stop the next write from appending.
  __wasi_filesize_t pos;
  check("seek to 1", __wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &pos));
  check("write \"cc\"", put(fd, "cc", &n));
  state(fd);
  check("read app.txt", slurp(PRE, "app.txt", buf, sizeof(buf), NULL));
  printf("app.txt: \"%s\"\n", buf);
  // Turning APPEND off: writes land at the offset again.
  check("clear APPEND", __wasi_fd_fdstat_set_flags(fd, 0));
  check("seek to 1", __wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &pos));
  check("write \"D\"", put(fd, "D", &n));
  state(fd);
  __wasi_ciovec_t e_iov = {(const uint8_t*)"E", 1};
  check("pwrite \"E\" at 0", __wasi_fd_pwrite(fd, &e_iov, 1, 0, &n));
  state(fd);
  check("read app.txt", slurp(PRE, "app.txt", buf, sizeof(buf), NULL));
  printf("app.txt: \"%s\"\n", buf);
  // And on again.
  check("set APPEND", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
  check("fdstat", __wasi_fd_fdstat_get(fd, &s));
  printf("fdflags: %u\n", s.fs_flags);
  check("write \"F\"", put(fd, "F", &n));
  state(fd);
  check("set SYNC", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC));
  check("read app.txt", slurp(PRE, "app.txt", buf, sizeof(buf), NULL));
  printf("app.txt: \"%s\"\n", buf);
  return 0;
}
