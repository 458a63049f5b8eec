// `vfs info SNAPSHOT`: checks a snapshot (header, checksum, every record)
// and prints its format version, counts and sizes.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "serialize/snapshot.h"

namespace vfs::cli {

Command AddInfoCommand(CLI::App& vfs) {
  auto path = std::make_shared<std::string>();
  CLI::App* info = vfs.add_subcommand(
      "info",
      "Checks a snapshot and prints what it holds.\n\n"
      "Every part is checked (header, checksum, every record, as a restore\n"
      "would); then its format version, counts and sizes are printed.");
  info->footer("exit status: 0; 1 for an invalid snapshot; 2 for a usage error.");
  info->add_option("SNAPSHOT", *path, "the snapshot file")->type_name("")->required();
  return {info, [info, path] {
            std::ifstream in(*path, std::ios::binary);
            if (!in) return Fail(*info, *path + ": cannot open: " + std::strerror(errno));
            const std::string bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
            absl::StatusOr<SnapshotInfo> parsed = InspectSnapshot(bytes);
            if (!parsed.ok()) {
              return Fail(*info, *path + ": " + std::string(parsed.status().message()));
            }
            std::printf("%s: %zu bytes\n%s", path->c_str(), bytes.size(),
                        FormatSnapshotInfo(*parsed).c_str());
            return kExitOk;
          }};
}

}  // namespace vfs::cli
