//===- FoldBatchNorm.cpp - batch-norm into the preceding layer ----------===//
//
// In inference a batch norm is an affine map per channel, y = s * x + t with
// s = scale / sqrt(variance + epsilon) and t = bias - mean * s. Applied to a
// convolution or fully connected layer it scales each output channel's
// weights by s and maps its bias b to s * b + t, so the layer computes the
// normalised values directly and the batch norm costs nothing at run time.
//
//===----------------------------------------------------------------------===//
#include "LayerRewrite.h"
#include "cvc/passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace cvc {
#define GEN_PASS_DEF_CVFOLDBATCHNORM
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using namespace cvc;

namespace {

template <typename LayerOp> struct FoldBatchNormInto : public OpRewritePattern<cv::BatchNormOp> {
  using OpRewritePattern<cv::BatchNormOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cv::BatchNormOp bn, PatternRewriter &rewriter) const override {
    auto layer = bn.getInput().template getDefiningOp<LayerOp>();
    // A second reader of the layer would see normalised values.
    if (!hasBareSingleUse(layer))
      return rewriter.notifyMatchFailure(bn, "producer is not a bare single-use layer");
    auto weight = cv::readFloatConstant(layer.getWeight());
    auto scale = cv::readFloatConstant(bn.getScale());
    auto shift = cv::readFloatConstant(bn.getBias());
    auto mean = cv::readFloatConstant(bn.getMean());
    auto variance = cv::readFloatConstant(bn.getVariance());
    std::optional<std::vector<float>> bias;
    if (layer.getBias() && !(bias = cv::readFloatConstant(layer.getBias())))
      return rewriter.notifyMatchFailure(bn, "layer bias is not constant");
    if (!weight || !scale || !shift || !mean || !variance)
      return rewriter.notifyMatchFailure(bn, "weights or statistics are not constant");

    size_t channels = scale->size();
    size_t perChannel = weight->size() / channels;
    std::vector<float> newBias(channels);
    double epsilon = bn.getEpsilon().convertToDouble();
    for (size_t c = 0; c < channels; ++c) {
      double s = (*scale)[c] / std::sqrt(static_cast<double>((*variance)[c]) + epsilon);
      for (size_t i = 0; i < perChannel; ++i)
        (*weight)[c * perChannel + i] = static_cast<float>((*weight)[c * perChannel + i] * s);
      double b = bias ? (*bias)[c] : 0.0;
      newBias[c] = static_cast<float>((b - (*mean)[c]) * s + (*shift)[c]);
    }

    rewriter.setInsertionPoint(layer);
    std::string name = constantName(layer.getWeight(), "layer");
    auto weightType = llvm::cast<RankedTensorType>(layer.getWeight().getType());
    LayerParts parts = partsOf(layer);
    parts.weight = cv::createFloatConstant(rewriter, bn.getLoc(), weightType.getShape(), *weight,
                                           name + ".bn_folded");
    parts.bias = cv::createFloatConstant(rewriter, bn.getLoc(), {static_cast<int64_t>(channels)},
                                         newBias, name + ".bn_folded_bias");
    auto folded = rebuildLayer(rewriter, layer, parts);
    rewriter.replaceOp(bn, folded.getOutput());
    rewriter.eraseOp(layer);
    return success();
  }
};

struct CvFoldBatchNormPass : public cvc::impl::CvFoldBatchNormBase<CvFoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFoldBatchNormPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void cvc::populateFoldBatchNormPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldBatchNormInto<cv::Conv2DOp>, FoldBatchNormInto<cv::FullyConnectedOp>,
               FoldBatchNormInto<cv::MatMulOp>>(patterns.getContext());
}
