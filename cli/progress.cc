#include "cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vfs::cli {
namespace {

// Steps back from `pos` to the start of a UTF-8 sequence, so a shortened
// label never ends or starts inside a multi-byte character.
size_t CharStart(const std::string& s, size_t pos) {
  while (pos > 0 && pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) {
    --pos;
  }
  return pos;
}

// The terminal's width, or 0 when stderr is not a terminal (nothing to wrap).
size_t TerminalWidth() {
  struct winsize ws = {};
  if (::ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;
}

void WriteAll(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(2, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a progress line is best effort
    done += static_cast<size_t>(n);
  }
}

}  // namespace

std::string FormatProgressLine(const std::string& command, const std::string& label,
                               uint64_t done, uint64_t total, size_t width) {
  const std::string head = command + ": ";
  std::string tail;
  if (total > 0) {
    const uint64_t shown = done < total ? done : total;
    // done * 100 could overflow for absurd counts; divide first then.
    const uint64_t percent = total > UINT64_MAX / 100 ? shown / (total / 100) : shown * 100 / total;
    tail = absl::StrCat(": ", done, "/", total, " entries (", percent, "%)");
  } else if (done > 0) {
    tail = absl::StrCat(": ", done, " entries");
  }
  std::string line = head + label + tail;
  if (width == 0 || line.size() < width) return line;
  // Leave the last column free: some terminals wrap when it is written.
  const size_t room = width - 1;
  if (room >= head.size() + tail.size() + 3 + 8) {
    const size_t keep = room - head.size() - tail.size() - 3;
    const size_t front = CharStart(label, keep / 2);
    const size_t back = CharStart(label, label.size() - (keep - keep / 2));
    return head + label.substr(0, front) + "..." + label.substr(back) + tail;
  }
  return line.substr(0, CharStart(line, room));
}

Progress::Progress(std::string command, ProgressMode mode)
    : command_(std::move(command)),
      enabled_(mode == ProgressMode::kAlways ||
               (mode == ProgressMode::kAuto && ::isatty(2) == 1)) {}

Progress::~Progress() { Clear(); }

std::function<void(uint64_t, uint64_t)> Progress::Phase(std::string label) {
  if (!enabled_) return nullptr;  // FixtureOptions::progress may be empty
  Update(label, 0, 0);
  return [this, label = std::move(label)](uint64_t done, uint64_t total) {
    Update(label, done, total);
  };
}

void Progress::Update(const std::string& label, uint64_t done, uint64_t total) {
  MutexLock lock(&mu_);
  const auto now = std::chrono::steady_clock::now();
  if (ever_drawn_ && now - last_draw_ < kInterval) return;
  last_draw_ = now;
  ever_drawn_ = true;
  Draw(FormatProgressLine(command_, label, done, total, TerminalWidth()));
}

void Progress::Draw(const std::string& text) {
  // "\r" back to column 0, the text, then erase what a longer previous line
  // left to the right.
  WriteAll("\r" + text + "\x1b[K");
  drawn_ = true;
}

void Progress::Clear() {
  MutexLock lock(&mu_);
  if (!drawn_) return;
  WriteAll("\r\x1b[K");
  drawn_ = false;
}

}  // namespace vfs::cli
