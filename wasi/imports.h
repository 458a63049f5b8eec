// The wasi_snapshot_preview1 import table: the 46 functions with their core
// wasm signatures, as lowered from wasi_snapshot_preview1.witx (pointers,
// sizes, handles and small enums/flags are i32; 64-bit values are i64;
// every function returns an i32 errno except proc_exit, which returns
// nothing). Engines check a module's imports against this table before
// binding anything.
#ifndef WASI_IMPORTS_H_
#define WASI_IMPORTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vfs::wasi {

inline constexpr std::string_view kModuleName = "wasi_snapshot_preview1";

enum class ValType : uint8_t { kI32, kI64 };

enum class Import : uint8_t {
  kArgsGet, kArgsSizesGet, kEnvironGet, kEnvironSizesGet, kClockResGet,
  kClockTimeGet, kFdAdvise, kFdAllocate, kFdClose, kFdDatasync, kFdFdstatGet,
  kFdFdstatSetFlags, kFdFdstatSetRights, kFdFilestatGet, kFdFilestatSetSize,
  kFdFilestatSetTimes, kFdPread, kFdPrestatGet, kFdPrestatDirName, kFdPwrite,
  kFdRead, kFdReaddir, kFdRenumber, kFdSeek, kFdSync, kFdTell, kFdWrite,
  kPathCreateDirectory, kPathFilestatGet, kPathFilestatSetTimes, kPathLink,
  kPathOpen, kPathReadlink, kPathRemoveDirectory, kPathRename, kPathSymlink,
  kPathUnlinkFile, kPollOneoff, kProcExit, kProcRaise, kSchedYield,
  kRandomGet, kSockAccept, kSockRecv, kSockSend, kSockShutdown,
};
inline constexpr size_t kImportCount = 46;

struct ImportSignature {
  Import id;
  std::string_view name;
  std::vector<ValType> params;
  bool returns_errno;  // false only for proc_exit
};

// All 46, in witx order.
const std::vector<ImportSignature>& ImportTable();
// The signature named `name`, or null.
const ImportSignature* FindImport(std::string_view name);
// "(i32, i64) -> i32", for error messages.
std::string FormatSignature(const std::vector<ValType>& params, bool has_result);

}  // namespace vfs::wasi

#endif  // WASI_IMPORTS_H_
