// Random filesystem states for the snapshot and fork tests: a seed drives a
// sequence of preview1 and host calls that leaves behind directories, files
// of many sizes (empty, chunk-sized, sparse), symlinks of every kind, hard
// links, unlinked-but-open files, a removed-but-open directory, descriptors
// with offsets, narrowed rights and flags, and streams holding unread bytes,
// across two Contexts. The same seed always makes the same state (the clock
// is deterministic).
//
// Observe() describes a state by what the API shows, so two states can be
// compared without comparing snapshots: every entry with its stat, every
// file's bytes read through every name, and every descriptor with its
// FdInfo, filestat and the file's bytes read through it.
#ifndef TESTS_SUPPORT_RANDOM_STATE_H_
#define TESTS_SUPPORT_RANDOM_STATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "vfs/context.h"
#include "vfs/filesystem.h"

namespace vfs::testing {

struct RandomState {
  std::shared_ptr<Filesystem> fs;
  std::unique_ptr<Context> guest;  // preopens "/" as "/" at fd 3
  std::unique_ptr<Context> other;  // a second table: "/" read-only, a pipe end
  std::vector<Context*> contexts() { return {guest.get(), other.get()}; }
};

// `ops` bounds the number of calls made.
RandomState MakeRandomState(uint64_t seed, int ops = 40);

std::string Observe(Filesystem& fs, absl::Span<Context* const> contexts);

}  // namespace vfs::testing

#endif  // TESTS_SUPPORT_RANDOM_STATE_H_
