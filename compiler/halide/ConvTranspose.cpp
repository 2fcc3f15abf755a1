//===- ConvTranspose.cpp - cv.conv_transpose2d in NCHW ------------------===//
//
// Gather form, as the convolution's input gradient: each output position
// reads, for every tap, the input position whose window put that tap on
// it; with stride s only one tap in s lands on an input pixel, and the
// others are masked. Scheduled like the direct convolution: a vector of
// output columns by a tile of output channels accumulates in registers
// across the whole reduction (a group's input channels and the window).
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

using namespace mlir;

namespace cvc::halide {
namespace {

struct TransposeGeometry {
  int inC, inH, inW, outC, outH, outW, kH, kW, groups, strideH, strideW, dilH, dilW, padT, padL;
  int inPerGroup() const { return inC / groups; }
  int outPerGroup() const { return outC / groups; }
};

TransposeGeometry geometryOf(cv::ConvTranspose2DOp op) {
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
  TransposeGeometry g = geometryOf(op);
  ScheduleSpace space;
  ScheduleAlgorithm &gather = space.addAlgorithm("gather");
  gather.add("vector", vectorWidthsFor(g.outW, context));
  gather.add("channel_tile", divisorsUpTo(g.outPerGroup(), 16));
  space.defaultPoint = SchedulePoint("gather")
                           .set("vector", vectorWidthFor(g.outW, context))
                           .set("channel_tile", largestDivisorAtMost(g.outPerGroup(), 8));
  addAutoscheduleAlgorithm(space);
  return space;
}

FailureOr<Kernel> buildConvTranspose(cv::ConvTranspose2DOp op, const KernelContext &context,
                                     const SchedulePoint &point) {
  TransposeGeometry g = geometryOf(op);
  KernelBuilder kernel(op, context);
  LayerInputs layer = layerInputs(kernel, op);
  Halide::ImageParam input = layer.input, weight = layer.weight, bias = layer.bias;
  Func padded = Halide::BoundaryConditions::constant_exterior(input, 0.0f,
                                                              {{0, g.inW}, {0, g.inH}});
  Var x("x"), y("y"), c("c"), n("n");
  // r.z: the input channel within the output channel's group.
  RDom r(0, g.kW, 0, g.kH, 0, g.inPerGroup(), "r");
  Expr tx = x + g.padL - r.x * g.dilW, ty = y + g.padT - r.y * g.dilH;
  Expr inC = (c / g.outPerGroup()) * g.inPerGroup() + r.z;
  Expr read = padded(tx / g.strideW, ty / g.strideH, inC, n);
  // Halide's division floors and its modulo is never negative: a tap that
  // lands between input pixels is exactly one with a remainder.
  if (g.strideW > 1)
    read = Halide::select(tx % g.strideW == 0, read, 0.0f);
  if (g.strideH > 1)
    read = Halide::select(ty % g.strideH == 0, read, 0.0f);
  Func acc("conv_transpose_acc");
  acc(x, y, c, n) = op.getBias() ? bias(c) : Expr(0.0f);
  acc(x, y, c, n) += weight(r.x, r.y, c % g.outPerGroup(), inC) * read;
  Func result("conv_transpose");
  result(x, y, c, n) = applyEpilogue(op, acc(x, y, c, n), {x, y, c, n}, kernel);
  // Only the taps that land count as multiply-adds.
  uint64_t macs = static_cast<uint64_t>(g.inC) * g.inH * g.inW * g.outPerGroup() * g.kH * g.kW;
  if (isAutoscheduled(point))
    return kernel.finish(result, macs);

  int vector = point.getInt("vector");
  int channelTile = point.getInt("channel_tile");
  Var xo("xo"), xi("xi"), co("co"), ci("ci"), tile("tile");
  result.split(x, xo, xi, vector, TailStrategy::ShiftInwards)
      .split(c, co, ci, channelTile)
      .reorder(xi, ci, xo, y, co, n)
      .vectorize(xi)
      .fuse(y, co, tile)
      .fuse(tile, n, tile)
      .parallel(tile);
  acc.compute_at(result, xo).vectorize(x).unroll(c);
  acc.update().reorder(x, c, r.z, r.x, r.y, n).vectorize(x).unroll(c);
  padded.compute_at(result, tile).vectorize(padded.args()[0], vectorWidthFor(g.inW, context),
                                            TailStrategy::GuardWithIf);
  return kernel.finish(result, macs);
}

} // namespace

void registerConvTransposeKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<convTransposeSpace, buildConvTranspose, cv::ConvTranspose2DOp>(ctx);
  });
}

} // namespace cvc::halide
