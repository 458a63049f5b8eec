#include "cli/host_tree.h"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace vfs::cli {

namespace stdfs = std::filesystem;

absl::Status CopyHostTree(const std::string& host_dir, Filesystem& fs,
                          std::string_view dest) {
  std::error_code ec;
  if (!stdfs::is_directory(host_dir, ec)) {
    return absl::NotFoundError(absl::StrCat("--dir ", host_dir, ": not a directory"));
  }
  if (absl::Status s = fs.MakeDirectories(dest); !s.ok()) return s;
  // Depth-first with each directory's entries sorted by name, so the same
  // host tree always gets the same inode numbers and listing order (the
  // host's own readdir order varies between machines). Iterative: no
  // recursion depth limit.
  std::vector<std::pair<stdfs::path, std::string>> work = {
      {stdfs::path(host_dir), std::string(dest)}};
  while (!work.empty()) {
    auto [dir, inside] = work.back();
    work.pop_back();
    std::vector<stdfs::directory_entry> entries;
    for (stdfs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      entries.push_back(*it);
    }
    if (ec) return absl::InternalError(absl::StrCat(dir.string(), ": ", ec.message()));
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
    std::vector<std::pair<stdfs::path, std::string>> subdirs;
    for (const stdfs::directory_entry& entry : entries) {
      const stdfs::path& p = entry.path();
      const std::string name = p.filename().string();
      const std::string target = inside.empty() ? name : absl::StrCat(inside, "/", name);
      const stdfs::file_status st = entry.symlink_status(ec);
      absl::Status s;
      if (stdfs::is_symlink(st)) {
        s = fs.MakeSymlink(target, stdfs::read_symlink(p, ec).string());
      } else if (stdfs::is_directory(st)) {
        s = fs.MakeDirectories(target);
        subdirs.emplace_back(p, target);
      } else if (stdfs::is_regular_file(st)) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        if (!in.good() && !in.eof()) {
          return absl::DataLossError(absl::StrCat(p.string(), ": read failed"));
        }
        s = fs.WriteFile(target, bytes.str());
      } else {
        std::fprintf(stderr, "vfs: skipping special file %s\n", p.c_str());
        continue;
      }
      if (!s.ok()) return absl::Status(s.code(), absl::StrCat(p.string(), ": ", s.message()));
    }
    // Visit subdirectories in name order (the stack pops the last first).
    work.insert(work.end(), subdirs.rbegin(), subdirs.rend());
  }
  return absl::OkStatus();
}

}  // namespace vfs::cli
