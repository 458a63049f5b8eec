// Two preopens over one filesystem (run with fixture::/ and fixture/sub::/copy):
// the second lives at /copy inside the first; renames and links cross them;
// each confines its own paths.
#include "guest.h"

#define COPY 4

static __wasi_filestat_t st(__wasi_fd_t dir, const char* path) {
  __wasi_filestat_t s;
  memset(&s, 0, sizeof(s));
  __wasi_errno_t e = __wasi_path_filestat_get(dir, 0, path, &s);
  if (e)
    printf("stat %u \"%s\": %s\n", dir, path, en(e));
  else
    printf("stat %u \"%s\": filetype %u nlink %llu\n", dir, path, s.filetype,
           (unsigned long long)s.nlink);
  return s;
}

int main(void) {
  __wasi_prestat_t p;
  __wasi_errno_t e = __wasi_fd_prestat_get(COPY, &p);
  char name[16] = {0};
  if (e == 0)
    e = __wasi_fd_prestat_dir_name(COPY, (uint8_t*)name, p.u.dir.pr_name_len);
  printf("prestat 4: %s \"%s\"\n", en(e), name);
  check("prestat 5", __wasi_fd_prestat_get(5, &p));

  __wasi_filestat_t a = st(PRE, "copy/inner.txt");
  __wasi_filestat_t b = st(COPY, "inner.txt");
  printf("same file: %s\n", yn(a.ino == b.ino && a.dev == b.dev));
  st(COPY, "deep/leaf.txt");
  st(COPY, "..");
  st(COPY, "../hello.txt");
  st(COPY, "deep/../../copy");

  printf("rename 4:inner.txt -> 3:moved.txt: %s\n",
         en(__wasi_path_rename(COPY, "inner.txt", PRE, "moved.txt")));
  st(COPY, "inner.txt");
  st(PRE, "moved.txt");
  printf("link 3:hello.txt -> 4:hl: %s\n",
         en(__wasi_path_link(PRE, 0, "hello.txt", COPY, "hl")));
  st(PRE, "hello.txt");
  check("create 4:new.txt", make_file(COPY, "new.txt", "new\n"));
  st(PRE, "copy/new.txt");

  // Renaming the second preopen's directory through the first: the
  // descriptor still reaches it, and keeps its name.
  printf("rename 3:copy -> 3:copy2: %s\n",
         en(__wasi_path_rename(PRE, "copy", PRE, "copy2")));
  st(COPY, "hl");
  st(PRE, "copy2/hl");
  e = __wasi_fd_prestat_dir_name(COPY, (uint8_t*)name, p.u.dir.pr_name_len);
  printf("prestat name still: %s \"%s\"\n", en(e), name);
  check("rmdir 3:copy2", __wasi_path_remove_directory(PRE, "copy2"));
  return 0;
}
