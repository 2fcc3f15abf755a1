//===- BlockLayout.cpp - channel-blocked activations around convolutions -===//
//
// In NCHW a convolution vectorises along image rows, and rows narrower than
// a vector (7x7, 14x14 feature maps) waste lanes. In NCHW[b]c, b consecutive
// channels of a pixel are one vector, so every layer fills its vectors
// whatever the image size, and the weights are laid out at compile time for
// unit-stride vector loads. Each convolution whose output channels divide
// by b is rewritten between layout conversions (its input too, when the
// input channels divide by b); the conversions are then pushed
// through elementwise ops and channel concatenations, and cancel where two
// blocked ops meet, so that they remain only at the region's boundaries.
//
//===----------------------------------------------------------------------===//
#include "LayerRewrite.h"
#include "cvc/passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cvc {
#define GEN_PASS_DEF_CVBLOCKLAYOUT
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using namespace cvc;

namespace {

RankedTensorType blockedType(RankedTensorType t, int64_t block) {
  return RankedTensorType::get(
      {t.getDimSize(0), t.getDimSize(1) / block, t.getDimSize(2), t.getDimSize(3), block},
      t.getElementType());
}

struct BlockConvolution : public OpRewritePattern<cv::Conv2DOp> {
  BlockConvolution(MLIRContext *ctx, int64_t block)
      : OpRewritePattern<cv::Conv2DOp>(ctx), block(block) {}

  LogicalResult matchAndRewrite(cv::Conv2DOp conv, PatternRewriter &rewriter) const override {
    auto inType = llvm::cast<RankedTensorType>(conv.getInput().getType());
    auto outType = llvm::cast<RankedTensorType>(conv.getType());
    auto wType = llvm::cast<RankedTensorType>(conv.getWeight().getType());
    int64_t c = inType.getDimSize(1), m = outType.getDimSize(1), groups = conv.getGroups();
    if (m % (block * groups) != 0)
      return rewriter.notifyMatchFailure(conv,
                                         "output channels per group not a multiple of the block");
    // A first layer's 1 or 3 input channels cannot be blocked: it reads them
    // in NCHW and still writes blocked output, so the network's first
    // layout conversion is never needed.
    bool blockedInput = c % block == 0;
    // A grouped convolution (AlexNet's two halves) blocks when each group's
    // input channels are whole blocks too.
    if (groups > 1 && c % (block * groups) != 0)
      return rewriter.notifyMatchFailure(conv,
                                         "input channels per group not a multiple of the block");
    auto weights = cv::readFloatConstant(conv.getWeight());
    if (!weights)
      return rewriter.notifyMatchFailure(conv, "weights are not constant");
    // W'[m / b, c, i, j, m % b] = W[m, c, i, j]
    int64_t groupChannels = wType.getDimSize(1);
    int64_t perOutput = groupChannels * wType.getDimSize(2) * wType.getDimSize(3);
    std::vector<float> blocked(weights->size());
    for (int64_t o = 0; o < m; ++o)
      for (int64_t k = 0; k < perOutput; ++k)
        blocked[((o / block) * perOutput + k) * block + o % block] = (*weights)[o * perOutput + k];

    Location loc = conv.getLoc();
    Value weight = cv::createFloatConstant(
        rewriter, loc, {m / block, groupChannels, wType.getDimSize(2), wType.getDimSize(3), block},
        blocked,
        constantName(conv.getWeight(), "conv") + ".blocked");
    auto toBlocked = [&](Value v) {
      return rewriter.create<cv::ToBlockedOp>(
          loc, blockedType(llvm::cast<RankedTensorType>(v.getType()), block), v,
          rewriter.getI64IntegerAttr(block));
    };
    Value input = blockedInput ? Value(toBlocked(conv.getInput())) : conv.getInput();
    Value residual = conv.getResidual() ? Value(toBlocked(conv.getResidual())) : Value();
    auto result = rewriter.create<cv::BlockedConv2DOp>(
        loc, blockedType(outType, block), input, weight, conv.getBias(), residual,
        conv.getActivationAttr(), conv.getActivationArgsAttr(), conv.getStridesAttr(),
        conv.getPadsAttr(), conv.getDilationsAttr(), rewriter.getDenseI64ArrayAttr({}),
        rewriter.getI64IntegerAttr(groups));
    rewriter.replaceOpWithNewOp<cv::FromBlockedOp>(conv, outType, result.getOutput());
    return success();
  }

  int64_t block;
};

/// op(from_blocked(x), ...) -> from_blocked(op(x, ...)) for elementwise ops
/// whose operands all come out of the same blocked layout with the result's
/// shape (no broadcasting, which would align differently).
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
    SmallVector<Value> blocked;
    for (Value operand : op->getOperands()) {
      auto from = operand.getDefiningOp<cv::FromBlockedOp>();
      if (!from || operand.getType() != op->getResult(0).getType() ||
          (!blocked.empty() && from.getInput().getType() != blocked.front().getType()))
        return rewriter.notifyMatchFailure(op, "an operand is not a same-shape blocked tensor");
      blocked.push_back(from.getInput());
    }
    Operation *clone = rewriter.clone(*op);
    clone->setOperands(blocked);
    clone->getResult(0).setType(blocked.front().getType());
    rewriter.replaceOpWithNewOp<cv::FromBlockedOp>(op, op->getResult(0).getType(),
                                                   clone->getResult(0));
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
    rewriter.replaceOpWithNewOp<cv::FromBlockedOp>(pool, out, clone->getResult(0));
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
    for (Value operand : concat.getInputs()) {
      auto from = operand.getDefiningOp<cv::FromBlockedOp>();
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
    rewriter.replaceOpWithNewOp<cv::FromBlockedOp>(concat, concat.getType(), joined.getOutput());
    return success();
  }
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
    patterns.add<BlockConvolution>(&getContext(), channels);
    patterns.add<HoistThroughElementwise, HoistThroughConcat, HoistThroughPool<cv::MaxPool2DOp>,
                 HoistThroughPool<cv::AvgPool2DOp>>(&getContext());
    cv::ToBlockedOp::getCanonicalizationPatterns(patterns, &getContext());
    cv::FromBlockedOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
