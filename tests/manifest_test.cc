// JSON manifests (fixtures/manifest.h): every entry kind loads as written,
// a manifest written from a tree loads back into the same tree (checked by
// writing it again: the same text, times and link structure included, over
// 200 random trees), and every malformed input is refused with an error
// naming the entry.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "backends/generated_contents.h"
#include "fixtures/manifest.h"
#include "tests/support/random_state.h"
#include "tests/support/sandbox.h"

namespace vfs::testing {
namespace {

std::shared_ptr<Filesystem> NewFs() {
  FilesystemOptions o;
  o.clock = std::make_shared<DeterministicClock>();
  return Filesystem::Create(o);
}

constexpr char kEveryKind[] = R"({
  "format": "vfs-manifest", "version": 1,
  "entries": [
    {"path": "docs", "type": "dir"},
    {"path": "docs/a.txt", "type": "file", "text": "hello\nwith \u0000 a NUL"},
    {"path": "bin/x", "type": "file", "base64": "AAEC/w=="},
    {"path": "noise", "type": "file",
     "generated": {"generator": "seeded_random", "parameter": "42", "size": 100000}},
    {"path": "zeros", "type": "file", "generated": {"generator": "zero", "size": 10}},
    {"path": "link", "type": "symlink", "target": "docs/a.txt"},
    {"path": "docs/b.txt", "type": "hardlink", "link_to": "docs/a.txt"},
    {"path": "docs/c.txt", "type": "file", "text": "", "atim": 5, "mtim": 6, "ctim": 7},
    {"path": "docs", "type": "dir", "atim": 1, "mtim": 2, "ctim": 3}
  ]
})";

TEST_CASE("A manifest with every entry kind loads as written", "[manifest]") {
  auto fs = NewFs();
  REQUIRE(LoadManifest(kEveryKind, *fs, "fixture").ok());
  CHECK(fs->ReadFile("fixture/docs/a.txt").value_or("?") == std::string("hello\nwith \0 a NUL", 18));
  CHECK(fs->ReadFile("fixture/bin/x").value_or("?") == std::string("\x00\x01\x02\xff", 4));
  std::string expected(100000, '\0');
  auto gen = MakeSeededRandomContents(42, 100000);
  REQUIRE(gen->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(expected.data()), expected.size())).ok());
  CHECK(fs->ReadFile("fixture/noise").value_or("?") == expected);
  CHECK(fs->ReadFile("fixture/zeros").value_or("?") == std::string(10, '\0'));
  absl::StatusOr<Filestat> link = fs->Stat("fixture/link");
  REQUIRE(link.ok());
  CHECK(link->filetype == Filetype::kSymbolicLink);
  CHECK(fs->ReadFile("fixture/link").value_or("?") == std::string("hello\nwith \0 a NUL", 18));
  // A hard link is the same inode.
  CHECK(fs->Stat("fixture/docs/a.txt")->ino == fs->Stat("fixture/docs/b.txt")->ino);
  CHECK(fs->Stat("fixture/docs/a.txt")->nlink == 2);
  // Times are applied after every entry exists: adding c.txt and b.txt did
  // not disturb the directory's saved times.
  absl::StatusOr<Filestat> docs = fs->Stat("fixture/docs");
  CHECK(docs->atim == 1);
  CHECK(docs->mtim == 2);
  CHECK(docs->ctim == 3);
  CHECK(fs->Stat("fixture/docs/c.txt")->ctim == 7);
  // The generated file stays generated when written back.
  absl::StatusOr<std::string> out = SaveManifest(*fs, "fixture");
  REQUIRE(out.ok());
  CHECK(out->find("\"generator\": \"seeded_random\"") != std::string::npos);
  CHECK(out->find("\"link_to\": \"docs/a.txt\"") != std::string::npos);
  CHECK(fs->Fsck().ok());
}

