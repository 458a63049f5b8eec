// dev and ino: one file through several paths and descriptors gives one
// (dev, ino); different files differ.
#include "guest.h"

static __wasi_filestat_t st(const char* path) {
  __wasi_filestat_t s;
  memset(&s, 0, sizeof(s));
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, FOLLOW, path, &s);
  if (e) printf("stat %s: %s\n", path, en(e));
  return s;
}

static int same(__wasi_filestat_t a, __wasi_filestat_t b) {
  return a.dev == b.dev && a.ino == b.ino;
}

int main(void) {
  __wasi_filestat_t h1 = st("hello.txt");
  __wasi_filestat_t h2 = st("./hello.txt");
  __wasi_filestat_t h3 = st("sub/../hello.txt");
  __wasi_filestat_t h4 = st("sub/deep/../..//hello.txt");
  printf("hello.txt via 4 paths, same: %s\n",
         yn(same(h1, h2) && same(h1, h3) && same(h1, h4)));
  __wasi_fd_t fd;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &fd));
  __wasi_filestat_t hf;
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &hf));
  printf("descriptor and path agree: %s\n", yn(same(h1, hf)));
  check("link hello.txt -> sub/hl",
        __wasi_path_link(PRE, 0, "hello.txt", PRE, "sub/hl"));
  printf("hard link same: %s\n", yn(same(h1, st("sub/hl"))));
  check("symlink hs -> hello.txt", __wasi_path_symlink("hello.txt", PRE, "hs"));
  printf("followed symlink same: %s\n", yn(same(h1, st("hs"))));

  __wasi_filestat_t d = st("data.txt"), s = st("sub"), i = st("sub/inner.txt"),
                    r = st("."), dp = st("sub/deep");
  printf("data.txt differs: %s\n", yn(!same(h1, d)));
  printf("all distinct: %s\n",
         yn(h1.ino != d.ino && h1.ino != s.ino && h1.ino != i.ino &&
            h1.ino != r.ino && d.ino != s.ino && d.ino != i.ino &&
            d.ino != r.ino && s.ino != i.ino && s.ino != r.ino &&
            i.ino != r.ino && dp.ino != s.ino && dp.ino != r.ino));
  printf("one device: %s\n",
         yn(h1.dev == d.dev && d.dev == s.dev && s.dev == r.dev));
  // A directory through "." and through a descriptor.
  __wasi_fd_t sd;
  check("open sub", open_dir(PRE, "sub", &sd));
  __wasi_filestat_t sf, sdot;
  check("fd_filestat_get sub", __wasi_fd_filestat_get(sd, &sf));
  check("stat \".\" via sub", __wasi_path_filestat_get(sd, 0, ".", &sdot));
  printf("sub via descriptor and \".\": same: %s\n",
         yn(same(s, sf) && same(s, sdot)));
  // A new file gets a new number, also after one is removed.
  check("create n1", make_file(PRE, "n1", ""));
  __wasi_filestat_t n1 = st("n1");
  check("unlink n1", __wasi_path_unlink_file(PRE, "n1"));
  check("create n2", make_file(PRE, "n2", ""));
  __wasi_filestat_t n2 = st("n2");
  printf("new numbers: %s, not reused: %s\n",
         yn(n1.ino != h1.ino && n1.ino != d.ino), yn(n2.ino != n1.ino));
  return 0;
}
