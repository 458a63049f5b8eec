#include "vfs/filesystem.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/memory_contents.h"
#include "vfs/path_resolver.h"
#include "vfs/status.h"

namespace vfs {

std::string_view InodeKindName(InodeKind k) {
  switch (k) {
    case InodeKind::kRoot: return "root";
    case InodeKind::kDirectory: return "dir";
    case InodeKind::kFile: return "file";
    case InodeKind::kSymlink: return "symlink";
    case InodeKind::kBuffer: return "buffer";
  }
  return "?";
}

Filetype Inode::filetype() const {
  switch (kind_) {
    case InodeKind::kRoot:
    case InodeKind::kDirectory: return Filetype::kDirectory;
    case InodeKind::kFile: return Filetype::kRegularFile;
    case InodeKind::kSymlink: return Filetype::kSymbolicLink;
    case InodeKind::kBuffer: return Filetype::kUnknown;
  }
  return Filetype::kUnknown;
}

// ---- Directory ----

void Directory::Insert(std::string_view name, Inode* inode) {
  InsertWithSeq(name, inode, next_seq_);
}

void Directory::InsertWithSeq(std::string_view name, Inode* inode,
                              uint64_t seq) {
  by_name_.try_emplace(AsAbsl(name), Entry{inode, seq});
  // New entries take the highest sequence number so far (creation, and
  // restore and fork, which insert in listing order): the end hint makes
  // that insert O(1).
  Listed listed{std::string(name), inode, inode->id(), inode->filetype()};
  if (seq >= next_seq_) {
    by_seq_.emplace_hint(by_seq_.end(), seq, std::move(listed));
  } else {
    by_seq_.emplace(seq, std::move(listed));
  }
  if (seq >= next_seq_) next_seq_ = seq + 1;
}

void Directory::Replace(std::string_view name, Inode* inode) {
  auto it = by_name_.find(AsAbsl(name));
  it->second.inode = inode;
  Listed& listed = by_seq_.find(it->second.seq)->second;
  listed.inode = inode;
  listed.ino = inode->id();
  listed.type = inode->filetype();
}

Inode* Directory::Erase(std::string_view name) {
  auto it = by_name_.find(AsAbsl(name));
  if (it == by_name_.end()) return nullptr;
  Inode* inode = it->second.inode;
  by_seq_.erase(it->second.seq);
  by_name_.erase(it);
  return inode;
}

// ---- Filesystem ----

Filesystem::Filesystem(FilesystemOptions options)
    : options_(std::move(options)), clock_(options_.clock) {
  if (!clock_) clock_ = std::make_shared<RealClock>();
  MutexLock lock(&mu_);
  root_ = NewInode(InodeKind::kRoot);
  root_->dir->parent = root_;
  Charge(nullptr, 0, 1, true);
}

Filesystem::Filesystem(FilesystemOptions options, EmptyTag)
    : options_(std::move(options)), clock_(options_.clock) {
  if (!clock_) clock_ = std::make_shared<RealClock>();
}

Filesystem::~Filesystem() {
  // Every Context and DescriptorHandle holds a shared_ptr to us, so no
  // OpenFile can outlive this point; the inodes go with the table.
}

Inode* Filesystem::NewInode(InodeKind kind) {
  const InodeId id = next_id_++;
  auto inode = std::make_unique<Inode>(id, kind);
  const timestamp_t now = Now();
  inode->atim = inode->mtim = inode->ctim = now;
  switch (kind) {
    case InodeKind::kRoot:
    case InodeKind::kDirectory:
      inode->dir = std::make_unique<Directory>();
      break;
    case InodeKind::kFile:
      inode->contents = NewContents();
      break;
    case InodeKind::kBuffer:
      inode->stream = std::make_unique<Stream>(options_.stream_capacity);
      break;
    case InodeKind::kSymlink:
      break;
  }
  Inode* raw = inode.get();
  inodes_.emplace(id, std::move(inode));
  return raw;
}

std::unique_ptr<FileContents> Filesystem::NewContents() const {
  if (options_.new_file_contents) {
    if (std::unique_ptr<FileContents> c = options_.new_file_contents()) return c;
  }
  return std::make_unique<MemoryContents>();
}

void Filesystem::Link(Inode* dir, std::string_view name, Inode* child) {
  dir->dir->Insert(name, child);
  child->links++;
  if (child->is_dir()) {
    child->dir->parent = dir;
    dir->dir->subdirs++;
  }
  const timestamp_t now = Now();
  dir->mtim = dir->ctim = now;
  if (child->links > 1) child->ctim = now;
}

Result<Inode*> Filesystem::CreateChild(Inode* dir, std::string_view name,
                                       InodeKind kind) {
  VFS_RETURN_IF_ERROR(CheckQuota(dir->quota, 0, 1));
  Inode* child = NewInode(kind);
  child->quota = dir->quota;
  Charge(child->quota, 0, 1, true);
  Link(dir, name, child);
  return child;
}

// ---- Quota accounting ----

Errno Filesystem::CheckQuota(const SubtreeQuota* q, uint64_t bytes,
                             uint64_t inodes) const {
  // usage + need > limit, without overflow.
  auto over = [](uint64_t used, uint64_t need, uint64_t limit) {
    return need > 0 && (used > limit || need > limit - used);
  };
  const QuotaLimits& fs = options_.limits;
  if (over(usage_.bytes, bytes, fs.max_bytes) ||
      over(usage_.inodes, inodes, fs.max_inodes)) {
    return Errno::kNospc;
  }
  for (; q != nullptr; q = q->parent) {
    if (over(q->usage.bytes, bytes, q->limits.max_bytes) ||
        over(q->usage.inodes, inodes, q->limits.max_inodes)) {
      return Errno::kDquot;
    }
  }
  return Errno::kSuccess;
}

Errno Filesystem::CheckGrowth(const Inode* file, filesize_t new_size) const {
  if (new_size <= file->charged_bytes) return Errno::kSuccess;
  return CheckQuota(file->quota, new_size - file->charged_bytes, 0);
}

void Filesystem::Charge(SubtreeQuota* q, uint64_t bytes, uint64_t inodes,
                        bool add) {
  auto apply = [&](QuotaUsage& u) {
    if (add) {
      u.bytes += bytes;
      u.inodes += inodes;
    } else {
      u.bytes -= bytes;
      u.inodes -= inodes;
    }
  };
  apply(usage_);
  for (; q != nullptr; q = q->parent) apply(q->usage);
}

void Filesystem::Recharge(Inode* file) {
  const filesize_t size = file->contents->Size();
  if (size >= file->charged_bytes) {
    Charge(file->quota, size - file->charged_bytes, 0, true);
  } else {
    Charge(file->quota, file->charged_bytes - size, 0, false);
  }
  file->charged_bytes = size;
}

const SubtreeQuota* Filesystem::HomeOf(const Inode* inode) const {
  const SubtreeQuota* q = inode->quota;
  return q != nullptr && q->root == inode ? q->parent : q;
}

void Filesystem::DropQuota(SubtreeQuota* q) {
  // Unlinked-but-open inodes may be charged to q too, so the whole table is
  // scanned, not just the subtree; removing a quota is rare.
  for (auto& [id, inode] : inodes_) {
    if (inode->quota == q) inode->quota = q->parent;
  }
  for (auto& [root, other] : quotas_) {
    if (other->parent == q) other->parent = q->parent;
  }
  quotas_.erase(q->root);
}

void Filesystem::Unlink(Inode* dir, std::string_view name) {
  Inode* child = dir->dir->Erase(name);
  if (child == nullptr) return;
  child->links--;
  const timestamp_t now = Now();
  dir->mtim = dir->ctim = now;
  child->ctim = now;
  if (child->is_dir()) {
    dir->dir->subdirs--;
    child->dir->parent = nullptr;
    child->dir->removed = true;
  }
  MaybeReclaim(child);
}

void Filesystem::Move(Inode* from_dir, std::string_view from_name,
                      Inode* to_dir, std::string_view to_name) {
  Inode* moving = from_dir->dir->Find(from_name);
  Inode* replaced = to_dir->dir->Find(to_name);
  if (moving == replaced) return;  // POSIX: same inode, nothing happens
  const timestamp_t now = Now();
  // Take the source name away first so a same-directory rename never sees
  // two entries for one inode.
  from_dir->dir->Erase(from_name);
  if (moving->is_dir()) from_dir->dir->subdirs--;
  if (replaced != nullptr) {
    to_dir->dir->Replace(to_name, moving);
    replaced->links--;
    replaced->ctim = now;
    if (replaced->is_dir()) {
      to_dir->dir->subdirs--;
      replaced->dir->parent = nullptr;
      replaced->dir->removed = true;
    }
  } else {
    to_dir->dir->Insert(to_name, moving);
  }
  if (moving->is_dir()) {
    to_dir->dir->subdirs++;
    moving->dir->parent = to_dir;
  }
  moving->ctim = now;
  from_dir->mtim = from_dir->ctim = now;
  to_dir->mtim = to_dir->ctim = now;
  if (replaced != nullptr) MaybeReclaim(replaced);
}

void Filesystem::MaybeReclaim(Inode* inode) {
  if (inode->links > 0 || inode->open_refs > 0 ||
      inode->kind() == InodeKind::kRoot) {
    return;
  }
  // Only empty directories lose their last link (rmdir, rename-over), so
  // reclaiming never cascades.
  if (inode->kind() != InodeKind::kBuffer) {
    Charge(inode->quota, inode->charged_bytes, 1, false);
  }
  if (!quotas_.empty()) {
    auto q = quotas_.find(inode);
    if (q != quotas_.end()) DropQuota(q->second.get());
  }
  inodes_.erase(inode->id());
}

std::unique_ptr<OpenFile> Filesystem::Open(Inode* inode, Rights base,
                                           Rights inheriting, Fdflags flags) {
  auto file = std::make_unique<OpenFile>();
  file->inode = inode;
  file->base = base;
  file->inheriting = inheriting;
  file->flags = flags;
  inode->open_refs++;
  open_files_.insert(file.get());
  return file;
}

void Filesystem::Close(std::unique_ptr<OpenFile> file) {
  if (file == nullptr) return;
  Inode* inode = file->inode;
  open_files_.erase(file.get());
  if (file->stream_writer) inode->stream->open_writers--;
  if (inode->kind() == InodeKind::kBuffer) streams_changed_.notify_all();
  inode->open_refs--;
  file.reset();
  MaybeReclaim(inode);
}

Filestat Filesystem::StatOf(const Inode* inode) const {
  Filestat st;
  st.filetype = inode->filetype();
  if (inode->kind() == InodeKind::kBuffer) return st;  // streams: all zero
  st.dev = options_.device;
  st.ino = inode->id();
  st.atim = inode->atim;
  st.mtim = inode->mtim;
  st.ctim = inode->ctim;
  if (inode->is_dir()) {
    const bool linked = inode->links > 0 || inode->kind() == InodeKind::kRoot;
    st.nlink = linked ? 2 + inode->dir->subdirs : 0;
    st.size = 0;
  } else {
    st.nlink = inode->links;
    if (inode->kind() == InodeKind::kFile) st.size = inode->contents->Size();
    if (inode->kind() == InodeKind::kSymlink) st.size = inode->target.size();
  }
  return st;
}

bool Filesystem::IsWithin(const Inode* dir, const Inode* ancestor) const {
  // The walk ends at Root (its own parent) or a removed directory (null).
  for (const Inode* d = dir; d != nullptr; d = d->dir->parent) {
    if (d == ancestor) return true;
    if (d->dir->parent == d) break;
  }
  return false;
}

// ---- Host-side API ----

namespace {
std::string_view StripLeadingSlashes(std::string_view p) {
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return p;
}
absl::Status PathError(Errno e, std::string_view path) {
  return ErrnoToStatus(e, absl::StrCat("'", AsAbsl(path), "'"));
}
}  // namespace

absl::StatusOr<Resolution> Filesystem::ResolveHostPath(std::string_view path,
                                                       FollowFinal policy) {
  std::string_view rel = StripLeadingSlashes(path);
  if (rel.empty()) rel = ".";
  Result<Resolution> r = PathResolver(*this).Resolve(root_, rel, policy);
  if (!r.ok()) return PathError(r.error(), path);
  return std::move(r).value();
}

absl::Status Filesystem::HostParent(std::string_view path, bool make_parents,
                                    Inode** parent, std::string* name) {
  std::string_view rel = StripLeadingSlashes(path);
  while (!rel.empty() && rel.back() == '/') rel.remove_suffix(1);
  if (rel.empty()) return absl::InvalidArgumentError("empty path");
  const size_t slash = rel.rfind('/');
  std::string_view dir_part =
      slash == std::string_view::npos ? std::string_view(".") : rel.substr(0, slash);
  std::string_view leaf = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  if (leaf == "." || leaf == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("'", AsAbsl(path), "' names no entry"));
  }
  if (make_parents) {
    // Create each missing component in turn; existing ones must be dirs.
    Inode* cur = root_;
    size_t pos = 0;
    while (pos < dir_part.size()) {
      size_t end = dir_part.find('/', pos);
      if (end == std::string_view::npos) end = dir_part.size();
      std::string_view part = dir_part.substr(pos, end - pos);
      pos = end + 1;
      if (part.empty() || part == ".") continue;
      Result<Resolution> r = PathResolver(*this).Resolve(
          cur, part, FollowFinal::kFollow);
      if (!r.ok()) return PathError(r.error(), path);
      if (r->inode == nullptr) {
        if (r->parent->dir->removed) return PathError(Errno::kNoent, path);
        Result<Inode*> made = CreateChild(r->parent, r->name, InodeKind::kDirectory);
        if (!made.ok()) return PathError(made.error(), path);
        cur = *made;
      } else if (!r->inode->is_dir()) {
        return PathError(Errno::kNotdir, path);
      } else {
        cur = r->inode;
      }
    }
    *parent = cur;
  } else {
    Result<Resolution> r =
        PathResolver(*this).Resolve(root_, dir_part, FollowFinal::kFollow);
    if (!r.ok()) return PathError(r.error(), path);
    if (r->inode == nullptr) return PathError(Errno::kNoent, path);
    if (!r->inode->is_dir()) return PathError(Errno::kNotdir, path);
    *parent = r->inode;
  }
  if (leaf.size() > options_.max_name_length) {
    return PathError(Errno::kNametoolong, path);
  }
  *name = std::string(leaf);
  return absl::OkStatus();
}

