// The nodes of the inode graph: Inode, its Directory payload, and OpenFile
// (one open descriptor's state). Stream (the Buffer kind's payload) is in
// vfs/stream.h.
//
// These are plain data owned by a Filesystem and touched only with its lock
// held. Nothing here locks; the invariants are maintained by Filesystem and
// checked by Filesystem::Fsck. Names live only in directory entries, never in
// the inode, so hard links share one Inode and renaming a directory is O(1).
#ifndef VFS_INODE_H_
#define VFS_INODE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "vfs/file_contents.h"
#include "vfs/quota.h"
#include "vfs/stream.h"
#include "vfs/wasi_types.h"

namespace vfs {

using InodeId = uint64_t;

// Root is a directory whose `..` is itself. Buffer is a FIFO byte stream
// (stdio, pipes): it is never named in a directory and is not seekable.
enum class InodeKind : uint8_t { kRoot, kDirectory, kFile, kSymlink, kBuffer };

std::string_view InodeKindName(InodeKind k);

// The widest rights a descriptor of each kind may hold; every descriptor's
// rights are clipped to these (and a restored snapshot is checked against
// them).
inline Rights MaxBaseFor(InodeKind k) {
  if (k == InodeKind::kRoot || k == InodeKind::kDirectory) return rights::kDirectoryBase;
  if (k == InodeKind::kBuffer) return rights::kStreamBase;
  return rights::kRegularFileBase;
}
inline Rights MaxInheritingFor(InodeKind k) {
  return k == InodeKind::kRoot || k == InodeKind::kDirectory
             ? rights::kDirectoryInheriting
             : Rights();
}

// Debian's absl::string_view is not std::string_view.
inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

class Inode;

// The readdir cookies of `.` and `..`; entries get sequence numbers from
// kFirstEntrySeq upward, and an entry's cookie (its d_next) is its sequence
// number.
inline constexpr dircookie_t kDotCookie = 1;
inline constexpr dircookie_t kDotDotCookie = 2;
inline constexpr uint64_t kFirstEntrySeq = 3;

// A directory's entries, indexed twice: by name for lookup, and by a
// per-directory sequence number for listing. An entry's sequence number is
// assigned when the name is added and never changes while the name exists,
// so a readdir cookie ("resume after sequence number c") stays valid however
// the directory changes between calls, and survives snapshot/restore.
class Directory {
 public:
  struct Entry {
    Inode* inode;
    uint64_t seq;
  };
  struct Listed {
    std::string name;
    Inode* inode;
    // Copies of the inode's id and type (both fixed for its life), so that
    // listing a directory does not touch every child inode (a cache miss
    // per entry in a large directory).
    InodeId ino;
    Filetype type;
  };

  Inode* Find(std::string_view name) const {
    auto it = by_name_.find(AsAbsl(name));
    return it == by_name_.end() ? nullptr : it->second.inode;
  }
  // Adds a new name with the next sequence number. The name must be absent.
  void Insert(std::string_view name, Inode* inode);
  // Points an existing name at another inode, keeping its sequence number.
  void Replace(std::string_view name, Inode* inode);
  // Removes a name; returns the inode it named (nullptr if absent).
  Inode* Erase(std::string_view name);

  bool empty() const { return by_name_.empty(); }
  // Makes room for `n` names without rehashing (restore and fork).
  void Reserve(size_t n) { by_name_.reserve(n); }
  size_t size() const { return by_name_.size(); }
  // Entries in sequence order (the listing order).
  const absl::btree_map<uint64_t, Listed>& listing() const { return by_seq_; }
  uint64_t next_seq() const { return next_seq_; }

  // Used by restore to rebuild a directory with its saved sequence numbers.
  void InsertWithSeq(std::string_view name, Inode* inode, uint64_t seq);
  void set_next_seq(uint64_t s) { next_seq_ = s; }

  // The directory this one is named in (Root: itself). Null once removed.
  // Used only for `..` in readdir and the rename-into-own-subtree check; path
  // resolution never climbs it.
  Inode* parent = nullptr;
  bool removed = false;   // rmdir'd while open: nothing can be created inside
  uint64_t subdirs = 0;   // child directories (for nlink = 2 + subdirs)

 private:
  absl::flat_hash_map<std::string, Entry> by_name_;
  absl::btree_map<uint64_t, Listed> by_seq_;
  uint64_t next_seq_ = kFirstEntrySeq;
};

class Inode {
 public:
  Inode(InodeId id, InodeKind kind) : id_(id), kind_(kind) {}

  InodeId id() const { return id_; }
  InodeKind kind() const { return kind_; }
  bool is_dir() const {
    return kind_ == InodeKind::kDirectory || kind_ == InodeKind::kRoot;
  }
  Filetype filetype() const;

  // Number of directory entries naming this inode (0 or 1 for directories).
  uint64_t links = 0;
  // Number of OpenFile objects referring to it.
  uint64_t open_refs = 0;
  timestamp_t atim = 0, mtim = 0, ctim = 0;
  // Quota accounting (vfs/quota.h): the subtree quota this inode is charged
  // to (null: the filesystem's limits only), and the bytes charged for it
  // (a regular file's size as of its last change).
  SubtreeQuota* quota = nullptr;
  filesize_t charged_bytes = 0;

  // Exactly one payload is set, by kind.
  std::unique_ptr<Directory> dir;         // kRoot, kDirectory
  std::unique_ptr<FileContents> contents; // kFile
  std::string target;                     // kSymlink
  std::unique_ptr<Stream> stream;         // kBuffer

 private:
  const InodeId id_;
  const InodeKind kind_;
};

// The state behind one descriptor: what it names, what it may do, where it
// is. Owned by exactly one Context table or one host-held DescriptorHandle at
// a time; it holds one open reference on its inode for its whole life.
struct OpenFile {
  Inode* inode = nullptr;
  Rights base;
  Rights inheriting;
  Fdflags flags;
  filesize_t offset = 0;
  bool is_preopen = false;
  std::string preopen_name;  // the guest-visible name of a preopen
  bool stream_writer = false;  // counted in the stream's open writers
};

}  // namespace vfs

#endif  // VFS_INODE_H_
