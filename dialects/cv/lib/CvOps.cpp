//===- CvOps.cpp - cv dialect verifiers, shape inference, folders -------===//
//
// Shape rules follow ONNX. Every inference function reports why a shape is
// impossible rather than returning a bare failure, because these messages are
// what a user sees when a model's shapes disagree with its attributes.
//
//===----------------------------------------------------------------------===//
#include "cv/CvOps.h"
#include "cv/Winograd.h"
#include "mlir/IR/Verifier.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace cvc::cv;

std::string cvc::cv::shapeString(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleave(
      shape, os, [&](int64_t d) { os << (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d)); },
      ",");
  os << "]";
  return s;
}

namespace {

LogicalResult checkArrayLength(std::optional<Location> loc, StringRef name,
                               ArrayRef<int64_t> values, size_t expected, int64_t minValue) {
  if (values.size() != expected)
    return emitOptionalError(loc, "'", name, "' must have ", expected, " elements, got ",
                             values.size());
  for (int64_t v : values)
    if (v < minValue)
      return emitOptionalError(loc, "'", name, "' values must be >= ", minValue, ", got ",
                               shapeString(values));
  return success();
}

RankedTensorType rankedOrNull(Type t) { return llvm::dyn_cast<RankedTensorType>(t); }

/// Shared by convolution and pooling: NCHW spatial output extents.
LogicalResult inferSpatial(std::optional<Location> loc, RankedTensorType input,
                           ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                           ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations, bool ceilMode,
                           int64_t &outH, int64_t &outW) {
  int64_t outs[2];
  for (int i = 0; i < 2; ++i) {
    int64_t in = input.getDimSize(2 + i);
    if (ShapedType::isDynamic(in))
      return emitOptionalError(loc, "spatial dimensions must be static, got input shape ",
                               shapeString(input.getShape()));
    auto out = slidingWindowExtent(in, kernel[i], strides[i], pads[i], pads[i + 2], dilations[i],
                                   ceilMode);
    if (!out)
      return emitOptionalError(loc, "window of extent ", (kernel[i] - 1) * dilations[i] + 1,
                               " does not fit input ", shapeString(input.getShape()),
                               " with pads ", shapeString(pads), " along spatial axis ", i);
    outs[i] = *out;
  }
  outH = outs[0];
  outW = outs[1];
  return success();
}

} // namespace

std::optional<int64_t> cvc::cv::slidingWindowExtent(int64_t in, int64_t kernel, int64_t stride,
                                                     int64_t padBegin, int64_t padEnd,
                                                     int64_t dilation, bool ceilMode) {
  int64_t span = (kernel - 1) * dilation + 1;
  int64_t padded = in + padBegin + padEnd;
  if (padded < span || stride <= 0)
    return std::nullopt;
  int64_t steps = padded - span;
  int64_t out = (ceilMode ? (steps + stride - 1) / stride : steps / stride) + 1;
  // A ceil-mode window must start inside the input or the leading padding.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

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
  if (Value bias = adaptor.getBias()) {
    auto biasType = rankedOrNull(bias.getType());
    if (!biasType || biasType.getRank() != 1 || biasType.getDimSize(0) != m)
      return emitOptionalError(loc, "bias must be a [", m, "] tensor");
  }
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
  if (Value bias = adaptor.getBias()) {
    auto biasType = rankedOrNull(bias.getType());
    if (!biasType || biasType.getRank() != 1 || biasType.getDimSize(0) != m)
      return emitOptionalError(loc, "bias must be a [", m, "] tensor");
  }
  inferred.push_back(RankedTensorType::get({input.getDimSize(0), m, input.getDimSize(2)},
                                           input.getElementType()));
  return success();
}

static LogicalResult verifyEpilogue(Operation *op, Value residual, Activation activation,
                                    ArrayRef<float> args);

//===----------------------------------------------------------------------===//
// Channel-blocked layout
//===----------------------------------------------------------------------===//

LogicalResult ToBlockedOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  int64_t block = adaptor.getBlock();
  if (!input || input.getRank() != 4 || input.isDynamicDim(1))
    return emitOptionalError(loc, "expects an NCHW input with static channels");
  if (block < 1 || input.getDimSize(1) % block != 0)
    return emitOptionalError(loc, "channels (", input.getDimSize(1),
                             ") must be a multiple of the block (", block, ")");
  inferred.push_back(RankedTensorType::get({input.getDimSize(0), input.getDimSize(1) / block,
                                            input.getDimSize(2), input.getDimSize(3), block},
                                           input.getElementType()));
  return success();
}

