#include "serialize/snapshot.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <new>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/forwarding_contents.h"
#include "backends/memory_contents.h"
#include "cereal/details/helpers.hpp"
#include "xxhash.h"

namespace vfs {

namespace {

// Smallest encoded size of each record, used to bound counts by the bytes
// that remain (see SnapshotReader::Count).
constexpr uint64_t kMinInodeBytes = 8 + 1 + 8 + 3 * 8 + 8;  // symlink, empty target
constexpr uint64_t kMinEntryBytes = 8 + 1 + 8 + 8;
constexpr uint64_t kMinContextBytes = 8;
constexpr uint64_t kMinFdBytes = 4 + 8 + 8 + 8 + 2 + 8 + 1 + 8 + 1;

const BackendRegistry& RegistryOf(const BackendRegistry* r) {
  return r != nullptr ? *r : BackendRegistry::Global();
}

void PutLE(std::string& out, size_t at, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}

uint64_t GetLE(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
  }
  return v;
}

uint64_t Checksum(std::string_view payload) {
  return XXH3_64bits(payload.data(), payload.size());
}

// A capacity hint for the output: the stored bytes of every file, so that
// a large snapshot is written into one allocation.
size_t EstimateSize(const StateImage& image) {
  size_t total = kSnapshotHeaderSize + 64;
  for (const InodeRecord& r : image.inodes) {
    total += 64 + r.target.size() + r.unread.size() + 48 * r.entries.size();
    for (const EntryRecord& e : r.entries) total += e.name.size();
    const FileContents* c =
        r.owned_contents != nullptr ? r.owned_contents.get() : r.contents;
    if (c == nullptr) continue;
    if (const auto* m = dynamic_cast<const MemoryContents*>(c)) {
      total += m->allocated_bytes() + 16 * (m->allocated_bytes() / MemoryContents::kChunkSize + 1);
    } else {
      total += static_cast<size_t>(std::min<filesize_t>(c->Size(), 1u << 26));
    }
  }
  return total;
}

absl::Status EncodeInode(const InodeRecord& r, const BackendRegistry& registry,
                         SnapshotWriter& w) {
  w.U64(r.id);
  w.U8(static_cast<uint8_t>(r.kind));
  w.U64(r.links);
  w.U64(r.atim);
  w.U64(r.mtim);
  w.U64(r.ctim);
  switch (r.kind) {
    case InodeKind::kRoot:
    case InodeKind::kDirectory: {
      w.Bool(r.removed);
      w.U64(r.next_seq);
      w.U64(r.entries.size());
      // Name order, whatever order the entries were captured in.
      std::vector<const EntryRecord*> sorted(r.entries.size());
      for (size_t i = 0; i < r.entries.size(); ++i) sorted[i] = &r.entries[i];
      std::sort(sorted.begin(), sorted.end(),
                [](const EntryRecord* a, const EntryRecord* b) { return a->name < b->name; });
      for (const EntryRecord* e : sorted) {
        w.String(e->name);
        w.U64(e->child);
        w.U64(e->seq);
      }
      break;
    }
    case InodeKind::kFile: {
      const FileContents* c =
          r.owned_contents != nullptr ? r.owned_contents.get() : r.contents;
      if (c == nullptr) return absl::InternalError(absl::StrCat("file ", r.id, " has no contents"));
      // Decorators (fault injection, tracing) are host configuration: the
      // payload is the decorated backend's.
      c = &ForwardingContents::Innermost(*c);
      const std::string_view name = c->backend_name();
      const BackendCodec* codec = registry.Find(name);
      if (codec == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            "file inode ", r.id, " uses backend '", AsAbsl(name),
            "', which has no registered snapshot codec"));
      }
      w.String(name);
      w.U32(codec->version);
      const size_t length_at = w.ReserveU64();
      const size_t start = w.position();
      if (absl::Status s = codec->save(*c, w); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("file inode ", r.id, " (backend '",
                                                   AsAbsl(name), "'): ", s.message()));
      }
      w.PatchU64(length_at, w.position() - start);
      break;
    }
    case InodeKind::kSymlink:
      w.String(r.target);
      break;
    case InodeKind::kBuffer:
      w.U64(r.capacity);
      w.Bool(r.host_input_open);
      w.String(r.unread);
      break;
  }
  return absl::OkStatus();
}

