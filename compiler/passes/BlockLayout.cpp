//===- BlockLayout.cpp - channel-blocked activations around convolutions -===//
//
// In NCHW a convolution vectorises along image rows, and rows narrower than
// a vector (7x7, 14x14 feature maps) waste lanes. In NCHW[b]c, b consecutive
// channels of a pixel are one vector, so every layer fills its vectors
// whatever the image size, and the weights are laid out at compile time for
// unit-stride vector loads. Each convolution with at least b output
// channels (and whole blocks per group when grouped), and each depthwise
// one, is rewritten between layout conversions, channel counts that do not
// divide by b padded to the next block; the conversions are then pushed
// through elementwise ops (also those broadcasting a value per channel),
// poolings and channel concatenations, and cancel where two blocked ops
// meet, so that they remain only at the region's boundaries. Linear
// layers' constant weights are packed into panels of b columns.
//
//===----------------------------------------------------------------------===//
#include "LayerRewrite.h"
#include "cvc/passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace cvc {
#define GEN_PASS_DEF_CVBLOCKLAYOUT
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using namespace cvc;

namespace {

/// [N, ceil(C/b), H, W, b] for an NCHW type.
RankedTensorType blockedType(RankedTensorType t, int64_t block) {
  return RankedTensorType::get({t.getDimSize(0), (t.getDimSize(1) + block - 1) / block,
                                t.getDimSize(2), t.getDimSize(3), block},
                               t.getElementType());
}

/// Whether an NCHW type's channels leave padding in their last block.
bool isPadded(RankedTensorType nchw, int64_t block) { return nchw.getDimSize(1) % block != 0; }

/// A constant holding a layer's parameters laid out in blocks; `padding`
/// of its elements are zeros filling the last channel block, which
/// `cvc --summary` does not count as parameters.
Value blockedConstant(PatternRewriter &rewriter, Location loc, ArrayRef<int64_t> shape,
                      ArrayRef<float> values, const std::string &name, int64_t padding) {
  Value v = cv::createFloatConstant(rewriter, loc, shape, values, name);
  if (padding > 0)
    v.getDefiningOp()->setAttr("cv.padding", rewriter.getI64IntegerAttr(padding));
  return v;
}

/// `blocked` back to `nchw`, dropping the last block's padding.
Value fromBlocked(PatternRewriter &rewriter, Location loc, RankedTensorType nchw, Value blocked) {
  int64_t block = llvm::cast<RankedTensorType>(blocked.getType()).getDimSize(4);
  IntegerAttr channels =
      isPadded(nchw, block) ? rewriter.getI64IntegerAttr(nchw.getDimSize(1)) : IntegerAttr();
  return rewriter.create<cv::FromBlockedOp>(loc, nchw, blocked, channels);
}

Value toBlocked(PatternRewriter &rewriter, Location loc, Value v, int64_t block) {
  return rewriter.create<cv::ToBlockedOp>(
      loc, blockedType(llvm::cast<RankedTensorType>(v.getType()), block), v,
      rewriter.getI64IntegerAttr(block));
}

/// The rounded-up channel count of `c` channels in blocks of `block`.
int64_t roundUp(int64_t c, int64_t block) { return (c + block - 1) / block * block; }

struct BlockConvolution : public OpRewritePattern<cv::Conv2DOp> {
  BlockConvolution(MLIRContext *ctx, int64_t block)
      : OpRewritePattern<cv::Conv2DOp>(ctx), block(block) {}

