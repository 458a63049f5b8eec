// CopyHostTree: copies a host directory (files, directories, symlinks,
// dotfiles) into a Filesystem. The guest then works on the copy; nothing is
// ever written back to the host.
#ifndef CLI_HOST_TREE_H_
#define CLI_HOST_TREE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "vfs/filesystem.h"

namespace vfs::cli {

// Copies everything beneath `host_dir` into `fs` at `dest` (created if
// missing). Symlinks are copied as links with their target strings
// unchanged (so an escaping link stays an escaping link, refused at
// traversal); special files (devices, FIFOs, sockets) are skipped with a
// warning on stderr. Errors name the host path.
absl::Status CopyHostTree(const std::string& host_dir, Filesystem& fs,
                          std::string_view dest);

}  // namespace vfs::cli

#endif  // CLI_HOST_TREE_H_