void EncodeFd(const FdRecord& f, SnapshotWriter& w) {
  w.U32(f.fd);
  w.U64(f.inode);
  w.U64(f.base.bits());
  w.U64(f.inheriting.bits());
  w.U16(f.flags.bits());
  w.U64(f.offset);
  w.Bool(f.is_preopen);
  w.String(f.preopen_name);
  w.Bool(f.stream_writer);
}

void DecodeInode(SnapshotReader& r, const LoadOptions& options,
                 const BackendRegistry& registry, InodeRecord& out,
                 absl::Status& error) {
  out.id = r.U64();
  const uint8_t kind = r.U8();
  if (kind > static_cast<uint8_t>(InodeKind::kBuffer)) {
    SnapshotReader::Fail(absl::StrCat("inode ", out.id, " has unknown kind ", kind));
  }
  out.kind = static_cast<InodeKind>(kind);
  out.links = r.U64();
  out.atim = r.U64();
  out.mtim = r.U64();
  out.ctim = r.U64();
  switch (out.kind) {
    case InodeKind::kRoot:
    case InodeKind::kDirectory: {
      out.removed = r.Bool();
      out.next_seq = r.U64();
      const uint64_t n = r.Count(kMinEntryBytes, "directory entry");
      out.entries.reserve(static_cast<size_t>(n));
      for (uint64_t i = 0; i < n; ++i) {
        EntryRecord& e = out.entries.emplace_back();
        e.name = r.String(options.fs.max_name_length, "entry name");
        e.child = r.U64();
        e.seq = r.U64();
      }
      break;
    }
    case InodeKind::kFile: {
      const std::string name = r.String(kMaxBackendNameLength, "backend name");
      const uint32_t version = r.U32();
      const uint64_t length = r.U64();
      const BackendCodec* codec = registry.Find(name);
      if (codec == nullptr) {
        error = absl::NotFoundError(absl::StrCat(
            "file inode ", out.id, " uses backend '", name,
            "', which is not registered"));
        return;
      }
      r.PushLimit(length, "file payload");
      PayloadLimits limits;
      limits.max_file_size = options.fs.max_file_size;
      absl::StatusOr<std::unique_ptr<FileContents>> c = codec->load(version, r, limits);
      if (!c.ok()) {
        error = absl::Status(c.status().code(),
                             absl::StrCat("file inode ", out.id, " (backend '", name,
                                          "'): ", c.status().message()));
        return;
      }
      r.PopLimit(absl::StrCat("file inode ", out.id, " payload"));
      out.owned_contents = *std::move(c);
      break;
    }
    case InodeKind::kSymlink:
      out.target = r.String(options.fs.max_path_length, "symlink target");
      break;
    case InodeKind::kBuffer:
      out.capacity = r.U64();
      out.host_input_open = r.Bool();
      out.unread = r.String(r.remaining(), "stream bytes");
      break;
  }
}

void DecodeFd(SnapshotReader& r, const LoadOptions& options, FdRecord& f) {
  f.fd = r.U32();
  f.inode = r.U64();
  f.base = Rights(r.U64());
  f.inheriting = Rights(r.U64());
  f.flags = Fdflags(r.U16());
  f.offset = r.U64();
  f.is_preopen = r.Bool();
  f.preopen_name = r.String(options.fs.max_path_length, "preopen name");
  f.stream_writer = r.Bool();
}

