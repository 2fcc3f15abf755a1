//===- FusePool.cpp - max pooling in the convolution before it ----------===//
//
// VGG's `conv -> relu -> max_pool 2x2/2` writes a feature map only for the
// pooling to read it back and keep a quarter of it. Fused, the convolution
// computes each pooled tile's window of outputs in registers and cache and
// stores only the maxima. Only disjoint windows (stride = window, no
// padding, no partial windows) are fused: overlapping ones (GoogLeNet's
// 3x3/2) would recompute a third or more of the convolution, more than the
// memory pass they save.
//
//===----------------------------------------------------------------------===//
#include "cv/CvOps.h"
#include "cvc/passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cvc {
#define GEN_PASS_DEF_CVFUSEPOOL
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;

namespace {

struct FuseMaxPoolIntoBlockedConv : public OpRewritePattern<cvc::cv::MaxPool2DOp> {
  using OpRewritePattern<cvc::cv::MaxPool2DOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cvc::cv::MaxPool2DOp pool,
                                PatternRewriter &rewriter) const override {
    auto conv = pool.getInput().getDefiningOp<cvc::cv::BlockedConv2DOp>();
    if (!conv || !conv->hasOneUse() || !conv.getMaxPool().empty())
      return rewriter.notifyMatchFailure(pool, "input is not a single-use blocked convolution");
    ArrayRef<int64_t> kernel = pool.getKernel();
    auto convType = llvm::cast<RankedTensorType>(conv.getType());
    bool disjoint = kernel == pool.getStrides() &&
                    llvm::all_of(pool.getPads(), [](int64_t p) { return p == 0; });
    bool partial = convType.getDimSize(2) % kernel[0] != 0 || convType.getDimSize(3) % kernel[1] != 0;
    if (!disjoint || (pool.getCeilMode() && partial))
      return rewriter.notifyMatchFailure(pool, "windows overlap, are padded or partial");
    // A clone keeps every operand and attribute of the convolution, those
    // added to the op later included; only the pool and the shape change.
    auto fused = llvm::cast<cvc::cv::BlockedConv2DOp>(rewriter.clone(*conv));
    fused.setMaxPool(kernel);
    fused.getOutput().setType(llvm::cast<RankedTensorType>(pool.getType()));
    rewriter.replaceOp(pool, fused.getOutput());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct CvFusePoolPass : public cvc::impl::CvFusePoolBase<CvFusePoolPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseMaxPoolIntoBlockedConv>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
