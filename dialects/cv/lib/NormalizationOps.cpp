//===- NormalizationOps.cpp - batch norm, LRN, dropout, softmax ---------===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace cvc::cv;
using namespace cvc::cv::detail;

//===----------------------------------------------------------------------===//
// BatchNormOp
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "expects a ranked input");
  inferred.push_back(input);
  return success();
}

LogicalResult BatchNormOp::verify() {
  auto input = llvm::cast<RankedTensorType>(getInput().getType());
  if (input.getRank() < 2 || input.isDynamicDim(1))
    return emitOpError() << "expects an input with a static channel dimension (dim 1), got "
                         << shapeString(input.getShape());
  int64_t channels = input.getDimSize(1);
  for (Value stat : {getScale(), getBias(), getMean(), getVariance()}) {
    auto type = llvm::cast<RankedTensorType>(stat.getType());
    if (type.getRank() != 1 || type.getDimSize(0) != channels)
      return emitOpError() << "scale, bias, mean and variance must be [" << channels
                           << "] tensors, got " << shapeString(type.getShape());
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LRNOp, SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult LRNOp::verify() {
  if (getInput().getType().getRank() != 4)
    return emitOpError() << "expects a rank-4 NCHW input";
  if (getSize() < 1)
    return emitOpError() << "'size' must be >= 1, got " << getSize();
  if (!(getBias().convertToFloat() > 0.0f))
    return emitOpError() << "'bias' must be positive";
  return success();
}

LogicalResult DropoutOp::verify() {
  float ratio = getRatio().convertToFloat();
  if (!(ratio >= 0.0f && ratio < 1.0f))
    return emitOpError() << "ratio " << ratio << " must be in [0, 1)";
  return success();
}

// Inference keeps every activation: dropout is the identity.
OpFoldResult DropoutOp::fold(FoldAdaptor) { return getInput(); }

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (getAxis() < 0 || getAxis() >= rank)
    return emitOpError() << "'axis' " << getAxis() << " is out of range for rank " << rank;
  if (ShapedType::isDynamic(getInput().getType().getDimSize(getAxis())))
    return emitOpError() << "the softmax axis must have a static extent";
  return success();
}

LogicalResult LogSoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (getAxis() < 0 || getAxis() >= rank)
    return emitOpError() << "'axis' " << getAxis() << " is out of range for rank " << rank;
  if (ShapedType::isDynamic(getInput().getType().getDimSize(getAxis())))
    return emitOpError() << "the axis must have a static extent";
  return success();
}

LogicalResult DropoutMaskOp::verify() {
  if (typeOf(getStep()).getShape() != ArrayRef<int64_t>{1})
    return emitOpError() << "the step is a [1] tensor";
  if (getSampleOffset() && typeOf(getSampleOffset()).getShape() != ArrayRef<int64_t>{1})
    return emitOpError() << "the sample offset is a [1] tensor";
  if (getSampleOffset() && typeOf(getMask()).getRank() == 0)
    return emitOpError() << "a sample offset needs a mask with a batch dimension";
  if (!typeOf(getMask()).hasStaticShape())
    return emitOpError() << "the mask must have a static shape";
  float ratio = getRatio().convertToFloat();
  if (!(ratio >= 0.0f && ratio < 1.0f))
    return emitOpError() << "ratio must be in [0, 1), got " << ratio;
  return success();
}
