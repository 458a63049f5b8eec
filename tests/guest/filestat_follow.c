// path_filestat_get with and without SYMLINK_FOLLOW on a symlink.
#include "guest.h"

static void show(const char* label, __wasi_lookupflags_t lf, const char* path,
                 __wasi_filestat_t* out) {
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, lf, path, out);
  if (e)
    printf("%s: %s\n", label, en(e));
  else if (out->filetype == __WASI_FILETYPE_DIRECTORY)  // size unspecified
    printf("%s: filetype %u nlink %llu\n", label, out->filetype,
           (unsigned long long)out->nlink);
  else
    printf("%s: filetype %u size %llu nlink %llu\n", label, out->filetype,
           (unsigned long long)out->size, (unsigned long long)out->nlink);
}

int main(void) {
  __wasi_filestat_t f, l, t, d, ld, s;
  check("symlink ln -> hello.txt", __wasi_path_symlink("hello.txt", PRE, "ln"));
  check("symlink lsub -> sub", __wasi_path_symlink("sub", PRE, "lsub"));
  show("hello.txt", 0, "hello.txt", &t);
  show("ln follow", FOLLOW, "ln", &f);
  show("ln nofollow", 0, "ln", &l);
  printf("follow gives the target's ino: %s\n", yn(f.ino == t.ino));
  printf("nofollow gives another ino: %s\n", yn(l.ino != t.ino));
  show("sub", 0, "sub", &s);
  show("lsub follow", FOLLOW, "lsub", &d);
  show("lsub nofollow", 0, "lsub", &ld);
  show("lsub/ nofollow", 0, "lsub/", &ld);
  printf("lsub/ is sub: %s\n", yn(ld.ino == s.ino));
  show("lsub/inner.txt nofollow", 0, "lsub/inner.txt", &ld);
  // The same through fd_filestat_get on an opened symlink target.
  __wasi_fd_t fd;
  check("open ln (follow)", open_at(PRE, FOLLOW, "ln", 0, R_FILE_RO, 0, &fd));
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &f));
  printf("fd: filetype %u, ino is hello.txt's: %s\n", f.filetype,
         yn(f.ino == t.ino));
  // Wrong kinds and rights.
  check("path_filestat_get via a file fd",
        __wasi_path_filestat_get(fd, 0, "x", &f));
  check("path_filestat_get via fd 99",
        __wasi_path_filestat_get(99, 0, "hello.txt", &f));
  check("path_filestat_get unknown lookup flag",
        __wasi_path_filestat_get(PRE, 2, "hello.txt", &f));
  return 0;
}
