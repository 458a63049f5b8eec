// Result<T>: a value or a WASI Errno, for the WASI-shaped surface (Context,
// PathResolver, FileContents). It never allocates beyond T itself and never
// throws. Host-side APIs use absl::Status instead (see vfs/status.h).
#ifndef VFS_RESULT_H_
#define VFS_RESULT_H_

#include <cassert>
#include <optional>
#include <utility>

#include "vfs/wasi_types.h"

namespace vfs {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose: `return value;` and `return Errno::kNoent;` both read
  // naturally in code that returns Result<T>.
  Result(T value) : value_(std::move(value)) {}  // NOLINT
  Result(Errno error) : error_(error) {          // NOLINT
    assert(error != Errno::kSuccess);
  }

  bool ok() const { return error_ == Errno::kSuccess; }
  Errno error() const { return error_; }

  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Errno error_ = Errno::kSuccess;
};

// Propagates an error from an Errno-returning expression.
#define VFS_RETURN_IF_ERROR(expr)                       \
  do {                                                  \
    ::vfs::Errno vfs_err_ = (expr);                     \
    if (vfs_err_ != ::vfs::Errno::kSuccess) return vfs_err_; \
  } while (0)

#define VFS_CONCAT_INNER_(a, b) a##b
#define VFS_CONCAT_(a, b) VFS_CONCAT_INNER_(a, b)
// `VFS_ASSIGN_OR_RETURN(auto x, ResultExpr());` binds the value or returns
// the error.
#define VFS_ASSIGN_OR_RETURN(lhs, expr) \
  VFS_ASSIGN_OR_RETURN_IMPL_(VFS_CONCAT_(vfs_res_, __LINE__), lhs, expr)
#define VFS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  lhs = std::move(tmp).value()

}  // namespace vfs

#endif  // VFS_RESULT_H_
