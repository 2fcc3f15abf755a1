//===- PoolGradients.cpp - max and average pooling ----------------------===//
#include "Gradients.h"

using namespace mlir;

namespace cvc::autodiff {
namespace {

/// The backward kernels gather in NCHW; blocked pools appear only after
/// the layout pass, which training runs after differentiation.
LogicalResult requireNchw(Operation *op) {
  if (tensorType(op->getOperand(0)).getRank() != 4)
    return op->emitOpError() << "is differentiated only in the NCHW layout";
  return success();
}

LogicalResult maxPoolGradients(cv::MaxPool2DOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                               OperandGradients &grads) {
  if (!wanted[0])
    return success();
  if (failed(requireNchw(op)))
    return failure();
  grads[0] = b.create<cv::MaxPool2DBackwardOp>(op.getLoc(), op.getInput().getType(),
                                               op.getInput(), dy, op.getKernelAttr(),
                                               op.getStridesAttr(), op.getPadsAttr(),
                                               op.getCeilModeAttr());
  return success();
}

LogicalResult avgPoolGradients(cv::AvgPool2DOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                               OperandGradients &grads) {
  if (!wanted[0])
    return success();
  if (failed(requireNchw(op)))
    return failure();
  grads[0] = b.create<cv::AvgPool2DBackwardOp>(
      op.getLoc(), op.getInput().getType(), dy, op.getKernelAttr(), op.getStridesAttr(),
      op.getPadsAttr(), op.getCeilModeAttr(), op.getCountIncludePadAttr());
  return success();
}

} // namespace

void registerPoolGradients(DialectRegistry &registry) {
  addGradientExtension(registry, [](MLIRContext &ctx) {
    attachGradients<maxPoolGradients, cv::MaxPool2DOp>(ctx);
    attachGradients<avgPoolGradients, cv::AvgPool2DOp>(ctx);
  });
}

} // namespace cvc::autodiff
