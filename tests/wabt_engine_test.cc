// The wabt engine (wasi::NewWabtEngine) running modules written here in WAT
// and compiled with libwabt's text parser.
//
// - Signatures (reliability.md F9): each of the 46 preview1 imports declared
//   with a wrong signature in 4 ways is refused with FailedPrecondition
//   naming the import, and the host function is never entered.
// - Unknown imports, invalid bytes, a missing _start.
// - Exit statuses: proc_exit, a normal return, traps.
// - The instruction budget: infinite loops stop with ResourceExhausted, and
//   the instrumentation leaves a terminating program's behaviour unchanged.
// - A real WASI write to a host-attached stream.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/support/sandbox.h"
#include "wabt/binary-writer.h"
#include "wabt/error-formatter.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/stream.h"
#include "wabt/validator.h"
#include "wabt/wast-lexer.h"
#include "wabt/wast-parser.h"
#include "wasi/abi.h"
#include "wasi/engine.h"
#include "wasi/imports.h"

namespace vfs::wasi::testing {
namespace {

using ::vfs::testing::Sandbox;

// WAT text to a binary module; FAILs the test case on a parse or
// validation error (a bug in the test, not in the engine).
std::vector<uint8_t> Wat(std::string_view text) {
  wabt::Errors errors;
  std::unique_ptr<wabt::WastLexer> lexer =
      wabt::WastLexer::CreateBufferLexer("test.wat", text.data(), text.size(), &errors);
  wabt::Features features;
  wabt::WastParseOptions parse_options(features);
  std::unique_ptr<wabt::Module> module;
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options))) {
    FAIL("WAT parse error: " << wabt::FormatErrorsToString(errors, wabt::Location::Type::Text)
                             << "\n" << text);
  }
  wabt::ValidateOptions validate_options(features);
  if (wabt::Failed(wabt::ValidateModule(module.get(), &errors, validate_options))) {
    FAIL("WAT validation error: "
         << wabt::FormatErrorsToString(errors, wabt::Location::Type::Text) << "\n" << text);
  }
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), write_options))) {
    FAIL("could not write the binary module");
  }
  return stream.output_buffer().data;
}

std::string StatusText(const absl::Status& s) { return std::string(s.ToString()); }

// A Sandbox, a WasiAbi whose trace counts host calls, and the engine.
struct Runner {
  explicit Runner(AbiOptions options = {}) {
    options.trace = [this](const std::string& line) {
      ++calls;
      last_trace = line;
    };
    abi = std::make_unique<WasiAbi>(sb.ctx(), std::move(options));
  }
  absl::StatusOr<RunOutcome> Run(std::string_view wat, uint64_t budget = 0) {
    const std::vector<uint8_t> wasm = Wat(wat);
    return RunBytes(wasm, budget);
  }
  absl::StatusOr<RunOutcome> RunBytes(const std::vector<uint8_t>& wasm, uint64_t budget = 0) {
    RunOptions options;
    options.module_name = "test";
    options.instruction_budget = budget;
    return engine->Run(absl::MakeConstSpan(wasm), *abi, options);
  }

  Sandbox sb;
  std::unique_ptr<WasiAbi> abi;
  std::unique_ptr<Engine> engine = NewWabtEngine();
  int calls = 0;
  std::string last_trace;
};

const char* TypeName(ValType t) { return t == ValType::kI32 ? "i32" : "i64"; }

// A module that imports `name` with the given signature and whose _start
// calls it (so a binding that let it through would enter the host).
std::string ImportingModule(std::string_view name, const std::vector<ValType>& params,
                            std::optional<ValType> result) {
  std::string type;
  if (!params.empty()) {
    type += " (param";
    for (ValType p : params) type += std::string(" ") + TypeName(p);
    type += ")";
  }
  if (result) type += std::string(" (result ") + TypeName(*result) + ")";
  std::string call = "(call $f";
  for (ValType p : params) call += std::string(" (") + TypeName(p) + ".const 0)";
  call += ")";
  if (result) call = "(drop " + call + ")";
  return "(module\n"
         "  (import \"wasi_snapshot_preview1\" \"" + std::string(name) + "\" (func $f" + type +
         "))\n"
         "  (memory (export \"memory\") 1)\n"
         "  (func (export \"_start\") " + call + "))\n";
}

