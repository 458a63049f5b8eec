// F7: the input is a snapshot, read as hostile bytes. Each input runs twice:
// with the checksum verified (what real callers do) and with it skipped
// through LoadOptions' test hook, so that mutated payloads reach the record
// parser instead of stopping at the checksum.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "serialize/snapshot.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace vfs::fuzz {
namespace {

// Bounds the restored state whatever the header claims, so a short input
// cannot make a large one (F7 "hostile counts").
LoadOptions Options(bool verify) {
  LoadOptions opt;
  opt.fs.clock = std::make_shared<DeterministicClock>();
  opt.fs.max_file_size = 16 << 20;
  opt.fs.limits.max_bytes = 64 << 20;
  opt.fs.limits.max_inodes = 100000;
  opt.context.max_fds = 256;
  opt.verify_checksum = verify;
  return opt;
}

std::vector<Context*> Pointers(const std::vector<std::unique_ptr<Context>>& v) {
  std::vector<Context*> out;
  for (const auto& c : v) out.push_back(c.get());
  return out;
}

void OneMode(std::string_view bytes, bool verify) {
  const LoadOptions opt = Options(verify);
  const std::string mode = verify ? "checksum on" : "checksum off";
  absl::StatusOr<LiveState> loaded = LoadSnapshot(bytes, opt);
  absl::StatusOr<SnapshotInfo> info = InspectSnapshot(bytes, opt);
  // `vfs info` runs the same validated decode: it must accept exactly the
  // snapshots that load.
  FUZZ_CHECK(loaded.ok() == info.ok(),
             absl::StrCat(mode, ": LoadSnapshot ", loaded.status().ToString(),
                          " but InspectSnapshot ", info.status().ToString()));

  size_t wanted_contexts = 1;
  if (loaded.ok()) {
    absl::Status s = loaded->fs->Fsck();
    FUZZ_CHECK(s.ok(), absl::StrCat(mode, ": loaded state fails fsck: ", s.ToString()));
    FUZZ_CHECK(info->contexts == loaded->contexts.size(),
               absl::StrCat(mode, ": info counts ", info->contexts, " contexts, loaded ",
                            loaded->contexts.size()));
    // save(load(x)) is a fixed point: saving it, loading that and saving
    // again gives the same bytes.
    const std::vector<Context*> ctxs = Pointers(loaded->contexts);
    absl::StatusOr<std::string> s1 = SaveSnapshot(*loaded->fs, ctxs);
    FUZZ_CHECK(s1.ok(), absl::StrCat(mode, ": saving a loaded state: ",
                                     s1.status().ToString()));
    absl::StatusOr<LiveState> again = LoadSnapshot(*s1, Options(true));
    FUZZ_CHECK(again.ok(), absl::StrCat(mode, ": reloading our own save: ",
                                        again.status().ToString()));
    absl::StatusOr<std::string> s2 = SaveSnapshot(*again->fs, Pointers(again->contexts));
    FUZZ_CHECK(s2.ok(), s2.status().ToString());
    FUZZ_CHECK(*s1 == *s2, absl::StrCat(mode, ": save(load(save(load(x)))) differs from "
                                              "save(load(x)): ",
                                        s1->size(), " vs ", s2->size(), " bytes"));
    wanted_contexts = loaded->contexts.size();
  }

  // Restore in place over a live state with as many contexts as the
  // snapshot holds (a few at most): atomic, so a failure leaves the target
  // byte-identical.
  if (wanted_contexts > 4) return;
  World w = MakeWorld(0x0F0F);
  std::vector<std::unique_ptr<Context>> extra;
  std::vector<Context*> targets;
  if (wanted_contexts > 0) targets.push_back(w.ctx.get());
  while (targets.size() < wanted_contexts) {
    extra.push_back(std::make_unique<Context>(w.fs));
    targets.push_back(extra.back().get());
  }
  absl::StatusOr<std::string> before = SaveSnapshot(*w.fs, targets);
  FUZZ_CHECK(before.ok(), before.status().ToString());
  absl::Status r = RestoreSnapshot(bytes, *w.fs, targets, opt);
  absl::Status s = w.fs->Fsck();
  FUZZ_CHECK(s.ok(), absl::StrCat(mode, ": after RestoreSnapshot (", r.ToString(),
                                  "): ", s.ToString()));
  if (!r.ok()) {
    absl::StatusOr<std::string> after = SaveSnapshot(*w.fs, targets);
    FUZZ_CHECK(after.ok() && *after == *before,
               absl::StrCat(mode, ": failed RestoreSnapshot (", r.ToString(),
                            ") changed the target"));
  }
}

}  // namespace

int FuzzSnapshotRestore(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  OneMode(bytes, true);
  OneMode(bytes, false);
  return 0;
}

}  // namespace vfs::fuzz
