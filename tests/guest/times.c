// Timestamps: set exactly (nanoseconds), *_NOW, invalid flag combinations,
// and the updates reads and writes make.
#include "guest.h"

#define A __WASI_FSTFLAGS_ATIM
#define AN __WASI_FSTFLAGS_ATIM_NOW
#define M __WASI_FSTFLAGS_MTIM
#define MN __WASI_FSTFLAGS_MTIM_NOW

static __wasi_filestat_t fst(__wasi_fd_t fd) {
  __wasi_filestat_t s;
  memset(&s, 0, sizeof(s));
  __wasi_errno_t e = __wasi_fd_filestat_get(fd, &s);
  if (e) printf("fd_filestat_get: %s\n", en(e));
  return s;
}

static __wasi_filestat_t pst(__wasi_lookupflags_t lf, const char* path) {
  __wasi_filestat_t s;
  memset(&s, 0, sizeof(s));
  __wasi_errno_t e = __wasi_path_filestat_get(PRE, lf, path, &s);
  if (e) printf("path_filestat_get %s: %s\n", path, en(e));
  return s;
}

static void times(const char* label, __wasi_filestat_t s) {
  printf("%s: atim %llu mtim %llu\n", label, (unsigned long long)s.atim,
         (unsigned long long)s.mtim);
}

int main(void) {
  __wasi_fd_t fd;
  check("create t.txt",
        open_at(PRE, 0, "t.txt", __WASI_OFLAGS_CREAT,
                R_FILE_RW | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES, 0, &fd));
  __wasi_filestat_t s0 = fst(fd);
  __wasi_size_t n;
  check("write", put(fd, "data", &n));
  __wasi_filestat_t s1 = fst(fd);
  printf("write: mtim advanced: %s, ctim advanced: %s, atim unchanged: %s\n",
         yn(s1.mtim > s0.mtim), yn(s1.ctim > s0.ctim), yn(s1.atim == s0.atim));
  char buf[8];
  __wasi_iovec_t iov = {(uint8_t*)buf, 4};
  check("pread", __wasi_fd_pread(fd, &iov, 1, 0, &n));
  __wasi_filestat_t s2 = fst(fd);
  printf("read: atim advanced: %s, mtim unchanged: %s\n", yn(s2.atim > s1.atim),
         yn(s2.mtim == s1.mtim));

  const __wasi_timestamp_t at = 1234567890123456789ull;
  const __wasi_timestamp_t mt = 987654321987654321ull;
  check("set atim+mtim", __wasi_fd_filestat_set_times(fd, at, mt, A | M));
  __wasi_filestat_t s3 = fst(fd);
  times("read back", s3);
  printf("exact: %s, ctim advanced: %s\n", yn(s3.atim == at && s3.mtim == mt),
         yn(s3.ctim > s2.ctim));
  check("set atim only (5)", __wasi_fd_filestat_set_times(fd, 5, 7, A));
  times("read back", fst(fd));
  check("set mtim only (9)", __wasi_fd_filestat_set_times(fd, 8, 9, M));
  times("read back", fst(fd));
  check("set nothing", __wasi_fd_filestat_set_times(fd, 1, 1, 0));
  times("read back", fst(fd));
  check("ATIM|ATIM_NOW", __wasi_fd_filestat_set_times(fd, 1, 1, A | AN));
  check("MTIM|MTIM_NOW", __wasi_fd_filestat_set_times(fd, 1, 1, M | MN));
  check("unknown bit 4", __wasi_fd_filestat_set_times(fd, 1, 1, 1 << 4));
  times("unchanged", fst(fd));
  check("ATIM|ATIM_NOW on fd 99", __wasi_fd_filestat_set_times(99, 1, 1, A | AN));
  check("ATIM on fd 99", __wasi_fd_filestat_set_times(99, 1, 1, A));
  check("ATIM_NOW", __wasi_fd_filestat_set_times(fd, 1, 1, AN));
  __wasi_filestat_t s4 = fst(fd);
  printf("atim changed: %s, mtim still 9: %s\n", yn(s4.atim != 5),
         yn(s4.mtim == 9));
  check("MTIM_NOW|ATIM", __wasi_fd_filestat_set_times(fd, 3, 1, MN | A));
  __wasi_filestat_t s5 = fst(fd);
  printf("atim 3: %s, mtim changed: %s\n", yn(s5.atim == 3), yn(s5.mtim != 9));

  // path_filestat_set_times, on a file and on a symlink.
  check("path set t.txt 42/43",
        __wasi_path_filestat_set_times(PRE, 0, "t.txt", 42, 43, A | M));
  times("t.txt", pst(0, "t.txt"));
  check("symlink tl -> t.txt", __wasi_path_symlink("t.txt", PRE, "tl"));
  check("path set tl nofollow 100/200",
        __wasi_path_filestat_set_times(PRE, 0, "tl", 100, 200, A | M));
  times("tl (nofollow)", pst(0, "tl"));
  times("t.txt", pst(0, "t.txt"));
  check("path set tl follow 300/400",
        __wasi_path_filestat_set_times(PRE, FOLLOW, "tl", 300, 400, A | M));
  // (Only mtim: following a link may count as reading it.)
  printf("tl (nofollow): mtim %llu\n", (unsigned long long)pst(0, "tl").mtim);
  times("t.txt", pst(0, "t.txt"));
  check("path set ATIM|ATIM_NOW",
        __wasi_path_filestat_set_times(PRE, 0, "t.txt", 1, 1, A | AN));
  check("path set missing",
        __wasi_path_filestat_set_times(PRE, 0, "missing", 1, 1, A));
  check("path set sub 10/20",
        __wasi_path_filestat_set_times(PRE, 0, "sub", 10, 20, A | M));
  times("sub", pst(0, "sub"));

  // A directory descriptor may set its own times.
  __wasi_fd_t dir;
  check("open sub", open_dir(PRE, "sub", &dir));
  check("fd set on sub 11/21", __wasi_fd_filestat_set_times(dir, 11, 21, A | M));
  times("sub", fst(dir));

  // Rights.
  __wasi_fd_t ro;
  check("open t.txt without FD_FILESTAT_SET_TIMES",
        open_at(PRE, 0, "t.txt", 0, R_FILE_RO, 0, &ro));
  check("set times on it", __wasi_fd_filestat_set_times(ro, 1, 1, A | M));
  times("t.txt", pst(0, "t.txt"));
  return 0;
}
