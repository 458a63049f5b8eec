// Shared helpers for the guest test programs (C compiled to wasm32-wasi and
// run through `vfs run --dir fixture::/`). Header-only; every program
// includes it. The preopen of the fixture is fd 3, guest path "/".
#ifndef VFS_TESTS_GUEST_GUEST_H_
#define VFS_TESTS_GUEST_GUEST_H_

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define PRE 3  // the fixture's preopen
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

// witx errno names, indexed by value.
static const char* const kErrnoNames[] = {
    "SUCCESS", "2BIG", "ACCES", "ADDRINUSE", "ADDRNOTAVAIL", "AFNOSUPPORT", "AGAIN", "ALREADY", "BADF", "BADMSG", "BUSY", "CANCELED", "CHILD", "CONNABORTED", "CONNREFUSED", "CONNRESET", "DEADLK", "DESTADDRREQ", "DOM", "DQUOT", "EXIST", "FAULT", "FBIG", "HOSTUNREACH", "IDRM", "ILSEQ", "INPROGRESS", "INTR", "INVAL", "IO", "ISCONN", "ISDIR", "LOOP", "MFILE", "MLINK", "MSGSIZE", "MULTIHOP", "NAMETOOLONG", "NETDOWN", "NETRESET", "NETUNREACH", "NFILE", "NOBUFS", "NODEV", "NOENT", "NOEXEC", "NOLCK", "NOLINK", "NOMEM", "NOMSG", "NOPROTOOPT", "NOSPC", "NOSYS", "NOTCONN", "NOTDIR", "NOTEMPTY", "NOTRECOVERABLE", "NOTSOCK", "NOTSUP", "NOTTY", "NXIO", "OVERFLOW", "OWNERDEAD", "PERM", "PIPE", "PROTO", "PROTONOSUPPORT", "PROTOTYPE", "RANGE", "ROFS", "SPIPE", "SRCH", "STALE", "TIMEDOUT", "TXTBSY", "XDEV", "NOTCAPABLE", 
};

// "<number> <NAME>", e.g. "76 NOTCAPABLE". Rotates between buffers so
// several may appear in one printf.
static inline const char* en(__wasi_errno_t e) {
  static char bufs[8][32];
  static int next = 0;
  char* b = bufs[next];
  next = (next + 1) % 8;
  const char* name = e < sizeof(kErrnoNames) / sizeof(kErrnoNames[0])
                         ? kErrnoNames[e] : "?";
  snprintf(b, 32, "%u %s", (unsigned)e, name);
  return b;
}

// The string with non-printable bytes escaped as \xNN (rotating buffers).
static inline const char* esc(const char* s) {
  static char bufs[4][512];
  static int next = 0;
  char* b = bufs[next];
  next = (next + 1) % 4;
  size_t o = 0;
  for (; *s && o < sizeof(bufs[0]) - 5; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c < 0x7f && c != '\\')
      b[o++] = (char)c;
    else
      o += (size_t)snprintf(b + o, 5, "\\x%02x", c);
  }
  b[o] = 0;
  return b;
}

static inline const char* yn(int b) { return b ? "yes" : "no"; }

// Prints "label: <errno>".
static inline void check(const char* label, __wasi_errno_t e) {
  printf("%s: %s\n", label, en(e));
}

// path_open with only base rights; prints nothing.
static inline __wasi_errno_t open_at(__wasi_fd_t dir, __wasi_lookupflags_t lf,
                                     const char* path, __wasi_oflags_t of,
                                     __wasi_rights_t base,
                                     __wasi_fdflags_t fdflags,
                                     __wasi_fd_t* out) {
  return __wasi_path_open(dir, lf, path, of, base, 0, fdflags, out);
}

#define R_FILE_RW                                                   \
  (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE |                 \
   __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL |                  \
   __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | \
   __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | __WASI_RIGHTS_FD_ALLOCATE)
#define R_FILE_RO                                                   \
  (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK |                  \
   __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FILESTAT_GET)
// Everything a directory descriptor can use (for opening directories).
#define R_DIR                                                       \
  (__WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR |             \
   __WASI_RIGHTS_PATH_CREATE_FILE | __WASI_RIGHTS_PATH_CREATE_DIRECTORY | \
   __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_PATH_FILESTAT_SET_SIZE | \
   __WASI_RIGHTS_PATH_UNLINK_FILE | __WASI_RIGHTS_PATH_REMOVE_DIRECTORY | \
   __WASI_RIGHTS_PATH_SYMLINK | __WASI_RIGHTS_PATH_READLINK |       \
   __WASI_RIGHTS_FD_FILESTAT_GET)