OpFoldResult ToBlockedOp::fold(FoldAdaptor) {
  if (auto from = getInput().getDefiningOp<FromBlockedOp>())
    if (from.getInput().getType() == getType())
      return from.getInput();
  return {};
}

LogicalResult FromBlockedOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                              Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input || input.getRank() != 5 || input.isDynamicDim(1) || input.isDynamicDim(4))
    return emitOptionalError(loc, "expects a blocked [N, C/b, H, W, b] input");
  inferred.push_back(RankedTensorType::get({input.getDimSize(0),
                                            input.getDimSize(1) * input.getDimSize(4),
                                            input.getDimSize(2), input.getDimSize(3)},
                                           input.getElementType()));
  return success();
}

OpFoldResult FromBlockedOp::fold(FoldAdaptor) {
  if (auto to = getInput().getDefiningOp<ToBlockedOp>())
    if (to.getInput().getType() == getType())
      return to.getInput();
  return {};
}

LogicalResult BlockedConv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight || (input.getRank() != 5 && input.getRank() != 4) ||
      weight.getRank() != 5 || !weight.hasStaticShape() || input.isDynamicDim(1) ||
      (input.getRank() == 5 && input.isDynamicDim(4)))
    return emitOptionalError(loc, "expects a blocked [N, C/b, H, W, b] or an NCHW input and a "
                                  "static [M/b, C, kh, kw, b] weight");
  if (failed(checkArrayLength(loc, "strides", adaptor.getStrides(), 2, 1)) ||
      failed(checkArrayLength(loc, "pads", adaptor.getPads(), 4, 0)) ||
      failed(checkArrayLength(loc, "dilations", adaptor.getDilations(), 2, 1)))
    return failure();
  bool nchwInput = input.getRank() == 4;
  int64_t block = weight.getDimSize(4);
  int64_t groups = adaptor.getGroups();
  int64_t inChannels = nchwInput ? input.getDimSize(1) : input.getDimSize(1) * input.getDimSize(4);
  if (groups < 1 || (groups > 1 && nchwInput) || input.getDimSize(1) % groups != 0 ||
      weight.getDimSize(0) % groups != 0)
    return emitOptionalError(loc, "'groups' (", groups, ") must divide the input and output "
                             "channel blocks of a blocked input");
  if ((!nchwInput && input.getDimSize(4) != block) ||
      weight.getDimSize(1) != inChannels / groups)
    return emitOptionalError(loc, "weight ", shapeString(weight.getShape()), " does not match the ",
                             nchwInput ? "NCHW" : "blocked", " input ",
                             shapeString(input.getShape()), " in ", groups, " group(s)");
  int64_t outChannels = weight.getDimSize(0) * block;
  if (Value bias = adaptor.getBias()) {
    auto biasType = rankedOrNull(bias.getType());
    if (!biasType || biasType.getRank() != 1 || biasType.getDimSize(0) != outChannels)
      return emitOptionalError(loc, "bias must be a [", outChannels, "] tensor");
  }
  int64_t kernel[2] = {weight.getDimSize(2), weight.getDimSize(3)};
  int64_t outH, outW;
  if (failed(inferSpatial(loc, input, kernel, adaptor.getStrides(), adaptor.getPads(),
                          adaptor.getDilations(), /*ceilMode=*/false, outH, outW)))
    return failure();
  ArrayRef<int64_t> pool = adaptor.getMaxPool();
  if (!pool.empty()) {
    if (pool.size() != 2 || pool[0] < 1 || pool[1] < 1 || pool[0] > outH || pool[1] > outW)
      return emitOptionalError(loc, "'max_pool' must be two window extents within the ",
                               outH, "x", outW, " convolution output, got ", shapeString(pool));
    outH /= pool[0];
    outW /= pool[1];
  }
  inferred.push_back(RankedTensorType::get(
      {input.getDimSize(0), weight.getDimSize(0), outH, outW, block}, input.getElementType()));
  return success();
}

LogicalResult BlockedConv2DOp::verify() {
  return verifyEpilogue(*this, getResidual(), getActivation(), getActivationArgs());
}

