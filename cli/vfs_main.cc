// The `vfs` command (docs/cli.md): one CLI11 app whose subcommands live in
// cli/cmd_*.cc (see cli/commands.h). This file only parses, maps parse
// errors to exit status 2, and runs the subcommand that was chosen.
#include <cstdio>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace vfs::cli;
  CLI::App vfs(
      "Runs WASI programs in an in-memory filesystem, and packs, inspects and\n"
      "compares file trees (host directories, tars, snapshots, JSON manifests).",
      "vfs");
  // Set before the subcommands are added: they copy the parent's formatter.
  vfs.formatter(MakeFormatter());
  vfs.require_subcommand(1);
  vfs.footer("Run 'vfs SUBCOMMAND --help' for a subcommand's options.");

  const std::vector<Command> commands = {
      AddRunCommand(vfs),  AddInfoCommand(vfs), AddPackCommand(vfs),
      AddUnpackCommand(vfs), AddLsCommand(vfs), AddTreeCommand(vfs),
      AddCatCommand(vfs),  AddDiffCommand(vfs), AddReplayCommand(vfs),
  };

  try {
    vfs.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(vfs.help().c_str(), stdout);  // the chosen subcommand's help
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(vfs.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // The subcommand being parsed, if any, so its usage line is shown.
    const std::vector<CLI::App*> chosen = vfs.get_subcommands();
    if (chosen.empty() && !vfs.remaining().empty()) {
      return UsageFail(vfs, "unknown subcommand '" + vfs.remaining().front() + "'");
    }
    return UsageFail(chosen.empty() ? vfs : *chosen.front(), e.what());
  }
  for (const Command& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return UsageFail(vfs, "no subcommand given");  // require_subcommand(1) prevents it
}
