//===- Lowering.cpp - dispatch, kernel signatures, AOT compilation ------===//
#include "Families.h"
#include "Tensor.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

using namespace mlir;

namespace cvc::halide {

namespace {

/// Whether the CPU executes VEX-encoded AVX-VNNI (CPUID leaf 7, subleaf 1,
/// EAX bit 4).
bool hostHasAvxVnni() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx))
    return false;
  return (eax >> 4) & 1;
#else
  return false;
#endif
}

} // namespace

std::optional<Halide::Target> targetFromString(const std::string &name) {
  if (name == "host") {
    // Halide 14 names any CPU with AVX512-VNNI and AVX512-BF16 Sapphire
    // Rapids, and LLVM's sapphirerapids CPU then emits AVX-VNNI (VEX)
    // dot products for vector index arithmetic. AMD Zen 4 has the former
    // but not AVX-VNNI: those kernels died of SIGILL. Cannon Lake's AVX-512
    // is all that float kernels use.
    Halide::Target host = Halide::get_host_target();
    if (host.has_feature(Halide::Target::AVX512_SapphireRapids) && !hostHasAvxVnni())
      host = host.without_feature(Halide::Target::AVX512_SapphireRapids);
    return host;
  }
  if (!Halide::Target::validate_target_string(name))
    return std::nullopt;
  return Halide::Target(name);
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

FailureOr<Kernel> lowerOp(Operation *op, const Halide::Target &target) {
  try {
    return llvm::TypeSwitch<Operation *, FailureOr<Kernel>>(op)
        .Case([&](cv::Conv2DOp o) { return lowerConv2d(o, target); })
        .Case([&](cv::FullyConnectedOp o) { return lowerFullyConnected(o, target); })
        .Case([&](cv::MatMulOp o) { return lowerMatMul(o, target); })
        .Case([&](cv::BlockedConv2DOp o) { return lowerBlockedConv2d(o, target); })
        .Case([&](cv::WinogradConv2DOp o) { return lowerWinogradConv2d(o, target); })
        .Case([&](cv::WinogradWeightsOp o) { return lowerWinogradWeights(o, target); })
        .Case([&](cv::ToBlockedOp o) { return lowerToBlocked(o, target); })
        .Case([&](cv::FromBlockedOp o) { return lowerFromBlocked(o, target); })
        .Case([&](cv::MaxPool2DOp o) { return lowerMaxPool2d(o, target); })
        .Case([&](cv::AvgPool2DOp o) { return lowerAvgPool2d(o, target); })
        .Case<cv::ReluOp, cv::TanhOp, cv::SigmoidOp, cv::AbsOp, cv::NegOp, cv::ExpOp, cv::LogOp,
              cv::SqrtOp, cv::ReciprocalOp, cv::FloorOp, cv::CeilOp, cv::SoftplusOp, cv::ClipOp,
              cv::LeakyReluOp, cv::EluOp, cv::HardSigmoidOp>(
            [&](Operation *o) { return lowerUnary(o, target); })
        .Case<cv::AddOp, cv::SubOp, cv::MulOp, cv::DivOp, cv::MaxOp, cv::MinOp, cv::PReluOp,
              cv::PowOp>(
            [&](Operation *o) { return lowerBinary(o, target); })
        .Case([&](cv::ConcatOp o) { return lowerConcat(o, target); })
        .Case([&](cv::SoftmaxOp o) { return lowerSoftmax(o, target); })
        .Case([&](cv::LRNOp o) { return lowerLRN(o, target); })
        .Case([&](cv::BatchNormOp o) { return lowerBatchNorm(o, target); })
        .Case([&](cv::LogSoftmaxOp o) { return lowerLogSoftmax(o, target); })
        .Case([&](cv::TransposeOp o) { return lowerTranspose(o, target); })
        .Case([&](cv::SliceOp o) { return lowerSlice(o, target); })
        .Case([&](cv::PadOp o) { return lowerPad(o, target); })
        .Case([&](cv::ReduceOp o) { return lowerReduce(o, target); })
        .Case([&](cv::ExpandOp o) { return lowerExpand(o, target); })
        .Case([&](cv::Conv2DBackwardInputOp o) { return lowerConv2dBackwardInput(o, target); })
        .Case([&](cv::Conv2DBackwardWeightOp o) { return lowerConv2dBackwardWeight(o, target); })
        .Case([&](cv::MaxPool2DBackwardOp o) { return lowerMaxPool2dBackward(o, target); })
        .Case([&](cv::AvgPool2DBackwardOp o) { return lowerAvgPool2dBackward(o, target); })
        .Case([&](cv::ActivationBackwardOp o) { return lowerActivationBackward(o, target); })
        .Case([&](cv::DropoutMaskOp o) { return lowerDropoutMask(o, target); })
        .Case([&](cv::LRNBackwardOp o) { return lowerLRNBackward(o, target); })
        .Case([&](cv::SoftmaxCrossEntropyOp o) { return lowerSoftmaxCrossEntropy(o, target); })
        .Case([&](cv::SoftmaxCrossEntropyBackwardOp o) {
          return lowerSoftmaxCrossEntropyBackward(o, target);
        })
        .Default([&](Operation *o) -> FailureOr<Kernel> {
          return o->emitOpError() << "has no Halide lowering";
        });
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
