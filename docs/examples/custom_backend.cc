// The complete example of docs/backends.md: a FileContents backend of our
// own, used for every file a guest creates, saved and restored through a
// snapshot codec. Built and run by CTest (docs.example.custom_backend), so
// the documentation cannot drift from the API.
//
// The backend keeps a file in one std::string. That is a poor layout for big
// files (MemoryContents uses 64 KiB chunks) but shows every part of the
// contract in a few lines.
#include <cstdio>
#include <memory>
#include <string>

#include "serialize/backend_registry.h"
#include "serialize/snapshot.h"
#include "vfs/context.h"
#include "vfs/file_contents.h"
#include "vfs/filesystem.h"

namespace {

class StringContents final : public vfs::FileContents {
 public:
  explicit StringContents(std::string bytes = {}) : bytes_(std::move(bytes)) {}

  vfs::filesize_t Size() const override { return bytes_.size(); }

  // A short read only at the end of the file; at or past it, 0.
  vfs::Result<size_t> Read(vfs::filesize_t offset,
                           absl::Span<uint8_t> out) const override {
    if (offset >= bytes_.size()) return size_t{0};
    const size_t n = std::min<size_t>(out.size(), bytes_.size() - offset);
    bytes_.copy(reinterpret_cast<char*>(out.data()), n, offset);
    return n;
  }

  // Everything or nothing; a gap before `offset` reads as zeros. The core
  // has already checked the size cap and quotas, so the sum cannot overflow.
  vfs::Result<size_t> Write(vfs::filesize_t offset,
                            absl::Span<const uint8_t> data) override {
    if (offset + data.size() > kMaxBytes) return vfs::Errno::kFbig;
    if (offset + data.size() > bytes_.size()) bytes_.resize(offset + data.size(), '\0');
    bytes_.replace(offset, data.size(), reinterpret_cast<const char*>(data.data()),
                   data.size());
    return data.size();
  }

  // Growing adds zeros; shrinking drops the tail.
  vfs::Errno Resize(vfs::filesize_t size) override {
    if (size > kMaxBytes) return vfs::Errno::kFbig;
    bytes_.resize(size, '\0');
    return vfs::Errno::kSuccess;
  }

  // Never shrinks.
  vfs::Errno Allocate(vfs::filesize_t offset, vfs::filesize_t len) override {
    return offset + len > bytes_.size() ? Resize(offset + len) : vfs::Errno::kSuccess;
  }

  std::string_view backend_name() const override { return "example.string"; }

  // A fork gets its own copy.
  std::unique_ptr<vfs::FileContents> Clone() const override {
    return std::make_unique<StringContents>(bytes_);
  }

  const std::string& bytes() const { return bytes_; }

 private:
  // A std::string cannot hold more than this sensibly; the backend refuses
  // instead of throwing.
  static constexpr vfs::filesize_t kMaxBytes = vfs::filesize_t{1} << 32;
  std::string bytes_;
};

// The snapshot codec: payload = the bytes as a length-prefixed string.
vfs::BackendCodec StringCodec() {
  vfs::BackendCodec codec;
  codec.name = "example.string";
  codec.version = 1;
  codec.save = [](const vfs::FileContents& c, vfs::SnapshotWriter& w) {
    w.String(static_cast<const StringContents&>(c).bytes());
    return absl::OkStatus();
  };
  codec.load = [](uint32_t version, vfs::SnapshotReader& r,
                  const vfs::PayloadLimits& limits)
      -> absl::StatusOr<std::unique_ptr<vfs::FileContents>> {
    if (version != 1) return absl::UnimplementedError("unknown example.string version");
    // String() checks the length against the bytes that remain before it
    // allocates, so a hostile snapshot cannot make us allocate.
    return std::make_unique<StringContents>(r.String(limits.max_file_size, "file bytes"));
  };
  return codec;
}

int Fail(const char* what) {
  std::fprintf(stderr, "custom_backend example: %s\n", what);
  return 1;
}

}  // namespace

int main() {
  // Every file a guest creates gets our backend.
  vfs::FilesystemOptions options;
  options.new_file_contents = [] { return std::make_unique<StringContents>(); };
  auto fs = vfs::Filesystem::Create(options);
  if (!fs->MakeDirectories("data").ok()) return Fail("mkdir");
  vfs::Context ctx(fs);
  absl::StatusOr<vfs::fd_t> dir = ctx.Preopen("data", "/data");
  if (!dir.ok()) return Fail("preopen");

  // What a guest's open(O_CREAT) + write + read do, through preview1 calls.
  vfs::Result<vfs::fd_t> fd =
      ctx.path_open(*dir, vfs::lookupflags::kSymlinkFollow, "hello.txt",
                    vfs::oflags::kCreat, vfs::rights::kRegularFileBase,
                    vfs::Rights(), vfs::Fdflags());
  if (!fd.ok()) return Fail("path_open");
  const std::string text = "written through a custom backend\n";
  absl::Span<const uint8_t> out(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  if (!ctx.fd_write(*fd, absl::MakeConstSpan(&out, 1)).ok()) return Fail("fd_write");
  if (ctx.fd_close(*fd) != vfs::Errno::kSuccess) return Fail("fd_close");

  // Snapshot and restore through a registry that knows the backend.
  vfs::BackendRegistry registry;
  if (!registry.Register(StringCodec()).ok()) return Fail("register");
  vfs::SaveOptions save;
  save.registry = &registry;
  absl::StatusOr<std::string> snapshot = vfs::SaveSnapshot(*fs, {}, save);
  if (!snapshot.ok()) return Fail("save");
  vfs::LoadOptions load;
  load.registry = &registry;
  absl::StatusOr<vfs::LiveState> restored = vfs::LoadSnapshot(*snapshot, load);
  if (!restored.ok()) return Fail("load");
  absl::StatusOr<std::string> back = restored->fs->ReadFile("data/hello.txt");
  if (!back.ok() || *back != text) return Fail("restored bytes differ");

  // Without the codec, saving names the backend that has none.
  absl::StatusOr<std::string> refused = vfs::SaveSnapshot(*fs);
  if (refused.ok()) return Fail("save without a codec should fail");

  std::printf("restored: %s", back->c_str());
  std::printf("without the codec: %s\n", std::string(refused.status().message()).c_str());
  return 0;
}
