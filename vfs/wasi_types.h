// WASI preview1 types with the exact values and layouts of
// wasi_snapshot_preview1 (typenames.witx): errno, rights, filetype, oflags,
// fdflags, lookupflags, fstflags, whence, advice, and the filestat, fdstat,
// prestat and dirent records.
//
// This header defines values only. It does not encode records into guest
// memory (see EncodeDirent for the one encoding the core needs, because
// fd_readdir's output format is part of its contract).
#ifndef VFS_WASI_TYPES_H_
#define VFS_WASI_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vfs {

using fd_t = uint32_t;
using filesize_t = uint64_t;
using timestamp_t = uint64_t;  // nanoseconds since the Unix epoch
using dircookie_t = uint64_t;
using inode_t = uint64_t;

// witx `errno` (u16). [[nodiscard]] so a dropped error is a compile warning.
enum class [[nodiscard]] Errno : uint16_t {
  kSuccess = 0, k2big = 1, kAcces = 2, kAddrinuse = 3, kAddrnotavail = 4,
  kAfnosupport = 5, kAgain = 6, kAlready = 7, kBadf = 8, kBadmsg = 9,
  kBusy = 10, kCanceled = 11, kChild = 12, kConnaborted = 13,
  kConnrefused = 14, kConnreset = 15, kDeadlk = 16, kDestaddrreq = 17,
  kDom = 18, kDquot = 19, kExist = 20, kFault = 21, kFbig = 22,
  kHostunreach = 23, kIdrm = 24, kIlseq = 25, kInprogress = 26, kIntr = 27,
  kInval = 28, kIo = 29, kIsconn = 30, kIsdir = 31, kLoop = 32, kMfile = 33,
  kMlink = 34, kMsgsize = 35, kMultihop = 36, kNametoolong = 37,
  kNetdown = 38, kNetreset = 39, kNetunreach = 40, kNfile = 41, kNobufs = 42,
  kNodev = 43, kNoent = 44, kNoexec = 45, kNolck = 46, kNolink = 47,
  kNomem = 48, kNomsg = 49, kNoprotoopt = 50, kNospc = 51, kNosys = 52,
  kNotconn = 53, kNotdir = 54, kNotempty = 55, kNotrecoverable = 56,
  kNotsock = 57, kNotsup = 58, kNotty = 59, kNxio = 60, kOverflow = 61,
  kOwnerdead = 62, kPerm = 63, kPipe = 64, kProto = 65, kProtonosupport = 66,
  kPrototype = 67, kRange = 68, kRofs = 69, kSpipe = 70, kSrch = 71,
  kStale = 72, kTimedout = 73, kTxtbsy = 74, kXdev = 75, kNotcapable = 76,
};
inline constexpr uint16_t kErrnoCount = 77;

// The witx name without the `$` ("noent"), or "unknown" for values >= 77.
std::string_view ErrnoName(Errno e);

