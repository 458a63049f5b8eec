// GeneratedContents: a read-only, fixed-size FileContents whose bytes are
// computed on demand by a host callback, so a file of any size costs no
// memory (a /dev/zero with a size, a reproducible pseudo-random test input).
//
// A generated file is described by a generator *name*, a *parameter* string
// and a size. The process-wide GeneratorRegistry maps names to factories
// that turn a parameter into a callback; a snapshot stores only (name,
// parameter, size) (serialize/backend_registry.h, backend "generated") and a
// restore asks the registry to rebuild the callback. Two generators are
// built in:
//   "zero"           parameter "" : every byte is 0.
//   "seeded_random"  parameter: a decimal u64 seed, e.g. "42" (digits
//                    only). Byte k is byte (k mod 8), little-endian, of
//                    word k / 8, and word i is SplitMix64Mix(seed + (i + 1)
//                    * 0x9E3779B97F4A7C15): the (i + 1)-th output of
//                    SplitMix64 seeded with `seed`. Any range is computed
//                    on its own (counter-based), so reading in any order or
//                    piece size gives the same bytes.
// The byte streams of the built-ins are part of the snapshot format: a
// snapshot holds only the seed, so the stream must never change.
//
// This file does not define writing: capabilities() says neither writable
// nor resizable, so the core answers writes and resizes with Errno::kPerm
// and the methods keep FileContents' default NOTSUP.
#ifndef BACKENDS_GENERATED_CONTENTS_H_
#define BACKENDS_GENERATED_CONTENTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "vfs/file_contents.h"
#include "vfs/mutex.h"

namespace vfs {

// Fills `out` with the bytes at [offset, offset + out.size()). It must fill
// all of `out`, must give the same bytes for the same range every time
// (whatever was read before, and in any clone or restored copy), must not
// fail and must not call into a Filesystem: it runs with the Filesystem lock
// held. It may be called from several threads at once (clones may live in
// different Filesystems), so it must not mutate shared state unguarded.
using GeneratorFn = std::function<void(filesize_t offset, absl::Span<uint8_t> out)>;

class GeneratedContents final : public FileContents {
 public:
  // A file of `size` bytes produced by `fn` (which must not be null). The
  // name and parameter are what a snapshot records; restoring needs a
  // factory registered under `generator_name` that rebuilds an equivalent
  // `fn` from `parameter`. The constructor does not consult the registry.
  GeneratedContents(std::string generator_name, std::string parameter, filesize_t size,
                    std::shared_ptr<const GeneratorFn> fn);

  filesize_t Size() const override { return size_; }
  // Calls the generator for the part of `out` below Size().
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override;
  ContentsCapabilities capabilities() const override {
    ContentsCapabilities caps;
    caps.writable = false;
    caps.resizable = false;
    return caps;
  }
  std::string_view backend_name() const override { return "generated"; }
  // O(1): shares the generator, which is immutable.
  std::unique_ptr<FileContents> Clone() const override;

  const std::string& generator_name() const { return name_; }
  const std::string& parameter() const { return parameter_; }

 private:
  std::string name_;
  std::string parameter_;
  filesize_t size_;
  std::shared_ptr<const GeneratorFn> fn_;
};

// The SplitMix64 finaliser the "seeded_random" stream uses; exposed so that
// tests can check the stream against an independent sequential generator.
uint64_t SplitMix64Mix(uint64_t z);

class GeneratorRegistry {
 public:
  // Turns a parameter into a generator, or refuses it (InvalidArgument,
  // naming the parameter). Called without the registry's lock held, so it
  // may be slow, but it must not call into a Filesystem.
  using Factory =
      std::function<absl::StatusOr<GeneratorFn>(std::string_view parameter)>;

  // A registry with "zero" and "seeded_random".
  GeneratorRegistry();
  // The registry snapshots restore from; never destroyed.
  static GeneratorRegistry& Global();

  // InvalidArgument if the name is empty, longer than kMaxNameLength, or the
  // factory is null; AlreadyExists if the name is taken (the built-ins
  // cannot be replaced). Thread-safe.
  absl::Status Register(std::string name, Factory factory);
  bool Contains(std::string_view name) const;

  // A file of `size` bytes from the generator `name` with `parameter`.
  // NotFound naming `name` if it is not registered; the factory's error if
  // it refuses the parameter. Thread-safe; the factory runs unlocked.
  absl::StatusOr<std::unique_ptr<GeneratedContents>> Make(std::string_view name,
                                                          std::string_view parameter,
                                                          filesize_t size) const;

  static constexpr size_t kMaxNameLength = 64;

 private:
  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<const Factory>, std::less<>> factories_
      ABSL_GUARDED_BY(mu_);
};

// Shorthands through GeneratorRegistry::Global(): a file of `size` zero
// bytes, and one of the "seeded_random" stream for `seed`.
std::unique_ptr<GeneratedContents> MakeZeroContents(filesize_t size);
std::unique_ptr<GeneratedContents> MakeSeededRandomContents(uint64_t seed, filesize_t size);

}  // namespace vfs

#endif  // BACKENDS_GENERATED_CONTENTS_H_
