//===- Winograd.cpp - stride-1 3x3 convolutions by minimal filtering -----===//
//
// F(4x4, 3x3) computes a 4x4 output tile with 36 multiplications per input
// and output channel pair where the direct convolution needs 144: the
// products become 36 independent matrix products (output channels x input
// channels x tiles) between a transform of the input tiles and a transform
// of the weights. The weight transform U = G g Gᵀ becomes its own op,
// cv.winograd_weights, on the 3x3 filters: U is (m+2)²/9 times their size
// (4x for F(4x4, 3x3)), so model.so keeps the filters and the planner runs
// the transform once per session, at load time. The input and output
// transforms run in the convolution's kernel.
//
// Small feature maps gain little: their tiles are few, so each product is a
// thin matrix that streams 4x more weight bytes than the direct
// convolution reads, and a map that is not a multiple of the tile wastes
// the padded part of its last tiles. Below `min-size` output pixels per
// axis the convolution stays direct, unless measurements say otherwise: a
// decider (cvc --tuning-db: the tuned times of both kernels) chooses for
// each eligible convolution where it knows. Measured per layer (batch 1, 2
// threads, AMD EPYC with AVX-512, loaded machine, medians of 7): 4x4x512
// Winograd 2.2 ms vs direct 3.7 (min 1.8 vs 1.7: a tie), 5x5x256 0.23 vs
// 0.29, 7x7x512 3.7 vs 7.9, 56x56x16 0.07 vs 0.14; channel counts down to
// the block (16) gain too.
//
//===----------------------------------------------------------------------===//
#include "cv/CvOps.h"
#include "cv/Winograd.h"
#include "cvc/passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cvc {
#define GEN_PASS_DEF_CVWINOGRAD
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using namespace cvc;

std::string cvc::winogradIneligibility(cv::BlockedConv2DOp conv) {
  auto wType = llvm::cast<RankedTensorType>(conv.getWeight().getType());
  auto unit = [](ArrayRef<int64_t> v) { return llvm::all_of(v, [](int64_t x) { return x == 1; }); };
  if (wType.getDimSize(2) != 3 || wType.getDimSize(3) != 3 || !unit(conv.getStrides()) ||
      !unit(conv.getDilations()))
    return "not a 3x3 window with stride 1 and dilation 1";
  if (conv.getGroups() != 1)
    return "grouped";
  // A first layer's blocked convolution reads its NCHW image, whose 1 or 3
  // channels are too few for the transformed tiles to pay.
  if (llvm::cast<RankedTensorType>(conv.getInput().getType()).getRank() != 5)
    return "reads an NCHW input";
  // Its pooling keeps a window of convolution outputs in registers; the
  // Winograd kernel has no pooled variant.
  if (!conv.getMaxPool().empty())
    return "has a fused max pool";
  // Its input transform reads tiles of the input as stored.
  if (conv.hasPrologue())
    return "has a fused prologue";
  // Constant weights only: the transform is then computed once, when a
  // session is created. Trainable weights (views of training states)
  // change every step and stay with the direct convolution.
  if (!conv.getWeight().getDefiningOp<cv::ConstantOp>())
    return "weights are not constant";
  return "";
}

cv::WinogradConv2DOp cvc::buildWinogradConv(OpBuilder &b, cv::BlockedConv2DOp conv, int64_t tile) {
  Value weight = b.create<cv::WinogradWeightsOp>(conv.getLoc(), conv.getWeight(),
                                                 b.getI64IntegerAttr(tile));
  return b.create<cv::WinogradConv2DOp>(
      conv.getLoc(), conv.getType(), conv.getInput(), weight, conv.getBias(), conv.getResidual(),
      conv.getActivationAttr(), conv.getActivationArgsAttr(), conv.getPadsAttr(),
      b.getI64IntegerAttr(tile));
}

cv::BlockedConv2DOp cvc::buildDirectConv(OpBuilder &b, cv::WinogradConv2DOp conv) {
  auto transform = conv.getWeight().getDefiningOp<cv::WinogradWeightsOp>();
  if (!transform)
    return nullptr;
  return b.create<cv::BlockedConv2DOp>(
      conv.getLoc(), conv.getType(), conv.getInput(), transform.getWeight(), conv.getBias(),
      Value(), Value(), conv.getResidual(), conv.getActivationAttr(),
      conv.getActivationArgsAttr(), b.getDenseI64ArrayAttr({1, 1}), conv.getPadsAttr(),
      b.getDenseI64ArrayAttr({1, 1}), b.getDenseI64ArrayAttr({}), b.getI64IntegerAttr(1),
      cv::ActivationAttr::get(b.getContext(), cv::Activation::none), IntegerAttr());
}

namespace {

struct WinogradConvolution : public OpRewritePattern<cv::BlockedConv2DOp> {
  WinogradConvolution(MLIRContext *ctx, int64_t tile, int64_t minSize, WinogradDecider decide)
      : OpRewritePattern<cv::BlockedConv2DOp>(ctx), tile(tile), minSize(minSize),
        decide(std::move(decide)) {}

  LogicalResult matchAndRewrite(cv::BlockedConv2DOp conv,
                                PatternRewriter &rewriter) const override {
    if (std::string why = winogradIneligibility(conv); !why.empty())
      return rewriter.notifyMatchFailure(conv, why);
    auto outType = llvm::cast<RankedTensorType>(conv.getType());
    bool large = outType.getDimSize(2) >= minSize && outType.getDimSize(3) >= minSize;
    cv::WinogradConv2DOp winograd = buildWinogradConv(rewriter, conv, tile);
    // Measurements (a tuning database) decide where they exist, the
    // feature map's size elsewhere.
    std::optional<bool> measured = decide ? decide(conv, winograd) : std::nullopt;
    if (!measured.value_or(large)) {
      Operation *transform = winograd.getWeight().getDefiningOp();
      rewriter.eraseOp(winograd);
      rewriter.eraseOp(transform);
      return rewriter.notifyMatchFailure(conv, measured ? "measured slower"
                                                        : "feature map below min-size");
    }
    rewriter.replaceOp(conv, winograd.getOutput());
    return success();
  }

  int64_t tile;
  int64_t minSize;
  WinogradDecider decide;
};

struct CvWinogradPass : public cvc::impl::CvWinogradBase<CvWinogradPass> {
  using CvWinogradBase::CvWinogradBase;
  CvWinogradPass() = default;
  CvWinogradPass(const CvWinogradOptions &options, WinogradDecider decide)
      : CvWinogradBase(options), decide(std::move(decide)) {}

  void runOnOperation() override {
    if (tile < cv::kMinWinogradTile || tile > cv::kMaxWinogradTile) {
      getOperation().emitError() << "cv-winograd: tile must be in [" << cv::kMinWinogradTile
                                 << ", " << cv::kMaxWinogradTile << "], got " << tile;
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<WinogradConvolution>(&getContext(), tile, minSize, decide);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }

  WinogradDecider decide;
};

} // namespace

std::unique_ptr<Pass> cvc::createCvWinograd(const CvWinogradOptions &options,
                                            WinogradDecider decide) {
  return std::make_unique<CvWinogradPass>(options, std::move(decide));
}
