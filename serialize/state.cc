#include "serialize/state.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "vfs/clock.h"
#include "vfs/path_resolver.h"

namespace vfs {

// The one class serialize/ befriends in vfs/: everything that reads or
// writes the private state of a Filesystem or Context is here.
class StateAccess {
 public:
  static absl::Status Capture(Filesystem& fs, absl::Span<Context* const> contexts,
                              const std::function<absl::Status(StateImage&)>& fn);
  static absl::StatusOr<LiveState> Build(StateImage& image,
                                         FilesystemOptions fs_options,
                                         const ContextOptions& context_options);
  static absl::Status Swap(LiveState& built, Filesystem& target,
                           absl::Span<Context* const> contexts);
  static absl::StatusOr<LiveState> Clone(Filesystem& fs,
                                         absl::Span<Context* const> contexts,
                                         const ContextOptions& context_options);

 private:
  // Ids of the inodes a descriptor of `contexts` holds. An unlinked inode is
  // kept only if one of these holds it (Kept).
  static absl::flat_hash_set<InodeId> Held(absl::Span<Context* const> contexts)
      ABSL_NO_THREAD_SAFETY_ANALYSIS;  // caller holds the contexts' fs lock
  static bool Kept(const Inode& inode, const absl::flat_hash_set<InodeId>& held) {
    return inode.links > 0 || inode.kind() == InodeKind::kRoot ||
           held.contains(inode.id());
  }
  // A new Filesystem with no inodes, and its empty Contexts.
  static LiveState NewEmpty(FilesystemOptions fs_options, size_t contexts,
                            const ContextOptions& context_options);
  // Adds a descriptor naming `inode` to `context` (of `fs`, locked), with
  // the open counts it carries.
  static void AddDescriptor(Filesystem& fs, Context& context, fd_t fd,
                            Inode* inode, const OpenFile& fields)
      ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // Sets fs.root_ and Root's parent once every inode is in place, and
  // charges every inode to the filesystem's usage (a built state carries no
  // subtree quotas). ResourceExhausted if the state exceeds the
  // filesystem's limits.
  static absl::Status FinishRoot(Filesystem& fs) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  static absl::Status CheckContexts(Filesystem& fs,
                                    absl::Span<Context* const> contexts);
};

absl::Status StateAccess::CheckContexts(Filesystem& fs,
                                        absl::Span<Context* const> contexts) {
  absl::flat_hash_set<const Context*> seen;
  for (size_t i = 0; i < contexts.size(); ++i) {
    const Context* c = contexts[i];
    if (c == nullptr || c->fs_.get() != &fs) {
      return absl::InvalidArgumentError(
          absl::StrCat("context ", i, " is not over this filesystem"));
    }
    if (!seen.insert(c).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("context ", i, " is given twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status StateAccess::Capture(
    Filesystem& fs, absl::Span<Context* const> contexts,
    const std::function<absl::Status(StateImage&)>& fn) {
  if (absl::Status s = CheckContexts(fs, contexts); !s.ok()) return s;
  StateImage image;
  MutexLock lock(&fs.mu_);
  image.next_id = fs.next_id_;
  if (const auto* d = dynamic_cast<const DeterministicClock*>(fs.clock_.get())) {
    image.clock = {true, d->peek(), d->step()};
  }
  // The descriptors decide which unlinked inodes are kept.
  const absl::flat_hash_set<InodeId> held = Held(contexts);
  image.contexts.resize(contexts.size());
  for (size_t i = 0; i < contexts.size(); ++i) {
    Context& c = *contexts[i];
    c.fs_->mu_.AssertHeld();  // the same mutex: CheckContexts compared fs
    std::vector<fd_t> fds;
    fds.reserve(c.fds_.size());
    for (const auto& [fd, file] : c.fds_) fds.push_back(fd);
    std::sort(fds.begin(), fds.end());
    std::vector<FdRecord>& out = image.contexts[i].fds;
    out.reserve(fds.size());
    for (fd_t fd : fds) {
      const OpenFile& f = *c.fds_.at(fd);
      out.push_back({fd, f.inode->id(), f.base, f.inheriting, f.flags, f.offset,
                     f.is_preopen, f.preopen_name, f.stream_writer});
    }
  }
  // In table order: the encoder puts records in id order, and a fork needs
  // no order at all.
  std::vector<const Inode*> inodes;
  inodes.reserve(fs.inodes_.size());
  for (const auto& [id, inode] : fs.inodes_) {
    if (Kept(*inode, held)) inodes.push_back(inode.get());
  }
  image.inodes.resize(inodes.size());
  for (size_t i = 0; i < inodes.size(); ++i) {
    const Inode& n = *inodes[i];
    InodeRecord& r = image.inodes[i];
    r.id = n.id();
    r.kind = n.kind();
    r.links = n.links;
    r.atim = n.atim;
    r.mtim = n.mtim;
    r.ctim = n.ctim;
    switch (n.kind()) {
      case InodeKind::kRoot:
      case InodeKind::kDirectory:
        r.removed = n.dir->removed;
        r.next_seq = n.dir->next_seq();
        r.entries.reserve(n.dir->size());
        for (const auto& [seq, e] : n.dir->listing()) {
          r.entries.push_back({e.name, e.inode->id(), seq});
        }
        break;
      case InodeKind::kFile:
        r.contents = n.contents.get();
        break;
      case InodeKind::kSymlink:
        r.target = n.target;
        break;
      case InodeKind::kBuffer:
        r.unread = std::string(n.stream->unread());
        r.capacity = n.stream->capacity();
        // A stream fed by a host source is still open for input: after a
        // restore the host reconnects it or closes it.
        r.host_input_open = n.stream->host_input_open() || n.stream->has_source();
        break;
    }
  }
  return fn(image);
}

absl::StatusOr<LiveState> StateAccess::Build(StateImage& image,
                                             FilesystemOptions fs_options,
                                             const ContextOptions& context_options) {
  if (image.clock.deterministic) {
    fs_options.clock =
        std::make_shared<DeterministicClock>(image.clock.next, image.clock.step);
  }
  // Declared before the lock: destroying it takes the lock.
  LiveState state =
      NewEmpty(std::move(fs_options), image.contexts.size(), context_options);
  Filesystem& fs = *state.fs;
  auto broken = [](InodeId id) {
    return absl::InternalError(absl::StrCat("image names missing inode ", id));
  };
  MutexLock lock(&fs.mu_);
  fs.inodes_.reserve(image.inodes.size());
  for (InodeRecord& r : image.inodes) {
    auto inode = std::make_unique<Inode>(r.id, r.kind);
    inode->links = r.links;
    inode->atim = r.atim;
    inode->mtim = r.mtim;
    inode->ctim = r.ctim;
    switch (r.kind) {
      case InodeKind::kRoot:
      case InodeKind::kDirectory:
        inode->dir = std::make_unique<Directory>();
        inode->dir->removed = r.removed;
        break;
      case InodeKind::kFile:
        if (r.owned_contents != nullptr) {
          inode->contents = std::move(r.owned_contents);
        } else if (r.contents != nullptr) {
          inode->contents = r.contents->Clone();
        } else {
          return absl::InternalError(absl::StrCat("file ", r.id, " has no contents"));
        }
        break;
      case InodeKind::kSymlink:
        inode->target = r.target;
        break;
      case InodeKind::kBuffer:
        inode->stream = std::make_unique<Stream>(static_cast<size_t>(r.capacity));
        inode->stream->Feed(r.unread);
        inode->stream->set_host_input_open(r.host_input_open);
        break;
    }
    fs.inodes_.emplace(r.id, std::move(inode));
  }
  for (const InodeRecord& r : image.inodes) {
    if (r.kind != InodeKind::kRoot && r.kind != InodeKind::kDirectory) continue;
    Inode* dir = fs.inodes_.at(r.id).get();
    dir->dir->Reserve(r.entries.size());
    for (const EntryRecord& e : r.entries) {
      auto it = fs.inodes_.find(e.child);
      if (it == fs.inodes_.end()) return broken(e.child);
      Inode* child = it->second.get();
      dir->dir->InsertWithSeq(e.name, child, e.seq);
      if (child->is_dir()) {
        child->dir->parent = dir;
        dir->dir->subdirs++;
      }
    }
    dir->dir->set_next_seq(r.next_seq);
  }
  if (absl::Status st = FinishRoot(fs); !st.ok()) return st;
  fs.next_id_ = image.next_id;
  for (size_t i = 0; i < image.contexts.size(); ++i) {
    for (const FdRecord& fr : image.contexts[i].fds) {
      auto it = fs.inodes_.find(fr.inode);
      if (it == fs.inodes_.end()) return broken(fr.inode);
      OpenFile fields;
      fields.base = fr.base;
      fields.inheriting = fr.inheriting;
      fields.flags = fr.flags;
      fields.offset = fr.offset;
      fields.is_preopen = fr.is_preopen;
      fields.preopen_name = fr.preopen_name;
      fields.stream_writer = fr.stream_writer;
      AddDescriptor(fs, *state.contexts[i], fr.fd, it->second.get(), fields);
    }
  }
  return state;
}

absl::flat_hash_set<InodeId> StateAccess::Held(absl::Span<Context* const> contexts) {
  absl::flat_hash_set<InodeId> held;
  for (const Context* c : contexts) {
    for (const auto& [fd, file] : c->fds_) held.insert(file->inode->id());
  }
  return held;
}

LiveState StateAccess::NewEmpty(FilesystemOptions fs_options, size_t contexts,
                                const ContextOptions& context_options) {
  LiveState state;
  state.fs = std::shared_ptr<Filesystem>(
      new Filesystem(std::move(fs_options), Filesystem::EmptyTag{}));
  for (size_t i = 0; i < contexts; ++i) {
    state.contexts.push_back(std::make_unique<Context>(state.fs, context_options));
  }
  return state;
}

void StateAccess::AddDescriptor(Filesystem& fs, Context& context, fd_t fd,
                                Inode* inode, const OpenFile& fields) {
  auto file = std::make_unique<OpenFile>(fields);
  file->inode = inode;
  inode->open_refs++;
  if (file->stream_writer) inode->stream->open_writers++;
  fs.open_files_.insert(file.get());
  context.fds_.emplace(fd, std::move(file));
}

absl::Status StateAccess::FinishRoot(Filesystem& fs) {
  auto root = fs.inodes_.find(Filesystem::kRootId);
  if (root == fs.inodes_.end()) {
    return absl::InternalError("the state has no root inode");
  }
  fs.root_ = root->second.get();
  fs.root_->dir->parent = fs.root_;
  QuotaUsage usage;
  for (auto& [id, inode] : fs.inodes_) {
    if (inode->kind() == InodeKind::kBuffer) continue;
    if (inode->kind() == InodeKind::kFile) {
      inode->charged_bytes = inode->contents->Size();
      usage.bytes += inode->charged_bytes;
    }
    usage.inodes += 1;
  }
  fs.usage_ = usage;
  const QuotaLimits& limits = fs.options_.limits;
  if (usage.bytes > limits.max_bytes || usage.inodes > limits.max_inodes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the state holds ", usage.bytes, " bytes in ", usage.inodes,
        " inodes, over the filesystem's limits of ", limits.max_bytes,
        " bytes and ", limits.max_inodes, " inodes"));
  }
  return absl::OkStatus();
}

// Fork without the intermediate records: every kept inode is copied
// straight from the live graph (file contents by their own Clone, which
// shares bytes copy-on-write), then each directory's listing is rebuilt with
// its sequence numbers, then the descriptor tables. About half the cost of
// capture + build, which copy every name twice more.
absl::StatusOr<LiveState> StateAccess::Clone(Filesystem& src,
                                             absl::Span<Context* const> contexts,
                                             const ContextOptions& context_options) {
  if (absl::Status s = CheckContexts(src, contexts); !s.ok()) return s;
  MutexLock lock_src(&src.mu_);
  FilesystemOptions fs_options = src.options_;
  if (const auto* d = dynamic_cast<const DeterministicClock*>(src.clock_.get())) {
    fs_options.clock = std::make_shared<DeterministicClock>(d->peek(), d->step());
  } else {
    fs_options.clock = src.clock_;  // the host's clock, shared
  }
  LiveState state = NewEmpty(std::move(fs_options), contexts.size(), context_options);
  Filesystem& fs = *state.fs;
  MutexLock lock(&fs.mu_);  // private to us: no lock order issue
  for (Context* c : contexts) c->fs_->mu_.AssertHeld();  // src.mu_
  const absl::flat_hash_set<InodeId> held = Held(contexts);
  fs.inodes_.reserve(src.inodes_.size());
  std::vector<std::pair<const Directory*, Inode*>> dirs;  // (source, copy)
  // The walk is bound by memory latency: each source inode, and its
  // contents object, is a cache miss (they lie next to their file's bytes).
  // Prefetching a few inodes ahead, and their contents a little less far
  // ahead, overlaps those misses.
  std::vector<const Inode*> order;
  order.reserve(src.inodes_.size());
  for (const auto& [id, from] : src.inodes_) order.push_back(from.get());
  constexpr size_t kInodeAhead = 16, kContentsAhead = 8;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + kInodeAhead < order.size()) __builtin_prefetch(order[i + kInodeAhead]);
    if (i + kContentsAhead < order.size()) {
      const Inode* ahead = order[i + kContentsAhead];
      if (ahead->contents) __builtin_prefetch(ahead->contents.get());
    }
    const Inode* from = order[i];
    const InodeId id = from->id();
    if (!Kept(*from, held)) continue;
    auto inode = std::make_unique<Inode>(id, from->kind());
    inode->links = from->links;
    inode->atim = from->atim;
    inode->mtim = from->mtim;
    inode->ctim = from->ctim;
    switch (from->kind()) {
      case InodeKind::kRoot:
      case InodeKind::kDirectory:
        inode->dir = std::make_unique<Directory>();
        inode->dir->removed = from->dir->removed;
        dirs.emplace_back(from->dir.get(), inode.get());
        break;
      case InodeKind::kFile:
        inode->contents = from->contents->Clone();
        break;
      case InodeKind::kSymlink:
        inode->target = from->target;
        break;
      case InodeKind::kBuffer:
        inode->stream = std::make_unique<Stream>(from->stream->capacity());
        inode->stream->Feed(from->stream->unread());
        inode->stream->set_host_input_open(from->stream->host_input_open() ||
                                           from->stream->has_source());
        break;
    }
    fs.inodes_.emplace(id, std::move(inode));
  }
  for (const auto& [from, self] : dirs) {
    Directory& dir = *self->dir;
    dir.Reserve(from->size());
    // Each child's lookup is prefetched a few entries ahead, and its inode
    // is touched only if it is a directory (the listing knows the type).
    const auto& listing = from->listing();
    auto ahead = listing.begin();
    for (int k = 0; k < 8 && ahead != listing.end(); ++k, ++ahead) {
      fs.inodes_.prefetch(ahead->second.ino);
    }
    for (const auto& [seq, e] : listing) {
      if (ahead != listing.end()) fs.inodes_.prefetch((ahead++)->second.ino);
      Inode* child = fs.inodes_.find(e.ino)->second.get();  // linked: kept
      dir.InsertWithSeq(e.name, child, seq);
      if (e.type == Filetype::kDirectory) {
        child->dir->parent = self;
        dir.subdirs++;
      }
    }
    dir.set_next_seq(from->next_seq());
  }
  if (absl::Status st = FinishRoot(fs); !st.ok()) return st;
  fs.next_id_ = src.next_id_;
  for (size_t i = 0; i < contexts.size(); ++i) {
    Context& from = *contexts[i];
    from.fs_->mu_.AssertHeld();  // src.mu_ (CheckContexts compared fs)
    for (const auto& [fd, file] : from.fds_) {
      AddDescriptor(fs, *state.contexts[i], fd,
                    fs.inodes_.find(file->inode->id())->second.get(), *file);
    }
  }
  return state;
}

