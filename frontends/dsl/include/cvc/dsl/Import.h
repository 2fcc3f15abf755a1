//===- Import.h - .cvm architecture language -> cv dialect ------*- C++ -*-===//
#ifndef CVC_DSL_IMPORT_H
#define CVC_DSL_IMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cvc::dsl {

/// How weights not loaded from a file are initialised.
enum class WeightInit {
  Auto,   ///< He for a network with a ReLU anywhere, Xavier otherwise
  He,     ///< normal, std sqrt(2 / fan_in)
  Xavier, ///< normal, std sqrt(2 / (fan_in + fan_out))
};

struct DslOptions {
  /// --input-shape overrides: input name -> full shape (fixes the batch).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  WeightInit init = WeightInit::Auto;
  uint64_t seed = 0;
  /// An ONNX file whose initialisers, matched by layer name
  /// (`<layer>.weight`, `.bias`, `.running_mean`, `.running_var`), replace
  /// the initialised weights; every weight must be found, with its shape.
  std::string weightsPath;
  /// The most elements of any one tensor (a weight to initialise, an
  /// activation to plan): bounds what an untrusted program can ask for.
  int64_t maxElements = int64_t(1) << 31;
};

/// Reads a .cvm model (and the files it imports) and builds a module holding
/// one `func.func @main` of cv ops, as the ONNX frontend does: arguments and
/// results carry `cv.name`, auxiliary outputs `cv.aux_loss_weight`, weights
/// are dense_resource constants named `<layer>.<tensor>`, and each op's
/// location is its layer name at the file position that made it. Errors
/// point at file:line:column with the offending text; returns null then.
mlir::OwningOpRef<mlir::ModuleOp> importCvmModel(llvm::StringRef path, mlir::MLIRContext &ctx,
                                                 const DslOptions &options);

} // namespace cvc::dsl

#endif // CVC_DSL_IMPORT_H
