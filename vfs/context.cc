#include "vfs/context.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "vfs/path_resolver.h"
#include "vfs/status.h"

namespace vfs {
namespace {

// How a call treats each kind of descriptor: kSuccess allows it, any other
// value is the errno for that kind. Kinds are checked before rights.
struct KindRule {
  Errno on_dir;
  Errno on_file;
  Errno on_stream;
};
constexpr KindRule kAnyKind{Errno::kSuccess, Errno::kSuccess, Errno::kSuccess};
// Byte I/O on a file or a stream; a directory is not a file (as wasmtime).
constexpr KindRule kFileOrStream{Errno::kBadf, Errno::kSuccess, Errno::kSuccess};
// Positioned I/O and seeking: streams cannot seek.
constexpr KindRule kSeekable{Errno::kBadf, Errno::kSuccess, Errno::kSpipe};
constexpr KindRule kFileOnly{Errno::kBadf, Errno::kSuccess, Errno::kBadf};
constexpr KindRule kDirOnly{Errno::kSuccess, Errno::kNotdir, Errno::kNotdir};

// Rights that mean "this open intends to write"; opening a directory with
// any of them is ISDIR, as opening one O_WRONLY is on Linux. FD_DATASYNC is
// not among them: fdatasync needs no write access, and directories hold it.
constexpr Rights kWriteIntent = rights::kFdWrite | rights::kFdAllocate |
                                rights::kFdFilestatSetSize;

Errno ValidateFstflags(Fstflags f) {
  if (!fstflags::kAll.Contains(f)) return Errno::kInval;
  if (f.Contains(fstflags::kAtim | fstflags::kAtimNow)) return Errno::kInval;
  if (f.Contains(fstflags::kMtim | fstflags::kMtimNow)) return Errno::kInval;
  return Errno::kSuccess;
}

size_t TotalLength(ConstIoVecs iovs) {
  size_t total = 0;
  for (const auto& v : iovs) {
    if (v.size() > std::numeric_limits<size_t>::max() - total) {
      return std::numeric_limits<size_t>::max();
    }
    total += v.size();
  }
  return total;
}

// Moves bytes iovec by iovec with `op(bytes_done_so_far, iov)`, stopping at
// the first short transfer (end of file, a full stream). An error after some
// bytes moved ends the call with the count so far, as POSIX partial I/O does;
// an error before any byte moved is the call's result.
template <typename Iov, typename Op>
Result<size_t> TransferIovecs(absl::Span<const Iov> iovs, Op op) {
  size_t total = 0;
  for (const Iov& iov : iovs) {
    if (iov.empty()) continue;
    Result<size_t> n = op(total, iov);
    if (!n.ok()) {
      if (total > 0) break;
      return n.error();
    }
    total += *n;
    if (*n < iov.size()) break;
  }
  return total;
}

}  // namespace

// ---- DescriptorHandle ----

DescriptorHandle& DescriptorHandle::operator=(DescriptorHandle&& other) noexcept {
  if (this != &other) {
    Reset();
    fs_ = std::move(other.fs_);
    file_ = std::move(other.file_);
  }
  return *this;
}

DescriptorHandle::~DescriptorHandle() { Reset(); }

void DescriptorHandle::Reset() {
  if (file_ == nullptr) return;
  MutexLock lock(&fs_->mu_);
  fs_->Close(std::move(file_));
}

// ---- Context: construction and host API ----

Context::Context(std::shared_ptr<Filesystem> fs, ContextOptions options)
    : fs_(std::move(fs)), options_(options) {}

Context::~Context() {
  MutexLock lock(&fs_->mu_);
  for (auto& [fd, file] : fds_) fs_->Close(std::move(file));
  fds_.clear();
}

fd_t Context::LowestFreeFd(fd_t from) const {
  fd_t fd = from;
  while (fds_.contains(fd)) ++fd;
  return fd;
}

Result<fd_t> Context::Install(std::unique_ptr<OpenFile> file) {
  if (fds_.size() >= options_.max_fds) {
    fs_->Close(std::move(file));
    return Errno::kMfile;
  }
  const fd_t fd = LowestFreeFd(0);
  fds_.emplace(fd, std::move(file));
  return fd;
}

absl::StatusOr<fd_t> Context::Preopen(std::string_view path,
                                      std::string_view guest_name, Rights base,
                                      Rights inheriting) {
  MutexLock lock(&fs_->mu_);
  absl::StatusOr<Resolution> r = fs_->ResolveHostPath(path, FollowFinal::kFollow);
  if (!r.ok()) return r.status();
  if (r->inode == nullptr) {
    return absl::NotFoundError(absl::StrCat("preopen '", AsAbsl(path), "': no such directory"));
  }
  if (!r->inode->is_dir()) {
    return absl::FailedPreconditionError(
        absl::StrCat("preopen '", AsAbsl(path), "': not a directory"));
  }
  if (fds_.size() >= options_.max_fds) {
    return absl::ResourceExhaustedError("descriptor table is full");
  }
  auto file = fs_->Open(r->inode, base & rights::kDirectoryBase,
                        inheriting & rights::kDirectoryInheriting, Fdflags());
  file->is_preopen = true;
  file->preopen_name = std::string(guest_name);
  const fd_t fd = LowestFreeFd(3);
  fds_.emplace(fd, std::move(file));
  return fd;
}

absl::StatusOr<fd_t> Context::PreopenReadOnly(std::string_view path,
                                              std::string_view guest_name) {
  return Preopen(path, guest_name, rights::kReadOnlyDirectoryBase,
                 rights::kReadOnlyDirectoryInheriting);
}

absl::Status Context::OpenAt(fd_t fd, std::string_view path, Rights base,
                             Rights inheriting) {
  MutexLock lock(&fs_->mu_);
  if (fds_.contains(fd)) {
    return absl::AlreadyExistsError(absl::StrCat("fd ", fd, " is already open"));
  }
  absl::StatusOr<Resolution> r = fs_->ResolveHostPath(path, FollowFinal::kFollow);
  if (!r.ok()) return r.status();
  if (r->inode == nullptr) {
    return absl::NotFoundError(absl::StrCat("open '", AsAbsl(path), "': not found"));
  }
  Inode* inode = r->inode;
  if (fds_.size() >= options_.max_fds) {
    return absl::ResourceExhaustedError("descriptor table is full");
  }
  fds_.emplace(fd, fs_->Open(inode, base & MaxBaseFor(inode->kind()),
                             inheriting & MaxInheritingFor(inode->kind()), Fdflags()));
  return absl::OkStatus();
}

absl::Status Context::AttachStream(fd_t fd, StreamEnd ends, Stream::Sink sink,
                                   Stream::Source source) {
  MutexLock lock(&fs_->mu_);
  if (fds_.contains(fd)) {
    return absl::AlreadyExistsError(absl::StrCat("fd ", fd, " is already open"));
  }
  if (fds_.size() >= options_.max_fds) {
    return absl::ResourceExhaustedError("descriptor table is full");
  }
  Inode* inode = fs_->NewInode(InodeKind::kBuffer);
  Stream& s = *inode->stream;
  const bool reads = ends != StreamEnd::kWrite;
  const bool writes = ends != StreamEnd::kRead;
  if (sink) s.set_sink(std::move(sink));
  if (source) s.set_source(std::move(source));
  // A host-fed read end stays open (AGAIN when empty) until StreamCloseInput.
  s.set_host_input_open(reads && !source);
  Rights base = rights::kFdFilestatGet | rights::kPollFdReadwrite;
  if (reads) base |= rights::kFdRead;
  if (writes) base |= rights::kFdWrite | rights::kFdFdstatSetFlags;
  if (reads) base |= rights::kFdFdstatSetFlags;
  auto file = fs_->Open(inode, base, Rights(), Fdflags());
  if (writes) {
    file->stream_writer = true;
    s.open_writers++;
  }
  fds_.emplace(fd, std::move(file));
  return absl::OkStatus();
}

absl::StatusOr<std::pair<fd_t, fd_t>> Context::CreatePipe() {
  MutexLock lock(&fs_->mu_);
  if (fds_.size() + 2 > options_.max_fds) {
    return absl::ResourceExhaustedError("descriptor table is full");
  }
  Inode* inode = fs_->NewInode(InodeKind::kBuffer);
  const Rights common = rights::kFdFilestatGet | rights::kPollFdReadwrite |
                        rights::kFdFdstatSetFlags;
  auto reader = fs_->Open(inode, common | rights::kFdRead, Rights(), Fdflags());
  auto writer = fs_->Open(inode, common | rights::kFdWrite, Rights(), Fdflags());
  writer->stream_writer = true;
  inode->stream->open_writers++;
  const fd_t rfd = LowestFreeFd(0);
  fds_.emplace(rfd, std::move(reader));
  const fd_t wfd = LowestFreeFd(0);
  fds_.emplace(wfd, std::move(writer));
  return std::make_pair(rfd, wfd);
}

absl::StatusOr<Inode*> Context::StreamAt(fd_t fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return absl::NotFoundError(absl::StrCat("fd ", fd, " is not open"));
  Inode* inode = it->second->inode;
  if (inode->kind() != InodeKind::kBuffer) {
    return absl::FailedPreconditionError(absl::StrCat("fd ", fd, " is not a stream"));
  }
  return inode;
}

absl::Status Context::StreamFeed(fd_t fd, std::string_view bytes) {
  MutexLock lock(&fs_->mu_);
  absl::StatusOr<Inode*> s = StreamAt(fd);
  if (!s.ok()) return s.status();
  (*s)->stream->Feed(bytes);
  fs_->streams_changed_.notify_all();
  return absl::OkStatus();
}

absl::StatusOr<std::string> Context::StreamDrain(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  absl::StatusOr<Inode*> s = StreamAt(fd);
  if (!s.ok()) return s.status();
  return (*s)->stream->Drain();
}

absl::Status Context::StreamCloseInput(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  absl::StatusOr<Inode*> s = StreamAt(fd);
  if (!s.ok()) return s.status();
  (*s)->stream->CloseInput();
  fs_->streams_changed_.notify_all();
  return absl::OkStatus();
}

absl::StatusOr<DescriptorHandle> Context::RemoveDescriptor(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return absl::NotFoundError(absl::StrCat("fd ", fd, " is not open"));
  std::unique_ptr<OpenFile> file = std::move(it->second);
  fds_.erase(it);
  return DescriptorHandle(fs_, std::move(file));
}

absl::Status Context::InsertDescriptor(fd_t fd, DescriptorHandle&& handle) {
  if (!handle.valid()) return absl::InvalidArgumentError("empty descriptor handle");
  if (handle.fs_ != fs_) {
    return absl::InvalidArgumentError("descriptor belongs to another filesystem");
  }
  MutexLock lock(&fs_->mu_);
  if (fds_.contains(fd)) {
    return absl::AlreadyExistsError(absl::StrCat("fd ", fd, " is already open"));
  }
  if (fds_.size() >= options_.max_fds) {
    return absl::ResourceExhaustedError("descriptor table is full");
  }
  fds_.emplace(fd, std::move(handle.file_));
  return absl::OkStatus();
}

absl::StatusOr<FdInfo> Context::LookupDescriptor(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return absl::NotFoundError(absl::StrCat("fd ", fd, " is not open"));
  const OpenFile& f = *it->second;
  FdInfo info;
  info.filetype = f.inode->filetype();
  info.inode = f.inode->id();
  info.base = f.base;
  info.inheriting = f.inheriting;
  info.flags = f.flags;
  info.offset = f.offset;
  if (f.inode->kind() == InodeKind::kFile) info.size = f.inode->contents->Size();
  info.is_preopen = f.is_preopen;
  info.preopen_name = f.preopen_name;
  return info;
}

std::vector<fd_t> Context::OpenDescriptors() {
  MutexLock lock(&fs_->mu_);
  std::vector<fd_t> out;
  out.reserve(fds_.size());
  for (const auto& [fd, f] : fds_) out.push_back(fd);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- Shared helpers ----

Result<OpenFile*> Context::Get(fd_t fd, Need need, Rights required) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return Errno::kBadf;
  OpenFile* f = it->second.get();
  KindRule rule = kAnyKind;
  switch (need) {
    case Need::kAny: rule = kAnyKind; break;
    case Need::kFile: rule = kFileOnly; break;
    case Need::kDir: rule = kDirOnly; break;
    case Need::kFileOrStream: rule = kFileOrStream; break;
    case Need::kSeekable: rule = kSeekable; break;
  }
  const Inode* inode = f->inode;
  const Errno kind_err = inode->is_dir() ? rule.on_dir
                         : inode->kind() == InodeKind::kBuffer ? rule.on_stream
                                                               : rule.on_file;
  if (kind_err != Errno::kSuccess) return kind_err;
  if (!f->base.Contains(required)) return Errno::kNotcapable;
  return f;
}

Result<Resolution> Context::ResolveAt(OpenFile* dir, std::string_view path,
                                      FollowFinal policy, bool creating) {
  return PathResolver(*fs_).Resolve(dir->inode, path, policy, creating);
}

Result<std::pair<Resolution, Resolution>> Context::ResolvePair(
    fd_t old_fd, Rights old_right, std::string_view old_path, fd_t new_fd,
    Rights new_right, std::string_view new_path) {
  VFS_ASSIGN_OR_RETURN(OpenFile * src_dir, Get(old_fd, Need::kDir, old_right));
  VFS_ASSIGN_OR_RETURN(OpenFile * dst_dir, Get(new_fd, Need::kDir, new_right));
  // Both paths resolve before either is acted on, so an escaping path is
  // PERM whatever the other one names.
  VFS_ASSIGN_OR_RETURN(Resolution src,
                       ResolveAt(src_dir, old_path, FollowFinal::kEntry));
  VFS_ASSIGN_OR_RETURN(Resolution dst,
                       ResolveAt(dst_dir, new_path, FollowFinal::kEntry));
  return std::make_pair(std::move(src), std::move(dst));
}

Result<size_t> Context::ReadAt(OpenFile* f, IoVecs iovs, filesize_t offset) {
  const FileContents& c = *f->inode->contents;
  // A backend error part-way fails the whole call (no short read that would
  // still move the offset), so a failed read changes nothing.
  size_t total = 0;
  for (absl::Span<uint8_t> iov : iovs) {
    if (iov.empty()) continue;
    VFS_ASSIGN_OR_RETURN(size_t n, c.Read(offset + total, iov));
    total += n;
    if (n < iov.size()) break;  // end of file
  }
  if (total > 0) f->inode->atim = fs_->Now();
  return total;
}

namespace {
// Vectored writes up to this size are gathered into one backend Write, so a
// backend failure cannot leave part of them applied. Larger ones (rare:
// wasi-libc gathers at most its buffer and the caller's data) are written
// iovec by iovec.
constexpr size_t kGatherLimit = size_t{1} << 20;
}  // namespace

Result<size_t> Context::WriteAt(OpenFile* f, ConstIoVecs iovs,
                                filesize_t offset) {
  const size_t want = TotalLength(iovs);
  if (want == 0) return size_t{0};
  const filesize_t max = fs_->options().max_file_size;
  // Refuse before writing anything, so a write past the cap changes nothing.
  if (offset > max || want > max - offset) return Errno::kFbig;
  FileContents& c = *f->inode->contents;
  if (!c.capabilities().writable) return Errno::kPerm;  // as Resize, Allocate
  VFS_RETURN_IF_ERROR(fs_->CheckGrowth(f->inode, offset + want));
  size_t pieces = 0;
  for (absl::Span<const uint8_t> iov : iovs) pieces += iov.empty() ? 0 : 1;
  Result<size_t> total = size_t{0};
  if (pieces > 1 && want <= kGatherLimit) {
    std::vector<uint8_t> gathered;
    gathered.reserve(want);
    for (absl::Span<const uint8_t> iov : iovs) {
      gathered.insert(gathered.end(), iov.begin(), iov.end());
    }
    total = c.Write(offset, gathered);
  } else {
    total = TransferIovecs(iovs, [&](size_t done, absl::Span<const uint8_t> iov) {
      return c.Write(offset + done, iov);
    });
  }
  fs_->Recharge(f->inode);  // also after a failure part-way through the iovecs
  if (!total.ok()) return total.error();
  if (*total > 0) f->inode->mtim = f->inode->ctim = fs_->Now();
  return *total;
}

Errno Context::SetTimes(Inode* inode, timestamp_t atim, timestamp_t mtim,
                        Fstflags flags) {
  const timestamp_t now = fs_->Now();
  if (flags.Any(fstflags::kAtim)) inode->atim = atim;
  if (flags.Any(fstflags::kAtimNow)) inode->atim = now;
  if (flags.Any(fstflags::kMtim)) inode->mtim = mtim;
  if (flags.Any(fstflags::kMtimNow)) inode->mtim = now;
  inode->ctim = now;
  return Errno::kSuccess;
}

Errno Context::Resize(Inode* inode, filesize_t size) {
  if (size > fs_->options().max_file_size) return Errno::kFbig;
  FileContents& c = *inode->contents;
  if (!c.capabilities().writable) return Errno::kPerm;
  VFS_RETURN_IF_ERROR(fs_->CheckGrowth(inode, size));
  VFS_RETURN_IF_ERROR(c.Resize(size));
  fs_->Recharge(inode);
  inode->mtim = inode->ctim = fs_->Now();
  return Errno::kSuccess;
}

Result<Context::PollState> Context::PollReadiness(fd_t fd, bool write) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f,
                       Get(fd, Need::kFileOrStream, rights::kPollFdReadwrite));
  PollState st;
  st.ready = true;
  if (f->inode->kind() == InodeKind::kFile) {
    const filesize_t size = f->inode->contents->Size();
    if (!write) st.nbytes = size > f->offset ? size - f->offset : 0;
    return st;
  }
  const Stream& s = *f->inode->stream;
  if (!write) {
    st.nbytes = s.buffered();
    st.hangup = s.at_end();
    // A host source may block on the host's side; report it readable.
    st.ready = st.nbytes > 0 || st.hangup || s.has_source();
  }
  return st;
}

