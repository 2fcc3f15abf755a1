//===- ConvBackward.cpp - the two gradients of cv.conv2d ----------------===//
//
// Ungrouped convolutions whose channels fill vector blocks take the staged
// kernels of StagedConv.cpp (channels in vector lanes, the input gradient
// split into stride x stride phases). The NCHW kernels here serve the rest
// (grouped convolutions, LeNet's 6 channels): direct, gather-form
// reductions scheduled like the forward convolution, a tile of channels x a
// vector of columns accumulating in registers across the whole reduction.
//
// The input gradient is a transposed convolution of the output gradient,
// in gather form (TransposedGather.h).
//
// The weight gradient reduces over the batch and all output positions. Its
// innermost reduction (output columns) is split into vector lanes summed at
// the end, so the long reduction runs on full vectors whatever the weight's
// shape; a tile of output channels x kernel columns shares each load.
//
//===----------------------------------------------------------------------===//
#include "Family.h"
#include "GpuTile.h"
#include "StagedConv.h"
#include "TransposedGather.h"

using namespace mlir;

namespace cvc::halide {
namespace {

struct ConvGeometry {
  int inC, inH, inW, outC, outH, outW, kH, kW, groups, strideH, strideW, dilH, dilW, padT, padL;
  int inPerGroup() const { return inC / groups; }
  int outPerGroup() const { return outC / groups; }
};

template <typename OpT>
ConvGeometry geometryOf(OpT op, Value input, Value weight, Value output) {
  auto in = llvm::cast<RankedTensorType>(input.getType());
  auto w = llvm::cast<RankedTensorType>(weight.getType());
  auto out = llvm::cast<RankedTensorType>(output.getType());
  auto i = [](int64_t v) { return static_cast<int>(v); };
  return {i(in.getDimSize(1)),     i(in.getDimSize(2)),     i(in.getDimSize(3)),
          i(out.getDimSize(1)),    i(out.getDimSize(2)),    i(out.getDimSize(3)),
          i(w.getDimSize(2)),      i(w.getDimSize(3)),      i(op.getGroups()),
          i(op.getStrides()[0]),   i(op.getStrides()[1]),   i(op.getDilations()[0]),
          i(op.getDilations()[1]), i(op.getPads()[0]),      i(op.getPads()[1])};
}

ConvGeometry inputGradGeometry(cv::Conv2DBackwardInputOp op) {
  return geometryOf(op, op.getInputGrad(), op.getWeight(), op.getOutputGrad());
}

ConvGeometry weightGradGeometry(cv::Conv2DBackwardWeightOp op) {
  return geometryOf(op, op.getInput(), op.getWeightGrad(), op.getOutputGrad());
}

/// The staged kernels apply wherever the channels in vector lanes fill
/// blocks, and are then the default.
ScheduleSpace inputGradSpace(cv::Conv2DBackwardInputOp op, const KernelContext &context) {
  ConvGeometry g = inputGradGeometry(op);
  ScheduleSpace space;
  if (context.gpu()) {
    addGpuTileAlgorithm(space, {g.inW, g.inH, g.inPerGroup()});
    return space;
  }
  ScheduleAlgorithm &gather = space.addAlgorithm("gather");
  gather.add("vector", vectorWidthsFor(g.inW, context));
  gather.add("channel_tile", divisorsUpTo(g.inPerGroup(), 16));
  SchedulePoint point("gather");
  point.set("vector", vectorWidthFor(g.inW, context))
      .set("channel_tile", largestDivisorAtMost(g.inPerGroup(), 8));
  space.defaultPoint = point;
  if (int block = stagedConvBlock(g.inC, g.groups, context))
    space.defaultPoint =
        addLaneConvAlgorithm(space, "staged_phases", backwardInputPhaseGrid(op, block));
  return space;
}

FailureOr<Kernel> buildInputGrad(cv::Conv2DBackwardInputOp op, const KernelContext &context,
                                 const SchedulePoint &point) {
  ConvGeometry g = inputGradGeometry(op);
  if (point.algorithm() == "staged_phases")
    return buildConv2dBackwardInputStaged(op, stagedConvBlock(g.inC, g.groups, context), context,
                                          point);
  KernelBuilder kernel(op, context);
  Halide::ImageParam dy = kernel.input(op.getOutputGrad(), "output_grad");
  Halide::ImageParam weight = kernel.input(op.getWeight(), "weight");
  GatherGeometry gather{g.outC, g.outH,    g.outW,    g.inC,  g.inH,  g.inW,  g.kH,   g.kW,
                        g.groups, g.strideH, g.strideW, g.dilH, g.dilW, g.padT, g.padL};
  TransposedGather t =
      defineTransposedGather(dy, weight, gather, std::nullopt, "conv_bwd_input_acc");
  Func result("conv_bwd_input");
  result(t.x, t.y, t.c, t.n) = t.acc(t.x, t.y, t.c, t.n);
  uint64_t macs = static_cast<uint64_t>(g.inC) * g.inH * g.inW * g.outPerGroup() * g.kH * g.kW;
  if (point.algorithm() == "gpu_tile") {
    scheduleGpuTile(result, t.acc, {t.x, t.y, t.c, true, {t.n}, {t.r.x, t.r.y, t.r.z}}, point);
    return kernel.finish(result, macs);
  }
  scheduleTransposedGather(result, t, point.getInt("vector"), point.getInt("channel_tile"),
                           vectorWidthFor(g.outW, context));
  return kernel.finish(result, macs);
}

enum PaddedAt : int64_t { kPaddedInline = 0, kPaddedPerTask = 1 };

ScheduleSpace weightGradSpace(cv::Conv2DBackwardWeightOp op, const KernelContext &context) {
  ConvGeometry g = weightGradGeometry(op);
  ScheduleSpace space;
  // A thread per weight, reducing over the batch and pixels. (Li2018,
  // which splits such reductions across threads, failed on ResNet-18's
  // with "could not find split dimension", so it is not offered.)
  if (context.gpu())
    return pointwiseSpace(halideShape(op.getWeightGrad()), context);
  ScheduleAlgorithm &lanes = space.addAlgorithm("lanes");
  // Columns past a row's end read zero in dy, so any width is exact.
  lanes.add("lanes", guardedVectorWidths(context));
  lanes.add("channel_tile", divisorsUpTo(g.outC, 8));
  // Where the zero-padded input and output gradient are read from: inline
  // (a bounds select per element) or copied per task first (a task's
  // channels, plain loads in the long reduction). Per task when a task's
  // channels are all it reads (depthwise): MobileNetV2's depthwise weight
  // gradients ran at 3-13% of peak inline. Where every task reads every
  // input channel, each would copy the whole input: its 3-channel first
  // layer's took 11.7 ms so against 8.6 inline.
  lanes.add("padded_at", {kPaddedInline, kPaddedPerTask}, {"inline", "task"});
  SchedulePoint point("lanes");
  point.set("lanes", vectorWidthFor(g.outW, context))
      .set("channel_tile", largestDivisorAtMost(g.outC, 4))
      .set("padded_at", g.inPerGroup() == 1 ? kPaddedPerTask : kPaddedInline);
  space.defaultPoint = point;
  if (int block = stagedConvBlock(g.outC, g.groups, context))
    space.defaultPoint = addStagedWeightGradAlgorithm(space, "staged_gemm", op, block);
  return space;
}

FailureOr<Kernel> buildWeightGrad(cv::Conv2DBackwardWeightOp op, const KernelContext &context,
                                  const SchedulePoint &point) {
  ConvGeometry g = weightGradGeometry(op);
  if (point.algorithm() == "staged_gemm")
    return buildConv2dBackwardWeightStaged(op, stagedConvBlock(g.outC, g.groups, context),
                                           context, point);
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  Halide::ImageParam dy = kernel.input(op.getOutputGrad(), "output_grad");
  uint64_t macs = static_cast<uint64_t>(g.outC) * g.outH * g.outW * g.inPerGroup() * g.kH * g.kW;
  if (context.gpu()) {
    // The plain reduction, a thread's per weight.
    Func inPadded = Halide::BoundaryConditions::constant_exterior(input, 0.0f,
                                                                  {{0, g.inW}, {0, g.inH}});
    Var kx("kx"), ky("ky"), ci("ci"), co("co");
    RDom r(0, g.outW, 0, g.outH, 0, dy.dim(3).extent(), "r");
    Expr term = dy(r.x, r.y, co, r.z) *
                inPadded(r.x * g.strideW - g.padL + kx * g.dilW, r.y * g.strideH - g.padT + ky * g.dilH,
                         (co / g.outPerGroup()) * g.inPerGroup() + ci, r.z);
    Func result("conv_bwd_weight");
    result(kx, ky, ci, co) = Halide::sum(term);
    schedulePointwise(result, {kx, ky, ci, co}, point);
    return kernel.finish(result, macs);
  }
  int lanes = point.getInt("lanes");
  int columnSteps = (g.outW + lanes - 1) / lanes;
  // Columns past the end of a row are zero in dy, so whatever the input
  // holds there contributes nothing.
  Func dyPadded = Halide::BoundaryConditions::constant_exterior(dy, 0.0f, {{0, g.outW}});
  Func inPadded = Halide::BoundaryConditions::constant_exterior(input, 0.0f,
                                                                {{0, g.inW}, {0, g.inH}});
  Var lane("lane"), kx("kx"), ky("ky"), ci("ci"), co("co");
  RDom r(0, columnSteps, 0, g.outH, 0, dy.dim(3).extent(), "r");
  Expr ox = r.x * lanes + lane;
  Expr inC = (co / g.outPerGroup()) * g.inPerGroup() + ci;
  Func partial("conv_bwd_weight_lanes");
  partial(lane, kx, ky, ci, co) = 0.0f;
  partial(lane, kx, ky, ci, co) +=
      dyPadded(ox, r.y, co, r.z) *
      inPadded(ox * g.strideW - g.padL + kx * g.dilW, r.y * g.strideH - g.padT + ky * g.dilH, inC,
               r.z);
  RDom l(0, lanes, "l");
  Func result("conv_bwd_weight");
  result(kx, ky, ci, co) = 0.0f;
  result(kx, ky, ci, co) += partial(l, kx, ky, ci, co);

  int channelTile = point.getInt("channel_tile");
  Var coo("coo"), coi("coi");
  result.split(co, coo, coi, channelTile).reorder(kx, ky, ci, coi, coo).parallel(coo);
  result.update().split(co, coo, coi, channelTile).reorder(l, kx, ky, ci, coi, coo).parallel(coo);
  partial.compute_at(result, coo).vectorize(lane).unroll(kx);
  if (point.get("padded_at") == kPaddedPerTask) {
    inPadded.compute_at(result, coo).vectorize(inPadded.args()[0], lanes,
                                               Halide::TailStrategy::GuardWithIf);
    dyPadded.compute_at(result, coo).vectorize(dyPadded.args()[0], lanes,
                                               Halide::TailStrategy::GuardWithIf);
  }
  partial.update()
      .reorder(lane, kx, co, r.x, r.y, r.z, ky, ci)
      .vectorize(lane)
      .unroll(kx)
      .unroll(co);
  return kernel.finish(result, macs);
}

} // namespace

void registerConvBackwardKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<inputGradSpace, buildInputGrad, cv::Conv2DBackwardInputOp>(ctx);
    attachKernels<weightGradSpace, buildWeightGrad, cv::Conv2DBackwardWeightOp>(ctx);
  });
}

} // namespace cvc::halide
