//===- Passes.h - cvc passes ------------------------------------*- C++ -*-===//
#ifndef CVC_PASSES_PASSES_H
#define CVC_PASSES_PASSES_H

#include "cv/CvDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

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

/// Batch norms into the convolution or fully connected layer they follow.
void populateFoldBatchNormPatterns(mlir::RewritePatternSet &patterns);

/// Bias adds, residual adds and activations into the layer they follow.
void populateFuseEpiloguePatterns(mlir::RewritePatternSet &patterns);

} // namespace cvc

#endif // CVC_PASSES_PASSES_H
