//===- Lowering.h - cv ops -> Halide pipelines ------------------*- C++ -*-===//
//
// Each cv op (except constants and reshapes, which the driver turns into
// weights and views) becomes one Halide pipeline: an algorithm built from the
// op's shapes and attributes, plus a schedule: a point of the op's schedule
// space, the default one unless a chooser (a tuning database, a search)
// picks another. Weights are ImageParams like activations, never Buffer
// constants, so a model's weights never pass through the Halide compiler.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HALIDE_LOWERING_H
#define CVC_HALIDE_LOWERING_H

#include "cvc/halide/Kernel.h"

#include "cv/CvOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"

#include <functional>
#include <optional>
#include <string>

namespace cvc::halide {

/// Attaches every family's HalideKernelOpInterface model to the cv ops.
void registerKernelInterfaces(mlir::DialectRegistry &registry);

/// The target named by `name` ("host": this machine, its CPU features
/// checked; or a Halide target string) as the module attribute the whole
/// pipeline reads; `cores` 0 means the machine's. On failure, `error` says
/// why.
mlir::FailureOr<cv::TargetAttr> resolveTarget(mlir::MLIRContext *ctx, const std::string &name,
                                              int64_t cores, std::string &error);

/// This machine's last-level cache in bytes (CPU 0's, from sysfs; 16 MB
/// when it does not say).
uint64_t lastLevelCacheBytes();

/// The Halide target and vector width of a module's cv.target.
KernelContext kernelContextFor(cv::TargetAttr target);
/// Whether a module's cv.target (null: none) compiles its kernels for a GPU.
bool runsOnGpu(cv::TargetAttr target);

/// Canonical text identifying a kernel up to the batch extent: op name,
/// attributes and operand/result types. Equal signatures share one function.
std::string kernelSignature(mlir::Operation *op);

/// A chooser's pick: the point, and where it came from ("database",
/// "warm start", ...), which the plan records beside it.
struct ScheduleChoice {
  SchedulePoint point;
  std::string source;
};

/// Picks a schedule for `op` from its space (a tuning database, a search);
/// std::nullopt keeps the default point. `context` is the one the kernel is
/// built with (its strided views marked).
using ScheduleChooser = std::function<std::optional<ScheduleChoice>(
    mlir::Operation *op, const std::string &signature, const ScheduleSpace &space,
    const KernelContext &context)>;

/// The schedule space of `op`'s kernel; fails, at the op, when it has no
/// Halide lowering.
mlir::FailureOr<ScheduleSpace> scheduleSpaceOf(mlir::Operation *op, const KernelContext &context);

/// Builds `op`'s kernel at `point` (the space's default when null), after
/// checking that the point is legal; reports unsupported ops, illegal
/// points and Halide's own errors at the op.
mlir::FailureOr<Kernel> lowerOp(mlir::Operation *op, const KernelContext &context,
                                const SchedulePoint *point = nullptr);

/// A kernel copying a tensor of `source`'s type into a new buffer: a model
/// output that is not computed by its own kernel (an input, a weight, a view).
Kernel lowerCopy(mlir::Value source, const KernelContext &context);

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
