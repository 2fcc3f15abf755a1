//===- Passes.h - cvc passes ------------------------------------*- C++ -*-===//
#ifndef CVC_PASSES_PASSES_H
#define CVC_PASSES_PASSES_H

#include "cv/CvDialect.h"
#include "cv/CvOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

#include <functional>
#include <optional>
#include <string>

namespace cvc {

namespace autodiff {
struct TrainingOptions;
}

#define GEN_PASS_DECL
#include "cvc/passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "cvc/passes/Passes.h.inc"

/// cv-build-train-step with its settings given as a whole, as the driver
/// has them (cvc-opt builds it from the pass options instead).
std::unique_ptr<mlir::Pass> createCvBuildTrainStep(const autodiff::TrainingOptions &options);

/// Why `conv` cannot be computed by Winograd's F(m x m, 3x3) ("" when it can).
std::string winogradIneligibility(cv::BlockedConv2DOp conv);
/// `conv` by Winograd (a cv.winograd_weights of its filters and a
/// cv.conv2d_winograd), built at the builder's insertion point.
cv::WinogradConv2DOp buildWinogradConv(mlir::OpBuilder &b, cv::BlockedConv2DOp conv,
                                       int64_t tile);
/// The direct blocked convolution `conv` computes (its filters are the
/// operand of its cv.winograd_weights); null when its weight is not one.
cv::BlockedConv2DOp buildDirectConv(mlir::OpBuilder &b, cv::WinogradConv2DOp conv);
/// For an eligible convolution and its Winograd form: true to take
/// Winograd, false to stay direct, std::nullopt to let min-size decide.
using WinogradDecider =
    std::function<std::optional<bool>(cv::BlockedConv2DOp direct, cv::WinogradConv2DOp winograd)>;
/// cv-winograd with these options and a decider (which may be null).
std::unique_ptr<mlir::Pass> createCvWinograd(const CvWinogradOptions &options,
                                             WinogradDecider decide);

/// Batch norms into the convolution or fully connected layer they follow.
void populateFoldBatchNormPatterns(mlir::RewritePatternSet &patterns);

/// Bias adds, residual adds and activations into the layer they follow.
void populateFuseEpiloguePatterns(mlir::RewritePatternSet &patterns);

} // namespace cvc

#endif // CVC_PASSES_PASSES_H
