//===- Lowering.cpp - kernels through the op interface, AOT compilation -===//
#include "Family.h"
#include "cvc/halide/GpuPlacement.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

#include "cvc/halide/KernelInterface.cpp.inc"

namespace cvc::halide {

void registerKernelInterfaces(DialectRegistry &registry) {
  registerConvKernels(registry);
  registerConvBackwardKernels(registry);
  registerConvTransposeKernels(registry);
  registerBlockedConvKernels(registry);
  registerDepthwiseKernels(registry);
  registerWinogradKernels(registry);
  registerDenseKernels(registry);
  registerGemmKernels(registry);
  registerElementwiseKernels(registry);
  registerShapeKernels(registry);
  registerPoolKernels(registry);
  registerNormalizeKernels(registry);
  registerReduceKernels(registry);
  registerResampleKernels(registry);
  registerLossKernels(registry);
}

std::string kernelSignature(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << op->getName() << " " << op->getPropertiesAsAttribute() << " "
     << op->getDiscardableAttrDictionary() << " (";
  llvm::interleaveComma(op->getOperandTypes(), os);
  os << ") -> (";
  llvm::interleaveComma(op->getResultTypes(), os);
  os << ")";
  return text;
}

namespace {

/// Whether `algorithm` runs its kernel on a GPU: the families' own GPU
/// schedules are named gpu_*, and Halide's autoschedulers offer a GPU
/// target only the one that writes GPU schedules.
bool isGpuAlgorithm(const std::string &algorithm) {
  return algorithm.rfind("gpu_", 0) == 0 || algorithm == "autoschedule";
}

/// A GPU target's part of `space`: its GPU algorithms, the family's GPU
/// default or else Li2018's. A family with no GPU algorithm is refused by
/// name: no kernel falls back to the host.
LogicalResult keepGpuAlgorithms(Operation *op, const KernelContext &context, ScheduleSpace &space) {
  llvm::erase_if(space.algorithms,
                 [](const ScheduleAlgorithm &a) { return !isGpuAlgorithm(a.name); });
  if (space.algorithms.empty())
    return op->emitOpError() << "has no GPU schedule yet (target "
                             << context.target.to_string() << ")";
  if (!isGpuAlgorithm(space.defaultPoint.algorithm()))
    space.defaultPoint = space.find("autoschedule") ? gpuAutoschedulePoint()
                                                    : SchedulePoint(space.algorithms[0].name);
  return success();
}

} // namespace

FailureOr<ScheduleSpace> scheduleSpaceOf(Operation *op, const KernelContext &context) {
  auto kernel = llvm::dyn_cast<HalideKernelOpInterface>(op);
  if (!kernel)
    return op->emitOpError() << "has no Halide lowering";
  ScheduleSpace space = kernel.getScheduleSpace(context);
  if (context.gpu() && failed(keepGpuAlgorithms(op, context, space)))
    return failure();
  return space;
}

FailureOr<Kernel> lowerOp(Operation *op, const KernelContext &context,
                          const SchedulePoint *point) {
  try {
    FailureOr<ScheduleSpace> space = scheduleSpaceOf(op, context);
    if (failed(space))
      return failure();
    const SchedulePoint &chosen = point ? *point : space->defaultPoint;
    if (std::string why = space->check(chosen); !why.empty())
      return op->emitOpError() << "cannot take the schedule '" << space->format(chosen)
                               << "': " << why;
    FailureOr<Kernel> kernel =
        llvm::cast<HalideKernelOpInterface>(op).buildKernel(context, chosen);
    if (failed(kernel))
      return failure();
    if (isAutoscheduled(chosen)) {
      std::string error;
      if (failed(applyAutoscheduler(*kernel, chosen, context, error)))
        return op->emitOpError() << "the autoscheduler of '" << space->format(chosen)
                                 << "' failed: " << error;
    }
    kernel->schedule = space->format(chosen);
    return kernel;
  } catch (const Halide::Error &e) {
    return op->emitOpError() << "Halide rejected the kernel: " << e.what();
  }
}

namespace {
/// Runs a Halide compilation step, turning its exceptions into `error`.
template <typename Fn> LogicalResult guardHalide(Fn &&step, std::string &error) {
  try {
    step();
    return success();
  } catch (const Halide::Error &e) {
    error = e.what();
  } catch (const std::exception &e) {
    error = e.what();
  }
  return failure();
}
} // namespace

LogicalResult compileKernel(const Kernel &kernel, const std::string &fnName,
                            const std::string &objectPath, const Halide::Target &target,
                            std::string &error) {
  bool onDevice = true;
  LogicalResult compiled = guardHalide(
      [&] {
        Halide::Pipeline pipeline = kernel.pipeline;
        Halide::Target kernelTarget = target.with_feature(Halide::Target::NoRuntime);
        if (!target.has_gpu_feature()) {
          pipeline.compile_to_object(objectPath, kernel.arguments, fnName, kernelTarget);
          return;
        }
        Halide::Module module = pipeline.compile_to_module(kernel.arguments, fnName, kernelTarget);
        if (std::string buffers = hostComputedBuffers(module); !buffers.empty()) {
          error = "its schedule '" + kernel.schedule + "' computes " + buffers +
                  " on the host, not on the GPU";
          onDevice = false;
          return;
        }
        module.compile({{Halide::OutputFileType::object, objectPath}});
      },
      error);
  return success(succeeded(compiled) && onDevice);
}

LogicalResult compileRuntime(const std::string &objectPath, const Halide::Target &target,
                             std::string &error) {
  return guardHalide([&] { Halide::compile_standalone_runtime(objectPath, target); }, error);
}

} // namespace cvc::halide
