// path_rename: moves, replacements and the errors of rename(2).
#include "guest.h"

static void rn(const char* from, const char* to) {
  printf("rename \"%s\" -> \"%s\": %s\n", from, to,
         en(__wasi_path_rename(PRE, from, PRE, to)));
}

static __wasi_filestat_t st(const char* path) {
  __wasi_filestat_t s;
  memset(&s, 0, sizeof(s));
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, 0, path, &s);
  if (e == 0)
    printf("stat \"%s\": filetype %u nlink %llu\n", path, s.filetype,
           (unsigned long long)s.nlink);
  else
    printf("stat \"%s\": %s\n", path, en(e));
  return s;
}

static void cat(const char* path) {
  char buf[64];
  __wasi_errno_t e = slurp(PRE, path, buf, sizeof(buf), NULL);
  if (e)
    printf("read \"%s\": %s\n", path, en(e));
  else
    printf("read \"%s\": \"%s\"\n", path, esc(buf));
}

int main(void) {
  __wasi_filestat_t before = st("hello.txt");
  rn("hello.txt", "moved.txt");
  st("hello.txt");
  __wasi_filestat_t after = st("moved.txt");
  printf("same ino after rename: %s\n", yn(before.ino == after.ino));
  cat("moved.txt");
  rn("moved.txt", "sub/deep/moved.txt");
  cat("sub/deep/moved.txt");
  rn("sub/deep/moved.txt", "data.txt");
  cat("data.txt");
  st("sub/deep/moved.txt");

  check("mkdir a", __wasi_path_create_directory(PRE, "a"));
  check("mkdir a/x", __wasi_path_create_directory(PRE, "a/x"));
  check("mkdir b", __wasi_path_create_directory(PRE, "b"));
  check("create b/f", make_file(PRE, "b/f", "bee\n"));
  check("mkdir c", __wasi_path_create_directory(PRE, "c"));
  rn("a", "b");
  rn("data.txt", "a");
  rn("data.txt", "c");
  rn("a", "data.txt");
  rn("a", "a/y");
  rn("a", "a/x/y");
  rn("a", "a/x");
  rn("a", "a");
  rn("a/x", "a");
  rn(".", "z");
  rn("a", ".");
  rn("a/x", "a/..");
  rn("missing", "z");
  rn("data.txt", "missing/z");
  rn("data.txt", "../z");
  rn("../data.txt", "z");
  // A directory onto an empty directory replaces it.
  __wasi_filestat_t ab = st("a");
  rn("a", "c");
  st("a");
  __wasi_filestat_t cb = st("c");
  printf("c is the old a: %s\n", yn(ab.ino == cb.ino));
  st("c/x");
  // Two names of one inode: rename does nothing.
  check("link data.txt d2", __wasi_path_link(PRE, 0, "data.txt", PRE, "d2"));
  rn("data.txt", "d2");
  st("data.txt");
  st("d2");
  // A file onto a file replaces it (and drops the old inode's link).
  check("create e1", make_file(PRE, "e1", "one\n"));
  rn("e1", "d2");
  st("data.txt");
  cat("d2");
  // A symlink is renamed, not its target.
  check("symlink s -> b", __wasi_path_symlink("b", PRE, "s"));
  rn("s", "s2");
  st("s2");
  st("b");
  return 0;
}