struct WrongSignature {
  std::string how;
  std::vector<ValType> params;
  std::optional<ValType> result;
};

// The 4 wrong signatures of an import.
std::vector<WrongSignature> WrongSignatures(const ImportSignature& sig) {
  const std::optional<ValType> right =
      sig.returns_errno ? std::optional<ValType>(ValType::kI32) : std::nullopt;
  std::vector<WrongSignature> out;
  if (!sig.params.empty()) {
    std::vector<ValType> fewer(sig.params.begin(), sig.params.end() - 1);
    out.push_back({"last parameter missing", fewer, right});
  } else {
    // sched_yield has no parameter to drop: drop its result instead.
    out.push_back({"result missing", {}, std::nullopt});
  }
  std::vector<ValType> more = sig.params;
  more.push_back(ValType::kI32);
  out.push_back({"extra i32 parameter", more, right});
  if (!sig.params.empty()) {
    std::vector<ValType> swapped = sig.params;
    swapped[0] = swapped[0] == ValType::kI32 ? ValType::kI64 : ValType::kI32;
    out.push_back({"first parameter i32<->i64", swapped, right});
  } else {
    out.push_back({"an i64 parameter", {ValType::kI64}, right});
  }
  out.push_back({sig.returns_errno ? "i64 result" : "i32 result", sig.params,
                 sig.returns_errno ? ValType::kI64 : ValType::kI32});
  return out;
}

// Watches everything written to the stream at fd 1.
struct Sink {
  std::string bytes;
  Stream::Sink fn() {
    return [this](absl::Span<const uint8_t> b) {
      bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
      return Errno::kSuccess;
    };
  }
};

constexpr std::string_view kFdWriteImport =
    "(import \"wasi_snapshot_preview1\" \"fd_write\" "
    "(func $fd_write (param i32 i32 i32 i32) (result i32)))";
constexpr std::string_view kProcExitImport =
    "(import \"wasi_snapshot_preview1\" \"proc_exit\" (func $proc_exit (param i32)))";

}  // namespace

// ---------------------------------------------------------------------------
// Signatures (F9)

TEST_CASE("The module builder's correct signatures link and run", "[engine]") {
  // The control for the wrong-signature cases: with the witx signature the
  // same module instantiates and its _start enters the host.
  size_t entered = 0;
  for (const ImportSignature& sig : ImportTable()) {
    if (sig.id == Import::kProcExit || sig.id == Import::kProcRaise) continue;  // end the run
    INFO(sig.name);
    Runner r;
    absl::StatusOr<RunOutcome> out = r.Run(ImportingModule(
        sig.name, sig.params,
        sig.returns_errno ? std::optional<ValType>(ValType::kI32) : std::nullopt));
    INFO(StatusText(out.status()));
    REQUIRE(out.ok());
    CHECK(r.calls == 1);
    entered += r.calls == 1;
  }
  CHECK(entered == kImportCount - 2);
}

TEST_CASE("Each preview1 import declared with a wrong signature is refused before the host is entered",
          "[engine]") {
  size_t cases = 0;
  for (const ImportSignature& sig : ImportTable()) {
    for (const WrongSignature& wrong : WrongSignatures(sig)) {
      INFO(sig.name << ": " << wrong.how);
      Runner r;
      const std::string wat = ImportingModule(sig.name, wrong.params, wrong.result);
      INFO(wat);
      absl::StatusOr<RunOutcome> out = r.Run(wat);
      INFO(StatusText(out.status()));
      CHECK(out.status().code() == absl::StatusCode::kFailedPrecondition);
      CHECK(std::string(out.status().message())
                .find("wasi_snapshot_preview1." + std::string(sig.name)) != std::string::npos);
      CHECK(r.calls == 0);
      ++cases;
    }
  }
  CHECK(cases == 4 * kImportCount);
  WARN("F9 signatures: " << cases << " wrong-signature cases (" << kImportCount
                         << " imports x 4)");
}