absl::Status StateAccess::Swap(LiveState& built, Filesystem& target,
                               absl::Span<Context* const> contexts) {
  if (absl::Status s = CheckContexts(target, contexts); !s.ok()) return s;
  if (contexts.size() != built.contexts.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the snapshot holds ", built.contexts.size(),
                     " contexts but ", contexts.size(), " were given"));
  }
  MutexLock lock_target(&target.mu_);
  MutexLock lock_built(&built.fs->mu_);  // private to us: no lock order issue
  size_t held = 0;
  for (Context* c : contexts) {
    c->fs_->mu_.AssertHeld();
    held += c->fds_.size();
  }
  if (held != target.open_files_.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        target.open_files_.size() - held,
        " descriptors of the target are open outside the given contexts"));
  }
  std::swap(target.inodes_, built.fs->inodes_);
  std::swap(target.open_files_, built.fs->open_files_);
  std::swap(target.next_id_, built.fs->next_id_);
  std::swap(target.usage_, built.fs->usage_);
  // The target's subtree quotas name inodes of its old state: they go with
  // it (quotas are host configuration, set again after a restore).
  std::swap(target.quotas_, built.fs->quotas_);
  std::swap(target.root_, built.fs->root_);
  std::swap(target.clock_, built.fs->clock_);
  for (size_t i = 0; i < contexts.size(); ++i) {
    Context& to = *contexts[i];
    Context& from = *built.contexts[i];
    to.fs_->mu_.AssertHeld();    // target.mu_ (CheckContexts compared fs)
    from.fs_->mu_.AssertHeld();  // built.fs->mu_
    std::swap(to.fds_, from.fds_);
  }
  return absl::OkStatus();
}

