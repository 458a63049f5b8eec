#include "cli/changes.h"

#include <functional>
#include <set>

#include "absl/strings/str_cat.h"

namespace vfs::cli {

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
      absl::StatusOr<std::string> bytes = fs.ReadFile(e.path);
      item.content_hash = std::hash<std::string>()(bytes.ok() ? *bytes : "");
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
