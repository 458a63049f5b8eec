// The wabt interpreter binding. Loads a module with libwabt, checks every
// wasi_snapshot_preview1 import against wasi/imports.h before binding it,
// and forwards each call to WasiAbi with a GuestMemory over the instance's
// exported "memory".
//
// The instruction budget: wabt's public API offers no way to bound a run, so
// the module is instrumented before it is loaded. A mutable i64 global (the
// fuel) is added; every function entry and every loop iteration decrements
// it; at zero it sets a second global (the out-of-fuel flag) and executes
// `unreachable`. After a trap that flag tells a budget stop from a guest's
// own trap.
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/binary-writer.h"
#include "wabt/error-formatter.h"
#include "wabt/interp/binary-reader-interp.h"
#include "wabt/interp/interp.h"
#include "wabt/ir.h"
#include "wabt/stream.h"
#include "wasi/engine.h"

namespace vfs::wasi {
namespace {

namespace interp = wabt::interp;

constexpr const char* kFuelExport = "__vfs_fuel";
// Set to 1 by the fuel check just before it traps, so a stop by the budget
// is told apart from a guest's own trap even when the fuel is exactly used.
constexpr const char* kOutOfFuelExport = "__vfs_out_of_fuel";

std::string FormatErrors(const wabt::Errors& errors) {
  return wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
}

// The two globals the instrumentation adds.
struct FuelGlobals {
  wabt::Index fuel;
  wabt::Index out_of_fuel;
};

// Prepends the fuel check to `list`.
void PrependFuelCheck(wabt::ExprList& list, FuelGlobals g) {
  const wabt::Index fuel = g.fuel;
  wabt::ExprList check;
  check.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(fuel, wabt::Location())));
  check.push_back(std::make_unique<wabt::ConvertExpr>(wabt::Opcode::I64Eqz));
  auto if_empty = std::make_unique<wabt::IfExpr>();
  if_empty->true_.exprs.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I32(1)));
  if_empty->true_.exprs.push_back(
      std::make_unique<wabt::GlobalSetExpr>(wabt::Var(g.out_of_fuel, wabt::Location())));
  if_empty->true_.exprs.push_back(std::make_unique<wabt::UnreachableExpr>());
  check.push_back(std::move(if_empty));
  check.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(fuel, wabt::Location())));
  check.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(1)));
  check.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Sub));
  check.push_back(std::make_unique<wabt::GlobalSetExpr>(wabt::Var(fuel, wabt::Location())));
  list.splice(list.begin(), check);
}

// Adds the fuel check at the start of every loop body inside `body`.
// Iterative, so deeply nested code cannot exhaust the host stack; loop
// bodies are collected first and instrumented after the walk, so the walk
// never visits the checks it adds.
void InstrumentLoops(wabt::ExprList& body, FuelGlobals fuel) {
  std::vector<wabt::ExprList*> loops;
  std::vector<wabt::ExprList*> work = {&body};
  while (!work.empty()) {
    wabt::ExprList* list = work.back();
    work.pop_back();
    for (wabt::Expr& e : *list) {
      switch (e.type()) {
        case wabt::ExprType::Loop: {
          wabt::ExprList* inner = &static_cast<wabt::LoopExpr&>(e).block.exprs;
          loops.push_back(inner);
          work.push_back(inner);
          break;
        }
        case wabt::ExprType::Block:
          work.push_back(&static_cast<wabt::BlockExpr&>(e).block.exprs);
          break;
        case wabt::ExprType::If:
          work.push_back(&static_cast<wabt::IfExpr&>(e).true_.exprs);
          work.push_back(&static_cast<wabt::IfExpr&>(e).false_);
          break;
        case wabt::ExprType::Try: {
          auto& t = static_cast<wabt::TryExpr&>(e);
          work.push_back(&t.block.exprs);
          for (wabt::Catch& c : t.catches) work.push_back(&c.exprs);
          break;
        }
        default:
          break;
      }
    }
  }
  for (wabt::ExprList* l : loops) PrependFuelCheck(*l, fuel);
}

