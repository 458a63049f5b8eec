#include "vfs/file_contents.h"

#include <vector>

#include "backends/memory_contents.h"

namespace vfs {

Result<size_t> FileContents::Write(filesize_t, absl::Span<const uint8_t>) {
  return Errno::kNotsup;
}

Errno FileContents::Resize(filesize_t) { return Errno::kNotsup; }

Errno FileContents::Allocate(filesize_t, filesize_t) { return Errno::kNotsup; }

std::unique_ptr<FileContents> FileContents::Clone() const {
  auto copy = std::make_unique<MemoryContents>();
  std::vector<uint8_t> buf(64 * 1024);
  filesize_t off = 0;
  const filesize_t size = Size();
  while (off < size) {
    Result<size_t> n = Read(off, absl::MakeSpan(buf));
    if (!n.ok() || *n == 0) break;
    (void)copy->Write(off, absl::MakeConstSpan(buf.data(), *n));
    off += *n;
  }
  if (copy->Size() < size) (void)copy->Resize(size);
  return copy;
}

}  // namespace vfs
