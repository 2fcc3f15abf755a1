//===- ResampleOps.cpp - resizing: verifiers -----------------------------===//
#include "Verification.h"

#include "cv/CvOps.h"

using namespace mlir;
using namespace cvc::cv;
using namespace cvc::cv::detail;

namespace {

/// The checks a resize and its gradient share: NCHW both sides, the batch
/// and channels kept, two positive scales, a mode the gradient supports.
LogicalResult verifyResize(Operation *op, RankedTensorType in, RankedTensorType out,
                           ArrayRef<double> scales, ResizeMode mode, bool backward) {
  if (!in || !out || in.getRank() != 4 || out.getRank() != 4)
    return op->emitOpError() << "expects rank-4 NCHW tensors";
  if (in.getDimSize(0) != out.getDimSize(0) || in.getDimSize(1) != out.getDimSize(1))
    return op->emitOpError() << "resizes only the spatial dimensions; "
                             << shapeString(in.getShape()) << " and "
                             << shapeString(out.getShape()) << " differ in batch or channels";
  for (int i = 2; i < 4; ++i)
    if (in.isDynamicDim(i) || out.isDynamicDim(i) || in.getDimSize(i) < 1 ||
        out.getDimSize(i) < 1)
      return op->emitOpError() << "needs static spatial extents of at least 1";
  if (scales.size() != 2 || !(scales[0] > 0) || !(scales[1] > 0))
    return op->emitOpError() << "expects two positive 'scales' (height, width), got "
                             << scales.size();
  if (backward && mode == ResizeMode::cubic)
    return op->emitOpError() << "has no gradient for cubic interpolation";
  return success();
}

} // namespace

LogicalResult ResizeOp::verify() {
  return verifyResize(*this, rankedOrNull(getInput().getType()), rankedOrNull(getOutput().getType()), getScales(), getMode(),
                      false);
}

LogicalResult ResizeBackwardOp::verify() {
  return verifyResize(*this, rankedOrNull(getInputGrad().getType()), rankedOrNull(getOutputGrad().getType()), getScales(),
                      getMode(), true);
}