// ---- preview1: descriptors ----

Result<fd_t> Context::path_open(fd_t fd, Lookupflags dirflags,
                                std::string_view path, Oflags oflags,
                                Rights fs_rights_base,
                                Rights fs_rights_inheriting, Fdflags fdflags) {
  if (!lookupflags::kAll.Contains(dirflags) || !oflags::kAll.Contains(oflags) ||
      !fdflags::kAll.Contains(fdflags)) {
    return Errno::kInval;
  }
  MutexLock lock(&fs_->mu_);
  Rights needed = rights::kPathOpen;
  if (oflags.Any(oflags::kCreat)) needed |= rights::kPathCreateFile;
  if (oflags.Any(oflags::kTrunc)) needed |= rights::kPathFilestatSetSize;
  VFS_ASSIGN_OR_RETURN(OpenFile * dir, Get(fd, Need::kDir, needed));
  // Synchronous-write flags need the matching right to be inheritable.
  Rights needed_inheriting;
  if (fdflags.Any(fdflags::kDsync)) needed_inheriting |= rights::kFdDatasync;
  if (fdflags.Any(fdflags::kRsync | fdflags::kSync)) {
    needed_inheriting |= rights::kFdSync;
  }
  if (!dir->inheriting.Contains(needed_inheriting)) return Errno::kNotcapable;
  if (oflags.Any(oflags::kDirectory) &&
      oflags.Any(oflags::kCreat | oflags::kExcl | oflags::kTrunc)) {
    return Errno::kInval;
  }
  // Check the table before touching the tree, so MFILE changes nothing.
  if (fds_.size() >= options_.max_fds) return Errno::kMfile;

  const bool exclusive = oflags.Contains(oflags::kCreat | oflags::kExcl);
  const FollowFinal policy =
      exclusive ? FollowFinal::kEntry
      : dirflags.Any(lookupflags::kSymlinkFollow) ? FollowFinal::kFollow
                                                   : FollowFinal::kNoFollow;
  VFS_ASSIGN_OR_RETURN(Resolution r,
                       ResolveAt(dir, path, policy, oflags.Any(oflags::kCreat)));
  Inode* target = r.inode;
  if (target == nullptr) {
    if (!oflags.Any(oflags::kCreat)) return Errno::kNoent;
    // "x/" with CREAT, whatever x is (PathResolver rule 6), as on Linux.
    if (r.trailing_slash) return Errno::kIsdir;
    if (r.parent->dir->removed) return Errno::kNoent;
    VFS_ASSIGN_OR_RETURN(target, fs_->CreateChild(r.parent, r.name, InodeKind::kFile));
  } else {
    if (exclusive) return Errno::kExist;
    if (target->kind() == InodeKind::kSymlink) {
      // A final symlink that was not followed cannot be opened (no O_PATH).
      return oflags.Any(oflags::kDirectory) ? Errno::kNotdir : Errno::kLoop;
    }
    if (oflags.Any(oflags::kDirectory) && !target->is_dir()) return Errno::kNotdir;
    if (target->is_dir()) {
      if (oflags.Any(oflags::kTrunc) || fs_rights_base.Any(kWriteIntent)) {
        return Errno::kIsdir;
      }
    } else if (oflags.Any(oflags::kTrunc)) {
      VFS_RETURN_IF_ERROR(Resize(target, 0));
    }
  }
  // Rights never grow: requested ∩ what the directory hands down ∩ what the
  // kind can hold.
  const Rights base = fs_rights_base & dir->inheriting & MaxBaseFor(target->kind());
  const Rights inheriting =
      fs_rights_inheriting & dir->inheriting & MaxInheritingFor(target->kind());
  return Install(fs_->Open(target, base, inheriting, fdflags));
}

