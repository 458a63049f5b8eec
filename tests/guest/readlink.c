// path_readlink: full and truncated reads, and what is not a symlink.
#include "guest.h"

static void rl(const char* path, size_t cap) {
  uint8_t buf[64];
  memset(buf, '#', sizeof(buf));
  __wasi_size_t n = 0;
  __wasi_errno_t e = __wasi_path_readlink(PRE, path, buf, cap, &n);
  char label[64];
  snprintf(label, sizeof(label), "readlink \"%s\" into %zu", path, cap);
  if (e) {
    printf("%s: %s\n", label, en(e));
  } else {
    printf("%s: returned %u, ", label, (unsigned)n);
    // Show one byte past what was returned, to see nothing else was written.
    print_bytes("bytes", buf, n + 1 <= sizeof(buf) ? n + 1 : n);
  }
}

int main(void) {
  check("symlink ln -> hello.txt", __wasi_path_symlink("hello.txt", PRE, "ln"));
  check("symlink sub/up -> ../data.txt",
        __wasi_path_symlink("../data.txt", PRE, "sub/up"));
  rl("ln", 64);
  rl("ln", 9);
  rl("ln", 4);
  rl("ln", 1);
  rl("sub/up", 64);
  rl("sub/up", 2);
  rl("hello.txt", 64);
  rl("sub", 64);
  rl("missing", 64);
  rl("ln/", 64);
  rl("../ln", 64);
  __wasi_fd_t fd;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &fd));
  uint8_t buf[8];
  __wasi_size_t n;
  check("readlink via a file fd", __wasi_path_readlink(fd, "ln", buf, 8, &n));
  check("readlink via fd 99", __wasi_path_readlink(99, "ln", buf, 8, &n));
  return 0;
}
