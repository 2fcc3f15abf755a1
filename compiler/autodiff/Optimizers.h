//===- Optimizers.h - parameter updates on the flat parameter state -*- C++ -*-===//
#ifndef CVC_AUTODIFF_OPTIMIZERS_H
#define CVC_AUTODIFF_OPTIMIZERS_H

#include "cvc/autodiff/TrainStep.h"

#include "mlir/IR/Builders.h"

namespace cvc::autodiff {

/// The runtime scalars an optimizer reads each step, as [1] inputs named so:
/// the learning rate, and for Adam the 1-based step count.
std::vector<std::string> optimizerScalarNames(const TrainingOptions &options);
/// The flat slots (momentum; Adam's first and second moments) it keeps.
std::vector<std::string> optimizerSlotNames(const TrainingOptions &options);

struct OptimizerUpdate {
  mlir::Value parameters;               ///< the updated parameters
  llvm::SmallVector<mlir::Value> slots; ///< the updated slots, in optimizerSlotNames order
};

/// Emits one update of the [1, P] `parameters` from the [1, P] `gradient`.
/// `scalars` and `slots` follow the order of the name lists above.
OptimizerUpdate emitOptimizerUpdate(mlir::OpBuilder &b, mlir::Location loc,
                                    const TrainingOptions &options, mlir::Value parameters,
                                    mlir::Value gradient, mlir::ValueRange scalars,
                                    mlir::ValueRange slots);

} // namespace cvc::autodiff

#endif // CVC_AUTODIFF_OPTIMIZERS_H
