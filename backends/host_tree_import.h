// Bringing a host directory tree into a Filesystem (host-side tree building,
// used by `vfs run --dir` and by hosts embedding the library):
// - CopyHostTree copies every file's bytes into memory;
// - ImportHostTree imports metadata only and backs each regular file with a
//   HostFileContents (backends/host_file_contents.h) that reads the host
//   file on demand, copy-on-write or write-through, so a tree of any size
//   imports in the time it takes to list it.
//
// Both walk the tree the same way: depth-first, each directory's entries
// sorted by name, so the same host tree always gets the same inode numbers
// and listing order whatever the host's readdir order; directories as
// directories, symlinks as symlinks with their target strings unchanged (an
// escaping link stays an escaping link, refused at traversal), dotfiles
// included, special files (devices, FIFOs, sockets) skipped with a warning
// on stderr. Iterative, so the depth of the tree is not limited by the
// stack. Neither creates, removes or renames anything on the host.
//
// Not thread-safe with respect to the host tree: a tree that changes while it
// is walked gives whatever the walk happened to see (a file that vanished
// between listing and opening is an error naming it).
#ifndef BACKENDS_HOST_TREE_IMPORT_H_
#define BACKENDS_HOST_TREE_IMPORT_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "backends/host_file_contents.h"
#include "vfs/filesystem.h"

namespace vfs {

// Copies everything beneath `host_dir` into `fs` at `dest` (created if
// missing). A regular file that already exists at a destination path has its
// contents replaced. Errors name the host path: NotFound if `host_dir` is not
// a directory, Internal if a directory cannot be listed or a symlink read,
// DataLoss if a file cannot be read, and the Filesystem's own errors (a limit,
// a destination entry of another kind) prefixed with the host path. On
// error, what was copied so far stays in `fs`.
absl::Status CopyHostTree(const std::string& host_dir, Filesystem& fs,
                          std::string_view dest);

// Imports the tree beneath `host_dir` into `fs` at `dest` (created if
// missing) without reading any file's bytes: each regular file becomes a
// HostFileContents in `mode`, holding an open host descriptor until the
// file is deleted from `fs` and no clone or descriptor holds it (a tree of
// N files keeps N descriptors open: mind RLIMIT_NOFILE for huge trees). A
// regular file that already exists at a destination path is replaced by a
// new file (a new inode; other hard links to the old one keep the old
// bytes). Errors are CopyHostTree's, plus HostFileContents::Open's, which
// name the file (a file that vanished, or cannot be opened in `mode`: a
// read-only file in write-through mode). On error, what was imported so far
// stays in `fs`.
absl::Status ImportHostTree(const std::string& host_dir, Filesystem& fs,
                            std::string_view dest,
                            HostFileMode mode = HostFileMode::kCopyOnWrite);

}  // namespace vfs

#endif  // BACKENDS_HOST_TREE_IMPORT_H_
