//===- Gradients.h - vector-Jacobian product rules --------------*- C++ -*-===//
//
// One file per op family, each attaching its rules to its ops as their
// GradientOpInterface. A rule receives the gradient of the op's result and
// emits cv ops computing the gradient of each operand that needs one
// (`wanted`), at the builder's insertion point.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_AUTODIFF_GRADIENTS_H
#define CVC_AUTODIFF_GRADIENTS_H

#include "cvc/autodiff/GradientInterface.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"

#include <type_traits>

namespace cvc::autodiff {

/// Emits the gradients of `op`'s operands given its result's gradient.
/// Fails, with an error at the op, when the op has no rule.
mlir::LogicalResult emitGradients(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value resultGrad,
                                  llvm::ArrayRef<bool> wanted, OperandGradients &grads);

//===----------------------------------------------------------------------===//
// Attaching a family's rules to its ops
//===----------------------------------------------------------------------===//

namespace detail {
template <typename Fn> struct RuleOpOf;
template <typename R, typename A, typename... Rest> struct RuleOpOf<R (*)(A, Rest...)> {
  using type = A;
};
} // namespace detail

/// The interface model of `OpT` from a rule taking the op (typed, or as
/// Operation *) first, then the builder, dy, wanted and grads.
template <typename OpT, auto Rule>
struct GradientRuleModel
    : GradientOpInterface::ExternalModel<GradientRuleModel<OpT, Rule>, OpT> {
  mlir::LogicalResult emitGradients(mlir::Operation *op, mlir::OpBuilder &b, mlir::Value dy,
                                    llvm::ArrayRef<bool> wanted,
                                    OperandGradients &grads) const {
    using Arg = typename detail::RuleOpOf<decltype(Rule)>::type;
    if constexpr (std::is_same_v<Arg, mlir::Operation *>)
      return Rule(op, b, dy, wanted, grads);
    else
      return Rule(llvm::cast<Arg>(op), b, dy, wanted, grads);
  }
};

/// Attaches `Rule` to each of `Ops`.
template <auto Rule, typename... Ops> void attachGradients(mlir::MLIRContext &context) {
  (Ops::template attachInterface<GradientRuleModel<Ops, Rule>>(context), ...);
}

/// Runs `attach` when the cv dialect is loaded into a context.
void addGradientExtension(mlir::DialectRegistry &registry, void (*attach)(mlir::MLIRContext &));

// One per family file.
void registerLayerGradients(mlir::DialectRegistry &registry);
void registerPoolGradients(mlir::DialectRegistry &registry);
void registerElementwiseGradients(mlir::DialectRegistry &registry);
void registerNormalizationGradients(mlir::DialectRegistry &registry);
void registerShapeGradients(mlir::DialectRegistry &registry);
void registerResampleGradients(mlir::DialectRegistry &registry);

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
