//===- FuseActivation.cpp - ReLU into its producing layer ---------------===//
//
// An activation computed in the producer's kernel costs nothing: the values
// are still in registers. A separate cv.relu re-reads and re-writes the whole
// tensor. The rewrite needs the producer to have no other user, which would
// otherwise see the activated values.
//
//===----------------------------------------------------------------------===//
#include "cv/CvOps.h"
#include "cvc/passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cvc {
#define GEN_PASS_DEF_CVFUSEACTIVATION
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;

namespace {

template <typename LayerOp> struct FuseReluInto : public OpRewritePattern<cvc::cv::ReluOp> {
  using OpRewritePattern<cvc::cv::ReluOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cvc::cv::ReluOp relu, PatternRewriter &rewriter) const override {
    auto layer = relu.getInput().template getDefiningOp<LayerOp>();
    if (!layer || layer.getFusedRelu() || !layer->hasOneUse())
      return failure();
    rewriter.modifyOpInPlace(layer, [&] { layer.setFusedRelu(true); });
    rewriter.replaceOp(relu, layer.getOutput());
    return success();
  }
};

struct CvFuseActivationPass : public cvc::impl::CvFuseActivationBase<CvFuseActivationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    cvc::populateFuseActivationPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void cvc::populateFuseActivationPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseReluInto<cv::Conv2DOp>, FuseReluInto<cv::FullyConnectedOp>>(
      patterns.getContext());
}
