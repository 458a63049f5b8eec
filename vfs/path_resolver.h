// PathResolver: the one place where a path becomes an inode. Every guest
// call and every host-side tree operation resolves through it.
//
// It walks component by component beneath a base directory, keeping its own
// stack of the directories it entered; `..` pops that stack and never climbs
// an inode's parent pointer, so no step (not even a transient one) can leave
// the base. Symlinks are expanded onto a worklist, at most
// max_symlink_expansions times. The rules, in order:
//   1. empty path -> NOENT; invalid UTF-8 -> ILSEQ; NUL byte -> INVAL;
//      leading '/' -> PERM; longer than max_path_length -> NAMETOOLONG.
//   2. components split on '/', empty ones skipped; '.' stays; '..' pops the
//      stack, and popping the base gives PERM.
//   3. a component longer than max_name_length -> NAMETOOLONG; a missing
//      non-final component -> NOENT; a non-directory non-final one -> NOTDIR.
//   4. a symlink is expanded if it is not final, or if it is final and the
//      policy is kFollow, or kNoFollow with a trailing slash. Expansion past
//      the limit -> LOOP; an empty target -> NOENT; an absolute target ->
//      PERM. The target's components keep their own trailing-slash meaning,
//      and a trailing slash on the link itself carries to the target's last
//      component; nothing in a target can switch a caller's no-follow off.
//   5. a trailing slash on the final component requires a directory: an
//      existing non-directory gives NOTDIR (for kEntry, a symlink too).
//   6. when creating (path_open with CREAT), a final name with a trailing
//      slash is not looked up at all: the Resolution has its parent and name
//      and no inode, and the caller refuses it with ISDIR. Linux checks this
//      before the lookup, so "file/", "symlink/" and "missing/" all give
//      EISDIR there (and so in wasmtime on Linux); only the walk up to the
//      final name can fail first.
//
// Locking: the caller holds the Filesystem lock and keeps holding it while it
// acts on the Resolution, so nothing can change between check and act.
#ifndef VFS_PATH_RESOLVER_H_
#define VFS_PATH_RESOLVER_H_

#include <string>
#include <string_view>

#include "vfs/inode.h"
#include "vfs/result.h"

namespace vfs {

class Filesystem;

// What to do with a final symlink.
enum class FollowFinal {
  kFollow,    // follow it (LOOKUPFLAGS_SYMLINK_FOLLOW)
  kNoFollow,  // return it, unless the path ends in '/' (then follow)
  kEntry,     // return the entry itself, never follow: unlink, rmdir,
              // rename, link and creation act on names, not on targets
};

struct Resolution {
  // The directory holding the final entry; null when dot_final.
  Inode* parent = nullptr;
  // The final component (not "." or "..").
  std::string name;
  // The final inode, or null if `name` is absent from `parent`.
  Inode* inode = nullptr;
  // The path (or the last expanded target) ended in '/'.
  bool trailing_slash = false;
  // The path ended in "." or "..": `inode` is that directory and there is no
  // (parent, name) entry to act on.
  bool dot_final = false;
  bool dot_dot = false;  // the final component was ".."
};

class PathResolver {
 public:
  explicit PathResolver(const Filesystem& fs) : fs_(fs) {}

  // Resolves `path` beneath the directory `base`. Errors as listed above;
  // `creating` turns on rule 6.
  Result<Resolution> Resolve(Inode* base, std::string_view path,
                             FollowFinal policy, bool creating = false) const;

  // Step 1 alone, for strings that are stored rather than resolved (the
  // target of path_symlink): NOENT, ILSEQ, INVAL, PERM or NAMETOOLONG.
  Errno ValidatePath(std::string_view path) const;

 private:
  const Filesystem& fs_;
};

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace vfs

#endif  // VFS_PATH_RESOLVER_H_
