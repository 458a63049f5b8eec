// The demo guest: an ordinary C program for wasm32-wasip1 (wasi-libc). It
// lists the tree it was given, reads a file, writes a new one, appends to
// another, and renames a third. `vfs run --changes` then shows what it did
// to the in-memory tree; the host fixture is never modified.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void list(const char* dir, int depth) {
  DIR* d = opendir(dir);
  if (!d) { printf("opendir %s: %s\n", dir, strerror(errno)); return; }
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name);
    struct stat st;
    lstat(path, &st);
    printf("%*s%s%s", depth * 2, "", e->d_name, S_ISDIR(st.st_mode) ? "/\n" : "");
    if (S_ISDIR(st.st_mode)) list(path, depth + 1);
    else printf(" (%lld bytes)\n", (long long)st.st_size);
  }
  closedir(d);
}

int main(void) {
  printf("== the tree this guest was given\n");
  list("/", 0);

  printf("== reading /data/numbers.txt\n");
  FILE* in = fopen("/data/numbers.txt", "r");
  if (!in) { perror("fopen"); return 1; }
  long sum = 0, count = 0, n;
  while (fscanf(in, "%ld", &n) == 1) { sum += n; count++; }
  fclose(in);
  printf("%ld numbers, sum %ld\n", count, sum);

  printf("== writing /data/summary.txt\n");
  FILE* out = fopen("/data/summary.txt", "w");
  fprintf(out, "count=%ld sum=%ld\n", count, sum);
  fclose(out);

  printf("== appending to /notes/todo.txt\n");
  int fd = open("/notes/todo.txt", O_WRONLY | O_APPEND);
  const char* line = "check the demo output\n";
  write(fd, line, strlen(line));
  close(fd);

  printf("== renaming /notes/old-draft.txt to /notes/archive/draft.txt\n");
  mkdir("/notes/archive", 0755);
  if (rename("/notes/old-draft.txt", "/notes/archive/draft.txt") != 0) perror("rename");

  printf("== trying to leave the sandbox\n");
  errno = 0;
  int escaped = open("/../etc/passwd", O_RDONLY);
  printf("open(\"/../etc/passwd\") = %d (%s)\n", escaped, strerror(errno));

  printf("== the tree afterwards\n");
  list("/", 0);
  return 0;
}
