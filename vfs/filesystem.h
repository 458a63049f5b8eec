// Filesystem: the inode table and the directory graph, one lock, one clock.
//
// This file defines the graph and its host-side API (building trees,
// checking invariants). It does not define descriptors or the preview1 calls:
// those are Context (vfs/context.h), which holds a shared_ptr to a Filesystem;
// several Contexts may share one.
//
// Locking: one mutex per Filesystem, held for the whole of every public call
// of Filesystem and Context, so each call is atomic with respect to every
// other. Backends (FileContents) and Stream callbacks run with it held and
// must not call back in.
//
// Lifetime: an inode lives while a directory entry names it or a descriptor
// holds it open; it is reclaimed in one place (MaybeReclaim) when both
// counts reach zero. Inode ids are never reused within a Filesystem.
#ifndef VFS_FILESYSTEM_H_
#define VFS_FILESYSTEM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vfs/clock.h"
#include "vfs/inode.h"
#include "vfs/mutex.h"
#include "vfs/path_resolver.h"
#include "vfs/quota.h"
#include "vfs/result.h"
#include "vfs/stream.h"
#include "vfs/wasi_types.h"

namespace vfs {

struct FilesystemOptions {
  // Where timestamps come from; null means RealClock.
  std::shared_ptr<Clock> clock;
  // Reported as filestat.dev for every inode.
  uint64_t device = 1;
  // Writes, truncations and allocations past this size fail with FBIG.
  filesize_t max_file_size = filesize_t{1} << 40;
  // Path limits (NAMETOOLONG past them) and symlink expansions (LOOP past).
  size_t max_name_length = 255;
  size_t max_path_length = 4096;
  int max_symlink_expansions = 40;
  // Makes the contents of each new regular file a guest creates (and of
  // Filesystem::WriteFile). Null means MemoryContents. A host uses it to put
  // every new file on its own backend, or to wrap each in a decorator (fault
  // injection, tracing). It must return an empty, writable contents; it
  // runs with the Filesystem lock held and must not call back in.
  std::function<std::unique_ptr<FileContents>()> new_file_contents;
  // Limits on the whole filesystem's bytes and inodes (NOSPC past them; see
  // vfs/quota.h). A restore or fork of a state already past them fails.
  QuotaLimits limits;
  // Bytes a stream (a pipe, or stdio a guest writes) buffers at most; a
  // write that does not fit is short, then AGAIN. Each stream keeps the
  // capacity it was made with; a snapshot holding a larger one is refused.
  size_t stream_capacity = Stream::kDefaultCapacity;
};

class Filesystem {
 public:
  explicit Filesystem(FilesystemOptions options = {});
  ~Filesystem();
  Filesystem(const Filesystem&) = delete;
  Filesystem& operator=(const Filesystem&) = delete;

  static std::shared_ptr<Filesystem> Create(FilesystemOptions options = {}) {
    return std::make_shared<Filesystem>(std::move(options));
  }

  // ---- Host-side tree building. ----
  // Paths are '/'-separated and relative to the root; a leading '/' is
  // ignored. They are resolved by the same PathResolver as guest paths
  // (symlinks inside the tree are followed except on the final component;
  // `..` may not leave the root). Errors name the path.

