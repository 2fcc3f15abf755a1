//===- Lowering.cpp - kernels through the op interface, AOT compilation -===//
#include "Family.h"

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

FailureOr<ScheduleSpace> scheduleSpaceOf(Operation *op, const KernelContext &context) {
  auto kernel = llvm::dyn_cast<HalideKernelOpInterface>(op);
  if (!kernel)
    return op->emitOpError() << "has no Halide lowering";
  return kernel.getScheduleSpace(context);
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
  return guardHalide(
      [&] {
        Halide::Pipeline pipeline = kernel.pipeline;
        pipeline.compile_to_object(objectPath, kernel.arguments, fnName,
                                   target.with_feature(Halide::Target::NoRuntime));
      },
      error);
}

LogicalResult compileRuntime(const std::string &objectPath, const Halide::Target &target,
                             std::string &error) {
  return guardHalide([&] { Halide::compile_standalone_runtime(objectPath, target); }, error);
}

} // namespace cvc::halide
