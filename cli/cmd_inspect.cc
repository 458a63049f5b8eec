// `vfs ls`, `vfs tree` and `vfs cat`: look inside a tree (any fixture form,
// loaded into memory) without unpacking it.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "vfs/file_contents.h"

namespace vfs::cli {
namespace {

constexpr const char* kTreeForms =
    "TREE is a snapshot, or any other form of a tree: a host directory, a tar or\n"
    "a JSON manifest. PATH is inside the tree ('/' or nothing: its root).";

struct InspectArgs {
  std::string tree;  // the fixture on the host
  std::string path;  // inside it
  bool long_form = false;
};

std::string_view KindName(InodeKind kind) {
  switch (kind) {
    case InodeKind::kRoot:
    case InodeKind::kDirectory: return "dir";
    case InodeKind::kFile: return "file";
    case InodeKind::kSymlink: return "symlink";
    case InodeKind::kBuffer: return "stream";
  }
  return "?";
}

std::string LastComponent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// `status` with its message in a user's words (TreeError), code kept.
absl::Status Reworded(const std::string& tree, const std::string& path,
                      const absl::Status& status) {
  return absl::Status(status.code(), TreeError(tree, path, status));
}

// Loads the tree for ls/tree/cat; on failure prints the error.
std::shared_ptr<Filesystem> Load(const CLI::App& cmd, const std::string& tree) {
  absl::StatusOr<std::shared_ptr<Filesystem>> fs = LoadTree(tree);
  if (!fs.ok()) {
    Fail(cmd, std::string(fs.status().message()));
    return nullptr;
  }
  return *fs;
}

// What `path` names: the entry itself (a final symlink is not followed), or
// an error in a user's words. `dir` is set when it is a directory or a
// symlink that leads to one.
absl::StatusOr<Filesystem::Entry> Lookup(Filesystem& fs, const std::string& tree,
                                         const std::string& path, bool* dir) {
  Filesystem::Entry entry;
  entry.path = path;
  if (path.empty()) {  // the root: not an entry of any directory
    entry.kind = InodeKind::kRoot;
    absl::StatusOr<Filestat> st = fs.Stat("");
    if (!st.ok()) return Reworded(tree, path, st.status());
    entry.stat = *st;
    *dir = true;
    return entry;
  }
  absl::StatusOr<Filestat> st = fs.Stat(path, /*follow=*/false);
  if (!st.ok()) return Reworded(tree, path, st.status());
  // The entry as its directory lists it, for its kind and symlink target.
  absl::StatusOr<std::vector<Filesystem::Entry>> siblings = fs.List(ParentOf(path));
  if (!siblings.ok()) return Reworded(tree, path, siblings.status());
  const std::string leaf = LastComponent(path);
  bool found = false;
  for (Filesystem::Entry& e : *siblings) {
    if (e.path == leaf) {
      entry.kind = e.kind;
      entry.target = std::move(e.target);
      found = true;
      break;
    }
  }
  if (!found) {
    // "a/.." and the like: not a name in a directory; only a directory
    // resolves that way.
    entry.kind = InodeKind::kDirectory;
  }
  entry.stat = *st;
  *dir = entry.kind == InodeKind::kDirectory;
  if (entry.kind == InodeKind::kSymlink) {
    absl::StatusOr<Filestat> followed = fs.Stat(path, /*follow=*/true);
    *dir = followed.ok() && followed->filetype == Filetype::kDirectory;
  }
  return entry;
}

// The entries directly in directory `path`, sorted by name (byte order);
// their `path` is their name.
absl::StatusOr<std::vector<Filesystem::Entry>> Children(Filesystem& fs, const std::string& tree,
                                                        const std::string& path) {
  absl::StatusOr<std::vector<Filesystem::Entry>> all = fs.List(path);
  if (!all.ok()) return Reworded(tree, path, all.status());
  std::vector<Filesystem::Entry> out;
  for (Filesystem::Entry& e : *all) {
    if (e.path.find('/') == std::string::npos) out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const Filesystem::Entry& a, const Filesystem::Entry& b) { return a.path < b.path; });
  return out;
}

// ---- ls ----

void PrintListing(const std::vector<Filesystem::Entry>& entries, bool long_form) {
  std::vector<std::vector<std::string>> rows;
  if (long_form) rows.push_back({"KIND", "LINKS", "INODE", "SIZE", "MTIM", "ATIM", "CTIM", "NAME"});
  for (const Filesystem::Entry& e : entries) {
    std::string name = DisplayName(e.path);
    if (!long_form) {
      rows.push_back({std::string(KindName(e.kind)), absl::StrCat(e.stat.size), name});
      continue;
    }
    if (e.kind == InodeKind::kSymlink) name += " -> " + DisplayName(e.target);
    rows.push_back({std::string(KindName(e.kind)), absl::StrCat(e.stat.nlink),
                    absl::StrCat(e.stat.ino), absl::StrCat(e.stat.size),
                    FormatTimestamp(e.stat.mtim), FormatTimestamp(e.stat.atim),
                    FormatTimestamp(e.stat.ctim), name});
  }
  if (rows.empty()) return;
  // Column widths; the kind is left-aligned, numbers right-aligned, the
  // name (last) is not padded.
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  const bool numeric[] = {false, true, true, true, false, false, false, false};
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      const bool right = long_form ? numeric[i] : i == 1;
      const std::string pad(width[i] - row[i].size(), ' ');
      line += right ? pad + row[i] : row[i] + pad;
      line += "  ";
    }
    line += row.back();
    std::printf("%s\n", line.c_str());
  }
}

