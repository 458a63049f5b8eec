#include "wasi/imports.h"

namespace vfs::wasi {

const std::vector<ImportSignature>& ImportTable() {
  constexpr ValType I = ValType::kI32;
  constexpr ValType L = ValType::kI64;
  static const std::vector<ImportSignature>* table = new std::vector<ImportSignature>{
      {Import::kArgsGet, "args_get", {I, I}, true},
      {Import::kArgsSizesGet, "args_sizes_get", {I, I}, true},
      {Import::kEnvironGet, "environ_get", {I, I}, true},
      {Import::kEnvironSizesGet, "environ_sizes_get", {I, I}, true},
      {Import::kClockResGet, "clock_res_get", {I, I}, true},
      {Import::kClockTimeGet, "clock_time_get", {I, L, I}, true},
      {Import::kFdAdvise, "fd_advise", {I, L, L, I}, true},
      {Import::kFdAllocate, "fd_allocate", {I, L, L}, true},
      {Import::kFdClose, "fd_close", {I}, true},
      {Import::kFdDatasync, "fd_datasync", {I}, true},
      {Import::kFdFdstatGet, "fd_fdstat_get", {I, I}, true},
      {Import::kFdFdstatSetFlags, "fd_fdstat_set_flags", {I, I}, true},
      {Import::kFdFdstatSetRights, "fd_fdstat_set_rights", {I, L, L}, true},
      {Import::kFdFilestatGet, "fd_filestat_get", {I, I}, true},
      {Import::kFdFilestatSetSize, "fd_filestat_set_size", {I, L}, true},
      {Import::kFdFilestatSetTimes, "fd_filestat_set_times", {I, L, L, I}, true},
      {Import::kFdPread, "fd_pread", {I, I, I, L, I}, true},
      {Import::kFdPrestatGet, "fd_prestat_get", {I, I}, true},
      {Import::kFdPrestatDirName, "fd_prestat_dir_name", {I, I, I}, true},
      {Import::kFdPwrite, "fd_pwrite", {I, I, I, L, I}, true},
      {Import::kFdRead, "fd_read", {I, I, I, I}, true},
      {Import::kFdReaddir, "fd_readdir", {I, I, I, L, I}, true},
      {Import::kFdRenumber, "fd_renumber", {I, I}, true},
      {Import::kFdSeek, "fd_seek", {I, L, I, I}, true},
      {Import::kFdSync, "fd_sync", {I}, true},
      {Import::kFdTell, "fd_tell", {I, I}, true},
      {Import::kFdWrite, "fd_write", {I, I, I, I}, true},
      {Import::kPathCreateDirectory, "path_create_directory", {I, I, I}, true},
      {Import::kPathFilestatGet, "path_filestat_get", {I, I, I, I, I}, true},
      {Import::kPathFilestatSetTimes, "path_filestat_set_times", {I, I, I, I, L, L, I}, true},
      {Import::kPathLink, "path_link", {I, I, I, I, I, I, I}, true},
      {Import::kPathOpen, "path_open", {I, I, I, I, I, L, L, I, I}, true},
      {Import::kPathReadlink, "path_readlink", {I, I, I, I, I, I}, true},
      {Import::kPathRemoveDirectory, "path_remove_directory", {I, I, I}, true},
      {Import::kPathRename, "path_rename", {I, I, I, I, I, I}, true},
      {Import::kPathSymlink, "path_symlink", {I, I, I, I, I}, true},
      {Import::kPathUnlinkFile, "path_unlink_file", {I, I, I}, true},
      {Import::kPollOneoff, "poll_oneoff", {I, I, I, I}, true},
      {Import::kProcExit, "proc_exit", {I}, false},
      {Import::kProcRaise, "proc_raise", {I}, true},
      {Import::kSchedYield, "sched_yield", {}, true},
      {Import::kRandomGet, "random_get", {I, I}, true},
      {Import::kSockAccept, "sock_accept", {I, I, I}, true},
      {Import::kSockRecv, "sock_recv", {I, I, I, I, I, I}, true},
      {Import::kSockSend, "sock_send", {I, I, I, I, I}, true},
      {Import::kSockShutdown, "sock_shutdown", {I, I}, true},
  };
  return *table;
}

const ImportSignature* FindImport(std::string_view name) {
  for (const ImportSignature& s : ImportTable()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string FormatSignature(const std::vector<ValType>& params, bool has_result) {
  std::string out = "(";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out += ", ";
    out += params[i] == ValType::kI32 ? "i32" : "i64";
  }
  out += has_result ? ") -> i32" : ") -> ()";
  return out;
}

}  // namespace vfs::wasi