bool Context::OtherSideElsewhere(const Inode* stream, bool write) const {
  uint64_t here = 0, writers_here = 0;
  for (const auto& [n, f] : fds_) {
    if (f->inode != stream) continue;
    here++;
    if (f->stream_writer) writers_here++;
  }
  return write ? stream->open_refs > here
               : static_cast<uint64_t>(stream->stream->open_writers) > writers_here;
}

template <typename Iovecs, typename Transfer>
Result<size_t> Context::StreamTransfer(fd_t fd, Rights right, bool write,
                                       Iovecs iovs, const Transfer& transfer) {
  const auto deadline = std::chrono::steady_clock::now() + options_.max_block;
  for (;;) {
    VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kFileOrStream, right));
    if (f->inode->kind() != InodeKind::kBuffer) return Errno::kBadf;  // replaced
    Stream& s = *f->inode->stream;
    Result<size_t> n = TransferIovecs(iovs, [&](size_t, auto iov) {
      return transfer(s, iov);
    });
    // Bytes read make room for a blocked writer; bytes written wake a reader.
    if (n.ok() && *n > 0) fs_->streams_changed_.notify_all();
    if (n.ok() || n.error() != Errno::kAgain || f->flags.Any(fdflags::kNonblock) ||
        options_.max_block.count() <= 0 || !OtherSideElsewhere(f->inode, write)) {
      return n;
    }
    if (!fs_->mu_.WaitUntil(fs_->streams_changed_, deadline)) return Errno::kAgain;
  }
}

