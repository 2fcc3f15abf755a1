//===- Summary.h - `cvc --summary` ------------------------------*- C++ -*-===//
#ifndef CVC_DRIVER_SUMMARY_H
#define CVC_DRIVER_SUMMARY_H

#include "cvc/driver/ModelPlan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

namespace cvc::driver {

/// Whole-model figures of a plan, per image (batch 1).
struct PlanFigures {
  uint64_t parameters = 0;    ///< elements of every distinct constant tensor the kernels read
  uint64_t macs = 0;          ///< multiply-accumulates of convolutions and matmuls
  int kernels = 0;            ///< kernel launches per inference
  uint64_t separateBytes = 0; ///< activations, each in its own buffer
  uint64_t arenaBytes = 0;    ///< activations in the arena the runtime lays out
};

PlanFigures measurePlan(const ModelPlan &plan);

/// The parameters of a model as written, before any pass folds them: what a
/// framework counts as its parameters (PyTorch's `parameters()`), and apart
/// from them the batch-norm running statistics (buffers, not parameters).
struct WrittenParameters {
  uint64_t trainable = 0;
  uint64_t statistics = 0;
};

WrittenParameters countWrittenParameters(mlir::func::FuncOp func);

/// The per-kernel table and totals of `plan`, and how they compare with the
/// same model planned without the pass pipeline (`before`).
void printSummary(llvm::raw_ostream &os, const ModelPlan &plan, const PlanFigures &before,
                  const WrittenParameters &written, int optLevel);

} // namespace cvc::driver

#endif // CVC_DRIVER_SUMMARY_H
