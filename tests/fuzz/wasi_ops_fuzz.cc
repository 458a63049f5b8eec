// libFuzzer driver for wasi_ops_target.cc (built only with -DVFS_FUZZ=ON).
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return vfs::fuzz::FuzzWasiOps(data, size);
}
