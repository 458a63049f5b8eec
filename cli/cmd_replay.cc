// `vfs replay JOURNAL FIXTURE`: re-runs a call journal (`vfs run --journal`,
// fixtures/journal.h) against a fixture of any form and reports the first
// call whose result differs from the recording, then the tree diff. Exit
// statuses as diff(1): 0 no divergence, 1 diverged, 2 trouble.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "fixtures/fixture.h"
#include "fixtures/journal.h"

namespace vfs::cli {
namespace {

constexpr int kExitDiverged = 1;
constexpr int kExitTrouble = 2;

struct ReplayArgs {
  std::string journal;
  std::string fixture;
  std::string at;  // where the fixture goes in the tree ("" = the root)
  bool times = false;
  bool inodes = false;
};

int Replay(const CLI::App& cmd, const ReplayArgs& args) {
  std::ifstream in(args.journal, std::ios::binary);
  if (!in) {
    Fail(cmd, args.journal + ": cannot open: " + std::strerror(errno));
    return kExitTrouble;
  }
  absl::StatusOr<std::shared_ptr<Filesystem>> fs;
  if (args.at.empty()) {
    fs = LoadTree(args.fixture);
  } else {
    fs = Filesystem::Create();
    absl::Status s = LoadFixture(args.fixture, **fs, TreePath(args.at));
    if (!s.ok()) fs = s;
  }
  if (!fs.ok()) {
    Fail(cmd, std::string(fs.status().message()));
    return kExitTrouble;
  }
  ReplayOptions options;
  options.compare_times = args.times;
  options.compare_inodes = args.inodes;
  options.diff.ignore_inode_numbers = !args.inodes;
  absl::StatusOr<ReplayReport> report = ReplayJournal(in, *fs, options);
  if (!report.ok()) {
    std::string message = args.journal + ": " + std::string(report.status().message());
    if (absl::IsFailedPrecondition(report.status())) {
      message += "\n(the journal's preopens must exist in the fixture; for a journal of "
                 "`vfs run --dir D::PATH`, pass --at PATH)";
    }
    Fail(cmd, message);
    return kExitTrouble;
  }
  std::fputs(report->Format().c_str(), stdout);
  return report->diverged ? kExitDiverged : kExitOk;
}

}  // namespace

Command AddReplayCommand(CLI::App& vfs) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* replay = vfs.add_subcommand(
      "replay",
      "Re-runs a call journal against a fixture and reports the first call\n"
      "whose result differs from the recording, then how the replayed calls\n"
      "changed the fixture's tree.\n\n"
      "JOURNAL comes from `vfs run --journal`. FIXTURE is a host directory,\n"
      "tar, snapshot or JSON manifest holding the tree the guest started from\n"
      "(for `vfs run --dir D::/`, D itself). Stdin reads return what they\n"
      "returned when recorded; output is discarded.");
  replay->footer(
      "exit status: 0 if every call agrees, 1 at a divergence, 2 for an error\n"
      "(unreadable journal or fixture, a usage error).");
  replay->add_option("JOURNAL", args->journal, "the journal file")->type_name("")->required();
  replay->add_option("FIXTURE", args->fixture, "the starting tree")->type_name("")->required();
  replay->add_option("--at", args->at,
                     "put the fixture at GUEST_PATH instead of the root (for\n"
                     "a journal of `vfs run --dir D::GUEST_PATH`)")
      ->type_name("GUEST_PATH");
  replay->add_flag("--times", args->times,
                   "compare stat times too (default: ignored, as they differ\n"
                   "between any two runs on a real clock)");
  replay->add_flag("--inodes", args->inodes,
                   "compare inode numbers too (default: ignored, as a fixture\n"
                   "loaded in another order numbers its inodes differently)");
  return {replay, [replay, args] { return Replay(*replay, *args); }};
}

}  // namespace vfs::cli
