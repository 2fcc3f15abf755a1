//===- FuseEpilogue.cpp - bias, residual add and activation into a layer -===//
//
// Whatever a convolution or fully connected layer's result goes through next
// elementwise can be applied to its accumulators before they are stored,
// while they are still in registers: a separate op would re-read and
// re-write the whole tensor. Three rewrites build the epilogue
// activation(acc + bias + residual) in the order it is evaluated:
//
//   add(layer, per-channel constant)  -> the constant joins the bias
//   add(layer, tensor of its shape)   -> the tensor becomes the residual
//   activation(layer)                 -> the layer's activation
//
// Each needs the layer to have no other reader (which would otherwise see
// the changed values) and nothing later in the epilogue already applied.
//
// A product with a rank-2 right operand (a channels-last linear layer, as
// exporters write ConvNeXt's and transformers' MLPs: MatMul, Add, GELU)
// becomes cv.linear first, the layer form of cv.batch_matmul whose channels
// are the last dimension. ConvNeXt-Tiny's bias adds and GELUs were separate
// kernels of about 7 of its 104 ms (batch 1, 1 thread, Zen 4).
//
//===----------------------------------------------------------------------===//
#include "LayerRewrite.h"
#include "cvc/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cvc {
#define GEN_PASS_DEF_CVFUSEEPILOGUE
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using namespace cvc;

