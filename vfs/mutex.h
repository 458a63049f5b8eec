// Mutex: std::mutex with abseil's thread-safety annotations, so that clang's
// -Wthread-safety checks every access to state marked VFS_GUARDED_BY. We wrap
// std::mutex rather than use absl::Mutex because Debian's prebuilt abseil is
// not TSan-instrumented, and a TSan build must see every lock.
#ifndef VFS_MUTEX_H_
#define VFS_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace vfs {

class ABSL_LOCKABLE Mutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  // Tells the analysis the caller holds the lock (used where the lock is
  // held by contract but the analysis cannot see it, e.g. across objects).
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}
  // Sleeps on `cv` until notified or `deadline`, releasing the lock (which
  // the caller holds) while asleep and holding it again on return. False on
  // timeout. Spurious wake-ups return true: callers re-check their state.
  bool WaitUntil(std::condition_variable& cv,
                 std::chrono::steady_clock::time_point deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    std::unique_lock<std::mutex> held(mu_, std::adopt_lock);
    const bool woke = cv.wait_until(held, deadline) == std::cv_status::no_timeout;
    held.release();  // still locked: the caller's MutexLock unlocks it
    return woke;
  }

 private:
  std::mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

}  // namespace vfs

#endif  // VFS_MUTEX_H_
