// argv and environ: exactly what the runner was given, nothing from the host.
#include <stdlib.h>

#include "guest.h"

extern char** environ;

int main(int argc, char** argv) {
  printf("argc: %d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]: \"%s\"\n", i, esc(argv[i]));
  int count = 0;
  for (char** e = environ; *e; e++, count++)
    printf("environ[%d]: \"%s\"\n", count, esc(*e));
  printf("environ count: %d\n", count);
  const char* v = getenv("GREETING");
  printf("getenv GREETING: %s\n", v ? v : "(null)");
  v = getenv("EMPTY");
  printf("getenv EMPTY: %s\n", v ? (*v ? v : "(empty)") : "(null)");
  printf("getenv PATH: %s\n", getenv("PATH") ? "set" : "(null)");
  printf("getenv HOME: %s\n", getenv("HOME") ? "set" : "(null)");

  // The raw sizes agree with what libc built.
  __wasi_size_t n = 0, bytes = 0;
  check("args_sizes_get", __wasi_args_sizes_get(&n, &bytes));
  size_t want = 0;
  for (int i = 0; i < argc; i++) want += strlen(argv[i]) + 1;
  printf("args: count %u matches: %s, bytes match: %s\n", (unsigned)n,
         yn((int)n == argc), yn(bytes == want));
  check("environ_sizes_get", __wasi_environ_sizes_get(&n, &bytes));
  want = 0;
  for (char** e = environ; *e; e++) want += strlen(*e) + 1;
  printf("environ: count %u matches: %s, bytes match: %s\n", (unsigned)n,
         yn((int)n == count), yn(bytes == want));
  return 0;
}