LogicalResult WinogradConv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight || input.getRank() != 5 || weight.getRank() != 4 ||
      !weight.hasStaticShape() || input.isDynamicDim(1) || input.isDynamicDim(4))
    return emitOptionalError(loc, "expects a blocked [N, C/b, H, W, b] input and a static "
                                  "transformed [(m+2)^2, M/b, C, b] weight");
  int64_t tile = adaptor.getTile();
  if (tile < kMinWinogradTile || tile > kMaxWinogradTile)
    return emitOptionalError(loc, "'tile' must be in [", kMinWinogradTile, ", ",
                             kMaxWinogradTile, "], got ", tile);
  if (failed(checkArrayLength(loc, "pads", adaptor.getPads(), 4, 0)))
    return failure();
  int64_t block = input.getDimSize(4);
  if (weight.getDimSize(0) != (tile + 2) * (tile + 2) || weight.getDimSize(3) != block ||
      weight.getDimSize(2) != input.getDimSize(1) * block)
    return emitOptionalError(loc, "weight ", shapeString(weight.getShape()), " is not the [",
                             (tile + 2) * (tile + 2), ", M/b, ", input.getDimSize(1) * block, ", ",
                             block, "] transform of a filter for the blocked input ",
                             shapeString(input.getShape()), " with tile ", tile);
  int64_t outChannels = weight.getDimSize(1) * block;
  if (Value bias = adaptor.getBias()) {
    auto biasType = rankedOrNull(bias.getType());
    if (!biasType || biasType.getRank() != 1 || biasType.getDimSize(0) != outChannels)
      return emitOptionalError(loc, "bias must be a [", outChannels, "] tensor");
  }
  int64_t kernel[2] = {3, 3}, unit[2] = {1, 1};
  int64_t outH, outW;
  if (failed(inferSpatial(loc, input, kernel, unit, adaptor.getPads(), unit,
                          /*ceilMode=*/false, outH, outW)))
    return failure();
  inferred.push_back(RankedTensorType::get(
      {input.getDimSize(0), weight.getDimSize(1), outH, outW, block}, input.getElementType()));
  return success();
}

LogicalResult WinogradConv2DOp::verify() {
  return verifyEpilogue(*this, getResidual(), getActivation(), getActivationArgs());
}

