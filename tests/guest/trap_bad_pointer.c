// A pointer outside linear memory makes the call trap (exit status 134);
// nothing after it runs.
#include "guest.h"

__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write")))
int32_t raw_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nwritten);

int main(void) {
  printf("before the bad pointer\n");
  fflush(stdout);
  int32_t r = raw_fd_write(1, (int32_t)0xfffffff0, 1, 16);
  printf("after the bad pointer: %d (never printed)\n", r);
  fflush(stdout);
  return 0;
}