absl::Status HeaderError(std::string_view bytes) {
  // Compared as string_views: an empty view may have a null data pointer.
  const std::string_view magic(kSnapshotMagic, sizeof(kSnapshotMagic));
  if (bytes.substr(0, magic.size()) != magic.substr(0, bytes.size())) {
    return absl::InvalidArgumentError("not a vfs snapshot (bad magic)");
  }
  if (bytes.size() < kSnapshotHeaderSize) {
    return absl::DataLossError(absl::StrCat("truncated snapshot: ", bytes.size(),
                                            " bytes, shorter than the header"));
  }
  const uint64_t version = GetLE(bytes, 8, 4);
  if (version != kSnapshotVersion) {
    return absl::UnimplementedError(absl::StrCat(
        "snapshot format version ", version, " is not supported (this build reads ",
        kSnapshotVersion, ")"));
  }
  const uint64_t flags = GetLE(bytes, 12, 4);
  if (flags != 0) {
    return absl::UnimplementedError(
        absl::StrFormat("snapshot has unknown flags 0x%x", flags));
  }
  const uint64_t length = GetLE(bytes, 16, 8);
  const uint64_t actual = bytes.size() - kSnapshotHeaderSize;
  if (length != actual) {
    return absl::DataLossError(absl::StrCat(
        "snapshot payload is ", actual, " bytes but the header says ", length,
        actual < length ? " (truncated)" : " (trailing bytes)"));
  }
  return absl::OkStatus();
}

}  // namespace

