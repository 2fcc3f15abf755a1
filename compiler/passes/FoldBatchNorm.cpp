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

/// The output channel of each weight element (row-major): the leading
/// dimension, except for a transposed convolution, whose weight is
/// [C, M/groups, kh, kw]. Read once per layer: looking the weight's shape up
/// again for each of its elements made this pass most of a deep network's
/// compile time.
template <typename LayerOp> std::vector<int64_t> outputChannels(LayerOp layer) {
  auto shape = llvm::cast<RankedTensorType>(layer.getWeight().getType()).getShape();
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent;
  std::vector<int64_t> channel(count);
  if (count == 0)
    return channel;
  if constexpr (std::is_same_v<LayerOp, cv::ConvTranspose2DOp>) {
    int64_t window = shape[2] * shape[3], perGroup = shape[1];
    int64_t inputsPerGroup = shape[0] / layer.getGroups();
    for (int64_t i = 0; i < count; ++i) {
      int64_t c = i / (perGroup * window), m = (i / window) % perGroup;
      channel[i] = c / inputsPerGroup * perGroup + m;
    }
  } else {
    int64_t perChannel = count / shape[0];
    for (int64_t i = 0; i < count; ++i)
      channel[i] = i / perChannel;
  }
  return channel;
}

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
    std::vector<float> newBias(channels);
    std::vector<double> factor(channels);
    double epsilon = bn.getEpsilon().convertToDouble();
    for (size_t c = 0; c < channels; ++c) {
      factor[c] = (*scale)[c] / std::sqrt(static_cast<double>((*variance)[c]) + epsilon);
      double b = bias ? (*bias)[c] : 0.0;
      newBias[c] = static_cast<float>((b - (*mean)[c]) * factor[c] + (*shift)[c]);
    }
    std::vector<int64_t> channel = outputChannels(layer);
    for (size_t i = 0; i < weight->size(); ++i)
      (*weight)[i] = static_cast<float>((*weight)[i] * factor[channel[i]]);

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
               FoldBatchNormInto<cv::MatMulOp>, FoldBatchNormInto<cv::ConvTranspose2DOp>>(
      patterns.getContext());
}
