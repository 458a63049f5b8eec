// ForwardingContents: a FileContents that passes every call to another one
// it owns. It is the base of the decorators (fault injection, tracing): a
// decorator overrides only the methods it changes.
//
// A decorator is host configuration, like a stream callback: a snapshot
// saves the innermost contents under its own backend name (serialize/
// unwraps decorators), and a Clone() clones the decorated contents without
// the decoration unless the decorator overrides Clone().
#ifndef BACKENDS_FORWARDING_CONTENTS_H_
#define BACKENDS_FORWARDING_CONTENTS_H_

#include <memory>
#include <string_view>

#include "vfs/file_contents.h"

namespace vfs {

class ForwardingContents : public FileContents {
 public:
  // `inner` must not be null.
  explicit ForwardingContents(std::unique_ptr<FileContents> inner);

  filesize_t Size() const override { return inner_->Size(); }
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override {
    return inner_->Read(offset, out);
  }
  Result<size_t> Write(filesize_t offset, absl::Span<const uint8_t> data) override {
    return inner_->Write(offset, data);
  }
  Errno Resize(filesize_t size) override { return inner_->Resize(size); }
  Errno Allocate(filesize_t offset, filesize_t len) override {
    return inner_->Allocate(offset, len);
  }
  Errno Sync() override { return inner_->Sync(); }
  ContentsCapabilities capabilities() const override { return inner_->capabilities(); }
  std::string_view backend_name() const override { return inner_->backend_name(); }
  std::unique_ptr<FileContents> Clone() const override { return inner_->Clone(); }

  const FileContents& inner() const { return *inner_; }
  FileContents& inner() { return *inner_; }

  // The innermost contents under any number of ForwardingContents layers
  // (what a snapshot saves).
  static const FileContents& Innermost(const FileContents& contents);

 private:
  std::unique_ptr<FileContents> inner_;
};

}  // namespace vfs

#endif  // BACKENDS_FORWARDING_CONTENTS_H_
