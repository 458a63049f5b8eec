// The `vfs` command (docs/cli.md):
//   vfs run   runs an unmodified wasm32-wasip1 program inside an in-memory
//             filesystem, with wasmtime's conventions; it can start from a
//             snapshot (--image) and save one when the guest exits (--save);
//   vfs info  prints what a snapshot holds.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/changes.h"
#include "cli/host_tree.h"
#include "serialize/snapshot.h"
#include "vfs/context.h"
#include "wasi/abi.h"
#include "wasi/engine.h"

namespace vfs::cli {
namespace {

constexpr const char* kUsage =
    "usage: vfs run [OPTIONS] MODULE.wasm [ARGS...]\n"
    "       vfs info SNAPSHOT\n"
    "\n"
    "vfs run: runs a wasm32-wasip1 program against an in-memory filesystem.\n"
    "--dir makes a host tree visible; by default (--dir-mode=cow) its files are\n"
    "read lazily and guest writes stay in memory: the host is never written.\n"
    "\n"
    "vfs info: checks a snapshot (header, checksum, every record) and prints\n"
    "its format version, counts and sizes.\n"
    "\n"
    "run options (before MODULE; everything after MODULE goes to the guest):\n"
    "  --image SNAPSHOT             start from the filesystem in SNAPSHOT, with\n"
    "                               its preopens (other descriptors of the saved\n"
    "                               guest are closed, as at process exit)\n"
    "  --save SNAPSHOT              when the guest exits, save the filesystem and\n"
    "                               its descriptor table to SNAPSHOT\n"
    "  --dir HOST_DIR[::GUEST_DIR]  bring HOST_DIR in (see --dir-mode) and preopen\n"
    "                               it at GUEST_DIR (default: the HOST_DIR string);\n"
    "                               fds 3, 4, ...\n"
    "  --dir-mode MODE              how every --dir is brought in:\n"
    "                                 cow (default): files are read on demand;\n"
    "                                   guest writes stay in memory\n"
    "                                 copy: every file is read into memory at start\n"
    "                                 write-through: files are read on demand and\n"
    "                                   guest writes to existing files' bytes\n"
    "                                   (and truncations) change the HOST files;\n"
    "                                   created, removed or renamed entries are\n"
    "                                   not reflected on the host\n"
    "  --env NAME=VALUE             set a guest environment variable (repeatable;\n"
    "                               nothing from the host environment is passed)\n"
    "  --trace                      print every WASI call and its result to stderr\n"
    "  --deterministic              fixed clocks and seeded random_get\n"
    "  --changes                    afterwards, list on stderr what the guest\n"
    "                               changed in the in-memory tree\n"
    "  --budget N                   stop after N units of fuel (one per function\n"
    "                               call or loop iteration)\n"
    "  -h, --help                   this help\n"
    "\n"
    "exit status: the guest's; 134 if it traps; 1 if it cannot be run.\n";

struct RunArgs {
  struct Dir {
    std::string host;
    std::string guest;
  };
  std::vector<Dir> dirs;
  HostDirMode dir_mode = HostDirMode::kCopyOnWrite;
  std::vector<std::string> env;
  bool trace = false;
  bool deterministic = false;
  bool changes = false;
  uint64_t budget = 0;
  std::string image;
  std::string save;
  std::string module;
  std::vector<std::string> guest_args;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "vfs: %s\n", message.c_str());
  return 1;
}

// Parses `vfs run` options; returns false (with a message) on a usage error.
bool ParseRun(int argc, char** argv, RunArgs* out, std::string* error) {
  int i = 0;
  auto value = [&](const std::string& flag, std::string* v) {
    const std::string arg = argv[i];
    if (arg.size() > flag.size() && arg[flag.size()] == '=') {
      *v = arg.substr(flag.size() + 1);
      return true;
    }
    if (i + 1 >= argc) {
      *error = flag + " needs a value";
      return false;
    }
    *v = argv[++i];
    return true;
  };
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    auto is = [&](const char* flag) {
      return arg == flag || absl::StartsWith(arg, std::string(flag) + "=");
    };
    if (arg == "-h" || arg == "--help") {
      *error = "";
      return false;
    } else if (is("--dir")) {
      std::string v;
      if (!value("--dir", &v)) return false;
      const size_t sep = v.find("::");
      RunArgs::Dir d;
      d.host = sep == std::string::npos ? v : v.substr(0, sep);
      d.guest = sep == std::string::npos ? v : v.substr(sep + 2);
      if (d.host.empty() || d.guest.empty()) {
        *error = "--dir needs HOST_DIR[::GUEST_DIR]";
        return false;
      }
      out->dirs.push_back(d);
    } else if (is("--dir-mode")) {
      std::string v;
      if (!value("--dir-mode", &v)) return false;
      std::optional<HostDirMode> mode = ParseHostDirMode(v);
      if (!mode.has_value()) {
        *error = "--dir-mode needs copy, cow or write-through, got '" + v + "'";
        return false;
      }
      out->dir_mode = *mode;
    } else if (is("--env")) {
      std::string v;
      if (!value("--env", &v)) return false;
      if (v.find('=') == std::string::npos || v.front() == '=') {
        *error = "--env needs NAME=VALUE, got '" + v + "'";
        return false;
      }
      out->env.push_back(v);
    } else if (is("--image")) {
      if (!value("--image", &out->image)) return false;
    } else if (is("--save")) {
      if (!value("--save", &out->save)) return false;
    } else if (arg == "--trace") {
      out->trace = true;
    } else if (arg == "--deterministic") {
      out->deterministic = true;
    } else if (arg == "--changes") {
      out->changes = true;
    } else if (is("--budget")) {
      std::string v;
      if (!value("--budget", &v)) return false;
      if (!absl::SimpleAtoi(v, &out->budget) || out->budget == 0) {
        *error = "--budget needs a positive number, got '" + v + "'";
        return false;
      }
    } else if (absl::StartsWith(arg, "-") && arg != "-") {
      *error = "unknown option " + arg;
      return false;
    } else {
      out->module = arg;
      for (++i; i < argc; ++i) out->guest_args.push_back(argv[i]);
      return true;
    }
  }
  *error = "no module given";
  return false;
}

