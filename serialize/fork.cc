#include "serialize/fork.h"

namespace vfs {

absl::StatusOr<LiveState> Fork(Filesystem& fs, absl::Span<Context* const> contexts) {
  const ContextOptions context_options =
      contexts.empty() || contexts[0] == nullptr ? ContextOptions()
                                                 : contexts[0]->options();
  absl::StatusOr<LiveState> forked;
  absl::Status s = WithCapturedState(fs, contexts, [&](StateImage& image) {
    // Built while the source is locked: borrowed contents are cloned here.
    forked = BuildState(image, fs.options(), context_options);
    return forked.status();
  });
  if (!s.ok()) return s;
  return forked;
}

}  // namespace vfs
