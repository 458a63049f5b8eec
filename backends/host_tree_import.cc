#include "backends/host_tree_import.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "vfs/context.h"

namespace vfs {

namespace stdfs = std::filesystem;

namespace {

// Adds one regular file: `host` is its host path, `target` its path in the
// Filesystem.
using AddRegularFile =
    std::function<absl::Status(const stdfs::path& host, const std::string& target)>;

// The walk both CopyHostTree and ImportHostTree share (see the header): only
// what happens to a regular file differs.
absl::Status WalkHostTree(const std::string& host_dir, Filesystem& fs,
                          std::string_view dest, const AddRegularFile& add_file) {
  std::error_code ec;
  if (!stdfs::is_directory(host_dir, ec)) {
    return absl::NotFoundError(absl::StrCat(host_dir, ": not a directory"));
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
      if (ec) return absl::InternalError(absl::StrCat(p.string(), ": ", ec.message()));
      absl::Status s;
      if (stdfs::is_symlink(st)) {
        const stdfs::path link = stdfs::read_symlink(p, ec);
        if (ec) return absl::InternalError(absl::StrCat(p.string(), ": ", ec.message()));
        s = fs.MakeSymlink(target, link.string());
      } else if (stdfs::is_directory(st)) {
        s = fs.MakeDirectories(target);
        subdirs.emplace_back(p, target);
      } else if (stdfs::is_regular_file(st)) {
        s = add_file(p, target);
      } else {
        std::fprintf(stderr, "vfs: skipping special file %s\n", p.c_str());
        continue;
      }
      if (!s.ok()) {
        // Messages that already name the host path (HostFileContents::Open,
        // a failed read) are passed on as they are.
        if (absl::StartsWith(s.message(), p.string())) return s;
        return absl::Status(s.code(), absl::StrCat(p.string(), ": ", s.message()));
      }
    }
    // Visit subdirectories in name order (the stack pops the last first).
    work.insert(work.end(), subdirs.rbegin(), subdirs.rend());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CopyHostTree(const std::string& host_dir, Filesystem& fs,
                          std::string_view dest) {
  return WalkHostTree(
      host_dir, fs, dest,
      [&fs](const stdfs::path& p, const std::string& target) -> absl::Status {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        if (!in.good() && !in.eof()) {
          return absl::DataLossError(absl::StrCat(p.string(), ": read failed"));
        }
        return fs.WriteFile(target, bytes.str());
      });
}

absl::Status ImportHostTree(const std::string& host_dir, Filesystem& fs,
                            std::string_view dest, HostFileMode mode) {
  // Replacing an existing file needs an unlink, which only a Context can do;
  // it is made on first need. It must not own `fs` (the caller does), hence
  // the no-op deleter; it lives only for this call.
  std::unique_ptr<Context> unlinker;
  fd_t root_fd = 0;
  return WalkHostTree(
      host_dir, fs, dest,
      [&](const stdfs::path& p, const std::string& target) -> absl::Status {
        absl::StatusOr<std::unique_ptr<HostFileContents>> contents =
            HostFileContents::Open(p.string(), mode);
        if (!contents.ok()) return contents.status();
        absl::StatusOr<Filestat> existing = fs.Stat(target, /*follow=*/false);
        if (existing.ok() && existing->filetype == Filetype::kRegularFile) {
          if (unlinker == nullptr) {
            unlinker = std::make_unique<Context>(
                std::shared_ptr<Filesystem>(&fs, [](Filesystem*) {}));
            absl::StatusOr<fd_t> fd = unlinker->Preopen("", "/");
            if (!fd.ok()) return fd.status();
            root_fd = *fd;
          }
          const Errno e = unlinker->path_unlink_file(root_fd, target);
          if (e != Errno::kSuccess) {
            return absl::InternalError(absl::StrCat(
                "cannot replace ", target, ": ", std::string(ErrnoName(e))));
          }
        }
        return fs.AddFile(target, *std::move(contents));
      });
}

}  // namespace vfs