TEST_CASE("Manifest round trip: Load(Save(tree)) writes the same manifest, over random trees",
          "[manifest][property]") {
  int hard_links = 0, binary = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    INFO("seed " << seed);
    RandomState st = MakeRandomState(seed);
    // Random trees hold text; add bytes that are not UTF-8 (base64).
    std::string bin;
    for (int k = 0; k < 300; ++k) bin.push_back(static_cast<char>((seed * 131 + k * 7) & 0xFF));
    REQUIRE(st.fs->WriteFile("zz.bin", bin).ok());
    absl::StatusOr<std::string> first = SaveManifest(*st.fs);
    REQUIRE(first.ok());
    auto copy = NewFs();
    absl::Status s = LoadManifest(*first, *copy, "");
    INFO(s.ToString());
    REQUIRE(s.ok());
    REQUIRE(copy->Fsck().ok());
    absl::StatusOr<std::string> second = SaveManifest(*copy);
    REQUIRE(second.ok());
    CHECK(*second == *first);
    // And the trees agree entry by entry (the text could in principle agree
    // while the trees did not; this reads both).
    absl::StatusOr<std::vector<Filesystem::Entry>> a = st.fs->List(), b = copy->List();
    REQUIRE(a->size() == b->size());
    for (size_t i = 0; i < a->size(); ++i) {
      const auto& x = (*a)[i];
      const auto& y = (*b)[i];
      CHECK(x.path == y.path);
      CHECK(x.kind == y.kind);
      CHECK(x.stat.size == y.stat.size);
      CHECK(x.stat.nlink == y.stat.nlink);
      CHECK(x.stat.mtim == y.stat.mtim);
      CHECK(x.target == y.target);
      if (x.kind == InodeKind::kFile) {
        CHECK(st.fs->ReadFile(x.path).value_or("A") == copy->ReadFile(y.path).value_or("B"));
      }
      if (x.kind != InodeKind::kDirectory && x.stat.nlink > 1) hard_links++;
    }
    if (first->find("\"base64\"") != std::string::npos) binary++;
  }
  // The random trees exercised hard links and binary files.
  CHECK(hard_links > 0);
  CHECK(binary > 0);
}

TEST_CASE("A host_file entry is read relative to the manifest's directory", "[manifest]") {
  char tmpl[] = "/tmp/vfs-manifest-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  {
    std::ofstream(dir + "/data.bin", std::ios::binary) << "host bytes";
    std::ofstream(dir + "/m.json") << R"({"format": "vfs-manifest", "version": 1, "entries": [
      {"path": "d/f", "type": "file", "host_file": "data.bin"}]})";
  }
  auto fs = NewFs();
  REQUIRE(LoadManifestFile(dir + "/m.json", *fs, "x").ok());
  CHECK(fs->ReadFile("x/d/f").value_or("?") == "host bytes");
  std::remove((dir + "/data.bin").c_str());
  auto fs2 = NewFs();
  absl::Status missing = LoadManifestFile(dir + "/m.json", *fs2, "x");
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(std::string(missing.message()).find("data.bin") != std::string::npos);
  std::remove((dir + "/m.json").c_str());
  ::rmdir(dir.c_str());
  CHECK(LoadManifestFile(dir + "/m.json", *fs2, "x").code() == absl::StatusCode::kNotFound);
}

std::string Wrap(const std::string& entries) {
  return R"({"format": "vfs-manifest", "version": 1, "entries": [)" + entries + "]}";
}

