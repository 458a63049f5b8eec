// How `vfs run --dir` brings a host tree in: the --dir-mode values and the
// one call that applies them. The tree walks themselves (CopyHostTree,
// ImportHostTree) live in backends/host_tree_import.h, where the tests and
// embedding hosts can reach them; they are named here too so that
// vfs::cli callers find them in one place.
#ifndef CLI_HOST_TREE_H_
#define CLI_HOST_TREE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "backends/host_tree_import.h"
#include "vfs/filesystem.h"

namespace vfs::cli {

using ::vfs::CopyHostTree;
using ::vfs::ImportHostTree;

// The values of --dir-mode (docs/cli.md).
enum class HostDirMode {
  kCopy,          // every file read into memory at start (CopyHostTree)
  kCopyOnWrite,   // lazy; the host is never written (the default)
  kWriteThrough,  // lazy; guest writes to existing files' bytes reach the host
};

// "copy", "cow", "write-through" -> the mode; nullopt for anything else
// (exact, lower-case spelling only).
std::optional<HostDirMode> ParseHostDirMode(std::string_view name);

// CopyHostTree or ImportHostTree (in the matching HostFileMode), as `mode`
// says; their errors, which name the host path.
absl::Status AddHostTree(const std::string& host_dir, Filesystem& fs,
                         std::string_view dest, HostDirMode mode);

}  // namespace vfs::cli

#endif  // CLI_HOST_TREE_H_
