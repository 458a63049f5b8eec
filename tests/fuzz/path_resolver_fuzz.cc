// libFuzzer driver for path_resolver_target.cc (built only with -DVFS_FUZZ=ON).
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return vfs::fuzz::FuzzPathResolver(data, size);
}
