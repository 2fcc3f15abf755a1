//===- ImportOracle.h - what a frontend owes any input ----------*- C++ -*-===//
//
// The ONNX and .cvm fuzz targets share one oracle: in a fresh context, an
// import either builds a module that verifies or reports at least one
// error. Refusing without a word, or accepting into IR that does not
// verify, is a finding: the target aborts so that libFuzzer keeps the input.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_FUZZ_IMPORTORACLE_H
#define CVC_FUZZ_IMPORTORACLE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/IR/Verifier.h"

#include <cstdlib>

namespace cvc::fuzz {

/// Calls `import(ctx)`, which returns an OwningOpRef<ModuleOp>, and checks it.
template <typename Import> void checkImport(Import import) {
  mlir::MLIRContext ctx(mlir::MLIRContext::Threading::DISABLED);
  int errors = 0;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    errors += d.getSeverity() == mlir::DiagnosticSeverity::Error;
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module = import(ctx);
  if (!module && errors == 0)
    std::abort(); // refused without saying why
  if (module && mlir::failed(mlir::verify(*module)))
    std::abort(); // accepted into IR that does not verify
}

} // namespace cvc::fuzz

#endif // CVC_FUZZ_IMPORTORACLE_H
