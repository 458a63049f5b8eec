// TracingContents: a decorator that counts the calls made to the
// FileContents it wraps and logs one line per call to a shared TraceSink,
// to see what the core asks of a backend (which reads a guest's fd_read
// turns into, whether a truncation reaches the backend, ...).
//
// Log format, one line per call, stable (tests compare it verbatim):
//   [<label>: ]<method> <arguments> -> <result>
// where the label prefix appears only if the label is not empty, and
//   read offset=<u64> length=<requested bytes> -> <bytes read>
//   write offset=<u64> length=<bytes given> -> <bytes written>
//   resize size=<u64> -> ok
//   allocate offset=<u64> length=<u64> -> ok
//   sync -> ok
//   clone -> ok
// with numbers in decimal, and a failed call's result written
// "error <errno name>" (the witx name, e.g. "error nospc").
// Example: "a.txt: read offset=0 length=4096 -> 12".
//
// Like every decorator, a snapshot saves the inner contents, and Clone()
// returns a clone of the inner contents without the tracing (the call is
// logged as "clone").
#ifndef BACKENDS_TRACING_CONTENTS_H_
#define BACKENDS_TRACING_CONTENTS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "backends/forwarding_contents.h"
#include "vfs/mutex.h"

namespace vfs {

// Where trace lines go: a string buffer, or a host callback. Thread-safe:
// several traced files, in Filesystems used from different threads, may
// share one sink, and lines are never interleaved.
class TraceSink {
 public:
  // Called once per line, without the trailing newline, with the sink's lock
  // held (so lines arrive one at a time, in order) and, usually, the
  // Filesystem lock too: it must not call back into the sink or into a
  // Filesystem.
  using Callback = std::function<void(std::string_view line)>;

  // Buffers lines; Text() returns them.
  TraceSink() = default;
  // Passes lines to `callback` (which must not be null) instead.
  explicit TraceSink(Callback callback);
  TraceSink(const TraceSink&) = delete;
  TraceSink& operator=(const TraceSink&) = delete;

  void Append(std::string_view line);
  // The buffered lines, each ending in '\n' (empty with a callback).
  std::string Text() const;
  // Text(), and empties the buffer.
  std::string TakeText();
  // Lines appended so far (buffered or passed to the callback).
  uint64_t lines() const;

 private:
  mutable Mutex mu_;
  Callback callback_;
  std::string text_ ABSL_GUARDED_BY(mu_);
  uint64_t lines_ ABSL_GUARDED_BY(mu_) = 0;
};

// Calls per method, counted whether they succeed or fail.
struct TraceCounts {
  uint64_t read = 0;
  uint64_t write = 0;
  uint64_t resize = 0;
  uint64_t allocate = 0;
  uint64_t sync = 0;
  uint64_t clone = 0;
};

class TracingContents final : public ForwardingContents {
 public:
  // `inner` and `sink` must not be null. `label` names the file in each line.
  TracingContents(std::unique_ptr<FileContents> inner, std::shared_ptr<TraceSink> sink,
                  std::string label = "");

  // Each passes the call on unchanged and logs it.
  Result<size_t> Read(filesize_t offset, absl::Span<uint8_t> out) const override;
  Result<size_t> Write(filesize_t offset, absl::Span<const uint8_t> data) override;
  Errno Resize(filesize_t size) override;
  Errno Allocate(filesize_t offset, filesize_t len) override;
  Errno Sync() override;
  std::unique_ptr<FileContents> Clone() const override;

  // Safe to call from any thread while the file is in use.
  TraceCounts counts() const;
  const std::shared_ptr<TraceSink>& sink() const { return sink_; }

 private:
  void Log(std::string_view call, std::string_view result) const;

  std::shared_ptr<TraceSink> sink_;
  std::string label_;
  // Atomic because Read is const and a test may read counts from another
  // thread than the one calling through a Filesystem.
  mutable std::atomic<uint64_t> reads_{0};
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> resizes_{0};
  std::atomic<uint64_t> allocates_{0};
  std::atomic<uint64_t> syncs_{0};
  mutable std::atomic<uint64_t> clones_{0};
};

}  // namespace vfs

#endif  // BACKENDS_TRACING_CONTENTS_H_
