//===- Import.h - ONNX model -> cv dialect ----------------------*- C++ -*-===//
#ifndef CVC_ONNX_IMPORT_H
#define CVC_ONNX_IMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>
#include <vector>

namespace cvc::onnx_frontend {

struct ImportOptions {
  /// --input-shape overrides: input name -> full shape (fixes symbolic dims).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// --constant-input: input name -> a .pb (TensorProto) or .npy file. The
  /// input becomes an initializer with that value: shapes, scales and masks
  /// a model takes as inputs but that are fixed where it is deployed.
  std::map<std::string, std::string> constantInputs;
  /// Go on after a problem to report every one in the model (`cvc check`):
  /// nodes that depend on a refused node are skipped, not reported again.
  bool reportAll = false;
};

/// Reads a binary .onnx (or textual ONNX when the path ends in .onnxtxt) and
/// builds a module holding one `func.func @main` of cv ops whose arguments and
/// results carry their ONNX names in a `cv.name` attribute.
///
/// Before building anything, every node is checked and every unsupported op
/// type is reported, one diagnostic each. Messages are self-contained:
/// "<file>: node '<name>' (<OpType>): <reason>". Returns null on failure.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxModel(llvm::StringRef path, mlir::MLIRContext &ctx,
                                                  const ImportOptions &options);

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_IMPORT_H