// Asks for transparent huge pages on a large output buffer: mapping in a
// fresh buffer 4 KiB at a time is most of the cost of saving a large
// snapshot. Advice only; nothing depends on it being taken.
void AdviseHugePages(std::string& out) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (out.capacity() < 4 * kHuge) return;
  const auto begin = reinterpret_cast<uintptr_t>(out.data());
  const uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t last = (begin + out.capacity()) & ~(kHuge - 1);
  if (last > first) {
    (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
}

absl::StatusOr<std::string> EncodeSnapshot(const StateImage& image,
                                           const SaveOptions& options) {
  std::string out;
  if (absl::Status s = EncodeSnapshotInto(image, options, &out); !s.ok()) return s;
  return out;
}

absl::Status EncodeSnapshotInto(const StateImage& image, const SaveOptions& options,
                                std::string* out_ptr) {
  const BackendRegistry& registry = RegistryOf(options.registry);
  std::string& out = *out_ptr;
  out.clear();
  const size_t estimate = EstimateSize(image);
  if (out.capacity() < estimate) {
    out.reserve(estimate);
    AdviseHugePages(out);
  }
  out.append(kSnapshotHeaderSize, '\0');
  try {
    SnapshotWriter w(&out);
    w.Bool(image.clock.deterministic);
    w.U64(image.clock.next);
    w.U64(image.clock.step);
    w.U64(image.next_id);
    // Id order: (id, index) pairs, so the sort never chases a pointer.
    std::vector<std::pair<InodeId, size_t>> order(image.inodes.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = {image.inodes[i].id, i};
    std::sort(order.begin(), order.end());
    w.U64(image.inodes.size());
    for (const auto& [id, i] : order) {
      if (absl::Status s = EncodeInode(image.inodes[i], registry, w); !s.ok()) return s;
    }
    w.U64(image.contexts.size());
    for (const ContextRecord& c : image.contexts) {
      w.U64(c.fds.size());
      for (const FdRecord& f : c.fds) EncodeFd(f, w);
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("encoding the snapshot failed: ", e.what()));
  }
  std::memcpy(out.data(), kSnapshotMagic, sizeof(kSnapshotMagic));
  PutLE(out, 8, kSnapshotVersion, 4);
  PutLE(out, 12, 0, 4);
  const std::string_view payload = std::string_view(out).substr(kSnapshotHeaderSize);
  PutLE(out, 16, payload.size(), 8);
  PutLE(out, 24, Checksum(payload), 8);
  return absl::OkStatus();
}

absl::StatusOr<StateImage> DecodeSnapshot(std::string_view bytes,
                                          const LoadOptions& options) {
  if (absl::Status s = HeaderError(bytes); !s.ok()) return s;
  const std::string_view payload = bytes.substr(kSnapshotHeaderSize);
  if (options.verify_checksum && Checksum(payload) != GetLE(bytes, 24, 8)) {
    return absl::DataLossError("snapshot checksum mismatch: the payload is corrupt");
  }
  const BackendRegistry& registry = RegistryOf(options.registry);
  StateImage image;
  absl::Status error;
  try {
    SnapshotReader r(absl::MakeConstSpan(
        reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
    image.clock.deterministic = r.Bool();
    image.clock.next = r.U64();
    image.clock.step = r.U64();
    image.next_id = r.U64();
    // Counts are bounded by the remaining bytes, so reserving them is
    // bounded too; records are appended as they are decoded, so memory is
    // touched (made resident) only for records actually present.
    const uint64_t inodes = r.Count(kMinInodeBytes, "inode");
    image.inodes.reserve(static_cast<size_t>(inodes));
    InodeId prev = 0;
    for (uint64_t i = 0; i < inodes; ++i) {
      InodeRecord& rec = image.inodes.emplace_back();
      DecodeInode(r, options, registry, rec, error);
      if (!error.ok()) return error;
      if (rec.id <= prev) {  // one canonical encoding: ascending ids
        return absl::DataLossError(absl::StrCat(
            "invalid snapshot: inode ", rec.id, " is out of order or repeated"));
      }
      prev = rec.id;
    }
    const uint64_t contexts = r.Count(kMinContextBytes, "context");
    for (uint64_t i = 0; i < contexts; ++i) {
      ContextRecord& c = image.contexts.emplace_back();
      const uint64_t fds = r.Count(kMinFdBytes, "descriptor");
      c.fds.reserve(static_cast<size_t>(fds));
      for (uint64_t j = 0; j < fds; ++j) DecodeFd(r, options, c.fds.emplace_back());
    }
    if (r.remaining() != 0) {
      return absl::DataLossError(absl::StrCat("invalid snapshot: ", r.remaining(),
                                              " bytes follow the last record"));
    }
  } catch (const SnapshotFormatError& e) {
    return absl::DataLossError(absl::StrCat("invalid snapshot: ", e.what()));
  } catch (const cereal::Exception& e) {
    return absl::DataLossError(absl::StrCat("invalid snapshot: ", e.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory while decoding the snapshot");
  }
  return image;
}

absl::Status SaveSnapshotInto(std::string* out, Filesystem& fs,
                              absl::Span<Context* const> contexts,
                              const SaveOptions& options) {
  return WithCapturedState(fs, contexts, [&](StateImage& image) {
    return EncodeSnapshotInto(image, options, out);
  });
}

absl::StatusOr<std::string> SaveSnapshot(Filesystem& fs,
                                         absl::Span<Context* const> contexts,
                                         const SaveOptions& options) {
  std::string out;
  if (absl::Status s = SaveSnapshotInto(&out, fs, contexts, options); !s.ok()) {
    return s;
  }
  return out;
}

absl::Status SaveSnapshotToFile(const std::string& path, Filesystem& fs,
                                absl::Span<Context* const> contexts,
                                const SaveOptions& options) {
  absl::StatusOr<std::string> bytes = SaveSnapshot(fs, contexts, options);
  if (!bytes.ok()) return bytes.status();
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    f.close();
    if (!f) {
      std::remove(tmp.c_str());
      return absl::UnavailableError(absl::StrCat("cannot write '", path, "'"));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("cannot rename into '", path, "'"));
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<LiveState> DecodeAndBuild(std::string_view bytes,
                                         const FilesystemOptions& fs_options,
                                         const ContextOptions& context_options,
                                         const LoadOptions& options) {
  LoadOptions effective = options;
  effective.fs = fs_options;
  absl::StatusOr<StateImage> image = DecodeSnapshot(bytes, effective);
  if (!image.ok()) return image.status();
  if (absl::Status s = ValidateImage(*image, fs_options, context_options); !s.ok()) {
    return s;
  }
  absl::StatusOr<LiveState> state = BuildState(*image, fs_options, context_options);
  if (!state.ok()) return state.status();
  // Validation covers every invariant fsck checks; this is the backstop.
  if (absl::Status s = state->fs->Fsck(); !s.ok()) {
    return absl::InternalError(absl::StrCat("restored state failed ", s.message()));
  }
  return state;
}

}  // namespace

absl::StatusOr<LiveState> LoadSnapshot(std::string_view bytes,
                                       const LoadOptions& options) {
  return DecodeAndBuild(bytes, options.fs, options.context, options);
}

absl::StatusOr<LiveState> LoadSnapshotFromFile(const std::string& path,
                                               const LoadOptions& options) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open '", path, "'"));
  const std::streamoff size = f.tellg();
  if (size < 0) return absl::UnavailableError(absl::StrCat("cannot size '", path, "'"));
  if (static_cast<uint64_t>(size) > options.max_snapshot_bytes) {
    return absl::OutOfRangeError(absl::StrCat("'", path, "' is ", size,
                                              " bytes, over the limit ",
                                              options.max_snapshot_bytes));
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  f.seekg(0);
  f.read(bytes.data(), size);
  if (!f) return absl::UnavailableError(absl::StrCat("cannot read '", path, "'"));
  absl::StatusOr<LiveState> state = LoadSnapshot(bytes, options);
  if (!state.ok()) {
    return absl::Status(state.status().code(),
                        absl::StrCat("'", path, "': ", state.status().message()));
  }
  return state;
}

absl::Status RestoreSnapshot(std::string_view bytes, Filesystem& target,
                             absl::Span<Context* const> contexts,
                             const LoadOptions& options) {
  const ContextOptions context_options =
      contexts.empty() || contexts[0] == nullptr ? ContextOptions()
                                                 : contexts[0]->options();
  absl::StatusOr<LiveState> built =
      DecodeAndBuild(bytes, target.options(), context_options, options);
  if (!built.ok()) return built.status();
  return SwapState(*built, target, contexts);
  // `built` now holds the old state and is destroyed here.
}

absl::StatusOr<SnapshotInfo> InspectSnapshot(std::string_view bytes,
                                             const LoadOptions& options) {
  absl::StatusOr<StateImage> image = DecodeSnapshot(bytes, options);
  if (!image.ok()) return image.status();
  if (absl::Status s = ValidateImage(*image, options.fs, options.context); !s.ok()) {
    return s;
  }
  SnapshotInfo info;
  info.version = static_cast<uint32_t>(GetLE(bytes, 8, 4));
  info.flags = static_cast<uint32_t>(GetLE(bytes, 12, 4));
  info.payload_bytes = GetLE(bytes, 16, 8);
  info.checksum = GetLE(bytes, 24, 8);
  info.deterministic_clock = image->clock.deterministic;
  info.next_inode_id = image->next_id;
  info.inodes = image->inodes.size();
  for (const InodeRecord& r : image->inodes) {
    info.entries += r.entries.size();
    if (r.links == 0 && r.kind != InodeKind::kRoot) info.unlinked_open++;
    switch (r.kind) {
      case InodeKind::kRoot:
      case InodeKind::kDirectory: info.directories++; break;
      case InodeKind::kFile:
        info.files++;
        if (r.links > 1) info.hard_linked++;
        info.file_bytes += r.owned_contents->Size();
        info.files_by_backend[std::string(r.owned_contents->backend_name())]++;
        break;
      case InodeKind::kSymlink: info.symlinks++; break;
      case InodeKind::kBuffer:
        info.streams++;
        info.stream_bytes += r.unread.size();
        break;
    }
  }
  info.contexts = image->contexts.size();
  for (const ContextRecord& c : image->contexts) {
    info.descriptors += c.fds.size();
    for (const FdRecord& f : c.fds) info.preopens += f.is_preopen ? 1 : 0;
  }
  return info;
}

std::string FormatSnapshotInfo(const SnapshotInfo& i) {
  std::string out = absl::StrFormat(
      "format:       vfs snapshot version %u, flags 0x%x\n"
      "payload:      %u bytes, xxh3-64 %016x (verified)\n"
      "clock:        %s\n"
      "inodes:       %u (next id %u)\n"
      "  dirs %u, files %u, symlinks %u, streams %u\n"
      "  hard-linked files %u, unlinked but open %u\n"
      "entries:      %u\n"
      "file bytes:   %u\n"
      "stream bytes: %u\n"
      "contexts:     %u, descriptors %u, preopens %u\n",
      i.version, i.flags, i.payload_bytes, i.checksum,
      i.deterministic_clock ? "deterministic" : "host", i.inodes, i.next_inode_id,
      i.directories, i.files, i.symlinks, i.streams, i.hard_linked, i.unlinked_open,
      i.entries, i.file_bytes, i.stream_bytes, i.contexts, i.descriptors, i.preopens);
  for (const auto& [name, count] : i.files_by_backend) {
    absl::StrAppendFormat(&out, "backend:      %s: %u files\n", name, count);
  }
  return out;
}

}  // namespace vfs
