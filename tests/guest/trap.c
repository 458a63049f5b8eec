// A trap (unreachable): the runner reports it on stderr and exits 134.
#include "guest.h"

int main(void) {
  printf("before trap\n");
  fflush(stdout);
  printf("buffered, lost with the trap\n");
  __builtin_trap();
  return 0;
}
