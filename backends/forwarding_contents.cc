#include "backends/forwarding_contents.h"

#include <utility>

namespace vfs {

ForwardingContents::ForwardingContents(std::unique_ptr<FileContents> inner)
    : inner_(std::move(inner)) {}

const FileContents& ForwardingContents::Innermost(const FileContents& contents) {
  const FileContents* c = &contents;
  while (const auto* f = dynamic_cast<const ForwardingContents*>(c)) c = &f->inner();
  return *c;
}

}  // namespace vfs
