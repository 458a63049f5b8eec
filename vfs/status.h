// The one bridge between the two error vocabularies: WASI Errno (the
// preview1-shaped surface) and absl::Status (host-side APIs: tree building,
// preopens, snapshots, the runner, the CLI).
//
// Never pass a WASI errno number to absl::ErrnoToStatus: that function expects
// POSIX numbers (WASI NOENT is 44, Linux ENOENT is 2).
#ifndef VFS_STATUS_H_
#define VFS_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "vfs/wasi_types.h"

namespace vfs {

// The absl code that best matches `e` (NOENT -> kNotFound, EXIST ->
// kAlreadyExists, NOTCAPABLE/PERM/ACCES -> kPermissionDenied, ...).
absl::StatusCode ErrnoToStatusCode(Errno e);

// OkStatus for kSuccess; otherwise a status whose message is
// "<context>: <errno name>" so it names the path or record at fault.
absl::Status ErrnoToStatus(Errno e, std::string_view context);

}  // namespace vfs

#endif  // VFS_STATUS_H_
