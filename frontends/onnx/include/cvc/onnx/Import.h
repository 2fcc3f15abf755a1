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

namespace onnx {
class ModelProto;
}

namespace cvc::onnx_frontend {

/// Bounds on what an untrusted model may ask for, checked before anything
/// is allocated or handed to ONNX's checker.
struct ImportLimits {
  /// Elements of any one tensor, declared, inferred or folded (--max-elements).
  /// 2^31 float32 values are 8 GiB: above any CNN's largest tensor.
  int64_t maxElements = int64_t(1) << 31;
  /// Nodes in the model, subgraphs included.
  int64_t maxNodes = int64_t(1) << 20;
  /// Subgraphs (If branches) inside subgraphs.
  int maxSubgraphDepth = 16;
};

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
  ImportLimits limits;
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

/// The same for a model already parsed (the fuzzing entry); `path` names it
/// in messages and its folder holds any external data.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxModel(onnx::ModelProto &model, llvm::StringRef path,
                                                  mlir::MLIRContext &ctx,
                                                  const ImportOptions &options);

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_IMPORT_H
