// path_open without SYMLINK_FOLLOW on a final symlink: LOOP, or NOTDIR with
// O_DIRECTORY; a trailing slash follows; CREAT|EXCL never follows.
#include "guest.h"

static void op(const char* label, __wasi_lookupflags_t lf, const char* path,
               __wasi_oflags_t of) {
  __wasi_fd_t fd;
  __wasi_errno_t e = open_at(PRE, lf, path, of, __WASI_RIGHTS_FD_READ, 0, &fd);
  if (e == 0) {
    __wasi_fdstat_t s;
    __wasi_errno_t se = __wasi_fd_fdstat_get(fd, &s);
    printf("%s: %s filetype %u\n", label, en(e), se ? 255 : s.fs_filetype);
    (void)__wasi_fd_close(fd);
  } else {
    printf("%s: %s\n", label, en(e));
  }
}

int main(void) {
  check("symlink lnk_file -> hello.txt",
        __wasi_path_symlink("hello.txt", PRE, "lnk_file"));
  check("symlink lnk_dir -> sub", __wasi_path_symlink("sub", PRE, "lnk_dir"));
  check("symlink lnk_dang -> nothing",
        __wasi_path_symlink("nothing", PRE, "lnk_dang"));

  op("nofollow lnk_file", 0, "lnk_file", 0);
  op("nofollow lnk_file DIRECTORY", 0, "lnk_file", __WASI_OFLAGS_DIRECTORY);
  op("nofollow lnk_dir", 0, "lnk_dir", 0);
  op("nofollow lnk_dir DIRECTORY", 0, "lnk_dir", __WASI_OFLAGS_DIRECTORY);
  op("nofollow lnk_dang", 0, "lnk_dang", 0);
  op("nofollow lnk_dang DIRECTORY", 0, "lnk_dang", __WASI_OFLAGS_DIRECTORY);
  op("nofollow lnk_dir/ DIRECTORY", 0, "lnk_dir/", __WASI_OFLAGS_DIRECTORY);
  op("nofollow lnk_dir/", 0, "lnk_dir/", 0);
  op("nofollow lnk_file/", 0, "lnk_file/", 0);
  op("nofollow lnk_dir/inner.txt", 0, "lnk_dir/inner.txt", 0);
  op("follow lnk_file", FOLLOW, "lnk_file", 0);
  op("follow lnk_dir DIRECTORY", FOLLOW, "lnk_dir", __WASI_OFLAGS_DIRECTORY);
  op("follow lnk_file DIRECTORY", FOLLOW, "lnk_file", __WASI_OFLAGS_DIRECTORY);
  op("nofollow hello.txt DIRECTORY", 0, "hello.txt", __WASI_OFLAGS_DIRECTORY);
  op("nofollow sub DIRECTORY", 0, "sub", __WASI_OFLAGS_DIRECTORY);

  // CREAT|EXCL acts on the name: an existing symlink (even dangling) exists.
  op("CREAT|EXCL lnk_file", 0, "lnk_file",
     __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL);
  op("CREAT|EXCL follow lnk_file", FOLLOW, "lnk_file",
     __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL);
  op("CREAT|EXCL lnk_dang", 0, "lnk_dang",
     __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL);
  op("CREAT|EXCL follow lnk_dang", FOLLOW, "lnk_dang",
     __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL);
  __wasi_filestat_t st;
  check("stat nothing (not created)",
        __wasi_path_filestat_get(PRE, 0, "nothing", &st));
  // CREAT without EXCL on an existing symlink, not followed: LOOP.
  op("CREAT nofollow lnk_file", 0, "lnk_file", __WASI_OFLAGS_CREAT);

  // The file behind lnk_file is unchanged.
  char buf[64];
  __wasi_errno_t e = slurp(PRE, "lnk_file", buf, sizeof(buf), NULL);
  printf("read through lnk_file: %s \"%s\"\n", en(e), esc(buf));
  return 0;
}
