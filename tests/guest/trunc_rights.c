// path_open(TRUNC) needs PATH_FILESTAT_SET_SIZE on the directory; without it
// the call is NOTCAPABLE and the file is left as it was.
#include "guest.h"

int main(void) {
  __wasi_fd_t dir;
  check("open \".\" as a directory", open_dir(PRE, ".", &dir));
  __wasi_fdstat_t s;
  check("fdstat dir", __wasi_fd_fdstat_get(dir, &s));
  printf("dir has PATH_FILESTAT_SET_SIZE: %s\n",
         yn(s.fs_rights_base & __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE));
  __wasi_rights_t narrowed =
      s.fs_rights_base & ~__WASI_RIGHTS_PATH_FILESTAT_SET_SIZE;
  check("narrow dir (drop PATH_FILESTAT_SET_SIZE)",
        __wasi_fd_fdstat_set_rights(dir, narrowed, s.fs_rights_inheriting));
  check("fdstat dir", __wasi_fd_fdstat_get(dir, &s));
  printf("dir has PATH_FILESTAT_SET_SIZE: %s\n",
         yn(s.fs_rights_base & __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE));
  printf("base rights as requested: %s\n", yn(s.fs_rights_base == narrowed));

  __wasi_fd_t fd = 99;
  check("open hello.txt TRUNC|write via narrowed dir",
        open_at(dir, 0, "hello.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE,
                0, &fd));
  check("open hello.txt TRUNC read-only via narrowed dir",
        open_at(dir, 0, "hello.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ,
                0, &fd));
  check("open hello.txt CREAT|TRUNC via narrowed dir",
        open_at(dir, 0, "hello.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC,
                __WASI_RIGHTS_FD_WRITE, 0, &fd));
  check("open new.txt CREAT|TRUNC via narrowed dir",
        open_at(dir, 0, "new.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC,
                __WASI_RIGHTS_FD_WRITE, 0, &fd));
  __wasi_filestat_t st;
  check("stat new.txt (not created)",
        __wasi_path_filestat_get(PRE, 0, "new.txt", &st));
  char buf[64];
  size_t n = 0;
  __wasi_errno_t e = slurp(PRE, "hello.txt", buf, sizeof(buf), &n);
  printf("hello.txt after: %s \"%s\" (%zu bytes)\n", en(e), esc(buf), n);

  // Without TRUNC the narrowed directory still opens and writes.
  e = open_at(dir, 0, "hello.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, &fd);
  check("open hello.txt for write via narrowed dir", e);
  if (e == 0) {
    check("write \"J\"", put(fd, "J", NULL));
    check("close", __wasi_fd_close(fd));
  }
  e = slurp(PRE, "hello.txt", buf, sizeof(buf), &n);
  printf("hello.txt after: %s \"%s\" (%zu bytes)\n", en(e), esc(buf), n);

  // A subdirectory opened through the narrowed one inherits its inheriting
  // rights, which still hold PATH_FILESTAT_SET_SIZE.
  __wasi_fd_t subdir;
  check("open sub via narrowed dir", open_dir(dir, "sub", &subdir));
  check("open sub/inner.txt TRUNC via sub",
        open_at(subdir, 0, "inner.txt", __WASI_OFLAGS_TRUNC,
                __WASI_RIGHTS_FD_WRITE, 0, &fd));
  check("close", __wasi_fd_close(fd));
  check("stat sub/inner.txt", __wasi_path_filestat_get(PRE, 0, "sub/inner.txt", &st));
  printf("sub/inner.txt size: %llu\n", (unsigned long long)st.size);

  // The preopen itself was not narrowed.
  check("open hello.txt TRUNC via the preopen",
        open_at(PRE, 0, "hello.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE,
                0, &fd));
  check("close", __wasi_fd_close(fd));
  check("stat hello.txt", __wasi_path_filestat_get(PRE, 0, "hello.txt", &st));
  printf("hello.txt size: %llu\n", (unsigned long long)st.size);
  return 0;
}
