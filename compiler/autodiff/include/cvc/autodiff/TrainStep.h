//===- TrainStep.h - a model's training step, built in the cv dialect -*- C++ -*-===//
//
// buildTrainStep() turns a module whose @main computes a model's inference
// into one that trains it:
//
//   @main(inputs..., %parameters, %statistics) -> outputs
//   @train_step(inputs..., %labels, %learning_rate, %parameters, %slots...,
//               %statistics) -> (%loss, %logits, %parameters', %slots'...,
//                                %statistics')
//
// Trainable weights leave the IR as constants and become views of one flat
// `parameters` state; batch-norm running statistics likewise live in a flat
// `statistics` state, and the optimizer's slots (momentum, Adam's moments)
// are flat states of the same length as `parameters`. Arguments and results
// carrying `cv.state = "<name>"` are that state: the runtime keeps one buffer
// per state in the session, and a result updates it in place. The module
// records each state's size and initial value, and where each named tensor
// sits in it, as `cv.states` and `cv.state_slices` attributes.
//
// When only the final classifier trains, the module also gets
//   @features(inputs...) -> the classifier's input
// and @train_step reads those features instead of the images, so that a
// training loop can compute them once and train the head from a cache.
//
// The step is forward, softmax cross-entropy (plus weighted auxiliary
// losses), the reverse sweep of vector-Jacobian products (one rule per op,
// in this folder) and the optimizer update, all as cv ops, so that the same
// passes and Halide schedules compile it as compile inference.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_AUTODIFF_TRAINSTEP_H
#define CVC_AUTODIFF_TRAINSTEP_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace cvc::autodiff {

enum class Optimizer { Sgd, Adam, AdamW };

/// How the step is built. Set from cvc's flags and from the pass's options
/// through one table, trainingOptionSpecs() (TrainingOptions.h).
struct TrainingOptions {
  int64_t batch = 32;            ///< the training step's static batch
  Optimizer optimizer = Optimizer::Sgd;
  float momentum = 0.9f;         ///< SGD
  float weightDecay = 0.0f;      ///< SGD and Adam: L2 in the gradient; AdamW: decoupled
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f; ///< Adam, AdamW
  float labelSmoothing = 0.0f;
  float batchNormMomentum = 0.1f; ///< PyTorch's convention: new = (1 - m) old + m batch
  /// Parameters whose name starts with one of these stay constants: no
  /// gradient is computed for them and the optimizer never sees them.
  std::vector<std::string> frozenPrefixes;
  /// Parameters met before the first one whose name starts with this (in
  /// graph order) stay constants too: "train from this layer on".
  std::string freezeUntil;
  /// Transfer learning: the classifier producing the first output gets a new
  /// weight and bias for this many classes (PyTorch's Linear initialisation,
  /// seeded by `headSeed`); 0 keeps it.
  int64_t replaceHead = 0;
  uint64_t headSeed = 0;
  /// Adds the flat gradient as a `gradients` output (for checking against
  /// another framework).
  bool exportGradients = false;
};

/// Builds @train_step and rewrites @main as described above; errors are
/// emitted at the op that cannot be differentiated.
mlir::LogicalResult buildTrainStep(mlir::ModuleOp module, const TrainingOptions &options);

/// Parses "sgd", "adam" or "adamw".
std::optional<Optimizer> parseOptimizer(llvm::StringRef name);

} // namespace cvc::autodiff

#endif // CVC_AUTODIFF_TRAINSTEP_H