std::string cvc::constantName(Value value, StringRef fallback) {
  if (auto constant = value.getDefiningOp<cv::ConstantOp>())
    if (auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
      return resource.getRawHandle().getKey().str();
  return fallback.str();
}

namespace {

/// The dimension of a layer's result that its bias runs along: 1 (NCHW,
/// [N, M]), the last for cv.linear.
template <typename LayerOp> int64_t channelDimension(LayerOp layer) {
  if constexpr (std::is_same_v<LayerOp, cv::LinearOp>)
    return llvm::cast<RankedTensorType>(layer.getType()).getRank() - 1;
  return 1;
}

/// The values of `addend` per output channel of a layer whose result has
/// `resultType` (channels at dimension `channelDim`), when the addend is a
/// constant that broadcasts along every other dimension.
std::optional<std::vector<float>> perChannelConstant(Value addend, RankedTensorType resultType,
                                                     int64_t channelDim) {
  auto type = llvm::cast<RankedTensorType>(addend.getType());
  int64_t rank = resultType.getRank(), channels = resultType.getDimSize(channelDim);
  if (type.getRank() > rank)
    return std::nullopt;
  int64_t offset = rank - type.getRank();
  for (int64_t i = 0; i < type.getRank(); ++i) {
    int64_t extent = type.getDimSize(i);
    if (extent != 1 && !(i + offset == channelDim && extent == channels))
      return std::nullopt;
  }
  auto values = cv::readFloatConstant(addend);
  if (!values)
    return std::nullopt;
  if (values->size() == 1)
    values->assign(channels, values->front());
  return values;
}

template <typename LayerOp> struct FuseBiasAdd : public OpRewritePattern<cv::AddOp> {
  using OpRewritePattern<cv::AddOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cv::AddOp add, PatternRewriter &rewriter) const override {
    for (auto [layerValue, addend] :
         {std::pair{add.getLhs(), add.getRhs()}, std::pair{add.getRhs(), add.getLhs()}}) {
      auto layer = layerValue.template getDefiningOp<LayerOp>();
      if (!hasBareSingleUse(layer) || add.getType() != layer.getType())
        continue;
      auto values = perChannelConstant(addend, llvm::cast<RankedTensorType>(layer.getType()),
                                       channelDimension(layer));
      if (!values)
        continue;
      std::optional<std::vector<float>> bias;
      if (layer.getBias() && !(bias = cv::readFloatConstant(layer.getBias())))
        continue;
      if (bias)
        for (size_t c = 0; c < values->size(); ++c)
          (*values)[c] += (*bias)[c];
      rewriter.setInsertionPoint(layer);
      LayerParts parts = partsOf(layer);
      parts.bias = cv::createFloatConstant(rewriter, add.getLoc(),
                                           {static_cast<int64_t>(values->size())}, *values,
                                           constantName(layer.getWeight(), "layer") + ".bias");
      auto fused = rebuildLayer(rewriter, layer, parts);
      rewriter.replaceOp(add, fused.getOutput());
      rewriter.eraseOp(layer);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no bare layer operand with a per-channel constant");
  }
};

template <typename LayerOp> struct FuseResidualAdd : public OpRewritePattern<cv::AddOp> {
  using OpRewritePattern<cv::AddOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cv::AddOp add, PatternRewriter &rewriter) const override {
    for (auto [layerValue, residual] :
         {std::pair{add.getLhs(), add.getRhs()}, std::pair{add.getRhs(), add.getLhs()}}) {
      auto layer = layerValue.template getDefiningOp<LayerOp>();
      if (!hasBareSingleUse(layer) || residual.getType() != layer.getType() ||
          add.getType() != layer.getType())
        continue;
      // Per-channel constants are biases; a constant residual of full shape
      // is rare and would cost a full-size weight.
      if (residual.template getDefiningOp<cv::ConstantOp>())
        continue;
      // Built at the add, where the residual is certainly defined.
      rewriter.setInsertionPoint(add);
      LayerParts parts = partsOf(layer);
      parts.residual = residual;
      auto fused = rebuildLayer(rewriter, layer, parts);
      rewriter.replaceOp(add, fused.getOutput());
      rewriter.eraseOp(layer);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no bare layer operand of the result's shape");
  }
};

template <typename LayerOp> struct FuseActivation : public RewritePattern {
  explicit FuseActivation(MLIRContext *ctx) : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    auto activation = cv::activationOf(op);
    if (!activation)
      return failure();
    auto layer = op->getOperand(0).getDefiningOp<LayerOp>();
    if (!layer || !layer->hasOneUse() || layer.getActivation() != cv::Activation::none)
      return rewriter.notifyMatchFailure(op, "operand is not a single-use layer without activation");
    rewriter.modifyOpInPlace(layer, [&] {
      layer.setActivation(activation->first);
      layer.setActivationArgs(activation->second);
    });
    rewriter.replaceOp(op, layer.getOutput());
    return success();
  }
};

struct BatchMatMulToLinear : public OpRewritePattern<cv::BatchMatMulOp> {
  using OpRewritePattern<cv::BatchMatMulOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(cv::BatchMatMulOp product,
                                PatternRewriter &rewriter) const override {
    if (llvm::cast<RankedTensorType>(product.getRhs().getType()).getRank() != 2)
      return rewriter.notifyMatchFailure(product, "right operand is batched");
    rewriter.replaceOpWithNewOp<cv::LinearOp>(product, product.getType(), product.getLhs(),
                                              product.getRhs(), Value(), Value());
    return success();
  }
};

struct CvFuseEpiloguePass : public cvc::impl::CvFuseEpilogueBase<CvFuseEpiloguePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseEpiloguePatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void cvc::populateFuseEpiloguePatterns(RewritePatternSet &patterns) {
  patterns.add<BatchMatMulToLinear>(patterns.getContext(), /*benefit=*/3);
  // Bias before residual: a constant addend is a bias whatever its shape.
  patterns.add<FuseBiasAdd<cv::Conv2DOp>, FuseBiasAdd<cv::FullyConnectedOp>,
               FuseBiasAdd<cv::MatMulOp>, FuseBiasAdd<cv::ConvTranspose2DOp>,
               FuseBiasAdd<cv::LinearOp>>(patterns.getContext(), /*benefit=*/2);
  // A transposed convolution takes no residual: its decomposition into
  // phases (cv-decompose-conv-transpose) would have to split it.
  patterns.add<FuseResidualAdd<cv::Conv2DOp>, FuseResidualAdd<cv::FullyConnectedOp>,
               FuseResidualAdd<cv::MatMulOp>, FuseResidualAdd<cv::LinearOp>,
               FuseActivation<cv::Conv2DOp>, FuseActivation<cv::FullyConnectedOp>,
               FuseActivation<cv::MatMulOp>, FuseActivation<cv::ConvTranspose2DOp>,
               FuseActivation<cv::LinearOp>>(patterns.getContext());
}
