//===- GradientInterface.h - ops reverse-mode autodiff knows ----*- C++ -*-===//
#ifndef CVC_AUTODIFF_GRADIENTINTERFACE_H
#define CVC_AUTODIFF_GRADIENTINTERFACE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/SmallVector.h"

namespace cvc::autodiff {

/// Gradient of each operand (null where not wanted or not differentiable).
using OperandGradients = llvm::SmallVector<mlir::Value, 4>;

/// Attaches every family's GradientOpInterface model to the cv ops.
void registerGradientInterfaces(mlir::DialectRegistry &registry);

} // namespace cvc::autodiff

#include "cvc/autodiff/GradientInterface.h.inc"

#endif // CVC_AUTODIFF_GRADIENTINTERFACE_H
