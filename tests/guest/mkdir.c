// path_create_directory: new names, trailing slashes, dots, existing names.
#include "guest.h"

static void md(const char* path) {
  printf("mkdir \"%s\": %s\n", path,
         en(__wasi_path_create_directory(PRE, path)));
}

int main(void) {
  md("n1");
  md("n2/");
  md("n3//");
  md("n1/inner");
  md("n1/inner/deeper/");
  md("n1");
  md("n1/");
  md("hello.txt");
  md("hello.txt/");
  md("hello.txt/x");
  md(".");
  md("..");
  md("n1/.");
  md("n1/..");
  md("missing/x");
  md("../x");
  md("");
  check("symlink lnk -> n1", __wasi_path_symlink("n1", PRE, "lnk"));
  md("lnk");
  md("lnk/viasym");
  check("symlink dang -> nowhere", __wasi_path_symlink("nowhere", PRE, "dang"));
  md("dang");
  __wasi_filestat_t st;
  check("stat nowhere", __wasi_path_filestat_get(PRE, 0, "nowhere", &st));
  check("stat n1/viasym", __wasi_path_filestat_get(PRE, 0, "n1/viasym", &st));
  check("stat n2", __wasi_path_filestat_get(PRE, 0, "n2", &st));
  printf("n2 filetype %u nlink %llu\n", st.filetype,
         (unsigned long long)st.nlink);
  check("stat n1", __wasi_path_filestat_get(PRE, 0, "n1", &st));
  printf("n1 filetype %u nlink %llu\n", st.filetype,
         (unsigned long long)st.nlink);
  __wasi_fd_t fd;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &fd));
  check("mkdir via a file fd", __wasi_path_create_directory(fd, "x"));
  check("mkdir via fd 99", __wasi_path_create_directory(99, "x"));
  return 0;
}
