#include "cli/host_tree.h"

#include <cstdio>
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
  const std::string base = std::string(dest);
  auto join = [&](const stdfs::path& rel) {
    return base.empty() ? rel.generic_string()
                        : absl::StrCat(base, "/", rel.generic_string());
  };
  stdfs::recursive_directory_iterator it(host_dir, stdfs::directory_options::none, ec);
  if (ec) return absl::InternalError(absl::StrCat(host_dir, ": ", ec.message()));
  for (; it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return absl::InternalError(absl::StrCat(host_dir, ": ", ec.message()));
    const stdfs::path& p = it->path();
    // lexically: relative() would resolve symlinks and name their targets.
    const std::string target = join(p.lexically_relative(host_dir));
    const stdfs::file_status st = it->symlink_status(ec);
    absl::Status s;
    if (stdfs::is_symlink(st)) {
      s = fs.MakeSymlink(target, stdfs::read_symlink(p, ec).string());
    } else if (stdfs::is_directory(st)) {
      s = fs.MakeDirectories(target);
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
  return absl::OkStatus();
}

}  // namespace vfs::cli
