// Catch2 golden-tree support (fixtures/catch2/matchers.h): MatchesTree passes
// on an equal tree and describes every difference in FormatDiff's words
// (first N, then "... and M more"), compares a subtree with At, fails with
// the load error for a missing or corrupt golden; VFS_UPDATE_GOLDEN rewrites
// a differing golden (manifest and directory forms, atomically, leaving no
// temporary files) and only then; GoldenTree gives independent forks of a
// golden loaded once per process.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/catch2/matchers.h"
#include "fixtures/fixture.h"
#include "fixtures/manifest.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tree_builder.h"

namespace vfs::testing {
namespace {

namespace stdfs = std::filesystem;

const std::string kGoldenDir = std::string(VFS_TEST_DATA_DIR) + "/golden";

// tests/data/golden/project.json, built through the host API.
constexpr char kProject[] = R"(
README = hello\n
docs/
latest -> src/main.c
src/main.c = int main(void) { return 0; }\n
src/util.c = int twice(int x) { return 2 * x; }\n
src/util_alias.c => src/util.c
)";

std::shared_ptr<Filesystem> Built(std::string_view spec) {
  FilesystemOptions options;
  options.clock = std::make_shared<DeterministicClock>();
  std::shared_ptr<Filesystem> fs = Filesystem::Create(options);
  absl::Status s = BuildTree(*fs, spec);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return fs;
}

// Sets the golden directory for one test and puts the old one back.
class GoldenDirScope {
 public:
  explicit GoldenDirScope(std::string dir) : old_(GoldenDir()) { SetGoldenDir(std::move(dir)); }
  ~GoldenDirScope() { SetGoldenDir(old_); }
  GoldenDirScope(const GoldenDirScope&) = delete;
  GoldenDirScope& operator=(const GoldenDirScope&) = delete;

 private:
  std::string old_;
};

// Sets (or, with nullopt, unsets) VFS_UPDATE_GOLDEN for one test.
class UpdateEnvScope {
 public:
  explicit UpdateEnvScope(std::optional<std::string> value) {
    if (const char* old = ::getenv("VFS_UPDATE_GOLDEN")) old_ = old;
    if (value) {
      ::setenv("VFS_UPDATE_GOLDEN", value->c_str(), 1);
    } else {
      ::unsetenv("VFS_UPDATE_GOLDEN");
    }
  }
  ~UpdateEnvScope() {
    if (old_) {
      ::setenv("VFS_UPDATE_GOLDEN", old_->c_str(), 1);
    } else {
      ::unsetenv("VFS_UPDATE_GOLDEN");
    }
  }
  UpdateEnvScope(const UpdateEnvScope&) = delete;
  UpdateEnvScope& operator=(const UpdateEnvScope&) = delete;

