//===- LayerGradients.cpp - convolution and fully connected layers ------===//
//
// Autodiff runs before epilogue fusion, so layers arrive plain: their bias
// gradient is the result gradient summed over everything but channels.
//
//===----------------------------------------------------------------------===//
#include "Gradients.h"

using namespace mlir;

namespace cvc::autodiff {
namespace {

LogicalResult requirePlain(cv::EpilogueOpInterface layer) {
  if (!layer.isPlain())
    return layer->emitOpError() << "carries a fused epilogue; training differentiates layers "
                               "before fusion, so this IR cannot be trained";
  return success();
}

Value transpose(OpBuilder &b, Location loc, Value v) {
  return b.create<cv::TransposeOp>(loc, v, ArrayRef<int64_t>{1, 0});
}

LogicalResult convGradients(cv::Conv2DOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                            OperandGradients &grads) {
  if (failed(requirePlain(op)))
    return failure();
  Location loc = op.getLoc();
  if (wanted[0])
    grads[0] = b.create<cv::Conv2DBackwardInputOp>(
        loc, op.getInput().getType(), dy, op.getWeight(), op.getStridesAttr(), op.getPadsAttr(),
        op.getDilationsAttr(), op.getGroupsAttr());
  if (wanted[1])
    grads[1] = b.create<cv::Conv2DBackwardWeightOp>(
        loc, op.getWeight().getType(), op.getInput(), dy, op.getStridesAttr(), op.getPadsAttr(),
        op.getDilationsAttr(), op.getGroupsAttr());
  if (op.getBias() && wanted[2]) {
    RankedTensorType bias = tensorType(op.getBias());
    grads[2] = reshape(b, loc, reduceSum(b, loc, dy, {0, 2, 3}), bias.getShape());
  }
  return success();
}

/// y = x Wᵀ + b: dx = dy W (a layer whose weight is Wᵀ), dW = dyᵀ x.
LogicalResult fullyConnectedGradients(cv::FullyConnectedOp op, OpBuilder &b, Value dy,
                                      ArrayRef<bool> wanted, OperandGradients &grads) {
  if (failed(requirePlain(op)))
    return failure();
  Location loc = op.getLoc();
  if (wanted[0])
    grads[0] = b.create<cv::FullyConnectedOp>(loc, dy, transpose(b, loc, op.getWeight()), Value(),
                                              Value());
  if (wanted[1])
    grads[1] = b.create<cv::FullyConnectedOp>(loc, transpose(b, loc, dy),
                                              transpose(b, loc, op.getInput()), Value(), Value());
  if (op.getBias() && wanted[2])
    grads[2] = sumToType(b, loc, dy, tensorType(op.getBias()));
  return success();
}

} // namespace

void registerLayerGradients(DialectRegistry &registry) {
  addGradientExtension(registry, [](MLIRContext &ctx) {
    attachGradients<convGradients, cv::Conv2DOp>(ctx);
    attachGradients<fullyConnectedGradients, cv::FullyConnectedOp>(ctx);
  });
}

} // namespace cvc::autodiff