// A typed bitset: values of different flag types cannot be mixed by accident.
template <typename Tag, typename Repr>
class Flags {
 public:
  using repr_type = Repr;
  constexpr Flags() = default;
  constexpr explicit Flags(Repr bits) : bits_(bits) {}
  constexpr Repr bits() const { return bits_; }
  constexpr bool Contains(Flags other) const {
    return (bits_ & other.bits_) == other.bits_;
  }
  constexpr bool Any(Flags other) const { return (bits_ & other.bits_) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr Flags operator|(Flags o) const { return Flags(bits_ | o.bits_); }
  constexpr Flags operator&(Flags o) const { return Flags(bits_ & o.bits_); }
  constexpr Flags operator~() const { return Flags(static_cast<Repr>(~bits_)); }
  constexpr Flags& operator|=(Flags o) { bits_ |= o.bits_; return *this; }
  constexpr Flags& operator&=(Flags o) { bits_ &= o.bits_; return *this; }
  constexpr bool operator==(Flags o) const { return bits_ == o.bits_; }
  constexpr bool operator!=(Flags o) const { return bits_ != o.bits_; }

 private:
  Repr bits_ = 0;
};

struct RightsTag {};
using Rights = Flags<RightsTag, uint64_t>;
namespace rights {
inline constexpr Rights kFdDatasync{1ull << 0};
inline constexpr Rights kFdRead{1ull << 1};
inline constexpr Rights kFdSeek{1ull << 2};
inline constexpr Rights kFdFdstatSetFlags{1ull << 3};
inline constexpr Rights kFdSync{1ull << 4};
inline constexpr Rights kFdTell{1ull << 5};
inline constexpr Rights kFdWrite{1ull << 6};
inline constexpr Rights kFdAdvise{1ull << 7};
inline constexpr Rights kFdAllocate{1ull << 8};
inline constexpr Rights kPathCreateDirectory{1ull << 9};
inline constexpr Rights kPathCreateFile{1ull << 10};
inline constexpr Rights kPathLinkSource{1ull << 11};
inline constexpr Rights kPathLinkTarget{1ull << 12};
inline constexpr Rights kPathOpen{1ull << 13};
inline constexpr Rights kFdReaddir{1ull << 14};
inline constexpr Rights kPathReadlink{1ull << 15};
inline constexpr Rights kPathRenameSource{1ull << 16};
inline constexpr Rights kPathRenameTarget{1ull << 17};
inline constexpr Rights kPathFilestatGet{1ull << 18};
inline constexpr Rights kPathFilestatSetSize{1ull << 19};
inline constexpr Rights kPathFilestatSetTimes{1ull << 20};
inline constexpr Rights kFdFilestatGet{1ull << 21};
inline constexpr Rights kFdFilestatSetSize{1ull << 22};
inline constexpr Rights kFdFilestatSetTimes{1ull << 23};
inline constexpr Rights kPathSymlink{1ull << 24};
inline constexpr Rights kPathRemoveDirectory{1ull << 25};
inline constexpr Rights kPathUnlinkFile{1ull << 26};
inline constexpr Rights kPollFdReadwrite{1ull << 27};
inline constexpr Rights kSockShutdown{1ull << 28};
inline constexpr Rights kSockAccept{1ull << 29};
inline constexpr int kCount = 30;
inline constexpr Rights kAll{(1ull << kCount) - 1};

// The most a descriptor of each kind can hold. A path_open result gets
// requested ∩ directory's inheriting ∩ this maximum.
inline constexpr Rights kRegularFileBase =
    kFdDatasync | kFdRead | kFdSeek | kFdFdstatSetFlags | kFdSync | kFdTell |
    kFdWrite | kFdAdvise | kFdAllocate | kFdFilestatGet | kFdFilestatSetSize |
    kFdFilestatSetTimes | kPollFdReadwrite;
inline constexpr Rights kDirectoryBase =
    kFdFdstatSetFlags | kFdSync | kFdDatasync | kPathCreateDirectory |
    kPathCreateFile | kPathLinkSource | kPathLinkTarget | kPathOpen |
    kFdReaddir | kPathReadlink | kPathRenameSource | kPathRenameTarget |
    kPathFilestatGet | kPathFilestatSetSize | kPathFilestatSetTimes |
    kFdFilestatGet | kFdFilestatSetTimes | kPathSymlink |
    kPathRemoveDirectory | kPathUnlinkFile | kPollFdReadwrite;
inline constexpr Rights kDirectoryInheriting = kDirectoryBase | kRegularFileBase;
inline constexpr Rights kStreamBase = kFdRead | kFdWrite | kFdFdstatSetFlags |
                                      kFdFilestatGet | kPollFdReadwrite;
// What a read-only preopen hands down: nothing that creates, removes,
// renames, writes or resizes.
inline constexpr Rights kReadOnlyDirectoryBase =
    kFdFdstatSetFlags | kFdSync | kFdDatasync | kPathOpen | kFdReaddir |
    kPathReadlink | kPathFilestatGet | kFdFilestatGet | kPollFdReadwrite;
inline constexpr Rights kReadOnlyFileBase =
    kFdRead | kFdSeek | kFdFdstatSetFlags | kFdTell | kFdAdvise |
    kFdFilestatGet | kPollFdReadwrite | kFdSync | kFdDatasync;
inline constexpr Rights kReadOnlyDirectoryInheriting =
    kReadOnlyDirectoryBase | kReadOnlyFileBase;
}  // namespace rights

// witx `filetype` (u8).
enum class Filetype : uint8_t {
  kUnknown = 0, kBlockDevice = 1, kCharacterDevice = 2, kDirectory = 3,
  kRegularFile = 4, kSocketDgram = 5, kSocketStream = 6, kSymbolicLink = 7,
};

struct OflagsTag {};
using Oflags = Flags<OflagsTag, uint16_t>;
namespace oflags {
inline constexpr Oflags kCreat{1 << 0};
inline constexpr Oflags kDirectory{1 << 1};
inline constexpr Oflags kExcl{1 << 2};
inline constexpr Oflags kTrunc{1 << 3};
inline constexpr Oflags kAll{0xF};
}  // namespace oflags

struct FdflagsTag {};
using Fdflags = Flags<FdflagsTag, uint16_t>;
namespace fdflags {
inline constexpr Fdflags kAppend{1 << 0};
inline constexpr Fdflags kDsync{1 << 1};
inline constexpr Fdflags kNonblock{1 << 2};
inline constexpr Fdflags kRsync{1 << 3};
inline constexpr Fdflags kSync{1 << 4};
inline constexpr Fdflags kAll{0x1F};
}  // namespace fdflags

struct LookupflagsTag {};
using Lookupflags = Flags<LookupflagsTag, uint32_t>;
namespace lookupflags {
inline constexpr Lookupflags kSymlinkFollow{1 << 0};
inline constexpr Lookupflags kAll{1};
}  // namespace lookupflags

struct FstflagsTag {};
using Fstflags = Flags<FstflagsTag, uint16_t>;
namespace fstflags {
inline constexpr Fstflags kAtim{1 << 0};
inline constexpr Fstflags kAtimNow{1 << 1};
inline constexpr Fstflags kMtim{1 << 2};
inline constexpr Fstflags kMtimNow{1 << 3};
inline constexpr Fstflags kAll{0xF};
}  // namespace fstflags

// witx `whence` (u8).
enum class Whence : uint8_t { kSet = 0, kCur = 1, kEnd = 2 };

// witx `advice` (u8).
enum class Advice : uint8_t {
  kNormal = 0, kSequential = 1, kRandom = 2, kWillneed = 3, kDontneed = 4,
  kNoreuse = 5,
};

// witx `filestat`: 64 bytes in guest memory.
struct Filestat {
  uint64_t dev = 0;
  inode_t ino = 0;
  Filetype filetype = Filetype::kUnknown;
  uint64_t nlink = 0;
  filesize_t size = 0;
  timestamp_t atim = 0;
  timestamp_t mtim = 0;
  timestamp_t ctim = 0;
};

// witx `fdstat`: 24 bytes in guest memory.
struct Fdstat {
  Filetype fs_filetype = Filetype::kUnknown;
  Fdflags fs_flags;
  Rights fs_rights_base;
  Rights fs_rights_inheriting;
};

// witx `prestat`: tag 0 (dir) is the only variant; 8 bytes in guest memory.
struct Prestat {
  uint8_t tag = 0;
  uint32_t pr_name_len = 0;
};

// witx `dirent`: a 24-byte header followed by d_namlen name bytes.
struct Dirent {
  dircookie_t d_next = 0;
  inode_t d_ino = 0;
  uint32_t d_namlen = 0;
  Filetype d_type = Filetype::kUnknown;
};

// Guest-memory sizes and field offsets from the witx layouts.
namespace layout {
inline constexpr size_t kFilestatSize = 64;
inline constexpr size_t kFdstatSize = 24;
inline constexpr size_t kPrestatSize = 8;
inline constexpr size_t kDirentSize = 24;
inline constexpr size_t kDirentOffNext = 0;
inline constexpr size_t kDirentOffIno = 8;
inline constexpr size_t kDirentOffNamlen = 16;
inline constexpr size_t kDirentOffType = 20;
}  // namespace layout

// Writes `d` as the 24-byte little-endian witx header into `out`, which must
// hold layout::kDirentSize bytes. Padding bytes are written as zero.
void EncodeDirentHeader(const Dirent& d, uint8_t* out);

}  // namespace vfs

#endif  // VFS_WASI_TYPES_H_
