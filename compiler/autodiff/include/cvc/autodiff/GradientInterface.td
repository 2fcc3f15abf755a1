//===- GradientInterface.td - ops reverse-mode autodiff knows ---*- tablegen -*-===//
//
// Each op family's rule file in compiler/autodiff attaches this interface to
// its ops as an external model, so the train-step builder asks the op for
// its vector-Jacobian product and no central table lists the ops.
//
//===----------------------------------------------------------------------===//

#ifndef CVC_AUTODIFF_GRADIENTINTERFACE_TD
#define CVC_AUTODIFF_GRADIENTINTERFACE_TD

include "mlir/IR/OpBase.td"

def GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::cvc::autodiff";
  let description = [{
    An op whose operands' gradients can be written as cv ops from its
    result's gradient (a vector-Jacobian product).
  }];
  let methods = [
    InterfaceMethod<
      "Emits, at the builder's insertion point, the gradient of each operand "
      "whose `wanted` entry is set into `grads` (one slot per operand, null "
      "where not wanted or not differentiable), given the gradient of the "
      "op's result. Fails only after emitting an error at the op.",
      "::mlir::LogicalResult", "emitGradients",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Value":$resultGrad,
           "::llvm::ArrayRef<bool>":$wanted,
           "::cvc::autodiff::OperandGradients &":$grads)>,
  ];
}

#endif // CVC_AUTODIFF_GRADIENTINTERFACE_TD
