//===- ResampleGradients.cpp - resizing ---------------------------------===//
//
// A nearest or linear resize is linear in its input: its gradient sends
// each output pixel's gradient back to the input pixels it sampled, with
// the same weights (cv.resize_backward). Cubic resizes have no rule yet;
// a network that trains through one is refused by name.
//
//===----------------------------------------------------------------------===//
#include "Gradients.h"

using namespace mlir;

namespace cvc::autodiff {
namespace {

LogicalResult resizeGradients(cv::ResizeOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                              OperandGradients &grads) {
  if (!wanted[0])
    return success();
  if (op.getMode() == cv::ResizeMode::cubic)
    return op.emitOpError() << "has no gradient rule for cubic interpolation";
  grads[0] = b.create<cv::ResizeBackwardOp>(
      op.getLoc(), op.getInput().getType(), dy, op.getModeAttr(), op.getCoordinateModeAttr(),
      op.getNearestModeAttr(), op.getScalesAttr(), op.getCubicCoeffAAttr(),
      op.getExcludeOutsideAttr());
  return success();
}

} // namespace

void registerResampleGradients(DialectRegistry &registry) {
  addGradientExtension(registry, [](MLIRContext &ctx) {
    attachGradients<resizeGradients, cv::ResizeOp>(ctx);
  });
}

} // namespace cvc::autodiff
