//===- FusePrologue.cpp - per-channel ops before a convolution, in its read -===//
//
// A pre-activation block (DenseNet's concat -> batch norm -> ReLU -> 1x1
// convolution) and squeeze-and-excitation's channel-wise scale before the
// projection convolution write a whole feature map only for the
// convolution to read it back. The batch norm cannot fold into the
// convolution's weights when a ReLU sits between them, and the scale
// differs per image; applied as the convolution reads its input, they cost
// a multiply-add and a max per element read, from cache, and no pass over
// memory. Exact at the borders: the convolution's zero padding pads the
// prologue's result, as it padded the tensor the prologue replaces.
//
//===----------------------------------------------------------------------===//
#include "cv/CvOps.h"
#include "cvc/passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cvc {
#define GEN_PASS_DEF_CVFUSEPROLOGUE
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
namespace cv = cvc::cv;

namespace {

/// The operand of `op` that is a per-channel [1 (or N when `perImage`),
/// C/b, 1, 1, b] tensor for a value of type `full`, with `other` set to the
/// operand of type `full`; null when neither operand order fits.
Value perChannelOperand(Operation *op, RankedTensorType full, bool perImage, Value &other) {
  for (int i = 0; i < 2; ++i) {
    Value candidate = op->getOperand(i), rest = op->getOperand(1 - i);
    auto type = llvm::dyn_cast<RankedTensorType>(candidate.getType());
    if (rest.getType() != full || !type || type.getRank() != 5 ||
        type.getDimSize(1) != full.getDimSize(1) || type.getDimSize(2) != 1 ||
        type.getDimSize(3) != 1 || type.getDimSize(4) != full.getDimSize(4))
      continue;
    if (type.getDimSize(0) != 1 && !(perImage && type.getDimSize(0) == full.getDimSize(0)))
      continue;
    other = rest;
    return candidate;
  }
  return nullptr;
}

struct FusePrologueIntoBlockedConv : public OpRewritePattern<cv::BlockedConv2DOp> {
  using OpRewritePattern<cv::BlockedConv2DOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cv::BlockedConv2DOp conv,
                                PatternRewriter &rewriter) const override {
    auto inType = llvm::dyn_cast<RankedTensorType>(conv.getInput().getType());
    if (!inType || inType.getRank() != 5 || conv.hasPrologue())
      return rewriter.notifyMatchFailure(conv, "NCHW input, or a prologue already");
    // Walk back from the input: relu(x * scale + shift), each step read by
    // the next alone.
    Value source = conv.getInput(), scale, shift;
    cv::Activation activation = cv::Activation::none;
    if (auto relu = source.getDefiningOp<cv::ReluOp>(); relu && relu->hasOneUse()) {
      activation = cv::Activation::relu;
      source = relu.getInput();
    }
    Value rest;
    if (auto add = source.getDefiningOp<cv::AddOp>(); add && add->hasOneUse())
      if ((shift = perChannelOperand(add, inType, /*perImage=*/false, rest)))
        source = rest;
    if (auto mul = source.getDefiningOp<cv::MulOp>(); mul && mul->hasOneUse())
      if ((scale = perChannelOperand(mul, inType, /*perImage=*/true, rest)))
        source = rest;
    if (source == conv.getInput())
      return rewriter.notifyMatchFailure(conv, "no per-channel op or ReLU read by it alone");
    // A clone keeps every other operand and attribute, those added to the
    // op later included; the prologue's operands join it (their segment
    // sizes follow).
    auto fused = llvm::cast<cv::BlockedConv2DOp>(rewriter.clone(*conv));
    fused.getInputMutable().assign(source);
    if (scale)
      fused.getPrologueScaleMutable().assign(scale);
    if (shift)
      fused.getPrologueShiftMutable().assign(shift);
    fused.setPrologueActivation(activation);
    rewriter.replaceOp(conv, fused.getOutput());
    return success();
  }
};

struct CvFuseProloguePass : public cvc::impl::CvFusePrologueBase<CvFuseProloguePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FusePrologueIntoBlockedConv>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
