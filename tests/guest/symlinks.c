// Symlink loops, dangling symlinks, escapes, and the expansion limit (40).
#include "guest.h"

static void sl(const char* target, const char* name) {
  printf("symlink %s -> %s: %s\n", name, target,
         en(__wasi_path_symlink(target, PRE, name)));
}

static void op(__wasi_lookupflags_t lf, const char* path) {
  __wasi_fd_t fd;
  __wasi_errno_t e = open_at(PRE, lf, path, 0, __WASI_RIGHTS_FD_READ, 0, &fd);
  printf("open %s \"%s\": %s\n", lf ? "follow" : "nofollow", path, en(e));
  if (e == 0) (void)__wasi_fd_close(fd);
}

static void st(__wasi_lookupflags_t lf, const char* path) {
  __wasi_filestat_t s;
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, lf, path, &s);
  if (e == 0)
    printf("stat %s \"%s\": %s filetype %u\n", lf ? "follow" : "nofollow",
           path, en(e), s.filetype);
  else
    printf("stat %s \"%s\": %s\n", lf ? "follow" : "nofollow", path, en(e));
}

int main(void) {
  // Loops.
  sl("loop_b", "loop_a");
  sl("loop_a", "loop_b");
  sl("self", "self");
  op(FOLLOW, "loop_a");
  op(0, "loop_a");
  st(FOLLOW, "loop_a");
  st(0, "loop_a");
  st(0, "loop_a/");
  st(FOLLOW, "loop_a/x");
  op(FOLLOW, "self");
  st(FOLLOW, "self");

  // Dangling.
  sl("nonexistent", "dang");
  op(FOLLOW, "dang");
  op(0, "dang");
  st(FOLLOW, "dang");
  st(0, "dang");
  st(0, "dang/");
  st(FOLLOW, "dang/x");
  sl("nodir/file", "dang2");
  st(FOLLOW, "dang2");
  sl("hello.txt/x", "thru");
  st(FOLLOW, "thru");
  sl("hello.txt/", "tfile");
  st(FOLLOW, "tfile");
  st(0, "tfile");

  // Through a symlink to a directory.
  sl("sub", "lsub");
  st(FOLLOW, "lsub/inner.txt");
  st(0, "lsub");
  st(0, "lsub/");
  st(FOLLOW, "lsub");

  // Escapes: the target is stored as given, refused when resolved.
  sl("../hello.txt", "esc");
  op(FOLLOW, "esc");
  st(0, "esc");
  sl("sub/../../hello.txt", "esc2");
  st(FOLLOW, "esc2");
  __wasi_errno_t e = __wasi_path_symlink("../hello.txt", PRE, "sub/up");
  printf("symlink sub/up -> ../hello.txt: %s\n", en(e));
  st(FOLLOW, "sub/up");
  e = __wasi_path_symlink("../../hello.txt", PRE, "sub/up2");
  printf("symlink sub/up2 -> ../../hello.txt: %s\n", en(e));
  st(FOLLOW, "sub/up2");
  sl("/hello.txt", "abs");
  st(0, "abs");

  // A chain c0 -> c1 -> ... -> c40 -> hello.txt: following c1 takes 40
  // expansions (allowed), following c0 takes 41 (LOOP).
  int failures = 0;
  for (int i = 0; i <= 40; i++) {
    char name[16], target[16];
    snprintf(name, sizeof(name), "c%d", i);
    if (i == 40)
      snprintf(target, sizeof(target), "hello.txt");
    else
      snprintf(target, sizeof(target), "c%d", i + 1);
    if (__wasi_path_symlink(target, PRE, name) != 0) failures++;
  }
  printf("chain of 41 symlinks created, failures: %d\n", failures);
  st(FOLLOW, "c40");
  st(FOLLOW, "c1");
  op(FOLLOW, "c1");
  st(FOLLOW, "c0");
  op(FOLLOW, "c0");
  st(0, "c0");
  return 0;
}
