// Fork: an independent copy of a Filesystem, and optionally of some of its
// Contexts, that shares file data copy-on-write.
//
// The cost is one new Inode per inode and one entry per name, copied
// straight from the live graph (serialize/state.h, CloneState); no file
// bytes are copied (MemoryContents::Clone shares chunk maps and buffers, copying a
// 64 KiB chunk only when one side first writes it). Other backends are
// cloned with their own Clone(). After the fork the two are independent:
// writes in one are never visible in the other.
//
// What is copied is what a snapshot holds: streams keep
// their unread bytes but not their host callbacks, and a DeterministicClock
// is copied so each fork continues the same sequence of times.
#ifndef SERIALIZE_FORK_H_
#define SERIALIZE_FORK_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "serialize/state.h"
#include "vfs/context.h"
#include "vfs/filesystem.h"

namespace vfs {

// Forks `fs` with `contexts` (all over `fs`; the forked contexts come back
// in the same order, with the first context's options). The fork has the
// same options as `fs`.
absl::StatusOr<LiveState> Fork(Filesystem& fs, absl::Span<Context* const> contexts = {});

}  // namespace vfs

#endif  // SERIALIZE_FORK_H_
