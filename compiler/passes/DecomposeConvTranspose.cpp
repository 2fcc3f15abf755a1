//===- DecomposeConvTranspose.cpp - transposed convolutions by phases ---===//
//
// Along one axis, with stride s, pad p, kernel K and input length I, output
// position o = q s + r receives the taps k = k0 + s j (k0 = (r + p) mod s)
// from input q + c - j, c = (r + p - k0) / s. So phase r is the stride-1
// correlation of the input with the Kr = ceil((K - k0) / s) taps reversed,
// padded by Kr - 1 - c before and enough after for Q = ceil(O / s) outputs.
// In 2-D each (r_h, r_w) phase is one cv.conv2d; the phases, concatenated
// along channels in (r_h, r_w) order, are [N, s_h, s_w, M, Q_h, Q_w] once
// reshaped, and a transpose to [N, M, Q_h, s_h, Q_w, s_w] interleaves them.
//
//===----------------------------------------------------------------------===//
#include "LayerRewrite.h"
#include "cvc/passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cvc {
#define GEN_PASS_DEF_CVDECOMPOSECONVTRANSPOSE
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using namespace cvc;

namespace {

/// One axis of one phase.
struct PhaseAxis {
  int64_t firstTap, taps, padBegin, padEnd;
};

std::optional<PhaseAxis> phaseAxis(int64_t r, int64_t stride, int64_t pad, int64_t kernel,
                                   int64_t in, int64_t phaseOut) {
  int64_t k0 = (r + pad) % stride;
  if (k0 >= kernel)
    return std::nullopt; // a phase no tap reaches: only the bias
  int64_t taps = (kernel - k0 + stride - 1) / stride;
  int64_t c = (r + pad - k0) / stride;
  int64_t padBegin = taps - 1 - c;
  int64_t padEnd = phaseOut - 1 - in + taps - padBegin;
  if (padBegin < 0 || padEnd < 0)
    return std::nullopt;
  return PhaseAxis{k0, taps, padBegin, padEnd};
}

struct DecomposeConvTranspose : public OpRewritePattern<cv::ConvTranspose2DOp> {
  using OpRewritePattern<cv::ConvTranspose2DOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cv::ConvTranspose2DOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getResidual())
      return rewriter.notifyMatchFailure(op, "a fused residual");
    if (llvm::any_of(op.getDilations(), [](int64_t d) { return d != 1; }))
      return rewriter.notifyMatchFailure(op, "dilated");
    auto weights = cv::readFloatConstant(op.getWeight());
    if (!weights)
      return rewriter.notifyMatchFailure(op, "weights are not constant");
    auto inType = llvm::cast<RankedTensorType>(op.getInput().getType());
    auto outType = llvm::cast<RankedTensorType>(op.getType());
    auto wShape = llvm::cast<RankedTensorType>(op.getWeight().getType()).getShape();
    int64_t c = wShape[0], mg = wShape[1], kh = wShape[2], kw = wShape[3];
    int64_t groups = op.getGroups(), cg = c / groups, m = mg * groups;
    int64_t sh = op.getStrides()[0], sw = op.getStrides()[1];
    int64_t outH = outType.getDimSize(2), outW = outType.getDimSize(3);
    int64_t qh = (outH + sh - 1) / sh, qw = (outW + sw - 1) / sw;

    std::vector<PhaseAxis> rows, cols;
    for (int64_t r = 0; r < sh; ++r) {
      auto a = phaseAxis(r, sh, op.getPads()[0], kh, inType.getDimSize(2), qh);
      if (!a)
        return rewriter.notifyMatchFailure(op, "a row phase without taps or with negative pads");
      rows.push_back(*a);
    }
    for (int64_t r = 0; r < sw; ++r) {
      auto a = phaseAxis(r, sw, op.getPads()[1], kw, inType.getDimSize(3), qw);
      if (!a)
        return rewriter.notifyMatchFailure(op, "a column phase without taps or with negative pads");
      cols.push_back(*a);
    }

    Location loc = op.getLoc();
    std::string name = constantName(op.getWeight(), "conv_transpose");
    int64_t n = inType.getDimSize(0);
    SmallVector<Value> phases;
    for (const PhaseAxis &ry : rows)
      for (const PhaseAxis &rx : cols) {
        // W_phase[g Mg + mo, ci, a, b] = W[g Cg + ci, mo, k0y + sh (Ty-1-a), k0x + sw (Tx-1-b)].
        std::vector<float> w(static_cast<size_t>(m) * cg * ry.taps * rx.taps);
        for (int64_t g = 0; g < groups; ++g)
          for (int64_t mo = 0; mo < mg; ++mo)
            for (int64_t ci = 0; ci < cg; ++ci)
              for (int64_t a = 0; a < ry.taps; ++a)
                for (int64_t b = 0; b < rx.taps; ++b) {
                  int64_t ky = ry.firstTap + sh * (ry.taps - 1 - a);
                  int64_t kx = rx.firstTap + sw * (rx.taps - 1 - b);
                  w[(((g * mg + mo) * cg + ci) * ry.taps + a) * rx.taps + b] =
                      (*weights)[(((g * cg + ci) * mg + mo) * kh + ky) * kw + kx];
                }
        Value weight = cv::createFloatConstant(
            rewriter, loc, {m, cg, ry.taps, rx.taps}, w,
            name + ".phase" + std::to_string(phases.size()));
        auto phaseType = RankedTensorType::get({n, m, qh, qw}, outType.getElementType());
        phases.push_back(rewriter.create<cv::Conv2DOp>(
            loc, phaseType, op.getInput(), weight, op.getBias(), Value(),
            op.getActivationAttr(), op.getActivationArgsAttr(),
            rewriter.getDenseI64ArrayAttr({1, 1}),
            rewriter.getDenseI64ArrayAttr({ry.padBegin, rx.padBegin, ry.padEnd, rx.padEnd}),
            rewriter.getDenseI64ArrayAttr({1, 1}), rewriter.getI64IntegerAttr(groups)));
      }
    Type f32 = outType.getElementType();
    Value joined = phases.size() == 1
                       ? phases.front()
                       : rewriter.create<cv::ConcatOp>(
                             loc, RankedTensorType::get({n, sh * sw * m, qh, qw}, f32), phases,
                             rewriter.getI64IntegerAttr(1), UnitAttr());
    Value split = rewriter.create<cv::ReshapeOp>(
        loc, RankedTensorType::get({n, sh, sw, m, qh, qw}, f32), joined);
    Value interleaved = rewriter.create<cv::TransposeOp>(
        loc, RankedTensorType::get({n, m, qh, sh, qw, sw}, f32), split,
        rewriter.getDenseI64ArrayAttr({0, 3, 4, 1, 5, 2}));
    Value full = rewriter.create<cv::ReshapeOp>(
        loc, RankedTensorType::get({n, m, qh * sh, qw * sw}, f32), interleaved);
    if (qh * sh != outH || qw * sw != outW)
      full = rewriter.create<cv::SliceOp>(loc, outType, full,
                                          rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}),
                                          rewriter.getDenseI64ArrayAttr({ShapedType::isDynamic(n) ? -1 : n, m, outH, outW}),
                                          rewriter.getDenseI64ArrayAttr({1, 1, 1, 1}));
    rewriter.replaceOp(op, full);
    return success();
  }
};

struct CvDecomposeConvTransposePass
    : public cvc::impl::CvDecomposeConvTransposeBase<CvDecomposeConvTransposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeConvTranspose>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
