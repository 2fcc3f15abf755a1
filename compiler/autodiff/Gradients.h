//===- Gradients.h - vector-Jacobian product rules --------------*- C++ -*-===//
//
// One rule per op family, each in the file of its family. A rule receives
// the gradient of the op's result and emits cv ops computing the gradient of
// each operand that needs one (`wanted`), at the builder's insertion point.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_AUTODIFF_GRADIENTS_H
#define CVC_AUTODIFF_GRADIENTS_H

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"

namespace cvc::autodiff {

/// Gradient of each operand (null where not wanted or not differentiable).
using OperandGradients = llvm::SmallVector<mlir::Value, 4>;

/// Emits the gradients of `op`'s operands given its result's gradient.
/// Fails, with an error at the op, when the op has no rule.
mlir::LogicalResult emitGradients(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value resultGrad,
                                  llvm::ArrayRef<bool> wanted, OperandGradients &grads);

// Rules by family (each returns failure only after emitting an error).
mlir::LogicalResult layerGradients(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value dy,
                                   llvm::ArrayRef<bool> wanted, OperandGradients &grads);
mlir::LogicalResult poolGradients(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value dy,
                                  llvm::ArrayRef<bool> wanted, OperandGradients &grads);
mlir::LogicalResult elementwiseGradients(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value dy,
                                         llvm::ArrayRef<bool> wanted, OperandGradients &grads);
mlir::LogicalResult shapeGradients(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value dy,
                                   llvm::ArrayRef<bool> wanted, OperandGradients &grads);

// Small builders shared by the rules.

mlir::RankedTensorType tensorType(mlir::Value v);
/// A [1] (or `shape`) constant filled with `value`.
mlir::Value splat(mlir::OpBuilder &b, mlir::Location loc, float value,
                  llvm::ArrayRef<int64_t> shape = {1});
mlir::Value reshape(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                    llvm::ArrayRef<int64_t> shape);
/// Sums `grad` (of a broadcast result) down to `type`: the gradient of an
/// operand that numpy broadcasting expanded.
mlir::Value sumToType(mlir::OpBuilder &b, mlir::Location loc, mlir::Value grad,
                      mlir::RankedTensorType type);
/// Sum over `axes`, keeping them as extent 1.
mlir::Value reduceSum(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      llvm::ArrayRef<int64_t> axes);

} // namespace cvc::autodiff

#endif // CVC_AUTODIFF_GRADIENTS_H