  LogicalResult matchAndRewrite(cv::Conv2DOp conv, PatternRewriter &rewriter) const override {
    auto inType = llvm::cast<RankedTensorType>(conv.getInput().getType());
    auto outType = llvm::cast<RankedTensorType>(conv.getType());
    auto wType = llvm::cast<RankedTensorType>(conv.getWeight().getType());
    int64_t c = inType.getDimSize(1), m = outType.getDimSize(1), groups = conv.getGroups();
    // Ungrouped, channel counts that do not fill blocks are padded to them:
    // the padding's weights are zero, so a network of 24, 40 or 80 channels
    // stays blocked. Grouped, each group's channels must be whole blocks.
    if (groups > 1 && (m % (block * groups) != 0 || c % (block * groups) != 0))
      return rewriter.notifyMatchFailure(conv,
                                         "channels per group not a multiple of the block");
    // Fewer channels than one block never pay for padding a whole block.
    if (m < block)
      return rewriter.notifyMatchFailure(conv, "fewer output channels than a block");
    // A first layer's 1 or 3 input channels cannot be blocked: it reads them
    // in NCHW and still writes blocked output, so the network's first
    // layout conversion is never needed.
    bool blockedInput = c >= block;
    auto weights = cv::readFloatConstant(conv.getWeight());
    if (!weights)
      return rewriter.notifyMatchFailure(conv, "weights are not constant");
    // W'[m / b, c, i, j, m % b] = W[m, c, i, j], zero for padded m and c.
    int64_t mp = roundUp(m, block);
    int64_t cg = wType.getDimSize(1), cp = blockedInput && groups == 1 ? roundUp(c, block) : cg;
    int64_t window = wType.getDimSize(2) * wType.getDimSize(3);
    std::vector<float> blocked(static_cast<size_t>(mp) * cp * window, 0.0f);
    for (int64_t o = 0; o < m; ++o)
      for (int64_t ci = 0; ci < cg; ++ci)
        for (int64_t k = 0; k < window; ++k)
          blocked[(((o / block) * cp + ci) * window + k) * block + o % block] =
              (*weights)[(o * cg + ci) * window + k];

    Location loc = conv.getLoc();
    Value weight = blockedConstant(
        rewriter, loc, {mp / block, cp, wType.getDimSize(2), wType.getDimSize(3), block}, blocked,
        constantName(conv.getWeight(), "conv") + ".blocked", (mp * cp - m * cg) * window);
    Value bias = conv.getBias();
    if (bias && mp != m) {
      auto values = cv::readFloatConstant(bias);
      if (!values)
        return rewriter.notifyMatchFailure(conv, "a padded layer's bias is not constant");
      values->resize(mp, 0.0f);
      bias = blockedConstant(rewriter, loc, {mp}, *values,
                             constantName(conv.getBias(), "conv") + ".padded", mp - m);
    }
    Value input = blockedInput ? toBlocked(rewriter, loc, conv.getInput(), block)
                               : conv.getInput();
    Value residual =
        conv.getResidual() ? toBlocked(rewriter, loc, conv.getResidual(), block) : Value();
    auto result = rewriter.create<cv::BlockedConv2DOp>(
        loc, blockedType(outType, block), input, weight, bias, Value(), Value(), residual,
        conv.getActivationAttr(), conv.getActivationArgsAttr(), conv.getStridesAttr(),
        conv.getPadsAttr(), conv.getDilationsAttr(), rewriter.getDenseI64ArrayAttr({}),
        rewriter.getI64IntegerAttr(groups),
        cv::ActivationAttr::get(rewriter.getContext(), cv::Activation::none),
        cp != cg ? rewriter.getI64IntegerAttr(c) : IntegerAttr());
    rewriter.replaceOp(conv, fromBlocked(rewriter, loc, outType, result.getOutput()));
    return success();
  }

  int64_t block;
};

/// A depthwise convolution (one input and one output channel per group,
/// MobileNets' and EfficientNets' 3x3 and 5x5 layers): each lane of a
/// vector is its own channel, so it runs in the blocked layout as
/// cv.depthwise_conv2d_blocked with no reduction across lanes, and the
/// layout conversions around it cancel against its blocked neighbours
/// instead of costing two passes over the data. Channels that do not fill
/// the last block are padded (zero windows).
///
/// Narrow groups (g input and g output channels each, g dividing the block:
/// ResNeXt's 4, RegNet's 8) stay inside a vector too: output lane l reads
/// the g input lanes of its group, so the same kernel takes them with a
/// [C/b, kh, kw, g, b] weight. In NCHW, with a layout conversion on each
/// side, they were about a third of RegNetY-400MF's time (batch 1, Zen 4).
struct BlockDepthwise : public OpRewritePattern<cv::Conv2DOp> {
  BlockDepthwise(MLIRContext *ctx, int64_t block)
      : OpRewritePattern<cv::Conv2DOp>(ctx, /*benefit=*/2), block(block) {}

