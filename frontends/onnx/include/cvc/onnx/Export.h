//===- Export.h - cv dialect -> ONNX model ----------------------*- C++ -*-===//
#ifndef CVC_ONNX_EXPORT_H
#define CVC_ONNX_EXPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

namespace cvc::onnx_frontend {

/// Writes the module's `@main` as an ONNX model (opset 13) at `path`,
/// atomically: inputs and outputs keep their `cv.name`, weights become
/// initialisers named after their constants (a .cvm model's layer names:
/// `layer1.0.conv1.weight`), nodes are named after their ops' location names,
/// and a dynamic batch becomes the symbolic dimension "N". The model passes
/// ONNX's checker before it is written. The module must hold cv ops as the
/// frontends build them: ops that only the optimisation passes create (fused
/// epilogues, blocked layouts, matmul) are refused, naming the op.
mlir::LogicalResult exportOnnxModel(mlir::ModuleOp module, llvm::StringRef path);

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_EXPORT_H
