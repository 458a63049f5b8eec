// What a guest changed: a before/after comparison of the in-memory tree for
// `vfs run --changes`. Files are compared by content, links by target; an
// entry that disappeared from one path and appeared at another with the same
// inode number is reported as a rename.
#ifndef CLI_CHANGES_H_
#define CLI_CHANGES_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "vfs/filesystem.h"

namespace vfs::cli {

struct TreeItem {
  InodeKind kind;
  filesize_t size = 0;
  inode_t ino = 0;
  size_t content_hash = 0;  // files: hash of the bytes; links: of the target
};
using TreeState = std::map<std::string, TreeItem>;  // path -> item

TreeState CaptureTree(Filesystem& fs);

// One line per change, in path order: "+ path (file, N bytes)",
// "- path", "~ path (file, N -> M bytes)", "> old -> new" (renamed).
std::vector<std::string> DescribeChanges(const TreeState& before,
                                         const TreeState& after);

}  // namespace vfs::cli

#endif  // CLI_CHANGES_H_
