//===- LayerRewrite.h - rebuilding a layer with new operands ----*- C++ -*-===//
//
// Folding and fusion change which optional operands a convolution or fully
// connected layer has (a bias appears, a residual joins). Operand segments
// make that awkward to do in place, so the passes rebuild the layer through
// its builder, keeping every attribute they do not change.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_PASSES_LAYERREWRITE_H
#define CVC_PASSES_LAYERREWRITE_H

#include "cv/CvOps.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

#include <type_traits>

namespace cvc {

struct LayerParts {
  mlir::Value weight, bias, residual;
  cv::Activation activation;
  llvm::SmallVector<float, 2> activationArgs;
};

template <typename LayerOp> LayerParts partsOf(LayerOp op) {
  return {op.getWeight(), op.getBias(), op.getResidual(), op.getActivation(),
          llvm::SmallVector<float, 2>(op.getActivationArgs())};
}

inline cv::Conv2DOp rebuildLayer(mlir::PatternRewriter &rewriter, cv::Conv2DOp op,
                                 const LayerParts &parts) {
  return rewriter.create<cv::Conv2DOp>(
      op.getLoc(), op.getType(), op.getInput(), parts.weight, parts.bias, parts.residual,
      cv::ActivationAttr::get(op.getContext(), parts.activation),
      rewriter.getDenseF32ArrayAttr(parts.activationArgs), op.getStridesAttr(), op.getPadsAttr(),
      op.getDilationsAttr(), op.getGroupsAttr());
}

inline cv::ConvTranspose2DOp rebuildLayer(mlir::PatternRewriter &rewriter,
                                          cv::ConvTranspose2DOp op, const LayerParts &parts) {
  return rewriter.create<cv::ConvTranspose2DOp>(
      op.getLoc(), op.getType(), op.getInput(), parts.weight, parts.bias, parts.residual,
      cv::ActivationAttr::get(op.getContext(), parts.activation),
      rewriter.getDenseF32ArrayAttr(parts.activationArgs), op.getStridesAttr(), op.getPadsAttr(),
      op.getDilationsAttr(), op.getGroupsAttr(), op.getOutputPaddingAttr());
}

/// Layers with no attributes besides their epilogue: fully connected,
/// matmul and linear.
template <typename LayerOp>
std::enable_if_t<llvm::is_one_of<LayerOp, cv::FullyConnectedOp, cv::MatMulOp, cv::LinearOp>::value,
                 LayerOp>
rebuildLayer(mlir::PatternRewriter &rewriter, LayerOp op, const LayerParts &parts) {
  return rewriter.create<LayerOp>(op.getLoc(), op.getType(), op.getInput(), parts.weight,
                                  parts.bias, parts.residual,
                                  cv::ActivationAttr::get(op.getContext(), parts.activation),
                                  rewriter.getDenseF32ArrayAttr(parts.activationArgs));
}

/// True when `op`'s result may be changed by a fused epilogue: nothing else
/// reads the plain result, and no epilogue has been applied yet.
template <typename LayerOp> bool hasBareSingleUse(LayerOp op) {
  return op && op->hasOneUse() && !op.getResidual() &&
         op.getActivation() == cv::Activation::none;
}

/// The resource key of a constant, to name tensors derived from it.
std::string constantName(mlir::Value value, llvm::StringRef fallback);

} // namespace cvc

#endif // CVC_PASSES_LAYERREWRITE_H