  LogicalResult matchAndRewrite(cv::Conv2DOp conv, PatternRewriter &rewriter) const override {
    auto inType = llvm::cast<RankedTensorType>(conv.getInput().getType());
    auto outType = llvm::cast<RankedTensorType>(conv.getType());
    auto wType = llvm::cast<RankedTensorType>(conv.getWeight().getType());
    int64_t c = inType.getDimSize(1), groups = conv.getGroups();
    int64_t width = wType.getDimSize(1); // input channels per group
    if (groups < 2 || outType.getDimSize(1) != c || c != groups * width)
      return rewriter.notifyMatchFailure(conv, "not grouped with as many outputs as inputs");
    if (width >= block || block % width != 0)
      return rewriter.notifyMatchFailure(
          conv, "groups do not tile the channel block (whole blocks are cv.conv2d_blocked's)");
    if (c < block)
      return rewriter.notifyMatchFailure(conv, "fewer channels than a block");
    auto weights = cv::readFloatConstant(conv.getWeight());
    if (!weights)
      return rewriter.notifyMatchFailure(conv, "weights are not constant");
    // Depthwise: W'[c / b, i, j, c % b] = W[c, 0, i, j]. Narrow groups:
    // W'[c / b, i, j, k, c % b] = W[c, k, i, j], k the input channel within
    // c's group. Zero for padded channels.
    int64_t cp = roundUp(c, block);
    int64_t window = wType.getDimSize(2) * wType.getDimSize(3);
    std::vector<float> blocked(static_cast<size_t>(cp) * window * width, 0.0f);
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t k = 0; k < width; ++k)
        for (int64_t tap = 0; tap < window; ++tap)
          blocked[(((ch / block) * window + tap) * width + k) * block + ch % block] =
              (*weights)[(ch * width + k) * window + tap];
    SmallVector<int64_t> shape = {cp / block, wType.getDimSize(2), wType.getDimSize(3)};
    if (width > 1)
      shape.push_back(width);
    shape.push_back(block);
    Location loc = conv.getLoc();
    Value weight =
        blockedConstant(rewriter, loc, shape, blocked,
                        constantName(conv.getWeight(), "conv") + ".blocked", (cp - c) * window * width);
    Value bias = conv.getBias();
    if (bias && cp != c) {
      auto values = cv::readFloatConstant(bias);
      if (!values)
        return rewriter.notifyMatchFailure(conv, "a padded layer's bias is not constant");
      values->resize(cp, 0.0f);
      bias = blockedConstant(rewriter, loc, {cp}, *values,
                             constantName(conv.getBias(), "conv") + ".padded", cp - c);
    }
    Value residual =
        conv.getResidual() ? toBlocked(rewriter, loc, conv.getResidual(), block) : Value();
    auto result = rewriter.create<cv::DepthwiseConv2DOp>(
        loc, blockedType(outType, block), toBlocked(rewriter, loc, conv.getInput(), block),
        weight, bias, residual, conv.getActivationAttr(), conv.getActivationArgsAttr(),
        conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr());
    rewriter.replaceOp(conv, fromBlocked(rewriter, loc, outType, result.getOutput()));
    return success();
  }

  int64_t block;
};

/// Whether `shape` broadcasts against an NCHW tensor of `channels` channels
/// as one value per channel (and image): [N or 1, C, 1, 1] or [C, 1, 1], as
/// a squeeze-and-excitation scale or a per-channel constant is.
bool isPerChannel(ArrayRef<int64_t> shape, int64_t channels) {
  if (shape.size() == 3)
    return shape[0] == channels && shape[1] == 1 && shape[2] == 1;
  return shape.size() == 4 && shape[1] == channels && shape[2] == 1 && shape[3] == 1;
}

/// Whether `shape` broadcasts as one value for everything ([], [1], [1, 1, 1]).
bool isScalarLike(ArrayRef<int64_t> shape) {
  return llvm::all_of(shape, [](int64_t d) { return d == 1; });
}

