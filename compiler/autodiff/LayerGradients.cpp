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

/// A transposed convolution is the input gradient of the convolution with
/// its attributes: its own input gradient is that convolution of dy, and
/// its weight gradient that convolution's weight gradient with dy as the
/// convolution's input and x as its result's gradient.
LogicalResult convTransposeGradients(cv::ConvTranspose2DOp op, OpBuilder &b, Value dy,
                                     ArrayRef<bool> wanted, OperandGradients &grads) {
  if (failed(requirePlain(op)))
    return failure();
  Location loc = op.getLoc();
  if (wanted[0])
    grads[0] = b.create<cv::Conv2DOp>(
        loc, op.getInput().getType(), dy, op.getWeight(), Value(), Value(),
        cv::ActivationAttr::get(b.getContext(), cv::Activation::none),
        b.getDenseF32ArrayAttr({}), op.getStridesAttr(), op.getPadsAttr(),
        op.getDilationsAttr(), op.getGroupsAttr());
  if (wanted[1])
    grads[1] = b.create<cv::Conv2DBackwardWeightOp>(
        loc, op.getWeight().getType(), dy, op.getInput(), op.getStridesAttr(), op.getPadsAttr(),
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

/// The last two dimensions swapped.
Value swapLast(OpBuilder &b, Location loc, Value v) {
  int64_t rank = tensorType(v).getRank();
  SmallVector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i)
    perm.push_back(i);
  std::swap(perm[rank - 1], perm[rank - 2]);
  return b.create<cv::TransposeOp>(loc, v, perm);
}

/// y = a b: da = dy bᵀ, db = aᵀ dy, each summed over the batch dimensions
/// its operand broadcast along.
LogicalResult batchMatMulGradients(cv::BatchMatMulOp op, OpBuilder &b, Value dy,
                                   ArrayRef<bool> wanted, OperandGradients &grads) {
  Location loc = op.getLoc();
  if (wanted[0])
    grads[0] = sumToType(b, loc,
                         b.create<cv::BatchMatMulOp>(loc, dy, swapLast(b, loc, op.getRhs())),
                         tensorType(op.getLhs()));
  if (wanted[1])
    grads[1] = sumToType(b, loc,
                         b.create<cv::BatchMatMulOp>(loc, swapLast(b, loc, op.getLhs()), dy),
                         tensorType(op.getRhs()));
  return success();
}

} // namespace

void registerLayerGradients(DialectRegistry &registry) {
  addGradientExtension(registry, [](MLIRContext &ctx) {
    attachGradients<convGradients, cv::Conv2DOp>(ctx);
    attachGradients<convTransposeGradients, cv::ConvTranspose2DOp>(ctx);
    attachGradients<fullyConnectedGradients, cv::FullyConnectedOp>(ctx);
    attachGradients<batchMatMulGradients, cv::BatchMatMulOp>(ctx);
  });
}

} // namespace cvc::autodiff
