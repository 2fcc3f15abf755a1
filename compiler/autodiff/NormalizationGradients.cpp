//===- NormalizationGradients.cpp - softmax, log-softmax and LRN --------===//
#include "Gradients.h"

using namespace mlir;

namespace cvc::autodiff {
namespace {

template <typename OpT> Value binary(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return b.create<OpT>(loc, lhs, rhs);
}

/// y = softmax(x): dx = y * (dy - sum(dy * y)), the sum along the axis.
LogicalResult softmaxGradients(cv::SoftmaxOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                               OperandGradients &grads) {
  if (!wanted[0])
    return success();
  Location loc = op.getLoc();
  Value y = op.getResult();
  Value dot = reduceSum(b, loc, binary<cv::MulOp>(b, loc, dy, y), {static_cast<int64_t>(op.getAxis())});
  grads[0] = binary<cv::MulOp>(b, loc, y, binary<cv::SubOp>(b, loc, dy, dot));
  return success();
}

/// y = log_softmax(x): dx = dy - exp(y) * sum(dy), the sum along the axis.
LogicalResult logSoftmaxGradients(cv::LogSoftmaxOp op, OpBuilder &b, Value dy,
                                  ArrayRef<bool> wanted, OperandGradients &grads) {
  if (!wanted[0])
    return success();
  Location loc = op.getLoc();
  Value total = reduceSum(b, loc, dy, {static_cast<int64_t>(op.getAxis())});
  grads[0] = binary<cv::SubOp>(
      b, loc, dy, binary<cv::MulOp>(b, loc, b.create<cv::ExpOp>(loc, op.getResult()), total));
  return success();
}

LogicalResult lrnGradients(cv::LRNOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                           OperandGradients &grads) {
  if (!wanted[0])
    return success();
  grads[0] = b.create<cv::LRNBackwardOp>(op.getLoc(), op.getType(), op.getInput(), dy,
                                         op.getSizeAttr(), op.getAlphaAttr(), op.getBetaAttr(),
                                         op.getBiasAttr());
  return success();
}

} // namespace

void registerNormalizationGradients(DialectRegistry &registry) {
  addGradientExtension(registry, [](MLIRContext &ctx) {
    attachGradients<softmaxGradients, cv::SoftmaxOp>(ctx);
    attachGradients<logSoftmaxGradients, cv::LogSoftmaxOp>(ctx);
    attachGradients<lrnGradients, cv::LRNOp>(ctx);
  });
}

} // namespace cvc::autodiff
