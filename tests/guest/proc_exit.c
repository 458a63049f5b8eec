// proc_exit called directly, skipping libc's exit path: status 42.
#include "guest.h"

int main(void) {
  printf("before proc_exit\n");
  fflush(stdout);
  __wasi_proc_exit(42);
}