absl::StatusOr<std::vector<uint8_t>> Instrument(absl::Span<const uint8_t> wasm,
                                                uint64_t budget,
                                                const std::string& name) {
  wabt::Features features;
  wabt::ReadBinaryOptions options(features, nullptr, false, true, false);
  wabt::Errors errors;
  wabt::Module module;
  if (wabt::Failed(wabt::ReadBinaryIr(name.c_str(), wasm.data(), wasm.size(),
                                      options, &errors, &module))) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": not a valid wasm module: ", FormatErrors(errors)));
  }
  auto global = std::make_unique<wabt::GlobalModuleField>();
  global->global.type = wabt::Type::I64;
  global->global.mutable_ = true;
  global->global.init_expr.push_back(
      std::make_unique<wabt::ConstExpr>(wabt::Const::I64(budget)));
  module.AppendField(std::move(global));
  auto flag = std::make_unique<wabt::GlobalModuleField>();
  flag->global.type = wabt::Type::I32;
  flag->global.mutable_ = true;
  flag->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I32(0)));
  module.AppendField(std::move(flag));
  FuelGlobals fuel;
  fuel.fuel = static_cast<wabt::Index>(module.globals.size() - 2);
  fuel.out_of_fuel = static_cast<wabt::Index>(module.globals.size() - 1);
  for (auto [export_name, index] : {std::pair<const char*, wabt::Index>{kFuelExport, fuel.fuel},
                             {kOutOfFuelExport, fuel.out_of_fuel}}) {
    auto exported = std::make_unique<wabt::ExportModuleField>();
    exported->export_.name = export_name;
    exported->export_.kind = wabt::ExternalKind::Global;
    exported->export_.var = wabt::Var(index, wabt::Location());
    module.AppendField(std::move(exported));
  }
  for (wabt::Index i = module.num_func_imports; i < module.funcs.size(); ++i) {
    wabt::Func* f = module.funcs[i];
    InstrumentLoops(f->exprs, fuel);
    PrependFuelCheck(f->exprs, fuel);
  }
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options;
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, &module, write_options))) {
    return absl::InternalError(absl::StrCat(name, ": could not instrument"));
  }
  return std::move(stream.output_buffer().data);
}

interp::ValueType ToWabt(ValType t) {
  return t == ValType::kI32 ? interp::ValueType::I32 : interp::ValueType::I64;
}

// Shared between the host functions and the run: filled in after
// instantiation, read by every call.
struct CallState {
  WasiAbi* abi = nullptr;
  interp::Memory::Ptr memory;
  bool exited = false;
  uint32_t exit_code = 0;
};

