//===- CvmFuzzer.cpp - .cvm source -> parser and builder -> verified cv ---===//
//
// The input is a .cvm program. As for ONNX: a module that verifies, or at
// least one error, and nothing else. Weights are initialised (the default),
// so a program that declares huge layers is refused by the element limit
// before anything is allocated.
//
//===----------------------------------------------------------------------===//
#include "ScratchFile.h"

#include "cvc/dsl/Import.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = cvc::fuzz::writeScratch("fuzz.cvm", data, size);
  mlir::MLIRContext ctx(mlir::MLIRContext::Threading::DISABLED);
  int errors = 0;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    errors += d.getSeverity() == mlir::DiagnosticSeverity::Error;
    return mlir::success();
  });
  cvc::dsl::DslOptions options;
  // Small enough that initialising a fuzzed layer stays fast.
  options.maxElements = int64_t(1) << 20;
  mlir::OwningOpRef<mlir::ModuleOp> module = cvc::dsl::importCvmModel(path, ctx, options);
  if (!module && errors == 0)
    std::abort();
  if (module && mlir::failed(mlir::verify(*module)))
    std::abort();
  return 0;
}