TEST_CASE("Malformed manifests are refused with an error naming the entry", "[manifest]") {
  struct Case {
    std::string json;
    absl::StatusCode code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"{", absl::StatusCode::kInvalidArgument, "not JSON"},
      {R"({"format": "other", "version": 1, "entries": []})", absl::StatusCode::kInvalidArgument, "format"},
      {R"({"format": "vfs-manifest", "version": 2, "entries": []})", absl::StatusCode::kInvalidArgument, "version"},
      {R"({"format": "vfs-manifest", "version": 1})", absl::StatusCode::kInvalidArgument, "entries"},
      {Wrap(R"(7)"), absl::StatusCode::kInvalidArgument, "entry 0: not an object"},
      {Wrap(R"({"type": "dir"})"), absl::StatusCode::kInvalidArgument, "no \"path\""},
      {Wrap(R"({"path": "../x", "type": "dir"})"), absl::StatusCode::kInvalidArgument, "relative"},
      {Wrap(R"({"path": "/abs", "type": "dir"})"), absl::StatusCode::kInvalidArgument, "relative"},
      {Wrap(R"({"path": "a//b", "type": "dir"})"), absl::StatusCode::kInvalidArgument, "relative"},
      {Wrap(R"({"path": "a/./b", "type": "dir"})"), absl::StatusCode::kInvalidArgument, "relative"},
      {Wrap(R"({"path": "a", "type": "fifo"})"), absl::StatusCode::kInvalidArgument, "unknown type"},
      {Wrap(R"({"path": "a", "type": "file"})"), absl::StatusCode::kInvalidArgument, "exactly one"},
      {Wrap(R"({"path": "a", "type": "file", "text": "x", "base64": "eA=="})"), absl::StatusCode::kInvalidArgument, "exactly one"},
      {Wrap(R"({"path": "a", "type": "file", "base64": "!!!"})"), absl::StatusCode::kInvalidArgument, "base64"},
      {Wrap(R"({"path": "a", "type": "file", "text": 5})"), absl::StatusCode::kInvalidArgument, "must be a string"},
      {Wrap(R"({"path": "a", "type": "symlink"})"), absl::StatusCode::kInvalidArgument, "target"},
      {Wrap(R"({"path": "a", "type": "hardlink", "link_to": "nowhere"})"), absl::StatusCode::kNotFound, "earlier file or symlink"},
      {Wrap(R"({"path": "a", "type": "file", "generated": {"generator": "nope", "size": 1}})"), absl::StatusCode::kNotFound, "nope"},
      {Wrap(R"({"path": "a", "type": "file", "generated": {"size": 1}})"), absl::StatusCode::kInvalidArgument, "generator"},
      {Wrap(R"({"path": "a", "type": "file", "text": "1"}, {"path": "a", "type": "file", "text": "2"})"), absl::StatusCode::kAlreadyExists, "entry 1"},
      {Wrap(R"({"path": "a", "type": "file", "text": "1"}, {"path": "a", "type": "dir"})"), absl::StatusCode::kAlreadyExists, "not a directory"},
      {Wrap(R"({"path": "a", "type": "dir", "mtim": -1})"), absl::StatusCode::kInvalidArgument, "unsigned"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i << ": " << cases[i].json);
    auto fs = NewFs();
    absl::Status s = LoadManifest(cases[i].json, *fs, "d");
    INFO(s.ToString());
    CHECK(s.code() == cases[i].code);
    CHECK(std::string(s.message()).find(cases[i].says) != std::string::npos);
    CHECK(fs->Fsck().ok());
  }
}

TEST_CASE("Hostile manifests: deep nesting and oversize input fail without crashing", "[manifest]") {
  auto fs = NewFs();
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  CHECK(LoadManifest(deep, *fs, "d").code() == absl::StatusCode::kInvalidArgument);
  ManifestOptions small;
  small.max_manifest_bytes = 10;
  CHECK(LoadManifest(kEveryKind, *fs, "d", small).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("SaveManifest refuses a file over the inline limit unless it is generated",
          "[manifest]") {
  auto fs = NewFs();
  REQUIRE(fs->WriteFile("big", std::string(2000, 'b')).ok());
  REQUIRE(fs->AddFile("gen", MakeZeroContents(1 << 30)).ok());
  ManifestOptions o;
  o.max_inline_bytes = 1000;
  absl::StatusOr<std::string> refused = SaveManifest(*fs, "", o);
  CHECK(refused.status().code() == absl::StatusCode::kOutOfRange);
  CHECK(std::string(refused.status().message()).find("'big'") != std::string::npos);
  REQUIRE(fs->WriteFile("big", "small now").ok());
  absl::StatusOr<std::string> ok = SaveManifest(*fs, "", o);
  REQUIRE(ok.ok());
  CHECK(ok->find("\"size\": 1073741824") != std::string::npos);
  // Without times, a tree's manifest does not depend on when it was built.
  ManifestOptions no_times;
  no_times.write_times = false;
  auto other = NewFs();
  REQUIRE(LoadManifest(*SaveManifest(*fs, "", no_times), *other, "").ok());
  CHECK(*SaveManifest(*other, "", no_times) == *SaveManifest(*fs, "", no_times));
  CHECK(SaveManifest(*fs, "", no_times)->find("mtim") == std::string::npos);
}

}  // namespace
}  // namespace vfs::testing