/// op(from_blocked(x), ...) -> from_blocked(op(x, ...)) for elementwise ops
/// whose full-size operands all come out of the same blocked layout. The
/// other operands may broadcast: a scalar stays as it is, and a value per
/// channel ([N, C, 1, 1], a squeeze-and-excitation scale, or [C, 1, 1]) is
/// blocked too, [N or 1, C/b, 1, 1, b], which broadcasts over the pixels of
/// the blocked tensor as it did over the NCHW one.
struct HoistThroughElementwise : public RewritePattern {
  explicit HoistThroughElementwise(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    // Unary ops carry the Elementwise trait; the binary ones broadcast, which
    // the trait forbids, so they are listed.
    bool elementwise = op->hasTrait<OpTrait::Elementwise>() ||
                       llvm::isa<cv::AddOp, cv::SubOp, cv::MulOp, cv::DivOp, cv::MaxOp, cv::MinOp,
                                 cv::PowOp, cv::PReluOp>(op);
    if (!elementwise || op->getNumResults() != 1 ||
        op->getDialect() != op->getContext()->getLoadedDialect<cv::CvDialect>())
      return failure();
    auto resultType = llvm::dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType || resultType.getRank() != 4)
      return failure();
    // The blocked layout of the full-size operands.
    RankedTensorType blockedResult;
    for (Value operand : op->getOperands())
      if (auto from = operand.getDefiningOp<cv::FromBlockedOp>();
          from && operand.getType() == resultType) {
        auto type = llvm::cast<RankedTensorType>(from.getInput().getType());
        if (blockedResult && type != blockedResult)
          return rewriter.notifyMatchFailure(op, "operands blocked differently");
        blockedResult = type;
      }
    if (!blockedResult)
      return rewriter.notifyMatchFailure(op, "no operand is a same-shape blocked tensor");
    int64_t block = blockedResult.getDimSize(4), channels = resultType.getDimSize(1);
    // Padding lanes hold unspecified finite values, which later blocked
    // convolutions multiply by zero weights; only ops that keep finite
    // values finite may compute on them (not a division or a logarithm).
    if (isPadded(resultType, block) &&
        !llvm::isa<cv::ReluOp, cv::ClipOp, cv::LeakyReluOp, cv::SigmoidOp, cv::TanhOp,
                   cv::HardSigmoidOp, cv::HardSwishOp, cv::SwishOp, cv::AbsOp, cv::NegOp,
                   cv::AddOp, cv::SubOp, cv::MulOp, cv::MaxOp, cv::MinOp, cv::PReluOp>(op))
      return rewriter.notifyMatchFailure(op, "could make padding lanes non-finite");
    SmallVector<Value> blocked;
    for (Value operand : op->getOperands()) {
      auto type = llvm::cast<RankedTensorType>(operand.getType());
      if (type == resultType) {
        auto from = operand.getDefiningOp<cv::FromBlockedOp>();
        if (!from)
          return rewriter.notifyMatchFailure(op, "a full-size operand is not blocked");
        blocked.push_back(from.getInput());
      } else if (isScalarLike(type.getShape())) {
        blocked.push_back(operand);
      } else if (isPerChannel(type.getShape(), channels)) {
        blocked.push_back(blockPerChannel(rewriter, op->getLoc(), operand, block));
      } else {
        return rewriter.notifyMatchFailure(op, "an operand broadcasts along the pixels unevenly");
      }
    }
    Operation *clone = rewriter.clone(*op);
    clone->setOperands(blocked);
    clone->getResult(0).setType(blockedResult);
    rewriter.replaceOp(op, fromBlocked(rewriter, op->getLoc(), resultType, clone->getResult(0)));
    return success();
  }

  /// A per-channel value as [N or 1, C/b, 1, 1, b].
  static Value blockPerChannel(PatternRewriter &rewriter, Location loc, Value v, int64_t block) {
    auto type = llvm::cast<RankedTensorType>(v.getType());
    if (type.getRank() == 3) {
      auto nchw = RankedTensorType::get({1, type.getDimSize(0), 1, 1}, type.getElementType());
      v = rewriter.create<cv::ReshapeOp>(loc, nchw, v);
      type = nchw;
    }
    if (auto from = v.getDefiningOp<cv::FromBlockedOp>())
      return from.getInput();
    return toBlocked(rewriter, loc, v, block);
  }
};