LogicalResult WinogradWeightsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &inferred) {
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!weight || weight.getRank() != 5 || !weight.hasStaticShape() || weight.getDimSize(2) != 3 ||
      weight.getDimSize(3) != 3)
    return emitOptionalError(loc, "expects static blocked 3x3 filters [M/b, C, 3, 3, b], got ",
                             weight ? shapeString(weight.getShape()) : std::string("unranked"));
  int64_t tile = adaptor.getTile();
  if (tile < kMinWinogradTile || tile > kMaxWinogradTile)
    return emitOptionalError(loc, "'tile' must be in [", kMinWinogradTile, ", ",
                             kMaxWinogradTile, "], got ", tile);
  inferred.push_back(RankedTensorType::get({(tile + 2) * (tile + 2), weight.getDimSize(0),
                                            weight.getDimSize(1), weight.getDimSize(4)},
                                           weight.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Layer epilogues
//===----------------------------------------------------------------------===//

static LogicalResult verifyEpilogue(Operation *op, Value residual, Activation activation,
                                    ArrayRef<float> args) {
  Type output = op->getResult(0).getType();
  if (residual && residual.getType() != output)
    return op->emitOpError() << "residual " << residual.getType()
                             << " must have the result's type " << output;
  size_t expected = activation == Activation::clip ? 2 : activation == Activation::leaky_relu ? 1 : 0;
  if (args.size() != expected)
    return op->emitOpError() << "activation '" << stringifyActivation(activation) << "' takes "
                             << expected << " activation_args, got " << args.size();
  return success();
}

LogicalResult Conv2DOp::verify() {
  return verifyEpilogue(*this, getResidual(), getActivation(), getActivationArgs());
}

LogicalResult FullyConnectedOp::verify() {
  return verifyEpilogue(*this, getResidual(), getActivation(), getActivationArgs());
}

LogicalResult MatMulOp::verify() {
  return verifyEpilogue(*this, getResidual(), getActivation(), getActivationArgs());
}

std::optional<std::pair<Activation, SmallVector<float, 2>>> cvc::cv::activationOf(Operation *op) {
  using Result = std::pair<Activation, SmallVector<float, 2>>;
  return llvm::TypeSwitch<Operation *, std::optional<Result>>(op)
      .Case([](ReluOp) { return Result{Activation::relu, {}}; })
      .Case([](TanhOp) { return Result{Activation::tanh, {}}; })
      .Case([](SigmoidOp) { return Result{Activation::sigmoid, {}}; })
      .Case([](ClipOp o) {
        return Result{Activation::clip,
                      {o.getMin().convertToFloat(), o.getMax().convertToFloat()}};
      })
      .Case([](LeakyReluOp o) {
        return Result{Activation::leaky_relu, {o.getAlpha().convertToFloat()}};
      })
      .Default([](Operation *) { return std::nullopt; });
}

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
// Folding binary ops of constants
//===----------------------------------------------------------------------===//

/// The float32 values of a constant attribute (dense or dense_resource).
static std::optional<std::vector<float>> floatElements(Attribute attr) {
  auto elements = llvm::dyn_cast_or_null<ElementsAttr>(attr);
  if (!elements || !elements.getElementType().isF32())
    return std::nullopt;
  size_t count = elements.getNumElements();
  if (auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != count * sizeof(float))
      return std::nullopt;
    std::vector<float> data(count);
    std::memcpy(data.data(), blob->getData().data(), count * sizeof(float));
    return data;
  }
  if (auto dense = llvm::dyn_cast<DenseElementsAttr>(attr)) {
    std::vector<float> data;
    data.reserve(count);
    for (float v : dense.getValues<float>())
      data.push_back(v);
    return data;
  }
  return std::nullopt;
}

/// f applied with numpy broadcasting to two constants of static shape.
template <typename F>
static OpFoldResult foldBinary(Attribute lhs, Attribute rhs, Type resultType, F f) {
  auto type = llvm::dyn_cast<RankedTensorType>(resultType);
  auto a = floatElements(lhs), b = floatElements(rhs);
  if (!type || !type.hasStaticShape() || !a || !b)
    return {};
  ArrayRef<int64_t> shape = type.getShape();
  auto strides = [&](Attribute attr) {
    ArrayRef<int64_t> in = llvm::cast<ShapedType>(llvm::cast<ElementsAttr>(attr).getType()).getShape();
    // Element strides aligned at the innermost dimension; 0 where broadcast.
    SmallVector<int64_t> out(shape.size(), 0);
    int64_t stride = 1;
    for (int64_t i = static_cast<int64_t>(in.size()) - 1, j = shape.size() - 1; i >= 0; --i, --j) {
      out[j] = in[i] == 1 ? 0 : stride;
      stride *= in[i];
    }
    return out;
  };
  SmallVector<int64_t> sa = strides(lhs), sb = strides(rhs), index(shape.size(), 0);
  int64_t count = type.getNumElements();
  std::vector<float> result;
  result.reserve(count);
  for (int64_t n = 0; n < count; ++n) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      ia += index[d] * sa[d];
      ib += index[d] * sb[d];
    }
    result.push_back(f((*a)[ia], (*b)[ib]));
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, ArrayRef<float>(result));
}

OpFoldResult AddOp::fold(FoldAdaptor a) {
  return foldBinary(a.getLhs(), a.getRhs(), getType(), [](float x, float y) { return x + y; });
}
OpFoldResult SubOp::fold(FoldAdaptor a) {
  return foldBinary(a.getLhs(), a.getRhs(), getType(), [](float x, float y) { return x - y; });
}
OpFoldResult MulOp::fold(FoldAdaptor a) {
  return foldBinary(a.getLhs(), a.getRhs(), getType(), [](float x, float y) { return x * y; });
}
OpFoldResult DivOp::fold(FoldAdaptor a) {
  return foldBinary(a.getLhs(), a.getRhs(), getType(), [](float x, float y) { return x / y; });
}
OpFoldResult MaxOp::fold(FoldAdaptor a) {
  return foldBinary(a.getLhs(), a.getRhs(), getType(),
                    [](float x, float y) { return std::max(x, y); });
}
OpFoldResult MinOp::fold(FoldAdaptor a) {
  return foldBinary(a.getLhs(), a.getRhs(), getType(),
                    [](float x, float y) { return std::min(x, y); });
}
OpFoldResult PowOp::fold(FoldAdaptor a) {
  return foldBinary(a.getLhs(), a.getRhs(), getType(),
                    [](float x, float y) { return std::pow(x, y); });
}
OpFoldResult PReluOp::fold(FoldAdaptor a) {
  return foldBinary(a.getLhs(), a.getRhs(), getType(),
                    [](float x, float slope) { return x >= 0.0f ? x : slope * x; });
}

//===----------------------------------------------------------------------===//
// Constant data
//===----------------------------------------------------------------------===//

std::optional<std::vector<float>> cvc::cv::readFloatConstant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  return floatElements(constant.getValue());
}