  // mkdir -p. OK if the directory exists; FailedPrecondition if a component
  // is not a directory.
  absl::Status MakeDirectories(std::string_view path);
  // Creates or replaces a regular file holding `bytes`, creating missing
  // parent directories.
  absl::Status WriteFile(std::string_view path, std::string_view bytes);
  // Creates a regular file backed by `contents` (AlreadyExists if the name
  // is taken), creating missing parent directories.
  absl::Status AddFile(std::string_view path,
                       std::unique_ptr<FileContents> contents);
  // Creates a symlink. Unlike the guest's path_symlink, the host may create
  // absolute or escaping targets; traversal still refuses them.
  absl::Status MakeSymlink(std::string_view path, std::string_view target);
  // Adds a second name for an existing non-directory.
  absl::Status MakeHardLink(std::string_view existing, std::string_view path);
  // Reads a whole regular file (follows a final symlink).
  absl::StatusOr<std::string> ReadFile(std::string_view path);
  // Stats a path; `follow` decides whether a final symlink is followed.
  absl::StatusOr<Filestat> Stat(std::string_view path, bool follow = false);
  // Sets all three times of the entry at `path` (a final symlink is not
  // followed), ctim included, which no guest call can set: for loading
  // fixtures and manifests exactly as they were saved.
  absl::Status SetTimes(std::string_view path, timestamp_t atim,
                        timestamp_t mtim, timestamp_t ctim);
  // Calls `fn` with the contents of the regular file at `path` (a final
  // symlink is followed), with the lock held: `fn` must not call back into
  // this Filesystem. For tools that inspect a backend (a manifest writer
  // recognising generated contents). NotFound; FailedPrecondition if not a
  // regular file.
  absl::Status WithContents(std::string_view path,
                            const std::function<void(const FileContents&)>& fn);

  // ---- Quotas (vfs/quota.h). ----
  // Sets (or changes) the limits of the subtree rooted at directory `path`.
  // Everything already in the subtree is charged to it, so usage may start
  // above the limits: then nothing may grow there until it shrinks.
  // Subtree quotas are host configuration: snapshots and forks do not carry
  // them (set them again after a restore). NotFound, FailedPrecondition if
  // `path` is not a directory.
  absl::Status SetQuota(std::string_view path, QuotaLimits limits);
  // Removes the quota set on `path`; its charges fold into the enclosing
  // quota. NotFound if none is set there.
  absl::Status RemoveQuota(std::string_view path);
  // What the subtree quota at `path` has charged (NotFound if none).
  absl::StatusOr<QuotaUsage> QuotaUsageAt(std::string_view path);
  // What the whole filesystem holds.
  QuotaUsage Usage();

  // ---- Inspection. ----
  struct Entry {
    std::string path;  // '/'-separated, relative to the root
    InodeKind kind;
    Filestat stat;
    std::string target;  // symlinks
  };
  // Every entry beneath `path` (the root by default), depth-first in listing
  // order; iterative, so depth is not limited by the stack.
  absl::StatusOr<std::vector<Entry>> List(std::string_view path = "");
  // Checks every invariant of the graph (see docs/design.md): link counts
  // equal the entries naming each inode, the directory graph is a tree under
  // Root with consistent parents and subdir counts, every live inode is
  // linked or open, every descriptor names a live inode, open counts equal
  // the descriptors, entry names are valid. Returns the first violation.
  absl::Status Fsck();
  // An indented listing of the tree (kind, ino, nlink, size, target) for
  // test failure messages and the demo.
  std::string Dump();
  size_t live_inode_count();
  InodeId next_inode_id();
  InodeId root_id() const { return kRootId; }

  const FilesystemOptions& options() const { return options_; }

  static constexpr InodeId kRootId = 1;

 private:
  friend class Context;
  friend class PathResolver;
  friend class DescriptorHandle;
  friend class StateAccess;  // serialize/: capture, rebuild and swap state

  // A Filesystem with no inodes at all (not even Root) and no clock reading
  // taken: the starting point of a restore or fork, which adds every inode
  // with its saved id and times.
  struct EmptyTag {};
  Filesystem(FilesystemOptions options, EmptyTag);

