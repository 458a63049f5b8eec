// `vfs diff A B`: compares two trees, each in any fixture form, and prints
// the changes that turn A into B (FormatDiff, fixtures/tree_diff.h). Exit
// statuses as diff(1): 0 same, 1 different, 2 trouble.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "fixtures/tree_diff.h"

namespace vfs::cli {
namespace {

constexpr int kExitDiffer = 1;
constexpr int kExitTrouble = 2;

struct DiffArgs {
  std::string a;
  std::string b;
  bool times = false;   // compare atim/mtim/ctim
  bool inodes = false;  // compare inode numbers
  std::vector<std::string> paths;  // --path, as TreePath
};

// `path` is `prefix` or lies beneath it (whole components: "a/b" holds
// "a/b/c", not "a/bc").
bool Within(std::string_view path, std::string_view prefix) {
  if (prefix.empty()) return true;
  return path.size() >= prefix.size() && path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

bool Selected(std::string_view path, const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return true;
  for (const std::string& p : prefixes) {
    if (Within(path, p)) return true;
  }
  return false;
}

int Diff(const CLI::App& cmd, const DiffArgs& args, ProgressMode mode) {
  std::vector<std::string> prefixes;
  for (const std::string& p : args.paths) prefixes.push_back(TreePath(p));
  absl::StatusOr<std::vector<Change>> changes;
  {
    Progress progress("vfs diff", mode);
    absl::StatusOr<std::shared_ptr<Filesystem>> a = LoadTree(args.a, &progress);
    if (!a.ok()) {
      progress.Clear();
      Fail(cmd, std::string(a.status().message()));
      return kExitTrouble;
    }
    absl::StatusOr<std::shared_ptr<Filesystem>> b = LoadTree(args.b, &progress);
    if (!b.ok()) {
      progress.Clear();
      Fail(cmd, std::string(b.status().message()));
      return kExitTrouble;
    }
    (void)progress.Phase("comparing");
    DiffOptions options;
    options.ignore_times = !args.times;
    options.ignore_inode_numbers = !args.inodes;
    if (!prefixes.empty()) {
      // Descend into the prefixes' ancestors to reach them; their own
      // changes are dropped below.
      options.filter = [&prefixes](std::string_view path) {
        for (const std::string& p : prefixes) {
          if (Within(path, p) || Within(p, path)) return true;
        }
        return false;
      };
    }
    changes = DiffTrees(**a, "", **b, "", options);
  }
  if (!changes.ok()) {
    Fail(cmd, std::string(changes.status().message()));
    return kExitTrouble;
  }
  std::vector<Change> shown;
  for (Change& c : *changes) {
    if (Selected(c.path, prefixes)) shown.push_back(std::move(c));
  }
  std::fputs(FormatDiff(shown).c_str(), stdout);
  return shown.empty() ? kExitOk : kExitDiffer;
}

}  // namespace

Command AddDiffCommand(CLI::App& vfs) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* diff = vfs.add_subcommand(
      "diff",
      "Compares two trees and prints what differs.\n\n"
      "The changes that turn tree A into tree B, one per line ('+' added,\n"
      "'-' removed, '~' changed). A and B are each a snapshot, a host\n"
      "directory, a tar or a JSON manifest, in any mix.\n"
      "Compared: kinds, file bytes, symlink targets and link counts. Times and\n"
      "inode numbers are not compared unless asked: two trees made separately\n"
      "(or one copied through a host directory, which cannot keep ctim) always\n"
      "differ in them.");
  diff->footer("exit status: 0 if the trees are the same, 1 if they differ, 2 for\n"
               "trouble (a tree that cannot be read, a usage error), as diff(1).");
  diff->add_option("A", args->a, "the tree before")->type_name("")->required();
  diff->add_option("B", args->b, "the tree after")->type_name("")->required();
  diff->add_flag("--times,!--ignore-times", args->times,
                 "also compare atim, mtim and ctim (default: ignored)");
  diff->add_flag("--inodes,!--ignore-inodes", args->inodes,
                 "also compare inode numbers (default: ignored)");
  diff->add_option("--path", args->paths,
                   "compare only PREFIX and what lies beneath it, whole\n"
                   "path components (repeatable)")
      ->type_name("PREFIX")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  std::function<ProgressMode()> progress = AddProgressFlags(*diff);
  return {diff, [diff, args, progress] { return Diff(*diff, *args, progress()); }};
}

}  // namespace vfs::cli
