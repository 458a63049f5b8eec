// Ordinary libc file code (stdio, unistd, stat) over the preopen.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

int main(void) {
  FILE* f = fopen("notes.txt", "w");
  printf("fopen w: %s\n", yn(f != NULL));
  fprintf(f, "line %d\n", 1);
  fprintf(f, "line %d\n", 2);
  printf("fclose: %d\n", fclose(f));
  f = fopen("notes.txt", "a");
  fputs("line 3\n", f);
  fclose(f);
  f = fopen("notes.txt", "r");
  char line[64];
  while (fgets(line, sizeof(line), f)) printf("read: %s", line);
  fclose(f);

  struct stat st;
  int r = stat("notes.txt", &st);
  printf("stat: %d size %lld regular %s\n", r, (long long)st.st_size,
         yn(S_ISREG(st.st_mode)));
  printf("rename: %d\n", rename("notes.txt", "sub/notes2.txt"));
  errno = 0;
  r = stat("notes.txt", &st);
  printf("stat old: %d errno ENOENT: %s\n", r, yn(errno == ENOENT));
  printf("mkdir: %d\n", mkdir("made", 0755));
  errno = 0;
  r = mkdir("made", 0755);
  printf("mkdir again: %d errno EEXIST: %s\n", r, yn(errno == EEXIST));
  printf("symlink: %d\n", symlink("../hello.txt", "made/link"));
  char target[64];
  ssize_t n = readlink("made/link", target, sizeof(target) - 1);
  target[n > 0 ? n : 0] = 0;
  printf("readlink: %zd \"%s\"\n", n, target);
  f = fopen("made/link", "r");
  printf("read through link: %s", f && fgets(line, sizeof(line), f) ? line : "(failed)\n");
  if (f) fclose(f);
  printf("unlink: %d\n", unlink("made/link"));
  errno = 0;
  r = rmdir("sub");
  printf("rmdir sub: %d errno ENOTEMPTY: %s\n", r, yn(errno == ENOTEMPTY));
  printf("rmdir made: %d\n", rmdir("made"));
  errno = 0;
  r = open("hello.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
  printf("open O_CREAT|O_EXCL existing: %d errno EEXIST: %s\n", r,
         yn(errno == EEXIST));
  errno = 0;
  r = open("missing.txt", O_RDONLY);
  printf("open missing: %d errno ENOENT: %s\n", r, yn(errno == ENOENT));

  // lseek/read/write through unistd.
  int fd = open("data.txt", O_RDWR);
  printf("lseek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
  printf("write: %zd\n", write(fd, "AB", 2));
  printf("lseek set 8: %lld\n", (long long)lseek(fd, 8, SEEK_SET));
  char b[8] = {0};
  ssize_t got = read(fd, b, sizeof(b) - 1);
  printf("read: %zd \"%s\"\n", got, b);
  close(fd);

  // getcwd and chdir within the preopen.
  char cwd[64];
  printf("getcwd: %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "(null)");
  printf("chdir sub: %d\n", chdir("sub"));
  printf("getcwd: %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "(null)");
  f = fopen("inner.txt", "r");
  printf("relative read: %s", f && fgets(line, sizeof(line), f) ? line : "(failed)\n");
  if (f) fclose(f);
  f = fopen("../hello.txt", "r");
  printf("../hello.txt: %s", f && fgets(line, sizeof(line), f) ? line : "(failed)\n");
  if (f) fclose(f);
  return 0;
}
