//===- PoolGradients.cpp - max and average pooling ----------------------===//
#include "Gradients.h"

using namespace mlir;

namespace cvc::autodiff {

LogicalResult poolGradients(OpBuilder &b, Operation *op, Value dy, ArrayRef<bool> wanted,
                            OperandGradients &grads) {
  if (!wanted[0])
    return success();
  if (tensorType(op->getOperand(0)).getRank() != 4)
    return op->emitOpError() << "is differentiated only in the NCHW layout";
  Location loc = op->getLoc();
  if (auto max = llvm::dyn_cast<cv::MaxPool2DOp>(op)) {
    grads[0] = b.create<cv::MaxPool2DBackwardOp>(loc, max.getInput().getType(), max.getInput(),
                                                 dy, max.getKernelAttr(), max.getStridesAttr(),
                                                 max.getPadsAttr(), max.getCeilModeAttr());
    return success();
  }
  auto avg = llvm::cast<cv::AvgPool2DOp>(op);
  grads[0] = b.create<cv::AvgPool2DBackwardOp>(
      loc, avg.getInput().getType(), dy, avg.getKernelAttr(), avg.getStridesAttr(),
      avg.getPadsAttr(), avg.getCeilModeAttr(), avg.getCountIncludePadAttr());
  return success();
}

} // namespace cvc::autodiff
