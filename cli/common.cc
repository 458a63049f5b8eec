// Helpers the `vfs` subcommands share (cli/commands.h).
#include <cstdio>
#include <ctime>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "fixtures/fixture.h"

namespace vfs::cli {
namespace {

// CLI11's layout with the usage line first (as getopt tools print it), a
// lower-case "usage:" (the wording `vfs` always used), an optional tail on
// the usage line, and one-line subcommand summaries in `vfs --help`.
class VfsFormatter : public CLI::Formatter {
 public:
  explicit VfsFormatter(std::string usage_tail) : usage_tail_(std::move(usage_tail)) {
    label("Usage", "usage");
    column_width(34);
  }

  std::string make_usage(const CLI::App* app, std::string name) const override {
    std::string usage = CLI::Formatter::make_usage(app, std::move(name));
    if (!usage_tail_.empty() && !usage.empty() && usage.back() == '\n') {
      usage.insert(usage.size() - 1, " " + usage_tail_);
    }
    return usage;
  }

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
    std::string out = make_usage(app, name);
    const std::string description = make_description(app);
    if (!description.empty()) out += "\n" + description;
    out += make_positionals(app);
    out += make_groups(app, mode);
    out += make_subcommands(app, mode);
    const std::string footer = make_footer(app);
    if (!footer.empty()) out += "\n" + footer;
    return out;
  }

  // Only a subcommand's summary, its description's first line: the rest
  // (after a blank line) is for its own --help.
  std::string make_subcommand(const CLI::App* sub) const override {
    const std::string& description = sub->get_description();
    std::string first = description.substr(0, description.find('\n'));
    std::string out = "  " + sub->get_display_name(true);
    if (out.size() < get_column_width()) out.resize(get_column_width(), ' ');
    else out += "\n" + std::string(get_column_width(), ' ');
    return out + first + "\n";
  }

 private:
  const std::string usage_tail_;
};

}  // namespace

std::shared_ptr<CLI::Formatter> MakeFormatter(std::string usage_tail) {
  return std::make_shared<VfsFormatter>(std::move(usage_tail));
}

int Fail(const CLI::App& command, std::string_view message) {
  std::fprintf(stderr, "vfs %s: %.*s\n", command.get_name().c_str(),
               static_cast<int>(message.size()), message.data());
  return kExitFailure;
}

int UsageFail(const CLI::App& command, std::string_view message) {
  std::string name = command.get_name();
  for (const CLI::App* up = command.get_parent(); up != nullptr; up = up->get_parent()) {
    name = up->get_name() + " " + name;
  }
  auto formatter = std::dynamic_pointer_cast<CLI::Formatter>(command.get_formatter());
  const std::string usage = formatter ? formatter->make_usage(&command, name) : "";
  std::fprintf(stderr, "%s: %.*s\n%sRun '%s --help' for more.\n", name.c_str(),
               static_cast<int>(message.size()), message.data(), usage.c_str(),
               name.c_str());
  return kExitUsage;
}

std::function<ProgressMode()> AddProgressFlags(CLI::App& command) {
  auto mode = std::make_shared<ProgressMode>(ProgressMode::kAuto);
  CLI::Option* on = command.add_flag_callback(
      "--progress", [mode] { *mode = ProgressMode::kAlways; },
      "draw the progress line on stderr even when it is not a terminal");
  CLI::Option* off = command.add_flag_callback(
      "--no-progress", [mode] { *mode = ProgressMode::kNever; },
      "never draw it (by default it is drawn only when stderr is a terminal)");
  on->excludes(off);
  return [mode] { return *mode; };
}

absl::StatusOr<std::shared_ptr<Filesystem>> LoadTree(const std::string& host_path,
                                                     Progress* progress) {
  FixtureOptions options;
  if (progress != nullptr) options.progress = progress->Phase("loading " + host_path);
  return LoadFixture(host_path, options);
}

std::string TreePath(std::string_view typed) {
  while (!typed.empty() && typed.front() == '/') typed.remove_prefix(1);
  while (!typed.empty() && typed.back() == '/') typed.remove_suffix(1);
  return std::string(typed);
}

std::string TreeError(const std::string& fixture, std::string_view path,
                      const absl::Status& status) {
  // Filesystem errors read "'<path>': <errno name>" (vfs/status.h); say the
  // common ones in words, and show the rest as they are.
  static constexpr std::pair<std::string_view, std::string_view> kWords[] = {
      {"noent", "no such file or directory"},
      {"notdir", "a component of the path is not a directory"},
      {"loop", "too many levels of symbolic links"},
      {"perm", "the path or a symlink on it leads outside the tree"},
      {"nametoolong", "name too long"},
      {"ilseq", "not valid UTF-8"},
  };
  const std::string full(status.message());
  const std::string_view message = full;
  std::string said = full;
  const size_t colon = message.rfind(": ");
  if (colon != std::string_view::npos) {
    for (const auto& [name, words] : kWords) {
      if (message.substr(colon + 2) == name) said = std::string(words);
    }
  }
  return absl::StrCat(fixture, ": ", DisplayName(absl::StrCat("/", TreePath(path))), ": ",
                      said);
}



std::string HumanSize(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  // Move up while the value would print as 1024.0 or more ("1024.0 KiB" for
  // 1048575 bytes reads wrong; "1.0 MiB" is what it rounds to).
  while (value >= 1023.95 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", value, kUnits[unit]);
}

std::string FormatTimestamp(uint64_t nanoseconds) {
  const time_t seconds = static_cast<time_t>(nanoseconds / 1000000000u);
  struct tm utc = {};
  if (gmtime_r(&seconds, &utc) == nullptr) return absl::StrCat(nanoseconds, "ns");
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  return absl::StrFormat("%s.%09uZ", date, static_cast<unsigned>(nanoseconds % 1000000000u));
}

}  // namespace vfs::cli
