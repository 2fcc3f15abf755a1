//===- Verification.cpp - shape rules and checks shared by the families ---===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

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

namespace cvc::cv::detail {

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

LogicalResult checkBias(std::optional<Location> loc, Value bias, int64_t channels) {
  if (!bias)
    return success();
  auto type = rankedOrNull(bias.getType());
  if (!type || type.getRank() != 1 || type.getDimSize(0) != channels)
    return emitOptionalError(loc, "bias must be a [", channels, "] tensor");
  return success();
}

size_t activationArgCount(Activation activation) {
  switch (activation) {
  case Activation::clip:
  case Activation::hard_sigmoid:
    return 2;
  case Activation::leaky_relu:
    return 1;
  default:
    return 0;
  }
}

LogicalResult verifyEpilogue(Operation *op) {
  auto layer = llvm::cast<EpilogueOpInterface>(op);
  Type output = op->getResult(0).getType();
  if (Value residual = layer.getResidual(); residual && residual.getType() != output)
    return op->emitOpError() << "residual " << residual.getType()
                             << " must have the result's type " << output;
  size_t expected = activationArgCount(layer.getActivation());
  if (layer.getActivationArgs().size() != expected)
    return op->emitOpError() << "activation '" << stringifyActivation(layer.getActivation())
                             << "' takes " << expected << " activation_args, got "
                             << layer.getActivationArgs().size();
  return success();
}

bool batchStaysLeading(Operation *op) {
  auto hasBatch = [](Type type) {
    auto ranked = llvm::dyn_cast<RankedTensorType>(type);
    return ranked && ranked.getRank() > 0 && ranked.isDynamicDim(0) &&
           llvm::count_if(ranked.getShape(), ShapedType::isDynamic) == 1;
  };
  if (op->getNumResults() != 1 || !hasBatch(op->getResult(0).getType()))
    return false;
  return llvm::all_of(op->getOperandTypes(), [&](Type type) {
    auto ranked = llvm::dyn_cast<RankedTensorType>(type);
    return ranked && (ranked.hasStaticShape() || hasBatch(type));
  });
}

std::optional<std::vector<float>> floatElements(Attribute attr) {
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

RankedTensorType typeOf(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

} // namespace cvc::cv::detail