/// An inference batch norm that no layer before it could take (DenseNet's
/// pre-activation after a concat) of a blocked tensor: x * s + t with a
/// scale and shift per channel, blocked like x ([1, C/b, 1, 1, b], zero on
/// padding lanes), so that the region goes on through it instead of
/// converting back and forth.
struct HoistThroughBatchNorm : public OpRewritePattern<cv::BatchNormOp> {
  using OpRewritePattern<cv::BatchNormOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cv::BatchNormOp bn, PatternRewriter &rewriter) const override {
    auto from = bn.getInput().getDefiningOp<cv::FromBlockedOp>();
    if (!from)
      return failure();
    auto scale = cv::readFloatConstant(bn.getScale());
    auto shift = cv::readFloatConstant(bn.getBias());
    auto mean = cv::readFloatConstant(bn.getMean());
    auto variance = cv::readFloatConstant(bn.getVariance());
    if (!scale || !shift || !mean || !variance)
      return rewriter.notifyMatchFailure(bn, "parameters or statistics are not constant");
    auto blockedIn = llvm::cast<RankedTensorType>(from.getInput().getType());
    int64_t blocks = blockedIn.getDimSize(1), block = blockedIn.getDimSize(4);
    std::vector<float> s(blocks * block, 0.0f), t(blocks * block, 0.0f);
    double epsilon = bn.getEpsilon().convertToDouble();
    for (size_t c = 0; c < scale->size(); ++c) {
      double k = (*scale)[c] / std::sqrt(static_cast<double>((*variance)[c]) + epsilon);
      s[c] = static_cast<float>(k);
      t[c] = static_cast<float>((*shift)[c] - (*mean)[c] * k);
    }
    Location loc = bn.getLoc();
    std::string name = constantName(bn.getScale(), "batch_norm");
    int64_t padding = blocks * block - static_cast<int64_t>(scale->size());
    Value sc = blockedConstant(rewriter, loc, {1, blocks, 1, 1, block}, s,
                               name + ".blocked_scale", padding);
    Value sh = blockedConstant(rewriter, loc, {1, blocks, 1, 1, block}, t,
                               name + ".blocked_shift", padding);
    Value scaled = rewriter.create<cv::MulOp>(loc, blockedIn, from.getInput(), sc);
    Value shifted = rewriter.create<cv::AddOp>(loc, blockedIn, scaled, sh);
    rewriter.replaceOp(bn, fromBlocked(rewriter, loc,
                                       llvm::cast<RankedTensorType>(bn.getType()), shifted));
    return success();
  }
};

/// pool(from_blocked(x)) -> from_blocked(pool(x)): channels pool independently.
template <typename PoolOp> struct HoistThroughPool : public OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(PoolOp pool, PatternRewriter &rewriter) const override {
    auto from = pool.getInput().template getDefiningOp<cv::FromBlockedOp>();
    if (!from)
      return failure();
    auto in = llvm::cast<RankedTensorType>(from.getInput().getType());
    auto out = llvm::cast<RankedTensorType>(pool.getType());
    Operation *clone = rewriter.clone(*pool);
    clone->setOperand(0, from.getInput());
    clone->getResult(0).setType(blockedType(out, in.getDimSize(4)));
    rewriter.replaceOp(pool, fromBlocked(rewriter, pool.getLoc(), out, clone->getResult(0)));
    return success();
  }
};