class WabtEngine final : public Engine {
 public:
  absl::StatusOr<RunOutcome> Run(absl::Span<const uint8_t> wasm, WasiAbi& abi,
                                 const RunOptions& options) override {
    std::vector<uint8_t> instrumented;
    if (options.instruction_budget > 0) {
      absl::StatusOr<std::vector<uint8_t>> bytes =
          Instrument(wasm, options.instruction_budget, options.module_name);
      if (!bytes.ok()) return bytes.status();
      instrumented = std::move(*bytes);
      wasm = absl::MakeConstSpan(instrumented);
    }
    wabt::Features features;
    interp::Store store(features);
    wabt::Errors errors;
    interp::ModuleDesc desc;
    wabt::ReadBinaryOptions read_options(features, nullptr, false, true, false);
    if (wabt::Failed(interp::ReadBinaryInterp(options.module_name, wasm.data(),
                                              wasm.size(), read_options,
                                              &errors, &desc))) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.module_name, ": not a valid wasm module: ", FormatErrors(errors)));
    }
    interp::Module::Ptr module = interp::Module::New(store, desc);
    auto state = std::make_shared<CallState>();
    state->abi = &abi;

    interp::RefVec imports;
    for (const interp::ImportType& import : module->import_types()) {
      const std::string where = absl::StrCat("import ", import.module, ".", import.name);
      if (import.module != kModuleName) {
        return absl::FailedPreconditionError(
            absl::StrCat(options.module_name, ": ", where, " is not provided"));
      }
      const ImportSignature* sig = FindImport(import.name);
      if (sig == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            options.module_name, ": ", where, " is not a preview1 function"));
      }
      const auto* type = wabt::dyn_cast<interp::FuncType>(import.type.get());
      interp::ValueTypes params, results;
      for (ValType v : sig->params) params.push_back(ToWabt(v));
      if (sig->returns_errno) results.push_back(interp::ValueType::I32);
      if (type == nullptr || type->params != params || type->results != results) {
        std::string actual = "not a function";
        if (type != nullptr) {
          actual = "(";
          for (size_t i = 0; i < type->params.size(); ++i) {
            absl::StrAppend(&actual, i ? ", " : "", type->params[i].GetName());
          }
          absl::StrAppend(&actual, ") -> ");
          if (type->results.empty()) absl::StrAppend(&actual, "()");
          for (size_t i = 0; i < type->results.size(); ++i) {
            absl::StrAppend(&actual, i ? ", " : "", type->results[i].GetName());
          }
        }
        return absl::FailedPreconditionError(absl::StrCat(
            options.module_name, ": ", where, " has signature ", actual,
            "; preview1 requires ", FormatSignature(sig->params, sig->returns_errno)));
      }
      const Import id = sig->id;
      const size_t arity = sig->params.size();
      const std::vector<ValType> kinds = sig->params;
      auto func = interp::HostFunc::New(
          store, interp::FuncType(params, results),
          [state, id, arity, kinds](interp::Thread& thread,
                                    const interp::Values& args,
                                    interp::Values& out,
                                    interp::Trap::Ptr* trap) -> wabt::Result {
            uint64_t raw[9] = {};
            for (size_t i = 0; i < arity; ++i) {
              raw[i] = kinds[i] == ValType::kI32 ? args[i].Get<uint32_t>()
                                                 : args[i].Get<uint64_t>();
            }
            GuestMemory memory;
            if (state->memory) {
              memory = GuestMemory(state->memory->UnsafeData(),
                                   state->memory->ByteSize());
            }
            Outcome o = state->abi->Call(id, absl::MakeConstSpan(raw, arity), memory);
            switch (o.kind) {
              case Outcome::kReturn:
                out[0] = interp::Value::Make(o.value);
                return wabt::Result::Ok;
              case Outcome::kExit:
                state->exited = true;
                state->exit_code = o.value;
                *trap = interp::Trap::New(thread.store(), "proc_exit");
                return wabt::Result::Error;
              case Outcome::kTrap:
                *trap = interp::Trap::New(thread.store(), o.message);
                return wabt::Result::Error;
            }
            return wabt::Result::Error;
          });
      imports.push_back(func.ref());
    }

    interp::Trap::Ptr trap;
    interp::Instance::Ptr instance =
        interp::Instance::Instantiate(store, module.ref(), imports, &trap);
    RunOutcome outcome;
    if (!instance) {
      outcome.trapped = true;
      outcome.exit_status = kTrapExitStatus;
      outcome.trap_message = trap ? trap->message() : "instantiation failed";
      return outcome;
    }
    interp::Func::Ptr start;
    interp::Global::Ptr out_of_fuel;
    const auto& export_types = module->export_types();
    for (size_t i = 0; i < export_types.size(); ++i) {
      const std::string& name = export_types[i].name;
      interp::Ref ref = instance->exports()[i];
      if (name == "memory" && store.Is<interp::Memory>(ref)) {
        state->memory = store.UnsafeGet<interp::Memory>(ref);
      } else if (name == "_start" && store.Is<interp::Func>(ref)) {
        start = store.UnsafeGet<interp::Func>(ref);
      } else if (name == kOutOfFuelExport && store.Is<interp::Global>(ref)) {
        out_of_fuel = store.UnsafeGet<interp::Global>(ref);
      }
    }
    if (!start) {
      return absl::NotFoundError(
          absl::StrCat(options.module_name, ": no exported _start function"));
    }
    // _start must be () -> (): calling it with any other type would hand the
    // interpreter the wrong number of values.
    if (!start->type().params.empty() || !start->type().results.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          options.module_name, ": _start must have type () -> ()"));
    }
    interp::Values results;
    interp::Thread thread(store);
    if (wabt::Succeeded(start->Call(thread, {}, results, &trap))) return outcome;
    if (state->exited) {
      outcome.exit_status = static_cast<int>(state->exit_code);
      return outcome;
    }
    if (out_of_fuel && out_of_fuel->Get().Get<uint32_t>() == 1) {
      return absl::ResourceExhaustedError(absl::StrCat(
          options.module_name, ": instruction budget of ",
          options.instruction_budget, " exhausted"));
    }
    outcome.trapped = true;
    outcome.exit_status = kTrapExitStatus;
    outcome.trap_message = trap ? trap->message() : "trap";
    return outcome;
  }
};

}  // namespace

std::unique_ptr<Engine> NewWabtEngine() { return std::make_unique<WabtEngine>(); }

}  // namespace vfs::wasi
