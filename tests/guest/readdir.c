// fd_readdir: "." and "..", d_ino against filestat, cookies, resuming from a
// saved cookie, small buffers, and changes between calls.
#include <stdlib.h>

#include "guest.h"

struct ent {
  char name[64];
  __wasi_dircookie_t next;
  __wasi_inode_t ino;
  __wasi_filetype_t type;
};

// Lists fd from `cookie` with reads of `bufsize` bytes, continuing until a
// short read. Returns the count, or -errno.
static int list(__wasi_fd_t fd, __wasi_dircookie_t cookie, size_t bufsize,
                struct ent* out, int max, int* calls) {
  uint8_t* buf = malloc(bufsize);
  int count = 0;
  *calls = 0;
  for (;;) {
    __wasi_size_t used = 0;
    __wasi_errno_t e = __wasi_fd_readdir(fd, buf, bufsize, cookie, &used);
    ++*calls;
    if (e) { free(buf); return -(int)e; }
    size_t off = 0;
    int got = 0;
    while (off + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t d;
      memcpy(&d, buf + off, sizeof(d));
      if (off + sizeof(d) + d.d_namlen > used) break;  // cut short
      if (count < max) {
        size_t l = d.d_namlen < 63 ? d.d_namlen : 63;
        memcpy(out[count].name, buf + off + sizeof(d), l);
        out[count].name[l] = 0;
        out[count].next = d.d_next;
        out[count].ino = d.d_ino;
        out[count].type = d.d_type;
        count++;
      }
      cookie = d.d_next;
      off += sizeof(d) + d.d_namlen;
      got++;
    }
    if (used < bufsize) break;
    if (got == 0) { free(buf); return -1000; }  // buffer too small
  }
  free(buf);
  return count;
}

static void names(const char* label, struct ent* e, int n) {
  printf("%s:", label);
  if (n < 0) printf(" error %d", n);
  for (int i = 0; i < n; i++) printf(" %s", e[i].name);
  printf("\n");
}

int main(void) {
  check("mkdir rd", __wasi_path_create_directory(PRE, "rd"));
  check("create rd/a", make_file(PRE, "rd/a", "A"));
  check("create rd/bb", make_file(PRE, "rd/bb", "BB"));
  check("create rd/ccc", make_file(PRE, "rd/ccc", "CCC"));
  check("mkdir rd/dd", __wasi_path_create_directory(PRE, "rd/dd"));
  __wasi_fd_t fd;
  check("open rd", open_dir(PRE, "rd", &fd));

  __wasi_filestat_t self, parent;
  check("stat rd", __wasi_fd_filestat_get(fd, &self));
  check("stat .", __wasi_path_filestat_get(PRE, 0, ".", &parent));

  struct ent e[32];
  int calls;
  int n = list(fd, 0, 4096, e, 32, &calls);
  printf("entries: %d in %d call(s)\n", n, calls);
  for (int i = 0; i < n; i++) {
    __wasi_inode_t want;
    if (strcmp(e[i].name, ".") == 0) {
      want = self.ino;
    } else if (strcmp(e[i].name, "..") == 0) {
      want = parent.ino;
    } else {
      __wasi_filestat_t s;
      want = __wasi_path_filestat_get(fd, 0, e[i].name, &s) ? 0 : s.ino;
    }
    printf("  %-4s type %u next %llu ino matches: %s\n", e[i].name, e[i].type,
           (unsigned long long)e[i].next, yn(e[i].ino == want));
  }

  // Resuming from a saved cookie gives the same tail, twice.
  struct ent t[32];
  __wasi_dircookie_t after_dotdot = e[1].next, after_a = e[2].next;
  n = list(fd, after_dotdot, 4096, t, 32, &calls);
  names("from the cookie after ..", t, n);
  n = list(fd, after_dotdot, 4096, t, 32, &calls);
  names("again", t, n);
  n = list(fd, after_a, 4096, t, 32, &calls);
  names("from the cookie after a", t, n);
  n = list(fd, e[5].next, 4096, t, 32, &calls);
  names("from the last cookie", t, n);

  // Small buffers: 40 bytes hold one entry per call.
  n = list(fd, 0, 40, t, 32, &calls);
  names("40-byte buffer", t, n);
  printf("calls: %d\n", calls);
  uint8_t small[64];
  __wasi_size_t used = 0;
  check("readdir into 10 bytes",
        __wasi_fd_readdir(fd, small, 10, 0, &used));
  printf("bufused: %u\n", (unsigned)used);
  check("readdir into 25 bytes (exactly \".\")",
        __wasi_fd_readdir(fd, small, 25, 0, &used));
  printf("bufused: %u\n", (unsigned)used);
  check("readdir into 0 bytes", __wasi_fd_readdir(fd, small, 0, 0, &used));
  printf("bufused: %u\n", (unsigned)used);

  // Changes between calls: the saved cookie stays valid.
  check("unlink rd/bb", __wasi_path_unlink_file(PRE, "rd/bb"));
  check("create rd/ee", make_file(PRE, "rd/ee", "E"));
  n = list(fd, after_a, 4096, t, 32, &calls);
  names("from the cookie after a", t, n);
  check("unlink rd/a", __wasi_path_unlink_file(PRE, "rd/a"));
  n = list(fd, after_a, 4096, t, 32, &calls);
  names("from the cookie after the removed a", t, n);
  check("rename rd/ee -> rd/ccc",
        __wasi_path_rename(PRE, "rd/ee", PRE, "rd/ccc"));
  n = list(fd, 0, 4096, t, 32, &calls);
  names("from 0", t, n);
  char buf[8];
  check("read rd/ccc", slurp(PRE, "rd/ccc", buf, sizeof(buf), NULL));
  printf("rd/ccc: \"%s\"\n", buf);

  // The preopen's own ".." describes the preopen itself.
  n = list(PRE, 0, 4096, t, 32, &calls);
  printf("preopen: . is first: %s, .. is second: %s, .. ino is its own: %s\n",
         yn(n >= 2 && strcmp(t[0].name, ".") == 0),
         yn(n >= 2 && strcmp(t[1].name, "..") == 0),
         yn(n >= 2 && t[1].ino == parent.ino && t[0].ino == parent.ino));

  // Wrong kinds.
  __wasi_fd_t file;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &file));
  check("readdir on a file", __wasi_fd_readdir(file, small, 64, 0, &used));
  check("readdir on fd 99", __wasi_fd_readdir(99, small, 64, 0, &used));
  return 0;
}