/// concat(from_blocked(a), from_blocked(b), ...) along channels ->
/// from_blocked(concat(a, b, ...) along channel blocks).
struct HoistThroughConcat : public OpRewritePattern<cv::ConcatOp> {
  using OpRewritePattern<cv::ConcatOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cv::ConcatOp concat, PatternRewriter &rewriter) const override {
    if (concat.getAxis() != 1)
      return failure();
    SmallVector<Value> blocked;
    for (auto [i, operand] : llvm::enumerate(concat.getInputs())) {
      auto from = operand.getDefiningOp<cv::FromBlockedOp>();
      // Padding may only end the result: an operand's padding elsewhere
      // would shift every channel after it.
      if (from && from.getChannels() && i + 1 != concat.getInputs().size())
        return rewriter.notifyMatchFailure(concat, "a padded operand before the last");
      if (!from || (!blocked.empty() &&
                    llvm::cast<RankedTensorType>(from.getInput().getType()).getDimSize(4) !=
                        llvm::cast<RankedTensorType>(blocked.front().getType()).getDimSize(4)))
        return rewriter.notifyMatchFailure(concat, "an operand is not blocked alike");
      blocked.push_back(from.getInput());
    }
    auto first = llvm::cast<RankedTensorType>(blocked.front().getType());
    int64_t blocks = 0;
    for (Value v : blocked)
      blocks += llvm::cast<RankedTensorType>(v.getType()).getDimSize(1);
    auto type = RankedTensorType::get({first.getDimSize(0), blocks, first.getDimSize(2),
                                       first.getDimSize(3), first.getDimSize(4)},
                                      first.getElementType());
    auto joined = rewriter.create<cv::ConcatOp>(concat.getLoc(), type, blocked,
                                                concat.getAxisAttr(), UnitAttr());
    rewriter.replaceOp(concat, fromBlocked(rewriter, concat.getLoc(),
                                           llvm::cast<RankedTensorType>(concat.getType()),
                                           joined.getOutput()));
    return success();
  }
};

/// A linear layer's constant [K, N] weight as [N/b, K, b]: each panel of b
/// columns contiguous. The kernel holds a panel of the weight in cache while
/// the rows pass over it; read from [K, N], a panel is one short piece of
/// every row, and ConvNeXt-Tiny's [3072, 768] layers ran at 44-51% of the
/// FMA peak (batch 1, 1 thread, Zen 4) fetching it.
struct PackLinearWeight : public OpRewritePattern<cv::LinearOp> {
  PackLinearWeight(MLIRContext *ctx, int64_t block)
      : OpRewritePattern<cv::LinearOp>(ctx), block(block) {}

  LogicalResult matchAndRewrite(cv::LinearOp linear, PatternRewriter &rewriter) const override {
    auto wType = llvm::cast<RankedTensorType>(linear.getWeight().getType());
    if (wType.getRank() != 2)
      return rewriter.notifyMatchFailure(linear, "weight already packed");
    int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
    if (n % block != 0)
      return rewriter.notifyMatchFailure(linear, "columns do not divide into blocks");
    auto values = cv::readFloatConstant(linear.getWeight());
    if (!values)
      return rewriter.notifyMatchFailure(linear, "weight is not a constant");
    std::vector<float> packed(values->size());
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t col = 0; col < n; ++col)
        packed[((col / block) * k + kk) * block + col % block] = (*values)[kk * n + col];
    rewriter.setInsertionPoint(linear);
    LayerParts parts = partsOf(linear);
    parts.weight = cv::createFloatConstant(rewriter, linear.getLoc(), {n / block, k, block}, packed,
                                           constantName(linear.getWeight(), "linear") + ".packed");
    rewriter.replaceOp(linear, rebuildLayer(rewriter, linear, parts).getOutput());
    return success();
  }

  int64_t block;
};

struct CvBlockLayoutPass : public cvc::impl::CvBlockLayoutBase<CvBlockLayoutPass> {
  using CvBlockLayoutBase::CvBlockLayoutBase;

  void runOnOperation() override {
    int64_t channels = block;
    if (channels == 0) {
      auto target = cv::TargetAttr::of(getOperation()->getParentOfType<ModuleOp>());
      if (!target) {
        getOperation().emitError("cv-block-layout: no block size: give block=N or a module "
                                 "cv.target");
        return signalPassFailure();
      }
      // A target without vectors has nothing to gain from blocks.
      if (target.getBlock() < 2)
        return;
      channels = target.getBlock();
    }
    if (channels < 2) {
      getOperation().emitError("cv-block-layout: block must be at least 2");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<BlockConvolution, BlockDepthwise, PackLinearWeight>(&getContext(), channels);
    patterns.add<HoistThroughElementwise, HoistThroughConcat, HoistThroughBatchNorm,
                 HoistThroughPool<cv::MaxPool2DOp>,
                 HoistThroughPool<cv::AvgPool2DOp>>(&getContext());
    cv::ToBlockedOp::getCanonicalizationPatterns(patterns, &getContext());
    cv::FromBlockedOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
