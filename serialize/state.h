// The whole state of a Filesystem and its Contexts as plain records
// (StateImage), and the three things done with it:
//   - capture it from a live Filesystem (for save and fork);
//   - validate it against every invariant of the graph (for restore: the
//     records come from an untrusted file);
//   - build a new live Filesystem and Contexts from it, aside from any
//     existing one, and optionally swap that into an existing target.
//
// Snapshots (serialize/snapshot.h) encode and decode a StateImage. Fork
// (serialize/fork.h) copies the live graph directly (CloneState), keeping
// the same things; tests/fork_test.cc checks that a fork's snapshot equals
// its source's byte for byte.
//
// What is captured: every inode reachable from Root or held open by a
// descriptor of the given Contexts, with its id, kind, link count, times and
// payload; every given Context's descriptor table; the inode counter; and the
// state of a DeterministicClock. Not captured: host callbacks (stream sinks
// and sources), descriptors held outside the given Contexts (unlinked inodes
// only they hold are left out), and FilesystemOptions/ContextOptions, which
// are the host's configuration and are supplied again when building.
#ifndef SERIALIZE_STATE_H_
#define SERIALIZE_STATE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "vfs/context.h"
#include "vfs/filesystem.h"
#include "vfs/inode.h"

namespace vfs {

struct EntryRecord {
  std::string name;
  InodeId child = 0;
  uint64_t seq = 0;  // the entry's readdir sequence number (its cookie)
};

struct InodeRecord {
  InodeId id = 0;
  InodeKind kind = InodeKind::kFile;
  uint64_t links = 0;  // directory entries naming the inode
  timestamp_t atim = 0, mtim = 0, ctim = 0;
  // kRoot, kDirectory.
  bool removed = false;  // rmdir'd while open
  uint64_t next_seq = kFirstEntrySeq;
  std::vector<EntryRecord> entries;  // captured in listing order
  // kFile: borrowed from the live Filesystem while its lock is held
  // (capture), or owned (decode). Build clones a borrowed one.
  const FileContents* contents = nullptr;
  std::unique_ptr<FileContents> owned_contents;
  // kSymlink.
  std::string target;
  // kBuffer.
  std::string unread;
  uint64_t capacity = Stream::kDefaultCapacity;
  bool host_input_open = false;  // the host may still feed the read end
};

struct FdRecord {
  fd_t fd = 0;
  InodeId inode = 0;
  Rights base;
  Rights inheriting;
  Fdflags flags;
  filesize_t offset = 0;
  bool is_preopen = false;
  std::string preopen_name;
  bool stream_writer = false;  // holds the write end of a stream
};

struct ContextRecord {
  std::vector<FdRecord> fds;  // ascending fd
};

struct ClockRecord {
  bool deterministic = false;  // false: the host's clock, nothing to save
  timestamp_t next = 0;
  timestamp_t step = 0;
};

struct StateImage {
  ClockRecord clock;
  InodeId next_id = 0;
  // Captured in no particular order; encoded and decoded in ascending id.
  std::vector<InodeRecord> inodes;
  std::vector<ContextRecord> contexts;
};

// A live Filesystem with its Contexts (in the order they were captured).
struct LiveState {
  std::shared_ptr<Filesystem> fs;
  std::vector<std::unique_ptr<Context>> contexts;
};

// Captures `fs` and `contexts` (each must be over `fs`, InvalidArgument
// otherwise) and calls `fn` with the image while the Filesystem lock is
// held, so borrowed contents stay valid; returns what `fn` returns. `fn`
// must not call into `fs`.
absl::Status WithCapturedState(Filesystem& fs, absl::Span<Context* const> contexts,
                               const std::function<absl::Status(StateImage&)>& fn);

// Checks every invariant a live graph keeps (see docs/snapshot-format.md,
// "Validation"), against the limits of `fs_options` and `context_options`.
// Returns DataLoss naming the first record at fault.
absl::Status ValidateImage(const StateImage& image,
                           const FilesystemOptions& fs_options,
                           const ContextOptions& context_options);

// Builds a new Filesystem and Contexts from `image`, moving owned contents
// out of it and cloning borrowed ones. The image must be valid (validated,
// or captured from a live Filesystem). A DeterministicClock in the image
// continues in the new Filesystem; otherwise it uses fs_options.clock.
absl::StatusOr<LiveState> BuildState(StateImage& image,
                                     FilesystemOptions fs_options,
                                     const ContextOptions& context_options);

// Fork's builder: a new Filesystem and Contexts copied straight from the
// live `fs` and `contexts` (each over `fs`), holding exactly what
// WithCapturedState + BuildState would, without the intermediate records.
// File contents are copied with FileContents::Clone.
absl::StatusOr<LiveState> CloneState(Filesystem& fs,
                                     absl::Span<Context* const> contexts,
                                     const ContextOptions& context_options);

// Replaces the state of `target` and of `contexts` (over `target`, one per
// built context) with `built`'s, leaving the old state in `built`.
// FailedPrecondition, with nothing changed, if the counts differ or a
// descriptor of `target` is open outside `contexts` (it would be left
// naming an inode of the old state).
absl::Status SwapState(LiveState& built, Filesystem& target,
                       absl::Span<Context* const> contexts);

}  // namespace vfs

#endif  // SERIALIZE_STATE_H_
