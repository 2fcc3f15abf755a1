//===- ElementwiseOps.cpp - activations and arithmetic ------------------===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <array>
#include <cmath>
#include <optional>

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
      .Case([](HardSigmoidOp o) {
        return Result{Activation::hard_sigmoid,
                      {o.getAlpha().convertToFloat(), o.getBeta().convertToFloat()}};
      })
      .Case([](HardSwishOp) { return Result{Activation::hard_swish, {}}; })
      .Case([](SwishOp) { return Result{Activation::swish, {}}; })
      .Case([](GeluOp) { return Result{Activation::gelu, {}}; })
      .Case([](MishOp) { return Result{Activation::mish, {}}; })
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
CV_BINARY_INFER(CompareOp)
#undef CV_BINARY_INFER

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  SmallVector<Type, 1> values;
  if (failed(inferBroadcast(loc, adaptor.getLhs(), adaptor.getRhs(), values)))
    return failure();
  auto condition = rankedOrNull(adaptor.getCondition().getType());
  auto both = llvm::cast<RankedTensorType>(values[0]);
  if (!condition)
    return emitOptionalError(loc, "the condition must be a ranked tensor");
  int64_t rank = std::max(condition.getRank(), both.getRank());
  SmallVector<int64_t> shape(rank);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t ci = i - (rank - condition.getRank()), vi = i - (rank - both.getRank());
    int64_t a = ci >= 0 ? condition.getDimSize(ci) : 1, b = vi >= 0 ? both.getDimSize(vi) : 1;
    if (a != b && a != 1 && b != 1)
      return emitOptionalError(loc, "the condition ", shapeString(condition.getShape()),
                               " does not broadcast against ", shapeString(both.getShape()));
    shape[i] = a == 1 ? b : a;
  }
  inferred.push_back(RankedTensorType::get(shape, both.getElementType()));
  return success();
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
// Every binary op
//===----------------------------------------------------------------------===//

namespace {

/// Operand `i` of a binary op when cv.expand made it: the expand, and the
/// shape its input and the op's other operand broadcast to.
struct ExpandedOperand {
  ExpandOp expand;
  SmallVector<int64_t> broadcast;
};

template <typename OpT> std::optional<ExpandedOperand> expandedOperand(OpT op, int i) {
  std::array<Value, 2> operands{op.getLhs(), op.getRhs()};
  auto expand = operands[i].template getDefiningOp<ExpandOp>();
  if (!expand)
    return std::nullopt;
  auto small = llvm::dyn_cast<RankedTensorType>(expand.getInput().getType());
  auto other = llvm::dyn_cast<RankedTensorType>(operands[1 - i].getType());
  ExpandedOperand found{expand, {}};
  if (!small || !other ||
      !OpTrait::util::getBroadcastedShape(small.getShape(), other.getShape(), found.broadcast))
    return std::nullopt;
  return found;
}

/// A binary op reading cv.expand's result reads its input instead, where
/// broadcasting gives the op the same result: the expanded tensor is never
/// written. Gradients of reductions are expands (a training step's batch
/// norm has three per layer, each a pass over the activations).
template <typename OpT> struct BroadcastInsteadOfExpand : public OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    auto resultType = llvm::cast<RankedTensorType>(op.getType());
    for (int i = 0; i < 2; ++i) {
      std::optional<ExpandedOperand> e = expandedOperand(op, i);
      if (!e || ArrayRef<int64_t>(e->broadcast) != resultType.getShape())
        continue;
      rewriter.modifyOpInPlace(op, [&] { op->setOperand(i, e->expand.getInput()); });
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no expand that broadcasting replaces");
  }
};

