// Snapshots: the whole state of a Filesystem and its Contexts as bytes, and
// back. The format is docs/snapshot-format.md: a fixed header (magic,
// version, flags, payload length, XXH3-64 checksum) and a cereal portable
// binary payload.
//
// Saving is deterministic: the same state gives the same bytes (inodes in id
// order, entries in name order, no pointers, nothing added at save time).
// Loading treats the bytes as hostile: every length is checked against the
// bytes that remain before anything is allocated, every invariant of the
// graph is validated, and a failure is a status naming the record at fault.
// Nothing is thrown out of these functions.
#ifndef SERIALIZE_SNAPSHOT_H_
#define SERIALIZE_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "serialize/backend_registry.h"
#include "serialize/state.h"
#include "vfs/context.h"
#include "vfs/filesystem.h"

namespace vfs {

inline constexpr char kSnapshotMagic[8] = {'V', 'F', 'S', 'S', 'N', 'A', 'P', '\0'};
inline constexpr uint32_t kSnapshotVersion = 1;
inline constexpr size_t kSnapshotHeaderSize = 32;
// Longest backend name a snapshot may hold.
inline constexpr size_t kMaxBackendNameLength = 64;

struct SaveOptions {
  // Where backend codecs are found; null means BackendRegistry::Global().
  const BackendRegistry* registry = nullptr;
};

struct LoadOptions {
  // Limits (and the clock, unless the snapshot carries a deterministic one)
  // of the restored Filesystem; the snapshot is checked against them.
  FilesystemOptions fs;
  // Options of every restored Context (max_fds bounds each table).
  ContextOptions context;
  // Where backend codecs are found; null means BackendRegistry::Global().
  const BackendRegistry* registry = nullptr;
  // LoadSnapshotFromFile refuses larger files.
  uint64_t max_snapshot_bytes = uint64_t{1} << 40;
  // Test hook: skip the checksum so that corrupted payloads reach the
  // record parser. Never turn this off for real input.
  bool verify_checksum = true;
};

// Saves `fs` and `contexts` (all over `fs`). FailedPrecondition if a file's
// backend has no registered codec.
absl::StatusOr<std::string> SaveSnapshot(Filesystem& fs,
                                         absl::Span<Context* const> contexts = {},
                                         const SaveOptions& options = {});
// The same, into `*out` (replacing its contents). Reusing one string for
// repeated saves reuses its memory, which is faster than a fresh string
// (whose pages the kernel must map in) for large snapshots.
absl::Status SaveSnapshotInto(std::string* out, Filesystem& fs,
                              absl::Span<Context* const> contexts = {},
                              const SaveOptions& options = {});
// Writes the snapshot to `path` atomically (a temporary file renamed over it).
absl::Status SaveSnapshotToFile(const std::string& path, Filesystem& fs,
                                absl::Span<Context* const> contexts = {},
                                const SaveOptions& options = {});

// A new Filesystem and Contexts from a snapshot.
absl::StatusOr<LiveState> LoadSnapshot(std::string_view bytes,
                                       const LoadOptions& options = {});
absl::StatusOr<LiveState> LoadSnapshotFromFile(const std::string& path,
                                               const LoadOptions& options = {});

// Replaces the state of `target` and `contexts` with the snapshot's. The new
// state is built aside and swapped in only on success: on any error, target
// and contexts are untouched. The snapshot must hold exactly
// contexts.size() contexts, and no descriptor of `target` may be open
// outside `contexts`. Limits are target's options and the first context's
// (options.fs and options.context are ignored).
absl::Status RestoreSnapshot(std::string_view bytes, Filesystem& target,
                             absl::Span<Context* const> contexts = {},
                             const LoadOptions& options = {});

// What `vfs info` prints: the header, and counts and sizes from a full,
// validated decode.
struct SnapshotInfo {
  uint32_t version = 0;
  uint32_t flags = 0;
  uint64_t payload_bytes = 0;
  uint64_t checksum = 0;
  bool deterministic_clock = false;
  uint64_t next_inode_id = 0;
  uint64_t inodes = 0, directories = 0, files = 0, symlinks = 0, streams = 0;
  uint64_t hard_linked = 0;     // files with more than one name
  uint64_t unlinked_open = 0;   // inodes alive only through descriptors
  uint64_t entries = 0;         // directory entries
  uint64_t file_bytes = 0;      // sum of file sizes
  uint64_t stream_bytes = 0;    // unread bytes in streams
  uint64_t contexts = 0, descriptors = 0, preopens = 0;
  std::map<std::string, uint64_t> files_by_backend;
};
absl::StatusOr<SnapshotInfo> InspectSnapshot(std::string_view bytes,
                                             const LoadOptions& options = {});
std::string FormatSnapshotInfo(const SnapshotInfo& info);

// ---- Lower level: the encoding alone (tests craft snapshots with these).
// Encodes an image as given, without validating it.
absl::StatusOr<std::string> EncodeSnapshot(const StateImage& image,
                                           const SaveOptions& options = {});
absl::Status EncodeSnapshotInto(const StateImage& image, const SaveOptions& options,
                                std::string* out);
// Checks the header and decodes the payload into an image, without
// validating the graph (ValidateImage does that).
absl::StatusOr<StateImage> DecodeSnapshot(std::string_view bytes,
                                          const LoadOptions& options = {});

}  // namespace vfs

#endif  // SERIALIZE_SNAPSHOT_H_