 private:
  std::optional<std::string> old_;
};

// `fs` as a manifest without times, the form a rewritten .json golden takes.
std::string ManifestOf(Filesystem& fs, std::string_view path = "") {
  ManifestOptions options;
  options.write_times = false;
  absl::StatusOr<std::string> text = SaveManifest(fs, path, options);
  INFO(text.status().ToString());
  REQUIRE(text.ok());
  return *text;
}

std::string Read(Filesystem& fs, std::string_view path) {
  absl::StatusOr<std::string> bytes = fs.ReadFile(path);
  return bytes.ok() ? *bytes : "<" + bytes.status().ToString() + ">";
}

TEST_CASE("MatchesTree passes on a tree equal to its golden", "[golden]") {
  GoldenDirScope dir(kGoldenDir);
  UpdateEnvScope env(std::nullopt);
  std::shared_ptr<Filesystem> fs = Built(kProject);
  // The tree was built with other times and inode numbers than the golden
  // gets when loaded: the default options ignore both.
  CHECK_THAT(*fs, MatchesTree("project.json"));
  CHECK_THAT(fs, MatchesTree("project.json"));  // the shared_ptr overload
  CHECK_THAT(fs, MatchesTree(kGoldenDir + "/project.json"));  // absolute path

  TreeMatcher m = MatchesTree("project.json");
  CHECK(m.golden_path() == kGoldenDir + "/project.json");
  CHECK(m.match(*fs));
  CHECK(m.describe() == "matches golden tree \"" + kGoldenDir + "/project.json\"");

  // Matching reads nothing through a Context: the tree's atims stay as
  // they were.
  const timestamp_t atim = fs->Stat("src/main.c")->atim;
  CHECK(m.match(*fs));
  CHECK(fs->Stat("src/main.c")->atim == atim);
}

TEST_CASE("MatchesTree compares times only when its DiffOptions ask", "[golden]") {
  GoldenDirScope dir(kGoldenDir);
  UpdateEnvScope env(std::nullopt);
  std::shared_ptr<Filesystem> fs = Built(kProject);
  DiffOptions with_times = DefaultGoldenDiffOptions();
  with_times.ignore_times = false;
  TreeMatcher m = MatchesTree("project.json").WithDiffOptions(with_times);
  // The golden was loaded at the real time, the tree built on a
  // deterministic clock in 2023.
  CHECK_FALSE(m.match(*fs));
  CHECK_THAT(m.describe(), Catch::Contains("~ README: atim ") &&
                               Catch::Contains("~ src/main.c: atim "));
  CHECK_THAT(*fs, MatchesTree("project.json").WithDiffOptions(DefaultGoldenDiffOptions()));
}

TEST_CASE("MatchesTree describes every added, removed and changed entry", "[golden]") {
  GoldenDirScope dir(kGoldenDir);
  UpdateEnvScope env(std::nullopt);
  std::shared_ptr<Filesystem> fs = Built(R"(
README = HELLO\n
latest -> src/util.c
src/main.c = int main(void) { return 0; }\n
src/util.c = int twice(int x) { return 2 * x; }\n
src/util_alias.c => src/util.c
src/extra.h = #pragma once\n
)");
  TreeMatcher m = MatchesTree("project.json");
  CHECK_FALSE(m.match(*fs));
  CHECK(m.describe() == "matches golden tree \"" + kGoldenDir + "/project.json\": "
                        "4 changes (golden -> actual):\n"
                        "~ README: content differs at bytes 0..5 (size 6)\n"
                        "- docs/ (dir)\n"
                        "~ latest: target \"src/main.c\" -> \"src/util.c\"\n"
                        "+ src/extra.h (file, 13 bytes)");

  // A broken hard link shows as a link-count change on both names.
  std::shared_ptr<Filesystem> unlinked = Built(R"(
README = hello\n
docs/
latest -> src/main.c
src/main.c = int main(void) { return 0; }\n
src/util.c = int twice(int x) { return 2 * x; }\n
src/util_alias.c = int twice(int x) { return 2 * x; }\n
)");
  TreeMatcher links = MatchesTree("project.json");
  CHECK_FALSE(links.match(unlinked));
  CHECK(links.describe() == "matches golden tree \"" + kGoldenDir + "/project.json\": "
                            "2 changes (golden -> actual):\n"
                            "~ src/util.c: links 2 -> 1\n"
                            "~ src/util_alias.c: links 2 -> 1");
}

TEST_CASE("MatchesTree lists the first N changes and counts the rest", "[golden]") {
  GoldenDirScope dir(kGoldenDir);
  UpdateEnvScope env(std::nullopt);
  std::shared_ptr<Filesystem> fs = Built(std::string(kProject) + R"(
extra/a = 1
extra/b = 22
)");
  const std::string head = "matches golden tree \"" + kGoldenDir + "/project.json\": "
                           "3 changes (golden -> actual):\n"
                           "+ extra/ (dir)\n";
  TreeMatcher two = MatchesTree("project.json").MaxListedChanges(2);
  CHECK_FALSE(two.match(*fs));
  CHECK(two.describe() == head + "+ extra/a (file, 1 byte)\n... and 1 more");

  TreeMatcher all = MatchesTree("project.json").MaxListedChanges(0);
  CHECK_FALSE(all.match(*fs));
  CHECK(all.describe() == head + "+ extra/a (file, 1 byte)\n+ extra/b (file, 2 bytes)");

  // The default lists 50.
  std::string many;
  for (int i = 0; i < 60; ++i) many += "many/f" + std::to_string(100 + i) + " = x\n";
  std::shared_ptr<Filesystem> big = Built(std::string(kProject) + many);
  TreeMatcher m = MatchesTree("project.json");
  CHECK_FALSE(m.match(*big));
  const std::string text = m.describe();
  CHECK_THAT(text, Catch::Contains("61 changes (golden -> actual):\n+ many/ (dir)\n"));
  CHECK_THAT(text, Catch::Contains("+ many/f148 (file, 1 byte)\n... and 11 more"));
  CHECK_THAT(text, !Catch::Contains("many/f149"));
  // The heading, 50 changes, "... and 11 more" (no newline after it).
  CHECK(std::count(text.begin(), text.end(), '\n') == 51);
}

TEST_CASE("MatchesTree.At compares one subtree of the actual tree", "[golden]") {
  GoldenDirScope dir(kGoldenDir);
  UpdateEnvScope env(std::nullopt);
  // out.json: app.wasm (8 bytes of a wasm header) and logs/build.log.
  std::shared_ptr<Filesystem> fs = Built(R"(
src/main.c = int main(void) { return 0; }\n
build/out/app.wasm = replaced below
build/out/logs/build.log = ok\n
build/tmp/scratch = anything
)");
  REQUIRE(fs->WriteFile("build/out/app.wasm", std::string("\0asm\x01\0\0\0", 8)).ok());
  CHECK_THAT(*fs, MatchesTree("out.json").At("build/out"));
  CHECK_THAT(fs, MatchesTree("out.json").At("build/out/"));
  // The whole tree is not the golden.
  CHECK_FALSE(MatchesTree("out.json").match(*fs));

  // Paths in the listing are relative to the subtree.
  REQUIRE(fs->WriteFile("build/out/logs/build.log", "failed\n").ok());
  TreeMatcher m = MatchesTree("out.json").At("build/out");
  CHECK_FALSE(m.match(*fs));
  CHECK(m.describe() == "matches golden tree \"" + kGoldenDir + "/out.json\" "
                        "(actual subtree \"build/out\"): 1 change (golden -> actual):\n"
                        "~ logs/build.log: content differs at bytes 0..3 (size 3 -> 7)");

  // A subtree that is not there fails the match with DiffTrees' error,
  // named for the actual tree.
  TreeMatcher missing = MatchesTree("out.json").At("build/nowhere");
  CHECK_FALSE(missing.match(*fs));
  CHECK_THAT(missing.describe(),
             Catch::StartsWith("matches golden tree \"" + kGoldenDir + "/out.json\" "
                               "(actual subtree \"build/nowhere\"): cannot compare: "
                               "NOT_FOUND: actual: ") &&
                 Catch::Contains("build/nowhere"));
  TreeMatcher file = MatchesTree("out.json").At("src/main.c");
  CHECK_FALSE(file.match(*fs));
  CHECK_THAT(file.describe(), Catch::Contains("cannot compare: FAILED_PRECONDITION: actual: "));
}

TEST_CASE("A missing or corrupt golden fails the match with the load error", "[golden]") {
  UpdateEnvScope env(std::nullopt);
  TempDir tmp("vfs-golden");
  GoldenDirScope dir(tmp.path());
  std::shared_ptr<Filesystem> fs = Built(kProject);

  SECTION("missing") {
    absl::StatusOr<std::shared_ptr<Filesystem>> direct = LoadFixture(tmp / "absent.json");
    REQUIRE_FALSE(direct.ok());
    TreeMatcher m = MatchesTree("absent.json");
    bool matched = true;
    CHECK_NOTHROW(matched = m.match(*fs));
    CHECK_FALSE(matched);
    CHECK_THAT(m.describe(),
               Catch::StartsWith("matches golden tree \"" + tmp / "absent.json" +
                                 "\": cannot load the golden: ") &&
                   Catch::EndsWith(std::string(direct.status().message())));
    CHECK_FALSE(stdfs::exists(tmp / "absent.json"));  // nothing written
  }
  SECTION("corrupt") {
    const std::string text =
        "{\"format\": \"vfs-manifest\", \"version\": 1, \"entries\": [{\"path\": \"a\", \"typ";
    WriteHostFile(tmp / "corrupt.json", text);
    absl::StatusOr<std::shared_ptr<Filesystem>> direct = LoadFixture(tmp / "corrupt.json");
    REQUIRE_FALSE(direct.ok());
    TreeMatcher m = MatchesTree("corrupt.json");
    bool matched = true;
    CHECK_NOTHROW(matched = m.match(*fs));
    CHECK_FALSE(matched);
    CHECK_THAT(m.describe(),
               Catch::StartsWith("matches golden tree \"" + tmp / "corrupt.json" +
                                 "\": cannot load the golden: INVALID_ARGUMENT: ") &&
                   Catch::EndsWith(std::string(direct.status().message())));
    CHECK(ReadHostFile(tmp / "corrupt.json") == text);  // left as it was
  }
  SECTION("a null shared_ptr") {
    TreeMatcher m = MatchesTree(kGoldenDir + "/project.json");
    CHECK_FALSE(m.match(std::shared_ptr<Filesystem>()));
    CHECK(m.describe() == "matches golden tree \"" + kGoldenDir +
                              "/project.json\": the actual Filesystem is a null shared_ptr");
  }
}

TEST_CASE("VFS_UPDATE_GOLDEN rewrites a differing manifest golden, which then matches",
          "[golden]") {
  TempDir tmp("vfs-golden");
  GoldenDirScope dir(tmp.path());
  std::shared_ptr<Filesystem> old_tree = Built("a = old\n");
  const std::string old_text = ManifestOf(*old_tree);
  WriteHostFile(tmp / "g.json", old_text);
  std::shared_ptr<Filesystem> fs = Built(std::string(kProject) + "build/out/x = 1\n");

  SECTION("unset, \"\" and \"0\" leave the golden alone") {
    for (std::optional<std::string> value :
         {std::optional<std::string>(), std::optional<std::string>(""),
          std::optional<std::string>("0")}) {
      UpdateEnvScope env(value);
      CHECK_FALSE(UpdateGoldenRequested());
      TreeMatcher m = MatchesTree("g.json");
      CHECK_FALSE(m.match(*fs));
      CHECK(ReadHostFile(tmp / "g.json") == old_text);
      // A golden that does not exist is not created either.
      CHECK_FALSE(MatchesTree("new/g.json").match(*fs));
      CHECK_FALSE(stdfs::exists(tmp / "new"));
    }
  }
  SECTION("set, the golden becomes the actual tree") {
    UpdateEnvScope env(std::string("1"));
    CHECK(UpdateGoldenRequested());
    TreeMatcher m = MatchesTree("g.json");
    CHECK(m.match(*fs));
    CHECK(m.describe() == "matches golden tree \"" + tmp / "g.json" +
                              "\" (rewritten: VFS_UPDATE_GOLDEN is set and it had 11 changes)");
    // Written without times (they are not compared), and nothing else is
    // left beside it.
    CHECK(ReadHostFile(tmp / "g.json") == ManifestOf(*fs));
    CHECK(tmp.Names() == std::vector<std::string>{"g.json"});
    CHECK_THAT(*fs, MatchesTree("g.json"));

    // A subtree, into a golden (and directories) not there yet.
    CHECK_THAT(*fs, MatchesTree("new/deeper/out.json").At("build/out"));
    CHECK(ReadHostFile(tmp / "new/deeper/out.json") == ManifestOf(*fs, "build/out"));
  }
  SECTION("any other value counts as set; a golden that matches is not rewritten") {
    UpdateEnvScope env(std::string("yes"));
    CHECK(UpdateGoldenRequested());
    // Written with times: a rewrite would drop them.
    absl::StatusOr<std::string> with_times = SaveManifest(*fs);
    REQUIRE(with_times.ok());
    WriteHostFile(tmp / "same.json", *with_times);
    TreeMatcher m = MatchesTree("same.json");
    CHECK(m.match(*fs));
    CHECK(m.describe() == "matches golden tree \"" + tmp / "same.json" + "\"");
    CHECK(ReadHostFile(tmp / "same.json") == *with_times);
  }
  SECTION("set, with times compared, the rewritten manifest keeps them") {
    UpdateEnvScope env(std::string("1"));
    DiffOptions with_times = DefaultGoldenDiffOptions();
    with_times.ignore_times = false;
    CHECK_THAT(*fs, MatchesTree("g.json").WithDiffOptions(with_times));
    absl::StatusOr<std::string> expected = SaveManifest(*fs);
    REQUIRE(expected.ok());
    CHECK(ReadHostFile(tmp / "g.json") == *expected);
  }
  SECTION("set, a corrupt golden is replaced") {
    WriteHostFile(tmp / "g.json", "{ not json");
    UpdateEnvScope env(std::string("1"));
    TreeMatcher m = MatchesTree("g.json");
    CHECK(m.match(*fs));
    CHECK_THAT(m.describe(), Catch::Contains("(rewritten: VFS_UPDATE_GOLDEN is set and it "
                                             "could not be loaded: INVALID_ARGUMENT: "));
    CHECK(ReadHostFile(tmp / "g.json") == ManifestOf(*fs));
  }
  SECTION("set, a failed rewrite fails the match and keeps the old golden") {
    UpdateEnvScope env(std::string("1"));
    // An actual subtree that does not exist cannot be compared or written.
    TreeMatcher m = MatchesTree("g.json").At("nowhere");
    CHECK_FALSE(m.match(*fs));
    CHECK_THAT(m.describe(), Catch::Contains("cannot compare: NOT_FOUND: actual: "));
    // A golden whose directory cannot be created (a file is in the way).
    WriteHostFile(tmp / "blocker", "");
    TreeMatcher blocked = MatchesTree("blocker/g.json");
    CHECK_FALSE(blocked.match(*fs));
    CHECK_THAT(blocked.describe(),
               Catch::Contains("VFS_UPDATE_GOLDEN is set but rewriting the golden failed: "));
    CHECK(ReadHostFile(tmp / "g.json") == old_text);
    CHECK(tmp.Names() == std::vector<std::string>{"blocker", "g.json"});
  }
}

TEST_CASE("VFS_UPDATE_GOLDEN replaces a directory golden whole", "[golden]") {
  TempDir tmp("vfs-golden");
  GoldenDirScope dir(tmp.path());
  // The old golden has a file the new tree lacks; replacing must not merge.
  std::shared_ptr<Filesystem> old_tree = Built("stale.txt = old\nkept/x = 1\n");
  REQUIRE(WriteFixture(*old_tree, "", tmp / "tree", FixtureForm::kHostDir).ok());
  REQUIRE(stdfs::exists(tmp / "tree/stale.txt"));
  std::shared_ptr<Filesystem> fs = Built(kProject);

  {
    UpdateEnvScope env(std::nullopt);
    CHECK_FALSE(MatchesTree("tree").match(*fs));
  }
  UpdateEnvScope env(std::string("1"));
  CHECK_THAT(*fs, MatchesTree("tree"));
  CHECK_FALSE(stdfs::exists(tmp / "tree/stale.txt"));
  CHECK(ReadHostFile(tmp / "tree/src/main.c") == "int main(void) { return 0; }\n");
  CHECK(tmp.Names() == std::vector<std::string>{"tree"});
  UpdateEnvScope off(std::nullopt);
  CHECK_THAT(*fs, MatchesTree("tree"));
  CHECK_THAT(*fs, MatchesTree(tmp / "tree/"));
  CHECK_THAT(GoldenTree("tree").Fork(), MatchesTree(kGoldenDir + "/project.json"));
}

TEST_CASE("VFS_UPDATE_GOLDEN writes tar and snapshot goldens in their form", "[golden]") {
  TempDir tmp("vfs-golden");
  GoldenDirScope dir(tmp.path());
  std::shared_ptr<Filesystem> fs = Built(kProject);
  UpdateEnvScope env(std::string("1"));

  // New goldens take the form their name gives: a gzip-compressed tar (the
  // temporary name keeps the extension that picks the compression).
  CHECK_THAT(*fs, MatchesTree("g.tar.gz"));
  CHECK(ReadHostFile(tmp / "g.tar.gz").substr(0, 2) == "\x1f\x8b");
  CHECK_THAT(*fs, MatchesTree("g.vfs"));
  CHECK(ReadHostFile(tmp / "g.vfs").substr(0, 8) == std::string("VFSSNAP\0", 8));

  // An existing golden keeps its form, here a snapshot told by its magic
  // under a name that says nothing.
  std::shared_ptr<Filesystem> old_tree = Built("old = 1\n");
  REQUIRE(WriteFixture(*old_tree, "", tmp / "g.golden", FixtureForm::kSnapshot).ok());
  CHECK_THAT(*fs, MatchesTree("g.golden"));
  CHECK(ReadHostFile(tmp / "g.golden").substr(0, 8) == std::string("VFSSNAP\0", 8));
  CHECK(tmp.Names() == std::vector<std::string>{"g.golden", "g.tar.gz", "g.vfs"});

  UpdateEnvScope off(std::nullopt);
  for (const char* name : {"g.tar.gz", "g.vfs", "g.golden"}) {
    INFO(name);
    CHECK_THAT(*fs, MatchesTree(name));
  }
}

TEST_CASE("GoldenTree forks are independent of each other and of the golden", "[golden]") {
  GoldenDirScope dir(kGoldenDir);
  UpdateEnvScope env(std::nullopt);
  GoldenTree golden("project.json");
  CHECK(golden.golden_path() == kGoldenDir + "/project.json");
  std::shared_ptr<Filesystem> a = golden.Fork();
  std::shared_ptr<Filesystem> b = golden.Fork();
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(a != b);
  CHECK_THAT(a, MatchesTree("project.json"));

  REQUIRE(a->WriteFile("README", "changed in a\n").ok());
  REQUIRE(a->WriteFile("src/util.c", "through the hard link\n").ok());
  REQUIRE(a->MakeDirectories("docs/new").ok());
  CHECK(Read(*a, "src/util_alias.c") == "through the hard link\n");  // still one inode
  CHECK(Read(*b, "README") == "hello\n");
  CHECK(Read(*b, "src/util_alias.c") == "int twice(int x) { return 2 * x; }\n");
  CHECK_FALSE(b->Stat("docs/new").ok());
  CHECK_THAT(b, MatchesTree("project.json"));

  // A fork made after the changes starts from the golden, not from `a`.
  std::shared_ptr<Filesystem> c = GoldenTree("project.json").Fork();
  CHECK_THAT(c, MatchesTree("project.json"));
  CHECK(a->Fsck().ok());
  CHECK(b->Fsck().ok());
  CHECK(c->Fsck().ok());

  // Each fork starts at the same deterministic clock state.
  std::shared_ptr<Filesystem> d = golden.Fork();
  std::shared_ptr<Filesystem> e = golden.Fork();
  REQUIRE(d->WriteFile("t", "").ok());
  REQUIRE(e->WriteFile("t", "").ok());
  CHECK(d->Stat("t")->mtim == e->Stat("t")->mtim);
}

TEST_CASE("GoldenTree loads each golden once per process", "[golden]") {
  UpdateEnvScope env(std::nullopt);
  TempDir tmp("vfs-golden");
  GoldenDirScope dir(tmp.path());
  std::shared_ptr<Filesystem> first = Built("f = first\n");
  std::shared_ptr<Filesystem> second = Built("f = second\n");

  // A missing golden is an error naming it, and the failure is not cached.
  absl::StatusOr<std::shared_ptr<Filesystem>> none = GoldenTree("cached.json").TryFork();
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(std::string(none.status().message()),
             Catch::StartsWith("golden \"" + tmp / "cached.json" + "\": cannot load: "));

  WriteHostFile(tmp / "cached.json", ManifestOf(*first));
  // The first loads race on several threads; every one gets a fork of the
  // same tree.
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<std::shared_ptr<Filesystem>>> forks(4);
  for (size_t i = 0; i < forks.size(); ++i) {
    threads.emplace_back([&forks, i] { forks[i] = GoldenTree("cached.json").TryFork(); });
  }
  for (std::thread& t : threads) t.join();
  for (auto& fork : forks) {
    INFO(fork.status().ToString());
    REQUIRE(fork.ok());
    CHECK(Read(**fork, "f") == "first");
  }

  // Changed on disk, the golden is not read again, however its path is
  // spelled.
  WriteHostFile(tmp / "cached.json", ManifestOf(*second));
  CHECK(Read(*GoldenTree("cached.json").Fork(), "f") == "first");
  CHECK(Read(*GoldenTree(tmp / "cached.json").Fork(), "f") == "first");
  stdfs::create_directory(tmp / "sub");
  CHECK(Read(*GoldenTree(tmp.path() + "/./sub/../cached.json").Fork(), "f") == "first");
  // The matcher, though, always reads the file as it is now.
  CHECK_THAT(*second, MatchesTree("cached.json"));
}

}  // namespace
}  // namespace vfs::testing