/// op(expand(a), b) is expand(op(a, b)) when b broadcasts into a's shape
/// and nothing else reads the expand: the op runs on the small tensor, and
/// what reads the result may then broadcast it instead
/// (BroadcastInsteadOfExpand). The gradient of a mean is expand(g) · 1/n.
template <typename OpT> struct ElementwiseBeforeExpand : public OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      std::optional<ExpandedOperand> e = expandedOperand(op, i);
      if (!e || !e->expand->hasOneUse())
        continue;
      Value small = e->expand.getInput();
      if (ArrayRef<int64_t>(e->broadcast) != llvm::cast<RankedTensorType>(small.getType()).getShape())
        continue;
      Value lhs = i == 0 ? small : op.getLhs();
      Value rhs = i == 0 ? op.getRhs() : small;
      Value inner = rewriter.create<OpT>(op.getLoc(), lhs, rhs);
      rewriter.replaceOpWithNewOp<ExpandOp>(op, op.getType(), inner);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no single-use expand of a larger operand");
  }
};

/// a + (-b) is a - b, and a - (-b) is a + b, when nothing else reads -b.
template <typename OpT, typename InverseT>
struct AbsorbNegation : public OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Value a = op.getLhs(), b = op.getRhs();
    auto neg = b.template getDefiningOp<NegOp>();
    if (!neg && std::is_same_v<OpT, AddOp>) {
      std::swap(a, b);
      neg = b.template getDefiningOp<NegOp>();
    }
    if (!neg || !neg->hasOneUse())
      return rewriter.notifyMatchFailure(op, "no single-use negation to absorb");
    // A negation keeps its input's type, so the result's type is unchanged.
    rewriter.replaceOpWithNewOp<InverseT>(op, a, neg.getInput());
    return success();
  }
};

template <typename OpT> void addBinaryPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<BroadcastInsteadOfExpand<OpT>, ElementwiseBeforeExpand<OpT>>(context);
}

} // namespace

void AddOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  addBinaryPatterns<AddOp>(results, context);
  results.add<AbsorbNegation<AddOp, SubOp>>(context);
}
void SubOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  addBinaryPatterns<SubOp>(results, context);
  results.add<AbsorbNegation<SubOp, AddOp>>(context);
}
void MaxOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  addBinaryPatterns<MaxOp>(results, context);
}
void MinOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  addBinaryPatterns<MinOp>(results, context);
}
void PReluOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  addBinaryPatterns<PReluOp>(results, context);
}

//===----------------------------------------------------------------------===//
// MulOp
//===----------------------------------------------------------------------===//

namespace {

/// The two operands of a commutative op, in both orders.
template <typename OpT> std::array<std::pair<Value, Value>, 2> bothOrders(OpT op) {
  return {std::pair{op.getLhs(), op.getRhs()}, std::pair{op.getRhs(), op.getLhs()}};
}

/// Whether `v` is a constant whose every element is within 1e-5 relative of
/// `expected` (exporters write sqrt(2) to a few digits).
bool isSplatNear(Value v, double expected) {
  auto values = readFloatConstant(v);
  if (!values || values->empty())
    return false;
  return llvm::all_of(*values, [&](float x) {
    return std::fabs(x - expected) <= 1e-5 * std::fabs(expected);
  });
}

/// x * sigmoid(x), in either order: Swish (SiLU), as exporters write it.
struct MulBySigmoidIsSwish : public OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &rewriter) const override {
    for (auto [x, s] : bothOrders(mul)) {
      auto sigmoid = s.getDefiningOp<SigmoidOp>();
      if (sigmoid && sigmoid.getInput() == x && x.getType() == mul.getType()) {
        rewriter.replaceOpWithNewOp<SwishOp>(mul, mul.getType(), x);
        return success();
      }
    }
    return failure();
  }
};

/// x * tanh(softplus(x)): Mish, as exporters write it.
struct MulByTanhSoftplusIsMish : public OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &rewriter) const override {
    for (auto [x, t] : bothOrders(mul)) {
      auto tanh = t.getDefiningOp<TanhOp>();
      auto softplus = tanh ? tanh.getInput().getDefiningOp<SoftplusOp>() : SoftplusOp();
      if (softplus && softplus.getInput() == x && x.getType() == mul.getType()) {
        rewriter.replaceOpWithNewOp<MishOp>(mul, mul.getType(), x);
        return success();
      }
    }
    return failure();
  }
};

