#include "vfs/clock.h"

#include <ctime>

namespace vfs {

timestamp_t RealClock::Now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<timestamp_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<timestamp_t>(ts.tv_nsec);
}

}  // namespace vfs
