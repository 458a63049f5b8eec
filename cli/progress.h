// A one-line progress display on stderr for the long `vfs` subcommands
// (pack, unpack, diff): "vfs pack: loading tree/: 1200/5000 entries (24%)",
// redrawn in place. By default it is drawn only when stderr is a terminal, so
// logs and pipes never receive carriage returns; --progress and
// --no-progress override that.
#ifndef CLI_PROGRESS_H_
#define CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "vfs/mutex.h"

namespace vfs::cli {

enum class ProgressMode {
  kAuto,    // draw when stderr is a terminal (isatty)
  kAlways,  // draw whatever stderr is (--progress)
  kNever,   // never draw (--no-progress)
};

class Progress {
 public:
  // Redraws are at least this far apart, so a fast loop costs nothing and
  // a terminal is redrawn at most ten times a second.
  static constexpr std::chrono::milliseconds kInterval{100};

  // `command` prefixes every line ("vfs pack").
  Progress(std::string command, ProgressMode mode);
  ~Progress();  // Clear()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }

  // Starts a phase ("loading tree.tar") and returns the callback for
  // FixtureOptions::progress that reports its (done, total) counts. The
  // phase's label is drawn at once if the last redraw is old enough, so even
  // a phase that never reports counts shows what is going on.
  std::function<void(uint64_t done, uint64_t total)> Phase(std::string label);

  // Erases the line, if one is drawn; call it before printing anything else
  // to stderr or stdout on a terminal.
  void Clear();

 private:
  void Update(const std::string& label, uint64_t done, uint64_t total);
  void Draw(const std::string& text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string command_;
  const bool enabled_;
  Mutex mu_;  // the callback may be called from a loader's thread
  bool drawn_ ABSL_GUARDED_BY(mu_) = false;
  bool ever_drawn_ ABSL_GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point last_draw_ ABSL_GUARDED_BY(mu_);
};

// The progress line's text, without escapes: "<command>: <label>", plus
// ": D/T entries (P%)" when the total is known, or ": D entries" when only
// the count is. Shortened in the middle of the label (with "...") to at most
// `width` characters when `width` is nonzero, so it never wraps (a wrapped
// line cannot be redrawn in place).
std::string FormatProgressLine(const std::string& command, const std::string& label,
                               uint64_t done, uint64_t total, size_t width);

}  // namespace vfs::cli

#endif  // CLI_PROGRESS_H_
