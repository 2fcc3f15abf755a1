//===- Lowering.h - cv ops -> Halide pipelines ------------------*- C++ -*-===//
//
// Each cv op (except constants and reshapes, which the driver turns into
// weights and views) becomes one Halide pipeline: an algorithm built from the
// op's shapes and attributes, plus a schedule chosen from the same shapes and
// the target. Weights are ImageParams like activations, never Buffer
// constants, so a model's weights never pass through the Halide compiler.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HALIDE_LOWERING_H
#define CVC_HALIDE_LOWERING_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseSet.h"
#include "mlir/Support/LogicalResult.h"

#include <Halide.h>

#include <optional>
#include <string>
#include <vector>

namespace cvc::halide {

/// A Halide pipeline computing one cv op, ready for AOT compilation.
struct Kernel {
  std::string ops;                          ///< e.g. "cv.conv2d"
  std::vector<mlir::Value> inputs;          ///< op operands, in argument order
  mlir::Value output;
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> arguments;  ///< one ImageParam per input; the output is last, implicitly
  uint64_t macsPerImage = 0;                ///< multiply-accumulates at batch 1
  std::string schedule;                     ///< the schedule parameters chosen, human readable
};

/// While alive, makes the lowering functions treat `values` as possibly
/// strided views (a slice, a channel range of an in-place concat): their
/// kernels read the strides from the buffers instead of assuming dense
/// row-major ones. The caller adds the same fact to the kernel signature.
class ScopedStridedValues {
public:
  explicit ScopedStridedValues(const llvm::DenseSet<mlir::Value> &values);
  ~ScopedStridedValues();
  ScopedStridedValues(const ScopedStridedValues &) = delete;
  ScopedStridedValues &operator=(const ScopedStridedValues &) = delete;
  static bool contains(mlir::Value value);

private:
  const llvm::DenseSet<mlir::Value> *previous;
};

/// "host" (this machine) or a Halide target string; std::nullopt if invalid.
std::optional<Halide::Target> targetFromString(const std::string &name);

/// Canonical text identifying a kernel up to the batch extent: op name,
/// attributes and operand/result types. Equal signatures share one function.
std::string kernelSignature(mlir::Operation *op);

/// Builds algorithm and default schedule for `op`; reports unsupported ops or
/// attributes at the op.
mlir::FailureOr<Kernel> lowerOp(mlir::Operation *op, const Halide::Target &target);

/// A kernel copying a tensor of `source`'s type into a new buffer: a model
/// output that is not computed by its own kernel (an input, a weight, a view).
Kernel lowerCopy(mlir::Value source, const Halide::Target &target);

/// AOT-compiles `kernel` to an object exporting `fnName` and `fnName_argv`,
/// without the Halide runtime (compileRuntime provides it once per model).
mlir::LogicalResult compileKernel(const Kernel &kernel, const std::string &fnName,
                                  const std::string &objectPath, const Halide::Target &target,
                                  std::string &error);

/// Writes the Halide runtime for `target` as an object file.
mlir::LogicalResult compileRuntime(const std::string &objectPath, const Halide::Target &target,
                                   std::string &error);

} // namespace cvc::halide

#endif // CVC_HALIDE_LOWERING_H
