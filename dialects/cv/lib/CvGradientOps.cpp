//===- CvGradientOps.cpp - verifiers of the ops training adds -----------===//
//
// A backward op is only meaningful if the forward op it differentiates
// exists: each verifier rebuilds that forward op's result shape from the
// operand types and attributes and checks it against the gradient it is given.
//
//===----------------------------------------------------------------------===//
#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace cvc::cv;

namespace {

/// The result shape of a sliding window (convolution or pooling) over the
/// NCHW `input`, with `channels` output channels; failure when it does not fit.
FailureOr<SmallVector<int64_t>> windowResult(Operation *op, RankedTensorType input,
                                             int64_t channels, ArrayRef<int64_t> kernel,
                                             ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
                                             ArrayRef<int64_t> dilations, bool ceilMode) {
  if (input.getRank() != 4 || kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 ||
      dilations.size() != 2)
    return op->emitOpError() << "expects a rank-4 NCHW tensor, 2 kernel extents, 2 strides, "
                                "4 pads and 2 dilations";
  SmallVector<int64_t> shape = {input.getDimSize(0), channels, 0, 0};
  for (int i = 0; i < 2; ++i) {
    auto extent = slidingWindowExtent(input.getDimSize(2 + i), kernel[i], strides[i], pads[i],
                                      pads[i + 2], dilations[i], ceilMode);
    if (!extent)
      return op->emitOpError() << "the window does not fit the input " << shapeString(input.getShape());
    shape[2 + i] = *extent;
  }
  return shape;
}

LogicalResult expectShape(Operation *op, StringRef what, RankedTensorType type,
                          ArrayRef<int64_t> expected) {
  if (type.getShape() != expected)
    return op->emitOpError() << what << " has shape " << shapeString(type.getShape())
                             << " but the forward op implies " << shapeString(expected);
  return success();
}

/// Shared by both convolution gradients: `input`, `weight` and `output` are
/// the forward convolution's types.
template <typename OpT>
LogicalResult verifyConvGradient(OpT op, RankedTensorType input, RankedTensorType weight,
                                 RankedTensorType output) {
  if (weight.getRank() != 4 || !weight.hasStaticShape() || !input.hasStaticShape())
    return op->emitOpError() << "expects a static NCHW input and OIHW weight";
  int64_t groups = op.getGroups();
  if (groups < 1 || input.getDimSize(1) != weight.getDimSize(1) * groups ||
      weight.getDimSize(0) % groups != 0)
    return op->emitOpError() << "weight " << shapeString(weight.getShape()) << " with groups = "
                             << groups << " does not fit input " << shapeString(input.getShape());
  int64_t kernel[2] = {weight.getDimSize(2), weight.getDimSize(3)};
  auto expected = windowResult(op, input, weight.getDimSize(0), kernel, op.getStrides(),
                               op.getPads(), op.getDilations(), false);
  if (failed(expected))
    return failure();
  return expectShape(op, "the result gradient", output, *expected);
}

template <typename OpT>
LogicalResult verifyPoolGradient(OpT op, RankedTensorType input, RankedTensorType output) {
  int64_t dilations[2] = {1, 1};
  if (input.getRank() != 4 || !input.hasStaticShape())
    return op->emitOpError() << "expects a static NCHW input";
  auto expected = windowResult(op, input, input.getDimSize(1), op.getKernel(), op.getStrides(),
                               op.getPads(), dilations, op.getCeilMode());
  if (failed(expected))
    return failure();
  return expectShape(op, "the result gradient", output, *expected);
}

RankedTensorType typeOf(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

} // namespace

LogicalResult Conv2DBackwardInputOp::verify() {
  return verifyConvGradient(*this, typeOf(getInputGrad()), typeOf(getWeight()),
                            typeOf(getOutputGrad()));
}

LogicalResult Conv2DBackwardWeightOp::verify() {
  return verifyConvGradient(*this, typeOf(getInput()), typeOf(getWeightGrad()),
                            typeOf(getOutputGrad()));
}

LogicalResult MaxPool2DBackwardOp::verify() {
  if (getInput().getType() != getInputGrad().getType())
    return emitOpError() << "the input gradient must have the input's type";
  return verifyPoolGradient(*this, typeOf(getInput()), typeOf(getOutputGrad()));
}

LogicalResult AvgPool2DBackwardOp::verify() {
  return verifyPoolGradient(*this, typeOf(getInputGrad()), typeOf(getOutputGrad()));
}

LogicalResult ActivationBackwardOp::verify() {
  Activation a = getActivation();
  size_t expected = a == Activation::clip ? 2 : a == Activation::leaky_relu ? 1 : 0;
  if (getActivationArgs().size() != expected)
    return emitOpError() << "activation '" << stringifyActivation(a) << "' takes " << expected
                         << " activation_args, got " << getActivationArgs().size();
  return success();
}

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

LogicalResult DropoutMaskOp::verify() {
  if (typeOf(getStep()).getShape() != ArrayRef<int64_t>{1})
    return emitOpError() << "the step is a [1] tensor";
  if (!typeOf(getMask()).hasStaticShape())
    return emitOpError() << "the mask must have a static shape";
  float ratio = getRatio().convertToFloat();
  if (!(ratio >= 0.0f && ratio < 1.0f))
    return emitOpError() << "ratio must be in [0, 1), got " << ratio;
  return success();
}

LogicalResult ExpandOp::verify() {
  ArrayRef<int64_t> in = typeOf(getInput()).getShape(), out = typeOf(getOutput()).getShape();
  if (in.size() > out.size())
    return emitOpError() << "cannot broadcast " << shapeString(in) << " to " << shapeString(out);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] != 1 && in[i] != out[lead + i])
      return emitOpError() << "cannot broadcast " << shapeString(in) << " to " << shapeString(out);
  return success();
}

OpFoldResult ExpandOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}