Result<size_t> Context::fd_read(fd_t fd, IoVecs iovs) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kFileOrStream, rights::kFdRead));
  if (f->inode->kind() == InodeKind::kBuffer) {
    return StreamTransfer(fd, rights::kFdRead, /*write=*/false, iovs,
                          [](Stream& s, absl::Span<uint8_t> iov) { return s.Read(iov); });
  }
  VFS_ASSIGN_OR_RETURN(size_t n, ReadAt(f, iovs, f->offset));
  f->offset += n;
  return n;
}

Result<size_t> Context::fd_pread(fd_t fd, IoVecs iovs, filesize_t offset) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f,
                       Get(fd, Need::kSeekable, rights::kFdRead | rights::kFdSeek));
  return ReadAt(f, iovs, offset);
}

Result<size_t> Context::fd_write(fd_t fd, ConstIoVecs iovs) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kFileOrStream, rights::kFdWrite));
  if (f->inode->kind() == InodeKind::kBuffer) {
    return StreamTransfer(
        fd, rights::kFdWrite, /*write=*/true, iovs,
        [](Stream& s, absl::Span<const uint8_t> iov) { return s.Write(iov); });
  }
  // In append mode the write goes to the end; the offset moves only when
  // bytes land, so a failed or empty write leaves it where it was.
  const filesize_t at = f->flags.Any(fdflags::kAppend)
                            ? f->inode->contents->Size()
                            : f->offset;
  VFS_ASSIGN_OR_RETURN(size_t n, WriteAt(f, iovs, at));
  if (n > 0) f->offset = at + n;
  return n;
}

