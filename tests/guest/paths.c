// Interesting paths: ".", "..", "//", trailing slashes, NUL bytes, invalid
// UTF-8, absolute paths, escapes through "..", over-long names.
#include "guest.h"

static void stat_path(const char* path) {
  __wasi_filestat_t st;
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, FOLLOW, path, &st);
  if (e == 0)
    printf("stat \"%s\": %s filetype %u\n", esc(path), en(e), st.filetype);
  else
    printf("stat \"%s\": %s\n", esc(path), en(e));
}

int main(void) {
  stat_path(".");
  stat_path("./");
  stat_path("sub");
  stat_path("sub/");
  stat_path("sub//");
  stat_path("sub/.");
  stat_path("sub/..");
  stat_path("sub//inner.txt");
  stat_path("./sub/./deep/../inner.txt");
  stat_path("sub/deep/../../hello.txt");
  stat_path("hello.txt");
  stat_path("hello.txt/");
  stat_path("hello.txt/.");
  stat_path("hello.txt/x");
  stat_path("");
  stat_path("missing");
  stat_path("missing/");
  stat_path("missing/x");
  stat_path("..");
  stat_path("../");
  stat_path("../fixture");
  stat_path("sub/../..");
  stat_path("sub/../../sub");
  stat_path("sub/deep/../../../hello.txt");
  stat_path("/");
  stat_path("/hello.txt");
  stat_path("//hello.txt");

  // "sub/.." is the preopen itself.
  __wasi_filestat_t a, b;
  __wasi_errno_t e1 = __wasi_path_filestat_get(PRE, 0, ".", &a);
  __wasi_errno_t e2 = __wasi_path_filestat_get(PRE, 0, "sub/..", &b);
  printf("\".\" and \"sub/..\" same ino: %s\n", yn(!e1 && !e2 && a.ino == b.ino));

  // NUL inside the path, passed with a length that includes it.
  __wasi_fd_t fd;
  check("open \"hello.txt\" (len 9)", open_n(PRE, "hello.txt\0", 9, &fd));
  check("close it", __wasi_fd_close(fd));
  check("open \"hello.txt\\0\" (len 10)", open_n(PRE, "hello.txt\0", 10, &fd));
  check("open \"hel\\0lo.txt\" (len 10)", open_n(PRE, "hel\0lo.txt", 10, &fd));
  check("open \"\\0\" (len 1)", open_n(PRE, "\0", 1, &fd));
  check("open \"\" (len 0)", open_n(PRE, "", 0, &fd));
  __wasi_filestat_t nst;
  check("stat \"sub\\0/inner.txt\" (len 14)",
        stat_n(PRE, "sub\0/inner.txt", 14, &nst));
  check("stat \"sub/inner.txt\" (len 13)",
        stat_n(PRE, "sub/inner.txt", 13, &nst));
  check("symlink \"a\\0b\" -> \"nul_target\"",
        symlink_n("a\0b", 3, PRE, "nul_target", 10));
  check("symlink \"hello.txt\" -> \"nul\\0name\"",
        symlink_n("hello.txt", 9, PRE, "nul\0name", 8));
  check("stat \"nul\" (nothing created)",
        __wasi_path_filestat_get(PRE, 0, "nul", &nst));
  check("symlink \"\\xff\" -> \"bad_target\"",
        __wasi_path_symlink("\xff", PRE, "bad_target"));
  check("stat \"bad_target\" (not created)",
        __wasi_path_filestat_get(PRE, 0, "bad_target", &nst));

  // Invalid UTF-8.
  stat_path("\xff");
  stat_path("sub/\xc3");
  // A valid multibyte name that does not exist.
  stat_path("\xc3\xa9t\xc3\xa9");

  // Component of 255 bytes is fine (NOENT), 256 is too long.
  char name[300];
  memset(name, 'n', sizeof(name));
  name[255] = 0;
  __wasi_filestat_t st;
  check("stat 255-byte name", __wasi_path_filestat_get(PRE, 0, name, &st));
  name[255] = 'n';
  name[256] = 0;
  check("stat 256-byte name", __wasi_path_filestat_get(PRE, 0, name, &st));
  check("mkdir 256-byte name", __wasi_path_create_directory(PRE, name));

  // A path of 4097 bytes ("./" repeated, then "x") is too long; 4095 is not.
  static char longp[5000];
  size_t n = 0;
  while (n < 4094) { longp[n++] = '.'; longp[n++] = '/'; }
  longp[n++] = 'x';
  longp[n] = 0;
  printf("path length %zu\n", n);
  check("stat long path", __wasi_path_filestat_get(PRE, 0, longp, &st));
  n = 0;
  while (n < 4096) { longp[n++] = '.'; longp[n++] = '/'; }
  longp[n++] = 'x';
  longp[n] = 0;
  printf("path length %zu\n", n);
  check("stat long path", __wasi_path_filestat_get(PRE, 0, longp, &st));
  return 0;
}