TEST_CASE("An import from another module is refused, naming it", "[engine]") {
  Runner r;
  absl::StatusOr<RunOutcome> out = r.Run(R"(
    (module
      (import "env" "helper" (func $h))
      (memory (export "memory") 1)
      (func (export "_start") (call $h)))
  )");
  CHECK(out.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(out.status().message()).find("env.helper") != std::string::npos);
  CHECK(r.calls == 0);
}

TEST_CASE("An unknown wasi_snapshot_preview1 function is refused, naming it", "[engine]") {
  Runner r;
  absl::StatusOr<RunOutcome> out = r.Run(R"(
    (module
      (import "wasi_snapshot_preview1" "fd_frobnicate" (func $f (param i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start") (drop (call $f (i32.const 1)))))
  )");
  CHECK(out.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(out.status().message()).find("wasi_snapshot_preview1.fd_frobnicate") !=
        std::string::npos);
  CHECK(r.calls == 0);
}

TEST_CASE("A preview1 name imported as a global instead of a function is refused", "[engine]") {
  Runner r;
  absl::StatusOr<RunOutcome> out = r.Run(R"(
    (module
      (import "wasi_snapshot_preview1" "fd_write" (global i32))
      (memory (export "memory") 1)
      (func (export "_start")))
  )");
  CHECK(out.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(out.status().message()).find("wasi_snapshot_preview1.fd_write") !=
        std::string::npos);
}

// ---------------------------------------------------------------------------
// Loading

TEST_CASE("Bytes that are not a wasm module are InvalidArgument, with or without a budget",
          "[engine]") {
  const std::vector<std::vector<uint8_t>> bad = {
      {},
      {'n', 'o', 't', ' ', 'w', 'a', 's', 'm'},
      {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00},  // wrong version
      {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01},  // truncated
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    for (uint64_t budget : {uint64_t{0}, uint64_t{1000}}) {
      INFO("input " << i << ", budget " << budget);
      Runner r;
      absl::StatusOr<RunOutcome> out = r.RunBytes(bad[i], budget);
      INFO(StatusText(out.status()));
      CHECK(out.status().code() == absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST_CASE("A module without _start is NotFound", "[engine]") {
  Runner r;
  absl::StatusOr<RunOutcome> out = r.Run(R"(
    (module
      (memory (export "memory") 1)
      (func (export "main")))
  )");
  CHECK(out.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("An exported _start whose type is not () -> () is refused, not called", "[engine]") {
  // Calling it with no arguments would hand the interpreter fewer values
  // than its type says.
  const std::vector<std::string> modules = {
      R"((module
           (memory (export "memory") 1)
           (func (export "_start") (param i32 i64) (drop (local.get 0)) (drop (local.get 1)))))",
      R"((module
           (memory (export "memory") 1)
           (func (export "_start") (result i32) (i32.const 7))))",
  };
  for (const std::string& wat : modules) {
    INFO(wat);
    Runner r;
    absl::StatusOr<RunOutcome> out = r.Run(wat);
    INFO(StatusText(out.status()));
    CHECK_FALSE(out.ok());
    CHECK(std::string(out.status().message()).find("_start") != std::string::npos);
  }
}

TEST_CASE("_start calling proc_exit(3) exits with status 3", "[engine]") {
  Runner r;
  absl::StatusOr<RunOutcome> out = r.Run(std::string(R"(
    (module )") + std::string(kProcExitImport) + R"(
      (memory (export "memory") 1)
      (func (export "_start") (call $proc_exit (i32.const 3)) unreachable))
  )");
  INFO(StatusText(out.status()));
  REQUIRE(out.ok());
  CHECK(out->exit_status == 3);
  CHECK_FALSE(out->trapped);
  CHECK(r.calls == 1);
}

TEST_CASE("_start returning normally exits with status 0", "[engine]") {
  Runner r;
  absl::StatusOr<RunOutcome> out = r.Run(R"(
    (module
      (memory (export "memory") 1)
      (func (export "_start") (drop (i32.add (i32.const 1) (i32.const 2)))))
  )");
  INFO(StatusText(out.status()));
  REQUIRE(out.ok());
  CHECK(out->exit_status == 0);
  CHECK_FALSE(out->trapped);
  CHECK(out->trap_message.empty());
}

TEST_CASE("_start executing unreachable traps with status 134 and a message", "[engine]") {
  for (uint64_t budget : {uint64_t{0}, uint64_t{1'000'000}}) {
    INFO("budget " << budget);  // under a budget a real trap is still a trap
    Runner r;
    absl::StatusOr<RunOutcome> out = r.Run(R"(
      (module
        (memory (export "memory") 1)
        (func (export "_start") unreachable))
    )",
                                           budget);
    INFO(StatusText(out.status()));
    REQUIRE(out.ok());
    CHECK(out->trapped);
    CHECK(out->exit_status == kTrapExitStatus);
    CHECK(out->exit_status == 134);
    CHECK_FALSE(out->trap_message.empty());
  }
}

TEST_CASE("fd_write with an out-of-bounds iovec pointer traps the guest with status 134",
          "[engine]") {
  Runner r;
  Sink sink;
  REQUIRE(r.sb.ctx().AttachStream(1, StreamEnd::kWrite, sink.fn()).ok());
  absl::StatusOr<RunOutcome> out = r.Run(std::string(R"(
    (module )") + std::string(kFdWriteImport) + R"(
      (memory (export "memory") 1)
      (data (i32.const 0) "\00\00\ff\ff\03\00\00\00")  ;; iovec {0xFFFF0000, 3}
      (func (export "_start")
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
        ;; not reached: the call traps
        (drop (call $fd_write (i32.const 1) (i32.const 0xFFFFFFF0) (i32.const 1) (i32.const 16)))))
  )");
  INFO(StatusText(out.status()));
  REQUIRE(out.ok());
  CHECK(out->trapped);
  CHECK(out->exit_status == 134);
  CHECK_FALSE(out->trap_message.empty());
  CHECK(sink.bytes.empty());
  CHECK(r.calls == 1);
}

TEST_CASE("fd_write with an iovec array pointer past memory traps the guest", "[engine]") {
  Runner r;
  Sink sink;
  REQUIRE(r.sb.ctx().AttachStream(1, StreamEnd::kWrite, sink.fn()).ok());
  absl::StatusOr<RunOutcome> out = r.Run(std::string(R"(
    (module )") + std::string(kFdWriteImport) + R"(
      (memory (export "memory") 1)
      (func (export "_start")
        (drop (call $fd_write (i32.const 1) (i32.const 0xFFFFFFF0) (i32.const 1) (i32.const 16)))))
  )");
  INFO(StatusText(out.status()));
  REQUIRE(out.ok());
  CHECK(out->trapped);
  CHECK(out->exit_status == 134);
  CHECK(sink.bytes.empty());
}

// ---------------------------------------------------------------------------
// The instruction budget

TEST_CASE("An infinite (loop br 0) stops with ResourceExhausted within the budget", "[engine]") {
  Runner r;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<RunOutcome> out = r.Run(R"(
    (module
      (memory (export "memory") 1)
      (func (export "_start") (loop $l (br $l))))
  )",
                                         1'000'000);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(StatusText(out.status()));
  CHECK(out.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(seconds < 10.0);
  WARN("F9 budget: (loop br 0) with budget 1e6 stopped in " << seconds << " s");
}

TEST_CASE("A guest looping on fd_write stops with ResourceExhausted within the budget",
          "[engine]") {
  Runner r;
  size_t written = 0;
  REQUIRE(r.sb.ctx()
              .AttachStream(1, StreamEnd::kWrite,
                            [&written](absl::Span<const uint8_t> b) {
                              written += b.size();
                              return Errno::kSuccess;
                            })
              .ok());
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<RunOutcome> out = r.Run(std::string(R"(
    (module )") + std::string(kFdWriteImport) + R"(
      (memory (export "memory") 1)
      (data (i32.const 0) "\08\00\00\00\01\00\00\00")  ;; iovec {8, 1}
      (data (i32.const 8) "x")
      (func (export "_start")
        (loop $l
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
          (br $l))))
  )",
                                         100'000);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(StatusText(out.status()));
  CHECK(out.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(written > 0);
  CHECK(written <= 100'000);
  CHECK(static_cast<size_t>(r.calls) == written);
  CHECK(seconds < 10.0);
  WARN("F9 budget: fd_write loop with budget 1e5 wrote " << written << " bytes, stopped in "
                                                          << seconds << " s");
}

TEST_CASE("A guest that traps on its own after using exactly its budget is a trap, not exhaustion",
          "[engine]") {
  // Budget 1 pays for entering _start; the guest then executes unreachable.
  // It was never stopped by the budget.
  Runner r;
  absl::StatusOr<RunOutcome> out = r.Run(R"(
    (module
      (memory (export "memory") 1)
      (func (export "_start") unreachable))
  )",
                                         1);
  INFO(StatusText(out.status()));
  REQUIRE(out.ok());
  CHECK(out->trapped);
  CHECK(out->exit_status == 134);
}

namespace {
// Sums 1..100 through a helper function, counts the odd numbers with an
// if inside the loop, and exits with (sum % 97) + odd = 6 + 50.
constexpr std::string_view kSumProgram = R"(
  (module
    (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
    (memory (export "memory") 1)
    (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "_start") (local $i i32) (local $sum i32) (local $odd i32)
      (block $done
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $sum (call $add (local.get $sum) (local.get $i)))
          (if (i32.and (local.get $i) (i32.const 1))
            (then (local.set $odd (i32.add (local.get $odd) (i32.const 1)))))
          (br_if $done (i32.ge_u (local.get $i) (i32.const 100)))
          (br $l)))
      (call $proc_exit (i32.add (i32.rem_u (local.get $sum) (i32.const 97)) (local.get $odd)))))
)";
}  // namespace

TEST_CASE("A terminating program behaves the same with a large enough budget as without one",
          "[engine]") {
  for (uint64_t budget : {uint64_t{0}, uint64_t{1'000'000}, uint64_t{1000}}) {
    INFO("budget " << budget);
    Runner r;
    absl::StatusOr<RunOutcome> out = r.Run(kSumProgram, budget);
    INFO(StatusText(out.status()));
    REQUIRE(out.ok());
    CHECK_FALSE(out->trapped);
    CHECK(out->exit_status == 56);
  }
}

TEST_CASE("The same program with too small a budget is ResourceExhausted", "[engine]") {
  Runner r;
  absl::StatusOr<RunOutcome> out = r.Run(kSumProgram, 50);
  INFO(StatusText(out.status()));
  CHECK(out.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(r.calls == 0);  // proc_exit never reached
}

// ---------------------------------------------------------------------------
// A real WASI write

TEST_CASE("_start writing hi via fd_write to fd 1 reaches the host sink", "[engine]") {
  Runner r;
  Sink sink;
  REQUIRE(r.sb.ctx().AttachStream(1, StreamEnd::kWrite, sink.fn()).ok());
  absl::StatusOr<RunOutcome> out = r.Run(std::string(R"(
    (module )") + std::string(kFdWriteImport) + std::string(kProcExitImport) + R"(
      (memory (export "memory") 1)
      (data (i32.const 0) "\10\00\00\00\03\00\00\00")  ;; iovec {16, 3}
      (data (i32.const 16) "hi\n")
      (func (export "_start")
        (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32))
          (then (call $proc_exit (i32.const 100))))
        ;; exit with nwritten
        (call $proc_exit (i32.load (i32.const 32)))))
  )");
  INFO(StatusText(out.status()));
  REQUIRE(out.ok());
  CHECK_FALSE(out->trapped);
  CHECK(out->exit_status == 3);
  CHECK(sink.bytes == "hi\n");
  CHECK(r.calls == 2);
}

}  // namespace vfs::wasi::testing
