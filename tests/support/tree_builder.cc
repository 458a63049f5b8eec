#include "tests/support/tree_builder.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace vfs::testing {
namespace {

std::string Unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out.push_back(c == 'n' ? '\n' : c == '0' ? '\0' : c);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

absl::Status BuildTree(Filesystem& fs, std::string_view spec) {
  for (absl::string_view line : absl::StrSplit(AsAbsl(spec), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    size_t pos;
    absl::Status s;
    if ((pos = line.find(" -> ")) != absl::string_view::npos) {
      s = fs.MakeSymlink(std::string(line.substr(0, pos)),
                         std::string(line.substr(pos + 4)));
    } else if ((pos = line.find(" => ")) != absl::string_view::npos) {
      s = fs.MakeHardLink(std::string(line.substr(pos + 4)),
                          std::string(line.substr(0, pos)));
    } else if ((pos = line.find(" =")) != absl::string_view::npos) {
      absl::string_view text = line.substr(pos + 2);
      absl::ConsumePrefix(&text, " ");
      s = fs.WriteFile(std::string(line.substr(0, pos)), Unescape(text));
    } else if (line.back() == '/') {
      s = fs.MakeDirectories(std::string(line));
    } else {
      return absl::InvalidArgumentError(absl::StrCat("bad spec line: ", line));
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string SubtreeDigest(Filesystem& fs, std::string_view path) {
  // Dump is deterministic and lists names, kinds, nlink, sizes and targets;
  // contents are added by reading every file found.
  std::string dump = fs.Dump();
  std::string out;
  const std::string prefix(path);
  // Walk the dump lines belonging to `path` by re-deriving full paths.
  std::vector<std::string> stack;
  for (absl::string_view line : absl::StrSplit(dump, '\n')) {
    if (line.empty() || line.front() == '/' || line.front() == '(') continue;
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    const size_t depth = indent / 2 - 1;
    absl::string_view rest = line.substr(indent);
    const size_t bracket = rest.find(" [");
    std::string name(rest.substr(0, bracket));
    stack.resize(depth);
    stack.push_back(name);
    std::string full = absl::StrJoin(stack, "/");
    if (full != prefix && !absl::StartsWith(full, prefix + "/")) continue;
    // Drop the ino= field: inode numbers are not content.
    std::string meta(rest.substr(bracket));
    const size_t ino = meta.find(" ino=");
    if (ino != std::string::npos) {
      const size_t end = meta.find(' ', ino + 1);
      meta.erase(ino, end - ino);
    }
    absl::StrAppend(&out, full, meta, "\n");
    if (meta.find("[file") == 1) {
      auto bytes = fs.ReadFile(full);
      absl::StrAppend(&out, bytes.ok() ? *bytes : std::string("<unreadable>"), "\n");
    }
  }
  return out;
}

}  // namespace vfs::testing
