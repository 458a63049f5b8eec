// exit(7): the runner's exit status is the guest's exit code, and what was
// printed before is flushed.
#include <stdlib.h>

#include "guest.h"

int main(void) {
  printf("before exit\n");
  exit(7);
  printf("after exit (never printed)\n");
  return 0;
}