Result<size_t> Context::fd_pwrite(fd_t fd, ConstIoVecs iovs, filesize_t offset) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f,
                       Get(fd, Need::kSeekable, rights::kFdWrite | rights::kFdSeek));
  // Linux (and wasmtime): in append mode pwrite appends, whatever the
  // offset. The descriptor's own offset never moves.
  if (f->flags.Any(fdflags::kAppend)) offset = f->inode->contents->Size();
  return WriteAt(f, iovs, offset);
}

Result<filesize_t> Context::fd_seek(fd_t fd, int64_t offset, Whence whence) {
  if (static_cast<uint8_t>(whence) > static_cast<uint8_t>(Whence::kEnd)) {
    return Errno::kInval;
  }
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kSeekable, Rights()));
  // FD_SEEK implies FD_TELL (witx); FD_TELL alone allows only the query.
  const bool query = offset == 0 && whence == Whence::kCur;
  if (!f->base.Any(rights::kFdSeek) &&
      !(query && f->base.Any(rights::kFdTell))) {
    return Errno::kNotcapable;
  }
  uint64_t from = 0;
  if (whence == Whence::kCur) from = f->offset;
  if (whence == Whence::kEnd) from = f->inode->contents->Size();
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t pos;
  if (offset < 0) {
    const uint64_t back = static_cast<uint64_t>(-(offset + 1)) + 1;
    if (back > from) return Errno::kInval;
    pos = from - back;
  } else {
    const uint64_t fwd = static_cast<uint64_t>(offset);
    if (from > kMax || fwd > kMax - from) return Errno::kOverflow;
    pos = from + fwd;
  }
  f->offset = pos;
  return pos;
}