/// (x * (erf(x / sqrt(2)) + 1)) * 0.5, with the constants on either side and
/// the division written as a multiplication by 1 / sqrt(2): GELU, as PyTorch
/// exports nn.GELU before ONNX has an op for it.
struct ErfFormIsGelu : public OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &rewriter) const override {
    for (auto [product, half] : bothOrders(mul)) {
      auto inner = product.getDefiningOp<MulOp>();
      if (!inner || !isSplatNear(half, 0.5))
        continue;
      for (auto [x, plusOne] : bothOrders(inner)) {
        auto add = plusOne.getDefiningOp<AddOp>();
        if (!add)
          continue;
        for (auto [e, one] : bothOrders(add)) {
          auto erf = e.getDefiningOp<ErfOp>();
          if (!erf || !isSplatNear(one, 1.0))
            continue;
          Value arg = erf.getInput();
          bool scaled = false;
          if (auto div = arg.getDefiningOp<DivOp>())
            scaled = div.getLhs() == x && isSplatNear(div.getRhs(), std::sqrt(2.0));
          if (auto byInverse = arg.getDefiningOp<MulOp>())
            for (auto [v, c] : bothOrders(byInverse))
              scaled |= v == x && isSplatNear(c, 1.0 / std::sqrt(2.0));
          if (scaled && x.getType() == mul.getType()) {
            rewriter.replaceOpWithNewOp<GeluOp>(mul, mul.getType(), x);
            return success();
          }
        }
      }
    }
    return failure();
  }
};

} // namespace

void MulOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  addBinaryPatterns<MulOp>(results, context);
  results.add<MulBySigmoidIsSwish, MulByTanhSoftplusIsMish, ErfFormIsGelu>(context);
}

//===----------------------------------------------------------------------===//
// DivOp
//===----------------------------------------------------------------------===//

namespace {

/// `v` through any chain of reshapes.
Value throughReshapes(Value v) {
  while (auto reshape = v.getDefiningOp<ReshapeOp>())
    v = reshape.getInput();
  return v;
}

/// The single value of a constant with every element equal.
std::optional<float> splatValue(Value v) {
  auto values = readFloatConstant(v);
  if (!values || values->empty() ||
      llvm::any_of(*values, [&](float x) { return x != values->front(); }))
    return std::nullopt;
  return values->front();
}

/// x / (k + alpha * avg(x^2))^beta with the average over a window of
/// channels: PyTorch's LocalResponseNorm as torch.onnx writes it (x^2 with
/// a unit axis inserted, zero-padded along the channels, a [size, 1, 1]
/// 3-D AveragePool, which cvc imports as a pooling along one axis, the unit
/// axis squeezed). ONNX's LRN pads a window of `size` channels by
/// (size - 1) / 2 before and the rest after; PyTorch's by size / 2 before,
/// which is the same for the odd sizes networks use. An even size stays
/// decomposed (and exact).
struct DecomposedLrnIsLrn : public OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp div, PatternRewriter &rewriter) const override {
    Value x = div.getLhs();
    auto type = llvm::dyn_cast<RankedTensorType>(x.getType());
    auto pow = div.getRhs().getDefiningOp<PowOp>();
    if (!type || type.getRank() != 4 || type != div.getType() || !pow)
      return failure();
    std::optional<float> beta = splatValue(pow.getRhs());
    auto add = pow.getLhs().getDefiningOp<AddOp>();
    if (!beta || !add)
      return failure();
    for (auto [scaled, k] : bothOrders(add)) {
      std::optional<float> bias = splatValue(k);
      auto mul = scaled.getDefiningOp<MulOp>();
      if (!bias || !mul)
        continue;
      for (auto [average, a] : bothOrders(mul)) {
        std::optional<float> alpha = splatValue(a);
        if (!alpha || average.getType() != type)
          continue;
        auto pool = throughReshapes(average).getDefiningOp<AvgPool2DOp>();
        if (!pool || pool.getKernel().size() != 2 || pool.getKernel()[1] != 1 ||
            llvm::any_of(pool.getStrides(), [](int64_t s) { return s != 1; }) ||
            llvm::any_of(pool.getPads(), [](int64_t p) { return p != 0; }))
          continue;
        int64_t size = pool.getKernel()[0];
        auto pad = throughReshapes(pool.getInput()).getDefiningOp<PadOp>();
        if (!pad || pad.getMode() != PadMode::constant || !pad.getValue().isZero())
          continue;
        auto padded = llvm::cast<RankedTensorType>(pad.getInput().getType());
        // [N, 1, C, H, W], padded along the channels (axis 2) alone.
        ArrayRef<int64_t> pads = pad.getPads();
        if (padded.getRank() != 5 || padded.getDimSize(1) != 1 ||
            padded.getDimSize(2) != type.getDimSize(1) || pads.size() != 10)
          continue;
        bool channelsOnly = true;
        for (int64_t i = 0; i < 5; ++i)
          if (i != 2 && (pads[i] != 0 || pads[i + 5] != 0))
            channelsOnly = false;
        if (!channelsOnly || pads[2] != (size - 1) / 2 || pads[2] + pads[7] != size - 1)
          continue;
        auto square = throughReshapes(pad.getInput()).getDefiningOp<MulOp>();
        if (!square || square.getLhs() != x || square.getRhs() != x)
          continue;
        rewriter.replaceOpWithNewOp<LRNOp>(div, type, x, rewriter.getI64IntegerAttr(size),
                                           rewriter.getF32FloatAttr(*alpha),
                                           rewriter.getF32FloatAttr(*beta),
                                           rewriter.getF32FloatAttr(*bias));
        return success();
      }
    }
    return failure();
  }
};

