#include "serialize/backend_registry.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/blob_contents.h"
#include "backends/generated_contents.h"
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

// Debian's absl::string_view is not std::string_view; StrCat needs this.
absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status CheckVersion(std::string_view backend, uint32_t version) {
  if (version == 1) return absl::OkStatus();
  return absl::UnimplementedError(
      absl::StrCat(View(backend), " payload version ", version, " is unknown"));
}

// The size of a "u64 size, then size bytes" payload, checked against the
// limit and against the bytes that remain, so nothing is allocated for bytes
// the input does not hold.
absl::StatusOr<uint64_t> ReadBytesSize(SnapshotReader& r, const PayloadLimits& limits) {
  const uint64_t size = r.U64();
  if (size > limits.max_file_size) {
    return absl::OutOfRangeError(absl::StrCat(
        "file size ", size, " exceeds the limit ", limits.max_file_size));
  }
  if (size > r.remaining()) {
    return absl::DataLossError(absl::StrCat(
        "file size ", size, " but only ", r.remaining(), " payload bytes remain"));
  }
  return size;
}

// The "blob" payload, version 1: u64 size, then the bytes.
absl::Status SaveBlob(const FileContents& contents, SnapshotWriter& w) {
  const auto* b = dynamic_cast<const BlobContents*>(&contents);
  if (b == nullptr) {
    return absl::InternalError("the blob codec was given another backend");
  }
  w.U64(b->Size());
  w.Raw(b->bytes());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileContents>> LoadBlob(
    uint32_t version, SnapshotReader& r, const PayloadLimits& limits) {
  if (absl::Status s = CheckVersion("blob", version); !s.ok()) return s;
  absl::StatusOr<uint64_t> size = ReadBytesSize(r, limits);
  if (!size.ok()) return size.status();
  // A copy: the restored file must not depend on the snapshot's buffer.
  return std::unique_ptr<FileContents>(BlobContents::CopyOf(r.Raw(*size)));
}

// The "generated" payload, version 1: string generator name, string
// parameter, u64 size. The bytes are not stored: the generator recomputes
// them.
absl::Status SaveGenerated(const FileContents& contents, SnapshotWriter& w) {
  const auto* g = dynamic_cast<const GeneratedContents*>(&contents);
  if (g == nullptr) {
    return absl::InternalError("the generated codec was given another backend");
  }
  if (g->generator_name().size() > GeneratorRegistry::kMaxNameLength ||
      g->parameter().size() > kMaxGeneratorParameterLength) {
    // A restore would refuse it, so refuse to write a snapshot that cannot load.
    return absl::InvalidArgumentError(absl::StrCat(
        "generator name '", g->generator_name(), "' or its parameter is too long"));
  }
  w.String(g->generator_name());
  w.String(g->parameter());
  w.U64(g->Size());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileContents>> LoadGenerated(
    uint32_t version, SnapshotReader& r, const PayloadLimits& limits) {
  if (absl::Status s = CheckVersion("generated", version); !s.ok()) return s;
  const std::string name = r.String(GeneratorRegistry::kMaxNameLength, "generator name");
  const std::string parameter = r.String(kMaxGeneratorParameterLength, "generator parameter");
  const uint64_t size = r.U64();
  if (size > limits.max_file_size) {
    return absl::OutOfRangeError(absl::StrCat(
        "file size ", size, " exceeds the limit ", limits.max_file_size));
  }
  absl::StatusOr<std::unique_ptr<GeneratedContents>> g =
      GeneratorRegistry::Global().Make(name, parameter, size);
  if (!g.ok()) return g.status();
  return std::unique_ptr<FileContents>(*std::move(g));
}

}  // namespace

BackendCodec MaterializingCodec(std::string name) {
  BackendCodec codec;
  codec.version = 1;
  codec.save = [](const FileContents& c, SnapshotWriter& w) -> absl::Status {
    const filesize_t size = c.Size();
    w.U64(size);
    std::vector<uint8_t> buf(std::min<filesize_t>(size, MemoryContents::kChunkSize));
    for (filesize_t off = 0; off < size;) {
      const size_t want = static_cast<size_t>(std::min<filesize_t>(buf.size(), size - off));
      Result<size_t> n = c.Read(off, absl::MakeSpan(buf.data(), want));
      if (!n.ok() || *n == 0) {
        return absl::DataLossError(absl::StrCat(
            "reading the file at offset ", off, " of ", size, " failed (",
            n.ok() ? "end of file" : View(ErrnoName(n.error())), ")"));
      }
      w.Raw(absl::MakeConstSpan(buf.data(), *n));
      off += *n;
    }
    return absl::OkStatus();
  };
  codec.load = [name](uint32_t version, SnapshotReader& r, const PayloadLimits& limits)
      -> absl::StatusOr<std::unique_ptr<FileContents>> {
    if (absl::Status s = CheckVersion(name, version); !s.ok()) return s;
    absl::StatusOr<uint64_t> size = ReadBytesSize(r, limits);
    if (!size.ok()) return size.status();
    auto m = std::make_unique<MemoryContents>();
    for (uint64_t off = 0; off < *size;) {
      const uint64_t len = std::min<uint64_t>(MemoryContents::kChunkSize, *size - off);
      absl::Span<const uint8_t> piece = r.Raw(len);
      // Whole-chunk pieces at chunk offsets, so a zero piece left out is
      // exactly a hole and a stored one allocates one chunk.
      if (std::any_of(piece.begin(), piece.end(), [](uint8_t b) { return b != 0; })) {
        if (!m->Write(off, piece).ok()) {
          return absl::InternalError("writing a restored piece failed");
        }
      }
      off += len;
    }
    if (m->Resize(*size) != Errno::kSuccess) {
      return absl::InternalError("sizing a restored file failed");
    }
    return std::unique_ptr<FileContents>(std::move(m));
  };
  codec.name = std::move(name);
  return codec;
}

BackendRegistry::BackendRegistry() {
  (void)Register({"memory", 1, SaveMemory, LoadMemory});
  (void)Register({"blob", 1, SaveBlob, LoadBlob});
  (void)Register({"generated", 1, SaveGenerated, LoadGenerated});
  (void)Register(MaterializingCodec("host_file"));
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
