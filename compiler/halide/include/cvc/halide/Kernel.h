//===- Kernel.h - one cv op as a Halide pipeline, and what it needs ---*- C++ -*-===//
#ifndef CVC_HALIDE_KERNEL_H
#define CVC_HALIDE_KERNEL_H

#include "cvc/halide/Schedule.h"

#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/DenseSet.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace cvc::halide {

/// A Halide pipeline computing one cv op, ready for AOT compilation.
struct Kernel {
  std::string ops;                          ///< e.g. "cv.conv2d+residual+relu"
  std::vector<mlir::Value> inputs;          ///< op operands, in argument order
  mlir::Value output;
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> arguments;  ///< one ImageParam per input; the output is last, implicitly
  std::vector<Halide::ImageParam> params;   ///< the same inputs, to bind buffers when JIT-running
  uint64_t macsPerImage = 0;                ///< multiply-accumulates at batch 1
  std::string schedule;                     ///< the schedule point applied, in its text form
  std::string scheduleSource = "default";   ///< where the point came from (a chooser says)
};

/// What a kernel is built for besides its op: the module's target, and the
/// facts the planner decided about its tensors.
struct KernelContext {
  Halide::Target target;
  /// float32 lanes of one natural vector of the target (the cv.target's
  /// vector_width): the unit of every vectorised loop.
  int vectorWidth = 1;
  /// Threads the kernels are scheduled for (the cv.target's cores): what an
  /// autoscheduler is told the machine runs in parallel.
  int cores = 1;
  /// Operands and results the plan makes strided views (a slice, a channel
  /// range of an in-place concat): their kernels read the strides from the
  /// buffers instead of assuming dense row-major ones. Null means none.
  const llvm::DenseSet<mlir::Value> *stridedValues = nullptr;

  bool isStrided(mlir::Value value) const {
    return stridedValues && stridedValues->contains(value);
  }
  /// Whether the kernels run on a GPU (a `--target cuda` model): only the
  /// GPU algorithms of a schedule space apply then.
  bool gpu() const { return target.has_gpu_feature(); }
};

} // namespace cvc::halide

#include "cvc/halide/KernelInterface.h.inc"

#endif // CVC_HALIDE_KERNEL_H
