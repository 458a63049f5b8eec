// What a guest changed: a before/after comparison of the in-memory tree for
// `vfs run --changes`. Files are compared by content (a hash of their bytes,
// read 64 KiB at a time), links by target; an entry that disappeared from
// one path and appeared at another with the same inode number is reported
// as a rename.
//
// Why not fixtures/tree_diff.h: DiffTrees compares two live Filesystems, so
// the "before" side would have to be a Fork taken before the run, and a
// fork of a --dir-mode=write-through tree copies every file's bytes into
// memory (the guest's writes reach the host files the fork would otherwise
// read). A capture of sizes and hashes costs one 64 KiB buffer at a time.
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
