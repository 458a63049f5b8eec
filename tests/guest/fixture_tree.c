// The fixture tree arrives intact: names, kinds, sizes and exact bytes, and
// the preopen is named "/".
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "guest.h"

static int cmp(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

// Prints the sorted entries of a directory (libc readdir), with kinds.
static void ls(const char* path) {
  DIR* d = opendir(path);
  if (!d) {
    printf("opendir %s failed\n", path);
    return;
  }
  char* names[32];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) && n < 32) {
    char* s = malloc(strlen(e->d_name) + 4);
    sprintf(s, "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : "");
    names[n++] = s;
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), cmp);
  printf("%s:", path);
  for (int i = 0; i < n; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

static void show(const char* path) {
  uint8_t buf[64];
  FILE* f = fopen(path, "rb");
  if (!f) {
    printf("fopen %s failed\n", path);
    return;
  }
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  print_bytes(path, buf, n);
}

int main(void) {
  __wasi_prestat_t p;
  check("prestat 3", __wasi_fd_prestat_get(3, &p));
  char name[16] = {0};
  check("prestat_dir_name 3",
        __wasi_fd_prestat_dir_name(3, (uint8_t*)name, p.u.dir.pr_name_len));
  printf("preopen name: \"%s\" (%u bytes)\n", name,
         (unsigned)p.u.dir.pr_name_len);
  check("prestat 4", __wasi_fd_prestat_get(4, &p));
  __wasi_fdstat_t fs;
  check("fdstat 3", __wasi_fd_fdstat_get(3, &fs));
  printf("fd 3 filetype %u\n", fs.fs_filetype);

  ls(".");
  ls("sub");
  ls("sub/deep");
  ls("/");
  show("hello.txt");
  show("data.txt");
  show("bytes.bin");
  show("sub/inner.txt");
  show("sub/deep/leaf.txt");
  show("/sub/deep/leaf.txt");
  struct stat st;
  int r = stat("bytes.bin", &st);
  printf("stat bytes.bin: %d size %lld\n", r, (long long)st.st_size);
  printf("stat sub is a directory: %s\n",
         yn(stat("sub", &st) == 0 && S_ISDIR(st.st_mode)));
  return 0;
}
