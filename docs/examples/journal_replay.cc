// docs/testing-with-vfs.md, "Record a journal and replay it": records the
// preview1 calls a (here, scripted) guest makes against a fixture, replays
// them against the same fixture (no divergence) and against a changed one
// (the first differing call is reported, then the tree diff).
// Built and run by CTest as docs.example.journal_replay; exits 1 if any
// step does not behave as the document says.
#include <iostream>
#include <memory>
#include <string>

#include "fixtures/journal.h"
#include "fixtures/manifest.h"
#include "serialize/fork.h"
#include "vfs/context.h"

namespace {

int Fail(const std::string& what) {
  std::cerr << "journal_replay: " << what << "\n";
  return 1;
}

// A tree from a manifest (fixtures/manifest.h); files, dirs and links.
std::shared_ptr<vfs::Filesystem> Fixture(const std::string& greeting) {
  auto fs = std::make_shared<vfs::Filesystem>();
  const std::string manifest = R"({"format": "vfs-manifest", "version": 1, "entries": [
      {"path": "in/greeting.txt", "type": "file", "text": ")" + greeting + R"("},
      {"path": "out", "type": "dir"}]})";
  if (!vfs::LoadManifest(manifest, *fs, "").ok()) return nullptr;
  return fs;
}

// What the "guest" does: copy in/greeting.txt to out/copy.txt.
void Guest(vfs::WasiFilesystem& wasi, vfs::fd_t root) {
  using namespace vfs;
  Result<fd_t> in = wasi.path_open(root, lookupflags::kSymlinkFollow, "in/greeting.txt",
                                   Oflags(), rights::kFdRead, Rights(), Fdflags());
  Result<fd_t> out = wasi.path_open(root, lookupflags::kSymlinkFollow, "out/copy.txt",
                                    oflags::kCreat, rights::kFdWrite, Rights(), Fdflags());
  if (!in.ok() || !out.ok()) return;
  uint8_t buf[64];
  absl::Span<uint8_t> iov[] = {absl::MakeSpan(buf)};
  Result<size_t> n = wasi.fd_read(*in, iov);
  if (n.ok()) {
    absl::Span<const uint8_t> data[] = {absl::MakeConstSpan(buf, *n)};
    (void)wasi.fd_write(*out, data);
  }
  (void)wasi.fd_close(*in);
  (void)wasi.fd_close(*out);
}

}  // namespace

int main() {
  // 1. Record: the guest talks to a JournalingContext over the Context.
  auto fs = Fixture("hello");
  if (fs == nullptr) return Fail("fixture");
  auto start = vfs::Fork(*fs);  // keep the starting tree to replay against
  if (!start.ok()) return Fail("fork");
  std::string journal;
  vfs::Context ctx(fs);
  vfs::JournalingContext recorder(ctx, [&](std::string_view line) {
    journal.append(line);
    journal += '\n';
  });
  absl::StatusOr<vfs::fd_t> root = recorder.Preopen("", "/");
  if (!root.ok()) return Fail("preopen");
  Guest(recorder, *root);
  std::cout << journal;

  // 2. Replay against the starting tree: every result agrees.
  absl::StatusOr<vfs::ReplayReport> same = vfs::ReplayJournal(journal, start->fs);
  if (!same.ok() || same->diverged) return Fail("replay on the same fixture diverged");
  std::cout << same->Format();

  // 3. Replay against a fixture whose file differs: the read diverges.
  absl::StatusOr<vfs::ReplayReport> changed = vfs::ReplayJournal(journal, Fixture("HELLO!"));
  if (!changed.ok() || !changed->diverged) return Fail("no divergence reported");
  std::cout << changed->Format();
  if (changed->call.rfind("fd_read ", 0) != 0) return Fail("wrong diverging call");
  return 0;
}
