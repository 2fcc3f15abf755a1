//===- Driver.h - the pipeline that `cvc` runs ------------------*- C++ -*-===//
//
// parse -> passes -> lower to Halide -> AOT compile -> link. Each stage reads
// only the previous stage's product; errors are reported through the MLIR
// context's diagnostics and end the run with failure(), leaving no output.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DRIVER_DRIVER_H
#define CVC_DRIVER_DRIVER_H

#include "cvc/driver/Options.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/LogicalResult.h"

namespace cvc::driver {

/// Registers every dialect cvc reads or writes.
void registerDialects(mlir::DialectRegistry &registry);

/// Reads a model by its extension: .onnx / .onnxtxt (ONNX frontend), .cvm
/// (architecture language) or .mlir.
mlir::OwningOpRef<mlir::ModuleOp> loadModel(mlir::MLIRContext &ctx,
                                            const CompileOptions &options);

/// Resolves the target (`options.target`, else the module's own cv.target,
/// else this machine) once and attaches it to the module as cv.target,
/// where passes and the code generator read it.
mlir::LogicalResult attachTarget(mlir::ModuleOp module, const CompileOptions &options);

/// Names accepted by --enable-pass / --disable-pass, in pipeline order.
std::vector<std::string> optionalPassNames();

/// Adds the optimisation pipeline for `options.optLevel` and the checks that
/// guard lowering. The module's cv.target must be attached (a tuning
/// database is looked up for it).
void buildPassPipeline(mlir::PassManager &pm, const CompileOptions &options,
                       mlir::ModuleOp module = {});

/// Lowers the modules' entry points to Halide kernels, compiles them and
/// links the model.so at `options.outputPath` atomically: one module, or
/// one per shape variant (their kernels and weights in common stored once).
mlir::LogicalResult emitSharedLibrary(llvm::ArrayRef<mlir::ModuleOp> variants,
                                      const CompileOptions &options);

/// Runs the whole pipeline for one invocation of `cvc`.
mlir::LogicalResult compile(mlir::MLIRContext &ctx, const CompileOptions &options);

} // namespace cvc::driver

#endif // CVC_DRIVER_DRIVER_H