int Ls(const CLI::App& cmd, const InspectArgs& args) {
  std::shared_ptr<Filesystem> fs = Load(cmd, args.tree);
  if (fs == nullptr) return kExitFailure;
  const std::string path = TreePath(args.path);
  bool dir = false;
  absl::StatusOr<Filesystem::Entry> self = Lookup(*fs, args.tree, path, &dir);
  if (!self.ok()) return Fail(cmd, std::string(self.status().message()));
  if (!dir) {  // a file or a symlink lists itself, named by its path
    self->path = path;
    PrintListing({*self}, args.long_form);
    return kExitOk;
  }
  absl::StatusOr<std::vector<Filesystem::Entry>> children = Children(*fs, args.tree, path);
  if (!children.ok()) return Fail(cmd, std::string(children.status().message()));
  PrintListing(*children, args.long_form);
  return kExitOk;
}

// ---- tree ----

std::string Plural(uint64_t n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

// One entry's label in the drawing: "a.txt (5 B)", "sub/", "l -> target".
std::string TreeLabel(const std::string& name, const Filesystem::Entry& e) {
  switch (e.kind) {
    case InodeKind::kRoot:
    case InodeKind::kDirectory: return name + "/";
    case InodeKind::kSymlink: return name + " -> " + DisplayName(e.target);
    default: break;
  }
  std::string label = absl::StrCat(name, " (", HumanSize(e.stat.size));
  if (e.stat.nlink > 1) absl::StrAppend(&label, ", ", e.stat.nlink, " links");
  return label + ")";
}

int Tree(const CLI::App& cmd, const InspectArgs& args) {
  std::shared_ptr<Filesystem> fs = Load(cmd, args.tree);
  if (fs == nullptr) return kExitFailure;
  const std::string path = TreePath(args.path);
  bool dir = false;
  absl::StatusOr<Filesystem::Entry> self = Lookup(*fs, args.tree, path, &dir);
  if (!self.ok()) return Fail(cmd, std::string(self.status().message()));
  const std::string root_name = DisplayName("/" + path);
  if (!dir) {
    std::printf("%s\n", TreeLabel(root_name, *self).c_str());
    return kExitOk;
  }
  absl::StatusOr<std::vector<Filesystem::Entry>> all = fs->List(path);
  if (!all.ok()) return Fail(cmd, TreeError(args.tree, path, all.status()));

  // Children of each directory, by its path relative to `path` ("" for
  // `path` itself), sorted by name.
  std::map<std::string, std::vector<const Filesystem::Entry*>> children;
  uint64_t dirs = 0, files = 0, links = 0;
  for (const Filesystem::Entry& e : *all) {
    children[ParentOf(e.path)].push_back(&e);
    if (e.kind == InodeKind::kDirectory) ++dirs;
    else if (e.kind == InodeKind::kSymlink) ++links;
    else ++files;
  }
  for (auto& [parent, kids] : children) {
    std::sort(kids.begin(), kids.end(), [](const Filesystem::Entry* a, const Filesystem::Entry* b) {
      return LastComponent(a->path) < LastComponent(b->path);
    });
  }

  std::printf("%s\n", path.empty() ? "/" : (root_name + "/").c_str());
  // Depth-first with an explicit stack: a tree may be deeper than the C++
  // stack allows recursion.
  struct Frame {
    const std::vector<const Filesystem::Entry*>* kids;
    size_t next;
    std::string prefix;  // what goes before this level's branches
  };
  static const std::vector<const Filesystem::Entry*> kNone;
  auto kids_of = [&](const std::string& p) -> const std::vector<const Filesystem::Entry*>* {
    auto it = children.find(p);
    return it == children.end() ? &kNone : &it->second;
  };
  std::vector<Frame> stack = {{kids_of(""), 0, ""}};
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.kids->size()) {
      stack.pop_back();
      continue;
    }
    const Filesystem::Entry& e = *(*top.kids)[top.next++];
    const bool last = top.next == top.kids->size();
    std::printf("%s%s%s\n", top.prefix.c_str(), last ? "└── " : "├── ",
                TreeLabel(DisplayName(LastComponent(e.path)), e).c_str());
    if (e.kind == InodeKind::kDirectory) {
      std::string prefix = top.prefix + (last ? "    " : "│   ");
      stack.push_back({kids_of(e.path), 0, std::move(prefix)});  // `top` is invalid now
    }
  }
  std::printf("\n%s, %s, %s\n", Plural(dirs, "directory", "directories").c_str(),
              Plural(files, "file", "files").c_str(), Plural(links, "symlink", "symlinks").c_str());
  return kExitOk;
}

