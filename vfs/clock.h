// Clock: where every timestamp in a Filesystem comes from. The real clock is
// the default; DeterministicClock makes a sequence of calls produce the same
// timestamps (and so the same snapshots) on every run.
#ifndef VFS_CLOCK_H_
#define VFS_CLOCK_H_

#include <cstdint>

#include "vfs/wasi_types.h"

namespace vfs {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch. Called with the Filesystem lock held;
  // it must not call back into the Filesystem.
  virtual timestamp_t Now() = 0;
};

// CLOCK_REALTIME.
class RealClock final : public Clock {
 public:
  timestamp_t Now() override;
};

// Starts at `start` and advances by `step` nanoseconds on every Now(), so
// every event gets a distinct, reproducible time.
class DeterministicClock final : public Clock {
 public:
  explicit DeterministicClock(timestamp_t start = 1'700'000'000'000'000'000ull,
                              timestamp_t step = 1'000)
      : next_(start), step_(step) {}
  timestamp_t Now() override {
    timestamp_t now = next_;
    next_ += step_;
    return now;
  }
  timestamp_t peek() const { return next_; }
  timestamp_t step() const { return step_; }
  // Moves time forward without a reading (a deterministic sleep).
  void Advance(timestamp_t ns) { next_ += ns; }

 private:
  timestamp_t next_;
  timestamp_t step_;
};

}  // namespace vfs

#endif  // VFS_CLOCK_H_
