#include "vfs/status.h"

#include "absl/strings/str_cat.h"

namespace vfs {

absl::StatusCode ErrnoToStatusCode(Errno e) {
  using C = absl::StatusCode;
  switch (e) {
    case Errno::kSuccess: return C::kOk;
    case Errno::kNoent: return C::kNotFound;
    case Errno::kExist: return C::kAlreadyExists;
    case Errno::kPerm:
    case Errno::kAcces:
    case Errno::kNotcapable:
    case Errno::kRofs: return C::kPermissionDenied;
    case Errno::kNospc:
    case Errno::kDquot:
    case Errno::kFbig:
    case Errno::kMfile:
    case Errno::kNfile:
    case Errno::kNomem: return C::kResourceExhausted;
    case Errno::kNotsup:
    case Errno::kNosys: return C::kUnimplemented;
    case Errno::kAgain:
    case Errno::kBusy: return C::kUnavailable;
    case Errno::kNotempty:
    case Errno::kNotdir:
    case Errno::kIsdir:
    case Errno::kLoop:
    case Errno::kSpipe:
    case Errno::kBadf: return C::kFailedPrecondition;
    case Errno::kOverflow:
    case Errno::kRange: return C::kOutOfRange;
    case Errno::kIo: return C::kDataLoss;
    default: return C::kInvalidArgument;
  }
}

absl::Status ErrnoToStatus(Errno e, std::string_view context) {
  if (e == Errno::kSuccess) return absl::OkStatus();
  return absl::Status(ErrnoToStatusCode(e),
                      absl::StrCat(absl::string_view(context.data(), context.size()),
                                   ": ", absl::string_view(ErrnoName(e).data(),
                                                           ErrnoName(e).size())));
}

}  // namespace vfs
