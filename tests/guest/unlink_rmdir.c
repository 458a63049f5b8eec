// path_unlink_file and path_remove_directory with trailing slashes, dots,
// and the wrong kind of entry.
#include "guest.h"

static void ul(const char* path) {
  printf("unlink \"%s\": %s\n", path, en(__wasi_path_unlink_file(PRE, path)));
}
static void rd(const char* path) {
  printf("rmdir \"%s\": %s\n", path,
         en(__wasi_path_remove_directory(PRE, path)));
}
static void st(const char* path) {
  __wasi_filestat_t s;
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, 0, path, &s);
  if (e == 0)
    printf("stat \"%s\": %s filetype %u\n", path, en(e), s.filetype);
  else
    printf("stat \"%s\": %s\n", path, en(e));
}

int main(void) {
  // unlink
  ul("hello.txt/");
  st("hello.txt");
  ul("sub");
  ul("sub/");
  ul(".");
  ul("sub/..");
  ul("missing");
  ul("missing/");
  ul("");
  ul("../hello.txt");
  ul("hello.txt");
  st("hello.txt");
  ul("hello.txt");
  check("symlink lnk -> sub", __wasi_path_symlink("sub", PRE, "lnk"));
  ul("lnk");
  st("lnk");
  st("sub");
  check("symlink dang -> nowhere", __wasi_path_symlink("nowhere", PRE, "dang"));
  ul("dang");
  st("dang");

  // rmdir
  check("mkdir e1", __wasi_path_create_directory(PRE, "e1"));
  rd("e1/");
  st("e1");
  check("mkdir e2", __wasi_path_create_directory(PRE, "e2"));
  rd("e2//");
  st("e2");
  check("mkdir e3", __wasi_path_create_directory(PRE, "e3"));
  rd("e3/.");
  rd("e3/..");
  rd(".");
  rd("data.txt");
  rd("data.txt/");
  rd("sub");
  rd("sub/");
  rd("sub/deep");
  rd("missing");
  rd("missing/");
  check("symlink lnk2 -> e3", __wasi_path_symlink("e3", PRE, "lnk2"));
  rd("lnk2");
  st("e3");
  rd("e3");
  st("e3");
  check("unlink sub/deep/leaf.txt",
        __wasi_path_unlink_file(PRE, "sub/deep/leaf.txt"));
  rd("sub/deep");
  st("sub/deep");
  return 0;
}
