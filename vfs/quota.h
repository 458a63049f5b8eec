// Quotas: limits on the bytes and inodes a filesystem, or one subtree of it,
// may hold. The limits and their errnos:
//
//   limit                                   errno   set with
//   whole filesystem: bytes or inodes       NOSPC   FilesystemOptions::limits
//   a subtree: bytes or inodes              DQUOT   Filesystem::SetQuota
//   one file's size                         FBIG    FilesystemOptions::max_file_size
//
// Bytes are the logical sizes of regular files (a sparse file counts its
// full size, so the figure never depends on a backend's layout); inodes are
// directories, files and symlinks, Root included. Streams (pipes, stdio) are
// bounded by their own capacity and not counted. Every limit is checked
// before anything is allocated or changed, so a refused call changes
// nothing; a write that does not fit is refused whole (no short write).
//
// A subtree quota works as project quotas do on XFS: every inode is charged
// to the nearest quota root above the directory it was created in, and to
// every enclosing quota root and the filesystem. A hard link or a rename
// that would move an inode between quota domains fails with XDEV, so the
// charges always follow the tree.
#ifndef VFS_QUOTA_H_
#define VFS_QUOTA_H_

#include <cstdint>
#include <limits>

namespace vfs {

class Inode;

inline constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

struct QuotaLimits {
  uint64_t max_bytes = kUnlimited;
  uint64_t max_inodes = kUnlimited;
};

struct QuotaUsage {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
  bool operator==(const QuotaUsage& o) const {
    return bytes == o.bytes && inodes == o.inodes;
  }
};

// One subtree's limits and usage. Owned by its Filesystem; touched only with
// the Filesystem lock held.
struct SubtreeQuota {
  QuotaLimits limits;
  QuotaUsage usage;
  SubtreeQuota* parent = nullptr;  // the enclosing quota root's, or null
  Inode* root = nullptr;           // the directory it is set on
};

}  // namespace vfs

#endif  // VFS_QUOTA_H_
