//===- DataParallelEntries.h - train_step in two halves ---------*- C++ -*-===//
//
// A data-parallel host averages the gradients of several processes between
// computing them and applying them, which one fused @train_step does not
// allow. Beside it, the module gets
//   @train_gradients: train_step's inputs but the optimizer's scalars ->
//       loss, logits, gradients [P]; batch-norm statistics update in place;
//   @apply_gradients: gradients [P], the optimizer's scalars -> the
//       parameters and optimizer slots, updated in place.
// Their kernels are train_step's (the plan shares kernels by signature), so
// they cost little more than their own planning.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_AUTODIFF_DATAPARALLELENTRIES_H
#define CVC_AUTODIFF_DATAPARALLELENTRIES_H

#include "cvc/autodiff/TrainStep.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace cvc::autodiff {

/// The values of a finished @train_step the two halves are cut from.
struct TrainStepValues {
  mlir::func::FuncOp train;
  mlir::Value loss, logits, gradient;
  mlir::Value statistics; ///< the updated statistics; null without batch norms
};

mlir::LogicalResult addDataParallelEntries(mlir::ModuleOp module, const TrainStepValues &step,
                                           const TrainingOptions &options);

} // namespace cvc::autodiff

#endif // CVC_AUTODIFF_DATAPARALLELENTRIES_H