// Where a preopen's tree lives inside the filesystem: its guest path, so the
// in-memory tree mirrors what the guest sees ("/" is the root itself).
absl::StatusOr<std::string> InternalPath(const std::string& guest) {
  std::string out;
  size_t pos = 0;
  while (pos <= guest.size()) {
    size_t end = guest.find('/', pos);
    if (end == std::string::npos) end = guest.size();
    const std::string part = guest.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return absl::InvalidArgumentError("--dir guest path may not contain '..': " + guest);
    }
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

int Run(int argc, char** argv) {
  RunArgs args;
  std::string error;
  if (!ParseRun(argc, argv, &args, &error)) {
    if (error.empty()) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "vfs run: %s\n\n%s", error.c_str(), kUsage);
    return 2;
  }
  std::ifstream in(args.module, std::ios::binary);
  if (!in) return Fail(args.module + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> wasm((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());

  FilesystemOptions fs_options;
  if (args.deterministic) fs_options.clock = std::make_shared<DeterministicClock>();
  std::shared_ptr<Filesystem> fs;
  std::unique_ptr<Context> context;
  if (!args.image.empty()) {
    // A snapshot's own deterministic clock, if it has one, wins.
    LoadOptions load;
    load.fs = fs_options;
    absl::StatusOr<LiveState> state = LoadSnapshotFromFile(args.image, load);
    if (!state.ok()) return Fail(std::string(state.status().message()));
    fs = state->fs;
    if (!state->contexts.empty()) context = std::move(state->contexts[0]);
  } else {
    fs = Filesystem::Create(fs_options);
  }
  if (context == nullptr) context = std::make_unique<Context>(fs);
  Context& ctx = *context;
  // A new guest is a new process: it inherits the saved preopens only.
  for (fd_t fd : ctx.OpenDescriptors()) {
    absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(fd);
    if (info.ok() && !info->is_preopen) (void)ctx.fd_close(fd);
  }
  // stdio: the process's own streams, passed through unbuffered.
  auto sink = [](int fd) {
    return [fd](absl::Span<const uint8_t> bytes) {
      size_t done = 0;
      while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Errno::kIo;
        done += static_cast<size_t>(n);
      }
      return Errno::kSuccess;
    };
  };
  Stream::Source stdin_source = [](absl::Span<uint8_t> out) -> Result<size_t> {
    for (;;) {
      ssize_t n = ::read(0, out.data(), out.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return Errno::kIo;
    }
  };
  absl::Status s = ctx.AttachStream(0, StreamEnd::kRead, {}, stdin_source);
  if (s.ok()) s = ctx.AttachStream(1, StreamEnd::kWrite, sink(1));
  if (s.ok()) s = ctx.AttachStream(2, StreamEnd::kWrite, sink(2));
  if (!s.ok()) return Fail(s.ToString());
  for (const auto& dir : args.dirs) {
    absl::StatusOr<std::string> internal = InternalPath(dir.guest);
    if (!internal.ok()) return Fail(std::string(internal.status().message()));
    s = AddHostTree(dir.host, *fs, *internal, args.dir_mode);
    if (!s.ok()) return Fail(absl::StrCat("--dir: ", s.message()));
    absl::StatusOr<fd_t> fd = ctx.Preopen(*internal, dir.guest);
    if (!fd.ok()) return Fail(std::string(fd.status().message()));
  }

  const TreeState before = args.changes ? CaptureTree(*fs) : TreeState();

  wasi::AbiOptions abi_options;
  abi_options.args.push_back(args.module);
  abi_options.args.insert(abi_options.args.end(), args.guest_args.begin(),
                          args.guest_args.end());
  abi_options.env = args.env;
  abi_options.deterministic = args.deterministic;
  if (args.trace) {
    abi_options.trace = [](const std::string& line) {
      std::fprintf(stderr, "[wasi] %s\n", line.c_str());
    };
  }
  wasi::WasiAbi abi(ctx, abi_options);
  wasi::RunOptions run_options;
  run_options.module_name = args.module;
  run_options.instruction_budget = args.budget;
  absl::StatusOr<wasi::RunOutcome> outcome =
      wasi::NewWabtEngine()->Run(wasm, abi, run_options);
  if (!outcome.ok()) return Fail(std::string(outcome.status().message()));
  if (outcome->trapped) {
    std::fprintf(stderr, "vfs: %s: trap: %s\n", args.module.c_str(),
                 outcome->trap_message.c_str());
  }
  if (!args.save.empty()) {
    Context* contexts[] = {&ctx};
    s = SaveSnapshotToFile(args.save, *fs, contexts);
    if (!s.ok()) return Fail(std::string(s.message()));
  }
  if (args.changes) {
    const std::vector<std::string> lines = DescribeChanges(before, CaptureTree(*fs));
    const bool wrote_host = args.dir_mode == HostDirMode::kWriteThrough && !args.dirs.empty();
    std::fprintf(stderr, "vfs: the guest changed %zu entr%s (%s)\n", lines.size(),
                 lines.size() == 1 ? "y" : "ies",
                 wrote_host ? "in memory; with --dir-mode=write-through, changes to "
                              "existing files' bytes also reached the host"
                            : "in memory; the host was not touched");
    for (const std::string& line : lines) std::fprintf(stderr, "  %s\n", line.c_str());
  }
  return outcome->exit_status;
}

int Info(int argc, char** argv) {
  if (argc == 1 && (std::string(argv[0]) == "-h" || std::string(argv[0]) == "--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc != 1) {
    std::fprintf(stderr, "vfs info: needs exactly one SNAPSHOT\n\n%s", kUsage);
    return 2;
  }
  const std::string path = argv[0];
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(path + ": cannot open: " + std::strerror(errno));
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  absl::StatusOr<SnapshotInfo> info = InspectSnapshot(bytes);
  if (!info.ok()) return Fail(path + ": " + std::string(info.status().message()));
  std::printf("%s: %zu bytes\n%s", path.c_str(), bytes.size(),
              FormatSnapshotInfo(*info).c_str());
  return 0;
}

}  // namespace
}  // namespace vfs::cli

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "run") {
    return vfs::cli::Run(argc - 2, argv + 2);
  }
  if (argc >= 2 && std::string(argv[1]) == "info") {
    return vfs::cli::Info(argc - 2, argv + 2);
  }
  if (argc >= 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
    std::fputs(vfs::cli::kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "%s", vfs::cli::kUsage);
  return 2;
}
