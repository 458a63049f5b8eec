// Returning 3 from main: exit status 3.
#include "guest.h"

int main(void) {
  printf("returning 3\n");
  return 3;
}
