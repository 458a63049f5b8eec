// path_open: flags, kinds and rights.
#include "guest.h"


static void op(const char* label, __wasi_fd_t dir, const char* path,
               __wasi_oflags_t of, __wasi_rights_t base, __wasi_fdflags_t ff) {
  __wasi_fd_t fd = 0;
  __wasi_errno_t e = open_at(dir, FOLLOW, path, of, base, ff, &fd);
  if (e == 0) {
    __wasi_fdstat_t s;
    __wasi_errno_t se = __wasi_fd_fdstat_get(fd, &s);
    printf("%s: %s filetype %u\n", label, en(e), se ? 255 : s.fs_filetype);
  } else {
    printf("%s: %s\n", label, en(e));
  }
}

int main(void) {
  __wasi_fd_t fd;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &fd));
  printf("first fd: %u\n", fd);
  check("close it", __wasi_fd_close(fd));

  const __wasi_oflags_t C = __WASI_OFLAGS_CREAT, D = __WASI_OFLAGS_DIRECTORY,
                        X = __WASI_OFLAGS_EXCL, T = __WASI_OFLAGS_TRUNC;
  op("CREAT|EXCL existing file", PRE, "hello.txt", C | X, R_FILE_RW, 0);
  op("CREAT|EXCL existing dir", PRE, "sub", C | X, R_FILE_RO, 0);
  op("missing, no CREAT", PRE, "missing.txt", 0, R_FILE_RO, 0);
  op("missing/x, CREAT", PRE, "missing/x", C, R_FILE_RW, 0);
  op("CREAT on \"new/\"", PRE, "new/", C, R_FILE_RW, 0);
  op("DIRECTORY|CREAT", PRE, "newdir", D | C, 0, 0);
  op("DIRECTORY|EXCL", PRE, "sub", D | X, 0, 0);
  op("DIRECTORY|TRUNC", PRE, "sub", D | T, 0, 0);
  op("unknown oflag bit 4", PRE, "hello.txt", 1 << 4, R_FILE_RO, 0);
  op("DIRECTORY on a file", PRE, "hello.txt", D, 0, 0);
  op("file with trailing slash", PRE, "hello.txt/", 0, R_FILE_RO, 0);
  op("dir with FD_WRITE", PRE, "sub", 0, __WASI_RIGHTS_FD_WRITE, 0);
  op("dir with FD_ALLOCATE", PRE, "sub", 0, __WASI_RIGHTS_FD_ALLOCATE, 0);
  op("dir with FD_FILESTAT_SET_SIZE", PRE, "sub", 0,
     __WASI_RIGHTS_FD_FILESTAT_SET_SIZE, 0);
  op("dir with TRUNC", PRE, "sub", T, __WASI_RIGHTS_FD_READ, 0);
  op("dir with FD_READ", PRE, "sub", 0, __WASI_RIGHTS_FD_READ, 0);
  op("dir with DIRECTORY", PRE, "sub", D, 0, 0);
  op("bad dirfd 99", 99, "hello.txt", 0, R_FILE_RO, 0);
  __wasi_fd_t file;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &file));
  op("file as dirfd", file, "x", 0, R_FILE_RO, 0);
  op("file as dirfd, \".\"", file, ".", 0, R_FILE_RO, 0);
  op("CREAT new.txt", PRE, "new.txt", C, R_FILE_RW, 0);
  __wasi_filestat_t st;
  check("stat new.txt", __wasi_path_filestat_get(PRE, 0, "new.txt", &st));
  printf("new.txt size %llu nlink %llu\n", (unsigned long long)st.size,
         (unsigned long long)st.nlink);
  op("CREAT existing (no EXCL)", PRE, "hello.txt", C, R_FILE_RW, 0);
  check("stat hello.txt", __wasi_path_filestat_get(PRE, 0, "hello.txt", &st));
  printf("hello.txt size %llu\n", (unsigned long long)st.size);
  op("CREAT|EXCL brand new", PRE, "sub/new2.txt", C | X, R_FILE_RW, 0);

  // Read-only and write-only descriptors.
  __wasi_size_t n = 0;
  check("open data.txt read-only",
        open_at(PRE, 0, "data.txt", 0, __WASI_RIGHTS_FD_READ, 0, &fd));
  check("write to read-only fd", put(fd, "zz", &n));
  check("close", __wasi_fd_close(fd));
  check("open data.txt write-only",
        open_at(PRE, 0, "data.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, &fd));
  char buf[4];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof(buf)};
  check("read from write-only fd", __wasi_fd_read(fd, &iov, 1, &n));
  check("write to write-only fd", put(fd, "AB", &n));
  printf("wrote %u\n", (unsigned)n);
  check("close", __wasi_fd_close(fd));
  char all[32];
  check("read data.txt", slurp(PRE, "data.txt", all, sizeof(all), NULL));
  printf("data.txt: \"%s\"\n", all);
  // TRUNC on an existing file empties it.
  op("TRUNC data.txt", PRE, "data.txt", T, R_FILE_RW, 0);
  check("stat data.txt", __wasi_path_filestat_get(PRE, 0, "data.txt", &st));
  printf("data.txt size %llu\n", (unsigned long long)st.size);
  // Unknown fdflags bit.
  op("unknown fdflag bit 5", PRE, "hello.txt", 0, R_FILE_RO, 1 << 5);
  return 0;
}
