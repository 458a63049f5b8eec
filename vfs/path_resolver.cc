#include "vfs/path_resolver.h"

#include <cstring>

#include "absl/container/inlined_vector.h"
#include "vfs/filesystem.h"

namespace vfs {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time: most paths are all ASCII.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c < 0x80) { ++i; continue; }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

Errno PathResolver::ValidatePath(std::string_view path) const {
  // The order follows wasmtime: the string is decoded (ILSEQ) and converted
  // to a C string (INVAL on NUL) before any lookup sees it.
  if (path.empty()) return Errno::kNoent;
  if (!IsValidUtf8(path)) return Errno::kIlseq;
  if (path.find('\0') != std::string_view::npos) return Errno::kInval;
  if (path.front() == '/') return Errno::kPerm;
  if (path.size() > fs_.options().max_path_length) return Errno::kNametoolong;
  return Errno::kSuccess;
}

namespace {

// A run of components still to walk: the rest of the caller's path, or of
// an expanded symlink target. `slash` carries a trailing slash from the
// symlink component that was expanded into this segment.
struct Segment {
  std::string_view rest;
  bool slash;
};

void SkipSlashes(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && s[i] == '/') ++i;
  s.remove_prefix(i);
}

}  // namespace

Result<Resolution> PathResolver::Resolve(Inode* base, std::string_view path,
                                         FollowFinal policy, bool creating) const {
  VFS_RETURN_IF_ERROR(ValidatePath(path));
  const FilesystemOptions& opt = fs_.options();
  absl::InlinedVector<Inode*, 16> dirs = {base};
  absl::InlinedVector<Segment, 4> segments = {{path, false}};
  int expansions = 0;

  while (!segments.empty()) {
    Segment& seg = segments.back();
    const size_t len = std::min(seg.rest.find('/'), seg.rest.size());
    const std::string_view comp = seg.rest.substr(0, len);
    bool must_be_dir = len < seg.rest.size();
    seg.rest.remove_prefix(len);
    SkipSlashes(seg.rest);
    if (seg.rest.empty()) {
      must_be_dir = must_be_dir || seg.slash;
      segments.pop_back();
    }
    const bool is_final = segments.empty();
    if (comp.empty()) continue;  // only possible for a target like "./" 
    if (comp.size() > opt.max_name_length) return Errno::kNametoolong;

    Inode* top = dirs.back();
    if (comp == "." || comp == "..") {
      if (comp == "..") {
        if (dirs.size() == 1) return Errno::kPerm;  // would leave the base
        dirs.pop_back();
      }
      if (is_final) {
        Resolution r;
        r.inode = dirs.back();
        r.dot_final = true;
        r.dot_dot = comp == "..";
        r.trailing_slash = must_be_dir;
        return r;
      }
      continue;
    }

    Inode* child = is_final && must_be_dir && creating ? nullptr : top->dir->Find(comp);
    if (child == nullptr) {
      if (!is_final) return Errno::kNoent;
      Resolution r;
      r.parent = top;
      r.name = std::string(comp);
      r.trailing_slash = must_be_dir;
      return r;
    }
    if (child->kind() == InodeKind::kSymlink) {
      const bool follow = !is_final || policy == FollowFinal::kFollow ||
                          (policy == FollowFinal::kNoFollow && must_be_dir);
      if (follow) {
        if (++expansions > opt.max_symlink_expansions) return Errno::kLoop;
        std::string_view target = child->target;
        if (target.empty()) return Errno::kNoent;
        if (target.front() == '/') return Errno::kPerm;
        if (target.size() > opt.max_path_length) return Errno::kNametoolong;
        segments.push_back({target, must_be_dir});
        continue;
      }
    }
    if (is_final) {
      if (must_be_dir && !child->is_dir()) return Errno::kNotdir;
      Resolution r;
      r.parent = top;
      r.name = std::string(comp);
      r.inode = child;
      r.trailing_slash = must_be_dir;
      return r;
    }
    if (!child->is_dir()) return Errno::kNotdir;
    dirs.push_back(child);
  }
  // The path had no components left (a target of only "." segments handled
  // above returns earlier); it names the directory on top of the stack.
  Resolution r;
  r.inode = dirs.back();
  r.dot_final = true;
  return r;
}

}  // namespace vfs
