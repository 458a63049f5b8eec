#include "vfs/wasi_types.h"

#include <array>
#include <cstring>

namespace vfs {
namespace {

constexpr std::array<std::string_view, kErrnoCount> kErrnoNames = {
    "success", "2big", "acces", "addrinuse", "addrnotavail", "afnosupport",
    "again", "already", "badf", "badmsg", "busy", "canceled", "child",
    "connaborted", "connrefused", "connreset", "deadlk", "destaddrreq", "dom",
    "dquot", "exist", "fault", "fbig", "hostunreach", "idrm", "ilseq",
    "inprogress", "intr", "inval", "io", "isconn", "isdir", "loop", "mfile",
    "mlink", "msgsize", "multihop", "nametoolong", "netdown", "netreset",
    "netunreach", "nfile", "nobufs", "nodev", "noent", "noexec", "nolck",
    "nolink", "nomem", "nomsg", "noprotoopt", "nospc", "nosys", "notconn",
    "notdir", "notempty", "notrecoverable", "notsock", "notsup", "notty",
    "nxio", "overflow", "ownerdead", "perm", "pipe", "proto",
    "protonosupport", "prototype", "range", "rofs", "spipe", "srch", "stale",
    "timedout", "txtbsy", "xdev", "notcapable"};

void PutLe(uint8_t* out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

std::string_view ErrnoName(Errno e) {
  auto i = static_cast<uint16_t>(e);
  return i < kErrnoCount ? kErrnoNames[i] : std::string_view("unknown");
}

void EncodeDirentHeader(const Dirent& d, uint8_t* out) {
  std::memset(out, 0, layout::kDirentSize);
  PutLe(out + layout::kDirentOffNext, d.d_next, 8);
  PutLe(out + layout::kDirentOffIno, d.d_ino, 8);
  PutLe(out + layout::kDirentOffNamlen, d.d_namlen, 4);
  out[layout::kDirentOffType] = static_cast<uint8_t>(d.d_type);
}

}  // namespace vfs
