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
// escaping link stays an escaping link, refused at traversal; a host symlink
// is never followed), dotfiles included, special files (devices, FIFOs,
// sockets) skipped with a warning on stderr. Iterative, so the depth of the
// tree is not limited by the stack. Neither creates, removes or renames
// anything on the host. CopyHostTree can also keep hard links and times
// (HostTreeOptions), which is how fixtures/fixture.h loads a fixture
// directory.
//
// StreamedFileWriter is the piece both CopyHostTree and the tar loader
// (fixtures/) use to put a file's bytes into a Filesystem from a stream.
//
// Not thread-safe with respect to the host tree: a tree that changes while it
// is walked gives whatever the walk happened to see (a file that vanished
// between listing and opening is an error naming it).
#ifndef BACKENDS_HOST_TREE_IMPORT_H_
#define BACKENDS_HOST_TREE_IMPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "backends/host_file_contents.h"
#include "vfs/filesystem.h"

namespace vfs {

class Context;

// What CopyHostTree keeps besides names, kinds, bytes and symlink targets.
// The defaults are `vfs run --dir`'s copy mode.
struct HostTreeOptions {
  // The names of one host inode (same st_dev and st_ino; files and
  // symlinks) become hard links to the first name the walk meets, instead of
  // independent copies. Only names inside the walked tree are grouped. A
  // later name already taken at the destination is AlreadyExists.
  bool hard_links = false;
  // Every entry gets the host's atim, mtim and ctim (lstat's, to the
  // nanosecond; ctim via Filesystem::SetTimes, which no guest call can
  // set), applied after every entry exists so that adding a directory's
  // children does not disturb its times. The root (`dest`) keeps its own.
  // A host time before 1970 is InvalidArgument naming the path (WASI times
  // are unsigned).
  bool times = false;
  // Special files are refused (InvalidArgument naming them) instead of
  // skipped with a warning.
  bool refuse_special_files = false;
  // Called with the number of entries copied so far, every 1000 entries and
  // once at the end.
  std::function<void(uint64_t entries)> progress;
};

// Copies everything beneath `host_dir` into `fs` at `dest` (created if
// missing). A regular file that already exists at a destination path has its
// contents replaced. Errors name the host path: NotFound if `host_dir` is not
// a directory, Internal if a directory cannot be listed or a symlink read,
// DataLoss if a file cannot be read, and the Filesystem's own errors (a limit,
// a destination entry of another kind) prefixed with the host path. On
// error, what was copied so far stays in `fs`.
//
// Each file's bytes are read in 64 KiB pieces straight into the new file,
// whose size is declared first: a file over the Filesystem's limits fails
// with their error (FBIG, NOSPC, DQUOT) before its bytes are read, and no
// file is ever held whole outside the Filesystem. A file that changes size
// while it is copied is DataLoss.
absl::Status CopyHostTree(const std::string& host_dir, Filesystem& fs,
                          std::string_view dest,
                          const HostTreeOptions& options = {});

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

// Writes regular files into a Filesystem from a stream of pieces, for
// loaders whose source is larger than memory should hold at once (a host
// file, a tar entry). It works through a Context of its own (preopening the
// root), so every check is the Filesystem's own: the declared size is set
// before any byte is stored, and a size over a limit fails with that limit's
// errno (FBIG, NOSPC, DQUOT) while nothing is allocated for it (the default
// memory backend grows sparse). Writing sets the file's times like a guest's
// write would; loaders that keep times set them afterwards.
//
// One file at a time: Create, WriteAt any number of times, Finish. Not
// thread-safe; the Filesystem must outlive the writer.
class StreamedFileWriter {
 public:
  explicit StreamedFileWriter(Filesystem& fs);
  ~StreamedFileWriter();
  StreamedFileWriter(const StreamedFileWriter&) = delete;
  StreamedFileWriter& operator=(const StreamedFileWriter&) = delete;

  // Creates the regular file at host path `path` (relative to the root;
  // missing parents are created). AlreadyExists if the name is taken, unless
  // `replace` and it names a regular file, whose bytes are then discarded
  // (other hard links to it see the new bytes). With `size`, the file is
  // given that size at once (see above); without, it grows as pieces come.
  // A refused size removes the file if this call created it. A symlink at
  // `path` is refused, never followed, `replace` or not. A file still open
  // from an earlier Create is closed first.
  absl::Status Create(std::string_view path, std::optional<filesize_t> size,
                      bool replace = false);
  // Writes `bytes` at `offset` of the file being written. Past a declared
  // size, the file grows, each growth checked against the limits.
  absl::Status WriteAt(filesize_t offset, absl::Span<const uint8_t> bytes);
  // Closes the file being written.
  absl::Status Finish();

 private:
  Filesystem& fs_;
  std::unique_ptr<Context> ctx_;  // made on the first Create
  fd_t root_fd_ = 0;
  std::optional<fd_t> file_fd_;
  std::string path_;  // of the file being written, for messages
};

}  // namespace vfs

#endif  // BACKENDS_HOST_TREE_IMPORT_H_
