//===- ElementwiseOps.cpp - activations and arithmetic ------------------===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace cvc::cv;
using namespace cvc::cv::detail;

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

LogicalResult ActivationBackwardOp::verify() {
  Activation a = getActivation();
  size_t expected = activationArgCount(a);
  if (getActivationArgs().size() != expected)
    return emitOpError() << "activation '" << stringifyActivation(a) << "' takes " << expected
                         << " activation_args, got " << getActivationArgs().size();
  return success();
}