Result<filesize_t> Context::fd_tell(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kSeekable, Rights()));
  if (!f->base.Any(rights::kFdTell | rights::kFdSeek)) return Errno::kNotcapable;
  return f->offset;
}

Errno Context::fd_close(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return Errno::kBadf;
  std::unique_ptr<OpenFile> file = std::move(it->second);
  fds_.erase(it);
  fs_->Close(std::move(file));
  return Errno::kSuccess;
}

Errno Context::fd_renumber(fd_t fd, fd_t to) {
  MutexLock lock(&fs_->mu_);
  auto from_it = fds_.find(fd);
  auto to_it = fds_.find(to);
  if (from_it == fds_.end() || to_it == fds_.end()) return Errno::kBadf;
  if (fd == to) return Errno::kSuccess;
  // The displaced descriptor (even a preopen) is closed.
  std::unique_ptr<OpenFile> displaced = std::move(to_it->second);
  to_it->second = std::move(from_it->second);
  fds_.erase(from_it);
  fs_->Close(std::move(displaced));
  return Errno::kSuccess;
}

Errno Context::fd_sync(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kAny, rights::kFdSync));
  if (f->inode->kind() == InodeKind::kFile) return f->inode->contents->Sync();
  return Errno::kSuccess;
}

Errno Context::fd_datasync(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kAny, rights::kFdDatasync));
  if (f->inode->kind() == InodeKind::kFile) return f->inode->contents->Sync();
  return Errno::kSuccess;
}

Errno Context::fd_advise(fd_t fd, filesize_t offset, filesize_t len,
                         Advice advice) {
  if (static_cast<uint8_t>(advice) > static_cast<uint8_t>(Advice::kNoreuse)) {
    return Errno::kInval;
  }
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kFile, rights::kFdAdvise));
  (void)f;
  if (offset > UINT64_MAX - len) return Errno::kInval;
  return Errno::kSuccess;  // advice changes nothing in memory
}

Errno Context::fd_allocate(fd_t fd, filesize_t offset, filesize_t len) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kFile, rights::kFdAllocate));
  if (len == 0) return Errno::kInval;  // as fallocate(2)
  const filesize_t max = fs_->options().max_file_size;
  if (offset > max || len > max - offset) return Errno::kFbig;
  Inode* inode = f->inode;
  FileContents& c = *inode->contents;
  if (offset + len <= c.Size()) return Errno::kSuccess;
  if (!c.capabilities().writable) return Errno::kPerm;
  VFS_RETURN_IF_ERROR(fs_->CheckGrowth(inode, offset + len));
  VFS_RETURN_IF_ERROR(c.Allocate(offset, len));
  fs_->Recharge(inode);
  inode->mtim = inode->ctim = fs_->Now();
  return Errno::kSuccess;
}

Result<Fdstat> Context::fd_fdstat_get(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kAny, Rights()));
  Fdstat st;
  st.fs_filetype = f->inode->filetype();
  st.fs_flags = f->flags;
  st.fs_rights_base = f->base;
  st.fs_rights_inheriting = f->inheriting;
  return st;
}

Errno Context::fd_fdstat_set_flags(fd_t fd, Fdflags flags) {
  // As wasmtime: only APPEND and NONBLOCK can be changed after open.
  if (!(fdflags::kAppend | fdflags::kNonblock).Contains(flags)) {
    return Errno::kInval;
  }
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f,
                       Get(fd, Need::kFileOrStream, rights::kFdFdstatSetFlags));
  const Fdflags sync = fdflags::kDsync | fdflags::kRsync | fdflags::kSync;
  f->flags = (f->flags & sync) | flags;
  return Errno::kSuccess;
}

Errno Context::fd_fdstat_set_rights(fd_t fd, Rights fs_rights_base,
                                    Rights fs_rights_inheriting) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kAny, Rights()));
  // Rights can only narrow.
  if (!f->base.Contains(fs_rights_base) ||
      !f->inheriting.Contains(fs_rights_inheriting)) {
    return Errno::kNotcapable;
  }
  f->base = fs_rights_base;
  f->inheriting = fs_rights_inheriting;
  return Errno::kSuccess;
}

Result<Filestat> Context::fd_filestat_get(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kAny, rights::kFdFilestatGet));
  return fs_->StatOf(f->inode);
}

Errno Context::fd_filestat_set_size(fd_t fd, filesize_t size) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f,
                       Get(fd, Need::kFile, rights::kFdFilestatSetSize));
  return Resize(f->inode, size);
}

Errno Context::fd_filestat_set_times(fd_t fd, timestamp_t atim,
                                     timestamp_t mtim, Fstflags fst_flags) {
  VFS_RETURN_IF_ERROR(ValidateFstflags(fst_flags));
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f,
                       Get(fd, Need::kAny, rights::kFdFilestatSetTimes));
  return SetTimes(f->inode, atim, mtim, fst_flags);
}

