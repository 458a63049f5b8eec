#include "cli/changes.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "vfs/file_contents.h"

namespace vfs::cli {

namespace {

// A hash of a file's bytes, read 64 KiB at a time so a file of any size
// costs one buffer (Filesystem::ReadFile would read it whole). Both captures
// cut the same pieces, so equal bytes hash equally.
size_t HashContents(Filesystem& fs, const std::string& path) {
  constexpr size_t kPiece = 64 * 1024;
  std::vector<uint8_t> buf(kPiece);
  size_t hash = 0;
  absl::Status s = fs.WithContents(path, [&](const FileContents& contents) {
    const filesize_t size = contents.Size();
    for (filesize_t offset = 0; offset < size;) {
      const size_t want = static_cast<size_t>(std::min<filesize_t>(kPiece, size - offset));
      Result<size_t> n = contents.Read(offset, absl::MakeSpan(buf.data(), want));
      if (!n.ok() || *n == 0) break;  // unreadable: compared by size alone
      hash = absl::HashOf(hash, absl::string_view(reinterpret_cast<const char*>(buf.data()), *n));
      offset += *n;
    }
  });
  return s.ok() ? hash : 0;
}

}  // namespace

TreeState CaptureTree(Filesystem& fs) {
  TreeState state;
  absl::StatusOr<std::vector<Filesystem::Entry>> entries = fs.List();
  if (!entries.ok()) return state;
  for (const Filesystem::Entry& e : *entries) {
    TreeItem item;
    item.kind = e.kind;
    item.size = e.stat.size;
    item.ino = e.stat.ino;
    if (e.kind == InodeKind::kFile) {
      item.content_hash = HashContents(fs, e.path);
    } else if (e.kind == InodeKind::kSymlink) {
      item.content_hash = std::hash<std::string>()(e.target);
    }
    state.emplace("/" + e.path, item);
  }
  return state;
}

namespace {
std::string Describe(const TreeItem& item) {
  if (item.kind == InodeKind::kFile) return absl::StrCat(" (file, ", item.size, " bytes)");
  return absl::StrCat(" (", std::string(InodeKindName(item.kind)), ")");
}
}  // namespace

std::vector<std::string> DescribeChanges(const TreeState& before,
                                         const TreeState& after) {
  std::vector<std::string> out;
  std::set<std::string> renamed_to;
  std::map<inode_t, std::string> added_by_ino;
  for (const auto& [path, item] : after) {
    if (!before.count(path)) added_by_ino.emplace(item.ino, path);
  }
  for (const auto& [path, item] : before) {
    auto it = after.find(path);
    if (it == after.end()) {
      auto moved = added_by_ino.find(item.ino);
      if (moved != added_by_ino.end() && after.at(moved->second).kind == item.kind) {
        out.push_back(absl::StrCat("> ", path, " -> ", moved->second));
        renamed_to.insert(moved->second);
      } else {
        out.push_back(absl::StrCat("- ", path));
      }
    } else if (it->second.kind != item.kind ||
               it->second.content_hash != item.content_hash ||
               it->second.size != item.size) {
      std::string what = Describe(it->second);
      if (it->second.kind == InodeKind::kFile && item.kind == InodeKind::kFile) {
        what = absl::StrCat(" (file, ", item.size, " -> ", it->second.size, " bytes)");
      }
      out.push_back(absl::StrCat("~ ", path, what));
    }
  }
  for (const auto& [path, item] : after) {
    if (!before.count(path) && !renamed_to.count(path)) {
      out.push_back(absl::StrCat("+ ", path, Describe(item)));
    }
  }
  return out;
}

}  // namespace vfs::cli
