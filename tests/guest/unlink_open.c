// A file unlinked while open stays readable and writable through its
// descriptor, with nlink 0.
#include "guest.h"

int main(void) {
  __wasi_fd_t fd;
  check("open hello.txt rw", open_at(PRE, 0, "hello.txt", 0, R_FILE_RW, 0, &fd));
  __wasi_filestat_t before, st;
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &before));
  printf("nlink %llu size %llu\n", (unsigned long long)before.nlink,
         (unsigned long long)before.size);
  check("unlink hello.txt", __wasi_path_unlink_file(PRE, "hello.txt"));
  check("stat hello.txt", __wasi_path_filestat_get(PRE, 0, "hello.txt", &st));
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &st));
  printf("nlink %llu size %llu same ino: %s\n", (unsigned long long)st.nlink,
         (unsigned long long)st.size, yn(st.ino == before.ino));
  uint8_t buf[32];
  __wasi_iovec_t iov = {buf, sizeof(buf)};
  __wasi_size_t n;
  check("read", __wasi_fd_read(fd, &iov, 1, &n));
  print_bytes("read", buf, n);
  check("write \"more\"", put(fd, "more", &n));
  check("pread all", __wasi_fd_pread(fd, &iov, 1, 0, &n));
  print_bytes("pread", buf, n);
  check("set_size 5", __wasi_fd_filestat_set_size(fd, 5));
  check("fd_filestat_get", __wasi_fd_filestat_get(fd, &st));
  printf("nlink %llu size %llu\n", (unsigned long long)st.nlink,
         (unsigned long long)st.size);
  // A new file with the old name is a different inode.
  check("create hello.txt again", make_file(PRE, "hello.txt", "new\n"));
  __wasi_filestat_t again;
  check("stat hello.txt", __wasi_path_filestat_get(PRE, 0, "hello.txt", &again));
  printf("new ino differs: %s, size %llu\n", yn(again.ino != before.ino),
         (unsigned long long)again.size);
  check("pread the unlinked one", __wasi_fd_pread(fd, &iov, 1, 0, &n));
  print_bytes("pread", buf, n);
  check("close", __wasi_fd_close(fd));

  // Two descriptors: the inode lives until both are closed.
  __wasi_fd_t a, b;
  check("open data.txt (a)", open_at(PRE, 0, "data.txt", 0, R_FILE_RO, 0, &a));
  check("open data.txt (b)", open_at(PRE, 0, "data.txt", 0, R_FILE_RO, 0, &b));
  check("unlink data.txt", __wasi_path_unlink_file(PRE, "data.txt"));
  check("close a", __wasi_fd_close(a));
  check("pread b", __wasi_fd_pread(b, &iov, 1, 0, &n));
  print_bytes("pread b", buf, n);
  check("close b", __wasi_fd_close(b));

  // A directory removed while open: empty, nlink 0, nothing can be created.
  __wasi_fd_t d;
  check("mkdir gone", __wasi_path_create_directory(PRE, "gone"));
  check("open gone", open_dir(PRE, "gone", &d));
  check("rmdir gone", __wasi_path_remove_directory(PRE, "gone"));
  check("fd_filestat_get gone", __wasi_fd_filestat_get(d, &st));
  printf("nlink %llu\n", (unsigned long long)st.nlink);
  __wasi_fd_t f;
  check("create a file inside it",
        open_at(d, 0, "x", __WASI_OFLAGS_CREAT, R_FILE_RW, 0, &f));
  check("mkdir inside it", __wasi_path_create_directory(d, "y"));
  return 0;
}
