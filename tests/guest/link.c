// path_link: hard links share an inode and count links; errors.
#include "guest.h"

static void ln(__wasi_lookupflags_t lf, const char* from, const char* to) {
  printf("link%s \"%s\" -> \"%s\": %s\n", lf ? " (FOLLOW)" : "", from, to,
         en(__wasi_path_link(PRE, lf, from, PRE, to)));
}

static __wasi_filestat_t st(const char* path) {
  __wasi_filestat_t s;
  memset(&s, 0, sizeof(s));
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, 0, path, &s);
  if (e == 0)
    printf("stat \"%s\": filetype %u nlink %llu size %llu\n", path, s.filetype,
           (unsigned long long)s.nlink, (unsigned long long)s.size);
  else
    printf("stat \"%s\": %s\n", path, en(e));
  return s;
}

int main(void) {
  st("hello.txt");
  ln(0, "hello.txt", "h2");
  __wasi_filestat_t a = st("hello.txt");
  __wasi_filestat_t b = st("h2");
  printf("same ino: %s\n", yn(a.ino == b.ino && a.dev == b.dev));
  ln(0, "hello.txt", "sub/h3");
  st("h2");
  check("write through h2", make_file(PRE, "h2", "changed\n"));
  char buf[64];
  check("read hello.txt", slurp(PRE, "hello.txt", buf, sizeof(buf), NULL));
  printf("hello.txt: \"%s\"\n", esc(buf));
  check("unlink h2", __wasi_path_unlink_file(PRE, "h2"));
  st("hello.txt");
  check("unlink sub/h3", __wasi_path_unlink_file(PRE, "sub/h3"));
  st("hello.txt");

  // Errors.
  ln(0, "sub", "sub2");
  ln(0, "sub/", "sub2");
  ln(0, "hello.txt", "data.txt");
  ln(0, "hello.txt", "sub");
  ln(0, "hello.txt", "hello.txt");
  ln(FOLLOW, "hello.txt", "h4");
  st("h4");
  ln(0, "missing", "h5");
  ln(0, "hello.txt", "nodir/h5");
  ln(0, "hello.txt", "new/");
  ln(0, "hello.txt/", "h6");
  ln(0, "hello.txt", "../h7");
  ln(0, "../hello.txt", "h7");
  ln(0, "hello.txt", ".");
  check("symlink dang -> nowhere", __wasi_path_symlink("nowhere", PRE, "dang"));
  ln(0, "hello.txt", "dang");

  // Linking a symlink links the symlink itself.
  check("symlink lnk -> hello.txt", __wasi_path_symlink("hello.txt", PRE, "lnk"));
  ln(0, "lnk", "lnk2");
  st("lnk2");
  st("lnk");
  ln(0, "dang", "dang2");
  st("dang2");
  st("hello.txt");
  return 0;
}
