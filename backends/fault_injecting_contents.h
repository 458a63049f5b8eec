// FaultInjectingContents: a decorator that makes chosen calls of the
// FileContents it wraps fail, the way SQLite's test_faultinject does, so
// that tests can drive every backend error path of the core
// (reliability.md, F6).
//
// What to fail is a FaultPlan, held through a shared_ptr: the test keeps one
// reference and changes the plan or reads its counters while the decorated
// file lives inside a Filesystem, and one plan may drive many files. The
// usual procedure:
//   1. plan->Count(mask); run the script; N = plan->calls_seen() is the
//      number of injection points of the script.
//   2. For n = 1..N and each mode: plan->Arm(mode, n, mask, Errno::kIo);
//      run the script again; check it fails cleanly (plan->faults_injected()
//      says whether the fault fired).
//
// A failed call never reaches the inner contents, so it changes nothing:
// the decorator keeps FileContents' "a failed call changes nothing" promise
// whatever the inner backend does.
//
// Not injectable: Size(), capabilities() and backend_name() (they cannot
// fail) and Clone() (the interface has no way to report a failure). Clone()
// clones the inner contents WITHOUT the decoration (ForwardingContents'
// rule): a forked Filesystem gets plain files, and a plan never fires in a
// fork the test did not mean to break. A snapshot saves the inner contents.
#ifndef BACKENDS_FAULT_INJECTING_CONTENTS_H_
#define BACKENDS_FAULT_INJECTING_CONTENTS_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "backends/forwarding_contents.h"
#include "vfs/mutex.h"

namespace vfs {

// Bits of a FaultPlan's method mask, one per injectable method.
namespace fault_method {
inline constexpr uint32_t kRead = 1u << 0;
inline constexpr uint32_t kWrite = 1u << 1;
inline constexpr uint32_t kResize = 1u << 2;
inline constexpr uint32_t kAllocate = 1u << 3;
inline constexpr uint32_t kSync = 1u << 4;
// The methods that change the contents.
inline constexpr uint32_t kMutating = kWrite | kResize | kAllocate;
inline constexpr uint32_t kAll = kRead | kMutating | kSync;
}  // namespace fault_method

enum class FaultMode {
  kCount,       // count matching calls, fail none
  kTransient,   // fail the chosen call only; later calls succeed again
  kPersistent,  // fail the chosen call and every later matching call
};

// Thread-safe: every method takes the plan's own lock, so a test may read
// counters or re-arm while another thread runs calls through the files.
class FaultPlan {
 public:
  // A new plan is disarmed: it matches no method and counts nothing.
  FaultPlan() = default;
  FaultPlan(const FaultPlan&) = delete;
  FaultPlan& operator=(const FaultPlan&) = delete;

  // From now on, the `countdown`-th call (1 = the next one) of a method in
  // `method_mask`, across every file using this plan, fails with `error`
  // (kTransient: that call only; kPersistent: that call and every later
  // matching one). Resets both counters. InvalidArgument, leaving the plan
  // unchanged, if `mode` is kCount (use Count), `countdown` is 0,
  // `method_mask` is empty or has bits outside fault_method::kAll, or
  // `error` is kSuccess.
  absl::Status Arm(FaultMode mode, uint64_t countdown, uint32_t method_mask, Errno error);
  // Counting mode: counts calls of the methods in `method_mask`
  // (calls_seen) and fails none. Resets both counters. Bits outside
  // fault_method::kAll are ignored.
  void Count(uint32_t method_mask);
  // Matches nothing from now on; the counters keep their values.
  void Disarm();

  // Matching calls seen since the last Arm or Count, including failed ones.
  uint64_t calls_seen() const;
  // Calls failed since the last Arm or Count.
  uint64_t faults_injected() const;

  // The decorator's hook, called once per call of the method whose bit is
  // `method`: counts it if it matches and returns the errno to fail it
  // with, or kSuccess to let it through.
  Errno OnCall(uint32_t method);

 private:
  mutable Mutex mu_;
  FaultMode mode_ ABSL_GUARDED_BY(mu_) = FaultMode::kCount;
  uint32_t mask_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t countdown_ ABSL_GUARDED_BY(mu_) = 0;  // 0: already fired or unarmed
  bool failing_ ABSL_GUARDED_BY(mu_) = false;    // a persistent fault has fired
  Errno error_ ABSL_GUARDED_BY(mu_) = Errno::kIo;
  uint64_t seen_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t injected_ ABSL_GUARDED_BY(mu_) = 0;
};

class FaultInjectingContents final : public ForwardingContents {
 public:
  // `inner` and `plan` must not be null; the plan is shared with the caller.
  FaultInjectingContents(std::unique_ptr<FileContents> inner, std::shared_ptr<FaultPlan> plan);

  // Each returns the plan's errno without calling the inner method when the
  // plan fails the call, and the inner method's result otherwise.
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override;
  Result<size_t> Write(filesize_t offset, absl::Span<const uint8_t> data) override;
  Errno Resize(filesize_t size) override;
  Errno Allocate(filesize_t offset, filesize_t len) override;
  Errno Sync() override;

  const std::shared_ptr<FaultPlan>& plan() const { return plan_; }

 private:
  std::shared_ptr<FaultPlan> plan_;
};

}  // namespace vfs

#endif  // BACKENDS_FAULT_INJECTING_CONTENTS_H_
