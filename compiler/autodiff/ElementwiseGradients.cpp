//===- ElementwiseGradients.cpp - activations, arithmetic, reductions ---===//
//
// Activations differentiate from their result (cv.activation_backward), the
// value a fused layer keeps. Binary ops sum their gradient back over the
// dimensions broadcasting expanded. Batch-norm in training mode is built
// from these ops, so its gradient comes from these rules.
//
//===----------------------------------------------------------------------===//
#include "Gradients.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace cvc::autodiff {
namespace {

template <typename OpT> Value binary(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return b.create<OpT>(loc, lhs, rhs);
}

LogicalResult binaryGradients(OpBuilder &b, Operation *op, Value dy, ArrayRef<bool> wanted,
                              OperandGradients &grads) {
  Location loc = op->getLoc();
  Value lhs = op->getOperand(0), rhs = op->getOperand(1), y = op->getResult(0);
  Value dl, dr;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](cv::AddOp) {
        dl = dy;
        dr = dy;
      })
      .Case([&](cv::SubOp) {
        dl = dy;
        if (wanted[1])
          dr = b.create<cv::NegOp>(loc, dy);
      })
      .Case([&](cv::MulOp) {
        if (wanted[0])
          dl = binary<cv::MulOp>(b, loc, dy, rhs);
        if (wanted[1])
          dr = binary<cv::MulOp>(b, loc, dy, lhs);
      })
      .Case([&](cv::DivOp) {
        // d(l / r) = dy / r, and -dy * y / r for the divisor.
        if (wanted[0])
          dl = binary<cv::DivOp>(b, loc, dy, rhs);
        if (wanted[1])
          dr = b.create<cv::NegOp>(
              loc, binary<cv::DivOp>(b, loc, binary<cv::MulOp>(b, loc, dy, y), rhs));
      });
  if (wanted[0])
    grads[0] = sumToType(b, loc, dl, tensorType(lhs));
  if (wanted[1])
    grads[1] = sumToType(b, loc, dr, tensorType(rhs));
  return success();
}

LogicalResult reduceGradients(OpBuilder &b, cv::ReduceOp op, Value dy, OperandGradients &grads) {
  Location loc = op.getLoc();
  RankedTensorType inType = tensorType(op.getInput());
  Value expanded = b.create<cv::ExpandOp>(loc, inType, dy);
  switch (op.getKind()) {
  case cv::ReduceKind::sum:
    grads[0] = expanded;
    return success();
  case cv::ReduceKind::mean: {
    int64_t count = 1;
    for (int64_t axis : op.getAxes())
      count *= inType.getDimSize(axis);
    grads[0] = binary<cv::MulOp>(b, loc, expanded, splat(b, loc, 1.0f / count));
    return success();
  }
  default:
    return op.emitOpError() << "max and min reductions have no gradient rule yet";
  }
}

/// y = softmax(x): dx = y * (dy - sum(dy * y)); y = log_softmax(x):
/// dx = dy - exp(y) * sum(dy), the sums along the op's axis.
LogicalResult softmaxGradients(OpBuilder &b, Operation *op, Value dy, OperandGradients &grads) {
  Location loc = op->getLoc();
  Value y = op->getResult(0);
  int64_t axis = llvm::isa<cv::SoftmaxOp>(op) ? llvm::cast<cv::SoftmaxOp>(op).getAxis()
                                               : llvm::cast<cv::LogSoftmaxOp>(op).getAxis();
  if (llvm::isa<cv::SoftmaxOp>(op)) {
    Value dot = reduceSum(b, loc, binary<cv::MulOp>(b, loc, dy, y), {axis});
    grads[0] = binary<cv::MulOp>(b, loc, y, binary<cv::SubOp>(b, loc, dy, dot));
    return success();
  }
  Value total = reduceSum(b, loc, dy, {axis});
  grads[0] = binary<cv::SubOp>(b, loc, dy,
                               binary<cv::MulOp>(b, loc, b.create<cv::ExpOp>(loc, y), total));
  return success();
}

} // namespace

LogicalResult elementwiseGradients(OpBuilder &b, Operation *op, Value dy, ArrayRef<bool> wanted,
                                   OperandGradients &grads) {
  Location loc = op->getLoc();
  if (llvm::isa<cv::AddOp, cv::SubOp, cv::MulOp, cv::DivOp>(op))
    return binaryGradients(b, op, dy, wanted, grads);
  if (!wanted[0])
    return success();
  if (auto reduce = llvm::dyn_cast<cv::ReduceOp>(op))
    return reduceGradients(b, reduce, dy, grads);
  if (llvm::isa<cv::SoftmaxOp, cv::LogSoftmaxOp>(op))
    return softmaxGradients(b, op, dy, grads);
  if (auto lrn = llvm::dyn_cast<cv::LRNOp>(op)) {
    grads[0] = b.create<cv::LRNBackwardOp>(loc, lrn.getType(), lrn.getInput(), dy,
                                           lrn.getSizeAttr(), lrn.getAlphaAttr(),
                                           lrn.getBetaAttr(), lrn.getBiasAttr());
    return success();
  }
  if (llvm::isa<cv::ExpandOp>(op)) {
    grads[0] = sumToType(b, loc, dy, tensorType(op->getOperand(0)));
    return success();
  }
  if (auto activation = cv::activationOf(op)) {
    grads[0] = b.create<cv::ActivationBackwardOp>(
        loc, op->getResult(0), dy,
        cv::ActivationAttr::get(b.getContext(), activation->first),
        b.getDenseF32ArrayAttr(activation->second));
    return success();
  }
  Value x = op->getOperand(0), y = op->getResult(0);
  grads[0] =
      llvm::TypeSwitch<Operation *, Value>(op)
          .Case([&](cv::NegOp) { return b.create<cv::NegOp>(loc, dy); })
          .Case([&](cv::ExpOp) { return binary<cv::MulOp>(b, loc, dy, y); })
          .Case([&](cv::LogOp) { return binary<cv::DivOp>(b, loc, dy, x); })
          // d sqrt(x) = dy / (2 sqrt(x)).
          .Case([&](cv::SqrtOp) {
            return binary<cv::MulOp>(b, loc, binary<cv::DivOp>(b, loc, dy, y),
                                     splat(b, loc, 0.5f));
          })
          // d (1 / x) = -dy / x² = -dy y².
          .Case([&](cv::ReciprocalOp) {
            return b.create<cv::NegOp>(
                loc, binary<cv::MulOp>(b, loc, dy, binary<cv::MulOp>(b, loc, y, y)));
          })
          .Default([](Operation *) { return Value(); });
  if (!grads[0])
    return op->emitOpError() << "has no gradient rule yet";
  return success();
}

} // namespace cvc::autodiff