absl::Status WithCapturedState(Filesystem& fs, absl::Span<Context* const> contexts,
                               const std::function<absl::Status(StateImage&)>& fn) {
  return StateAccess::Capture(fs, contexts, fn);
}

absl::StatusOr<LiveState> CloneState(Filesystem& fs,
                                     absl::Span<Context* const> contexts,
                                     const ContextOptions& context_options) {
  return StateAccess::Clone(fs, contexts, context_options);
}

absl::StatusOr<LiveState> BuildState(StateImage& image,
                                     FilesystemOptions fs_options,
                                     const ContextOptions& context_options) {
  return StateAccess::Build(image, std::move(fs_options), context_options);
}

absl::Status SwapState(LiveState& built, Filesystem& target,
                       absl::Span<Context* const> contexts) {
  return StateAccess::Swap(built, target, contexts);
}

// ---- Validation ----

namespace {

template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  return absl::DataLossError(absl::StrCat("invalid snapshot: ", parts...));
}

std::string Quoted(const std::string& name) {
  std::string out = "'";
  for (char c : name) {
    if (c == '\0') {
      out += "\\0";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// The largest inode counter or directory sequence number a snapshot may
// hold: 2^63 leaves 2^63 creations before either could wrap.
constexpr uint64_t kMaxCounter = uint64_t{1} << 63;

bool IsDirKind(InodeKind k) {
  return k == InodeKind::kRoot || k == InodeKind::kDirectory;
}

}  // namespace

absl::Status ValidateImage(const StateImage& image,
                           const FilesystemOptions& fs_options,
                           const ContextOptions& context_options) {
  // Counters stay far from wrapping: ids and cookies are never reused.
  if (image.next_id > kMaxCounter) {
    return Invalid("inode counter ", image.next_id, " is above the limit ", kMaxCounter);
  }
  // Inodes: distinct ids below the counter, one Root with id 1. (The
  // decoder also requires them in ascending order, the canonical encoding.)
  absl::flat_hash_map<InodeId, const InodeRecord*> by_id;
  by_id.reserve(image.inodes.size());
  for (const InodeRecord& r : image.inodes) {
    if (r.id == 0 || by_id.contains(r.id)) {
      return Invalid("inode ", r.id, " is out of order or repeated");
    }
    if (r.id >= image.next_id) {
      return Invalid("inode ", r.id, " is not below the inode counter ",
                     image.next_id);
    }
    if ((r.kind == InodeKind::kRoot) != (r.id == Filesystem::kRootId)) {
      return Invalid("inode ", r.id, " is a ", AsAbsl(InodeKindName(r.kind)),
                     "; the root must be inode 1 and the only root directory");
    }
    if (r.kind == InodeKind::kSymlink &&
        r.target.size() > fs_options.max_path_length) {
      return Invalid("symlink ", r.id, " target is ", r.target.size(),
                     " bytes, over the limit ", fs_options.max_path_length);
    }
    if (r.kind == InodeKind::kFile && r.owned_contents == nullptr &&
        r.contents == nullptr) {
      return Invalid("file ", r.id, " has no contents");
    }
    // The capacity bounds what guest writes can make the stream buffer.
    if (r.kind == InodeKind::kBuffer && r.capacity > fs_options.stream_capacity) {
      return Invalid("stream ", r.id, " capacity ", r.capacity, " is over the limit ",
                     fs_options.stream_capacity);
    }
    by_id.emplace(r.id, &r);
  }
  if (!by_id.contains(Filesystem::kRootId)) {
    return Invalid("there is no root directory (inode 1)");
  }
  // Entries: valid names in strictly ascending order, sequence numbers in
  // range and distinct, children that exist and may be named.
  absl::flat_hash_map<InodeId, uint64_t> names;
  absl::flat_hash_map<InodeId, InodeId> parent_of;
  for (const InodeRecord& r : image.inodes) {
    if (!IsDirKind(r.kind)) continue;
    if (r.removed && (!r.entries.empty() || r.links != 0)) {
      return Invalid("removed directory ", r.id, " is not empty and unlinked");
    }
    if (r.next_seq < kFirstEntrySeq || r.next_seq > kMaxCounter) {
      return Invalid("directory ", r.id, " next sequence number ", r.next_seq,
                     " is outside [", kFirstEntrySeq, ", ", kMaxCounter, "]");
    }
    absl::flat_hash_set<uint64_t> seqs;
    seqs.reserve(r.entries.size());
    const std::string* last = nullptr;
    for (const EntryRecord& e : r.entries) {
      const std::string& n = e.name;
      if (n.empty() || n == "." || n == ".." || n.find('/') != std::string::npos ||
          n.find('\0') != std::string::npos) {
        return Invalid("directory ", r.id, " has an invalid entry name ", Quoted(n));
      }
      if (n.size() > fs_options.max_name_length) {
        return Invalid("directory ", r.id, " entry name is ", n.size(),
                       " bytes, over the limit ", fs_options.max_name_length);
      }
      if (!IsValidUtf8(n)) {
        return Invalid("directory ", r.id, " entry name ", Quoted(n),
                       " is not UTF-8");
      }
      if (last != nullptr && *last == n) {
        return Invalid("directory ", r.id, " has the name ", Quoted(n), " twice");
      }
      if (last != nullptr && *last > n) {
        return Invalid("directory ", r.id, " entries are not in name order at ",
                       Quoted(n));
      }
      last = &n;
      if (e.seq < kFirstEntrySeq || e.seq >= r.next_seq) {
        return Invalid("directory ", r.id, " entry ", Quoted(n), " has sequence ",
                       e.seq, " outside [", kFirstEntrySeq, ", ", r.next_seq, ")");
      }
      if (!seqs.insert(e.seq).second) {
        return Invalid("directory ", r.id, " uses sequence ", e.seq, " twice");
      }
      auto child = by_id.find(e.child);
      if (child == by_id.end()) {
        return Invalid("directory ", r.id, " entry ", Quoted(n),
                       " names missing inode ", e.child);
      }
      const InodeKind ck = child->second->kind;
      if (ck == InodeKind::kRoot || ck == InodeKind::kBuffer) {
        return Invalid("directory ", r.id, " entry ", Quoted(n), " names a ",
                       AsAbsl(InodeKindName(ck)));
      }
      if (++names[e.child] > 1 && IsDirKind(ck)) {
        return Invalid("directory ", e.child, " has two parents");
      }
      if (IsDirKind(ck)) parent_of[e.child] = r.id;
    }
  }
  // Descriptors: existing inodes, rights within the kind's, sane offsets.
  absl::flat_hash_set<InodeId> held;
  for (size_t ci = 0; ci < image.contexts.size(); ++ci) {
    const std::vector<FdRecord>& fds = image.contexts[ci].fds;
    if (fds.size() > context_options.max_fds) {
      return Invalid("context ", ci, " has ", fds.size(),
                     " descriptors, over the limit ", context_options.max_fds);
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      const FdRecord& f = fds[i];
      if (i > 0 && f.fd <= fds[i - 1].fd) {
        return Invalid("context ", ci, " fd ", f.fd, " is out of order or repeated");
      }
      auto it = by_id.find(f.inode);
      if (it == by_id.end()) {
        return Invalid("context ", ci, " fd ", f.fd, " names missing inode ", f.inode);
      }
      const InodeKind k = it->second->kind;
      if (!MaxBaseFor(k).Contains(f.base) ||
          !MaxInheritingFor(k).Contains(f.inheriting)) {
        return Invalid("context ", ci, " fd ", f.fd, " has rights wider than a ",
                       AsAbsl(InodeKindName(k)), " descriptor may hold");
      }
      if (!fdflags::kAll.Contains(f.flags)) {
        return Invalid("context ", ci, " fd ", f.fd, " has unknown fdflags");
      }
      if (f.offset > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Invalid("context ", ci, " fd ", f.fd, " offset ", f.offset,
                       " is beyond any seekable position");
      }
      if (f.is_preopen && !IsDirKind(k)) {
        return Invalid("context ", ci, " fd ", f.fd, " is a preopen of a ",
                       AsAbsl(InodeKindName(k)));
      }
      if (!f.is_preopen && !f.preopen_name.empty()) {
        return Invalid("context ", ci, " fd ", f.fd,
                       " has a preopen name but is not a preopen");
      }
      if (f.stream_writer && k != InodeKind::kBuffer) {
        return Invalid("context ", ci, " fd ", f.fd,
                       " holds a stream's write end but names a ",
                       AsAbsl(InodeKindName(k)));
      }
      held.insert(f.inode);
    }
  }
  // Link counts, and every inode linked or open.
  for (const InodeRecord& r : image.inodes) {
    auto it = names.find(r.id);
    const uint64_t n = it == names.end() ? 0 : it->second;
    if (r.links != n) {
      return Invalid("inode ", r.id, " has nlink ", r.links, " but ", n,
                     " entries name it");
    }
    if (n == 0 && r.kind != InodeKind::kRoot && !held.contains(r.id)) {
      return Invalid("inode ", r.id, " is neither linked nor open");
    }
    if (r.kind == InodeKind::kDirectory && n == 0 && !r.removed) {
      return Invalid("unlinked directory ", r.id, " is not marked removed");
    }
    if (r.kind == InodeKind::kRoot && r.removed) {
      return Invalid("the root directory is marked removed");
    }
  }
  // The directories form one tree under the root: every linked directory has
  // exactly one parent (checked above), so one that is not reachable from
  // the root lies on a parent cycle. Walk up iteratively, marking.
  absl::flat_hash_map<InodeId, int> state;  // 1: on current walk, 2: reaches root
  state[Filesystem::kRootId] = 2;
  for (const auto& [dir, parent] : parent_of) {
    std::vector<InodeId> walk;
    InodeId at = dir;
    while (true) {
      auto s = state.find(at);
      if (s != state.end() && s->second == 2) break;
      if (s != state.end() && s->second == 1) {
        return Invalid("directory ", at, " is its own ancestor (a parent cycle)");
      }
      state[at] = 1;
      walk.push_back(at);
      // Every directory on the walk is linked (removed ones have no
      // entries, so none is a parent), hence in parent_of.
      at = parent_of.find(at)->second;
    }
    for (InodeId w : walk) state[w] = 2;
  }
  return absl::OkStatus();
}

}  // namespace vfs