// ---- cat ----

bool WriteOut(const uint8_t* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(1, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int Cat(const CLI::App& cmd, const InspectArgs& args) {
  std::shared_ptr<Filesystem> fs = Load(cmd, args.tree);
  if (fs == nullptr) return kExitFailure;
  const std::string path = TreePath(args.path);
  const std::string shown = DisplayName("/" + path);
  absl::StatusOr<Filestat> st = fs->Stat(path, /*follow=*/true);
  if (!st.ok()) return Fail(cmd, TreeError(args.tree, path, st.status()));
  if (st->filetype == Filetype::kDirectory) {
    return Fail(cmd, absl::StrCat(args.tree, ": ", shown, ": is a directory"));
  }
  if (st->filetype != Filetype::kRegularFile) {
    return Fail(cmd, absl::StrCat(args.tree, ": ", shown, ": not a regular file"));
  }
  // Piece by piece straight from the file's contents: a file of any size
  // costs one buffer. (Reading through a Context would work too, but the
  // host API has no piecewise read, and the tree is discarded anyway.)
  constexpr size_t kPiece = 64 * 1024;
  std::vector<uint8_t> buf(kPiece);
  std::string error;
  absl::Status s = fs->WithContents(path, [&](const FileContents& contents) {
    const filesize_t size = contents.Size();
    filesize_t offset = 0;
    while (offset < size) {
      const size_t want = static_cast<size_t>(std::min<filesize_t>(kPiece, size - offset));
      Result<size_t> n = contents.Read(offset, absl::MakeSpan(buf.data(), want));
      if (!n.ok()) {
        error = absl::StrCat(args.tree, ": ", shown, ": read error at byte ", offset, ": ",
                             std::string(ErrnoName(n.error())));
        return;
      }
      if (*n == 0) {
        error = absl::StrCat(args.tree, ": ", shown, ": ended at byte ", offset,
                             " of ", size);
        return;
      }
      if (!WriteOut(buf.data(), *n)) {
        error = absl::StrCat("writing to stdout: ", std::strerror(errno));
        return;
      }
      offset += *n;
    }
  });
  if (!s.ok()) return Fail(cmd, TreeError(args.tree, path, s));
  if (!error.empty()) return Fail(cmd, error);
  return kExitOk;
}

CLI::App* AddInspect(CLI::App& vfs, const char* name, const std::string& description,
                     InspectArgs* args, bool path_required) {
  CLI::App* cmd = vfs.add_subcommand(name, description + "\n" + kTreeForms);
  cmd->footer("exit status: 0; 1 if the tree cannot be read or PATH is not there;\n"
              "2 for a usage error.");
  cmd->add_option("TREE", args->tree, "the tree (any form)")->type_name("")->required();
  CLI::Option* path = cmd->add_option("PATH", args->path, "a path inside the tree")->type_name("");
  if (path_required) path->required();
  return cmd;
}

}  // namespace

Command AddLsCommand(CLI::App& vfs) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* ls = AddInspect(
      vfs, "ls",
      "Lists a directory of a tree.\n\n"
      "One entry of directory PATH per line, sorted by name:\n"
      "kind (dir, file, symlink), size in bytes, name. A file or symlink PATH\n"
      "lists itself; a symlink to a directory lists the directory.",
      args.get(), false);
  ls->add_flag("-l,--long", args->long_form,
               "long form: kind, links, inode, size, mtim, atim,\n"
               "ctim (UTC), name, and a symlink's target");
  return {ls, [ls, args] { return Ls(*ls, *args); }};
}

Command AddTreeCommand(CLI::App& vfs) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* tree = AddInspect(
      vfs, "tree",
      "Draws a tree with lines and sizes.\n\n"
      "Everything beneath PATH, sorted by name: files with their sizes\n"
      "(and link counts above 1), directories with a trailing '/', symlinks\n"
      "with their targets; then counts of each.",
      args.get(), false);
  return {tree, [tree, args] { return Tree(*tree, *args); }};
}

Command AddCatCommand(CLI::App& vfs) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cat = AddInspect(
      vfs, "cat",
      "Writes a file of a tree to stdout.\n\n"
      "The bytes of file PATH, 64 KiB at a time. Symlinks inside the tree are\n"
      "followed; a directory is an error.",
      args.get(), true);
  return {cat, [cat, args] { return Cat(*cat, *args); }};
}

}  // namespace vfs::cli