absl::StatusOr<Inode*> Filesystem::CreateHostEntry(std::string_view path,
                                                   InodeKind kind) {
  Inode* parent = nullptr;
  std::string name;
  if (absl::Status s = HostParent(path, true, &parent, &name); !s.ok()) return s;
  if (parent->dir->Find(name) != nullptr) return PathError(Errno::kExist, path);
  Result<Inode*> made = CreateChild(parent, name, kind);
  if (!made.ok()) return PathError(made.error(), path);
  return *made;
}

absl::Status Filesystem::MakeDirectories(std::string_view path) {
  MutexLock lock(&mu_);
  std::string_view rel = StripLeadingSlashes(path);
  if (rel.empty()) return absl::OkStatus();
  Inode* parent = nullptr;
  std::string name;
  if (absl::Status s = HostParent(path, true, &parent, &name); !s.ok()) return s;
  if (Inode* existing = parent->dir->Find(name)) {
    if (existing->is_dir()) return absl::OkStatus();
    return PathError(Errno::kNotdir, path);
  }
  Result<Inode*> made = CreateChild(parent, name, InodeKind::kDirectory);
  if (!made.ok()) return PathError(made.error(), path);
  return absl::OkStatus();
}

absl::Status Filesystem::WriteFile(std::string_view path,
                                   std::string_view bytes) {
  MutexLock lock(&mu_);
  Inode* parent = nullptr;
  std::string name;
  if (absl::Status s = HostParent(path, true, &parent, &name); !s.ok()) return s;
  Inode* file = parent->dir->Find(name);
  if (file != nullptr && file->kind() != InodeKind::kFile) {
    return PathError(Errno::kIsdir, path);
  }
  // Every limit is checked before anything is created or replaced.
  if (bytes.size() > options_.max_file_size) return PathError(Errno::kFbig, path);
  const Errno fits = file == nullptr ? CheckQuota(parent->quota, bytes.size(), 1)
                                     : CheckGrowth(file, bytes.size());
  if (fits != Errno::kSuccess) return PathError(fits, path);
  // The new bytes are written aside first, so a backend error changes nothing.
  std::unique_ptr<FileContents> contents = NewContents();
  if (!bytes.empty()) {
    Result<size_t> n = contents->Write(0, absl::MakeConstSpan(
        reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    if (!n.ok()) return PathError(n.error(), path);
  }
  if (file == nullptr) {
    Result<Inode*> made = CreateChild(parent, name, InodeKind::kFile);
    if (!made.ok()) return PathError(made.error(), path);
    file = *made;
  }
  file->contents = std::move(contents);
  Recharge(file);
  file->mtim = file->ctim = Now();
  return absl::OkStatus();
}

absl::Status Filesystem::AddFile(std::string_view path,
                                 std::unique_ptr<FileContents> contents) {
  if (contents == nullptr) return absl::InvalidArgumentError("null contents");
  MutexLock lock(&mu_);
  Inode* parent = nullptr;
  std::string name;
  if (absl::Status s = HostParent(path, true, &parent, &name); !s.ok()) return s;
  if (parent->dir->Find(name) != nullptr) return PathError(Errno::kExist, path);
  if (contents->Size() > options_.max_file_size) return PathError(Errno::kFbig, path);
  const Errno fits = CheckQuota(parent->quota, contents->Size(), 1);
  if (fits != Errno::kSuccess) return PathError(fits, path);
  Result<Inode*> file = CreateChild(parent, name, InodeKind::kFile);
  if (!file.ok()) return PathError(file.error(), path);
  (*file)->contents = std::move(contents);
  Recharge(*file);
  return absl::OkStatus();
}

absl::Status Filesystem::MakeSymlink(std::string_view path,
                                     std::string_view target) {
  MutexLock lock(&mu_);
  if (target.empty() || target.size() > options_.max_path_length ||
      target.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid symlink target for '", AsAbsl(path), "'"));
  }
  absl::StatusOr<Inode*> link = CreateHostEntry(path, InodeKind::kSymlink);
  if (!link.ok()) return link.status();
  (*link)->target = std::string(target);
  return absl::OkStatus();
}

absl::Status Filesystem::MakeHardLink(std::string_view existing,
                                      std::string_view path) {
  MutexLock lock(&mu_);
  absl::StatusOr<Resolution> src = ResolveHostPath(existing, FollowFinal::kEntry);
  if (!src.ok()) return src.status();
  if (src->inode == nullptr) return PathError(Errno::kNoent, existing);
  if (src->inode->is_dir()) return PathError(Errno::kPerm, existing);
  Inode* parent = nullptr;
  std::string name;
  if (absl::Status s = HostParent(path, true, &parent, &name); !s.ok()) return s;
  if (parent->dir->Find(name) != nullptr) return PathError(Errno::kExist, path);
  if (HomeOf(src->inode) != parent->quota) return PathError(Errno::kXdev, path);
  Link(parent, name, src->inode);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Filesystem::ReadFile(std::string_view path) {
  MutexLock lock(&mu_);
  absl::StatusOr<Resolution> r = ResolveHostPath(path, FollowFinal::kFollow);
  if (!r.ok()) return r.status();
  if (r->inode == nullptr) return PathError(Errno::kNoent, path);
  if (r->inode->kind() != InodeKind::kFile) return PathError(Errno::kIsdir, path);
  const FileContents& c = *r->inode->contents;
  std::string out(static_cast<size_t>(c.Size()), '\0');
  Result<size_t> n = c.Read(0, absl::MakeSpan(
      reinterpret_cast<uint8_t*>(out.data()), out.size()));
  if (!n.ok()) return PathError(n.error(), path);
  out.resize(*n);
  return out;
}

absl::StatusOr<Filestat> Filesystem::Stat(std::string_view path, bool follow) {
  MutexLock lock(&mu_);
  absl::StatusOr<Resolution> r = ResolveHostPath(
      path, follow ? FollowFinal::kFollow : FollowFinal::kNoFollow);
  if (!r.ok()) return r.status();
  if (r->inode == nullptr) return PathError(Errno::kNoent, path);
  return StatOf(r->inode);
}

absl::Status Filesystem::SetTimes(std::string_view path, timestamp_t atim,
                                  timestamp_t mtim, timestamp_t ctim) {
  MutexLock lock(&mu_);
  absl::StatusOr<Resolution> r = ResolveHostPath(path, FollowFinal::kNoFollow);
  if (!r.ok()) return r.status();
  if (r->inode == nullptr) return PathError(Errno::kNoent, path);
  r->inode->atim = atim;
  r->inode->mtim = mtim;
  r->inode->ctim = ctim;
  return absl::OkStatus();
}

absl::Status Filesystem::WithContents(
    std::string_view path, const std::function<void(const FileContents&)>& fn) {
  MutexLock lock(&mu_);
  absl::StatusOr<Resolution> r = ResolveHostPath(path, FollowFinal::kFollow);
  if (!r.ok()) return r.status();
  if (r->inode == nullptr) return PathError(Errno::kNoent, path);
  if (r->inode->kind() != InodeKind::kFile) return PathError(Errno::kIsdir, path);
  fn(*r->inode->contents);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Filesystem::Entry>> Filesystem::List(
    std::string_view path) {
  MutexLock lock(&mu_);
  absl::StatusOr<Resolution> r = ResolveHostPath(path, FollowFinal::kFollow);
  if (!r.ok()) return r.status();
  if (r->inode == nullptr) return PathError(Errno::kNoent, path);
  if (!r->inode->is_dir()) return PathError(Errno::kNotdir, path);
  std::vector<Entry> out;
  struct Frame {
    const Inode* dir;
    std::string prefix;
    absl::btree_map<uint64_t, Directory::Listed>::const_iterator next;
  };
  std::vector<Frame> stack = {{r->inode, "", r->inode->dir->listing().begin()}};
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.dir->dir->listing().end()) {
      stack.pop_back();
      continue;
    }
    const Directory::Listed& e = (top.next++)->second;
    Entry entry;
    entry.path = top.prefix.empty() ? e.name : absl::StrCat(top.prefix, "/", e.name);
    entry.kind = e.inode->kind();
    entry.stat = StatOf(e.inode);
    entry.target = e.inode->target;
    out.push_back(entry);
    if (e.inode->is_dir()) {
      stack.push_back({e.inode, out.back().path, e.inode->dir->listing().begin()});
    }
  }
  return out;
}

size_t Filesystem::live_inode_count() {
  MutexLock lock(&mu_);
  return inodes_.size();
}

InodeId Filesystem::next_inode_id() {
  MutexLock lock(&mu_);
  return next_id_;
}

// ---- Fsck ----

// ---- Quotas ----

absl::Status Filesystem::SetQuota(std::string_view path, QuotaLimits limits) {
  MutexLock lock(&mu_);
  absl::StatusOr<Resolution> r = ResolveHostPath(path, FollowFinal::kFollow);
  if (!r.ok()) return r.status();
  if (r->inode == nullptr) return PathError(Errno::kNoent, path);
  Inode* root = r->inode;
  if (!root->is_dir()) return PathError(Errno::kNotdir, path);
  if (auto it = quotas_.find(root); it != quotas_.end()) {
    it->second->limits = limits;
    return absl::OkStatus();
  }
  auto owned = std::make_unique<SubtreeQuota>();
  SubtreeQuota* q = owned.get();
  SubtreeQuota* const outer = root->quota;
  q->limits = limits;
  q->parent = outer;
  q->root = root;
  // Everything in the subtree that was charged to `outer` moves to q (its
  // charges to `outer` and above stay as they are). A nested quota root is
  // not entered: its quota now nests in q. Iterative, so depth is unbounded.
  std::vector<Inode*> pending = {root};
  while (!pending.empty()) {
    Inode* n = pending.back();
    pending.pop_back();
    if (n != root && n->quota != nullptr && n->quota->root == n) {
      // A nested quota root: its whole quota now nests in q.
      SubtreeQuota* nested = n->quota;
      if (nested->parent == outer) {
        nested->parent = q;
        q->usage.bytes += nested->usage.bytes;
        q->usage.inodes += nested->usage.inodes;
      }
      continue;
    }
    if (n->quota != outer) continue;  // a hard link already moved
    n->quota = q;
    q->usage.bytes += n->charged_bytes;
    q->usage.inodes += 1;
    if (n->is_dir()) {
      for (const auto& [seq, e] : n->dir->listing()) pending.push_back(e.inode);
    }
  }
  quotas_.emplace(root, std::move(owned));
  return absl::OkStatus();
}

absl::Status Filesystem::RemoveQuota(std::string_view path) {
  MutexLock lock(&mu_);
  absl::StatusOr<Resolution> r = ResolveHostPath(path, FollowFinal::kFollow);
  if (!r.ok()) return r.status();
  auto it = r->inode == nullptr ? quotas_.end() : quotas_.find(r->inode);
  if (it == quotas_.end()) {
    return absl::NotFoundError(absl::StrCat("no quota is set on '", AsAbsl(path), "'"));
  }
  DropQuota(it->second.get());
  return absl::OkStatus();
}

absl::StatusOr<QuotaUsage> Filesystem::QuotaUsageAt(std::string_view path) {
  MutexLock lock(&mu_);
  absl::StatusOr<Resolution> r = ResolveHostPath(path, FollowFinal::kFollow);
  if (!r.ok()) return r.status();
  auto it = r->inode == nullptr ? quotas_.end() : quotas_.find(r->inode);
  if (it == quotas_.end()) {
    return absl::NotFoundError(absl::StrCat("no quota is set on '", AsAbsl(path), "'"));
  }
  return it->second->usage;
}

QuotaUsage Filesystem::Usage() {
  MutexLock lock(&mu_);
  return usage_;
}

absl::Status Filesystem::Fsck() {
  MutexLock lock(&mu_);
  auto fail = [](auto&&... parts) {
    return absl::InternalError(absl::StrCat("fsck: ", parts...));
  };
  if (root_ == nullptr || root_->kind() != InodeKind::kRoot ||
      root_->dir == nullptr || root_->dir->parent != root_ ||
      root_->links != 0) {
    return fail("root is not a directory that is its own parent");
  }
  auto root_it = inodes_.find(kRootId);
  if (root_it == inodes_.end() || root_it->second.get() != root_) {
    return fail("root is not inode ", kRootId);
  }
  // Count the entries naming each inode and the OpenFiles holding it (one
  // table, sized once: the fuzz targets run Fsck after every call).
  struct Refs {
    uint64_t names = 0;
    uint64_t opens = 0;
  };
  absl::flat_hash_map<const Inode*, Refs> refs;
  refs.reserve(inodes_.size());
  for (const auto& [id, inode] : inodes_) {
    if (id >= next_id_) return fail("inode ", id, " >= next id ", next_id_);
    if (inode->id() != id) return fail("inode ", id, " stored under wrong id");
    const bool has_dir = inode->dir != nullptr;
    if (has_dir != inode->is_dir() ||
        (inode->contents != nullptr) != (inode->kind() == InodeKind::kFile) ||
        (inode->stream != nullptr) != (inode->kind() == InodeKind::kBuffer)) {
      return fail("inode ", id, " payload does not match its kind");
    }
    if (!has_dir) continue;
    const Directory& d = *inode->dir;
    if (d.listing().size() != d.size()) {
      return fail("dir ", id, " name and sequence indexes differ");
    }
    uint64_t subdirs = 0;
    for (const auto& [seq, e] : d.listing()) {
      if (seq < kFirstEntrySeq || seq >= d.next_seq()) {
        return fail("dir ", id, " entry '", e.name, "' has bad seq ", seq);
      }
      if (e.name.empty() || e.name == "." || e.name == ".." ||
          e.name.find('/') != std::string::npos ||
          e.name.find('\0') != std::string::npos ||
          e.name.size() > options_.max_name_length) {
        return fail("dir ", id, " has invalid entry name '", e.name, "'");
      }
      if (d.Find(e.name) != e.inode) {
        return fail("dir ", id, " entry '", e.name, "' indexes disagree");
      }
      if (e.ino != e.inode->id() || e.type != e.inode->filetype()) {
        return fail("dir ", id, " entry '", e.name, "' caches a stale id or type");
      }
      auto child = inodes_.find(e.inode->id());
      if (child == inodes_.end() || child->second.get() != e.inode) {
        return fail("dir ", id, " entry '", e.name, "' names a dead inode");
      }
      if (e.inode->kind() == InodeKind::kRoot ||
          e.inode->kind() == InodeKind::kBuffer) {
        return fail("dir ", id, " entry '", e.name, "' names a ",
                    AsAbsl(InodeKindName(e.inode->kind())));
      }
      refs[e.inode].names++;
      if (e.inode->is_dir()) {
        subdirs++;
        if (e.inode->dir->parent != inode.get()) {
          return fail("dir ", e.inode->id(), " parent pointer is wrong");
        }
      }
    }
    if (subdirs != d.subdirs) {
      return fail("dir ", id, " subdir count ", d.subdirs, " != ", subdirs);
    }
    if (d.removed && (!d.empty() || d.parent != nullptr || inode->links != 0)) {
      return fail("removed dir ", id, " is not empty and unlinked");
    }
  }
  for (const OpenFile* f : open_files_) {
    auto it = inodes_.find(f->inode->id());
    if (it == inodes_.end() || it->second.get() != f->inode) {
      return fail("a descriptor names dead inode ", f->inode->id());
    }
    refs[f->inode].opens++;
    if (f->inode->is_dir()) {
      if (!rights::kDirectoryBase.Contains(f->base)) {
        return fail("dir descriptor has rights beyond a directory's");
      }
    } else if (f->inode->kind() == InodeKind::kFile) {
      if (!rights::kRegularFileBase.Contains(f->base)) {
        return fail("file descriptor has rights beyond a file's");
      }
    }
  }
  for (const auto& [id, inode] : inodes_) {
    auto counted = refs.find(inode.get());
    const Refs r = counted == refs.end() ? Refs{} : counted->second;
    const uint64_t n = r.names;
    const uint64_t o = r.opens;
    if (inode->links != n) {
      return fail("inode ", id, " links ", inode->links, " but ", n, " names");
    }
    if (inode->is_dir() && n > 1) return fail("dir ", id, " has ", n, " names");
    if (inode->open_refs != o) {
      return fail("inode ", id, " open_refs ", inode->open_refs, " but ", o,
                  " descriptors");
    }
    if (n == 0 && o == 0 && inode->kind() != InodeKind::kRoot) {
      return fail("inode ", id, " is neither linked nor open");
    }
    if (inode->is_dir() && inode->kind() != InodeKind::kRoot && n == 0 &&
        !inode->dir->removed) {
      return fail("unlinked dir ", id, " is not marked removed");
    }
  }
  // The directory graph is a tree under Root: walking down from Root reaches
  // every linked directory exactly once (no cycles, no second parents).
  absl::flat_hash_set<const Inode*> seen;
  seen.reserve(inodes_.size());
  std::vector<const Inode*> stack = {root_};
  while (!stack.empty()) {
    const Inode* d = stack.back();
    stack.pop_back();
    if (!seen.insert(d).second) return fail("dir ", d->id(), " reached twice");
    for (const auto& [seq, e] : d->dir->listing()) {
      if (e.inode->is_dir()) stack.push_back(e.inode);
    }
  }
  for (const auto& [id, inode] : inodes_) {
    if (inode->is_dir() && inode->links > 0 && !seen.contains(inode.get())) {
      return fail("dir ", id, " is linked but unreachable from root");
    }
  }
  // Quota accounting: each charge is the file's size, and every usage is
  // the sum of the charges beneath it.
  QuotaUsage total;
  absl::flat_hash_map<const SubtreeQuota*, QuotaUsage> sums;
  for (const auto& [id, inode] : inodes_) {
    if (inode->kind() == InodeKind::kBuffer) continue;
    const filesize_t want =
        inode->kind() == InodeKind::kFile ? inode->contents->Size() : 0;
    if (inode->charged_bytes != want) {
      return fail("inode ", id, " is charged ", inode->charged_bytes,
                  " bytes but holds ", want);
    }
    total.bytes += want;
    total.inodes += 1;
    for (const SubtreeQuota* q = inode->quota; q != nullptr; q = q->parent) {
      if (!quotas_.contains(q->root) || quotas_.at(q->root).get() != q) {
        return fail("inode ", id, " is charged to a quota that is not set");
      }
      sums[q].bytes += want;
      sums[q].inodes += 1;
    }
  }
  if (!(total == usage_)) {
    return fail("usage is ", usage_.bytes, " bytes, ", usage_.inodes,
                " inodes but the inodes hold ", total.bytes, ", ", total.inodes);
  }
  for (const auto& [root, q] : quotas_) {
    if (q->root != root || !inodes_.contains(root->id()) || root->quota != q.get()) {
      return fail("quota on dir ", root->id(), " is not its root's");
    }
    if (!(sums[q.get()] == q->usage)) {
      return fail("quota on dir ", root->id(), " counts ", q->usage.bytes,
                  " bytes, ", q->usage.inodes, " inodes but holds ",
                  sums[q.get()].bytes, ", ", sums[q.get()].inodes);
    }
  }
  return absl::OkStatus();
}

// ---- Dump ----

void Filesystem::DumpTree(std::string* out) const {
  // Depth-first, entries in listing order; iterative so a very deep tree
  // cannot exhaust the stack.
  struct Frame {
    const Inode* dir;
    absl::btree_map<uint64_t, Directory::Listed>::const_iterator next;
  };
  std::vector<Frame> stack = {{root_, root_->dir->listing().begin()}};
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.dir->dir->listing().end()) {
      stack.pop_back();
      continue;
    }
    const Directory::Listed& e = (top.next++)->second;
    const Inode* n = e.inode;
    const Filestat st = StatOf(n);
    absl::StrAppend(out, std::string(2 * stack.size(), ' '), e.name, " [",
                    AsAbsl(InodeKindName(n->kind())), " ino=", n->id(),
                    " nlink=", st.nlink);
    if (n->kind() == InodeKind::kFile) absl::StrAppend(out, " size=", st.size);
    if (n->kind() == InodeKind::kSymlink) absl::StrAppend(out, " -> ", n->target);
    absl::StrAppend(out, "]\n");
    if (n->is_dir()) stack.push_back({n, n->dir->listing().begin()});
  }
}

std::string Filesystem::Dump() {
  MutexLock lock(&mu_);
  std::string out = absl::StrCat("/ [root ino=", root_->id(), "]\n");
  DumpTree(&out);
  // Inodes alive only through descriptors, in id order.
  std::vector<const Inode*> orphans;
  for (const auto& [id, inode] : inodes_) {
    if (inode->links == 0 && inode->kind() != InodeKind::kRoot) {
      orphans.push_back(inode.get());
    }
  }
  std::sort(orphans.begin(), orphans.end(),
            [](const Inode* a, const Inode* b) { return a->id() < b->id(); });
  for (const Inode* inode : orphans) {
    absl::StrAppend(&out, "(unlinked, open ", inode->open_refs, "x) [",
                    AsAbsl(InodeKindName(inode->kind())), " ino=", inode->id(),
                    "]\n");
  }
  return out;
}

}  // namespace vfs
