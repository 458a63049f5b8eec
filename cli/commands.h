// The `vfs` subcommands (docs/cli.md) and what they share. Each subcommand
// is one Add*Command function in its own file: it adds a CLI11 subcommand
// whose options are bound to state the returned runner owns, and main runs
// the runner of the subcommand that was parsed. Adding a subcommand is one
// Add*Command function and one line in vfs_main.cc.
#ifndef CLI_COMMANDS_H_
#define CLI_COMMANDS_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/progress.h"
#include "fixtures/tree_diff.h"
#include "vfs/filesystem.h"

namespace vfs::cli {

// Exit statuses shared by every subcommand (`vfs diff` adds 1 = "differ").
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command could not do its job
inline constexpr int kExitUsage = 2;    // bad arguments

struct Command {
  CLI::App* app = nullptr;
  // Called once after a successful parse; returns the exit status.
  std::function<int()> run;
};

Command AddRunCommand(CLI::App& vfs);     // cmd_run.cc
Command AddInfoCommand(CLI::App& vfs);    // cmd_info.cc
Command AddPackCommand(CLI::App& vfs);    // cmd_pack.cc
Command AddUnpackCommand(CLI::App& vfs);  // cmd_pack.cc
Command AddLsCommand(CLI::App& vfs);      // cmd_inspect.cc
Command AddTreeCommand(CLI::App& vfs);    // cmd_inspect.cc
Command AddCatCommand(CLI::App& vfs);     // cmd_inspect.cc
Command AddDiffCommand(CLI::App& vfs);    // cmd_diff.cc
Command AddReplayCommand(CLI::App& vfs);  // cmd_replay.cc

// ---- Shared helpers (common.cc). ----

// The help layout of every subcommand: "usage: vfs NAME [OPTIONS] ..."
// first, then the description, options and footer. `usage_tail` is appended
// to the usage line, for operands CLI11 does not parse itself (`vfs run`'s
// MODULE.wasm [ARGS...]).
std::shared_ptr<CLI::Formatter> MakeFormatter(std::string usage_tail = "");

// Prints "vfs NAME: message" on stderr and returns kExitFailure.
int Fail(const CLI::App& command, std::string_view message);
// Prints "vfs NAME: message", the usage line and where to find more on
// stderr, and returns kExitUsage.
int UsageFail(const CLI::App& command, std::string_view message);

// Adds --progress / --no-progress to `command`; the returned function gives
// the mode once parsing is done (kAuto when neither was given).
std::function<ProgressMode()> AddProgressFlags(CLI::App& command);

// Loads a fixture of any form (host directory, tar, snapshot, manifest; see
// fixtures/fixture.h) into a new Filesystem, as progress phase
// "loading PATH" when `progress` is given.
absl::StatusOr<std::shared_ptr<Filesystem>> LoadTree(const std::string& host_path,
                                                     Progress* progress = nullptr);

// A path inside a tree as typed ("/a/b/", "a/b") in the form Filesystem
// takes ("a/b"; "" for the root).
std::string TreePath(std::string_view typed);

// An error about `path` in the tree loaded from `fixture`, as a user reads
// it: "FIXTURE: /PATH: no such file or directory".
std::string TreeError(const std::string& fixture, std::string_view path,
                      const absl::Status& status);

// Names and symlink targets are shown as FormatDiff shows them (quoted with
// C escapes when they hold a control byte, '"' or '\'), so a hostile name
// cannot move the cursor or forge a line.
using ::vfs::DisplayName;

// "5 B", "1023 B", "1.0 KiB", "12.5 MiB", ... (powers of 1024).
std::string HumanSize(uint64_t bytes);

// A timestamp in nanoseconds since the epoch as UTC ISO 8601 with all nine
// digits: "2024-05-01T12:00:00.000000001Z".
std::string FormatTimestamp(uint64_t nanoseconds);

}  // namespace vfs::cli

#endif  // CLI_COMMANDS_H_
