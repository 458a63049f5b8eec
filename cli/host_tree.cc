#include "cli/host_tree.h"

namespace vfs::cli {

std::optional<HostDirMode> ParseHostDirMode(std::string_view name) {
  if (name == "copy") return HostDirMode::kCopy;
  if (name == "cow") return HostDirMode::kCopyOnWrite;
  if (name == "write-through") return HostDirMode::kWriteThrough;
  return std::nullopt;
}

absl::Status AddHostTree(const std::string& host_dir, Filesystem& fs,
                         std::string_view dest, HostDirMode mode) {
  switch (mode) {
    case HostDirMode::kCopy:
      return CopyHostTree(host_dir, fs, dest);
    case HostDirMode::kCopyOnWrite:
      return ImportHostTree(host_dir, fs, dest, HostFileMode::kCopyOnWrite);
    case HostDirMode::kWriteThrough:
      return ImportHostTree(host_dir, fs, dest, HostFileMode::kWriteThrough);
  }
  return absl::InvalidArgumentError("unknown --dir-mode");
}

}  // namespace vfs::cli