Result<size_t> Context::fd_readdir(fd_t fd, absl::Span<uint8_t> buf,
                                   dircookie_t cookie) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * f, Get(fd, Need::kDir, rights::kFdReaddir));
  Inode* dir = f->inode;
  dir->atim = fs_->Now();  // POSIX: reading a directory marks its atime
  size_t used = 0;
  // Appends one dirent; a partial last entry fills the buffer exactly.
  auto emit = [&](std::string_view name, inode_t ino, Filetype type,
                  dircookie_t next) {
    uint8_t header[layout::kDirentSize];
    Dirent d;
    d.d_next = next;
    d.d_ino = ino;
    d.d_namlen = static_cast<uint32_t>(name.size());
    d.d_type = type;
    EncodeDirentHeader(d, header);
    // std::copy_n, not memcpy: a guest may pass an empty buffer whose data
    // pointer is null, and memcpy(nullptr, _, 0) is undefined.
    size_t n = std::min(sizeof(header), buf.size() - used);
    std::copy_n(header, n, buf.data() + used);
    used += n;
    n = std::min(name.size(), buf.size() - used);
    std::copy_n(name.data(), n, buf.data() + used);
    used += n;
    return used < buf.size();
  };
  // `..` names the parent only for a directory strictly inside one of this
  // Context's preopens. Otherwise (a preopen's directory however it was
  // opened, Root, a removed directory, a directory moved out of every
  // preopen) it reports the directory itself: nothing outside is described.
  const Inode* parent = dir->dir->parent;
  inode_t dotdot = dir->id();
  if (parent != nullptr && parent != dir) {
    for (const auto& [n, other] : fds_) {
      if (other->is_preopen && other->inode != dir &&
          fs_->IsWithin(dir, other->inode)) {
        dotdot = parent->id();
        break;
      }
    }
  }
  if (cookie < kDotCookie &&
      !emit(".", dir->id(), Filetype::kDirectory, kDotCookie)) {
    return used;
  }
  if (cookie < kDotDotCookie &&
      !emit("..", dotdot, Filetype::kDirectory, kDotDotCookie)) {
    return used;
  }
  const auto& listing = dir->dir->listing();
  for (auto it = listing.upper_bound(std::max(cookie, kDotDotCookie));
       it != listing.end(); ++it) {
    if (!emit(it->second.name, it->second.ino, it->second.type, it->first)) {
      break;
    }
  }
  return used;
}

Result<Prestat> Context::fd_prestat_get(fd_t fd) {
  MutexLock lock(&fs_->mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end() || !it->second->is_preopen) return Errno::kBadf;
  Prestat p;
  p.tag = 0;
  p.pr_name_len = static_cast<uint32_t>(it->second->preopen_name.size());
  return p;
}

Errno Context::fd_prestat_dir_name(fd_t fd, absl::Span<uint8_t> path) {
  MutexLock lock(&fs_->mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return Errno::kBadf;
  if (!it->second->is_preopen) return Errno::kNotdir;  // as wasmtime
  const std::string& name = it->second->preopen_name;
  if (path.size() < name.size()) return Errno::kNametoolong;
  std::copy_n(name.data(), name.size(), path.data());  // path may be empty and null
  return Errno::kSuccess;
}

// ---- preview1: paths ----

Errno Context::path_create_directory(fd_t fd, std::string_view path) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * dir,
                       Get(fd, Need::kDir, rights::kPathCreateDirectory));
  VFS_ASSIGN_OR_RETURN(Resolution r, ResolveAt(dir, path, FollowFinal::kEntry));
  if (r.dot_final || r.inode != nullptr) return Errno::kExist;
  if (r.parent->dir->removed) return Errno::kNoent;
  VFS_RETURN_IF_ERROR(fs_->CreateChild(r.parent, r.name, InodeKind::kDirectory).error());
  return Errno::kSuccess;
}

Result<Filestat> Context::path_filestat_get(fd_t fd, Lookupflags flags,
                                            std::string_view path) {
  if (!lookupflags::kAll.Contains(flags)) return Errno::kInval;
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * dir,
                       Get(fd, Need::kDir, rights::kPathFilestatGet));
  VFS_ASSIGN_OR_RETURN(
      Resolution r,
      ResolveAt(dir, path,
                flags.Any(lookupflags::kSymlinkFollow) ? FollowFinal::kFollow
                                                       : FollowFinal::kNoFollow));
  if (r.inode == nullptr) return Errno::kNoent;
  return fs_->StatOf(r.inode);
}

Errno Context::path_filestat_set_times(fd_t fd, Lookupflags flags,
                                       std::string_view path, timestamp_t atim,
                                       timestamp_t mtim, Fstflags fst_flags) {
  VFS_RETURN_IF_ERROR(ValidateFstflags(fst_flags));
  if (!lookupflags::kAll.Contains(flags)) return Errno::kInval;
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * dir,
                       Get(fd, Need::kDir, rights::kPathFilestatSetTimes));
  VFS_ASSIGN_OR_RETURN(
      Resolution r,
      ResolveAt(dir, path,
                flags.Any(lookupflags::kSymlinkFollow) ? FollowFinal::kFollow
                                                       : FollowFinal::kNoFollow));
  if (r.inode == nullptr) return Errno::kNoent;
  return SetTimes(r.inode, atim, mtim, fst_flags);
}

