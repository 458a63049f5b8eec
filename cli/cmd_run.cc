// `vfs run`: runs an unmodified wasm32-wasip1 program inside an in-memory
// filesystem, with wasmtime's conventions; it can start from a snapshot
// (--image) and save one when the guest exits (--save). docs/cli.md.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/changes.h"
#include "cli/commands.h"
#include "cli/host_tree.h"
#include "fixtures/journal.h"
#include "serialize/snapshot.h"
#include "vfs/context.h"
#include "wasi/abi.h"
#include "wasi/engine.h"

namespace vfs::cli {
namespace {

constexpr const char* kDescription =
    "Runs a wasm32-wasip1 program against an in-memory filesystem.\n\n"
    "--dir makes a host tree visible; by default (--dir-mode=cow) its files are\n"
    "read lazily and guest writes stay in memory: the host is never written.\n"
    "Options come before MODULE; everything after MODULE goes to the guest.";

constexpr const char* kFooter =
    "exit status: the guest's; 134 if it traps; 1 if it cannot be run;\n"
    "2 for a usage error.";

struct RunArgs {
  struct Dir {
    std::string host;
    std::string guest;
  };
  std::vector<std::string> dir_specs;  // HOST_DIR[::GUEST_DIR], as given
  std::string dir_mode = "cow";
  std::vector<std::string> env;
  bool trace = false;
  bool deterministic = false;
  bool changes = false;
  uint64_t budget = 0;
  std::string image;
  std::string save;
  std::string journal;  // --journal FILE
};

RunArgs::Dir SplitDir(const std::string& spec) {
  const size_t sep = spec.find("::");
  RunArgs::Dir d;
  d.host = sep == std::string::npos ? spec : spec.substr(0, sep);
  d.guest = sep == std::string::npos ? spec : spec.substr(sep + 2);
  return d;
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

int Run(const CLI::App& cmd, const RunArgs& args, const std::string& module,
        const std::vector<std::string>& guest_args) {
  std::ifstream in(module, std::ios::binary);
  if (!in) return Fail(cmd, module + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> wasm((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
  const HostDirMode dir_mode = *ParseHostDirMode(args.dir_mode);  // validated

  FilesystemOptions fs_options;
  if (args.deterministic) fs_options.clock = std::make_shared<DeterministicClock>();
  std::shared_ptr<Filesystem> fs;
  std::unique_ptr<Context> context;
  if (!args.image.empty()) {
    // A snapshot's own deterministic clock, if it has one, wins.
    LoadOptions load;
    load.fs = fs_options;
    absl::StatusOr<LiveState> state = LoadSnapshotFromFile(args.image, load);
    if (!state.ok()) return Fail(cmd, std::string(state.status().message()));
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
  // --journal: the guest talks to a JournalingContext over ctx, and the
  // set-up below goes through it too, so a replay can rebuild it.
  std::unique_ptr<JournalFile> journal_file;
  std::unique_ptr<JournalingContext> journal;
  if (!args.journal.empty()) {
    absl::StatusOr<std::unique_ptr<JournalFile>> file = JournalFile::Create(args.journal);
    if (!file.ok()) return Fail(cmd, std::string(file.status().message()));
    journal_file = std::move(*file);
    journal = std::make_unique<JournalingContext>(ctx, journal_file->sink());
    // An image's preopens already exist; vfs run keeps each preopen's tree
    // at its guest path, which is where a replay finds it.
    for (fd_t fd : ctx.OpenDescriptors()) {
      absl::StatusOr<FdInfo> info = ctx.LookupDescriptor(fd);
      if (!info.ok()) continue;
      absl::StatusOr<std::string> internal = InternalPath(info->preopen_name);
      absl::Status adopted = internal.ok() ? journal->RecordPreopen(fd, *internal)
                                           : internal.status();
      if (!adopted.ok()) return Fail(cmd, absl::StrCat("--journal: ", adopted.message()));
    }
  }
  auto attach = [&](fd_t fd, StreamEnd ends, Stream::Sink sink, Stream::Source source) {
    return journal ? journal->AttachStream(fd, ends, std::move(sink), std::move(source))
                   : ctx.AttachStream(fd, ends, std::move(sink), std::move(source));
  };
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
  absl::Status s = attach(0, StreamEnd::kRead, {}, stdin_source);
  if (s.ok()) s = attach(1, StreamEnd::kWrite, sink(1), {});
  if (s.ok()) s = attach(2, StreamEnd::kWrite, sink(2), {});
  if (!s.ok()) return Fail(cmd, s.ToString());
  for (const std::string& spec : args.dir_specs) {
    const RunArgs::Dir dir = SplitDir(spec);
    absl::StatusOr<std::string> internal = InternalPath(dir.guest);
    if (!internal.ok()) return Fail(cmd, std::string(internal.status().message()));
    s = AddHostTree(dir.host, *fs, *internal, dir_mode);
    if (!s.ok()) return Fail(cmd, absl::StrCat("--dir: ", s.message()));
    absl::StatusOr<fd_t> fd = journal ? journal->Preopen(*internal, dir.guest)
                                      : ctx.Preopen(*internal, dir.guest);
    if (!fd.ok()) return Fail(cmd, std::string(fd.status().message()));
  }

  const TreeState before = args.changes ? CaptureTree(*fs) : TreeState();

  wasi::AbiOptions abi_options;
  abi_options.args.push_back(module);
  abi_options.args.insert(abi_options.args.end(), guest_args.begin(), guest_args.end());
  abi_options.env = args.env;
  abi_options.deterministic = args.deterministic;
  if (args.trace) {
    abi_options.trace = [](const std::string& line) {
      std::fprintf(stderr, "[wasi] %s\n", line.c_str());
    };
  }
  wasi::WasiAbi abi(journal ? static_cast<WasiFilesystem&>(*journal) : ctx, abi_options);
  wasi::RunOptions run_options;
  run_options.module_name = module;
  run_options.instruction_budget = args.budget;
  absl::StatusOr<wasi::RunOutcome> outcome =
      wasi::NewWabtEngine()->Run(wasm, abi, run_options);
  if (!outcome.ok()) return Fail(cmd, std::string(outcome.status().message()));
  if (journal_file != nullptr) {
    // A journal that could not be written whole is an error, not a shorter
    // journal.
    s = journal_file->Finish();
    if (!s.ok()) return Fail(cmd, std::string(s.message()));
  }
  if (outcome->trapped) {
    std::fprintf(stderr, "vfs run: %s: trap: %s\n", module.c_str(),
                 outcome->trap_message.c_str());
  }
  if (!args.save.empty()) {
    Context* contexts[] = {&ctx};
    s = SaveSnapshotToFile(args.save, *fs, contexts);
    if (!s.ok()) return Fail(cmd, std::string(s.message()));
  }
  if (args.changes) {
    const std::vector<std::string> lines = DescribeChanges(before, CaptureTree(*fs));
    const bool wrote_host = dir_mode == HostDirMode::kWriteThrough && !args.dir_specs.empty();
    std::fprintf(stderr, "vfs: the guest changed %zu entr%s (%s)\n", lines.size(),
                 lines.size() == 1 ? "y" : "ies",
                 wrote_host ? "in memory; with --dir-mode=write-through, changes to "
                              "existing files' bytes also reached the host"
                            : "in memory; the host was not touched");
    for (const std::string& line : lines) std::fprintf(stderr, "  %s\n", line.c_str());
  }
  return outcome->exit_status;
}

// A CLI11 check: `test` returns an error message for a bad value, or "".
CLI::Validator Check(std::function<std::string(const std::string&)> test) {
  return CLI::Validator([test = std::move(test)](std::string& value) { return test(value); },
                        /*validator_desc=*/"");
}

}  // namespace

Command AddRunCommand(CLI::App& vfs) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = vfs.add_subcommand("run", kDescription);
  run->formatter(MakeFormatter("MODULE.wasm [ARGS...]"));
  run->footer(kFooter);
  // Options end at MODULE: CLI11 stops at the first operand and leaves it
  // and everything after it in remaining(), unparsed, so the guest's own
  // arguments are never taken for ours (`vfs run prog.wasm --dir x`). An
  // unknown option before MODULE lands there too; the runner refuses it.
  run->prefix_command();
  // As getopt tools do, a repeated single-valued option's last value wins.
  run->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  run->add_option("--image", args->image,
                  "start from the filesystem in SNAPSHOT, with its preopens\n"
                  "(other descriptors of the saved guest are closed, as at\n"
                  "process exit)")
      ->type_name("SNAPSHOT");
  run->add_option("--save", args->save,
                  "when the guest exits, save the filesystem and its\n"
                  "descriptor table to SNAPSHOT")
      ->type_name("SNAPSHOT");
  run->add_option("--dir", args->dir_specs,
                  "bring HOST_DIR in (see --dir-mode) and preopen it at\n"
                  "GUEST_DIR (default: the HOST_DIR string); fds 3, 4, ...")
      ->type_name("HOST_DIR[::GUEST_DIR]")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(Check([](const std::string& v) -> std::string {
        const RunArgs::Dir d = SplitDir(v);
        return d.host.empty() || d.guest.empty() ? "needs HOST_DIR[::GUEST_DIR], got '" + v + "'"
                                                 : "";
      }));
  run->add_option("--dir-mode", args->dir_mode,
                  "how every --dir is brought in:\n"
                  "  cow (default): files are read on demand;\n"
                  "    guest writes stay in memory\n"
                  "  copy: every file is read into memory at start\n"
                  "  write-through: files are read on demand and\n"
                  "    guest writes to existing files' bytes (and\n"
                  "    truncations) change the HOST files; created,\n"
                  "    removed or renamed entries are not reflected\n"
                  "    on the host")
      ->type_name("MODE")
      ->check(Check([](const std::string& v) -> std::string {
        return ParseHostDirMode(v).has_value()
                   ? ""
                   : "needs copy, cow or write-through, got '" + v + "'";
      }));
  run->add_option("--env", args->env,
                  "set a guest environment variable (repeatable; nothing\n"
                  "from the host environment is passed)")
      ->type_name("NAME=VALUE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(Check([](const std::string& v) -> std::string {
        return v.find('=') == std::string::npos || v.front() == '='
                   ? "needs NAME=VALUE, got '" + v + "'"
                   : "";
      }));
  run->add_option("--journal", args->journal,
                  "record every filesystem call (arguments, result, bytes)\n"
                  "to FILE as JSON Lines; `vfs replay` re-runs it")
      ->type_name("FILE");
  run->add_flag("--trace", args->trace, "print every WASI call and its result to stderr");
  run->add_flag("--deterministic", args->deterministic, "fixed clocks and seeded random_get");
  run->add_flag("--changes", args->changes,
                "afterwards, list on stderr what the guest changed in\n"
                "the in-memory tree");
  run->add_option("--budget", args->budget,
                  "stop after N units of fuel (one per function call or\n"
                  "loop iteration)")
      ->type_name("N")
      ->check(Check([](const std::string& v) -> std::string {
        uint64_t n = 0;
        return absl::SimpleAtoi(v, &n) && n > 0 ? "" : "needs a positive number, got '" + v + "'";
      }));

  return {run, [run, args] {
            const std::vector<std::string> rest = run->remaining();
            if (rest.empty()) return UsageFail(*run, "no module given");
            if (rest[0].size() > 1 && rest[0][0] == '-') {
              return UsageFail(*run, "unknown option " + rest[0]);
            }
            return Run(*run, *args, rest[0],
                       std::vector<std::string>(rest.begin() + 1, rest.end()));
          }};
}

}  // namespace vfs::cli