ConstantOp cvc::cv::createFloatConstant(OpBuilder &builder, Location loc,
                                        ArrayRef<int64_t> shape, ArrayRef<float> data,
                                        StringRef name) {
  auto type = RankedTensorType::get(shape, builder.getF32Type());
  ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()), data.size() * sizeof(float));
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64);
  std::string key;
  for (char c : name)
    key += (llvm::isAlnum(c) || c == '_' || c == '.') ? c : '_';
  if (key.empty() || llvm::isDigit(key[0]))
    key = "w_" + key;
  auto attr = DenseResourceElementsAttr::get(type, key, std::move(blob));
  return builder.create<ConstantOp>(loc, attr);
}

LogicalResult cvc::cv::inferAndVerify(Operation *op, std::string &message) {
  ScopedDiagnosticHandler capture(op->getContext(), [&](Diagnostic &diag) {
    if (message.empty())
      message = diag.str();
    return success();
  });
  if (auto iface = llvm::dyn_cast<InferTypeOpInterface>(op)) {
    SmallVector<Type> types;
    if (failed(iface.inferReturnTypes(op->getContext(), op->getLoc(), op->getOperands(),
                                      op->getAttrDictionary(), op->getPropertiesStorage(),
                                      op->getRegions(), types)))
      return failure();
    op->getResult(0).setType(types.front());
  } else if (op->getNumOperands() > 0 &&
             llvm::isa<UnrankedTensorType>(op->getResult(0).getType())) {
    op->getResult(0).setType(op->getOperand(0).getType());
  }
  return mlir::verify(op);
}

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

//===----------------------------------------------------------------------===//
// AddOp
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(std::optional<Location> loc, Value lhsValue, Value rhsValue,
                                    SmallVectorImpl<Type> &inferred) {
  auto lhs = rankedOrNull(lhsValue.getType());
  auto rhs = rankedOrNull(rhsValue.getType());
  if (!lhs || !rhs)
    return emitOptionalError(loc, "operands must be ranked tensors");
  int64_t rank = std::max(lhs.getRank(), rhs.getRank());
  SmallVector<int64_t> shape(rank);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t li = i - (rank - lhs.getRank()), ri = i - (rank - rhs.getRank());
    int64_t a = li >= 0 ? lhs.getDimSize(li) : 1;
    int64_t b = ri >= 0 ? rhs.getDimSize(ri) : 1;
    if (a == b || b == 1)
      shape[i] = a;
    else if (a == 1)
      shape[i] = b;
    else
      return emitOptionalError(loc, "shapes ", shapeString(lhs.getShape()), " and ",
                               shapeString(rhs.getShape()), " are not broadcast-compatible");
  }
  inferred.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

#define CV_BINARY_INFER(OpT)                                                                    \
  LogicalResult OpT::inferReturnTypes(MLIRContext *, std::optional<Location> loc,               \
                                      Adaptor adaptor, SmallVectorImpl<Type> &inferred) {       \
    return inferBroadcast(loc, adaptor.getLhs(), adaptor.getRhs(), inferred);                   \
  }
CV_BINARY_INFER(AddOp)
CV_BINARY_INFER(MaxOp)
CV_BINARY_INFER(MinOp)
CV_BINARY_INFER(PReluOp)
CV_BINARY_INFER(PowOp)
CV_BINARY_INFER(SubOp)
CV_BINARY_INFER(MulOp)
CV_BINARY_INFER(DivOp)
#undef CV_BINARY_INFER

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(loc, "needs at least one operand");
  auto first = rankedOrNull(inputs.front().getType());
  if (!first)
    return emitOptionalError(loc, "operands must be ranked tensors");
  int64_t rank = first.getRank(), axis = adaptor.getAxis();
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, "'axis' ", axis, " is out of range for rank ", rank);
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : inputs) {
    auto type = rankedOrNull(v.getType());
    if (!type || type.getRank() != rank)
      return emitOptionalError(loc, "all operands must have rank ", rank);
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis && type.getDimSize(i) != first.getDimSize(i))
        return emitOptionalError(loc, "operand shapes ", shapeString(first.getShape()), " and ",
                                 shapeString(type.getShape()), " differ outside axis ", axis);
    if (type.isDynamicDim(axis))
      return emitOptionalError(loc, "the concatenation axis must be static");
    shape[axis] += type.getDimSize(axis);
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

