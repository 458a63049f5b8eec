#include "serialize/backend_registry.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/memory_contents.h"

namespace vfs {

namespace {

// The "memory" payload, version 1: u64 size, u64 extent count, then each
// extent as (u64 offset, u64 length, bytes), in ascending offset order, not
// overlapping, each ending at or below size. Holes read as zeros, so a
// sparse file stays sparse. Each extent is one chunk's stored prefix: it
// starts at a multiple of 64 KiB and is at most 64 KiB long, so a restored
// extent allocates no more than its own length (rounded up to 32 bytes);
// an extent in the middle of a chunk would cost a whole chunk.
constexpr uint64_t kExtentHeaderBytes = 16;

absl::Status SaveMemory(const FileContents& contents, SnapshotWriter& w) {
  const auto* m = dynamic_cast<const MemoryContents*>(&contents);
  if (m == nullptr) {
    return absl::InternalError("the memory codec was given another backend");
  }
  w.U64(m->Size());
  uint64_t extents = 0;
  m->ForEachExtent([&](filesize_t, absl::Span<const uint8_t>) { ++extents; });
  w.U64(extents);
  m->ForEachExtent([&](filesize_t off, absl::Span<const uint8_t> bytes) {
    w.U64(off);
    w.U64(bytes.size());
    w.Raw(bytes);
  });
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileContents>> LoadMemory(
    uint32_t version, SnapshotReader& r, const PayloadLimits& limits) {
  if (version != 1) {
    return absl::UnimplementedError(
        absl::StrCat("memory payload version ", version, " is unknown"));
  }
  const uint64_t size = r.U64();
  if (size > limits.max_file_size) {
    return absl::OutOfRangeError(absl::StrCat(
        "file size ", size, " exceeds the limit ", limits.max_file_size));
  }
  const uint64_t extents = r.Count(kExtentHeaderBytes + 1, "extent");
  auto m = std::make_unique<MemoryContents>();
  uint64_t end = 0;
  for (uint64_t i = 0; i < extents; ++i) {
    const uint64_t off = r.U64();
    const uint64_t len = r.U64();
    if (len == 0 || off < end || off > size || len > size - off) {
      return absl::DataLossError(absl::StrCat(
          "extent ", i, " (offset ", off, ", length ", len,
          ") is empty, overlaps the previous one, or ends past size ", size));
    }
    if (off % MemoryContents::kChunkSize != 0 || len > MemoryContents::kChunkSize) {
      return absl::DataLossError(absl::StrCat(
          "extent ", i, " (offset ", off, ", length ", len,
          ") does not start a 64 KiB chunk or is longer than one"));
    }
    absl::Span<const uint8_t> bytes = r.Raw(len);  // bounded by the input
    Result<size_t> n = m->Write(off, bytes);
    if (!n.ok()) return absl::InternalError("writing a restored extent failed");
    end = off + len;
  }
  if (m->Resize(size) != Errno::kSuccess) {
    return absl::InternalError("sizing a restored file failed");
  }
  return std::unique_ptr<FileContents>(std::move(m));
}

}  // namespace

BackendRegistry::BackendRegistry() {
  BackendCodec memory;
  memory.name = "memory";
  memory.version = 1;
  memory.save = SaveMemory;
  memory.load = LoadMemory;
  (void)Register(std::move(memory));
}

BackendRegistry& BackendRegistry::Global() {
  static BackendRegistry* registry = new BackendRegistry();  // never destroyed
  return *registry;
}

absl::Status BackendRegistry::Register(BackendCodec codec) {
  if (codec.name.empty() || !codec.save || !codec.load) {
    return absl::InvalidArgumentError(
        "a backend codec needs a name, a save and a load function");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (codecs_.count(codec.name) != 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("backend '", codec.name, "' is already registered"));
  }
  std::string name = codec.name;
  codecs_.emplace(std::move(name), std::make_unique<BackendCodec>(std::move(codec)));
  return absl::OkStatus();
}

const BackendCodec* BackendRegistry::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = codecs_.find(name);
  return it == codecs_.end() ? nullptr : it->second.get();
}

}  // namespace vfs
