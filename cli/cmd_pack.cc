// `vfs pack` and `vfs unpack`: convert a tree between its host forms
// (fixtures/fixture.h). pack turns any form into a snapshot; unpack turns
// any form into a directory, tar or manifest (or snapshot).
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "fixtures/fixture.h"

namespace vfs::cli {
namespace {

struct ConvertArgs {
  std::string input;
  std::string output;
  std::string format;  // unpack --format; "" = by the output's extension
};

int Convert(const CLI::App& cmd, const ConvertArgs& args, FixtureForm form,
            ProgressMode mode) {
  absl::Status status;
  {
    Progress progress("vfs " + cmd.get_name(), mode);
    absl::StatusOr<std::shared_ptr<Filesystem>> fs = LoadTree(args.input, &progress);
    if (!fs.ok()) {
      status = fs.status();
    } else {
      FixtureOptions options;
      options.progress = progress.Phase(absl::StrCat("writing ", args.output));
      status = WriteFixture(**fs, "", args.output, form, options);
    }
  }  // the progress line is erased before any message
  if (!status.ok()) return Fail(cmd, std::string(status.message()));
  return kExitOk;
}

std::optional<FixtureForm> FormByName(const std::string& name) {
  for (FixtureForm form : {FixtureForm::kHostDir, FixtureForm::kTar, FixtureForm::kSnapshot,
                           FixtureForm::kManifest}) {
    if (FixtureFormName(form) == name) return form;
  }
  return std::nullopt;
}

}  // namespace

Command AddPackCommand(CLI::App& vfs) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* pack = vfs.add_subcommand(
      "pack",
      "Packs a tree (a directory, tar or manifest) into a snapshot.\n\n"
      "INPUT is a host directory, a tar (.tar, or compressed: .tar.gz, .tar.xz,\n"
      ".tar.zst, .tar.bz2, .tgz, .txz, .tzst, .tbz2), a JSON manifest (.json) or\n"
      "another snapshot; its form is told by what it is, its extension or its\n"
      "first bytes.\n"
      "The snapshot holds the whole tree: directories, files, symlinks, hard\n"
      "links and times (a host directory cannot give ctim: the host's is used).");
  pack->footer("exit status: 0; 1 if INPUT cannot be read or OUTPUT written; 2 for a\nusage error.");
  pack->add_option("INPUT", args->input, "the tree to pack (any form)")->type_name("")->required();
  pack->add_option("-o,--output", args->output, "the snapshot to write (replaced if it exists)")
      ->type_name("SNAPSHOT")
      ->required();
  std::function<ProgressMode()> progress = AddProgressFlags(*pack);
  return {pack, [pack, args, progress] {
            // A snapshot named like a tar or manifest would be misread by
            // every later command, which tells forms by extension.
            absl::StatusOr<FixtureForm> named = DetectFixtureForm(args->output, true);
            if (named.ok() && (*named == FixtureForm::kTar || *named == FixtureForm::kManifest)) {
              return UsageFail(*pack, absl::StrCat("-o ", args->output, ": the name says ",
                                                   std::string(FixtureFormName(*named)),
                                                   ", but pack writes a snapshot (.vfs, .snap); "
                                                   "vfs unpack writes the other forms"));
            }
            return Convert(*pack, *args, FixtureForm::kSnapshot, progress());
          }};
}

Command AddUnpackCommand(CLI::App& vfs) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* unpack = vfs.add_subcommand(
      "unpack",
      "Writes a tree out as a host directory, a tar or a JSON manifest.\n\n"
      "INPUT is a snapshot, or any other form of a tree. The form written is\n"
      "told by OUTPUT's extension (.tar and the compressed .tar.gz, .tar.xz,\n"
      ".tar.zst, .tar.bz2, .tgz, .txz, .tzst, .tbz2: a tar, compressed so;\n"
      ".json: a manifest; .vfs, .snap: a snapshot; anything else: a directory)\n"
      "unless --format says.\n"
      "An existing, non-empty OUTPUT directory is refused rather than merged into.");
  unpack->footer("exit status: 0; 1 if INPUT cannot be read or OUTPUT written; 2 for a\nusage error.");
  unpack->add_option("INPUT", args->input, "the tree to unpack (any form)")->type_name("")->required();
  unpack->add_option("-o,--output", args->output, "where to write it")
      ->type_name("DIR|TAR|MANIFEST")
      ->required();
  unpack->add_option("--format", args->format, "write this form whatever OUTPUT's name")
      ->type_name("FORM")
      ->check(CLI::IsMember({"dir", "tar", "manifest", "snapshot"}));
  std::function<ProgressMode()> progress = AddProgressFlags(*unpack);
  return {unpack, [unpack, args, progress] {
            FixtureForm form;
            if (!args->format.empty()) {
              form = *FormByName(args->format);  // IsMember checked it
            } else {
              absl::StatusOr<FixtureForm> detected =
                  DetectFixtureForm(args->output, /*for_output=*/true);
              if (!detected.ok()) return Fail(*unpack, std::string(detected.status().message()));
              form = *detected;
            }
            return Convert(*unpack, *args, form, progress());
          }};
}

}  // namespace vfs::cli
