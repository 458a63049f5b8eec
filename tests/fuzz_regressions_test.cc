// F13: every committed fuzz input, replayed through the same functions the
// libFuzzer binaries call (tests/fuzz/targets.h): the seed corpora under
// tests/fuzz/corpus/<target>/ and the minimized findings under
// tests/fuzz/regressions/<target>/. A failing oracle aborts the binary with
// the input's path (tests/fuzz/fuzz_support.h); a sanitizer build reports
// memory errors the same way.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace {

namespace stdfs = std::filesystem;

struct Target {
  const char* name;
  int (*fn)(const uint8_t*, size_t);
};

constexpr Target kTargets[] = {
    {"wasi_ops", vfs::fuzz::FuzzWasiOps},
    {"snapshot_restore", vfs::fuzz::FuzzSnapshotRestore},
    {"path_resolver", vfs::fuzz::FuzzPathResolver},
    {"guest_abi", vfs::fuzz::FuzzGuestAbi},
};

const stdfs::path kFuzzDir = stdfs::path(VFS_TEST_DATA_DIR) / ".." / "fuzz";

// Regular files of `dir`, sorted (replays run in a fixed order); none if
// the directory does not exist. Note files (*.txt, README*) are not inputs.
std::vector<stdfs::path> Inputs(const stdfs::path& dir) {
  std::vector<stdfs::path> out;
  if (!stdfs::is_directory(dir)) return out;
  for (const auto& e : stdfs::directory_iterator(dir)) {
    const std::string file = e.path().filename().string();
    if (!e.is_regular_file() || e.path().extension() == ".txt" ||
        file.rfind("README", 0) == 0) {
      continue;
    }
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadBytes(const stdfs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST_CASE("every committed fuzz input replays cleanly through its target",
          "[fuzz][regressions]") {
  size_t total = 0;
  for (const Target& t : kTargets) {
    size_t seeds = 0;
    for (const char* kind : {"corpus", "regressions"}) {
      for (const stdfs::path& p : Inputs(kFuzzDir / kind / t.name)) {
        const std::string bytes = ReadBytes(p);
        vfs::fuzz::SetInputName(p.string());
        INFO(p.string());
        // The targets abort on a failed oracle; reaching the CHECK means the
        // input ran clean.
        CHECK(t.fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) == 0);
        ++total;
        if (std::string(kind) == "corpus") ++seeds;
      }
    }
    vfs::fuzz::SetInputName("");
    INFO("target " << t.name);
    // Every target ships a seed corpus: an empty one means the files went
    // missing, and the replay would pass without checking anything.
    CHECK(seeds > 0);
  }
  std::cout << "F13 regressions: " << total << " inputs replayed across "
            << std::size(kTargets) << " targets\n";
}

TEST_CASE("fuzz targets accept empty and truncated inputs", "[fuzz][regressions]") {
  // libFuzzer feeds any length, including zero: every target must decode a
  // short input as something, never read past it.
  const std::vector<uint8_t> bytes = {0xFF, 0x7F, 0x00, 0x1E, 0x10, 0x03};
  for (const Target& t : kTargets) {
    INFO("target " << t.name);
    for (size_t n = 0; n <= bytes.size(); ++n) {
      CHECK(t.fn(bytes.data(), n) == 0);
    }
  }
}
