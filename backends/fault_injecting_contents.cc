#include "backends/fault_injecting_contents.h"

#include <utility>

namespace vfs {

absl::Status FaultPlan::Arm(FaultMode mode, uint64_t countdown, uint32_t method_mask,
                            Errno error) {
  if (mode == FaultMode::kCount || countdown == 0 || method_mask == 0 ||
      (method_mask & ~fault_method::kAll) != 0 || error == Errno::kSuccess) {
    return absl::InvalidArgumentError(
        "a fault needs a failing mode, a countdown >= 1, a non-empty known "
        "method mask and an error");
  }
  MutexLock lock(&mu_);
  mode_ = mode;
  mask_ = method_mask;
  countdown_ = countdown;
  failing_ = false;
  error_ = error;
  seen_ = 0;
  injected_ = 0;
  return absl::OkStatus();
}

void FaultPlan::Count(uint32_t method_mask) {
  MutexLock lock(&mu_);
  mode_ = FaultMode::kCount;
  mask_ = method_mask & fault_method::kAll;
  countdown_ = 0;
  failing_ = false;
  seen_ = 0;
  injected_ = 0;
}

void FaultPlan::Disarm() {
  MutexLock lock(&mu_);
  mask_ = 0;
  countdown_ = 0;
  failing_ = false;
}

uint64_t FaultPlan::calls_seen() const {
  MutexLock lock(&mu_);
  return seen_;
}

uint64_t FaultPlan::faults_injected() const {
  MutexLock lock(&mu_);
  return injected_;
}

Errno FaultPlan::OnCall(uint32_t method) {
  MutexLock lock(&mu_);
  if ((mask_ & method) == 0) return Errno::kSuccess;
  ++seen_;
  if (mode_ == FaultMode::kCount) return Errno::kSuccess;
  if (failing_) {
    ++injected_;
    return error_;
  }
  if (countdown_ == 0) return Errno::kSuccess;  // a transient fault already fired
  if (--countdown_ != 0) return Errno::kSuccess;
  failing_ = mode_ == FaultMode::kPersistent;
  ++injected_;
  return error_;
}

FaultInjectingContents::FaultInjectingContents(std::unique_ptr<FileContents> inner,
                                               std::shared_ptr<FaultPlan> plan)
    : ForwardingContents(std::move(inner)), plan_(std::move(plan)) {}

Result<size_t> FaultInjectingContents::Read(filesize_t offset,
                                            absl::Span<uint8_t> out) const {
  if (Errno e = plan_->OnCall(fault_method::kRead); e != Errno::kSuccess) return e;
  return ForwardingContents::Read(offset, out);
}

Result<size_t> FaultInjectingContents::Write(filesize_t offset,
                                             absl::Span<const uint8_t> data) {
  if (Errno e = plan_->OnCall(fault_method::kWrite); e != Errno::kSuccess) return e;
  return ForwardingContents::Write(offset, data);
}

Errno FaultInjectingContents::Resize(filesize_t size) {
  if (Errno e = plan_->OnCall(fault_method::kResize); e != Errno::kSuccess) return e;
  return ForwardingContents::Resize(size);
}

Errno FaultInjectingContents::Allocate(filesize_t offset, filesize_t len) {
  if (Errno e = plan_->OnCall(fault_method::kAllocate); e != Errno::kSuccess) return e;
  return ForwardingContents::Allocate(offset, len);
}

Errno FaultInjectingContents::Sync() {
  if (Errno e = plan_->OnCall(fault_method::kSync); e != Errno::kSuccess) return e;
  return ForwardingContents::Sync();
}

}  // namespace vfs
