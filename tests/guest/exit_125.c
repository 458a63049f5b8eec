// proc_exit(125), the largest status that is passed through as is.
#include <stdlib.h>

#include "guest.h"

int main(void) {
  printf("exiting with 125\n");
  exit(125);
}