/// x^1, x^2 and x^3 as products: the exporters' decomposed LayerNorm
/// squares by Pow(x, 2), which a kernel computes through exp and log
/// (ConvNeXt-Tiny: 2.5 ms of its Pow against 0.5 of all its Muls). Only
/// where x alone gives the result's shape: a broadcast exponent stays.
struct PowOfSmallInteger : public OpRewritePattern<PowOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PowOp pow, PatternRewriter &rewriter) const override {
    Value x = pow.getLhs();
    std::optional<float> exponent = splatValue(pow.getRhs());
    if (!exponent || x.getType() != pow.getType())
      return rewriter.notifyMatchFailure(pow, "no splat exponent, or a broadcast one");
    if (*exponent == 1.0f) {
      rewriter.replaceOp(pow, x);
      return success();
    }
    if (*exponent != 2.0f && *exponent != 3.0f)
      return rewriter.notifyMatchFailure(pow, "an exponent other than 1, 2 or 3");
    Value square = rewriter.create<MulOp>(pow.getLoc(), pow.getType(), x, x);
    if (*exponent == 2.0f)
      rewriter.replaceOp(pow, square);
    else
      rewriter.replaceOpWithNewOp<MulOp>(pow, pow.getType(), square, x);
    return success();
  }
};

} // namespace

void DivOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  addBinaryPatterns<DivOp>(results, context);
  results.add<DecomposedLrnIsLrn>(context);
}
void PowOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  addBinaryPatterns<PowOp>(results, context);
  results.add<PowOfSmallInteger>(context);
}

LogicalResult ActivationBackwardOp::verify() {
  Activation a = getActivation();
  if (a == Activation::hard_sigmoid || a == Activation::hard_swish || a == Activation::swish ||
      a == Activation::gelu || a == Activation::mish)
    return emitOpError() << "activation '" << stringifyActivation(a)
                         << "' has no derivative determined by its result alone";
  size_t expected = activationArgCount(a);
  if (getActivationArgs().size() != expected)
    return emitOpError() << "activation '" << stringifyActivation(a) << "' takes " << expected
                         << " activation_args, got " << getActivationArgs().size();
  return success();
}
