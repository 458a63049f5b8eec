#include "backends/generated_contents.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vfs {

namespace {

constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ULL;

// Debian's absl::string_view is not std::string_view; StrCat needs this.
absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

void FillSeededRandom(uint64_t seed, filesize_t offset, absl::Span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t pos = offset + done;
    const uint64_t word = SplitMix64Mix(seed + (pos / 8 + 1) * kGoldenGamma);
    const size_t first = static_cast<size_t>(pos % 8);
    const size_t n = std::min<size_t>(8 - first, out.size() - done);
    for (size_t i = 0; i < n; ++i) {
      out[done + i] = static_cast<uint8_t>(word >> (8 * (first + i)));
    }
    done += n;
  }
}

// Only canonical decimal digits, so that one seed has one spelling.
bool ParseSeed(std::string_view s, uint64_t* seed) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *seed = v;
  return true;
}

absl::StatusOr<GeneratorFn> ZeroFactory(std::string_view parameter) {
  if (!parameter.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "generator 'zero' takes no parameter, got '", View(parameter), "'"));
  }
  return GeneratorFn([](filesize_t, absl::Span<uint8_t> out) {
    if (!out.empty()) std::memset(out.data(), 0, out.size());
  });
}

absl::StatusOr<GeneratorFn> SeededRandomFactory(std::string_view parameter) {
  uint64_t seed = 0;
  if (!ParseSeed(parameter, &seed)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "generator 'seeded_random' needs a decimal u64 seed, got '", View(parameter), "'"));
  }
  return GeneratorFn([seed](filesize_t offset, absl::Span<uint8_t> out) {
    FillSeededRandom(seed, offset, out);
  });
}

}  // namespace

uint64_t SplitMix64Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

GeneratedContents::GeneratedContents(std::string generator_name, std::string parameter,
                                     filesize_t size, std::shared_ptr<const GeneratorFn> fn)
    : name_(std::move(generator_name)),
      parameter_(std::move(parameter)),
      size_(size),
      fn_(std::move(fn)) {}

Result<size_t> GeneratedContents::Read(filesize_t offset, absl::Span<uint8_t> out) const {
  if (offset >= size_) return size_t{0};
  const size_t n = static_cast<size_t>(std::min<filesize_t>(out.size(), size_ - offset));
  if (n > 0) (*fn_)(offset, out.first(n));
  return n;
}

std::unique_ptr<FileContents> GeneratedContents::Clone() const {
  return std::make_unique<GeneratedContents>(name_, parameter_, size_, fn_);
}

GeneratorRegistry::GeneratorRegistry() {
  (void)Register("zero", ZeroFactory);
  (void)Register("seeded_random", SeededRandomFactory);
}

GeneratorRegistry& GeneratorRegistry::Global() {
  static GeneratorRegistry* registry = new GeneratorRegistry();  // never destroyed
  return *registry;
}

absl::Status GeneratorRegistry::Register(std::string name, Factory factory) {
  if (name.empty() || name.size() > kMaxNameLength || !factory) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a generator needs a name of 1 to ", kMaxNameLength,
        " bytes and a factory (name '", name, "')"));
  }
  MutexLock lock(&mu_);
  if (factories_.count(name) != 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("generator '", name, "' is already registered"));
  }
  factories_.emplace(std::move(name), std::make_shared<const Factory>(std::move(factory)));
  return absl::OkStatus();
}

bool GeneratorRegistry::Contains(std::string_view name) const {
  MutexLock lock(&mu_);
  return factories_.find(name) != factories_.end();
}

absl::StatusOr<std::unique_ptr<GeneratedContents>> GeneratorRegistry::Make(
    std::string_view name, std::string_view parameter, filesize_t size) const {
  std::shared_ptr<const Factory> factory;
  {
    MutexLock lock(&mu_);
    auto it = factories_.find(name);
    if (it == factories_.end()) {
      return absl::NotFoundError(
          absl::StrCat("generator '", View(name), "' is not registered"));
    }
    factory = it->second;
  }
  absl::StatusOr<GeneratorFn> fn = (*factory)(parameter);
  if (!fn.ok()) return fn.status();
  if (!*fn) {
    return absl::InternalError(
        absl::StrCat("generator '", View(name), "' returned an empty callback"));
  }
  return std::make_unique<GeneratedContents>(
      std::string(name), std::string(parameter), size,
      std::make_shared<const GeneratorFn>(*std::move(fn)));
}

std::unique_ptr<GeneratedContents> MakeZeroContents(filesize_t size) {
  // The built-in cannot be missing or refuse an empty parameter.
  return *GeneratorRegistry::Global().Make("zero", "", size);
}

std::unique_ptr<GeneratedContents> MakeSeededRandomContents(uint64_t seed, filesize_t size) {
  return *GeneratorRegistry::Global().Make("seeded_random", absl::StrCat(seed), size);
}

}  // namespace vfs
