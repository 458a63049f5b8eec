// BackendRegistry: how snapshots save and restore FileContents backends.
//
// A snapshot stores each regular file as (backend name, codec version,
// length-framed payload). Restore looks the name up here and hands the
// payload to the codec's load function. The name is stable across releases;
// the version lets a codec change its payload and still read old ones.
// Restoring a snapshot that names a backend nobody registered fails with an
// error naming it. We use this explicit registry rather than cereal's global
// polymorphic registration so that a lookup is a plain, checked map access.
//
// Every registry holds these codecs (all version 1; "u64" is little-endian,
// "string" is a u64 length then the bytes):
//   "memory"     MemoryContents: u64 size, u64 extent count, then each
//                extent as (u64 offset, u64 length, bytes); details in
//                backend_registry.cc.
//   "blob"       BlobContents: u64 size, then exactly size bytes. A restored
//                blob owns a copy of the bytes, never the host's memory or
//                mapped file.
//   "generated"  GeneratedContents: string generator name (at most
//                GeneratorRegistry::kMaxNameLength bytes), string parameter
//                (at most kMaxGeneratorParameterLength bytes), u64 size. The
//                restore rebuilds the file through GeneratorRegistry::Global();
//                an unregistered name is NotFound naming it.
//   "host_file"  MaterializingCodec("host_file"): a host file is saved as its
//                bytes and restored as a MemoryContents.
// Every load refuses a size above PayloadLimits::max_file_size
// (OutOfRange) and checks each length against the bytes that remain before
// allocating. Decorators (ForwardingContents) need no codec: a snapshot
// saves their innermost contents.
#ifndef SERIALIZE_BACKEND_REGISTRY_H_
#define SERIALIZE_BACKEND_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "serialize/archive.h"
#include "vfs/file_contents.h"

namespace vfs {

// What a load function may accept; it must refuse anything larger.
struct PayloadLimits {
  filesize_t max_file_size = 0;
};

struct BackendCodec {
  // The stable name; equals FileContents::backend_name() of what it saves.
  std::string name;
  // The payload version `save` writes. `load` receives the version found in
  // the snapshot and must refuse versions it does not know.
  uint32_t version = 1;
  // Writes the contents' payload. Called with the Filesystem lock held.
  std::function<absl::Status(const FileContents&, SnapshotWriter&)> save;
  // Reads a payload written by `save` (of `version`). The reader is limited
  // to the payload, and every length must be checked against
  // reader.remaining() before allocating; reading past the end throws
  // SnapshotFormatError, which the caller turns into a status. The restore
  // fails unless the whole payload is consumed.
  std::function<absl::StatusOr<std::unique_ptr<FileContents>>(
      uint32_t version, SnapshotReader&, const PayloadLimits&)>
      load;
};

// Longest parameter string the "generated" codec accepts.
inline constexpr uint64_t kMaxGeneratorParameterLength = 64 * 1024;

// A codec named `name` (version 1) that saves ANY FileContents as its bytes
// and restores a MemoryContents holding them: for backends whose storage
// cannot or should not travel in a snapshot (a host file), so the restored
// file keeps its bytes but becomes a memory file. Payload: u64 size, then
// exactly size bytes, read from the contents through Read in 64 KiB pieces
// (holes are saved as zeros; all-zero 64 KiB pieces are not stored on
// restore, so they come back as holes). Save fails (DataLoss, naming the
// offset) if Read fails or ends before Size(). Load: Unimplemented for a
// version other than 1, OutOfRange above the size limit, DataLoss if the
// payload holds fewer bytes than its size says.
BackendCodec MaterializingCodec(std::string name);

class BackendRegistry {
 public:
  // A registry holding the built-in codecs.
  BackendRegistry();
  // The process-wide registry that snapshot functions use by default.
  static BackendRegistry& Global();

  // AlreadyExists if the name is taken; InvalidArgument if a function is
  // missing or the name is empty.
  absl::Status Register(BackendCodec codec);
  // Null if no codec has that name. The pointer stays valid for the
  // registry's lifetime.
  const BackendCodec* Find(std::string_view name) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<BackendCodec>, std::less<>> codecs_;
};

}  // namespace vfs

#endif  // SERIALIZE_BACKEND_REGISTRY_H_
