// fd_fdstat_set_rights: narrowing works, widening is NOTCAPABLE; rights
// handed down by path_open are requested ∩ inheriting ∩ the kind's maximum.
#include "guest.h"

static void show(const char* label, __wasi_fd_t fd) {
  __wasi_fdstat_t s;
  __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &s);
  if (e)
    printf("%s: %s\n", label, en(e));
  else
    printf("%s: base 0x%llx inheriting 0x%llx\n", label,
           (unsigned long long)s.fs_rights_base,
           (unsigned long long)s.fs_rights_inheriting);
}

int main(void) {
  const __wasi_rights_t ro = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK |
                             __WASI_RIGHTS_FD_TELL |
                             __WASI_RIGHTS_FD_FILESTAT_GET;
  __wasi_fd_t fd;
  check("open hello.txt asking for every right",
        __wasi_path_open(PRE, 0, "hello.txt", 0, ~(__wasi_rights_t)0,
                         ~(__wasi_rights_t)0, 0, &fd));
  show("file rights", fd);
  check("narrow to read+seek+tell+filestat_get",
        __wasi_fd_fdstat_set_rights(fd, ro, 0));
  show("file rights", fd);
  __wasi_size_t n = 0;
  check("write", put(fd, "X", &n));
  char buf[8] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, 5};
  check("read 5", __wasi_fd_read(fd, &iov, 1, &n));
  printf("read: \"%s\"\n", buf);
  check("widen with FD_WRITE",
        __wasi_fd_fdstat_set_rights(fd, ro | __WASI_RIGHTS_FD_WRITE, 0));
  show("file rights", fd);
  check("same rights again", __wasi_fd_fdstat_set_rights(fd, ro, 0));
  check("inheriting FD_READ on a file",
        __wasi_fd_fdstat_set_rights(fd, ro, __WASI_RIGHTS_FD_READ));
  check("bit 40", __wasi_fd_fdstat_set_rights(fd, ro | (1ull << 40), 0));
  show("file rights", fd);
  check("narrow to nothing", __wasi_fd_fdstat_set_rights(fd, 0, 0));
  show("file rights", fd);
  check("read", __wasi_fd_read(fd, &iov, 1, &n));
  __wasi_filestat_t st;
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &st));
  check("close", __wasi_fd_close(fd));
  check("set_rights on fd 99", __wasi_fd_fdstat_set_rights(99, 0, 0));

  // A directory whose inheriting rights are narrowed hands down less.
  __wasi_fd_t dir, f2;
  check("open sub", open_dir(PRE, "sub", &dir));
  __wasi_fdstat_t ds;
  check("fdstat sub", __wasi_fd_fdstat_get(dir, &ds));
  check("narrow sub's inheriting to FD_READ",
        __wasi_fd_fdstat_set_rights(dir, ds.fs_rights_base,
                                    __WASI_RIGHTS_FD_READ));
  show("sub rights (inheriting)", dir);
  check("open sub/inner.txt asking read+write",
        __wasi_path_open(dir, 0, "inner.txt", 0,
                         __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0,
                         &f2));
  show("inner.txt rights", f2);
  check("write inner.txt", put(f2, "X", &n));
  check("widen sub's inheriting",
        __wasi_fd_fdstat_set_rights(dir, ds.fs_rights_base,
                                    __WASI_RIGHTS_FD_READ |
                                    __WASI_RIGHTS_FD_WRITE));
  check("drop PATH_OPEN from sub",
        __wasi_fd_fdstat_set_rights(dir,
                                    ds.fs_rights_base & ~__WASI_RIGHTS_PATH_OPEN,
                                    __WASI_RIGHTS_FD_READ));
  check("open sub/inner.txt without PATH_OPEN",
        __wasi_path_open(dir, 0, "inner.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0,
                         &f2));
  return 0;
}
