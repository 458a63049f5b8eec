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
// The "memory" codec (MemoryContents) is registered in every registry.
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
