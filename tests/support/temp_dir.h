// Host-side helpers for tests that touch real files: TempDir, a fresh host
// directory removed with everything in it at scope exit, and whole-file
// reads and writes that fail the test when the host refuses.
#ifndef TESTS_SUPPORT_TEMP_DIR_H_
#define TESTS_SUPPORT_TEMP_DIR_H_

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "catch2/catch.hpp"

namespace vfs::testing {

class TempDir {
 public:
  // `prefix` names the directory under the system temp dir, for whoever
  // finds one left behind by a killed run.
  explicit TempDir(std::string_view prefix = "vfs-test") {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) FAIL("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The host path of `name` inside the directory.
  std::string operator/(std::string_view name) const {
    return (std::filesystem::path(path_) / std::string(name)).string();
  }
  const std::string& path() const { return path_; }

  // The names directly inside, sorted.
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

// The bytes of host file `path`; the test fails if it cannot be opened.
inline std::string ReadHostFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Creates or truncates host file `path` with `bytes`; the test fails if the
// write does not complete.
inline void WriteHostFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  REQUIRE(out.good());
}

}  // namespace vfs::testing

#endif  // TESTS_SUPPORT_TEMP_DIR_H_