Errno Context::path_link(fd_t old_fd, Lookupflags old_flags,
                         std::string_view old_path, fd_t new_fd,
                         std::string_view new_path) {
  if (!lookupflags::kAll.Contains(old_flags)) return Errno::kInval;
  // wasmtime refuses to follow a symlink source (linkat's AT_SYMLINK_FOLLOW).
  if (old_flags.Any(lookupflags::kSymlinkFollow)) return Errno::kInval;
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(auto pair,
                       ResolvePair(old_fd, rights::kPathLinkSource, old_path,
                                   new_fd, rights::kPathLinkTarget, new_path));
  auto& [src, dst] = pair;
  if (src.dot_final) return Errno::kPerm;  // a directory
  if (src.inode == nullptr) return Errno::kNoent;
  if (src.inode->is_dir()) return Errno::kPerm;
  if (dst.dot_final || dst.inode != nullptr) return Errno::kExist;
  if (dst.trailing_slash) return Errno::kNoent;  // Linux: "x/" names a dir
  if (dst.parent->dir->removed) return Errno::kNoent;
  // Quota charges follow the tree (vfs/quota.h).
  if (fs_->HomeOf(src.inode) != dst.parent->quota) return Errno::kXdev;
  fs_->Link(dst.parent, dst.name, src.inode);
  return Errno::kSuccess;
}

Result<size_t> Context::path_readlink(fd_t fd, std::string_view path,
                                      absl::Span<uint8_t> buf) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * dir, Get(fd, Need::kDir, rights::kPathReadlink));
  VFS_ASSIGN_OR_RETURN(Resolution r, ResolveAt(dir, path, FollowFinal::kNoFollow));
  if (r.inode == nullptr) return Errno::kNoent;
  if (r.inode->kind() != InodeKind::kSymlink) return Errno::kInval;
  // Like readlink(2) and wasmtime: a short buffer truncates silently.
  const std::string& target = r.inode->target;
  const size_t n = std::min(buf.size(), target.size());
  std::copy_n(target.data(), n, buf.data());  // buf may be empty and null
  r.inode->atim = fs_->Now();  // POSIX: readlink marks the link's atime
  return n;
}

Errno Context::path_remove_directory(fd_t fd, std::string_view path) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * dir,
                       Get(fd, Need::kDir, rights::kPathRemoveDirectory));
  VFS_ASSIGN_OR_RETURN(Resolution r, ResolveAt(dir, path, FollowFinal::kEntry));
  if (r.dot_final) return r.dot_dot ? Errno::kNotempty : Errno::kInval;
  if (r.inode == nullptr) return Errno::kNoent;
  if (!r.inode->is_dir()) return Errno::kNotdir;
  if (!r.inode->dir->empty()) return Errno::kNotempty;
  fs_->Unlink(r.parent, r.name);
  return Errno::kSuccess;
}

Errno Context::path_rename(fd_t fd, std::string_view old_path, fd_t new_fd,
                           std::string_view new_path) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(auto pair,
                       ResolvePair(fd, rights::kPathRenameSource, old_path,
                                   new_fd, rights::kPathRenameTarget, new_path));
  auto& [src, dst] = pair;
  if (src.dot_final || dst.dot_final) return Errno::kBusy;  // as rename(2)
  if (src.inode == nullptr) return Errno::kNoent;
  if (dst.parent->dir->removed) return Errno::kNoent;
  Inode* moving = src.inode;
  Inode* replaced = dst.inode;
  if (moving->is_dir()) {
    if (replaced != nullptr && !replaced->is_dir()) return Errno::kNotdir;
    if (fs_->IsWithin(dst.parent, moving)) return Errno::kInval;
    if (replaced != nullptr && replaced != moving && !replaced->dir->empty()) {
      return Errno::kNotempty;
    }
  } else {
    if (src.trailing_slash || dst.trailing_slash) return Errno::kNotdir;
    if (replaced != nullptr && replaced->is_dir()) return Errno::kIsdir;
  }
  // Quota charges follow the tree (vfs/quota.h).
  if (moving != replaced && fs_->HomeOf(moving) != dst.parent->quota) {
    return Errno::kXdev;
  }
  fs_->Move(src.parent, src.name, dst.parent, dst.name);
  return Errno::kSuccess;
}

Errno Context::path_symlink(std::string_view old_path, fd_t fd,
                            std::string_view new_path) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * dir, Get(fd, Need::kDir, rights::kPathSymlink));
  // The target is stored, never resolved here; only its form is checked
  // (absolute targets are refused at creation, as path-resolution.md says).
  VFS_RETURN_IF_ERROR(PathResolver(*fs_).ValidatePath(old_path));
  VFS_ASSIGN_OR_RETURN(Resolution r, ResolveAt(dir, new_path, FollowFinal::kEntry));
  if (r.dot_final || r.inode != nullptr) return Errno::kExist;
  if (r.trailing_slash) return Errno::kNoent;
  if (r.parent->dir->removed) return Errno::kNoent;
  VFS_ASSIGN_OR_RETURN(Inode * link,
                       fs_->CreateChild(r.parent, r.name, InodeKind::kSymlink));
  link->target = std::string(old_path);
  return Errno::kSuccess;
}

Errno Context::path_unlink_file(fd_t fd, std::string_view path) {
  MutexLock lock(&fs_->mu_);
  VFS_ASSIGN_OR_RETURN(OpenFile * dir, Get(fd, Need::kDir, rights::kPathUnlinkFile));
  VFS_ASSIGN_OR_RETURN(Resolution r, ResolveAt(dir, path, FollowFinal::kEntry));
  if (r.dot_final) return Errno::kIsdir;
  if (r.inode == nullptr) return Errno::kNoent;
  if (r.inode->is_dir()) return Errno::kIsdir;
  fs_->Unlink(r.parent, r.name);
  return Errno::kSuccess;
}

}  // namespace vfs