// Opens a directory beneath dir, asking for every right except the three
// that make opening a directory ISDIR (FD_WRITE, FD_ALLOCATE,
// FD_FILESTAT_SET_SIZE); it gets what dir can hand down.
static inline __wasi_errno_t open_dir(__wasi_fd_t dir, const char* path,
                                      __wasi_fd_t* out) {
  const __wasi_rights_t no = __WASI_RIGHTS_FD_WRITE |
                             __WASI_RIGHTS_FD_ALLOCATE |
                             __WASI_RIGHTS_FD_FILESTAT_SET_SIZE;
  return __wasi_path_open(dir, FOLLOW, path, __WASI_OFLAGS_DIRECTORY,
                          ~(__wasi_rights_t)0 & ~no, ~(__wasi_rights_t)0, 0,
                          out);
}

// Reads the whole file at path (following symlinks) into buf (NUL
// terminated); returns the errno of the first failing call.
static inline __wasi_errno_t slurp(__wasi_fd_t dir, const char* path,
                                   char* buf, size_t cap, size_t* len) {
  __wasi_fd_t fd;
  __wasi_errno_t e = open_at(dir, FOLLOW, path, 0, __WASI_RIGHTS_FD_READ |
                             __WASI_RIGHTS_FD_SEEK, 0, &fd);
  if (e) return e;
  size_t total = 0;
  for (;;) {
    __wasi_iovec_t iov = {(uint8_t*)buf + total, cap - 1 - total};
    __wasi_size_t n = 0;
    e = __wasi_fd_read(fd, &iov, 1, &n);
    if (e || n == 0) break;
    total += n;
  }
  buf[total] = 0;
  if (len) *len = total;
  __wasi_errno_t ce = __wasi_fd_close(fd);
  return e ? e : ce;
}

// Writes a whole string with one fd_write.
static inline __wasi_errno_t put(__wasi_fd_t fd, const char* s,
                                 __wasi_size_t* n) {
  __wasi_ciovec_t iov = {(const uint8_t*)s, strlen(s)};
  __wasi_size_t dummy;
  return __wasi_fd_write(fd, &iov, 1, n ? n : &dummy);
}

// Creates (or truncates) a file with the given contents.
static inline __wasi_errno_t make_file(__wasi_fd_t dir, const char* path,
                                       const char* contents) {
  __wasi_fd_t fd;
  __wasi_errno_t e = open_at(dir, 0, path,
                             __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC,
                             __WASI_RIGHTS_FD_WRITE, 0, &fd);
  if (e) return e;
  e = put(fd, contents, NULL);
  __wasi_errno_t ce = __wasi_fd_close(fd);
  return e ? e : ce;
}

// Prints a byte string with non-printables escaped as \xNN.
static inline void print_bytes(const char* label, const uint8_t* p, size_t n) {
  printf("%s: \"", label);
  for (size_t i = 0; i < n; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
      putchar(p[i]);
    else
      printf("\\x%02x", p[i]);
  }
  printf("\" (%zu bytes)\n", n);
}

// path_open through the raw import, with an explicit path length, so a path
// may contain NUL bytes.
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("path_open")))
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path,
                      int32_t path_len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t retptr);

static inline __wasi_errno_t open_n(__wasi_fd_t dir, const char* path,
                                    size_t len, __wasi_fd_t* out) {
  return (__wasi_errno_t)raw_path_open(
      (int32_t)dir, FOLLOW, (int32_t)(uintptr_t)path, (int32_t)len, 0,
      (int64_t)__WASI_RIGHTS_FD_READ, 0, 0, (int32_t)(uintptr_t)out);
}

// path_filestat_get and path_symlink through the raw imports, with explicit
// lengths, for the same purpose.
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("path_filestat_get")))
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, int32_t path,
                              int32_t path_len, int32_t retptr);
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("path_symlink")))
int32_t raw_path_symlink(int32_t old_path, int32_t old_path_len, int32_t fd,
                         int32_t new_path, int32_t new_path_len);

static inline __wasi_errno_t stat_n(__wasi_fd_t dir, const char* path,
                                    size_t len, __wasi_filestat_t* out) {
  return (__wasi_errno_t)raw_path_filestat_get(
      (int32_t)dir, FOLLOW, (int32_t)(uintptr_t)path, (int32_t)len,
      (int32_t)(uintptr_t)out);
}

static inline __wasi_errno_t symlink_n(const char* target, size_t tlen,
                                       __wasi_fd_t dir, const char* path,
                                       size_t plen) {
  return (__wasi_errno_t)raw_path_symlink(
      (int32_t)(uintptr_t)target, (int32_t)tlen, (int32_t)dir,
      (int32_t)(uintptr_t)path, (int32_t)plen);
}

#endif  // VFS_TESTS_GUEST_GUEST_H_
