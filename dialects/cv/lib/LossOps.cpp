//===- LossOps.cpp - losses of a training step --------------------------===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace cvc::cv;
using namespace cvc::cv::detail;

static LogicalResult verifyLossOperands(Operation *op, Value logits, Value labels) {
  RankedTensorType z = typeOf(logits), l = typeOf(labels);
  if (z.getRank() != 2 || !z.hasStaticShape())
    return op->emitOpError() << "expects static [N, K] logits, got " << shapeString(z.getShape());
  if (l.getRank() != 1 || l.getDimSize(0) != z.getDimSize(0))
    return op->emitOpError() << "expects [" << z.getDimSize(0) << "] labels, got "
                             << shapeString(l.getShape());
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::verify() {
  if (failed(verifyLossOperands(*this, getLogits(), getLabels())))
    return failure();
  if (typeOf(getLoss()).getShape() != ArrayRef<int64_t>{1})
    return emitOpError() << "the loss is a [1] tensor";
  float e = getLabelSmoothing().convertToFloat();
  if (!(e >= 0.0f && e < 1.0f))
    return emitOpError() << "label_smoothing must be in [0, 1), got " << e;
  return success();
}

LogicalResult SoftmaxCrossEntropyBackwardOp::verify() {
  if (failed(verifyLossOperands(*this, getLogits(), getLabels())))
    return failure();
  if (typeOf(getScale()).getShape() != ArrayRef<int64_t>{1})
    return emitOpError() << "the loss gradient is a [1] tensor";
  if (getLogitsGrad().getType() != getLogits().getType())
    return emitOpError() << "the logits gradient must have the logits' type";
  return success();
}
