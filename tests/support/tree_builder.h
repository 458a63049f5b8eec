// BuildTree: makes a Filesystem tree from a compact text spec, through the
// host API. One entry per line; blank lines and lines starting with '#' are
// skipped:
//
//   dir/                  a directory (parents are created as needed)
//   dir/file = text       a regular file holding `text` (may be empty;
//                         "\n" and "\0" escapes are decoded)
//   link -> target        a symlink (host-made, so absolute targets allowed)
//   alias => dir/file     a hard link to an existing file
#ifndef TESTS_SUPPORT_TREE_BUILDER_H_
#define TESTS_SUPPORT_TREE_BUILDER_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "vfs/filesystem.h"

namespace vfs::testing {

absl::Status BuildTree(Filesystem& fs, std::string_view spec);

// A hash of everything beneath `path` (names, kinds, link counts, sizes,
// contents and targets; not times or inode numbers), to show a subtree was
// left unchanged.
std::string SubtreeDigest(Filesystem& fs, std::string_view path);

}  // namespace vfs::testing

#endif  // TESTS_SUPPORT_TREE_BUILDER_H_
