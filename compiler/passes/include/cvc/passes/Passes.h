//===- Passes.h - cvc passes ------------------------------------*- C++ -*-===//
#ifndef CVC_PASSES_PASSES_H
#define CVC_PASSES_PASSES_H

#include "cv/CvDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace cvc {

#define GEN_PASS_DECL
#include "cvc/passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "cvc/passes/Passes.h.inc"

/// Batch norms into the convolution or fully connected layer they follow.
void populateFoldBatchNormPatterns(mlir::RewritePatternSet &patterns);

/// Bias adds, residual adds and activations into the layer they follow.
void populateFuseEpiloguePatterns(mlir::RewritePatternSet &patterns);

} // namespace cvc

#endif // CVC_PASSES_PASSES_H
