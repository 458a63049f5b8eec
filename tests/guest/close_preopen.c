// A preopen can be closed like any descriptor; afterwards its number is
// neither a preopen nor open.
#include "guest.h"

int main(void) {
  __wasi_prestat_t p;
  __wasi_errno_t e = __wasi_fd_prestat_get(PRE, &p);
  printf("prestat 3: %s tag %u name_len %u\n", en(e), p.tag,
         (unsigned)p.u.dir.pr_name_len);
  char name[8] = {0};
  check("prestat_dir_name 3",
        __wasi_fd_prestat_dir_name(PRE, (uint8_t*)name, p.u.dir.pr_name_len));
  printf("name: \"%s\"\n", name);
  check("prestat_dir_name 3, buffer 0",
        __wasi_fd_prestat_dir_name(PRE, (uint8_t*)name, 0));
  check("prestat 4", __wasi_fd_prestat_get(4, &p));
  check("prestat 0", __wasi_fd_prestat_get(0, &p));
  __wasi_fd_t fd;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &fd));
  check("prestat of a file fd", __wasi_fd_prestat_get(fd, &p));
  check("prestat_dir_name of a file fd",
        __wasi_fd_prestat_dir_name(fd, (uint8_t*)name, sizeof(name)));
  check("close 3", __wasi_fd_close(PRE));
  check("prestat 3", __wasi_fd_prestat_get(PRE, &p));
  __wasi_fdstat_t s;
  check("fdstat 3", __wasi_fd_fdstat_get(PRE, &s));
  __wasi_fd_t g;
  check("path_open via 3", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &g));
  check("close 3 again", __wasi_fd_close(PRE));
  // The file opened before still works.
  char buf[8] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, 5};
  __wasi_size_t n;
  check("read the open file", __wasi_fd_read(fd, &iov, 1, &n));
  printf("read: \"%s\"\n", buf);
  return 0;
}
