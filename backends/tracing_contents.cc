#include "backends/tracing_contents.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace vfs {

namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string ErrnoResult(Errno e) {
  if (e == Errno::kSuccess) return "ok";
  return absl::StrCat("error ", View(ErrnoName(e)));
}

std::string CountResult(const Result<size_t>& r) {
  if (!r.ok()) return ErrnoResult(r.error());
  return absl::StrCat(*r);
}

}  // namespace

TraceSink::TraceSink(Callback callback) : callback_(std::move(callback)) {}

void TraceSink::Append(std::string_view line) {
  MutexLock lock(&mu_);
  ++lines_;
  if (callback_) {
    callback_(line);
    return;
  }
  text_.append(line);
  text_.push_back('\n');
}

std::string TraceSink::Text() const {
  MutexLock lock(&mu_);
  return text_;
}

std::string TraceSink::TakeText() {
  MutexLock lock(&mu_);
  std::string out;
  out.swap(text_);
  return out;
}

uint64_t TraceSink::lines() const {
  MutexLock lock(&mu_);
  return lines_;
}

TracingContents::TracingContents(std::unique_ptr<FileContents> inner,
                                 std::shared_ptr<TraceSink> sink, std::string label)
    : ForwardingContents(std::move(inner)), sink_(std::move(sink)), label_(std::move(label)) {}

void TracingContents::Log(std::string_view call, std::string_view result) const {
  if (label_.empty()) {
    sink_->Append(absl::StrCat(View(call), " -> ", View(result)));
  } else {
    sink_->Append(absl::StrCat(label_, ": ", View(call), " -> ", View(result)));
  }
}

Result<size_t> TracingContents::Read(filesize_t offset, absl::Span<uint8_t> out) const {
  reads_.fetch_add(1, std::memory_order_relaxed);
  Result<size_t> r = ForwardingContents::Read(offset, out);
  Log(absl::StrCat("read offset=", offset, " length=", out.size()), CountResult(r));
  return r;
}

Result<size_t> TracingContents::Write(filesize_t offset, absl::Span<const uint8_t> data) {
  writes_.fetch_add(1, std::memory_order_relaxed);
  Result<size_t> r = ForwardingContents::Write(offset, data);
  Log(absl::StrCat("write offset=", offset, " length=", data.size()), CountResult(r));
  return r;
}

Errno TracingContents::Resize(filesize_t size) {
  resizes_.fetch_add(1, std::memory_order_relaxed);
  const Errno e = ForwardingContents::Resize(size);
  Log(absl::StrCat("resize size=", size), ErrnoResult(e));
  return e;
}

Errno TracingContents::Allocate(filesize_t offset, filesize_t len) {
  allocates_.fetch_add(1, std::memory_order_relaxed);
  const Errno e = ForwardingContents::Allocate(offset, len);
  Log(absl::StrCat("allocate offset=", offset, " length=", len), ErrnoResult(e));
  return e;
}

Errno TracingContents::Sync() {
  syncs_.fetch_add(1, std::memory_order_relaxed);
  const Errno e = ForwardingContents::Sync();
  Log("sync", ErrnoResult(e));
  return e;
}

std::unique_ptr<FileContents> TracingContents::Clone() const {
  clones_.fetch_add(1, std::memory_order_relaxed);
  std::unique_ptr<FileContents> c = ForwardingContents::Clone();
  Log("clone", "ok");
  return c;
}

TraceCounts TracingContents::counts() const {
  TraceCounts c;
  c.read = reads_.load(std::memory_order_relaxed);
  c.write = writes_.load(std::memory_order_relaxed);
  c.resize = resizes_.load(std::memory_order_relaxed);
  c.allocate = allocates_.load(std::memory_order_relaxed);
  c.sync = syncs_.load(std::memory_order_relaxed);
  c.clone = clones_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace vfs
