//===- ConvTranspose.cpp - cv.conv_transpose2d in NCHW ------------------===//
//
// Gather form, the same computation as the convolution's input gradient
// (TransposedGather.h), with the fused epilogue.
//
// Transposed convolutions with constant weights and no dilation are
// rewritten before lowering (cv-decompose-conv-transpose) into one
// ordinary stride-1 convolution per output phase, which the blocked and
// Winograd kernels then take, and an interleave of the phases: the masked
// taps here would waste (s² - 1) / s² of the multiply-adds. This kernel
// serves what is left: training steps' (non-constant) weights, dilations,
// and -O0.
//
// Schedule space ("gather"): vector (lanes along output columns),
// channel_tile (output channels per register tile, dividing a group's).
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Family.h"
#include "GpuTile.h"
#include "TransposedGather.h"

using namespace mlir;

namespace cvc::halide {
namespace {

GatherGeometry geometryOf(cv::ConvTranspose2DOp op) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  auto i = [](int64_t v) { return static_cast<int>(v); };
  return {i(in.getDimSize(1)),     i(in.getDimSize(2)),     i(in.getDimSize(3)),
          i(out.getDimSize(1)),    i(out.getDimSize(2)),    i(out.getDimSize(3)),
          i(w.getDimSize(2)),      i(w.getDimSize(3)),      i(op.getGroups()),
          i(op.getStrides()[0]),   i(op.getStrides()[1]),   i(op.getDilations()[0]),
          i(op.getDilations()[1]), i(op.getPads()[0]),      i(op.getPads()[1])};
}

ScheduleSpace convTransposeSpace(cv::ConvTranspose2DOp op, const KernelContext &context) {
  GatherGeometry g = geometryOf(op);
  ScheduleSpace space;
  if (context.gpu()) {
    addGpuTileAlgorithm(space, {g.dstW, g.dstH, g.dstPerGroup()});
    addAutoscheduleAlgorithm(space, context);
    return space;
  }
  ScheduleAlgorithm &gather = space.addAlgorithm("gather");
  gather.add("vector", vectorWidthsFor(g.dstW, context));
  gather.add("channel_tile", divisorsUpTo(g.dstPerGroup(), 16));
  space.defaultPoint = SchedulePoint("gather")
                           .set("vector", vectorWidthFor(g.dstW, context))
                           .set("channel_tile", largestDivisorAtMost(g.dstPerGroup(), 8));
  addAutoscheduleAlgorithm(space, context);
  return space;
}

FailureOr<Kernel> buildConvTranspose(cv::ConvTranspose2DOp op, const KernelContext &context,
                                     const SchedulePoint &point) {
  GatherGeometry g = geometryOf(op);
  KernelBuilder kernel(op, context);
  LayerInputs layer = layerInputs(kernel, op);
  Halide::ImageParam input = layer.input, weight = layer.weight, bias = layer.bias;
  TransposedGather t = defineTransposedGather(input, weight, g,
                                              op.getBias() ? std::optional<Func>(bias) : std::nullopt,
                                              "conv_transpose_acc");
  Func result("conv_transpose");
  result(t.x, t.y, t.c, t.n) =
      applyEpilogue(op, t.acc(t.x, t.y, t.c, t.n), {t.x, t.y, t.c, t.n}, kernel);
  // Only the taps that land count as multiply-adds.
  uint64_t macs = static_cast<uint64_t>(g.srcC) * g.srcH * g.srcW * g.dstPerGroup() * g.kH * g.kW;
  if (isAutoscheduled(point))
    return kernel.finish(result, macs);
  if (point.algorithm() == "gpu_tile") {
    scheduleGpuTile(result, t.acc, {t.x, t.y, t.c, true, {t.n}, {t.r.x, t.r.y, t.r.z}}, point);
    return kernel.finish(result, macs);
  }
  scheduleTransposedGather(result, t, point.getInt("vector"), point.getInt("channel_tile"),
                           vectorWidthFor(g.srcW, context));
  return kernel.finish(result, macs);
}

} // namespace

void registerConvTransposeKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<convTransposeSpace, buildConvTranspose, cv::ConvTranspose2DOp>(ctx);
  });
}

} // namespace cvc::halide
