#include "serialize/fork.h"

namespace vfs {

absl::StatusOr<LiveState> Fork(Filesystem& fs, absl::Span<Context* const> contexts) {
  const ContextOptions context_options =
      contexts.empty() || contexts[0] == nullptr ? ContextOptions()
                                                 : contexts[0]->options();
  return CloneState(fs, contexts, context_options);
}

}  // namespace vfs
