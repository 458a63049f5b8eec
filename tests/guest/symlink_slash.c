// path_symlink: trailing slashes and other awkward new paths and targets.
#include "guest.h"

static void sl(const char* target, const char* name) {
  printf("symlink \"%s\" -> \"%s\": %s\n", name, target,
         en(__wasi_path_symlink(target, PRE, name)));
}

static void st(const char* path) {
  __wasi_filestat_t s;
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, 0, path, &s);
  if (e == 0)
    printf("stat nofollow \"%s\": %s filetype %u\n", path, en(e), s.filetype);
  else
    printf("stat nofollow \"%s\": %s\n", path, en(e));
}

static void rl(const char* path) {
  char buf[64];
  __wasi_size_t n = 0;
  __wasi_errno_t e =
      __wasi_path_readlink(PRE, path, (uint8_t*)buf, sizeof(buf) - 1, &n);
  buf[e ? 0 : n] = 0;
  printf("readlink \"%s\": %s \"%s\"\n", path, en(e), buf);
}

int main(void) {
  sl("hello.txt", "new1/");
  st("new1");
  sl("hello.txt", "hello.txt/");
  sl("hello.txt", "sub/");
  sl("hello.txt", "sub");
  sl("hello.txt", "hello.txt");
  sl("hello.txt", ".");
  sl("hello.txt", "sub/..");
  sl("hello.txt", "sub/.");
  sl("hello.txt", "missing/new");
  sl("hello.txt", "hello.txt/new");
  sl("hello.txt", "../new");
  sl("", "empty_target");
  sl("/hello.txt", "abs_target");
  // Targets are stored as given, trailing slash included.
  sl("sub/", "to_sub");
  rl("to_sub");
  st("to_sub");
  st("to_sub/");
  sl("hello.txt/", "to_file_slash");
  rl("to_file_slash");
  sl("nowhere", "dangling");
  rl("dangling");
  // The new name exists as a (dangling) symlink.
  sl("other", "dangling");
  sl("inner.txt", "sub/lnk");
  rl("sub/lnk");
  st("sub/lnk");
  return 0;
}
