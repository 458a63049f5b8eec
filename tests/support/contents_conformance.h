// The FileContents conformance kit: one Catch2 function that checks any
// FileContents implementation against the contract in vfs/file_contents.h,
// so a new backend gets the same coverage as the built-in ones by writing a
// factory and a TEST_CASE that calls CheckContentsConformance.
//
// What it checks, for several initial sizes (0, 1, a few KiB, several 64 KiB
// chunks), each in its own SECTION named "<label> size <n>: <aspect>":
//   reads      Size(); capabilities() as declared; reads at 0, in the
//              middle, straddling the end (short), at and past the end (0),
//              into an empty span (0); piecewise reads in both orders.
//   clone      Clone() holds the same bytes; for writable backends each side
//              is independent of the other's writes and resizes; for
//              read-only ones the clone outlives the original.
//   writes     (writable) overwrite, append, sparse write past the end with
//              a zero gap, truncate down then up reading zeros in the
//              discarded range, Allocate never shrinking and extending with
//              zeros; each step compared with a byte-vector model.
//   read-only  (not writable) Write, Resize and Allocate fail and leave size
//              and bytes unchanged.
//   faults     with a FaultInjectingContents around the backend, injected
//              Write/Resize/Allocate failures return exactly the injected
//              errno and change nothing; a transient Read fault fails one
//              read only.
//   snapshot   the contents (and for writable backends a modified sparse
//              copy) put in a fresh Filesystem with AddFile survive
//              SaveSnapshot/LoadSnapshot through the global BackendRegistry:
//              same bytes and size through the host API and a Context, the
//              backend the options name, and re-saving gives the same bytes.
// Failures carry the label (INFO) and the section name.
//
// The function holds SECTIONs, so Catch runs the calling TEST_CASE once per
// section: the factory must build an equal, fresh instance every time.
#ifndef TESTS_SUPPORT_CONTENTS_CONFORMANCE_H_
#define TESTS_SUPPORT_CONTENTS_CONFORMANCE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "vfs/file_contents.h"

namespace vfs::testing {

// Builds a fresh instance holding `initial` (its size, for backends whose
// bytes the factory cannot choose; see ConformanceOptions::expected_bytes).
// Must not return null.
using ContentsFactory =
    std::function<std::unique_ptr<FileContents>(absl::Span<const uint8_t> initial)>;

struct ConformanceOptions {
  // What the backend claims in capabilities(); the kit checks the claim and
  // picks the write or read-only checks from it.
  bool writable = true;
  bool resizable = true;
  // For backends whose bytes are not the factory's to choose (generated
  // contents): the bytes a fresh instance of `size` bytes must hold,
  // computed independently of the backend. The factory still receives
  // `initial` of that size and should use only its size. Null: a fresh
  // instance must hold exactly `initial`.
  std::function<std::vector<uint8_t>(size_t size)> expected_bytes;
  // backend_name() of what a snapshot restores. Empty: the same backend as
  // the innermost of the original (decorators are unwrapped). When it
  // differs (a host file restores as memory) the kit does not require a
  // re-save to be byte-identical.
  std::string restored_backend;
  // Whether Clone() returns contents with the same capabilities. False for
  // backends that keep FileContents' default Clone, which copies the bytes
  // into a (writable) MemoryContents; the kit then checks only the bytes.
  bool clone_keeps_capabilities = true;
  // Initial sizes to run with.
  std::vector<size_t> sizes = {0, 1, 4097, 200000};
};

// Runs the checks above on instances made by `make`; `label` names the
// backend in section names and failure messages.
void CheckContentsConformance(const std::string& label, const ContentsFactory& make,
                              const ConformanceOptions& opts = {});

// The bytes the kit uses as initial contents: deterministic, never zero (so
// a zero read from a gap cannot be mistaken for data).
std::vector<uint8_t> ConformancePattern(size_t size, uint32_t seed = 1);

}  // namespace vfs::testing

#endif  // TESTS_SUPPORT_CONTENTS_CONFORMANCE_H_
