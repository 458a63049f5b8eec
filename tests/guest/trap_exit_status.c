// proc_exit with a status of 126 or more traps (as wasmtime): exit status 134.
#include <stdlib.h>

#include "guest.h"

int main(void) {
  printf("exiting with 200\n");
  fflush(stdout);
  exit(200);
}
