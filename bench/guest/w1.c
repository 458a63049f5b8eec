// W1 (bench/workloads.md, "small files") as an ordinary wasm32-wasip1 guest:
// every operation goes through wasi-libc (mkdir, open/write/close,
// open/read/close, stat, opendir/readdir/closedir, unlink, rmdir), so the
// figures include the guest's libc and the runtime's preview1 layer.
//
//   w1.wasm [ROOT [DIRS [FILES]]]
//
// ROOT (default ".") is a directory the guest can reach, normally a preopen
// such as "/bench"; the guest chdir()s into it and uses relative paths dNN/fNN.
// DIRS and FILES (default 100 and 100, each 1..100) scale the workload down;
// full W1 is 100 x 100 = 10,000 files of 4096 bytes. Prints one line per phase,
// `w1.<phase>_ops <ops/s>`, then `w1.scale`, `w1.total_s` (the five phases),
// `w1.setup_s` (untimed setup) and `w1.end_s` (main() to the last line).
// Exit status 1 on any failed check.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { kFileSize = 4096, kMaxNames = 100 };

static unsigned char g_data[kFileSize];
static unsigned char g_buf[kFileSize];
static char g_dir[kMaxNames][4];           // "dNN"
static char g_file[kMaxNames][kMaxNames][8];  // "dNN/fNN"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fail(const char* what, const char* path) {
  fprintf(stderr, "w1: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static int parse_count(const char* s, const char* what) {
  char* end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 1 || v > kMaxNames) {
    fprintf(stderr, "w1: %s must be 1..%d, got '%s'\n", what, kMaxNames, s);
    exit(2);
  }
  return (int)v;
}

int main(int argc, char** argv) {
  const char* root = argc > 1 ? argv[1] : ".";
  int dirs = argc > 2 ? parse_count(argv[2], "DIRS") : kMaxNames;
  int files = argc > 3 ? parse_count(argv[3], "FILES") : kMaxNames;
  long total = (long)dirs * files;

  double t_start = now();
  if (chdir(root) != 0) fail("chdir", root);

  // Untimed setup: data byte i % 251, and the path strings.
  for (int i = 0; i < kFileSize; i++) g_data[i] = (unsigned char)(i % 251);
  for (int d = 0; d < dirs; d++) {
    snprintf(g_dir[d], sizeof g_dir[d], "d%02d", d);
    for (int f = 0; f < files; f++)
      snprintf(g_file[d][f], sizeof g_file[d][f], "d%02d/f%02d", d, f);
  }

  double t_all = now(), t0, t1;
  double setup_s = t_all - t_start;

  // 1. create: mkdir dNN, then create+truncate+write-only, one 4096-byte write.
  t0 = now();
  for (int d = 0; d < dirs; d++) {
    if (mkdir(g_dir[d], 0755) != 0) fail("mkdir", g_dir[d]);
    for (int f = 0; f < files; f++) {
      const char* p = g_file[d][f];
      int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0644);
      if (fd < 0) fail("open(create)", p);
      if (write(fd, g_data, kFileSize) != kFileSize) fail("write", p);
      if (close(fd) != 0) fail("close", p);
    }
  }
  t1 = now();
  double create_s = t1 - t0;

  // 2. reopen+read: read-only, one 4096-byte read, close.
  unsigned long check = 0;
  t0 = now();
  for (int d = 0; d < dirs; d++) {
    for (int f = 0; f < files; f++) {
      const char* p = g_file[d][f];
      int fd = open(p, O_RDONLY);
      if (fd < 0) fail("open(read)", p);
      if (read(fd, g_buf, kFileSize) != kFileSize) fail("read", p);
      check += g_buf[(d * files + f) % kFileSize];
      if (close(fd) != 0) fail("close", p);
    }
  }
  t1 = now();
  double read_s = t1 - t0;
  // Content check (outside the timing): the last buffer equals the data, and
  // the sampled bytes sum as expected.
  if (memcmp(g_buf, g_data, kFileSize) != 0) {
    fprintf(stderr, "w1: read: content mismatch\n");
    return 1;
  }
  unsigned long want = 0;
  for (long i = 0; i < total; i++) want += g_data[i % kFileSize];
  if (check != want) {
    fprintf(stderr, "w1: read: sampled bytes sum %lu, expected %lu\n", check, want);
    return 1;
  }

  // 3. stat by path (follow links); size must be 4096.
  t0 = now();
  for (int d = 0; d < dirs; d++) {
    for (int f = 0; f < files; f++) {
      struct stat st;
      const char* p = g_file[d][f];
      if (stat(p, &st) != 0) fail("stat", p);
      if (st.st_size != kFileSize) {
        fprintf(stderr, "w1: stat %s: size %lld\n", p, (long long)st.st_size);
        return 1;
      }
    }
  }
  t1 = now();
  double stat_s = t1 - t0;

  // 4. readdir: open each directory, read to the end, close; count entries
  // other than . and ..
  long entries = 0;
  t0 = now();
  for (int d = 0; d < dirs; d++) {
    DIR* dp = opendir(g_dir[d]);
    if (!dp) fail("opendir", g_dir[d]);
    struct dirent* e;
    errno = 0;
    while ((e = readdir(dp)) != NULL) {
      const char* n = e->d_name;
      if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'))) continue;
      entries++;
    }
    if (errno != 0) fail("readdir", g_dir[d]);
    if (closedir(dp) != 0) fail("closedir", g_dir[d]);
  }
  t1 = now();
  double readdir_s = t1 - t0;
  if (entries != total) {
    fprintf(stderr, "w1: readdir: %ld entries, expected %ld\n", entries, total);
    return 1;
  }

  // 5. unlink every file (same order), then rmdir every directory.
  t0 = now();
  for (int d = 0; d < dirs; d++)
    for (int f = 0; f < files; f++)
      if (unlink(g_file[d][f]) != 0) fail("unlink", g_file[d][f]);
  for (int d = 0; d < dirs; d++)
    if (rmdir(g_dir[d]) != 0) fail("rmdir", g_dir[d]);
  t1 = now();
  double unlink_s = t1 - t0;
  double total_s = t1 - t_all;

  // The root must be empty again.
  DIR* dp = opendir(".");
  if (!dp) fail("opendir", ".");
  struct dirent* e;
  while ((e = readdir(dp)) != NULL) {
    const char* n = e->d_name;
    if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'))) continue;
    fprintf(stderr, "w1: left behind: %s\n", n);
    return 1;
  }
  closedir(dp);

  printf("w1.create_ops %.1f\n", (double)total / create_s);
  printf("w1.read_ops %.1f\n", (double)total / read_s);
  printf("w1.stat_ops %.1f\n", (double)total / stat_s);
  printf("w1.readdir_ops %.1f\n", (double)entries / readdir_s);
  printf("w1.unlink_ops %.1f\n", (double)total / unlink_s);
  printf("w1.scale %dx%d\n", dirs, files);
  printf("w1.total_s %.4f\n", total_s);
  printf("w1.setup_s %.4f\n", setup_s);  // untimed: data fill, path strings
  printf("w1.end_s %.4f\n", now() - t_start);  // from main() to here
  return 0;
}
