//===- TransferLearning.h - a new head, and the features it reads -*- C++ -*-===//
#ifndef CVC_AUTODIFF_TRANSFERLEARNING_H
#define CVC_AUTODIFF_TRANSFERLEARNING_H

#include "cv/CvOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace cvc::autodiff {

/// The logits a loss reads: a model that ends in a softmax is trained on the
/// softmax's input.
mlir::Value logitsOf(mlir::Value output);

/// The fully connected layer whose result is @main's first output (or the
/// input of a final softmax); null when the output comes from anything else.
cv::FullyConnectedOp findHead(mlir::func::FuncOp main);

/// Gives the head `classes` outputs: a new weight and bias drawn as
/// PyTorch's Linear initialises them (uniform in +-1/sqrt(inputs)), seeded,
/// keeping the old tensors' names so that trained weights still export by
/// name. The types after it (a softmax, the function's result) follow.
mlir::LogicalResult replaceHead(mlir::func::FuncOp main, int64_t classes, uint64_t seed);

/// Adds @features: @main up to the head's input, for a loop that trains the
/// head alone from cached features.
void addFeaturesEntry(mlir::ModuleOp module, mlir::func::FuncOp main);

/// Makes `train` read the head's input as a `features` argument instead of
/// computing it: the ops before the head and the inputs they used go.
void trainFromFeatures(mlir::func::FuncOp train);

} // namespace cvc::autodiff

#endif // CVC_AUTODIFF_TRANSFERLEARNING_H
