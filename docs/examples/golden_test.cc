// docs/testing-with-vfs.md, "A golden-tree test in Catch2": a complete
// Catch2 v2 test program that gives each test its own fork of a golden
// starting tree (golden/project.json), runs code under test against it
// through the preview1 API, and compares the result with golden trees
// (golden/built.json for the whole tree, golden/out.json for out/ alone).
// Built and run by CTest as docs.example.golden_test.
#define CATCH_CONFIG_MAIN  // this file is the whole test program
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "fixtures/catch2/matchers.h"
#include "fixtures/tree_diff.h"
#include "vfs/context.h"

using vfs::testing::GoldenTree;
using vfs::testing::MatchesTree;

// Relative golden paths resolve against the source tree's golden/ (the
// compile definition comes from docs/examples/CMakeLists.txt), set before
// any test runs, so the test passes from any working directory.
struct GoldenDirListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunStarting(const Catch::TestRunInfo&) override {
    vfs::testing::SetGoldenDir(VFS_EXAMPLE_GOLDEN_DIR);
  }
};
CATCH_REGISTER_LISTENER(GoldenDirListener)

// ---- The code under test ----

// Copies everything `from` has left to read to `to`.
vfs::Errno CopyRest(vfs::WasiFilesystem& wasi, vfs::fd_t from, vfs::fd_t to) {
  uint8_t buf[4096];
  for (;;) {
    absl::Span<uint8_t> in[] = {absl::MakeSpan(buf)};
    vfs::Result<size_t> n = wasi.fd_read(from, in);
    if (!n.ok()) return n.error();
    if (*n == 0) return vfs::Errno::kSuccess;
    for (size_t done = 0; done < *n;) {  // fd_write may write less than asked
      absl::Span<const uint8_t> out[] = {absl::MakeConstSpan(buf + done, *n - done)};
      vfs::Result<size_t> w = wasi.fd_write(to, out);
      if (!w.ok()) return w.error();
      done += *w;
    }
  }
}

// Writes the bytes of `inputs`, in order, to `output` (created or
// truncated); paths are relative to directory `dir`. Every input is opened
// before the output is, so a missing input leaves the tree as it was.
vfs::Errno Concatenate(vfs::WasiFilesystem& wasi, vfs::fd_t dir,
                       const std::vector<std::string>& inputs, const std::string& output) {
  using namespace vfs;
  std::vector<fd_t> opened;
  Errno err = Errno::kSuccess;
  for (const std::string& path : inputs) {
    Result<fd_t> fd = wasi.path_open(dir, lookupflags::kSymlinkFollow, path, Oflags(),
                                     rights::kFdRead, Rights(), Fdflags());
    if (!fd.ok()) {
      err = fd.error();
      break;
    }
    opened.push_back(*fd);
  }
  if (err == Errno::kSuccess) {
    Result<fd_t> out = wasi.path_open(dir, lookupflags::kSymlinkFollow, output,
                                      oflags::kCreat | oflags::kTrunc, rights::kFdWrite,
                                      Rights(), Fdflags());
    if (out.ok()) {
      for (fd_t fd : opened) {
        if ((err = CopyRest(wasi, fd, *out)) != Errno::kSuccess) break;
      }
      (void)wasi.fd_close(*out);
    } else {
      err = out.error();
    }
  }
  for (fd_t fd : opened) (void)wasi.fd_close(fd);
  return err;
}

// ---- The tests ----

TEST_CASE("Concatenate writes its inputs, in order, to the output") {
  std::shared_ptr<vfs::Filesystem> fs = GoldenTree("project.json").Fork();
  vfs::Context ctx(fs);
  absl::StatusOr<vfs::fd_t> root = ctx.Preopen("", "/");
  REQUIRE(root.ok());

  // src/latest.txt is a symlink to b.txt.
  CHECK(Concatenate(ctx, *root, {"src/a.txt", "src/latest.txt"}, "out/all.txt") ==
        vfs::Errno::kSuccess);

  CHECK_THAT(fs, MatchesTree("built.json"));          // the whole tree
  CHECK_THAT(fs, MatchesTree("out.json").At("out"));  // out/ alone
}

TEST_CASE("Concatenate with a missing input fails with NOENT and changes nothing") {
  // A fork of its own: the previous test's out/all.txt is not here.
  std::shared_ptr<vfs::Filesystem> fs = GoldenTree("project.json").Fork();
  vfs::Context ctx(fs);
  absl::StatusOr<vfs::fd_t> root = ctx.Preopen("", "/");
  REQUIRE(root.ok());

  CHECK(Concatenate(ctx, *root, {"src/a.txt", "src/missing.txt"}, "out/all.txt") ==
        vfs::Errno::kNoent);

  CHECK_THAT(fs, MatchesTree("project.json"));
}

TEST_CASE("The goldens tell a changed output from the expected one") {
  // The inputs in the other order, as a regression in Concatenate would
  // write them: compared with built.json, out/all.txt differs. (DiffTrees
  // directly, not MatchesTree: under VFS_UPDATE_GOLDEN=1 a mismatching
  // MatchesTree would rewrite the golden with this wrong tree.)
  std::shared_ptr<vfs::Filesystem> fs = GoldenTree("project.json").Fork();
  vfs::Context ctx(fs);
  absl::StatusOr<vfs::fd_t> root = ctx.Preopen("", "/");
  REQUIRE(root.ok());
  REQUIRE(Concatenate(ctx, *root, {"src/b.txt", "src/a.txt"}, "out/all.txt") ==
          vfs::Errno::kSuccess);

  std::shared_ptr<vfs::Filesystem> expected = GoldenTree("built.json").Fork();
  absl::StatusOr<std::vector<vfs::Change>> changes =
      vfs::DiffTrees(*expected, "", *fs, "", vfs::testing::DefaultGoldenDiffOptions());
  REQUIRE(changes.ok());
  CHECK(vfs::FormatDiff(*changes) == "~ out/all.txt: content differs at bytes 0..3 (size 8)\n");
}
