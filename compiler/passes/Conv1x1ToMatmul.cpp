//===- Conv1x1ToMatmul.cpp - pointwise convolutions as matrix products --===//
//
// A stride-1, unpadded, ungrouped 1x1 convolution on NCHW multiplies the
// [M, C] weight by each image's [C, H*W] pixel matrix. As a cv.matmul over
// the flattened pixels it goes through the GEMM schedule, which tiles the
// pixels without the row boundaries that waste vector lanes on narrow
// feature maps. The reshapes around it are views and cost nothing.
//
//===----------------------------------------------------------------------===//
#include "LayerRewrite.h"
#include "cvc/passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cvc {
#define GEN_PASS_DEF_CVCONV1X1TOMATMUL
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using namespace cvc;

namespace {

bool isPointwise(cv::Conv2DOp conv) {
  auto weight = llvm::cast<RankedTensorType>(conv.getWeight().getType());
  auto all = [](ArrayRef<int64_t> values, int64_t v) {
    return llvm::all_of(values, [&](int64_t x) { return x == v; });
  };
  return weight.getDimSize(2) == 1 && weight.getDimSize(3) == 1 && conv.getGroups() == 1 &&
         all(conv.getStrides(), 1) && all(conv.getPads(), 0) && all(conv.getDilations(), 1);
}

struct PointwiseConvToMatmul : public OpRewritePattern<cv::Conv2DOp> {
  using OpRewritePattern<cv::Conv2DOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cv::Conv2DOp conv, PatternRewriter &rewriter) const override {
    if (!isPointwise(conv))
      return rewriter.notifyMatchFailure(conv, "not a stride-1 unpadded ungrouped 1x1 convolution");
    auto inType = llvm::cast<RankedTensorType>(conv.getInput().getType());
    auto outType = llvm::cast<RankedTensorType>(conv.getType());
    auto weightType = llvm::cast<RankedTensorType>(conv.getWeight().getType());
    int64_t pixels = inType.getDimSize(2) * inType.getDimSize(3);
    auto flat = [&](RankedTensorType t) {
      return RankedTensorType::get({t.getDimSize(0), t.getDimSize(1), pixels},
                                   t.getElementType());
    };
    Location loc = conv.getLoc();
    Value input = rewriter.create<cv::ReshapeOp>(loc, flat(inType), conv.getInput());
    Value weight = rewriter.create<cv::ReshapeOp>(
        loc,
        RankedTensorType::get({weightType.getDimSize(0), weightType.getDimSize(1)},
                              weightType.getElementType()),
        conv.getWeight());
    Value residual = conv.getResidual()
                         ? rewriter.create<cv::ReshapeOp>(loc, flat(outType), conv.getResidual())
                         : Value();
    auto matmul = rewriter.create<cv::MatMulOp>(
        loc, flat(outType), input, weight, conv.getBias(), residual, conv.getActivationAttr(),
        conv.getActivationArgsAttr());
    rewriter.replaceOpWithNewOp<cv::ReshapeOp>(conv, outType, matmul.getOutput());
    return success();
  }
};

struct CvConv1x1ToMatmulPass : public cvc::impl::CvConv1x1ToMatmulBase<CvConv1x1ToMatmulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PointwiseConvToMatmul>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
