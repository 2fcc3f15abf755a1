//===- PoolOps.cpp - pooling and its gradients --------------------------===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace cvc::cv;
using namespace cvc::cv::detail;

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

template <typename AdaptorT>
static LogicalResult inferPool(std::optional<Location> loc, AdaptorT adaptor,
                               SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input || (input.getRank() != 4 && input.getRank() != 5))
    return emitOptionalError(loc, "expects a rank-4 NCHW or rank-5 NCHW[b]c input");
  if (failed(checkArrayLength(loc, "kernel", adaptor.getKernel(), 2, 1)) ||
      failed(checkArrayLength(loc, "strides", adaptor.getStrides(), 2, 1)) ||
      failed(checkArrayLength(loc, "pads", adaptor.getPads(), 4, 0)))
    return failure();
  ArrayRef<int64_t> kernel = adaptor.getKernel(), pads = adaptor.getPads();
  for (int i = 0; i < 2; ++i)
    if (pads[i] >= kernel[i] || pads[i + 2] >= kernel[i])
      return emitOptionalError(loc, "pads ", shapeString(pads),
                               " must be smaller than the kernel ", shapeString(kernel));
  int64_t dilations[2] = {1, 1};
  int64_t outH, outW;
  if (failed(inferSpatial(loc, input, kernel, adaptor.getStrides(), pads, dilations,
                          adaptor.getCeilMode(), outH, outW)))
    return failure();
  SmallVector<int64_t> shape(input.getShape());
  shape[2] = outH;
  shape[3] = outW;
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

template <typename PoolOp> static OpFoldResult foldIdentityPool(PoolOp op) {
  auto ones = [](ArrayRef<int64_t> v, int64_t x) {
    return llvm::all_of(v, [&](int64_t e) { return e == x; });
  };
  if (ones(op.getKernel(), 1) && ones(op.getStrides(), 1) && ones(op.getPads(), 0) &&
      op.getInput().getType() == op.getType())
    return op.getInput();
  return {};
}

OpFoldResult MaxPool2DOp::fold(FoldAdaptor) { return foldIdentityPool(*this); }
OpFoldResult AvgPool2DOp::fold(FoldAdaptor) { return foldIdentityPool(*this); }

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  return inferPool(loc, adaptor, inferred);
}

LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  return inferPool(loc, adaptor, inferred);
}

namespace {

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

} // namespace

LogicalResult MaxPool2DBackwardOp::verify() {
  if (getInput().getType() != getInputGrad().getType())
    return emitOpError() << "the input gradient must have the input's type";
  return verifyPoolGradient(*this, typeOf(getInput()), typeOf(getOutputGrad()));
}

LogicalResult AvgPool2DBackwardOp::verify() {
  return verifyPoolGradient(*this, typeOf(getInputGrad()), typeOf(getOutputGrad()));
}