static int64_t staticProduct(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType();
  auto out = getOutput().getType();
  ArrayRef<int64_t> inShape = in.getShape(), outShape = out.getShape();
  for (ArrayRef<int64_t> shape : {inShape, outShape})
    for (size_t i = 1; i < shape.size(); ++i)
      if (ShapedType::isDynamic(shape[i]))
        return emitOpError() << "only the leading dimension may be dynamic, got "
                             << shapeString(shape);
  bool inDyn = !inShape.empty() && ShapedType::isDynamic(inShape[0]);
  bool outDyn = !outShape.empty() && ShapedType::isDynamic(outShape[0]);
  if (inDyn != outDyn)
    return emitOpError() << "a dynamic batch dimension must stay the leading dimension: "
                         << shapeString(inShape) << " -> " << shapeString(outShape);
  if (inDyn ? staticProduct(inShape.drop_front()) != staticProduct(outShape.drop_front())
            : staticProduct(inShape) != staticProduct(outShape))
    return emitOpError() << "cannot reshape " << shapeString(inShape) << " to "
                         << shapeString(outShape) << ": element counts differ";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  // Reshaping a dense (non-resource) constant is free; resource blobs stay
  // untouched so that large weights are never copied.
  if (auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getOutput().getType());
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// TransposeOp, SliceOp, ReduceOp, LogSoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "the operand must be a ranked tensor");
  ArrayRef<int64_t> perm = adaptor.getPerm();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(perm.size()) != rank)
    return emitOptionalError(loc, "'perm' ", shapeString(perm), " must have ", rank, " entries");
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return emitOptionalError(loc, "'perm' ", shapeString(perm), " is not a permutation");
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  if (rank > 0 && input.isDynamicDim(0) && perm[0] != 0)
    return emitOptionalError(loc, "a dynamic batch must stay the leading dimension");
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "the operand must be a ranked tensor");
  int64_t rank = input.getRank();
  ArrayRef<int64_t> starts = adaptor.getStarts(), sizes = adaptor.getSizes(),
                    steps = adaptor.getSteps();
  if (static_cast<int64_t>(starts.size()) != rank || static_cast<int64_t>(sizes.size()) != rank ||
      static_cast<int64_t>(steps.size()) != rank)
    return emitOptionalError(loc, "starts, sizes and steps must have ", rank, " entries each");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t extent = input.getDimSize(d);
    if (ShapedType::isDynamic(extent)) {
      if (starts[d] != 0 || sizes[d] != -1 || steps[d] != 1)
        return emitOptionalError(loc, "the dynamic batch dimension must be taken whole");
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t last = starts[d] + (sizes[d] - 1) * steps[d];
    if (sizes[d] < 1 || steps[d] == 0 || starts[d] < 0 || starts[d] >= extent || last < 0 ||
        last >= extent)
      return emitOptionalError(loc, "slice of dimension ", d, " (start ", starts[d], ", size ",
                               sizes[d], ", step ", steps[d], ") leaves the input ",
                               shapeString(input.getShape()));
    shape.push_back(sizes[d]);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "the operand must be a ranked tensor");
  SmallVector<int64_t> shape(input.getShape());
  for (int64_t axis : adaptor.getAxes()) {
    if (axis < 0 || axis >= input.getRank())
      return emitOptionalError(loc, "axis ", axis, " is out of range for rank ", input.getRank());
    if (input.isDynamicDim(axis))
      return emitOptionalError(loc, "reducing over the dynamic batch is not supported");
    shape[axis] = 1;
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "the operand must be a ranked tensor");
  int64_t rank = input.getRank();
  ArrayRef<int64_t> pads = adaptor.getPads();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return emitOptionalError(loc, "'pads' must have ", 2 * rank, " entries, got ", pads.size());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t extent = input.getDimSize(d), begin = pads[d], end = pads[d + rank];
    if (ShapedType::isDynamic(extent)) {
      if (begin != 0 || end != 0)
        return emitOptionalError(loc, "the dynamic batch dimension cannot be padded");
      shape.push_back(extent);
      continue;
    }
    if (extent + begin + end < 1)
      return emitOptionalError(loc, "pads ", shapeString(pads), " remove all of dimension ", d);
    if (adaptor.getMode() == PadMode::reflect && (begin >= extent || end >= extent))
      return emitOptionalError(loc, "reflect padding must be smaller than the dimension");
    shape.push_back(extent + begin + end);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
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

#include "cv/CvEnums.cpp.inc"

#define GET_OP_CLASSES
#include "cv/CvOps.cpp.inc"