  // ---- Internals; all need mu_. ----
  Inode* root() const { return root_; }
  Inode* NewInode(InodeKind kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  timestamp_t Now() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return clock_->Now(); }
  // Names `child` in `dir` (name must be absent); updates link counts, the
  // parent pointer of a child directory, and dir's mtim/ctim.
  void Link(Inode* dir, std::string_view name, Inode* child)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Empty contents for a new regular file (options_.new_file_contents).
  std::unique_ptr<FileContents> NewContents() const;
  // Removes the name; the inode is reclaimed if nothing else holds it.
  void Unlink(Inode* dir, std::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves or renames an entry, replacing an existing destination entry
  // (whose inode may then be reclaimed). The caller has checked legality.
  void Move(Inode* from_dir, std::string_view from_name, Inode* to_dir,
            std::string_view to_name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MaybeReclaim(Inode* inode) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Creates an inode of `kind` named `name` in `dir`, charged to dir's
  // quota domain; NOSPC or DQUOT (nothing created) past a limit.
  Result<Inode*> CreateChild(Inode* dir, std::string_view name, InodeKind kind)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // ---- Quota accounting (vfs/quota.h); all need mu_. ----
  // OK if `bytes` more bytes and `inodes` more inodes fit in domain `q` (and
  // every enclosing one, and the filesystem); else NOSPC or DQUOT.
  Errno CheckQuota(const SubtreeQuota* q, uint64_t bytes, uint64_t inodes) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // OK if regular file `file` may grow to `new_size` bytes.
  Errno CheckGrowth(const Inode* file, filesize_t new_size) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Charges (or, with `add` false, releases) an inode's bytes and inodes to
  // its domain chain and the filesystem.
  void Charge(SubtreeQuota* q, uint64_t bytes, uint64_t inodes, bool add)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings a file's charge to its current size (after a write or resize).
  void Recharge(Inode* file) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The quota domain an entry for `inode` lives in: its own quota's parent
  // for a quota root, else its quota. Link and rename keep this equal.
  const SubtreeQuota* HomeOf(const Inode* inode) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reassigns every inode and nested quota of `q` to q->parent and deletes q.
  void DropQuota(SubtreeQuota* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Opens `inode` with the given rights; the result holds an open ref.
  std::unique_ptr<OpenFile> Open(Inode* inode, Rights base, Rights inheriting,
                                 Fdflags flags)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Releases an OpenFile's reference (and a stream writer count).
  void Close(std::unique_ptr<OpenFile> file) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Filestat StatOf(const Inode* inode) const;
  // True if `dir` is `ancestor` or lies beneath it (walks parent pointers).
  bool IsWithin(const Inode* dir, const Inode* ancestor) const;

  // Resolves a host path (relative to the root; leading slashes ignored; ""
  // or "/" is the root itself) with the guest resolver. An error becomes a
  // status naming the path.
  absl::StatusOr<Resolution> ResolveHostPath(std::string_view path,
                                             FollowFinal policy)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Host path helpers: resolves `path` to (parent, name), creating missing
  // parents when `make_parents`.
  absl::Status HostParent(std::string_view path, bool make_parents,
                          Inode** parent, std::string* name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Creates a new entry of `kind` at a host path (AlreadyExists if taken),
  // creating missing parents.
  absl::StatusOr<Inode*> CreateHostEntry(std::string_view path, InodeKind kind)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DumpTree(std::string* out) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable Mutex mu_;
  // Notified whenever a stream gains bytes or room, or loses a writer, so
  // that a blocking stream call in another thread retries (Context).
  std::condition_variable streams_changed_;
  const FilesystemOptions options_;
  std::shared_ptr<Clock> clock_;
  absl::flat_hash_map<InodeId, std::unique_ptr<Inode>> inodes_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<const OpenFile*> open_files_ ABSL_GUARDED_BY(mu_);
  InodeId next_id_ ABSL_GUARDED_BY(mu_) = kRootId;
  QuotaUsage usage_ ABSL_GUARDED_BY(mu_);
  // Subtree quotas by their root directory.
  absl::flat_hash_map<const Inode*, std::unique_ptr<SubtreeQuota>> quotas_
      ABSL_GUARDED_BY(mu_);
  Inode* root_ = nullptr;
};

}  // namespace vfs

#endif  // VFS_FILESYSTEM_H_
