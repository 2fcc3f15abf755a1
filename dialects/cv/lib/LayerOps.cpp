//===- LayerOps.cpp - convolution and fully connected layers ------------===//
//
// Shape rules follow ONNX. Every inference function reports why a shape is
// impossible rather than returning a bare failure, because these messages are
// what a user sees when a model's shapes disagree with its attributes.
//
//===----------------------------------------------------------------------===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace cvc::cv;
using namespace cvc::cv::detail;

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

LogicalResult BatchMatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  auto lhs = rankedOrNull(adaptor.getLhs().getType());
  auto rhs = rankedOrNull(adaptor.getRhs().getType());
  if (!lhs || !rhs || lhs.getRank() < 2 || rhs.getRank() < 2)
    return emitOptionalError(loc, "operands must be ranked tensors of rank 2 or more");
  int64_t m = lhs.getDimSize(lhs.getRank() - 2), k = lhs.getDimSize(lhs.getRank() - 1);
  int64_t k2 = rhs.getDimSize(rhs.getRank() - 2), n = rhs.getDimSize(rhs.getRank() - 1);
  if (ShapedType::isDynamic(m) || ShapedType::isDynamic(k) || ShapedType::isDynamic(n) || k != k2)
    return emitOptionalError(loc, "matrices ", shapeString(lhs.getShape()), " and ",
                             shapeString(rhs.getShape()), " do not multiply (static M, K, N)");
  int64_t rank = std::max(lhs.getRank(), rhs.getRank());
  SmallVector<int64_t> shape(rank);
  for (int64_t i = 0; i < rank - 2; ++i) {
    int64_t li = i - (rank - lhs.getRank()), ri = i - (rank - rhs.getRank());
    int64_t a = li >= 0 ? lhs.getDimSize(li) : 1, b = ri >= 0 ? rhs.getDimSize(ri) : 1;
    if (a != b && a != 1 && b != 1)
      return emitOptionalError(loc, "batch dimensions of ", shapeString(lhs.getShape()), " and ",
                               shapeString(rhs.getShape()), " do not broadcast");
    shape[i] = a == 1 ? b : a;
  }
  shape[rank - 2] = m;
  shape[rank - 1] = n;
  inferred.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult LinearOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight || input.getRank() < 2 ||
      (weight.getRank() != 2 && weight.getRank() != 3))
    return emitOptionalError(loc, "expects a [..., M, K] input of rank 2 or more and a [K, N] "
                                  "(or packed [N/b, K, b]) weight");
  int64_t rank = input.getRank();
  if (!weight.hasStaticShape() || input.isDynamicDim(rank - 1) || input.isDynamicDim(rank - 2))
    return emitOptionalError(loc, "M, K and N must be static");
  bool packed = weight.getRank() == 3;
  int64_t k = weight.getDimSize(packed ? 1 : 0);
  int64_t n = packed ? weight.getDimSize(0) * weight.getDimSize(2) : weight.getDimSize(1);
  if (input.getDimSize(rank - 1) != k)
    return emitOptionalError(loc, "input ", shapeString(input.getShape()), " has ",
                             input.getDimSize(rank - 1), " features but weight ",
                             shapeString(weight.getShape()), " expects ", k);
  if (failed(checkBias(loc, adaptor.getBias(), n)))
    return failure();
  SmallVector<int64_t> shape(input.getShape());
  shape.back() = n;
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ConvTranspose2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight || input.getRank() != 4 || weight.getRank() != 4 ||
      !weight.hasStaticShape() || input.isDynamicDim(1) || input.isDynamicDim(2) ||
      input.isDynamicDim(3))
    return emitOptionalError(loc, "expects a rank-4 NCHW input and a static [C, M/groups, kh, kw] "
                                  "weight");
  if (failed(checkArrayLength(loc, "strides", adaptor.getStrides(), 2, 1)) ||
      failed(checkArrayLength(loc, "pads", adaptor.getPads(), 4, 0)) ||
      failed(checkArrayLength(loc, "dilations", adaptor.getDilations(), 2, 1)) ||
      failed(checkArrayLength(loc, "output_padding", adaptor.getOutputPadding(), 2, 0)))
    return failure();
  int64_t groups = adaptor.getGroups();
  int64_t channels = input.getDimSize(1);
  if (groups < 1 || channels % groups != 0)
    return emitOptionalError(loc, "'groups' (", groups, ") must divide the input channels (",
                             channels, ")");
  if (weight.getDimSize(0) != channels)
    return emitOptionalError(loc, "weight ", shapeString(weight.getShape()), " must have the "
                             "input's ", channels, " channels first");
  int64_t outChannels = weight.getDimSize(1) * groups;
  if (failed(checkBias(loc, adaptor.getBias(), outChannels)))
    return failure();
  SmallVector<int64_t, 4> shape = {input.getDimSize(0), outChannels};
  for (int i = 0; i < 2; ++i) {
    int64_t stride = adaptor.getStrides()[i], dilation = adaptor.getDilations()[i];
    int64_t extra = adaptor.getOutputPadding()[i];
    if (extra >= std::max(stride, dilation))
      return emitOptionalError(loc, "'output_padding' ", extra, " must be below the stride (",
                               stride, ") or the dilation (", dilation, ")");
    int64_t out = (input.getDimSize(2 + i) - 1) * stride - adaptor.getPads()[i] -
                  adaptor.getPads()[i + 2] + dilation * (weight.getDimSize(2 + i) - 1) + extra + 1;
    if (out < 1)
      return emitOptionalError(loc, "the pads leave no output along spatial axis ", i);
    shape.push_back(out);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight)
    return emitOptionalError(loc, "operands must be ranked tensors");
  if (input.getRank() != 4 || weight.getRank() != 4)
    return emitOptionalError(loc, "expects a rank-4 NCHW input and OIHW weight, got ",
                             shapeString(input.getShape()), " and ",
                             shapeString(weight.getShape()));
  if (failed(checkArrayLength(loc, "strides", adaptor.getStrides(), 2, 1)) ||
      failed(checkArrayLength(loc, "pads", adaptor.getPads(), 4, 0)) ||
      failed(checkArrayLength(loc, "dilations", adaptor.getDilations(), 2, 1)))
    return failure();
  if (weight.hasStaticShape() == false)
    return emitOptionalError(loc, "weight shape must be static, got ",
                             shapeString(weight.getShape()));
  int64_t groups = adaptor.getGroups();
  int64_t channels = input.getDimSize(1);
  int64_t outChannels = weight.getDimSize(0);
  if (groups < 1)
    return emitOptionalError(loc, "'groups' must be >= 1, got ", groups);
  if (ShapedType::isDynamic(channels))
    return emitOptionalError(loc, "input channel dimension must be static");
  if (channels % groups != 0 || outChannels % groups != 0)
    return emitOptionalError(loc, "input channels (", channels, ") and output channels (",
                             outChannels, ") must both be divisible by groups (", groups, ")");
  if (weight.getDimSize(1) * groups != channels)
    return emitOptionalError(loc, "weight ", shapeString(weight.getShape()), " expects ",
                             weight.getDimSize(1) * groups, " input channels with groups = ",
                             groups, ", but the input ", shapeString(input.getShape()), " has ",
                             channels);
  if (Value bias = adaptor.getBias()) {
    auto biasType = rankedOrNull(bias.getType());
    if (!biasType || biasType.getRank() != 1 || biasType.getDimSize(0) != outChannels)
      return emitOptionalError(loc, "bias must be a [", outChannels, "] tensor, got ",
                               biasType ? shapeString(biasType.getShape()) : "unranked");
  }
  int64_t kernel[2] = {weight.getDimSize(2), weight.getDimSize(3)};
  int64_t outH, outW;
  if (failed(inferSpatial(loc, input, kernel, adaptor.getStrides(), adaptor.getPads(),
                          adaptor.getDilations(), /*ceilMode=*/false, outH, outW)))
    return failure();
  inferred.push_back(RankedTensorType::get({input.getDimSize(0), outChannels, outH, outW},
                                           input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// FullyConnectedOp
//===----------------------------------------------------------------------===//

LogicalResult FullyConnectedOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight || input.getRank() != 2 || weight.getRank() != 2)
    return emitOptionalError(loc, "expects a rank-2 [N, K] input and [M, K] weight");
  if (!weight.hasStaticShape() || ShapedType::isDynamic(input.getDimSize(1)))
    return emitOptionalError(loc, "feature dimensions must be static");
  if (input.getDimSize(1) != weight.getDimSize(1))
    return emitOptionalError(loc, "input ", shapeString(input.getShape()),
                             " has ", input.getDimSize(1), " features but weight ",
                             shapeString(weight.getShape()), " expects ", weight.getDimSize(1));
  int64_t m = weight.getDimSize(0);
  if (failed(checkBias(loc, adaptor.getBias(), m)))
    return failure();
  inferred.push_back(
      RankedTensorType::get({input.getDimSize(0), m}, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// MatMulOp
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight || input.getRank() != 3 || weight.getRank() != 2)
    return emitOptionalError(loc, "expects a rank-3 [B, K, N] input and [M, K] weight");
  if (!weight.hasStaticShape() || input.isDynamicDim(1) || input.isDynamicDim(2))
    return emitOptionalError(loc, "K, M and N must be static");
  if (input.getDimSize(1) != weight.getDimSize(1))
    return emitOptionalError(loc, "input ", shapeString(input.getShape()), " has K = ",
                             input.getDimSize(1), " but weight ", shapeString(weight.getShape()),
                             " expects ", weight.getDimSize(1));
  int64_t m = weight.getDimSize(0);
  if (failed(checkBias(loc, adaptor.getBias(), m)))
    return failure();
  inferred.push_back(RankedTensorType::get({input.getDimSize(0), m, input.getDimSize(2)},
                                           input.getElementType()));
  return success();
}

namespace {

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

} // namespace

LogicalResult Conv2DBackwardInputOp::verify() {
  return verifyConvGradient(*this, typeOf(getInputGrad()), typeOf(getWeight()),
                            typeOf(getOutputGrad()));
}

LogicalResult Conv2DBackwardWeightOp::verify() {
  return verifyConvGradient(*this, typeOf(getInput()), typeOf(getWeightGrad()),
                            typeOf(getOutputGrad()));
}
