// path_rename with trailing slashes: fine for directories, NOTDIR for files.
#include "guest.h"

static void rn(const char* from, const char* to) {
  printf("rename \"%s\" -> \"%s\": %s\n", from, to,
         en(__wasi_path_rename(PRE, from, PRE, to)));
}

static void st(const char* path) {
  __wasi_filestat_t s;
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, 0, path, &s);
  if (e == 0)
    printf("stat \"%s\": %s filetype %u size %llu\n", path, en(e), s.filetype,
           s.filetype == __WASI_FILETYPE_REGULAR_FILE ? (unsigned long long)s.size : 0ull);
  else
    printf("stat \"%s\": %s\n", path, en(e));
}

int main(void) {
  check("mkdir d1", __wasi_path_create_directory(PRE, "d1"));
  check("create d1/f", make_file(PRE, "d1/f", "in d1\n"));
  rn("d1/", "d2/");
  st("d1");
  st("d2");
  rn("d2", "d3/");
  st("d3");
  rn("d3/", "d4");
  st("d4");
  rn("d4//", "d5");
  st("d5/f");
  check("mkdir e1", __wasi_path_create_directory(PRE, "e1"));
  rn("d5/", "e1/");
  st("d5");
  st("e1/f");
  rn("e1/", "hello.txt/");
  rn("e1", "hello.txt");
  rn("e1/", "data.txt");

  rn("hello.txt/", "h2");
  rn("hello.txt", "h2/");
  rn("hello.txt/", "h2/");
  rn("hello.txt", "data.txt/");
  rn("hello.txt", "e1/");
  rn("hello.txt", "e1");
  rn("missing/", "x");
  rn("missing", "x/");
  st("hello.txt");
  st("h2");
  st("data.txt");
  st("e1");
  return 0;
}
