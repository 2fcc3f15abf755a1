//===- Conv.cpp - cv.conv2d as a Halide pipeline ------------------------===//
//
// Direct convolution in NCHW. The schedule keeps a register tile of output
// channels x output columns in vector accumulators across the whole
// reduction (input channels and the kernel window): the input row segment is
// loaded once per tap and reused by every output channel of the tile, each
// weight is one broadcast reused by every column vector.
//
// A convolution whose weights are not constants (a training step's) and
// whose channels fill vector blocks may instead take the staged kernel of
// StagedConv.cpp, which re-lays its operands out on each call.
//
// Schedule space:
//   direct  vector         lanes along output columns (<= the row width)
//           column_tiles   accumulator vectors along a row
//           channel_tile   output channels per tile (divides a group's)
//           row_tile       output rows per tile
//   staged  see StagedConv.h
//   gpu_tile  see GpuTile.h (GPU targets)
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Family.h"
#include "GpuTile.h"
#include "StagedConv.h"

using namespace mlir;

namespace cvc::halide {
namespace {

struct ConvShape {
  int64_t batch, inC, inH, inW, outC, outH, outW, kH, kW, groups;
  int64_t strideH, strideW, dilH, dilW, padT, padL;
};

ConvShape shapeOf(cv::Conv2DOp op) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  const int64_t groups = static_cast<int64_t>(op.getGroups());
  return {in.getDimSize(0),     in.getDimSize(1),     in.getDimSize(2),      in.getDimSize(3),
          out.getDimSize(1),    out.getDimSize(2),    out.getDimSize(3),     w.getDimSize(2),
          w.getDimSize(3),      groups,               op.getStrides()[0],    op.getStrides()[1],
          op.getDilations()[0], op.getDilations()[1], op.getPads()[0],       op.getPads()[1]};
}

/// The staged kernel's channel block when it applies: ungrouped, both
/// channel counts whole blocks. (Like cv-block-layout, only where the input
/// channels fill blocks too: a 3-channel 7x7 stem ran at 2/3 of the direct
/// kernel's speed staged; ResNet-18's, 64x64, batch 16, AMD EPYC.)
int stagedBlockOf(const ConvShape &s, const KernelContext &context) {
  int block = stagedConvBlock(s.outC, s.groups, context);
  return block && s.inC % block == 0 ? block : 0;
}

ScheduleSpace convSpace(cv::Conv2DOp op, const KernelContext &context) {
  ConvShape s = shapeOf(op);
  int64_t perGroup = s.outC / s.groups;
  ScheduleSpace space;
  if (context.gpu()) {
    addGpuTileAlgorithm(space, {s.outW, s.outH, perGroup});
    addAutoscheduleAlgorithm(space, context);
    return space;
  }
  ScheduleAlgorithm &direct = space.addAlgorithm("direct");
  direct.add("vector", vectorWidthsFor(s.outW, context));
  direct.add("column_tiles", {1, 2, 3, 4});
  direct.add("channel_tile", divisorsUpTo(perGroup, 16));
  direct.add("row_tile", powersOfTwoUpTo(std::min<int64_t>(s.outH, 4)));
  direct.constraint = [](const SchedulePoint &p) -> std::string {
    // Beyond the register file the unrolled tile only costs compile time.
    if (p.get("column_tiles") * p.get("channel_tile") * p.get("row_tile") > 32)
      return "column_tiles x channel_tile x row_tile exceeds 32 accumulators";
    return "";
  };

  // The default: 2 column vectors x 8 channels = 16 accumulators, half the
  // AVX-512 register file, leaving room for the input vectors and weight
  // broadcasts. Rows narrower than two vectors take two rows per tile
  // instead, which keeps 16 accumulators and reuses each weight broadcast
  // twice as often.
  SchedulePoint directPoint("direct");
  int64_t vector = vectorWidthFor(s.outW, context);
  int64_t columnTiles = s.outW >= 2 * vector ? 2 : 1;
  int64_t channelTile = std::min<int64_t>(perGroup, 8);
  while (perGroup % channelTile != 0)
    --channelTile;
  directPoint.set("vector", vector)
      .set("column_tiles", columnTiles)
      .set("channel_tile", channelTile)
      .set("row_tile", columnTiles == 1 && s.outH >= 2 ? 2 : 1);
  space.defaultPoint = directPoint;
  addAutoscheduleAlgorithm(space, context);

  if (int block = stagedBlockOf(s, context)) {
    LaneConvShape lanes{block, static_cast<int>(s.outC / block), static_cast<int>(s.outW),
                        static_cast<int>(s.outH)};
    SchedulePoint staged = addLaneConvAlgorithm(space, "staged", lanes);
    // Constant weights were given the blocked layout at compile time where
    // it applies (cv-block-layout); a training step's are variables,
    // re-laid out by the kernel on each call.
    if (!op.getWeight().getDefiningOp<cv::ConstantOp>())
      space.defaultPoint = staged;
  }
  return space;
}

FailureOr<Kernel> buildConv(cv::Conv2DOp op, const KernelContext &context,
                            const SchedulePoint &point) {
  ConvShape s = shapeOf(op);
  if (point.algorithm() == "staged")
    return buildConv2dStaged(op, stagedBlockOf(s, context), context, point);
  int64_t inPerGroup = s.inC / s.groups, outPerGroup = s.outC / s.groups;

  KernelBuilder kernel(op, context);
  LayerInputs layer = layerInputs(kernel, op);
  Halide::ImageParam input = layer.input, weight = layer.weight, bias = layer.bias;

  Var x("x"), y("y"), c("c"), n("n");
  // Unpadded convolutions read only inside the input; skip the bounds selects.
  bool hasPadding = llvm::any_of(op.getPads(), [](int64_t v) { return v != 0; });
  Func padded = hasPadding ? Halide::BoundaryConditions::constant_exterior(
                                 input, 0.0f,
                                 {{0, static_cast<int>(s.inW)}, {0, static_cast<int>(s.inH)}})
                           : Func(input);
  RDom r(0, static_cast<int>(s.kW), 0, static_cast<int>(s.kH), 0, static_cast<int>(inPerGroup),
         "r");
  Expr group = c / static_cast<int>(outPerGroup);
  Expr inX = x * static_cast<int>(s.strideW) - static_cast<int>(s.padL) + r.x * static_cast<int>(s.dilW);
  Expr inY = y * static_cast<int>(s.strideH) - static_cast<int>(s.padT) + r.y * static_cast<int>(s.dilH);
  Expr inC = s.groups == 1 ? Expr(r.z) : group * static_cast<int>(inPerGroup) + r.z;

  Func acc("conv_acc");
  acc(x, y, c, n) = op.getBias() ? bias(c) : Expr(0.0f);
  acc(x, y, c, n) += weight(r.x, r.y, r.z, c) * padded(inX, inY, inC, n);
  Func result("conv");
  result(x, y, c, n) = applyEpilogue(op, acc(x, y, c, n), {x, y, c, n}, kernel);
  uint64_t macs = static_cast<uint64_t>(s.outC) * s.outH * s.outW * inPerGroup * s.kH * s.kW;
  if (isAutoscheduled(point))
    return kernel.finish(result, macs);
  if (point.algorithm() == "gpu_tile") {
    scheduleGpuTile(result, acc, {x, y, c, true, {n}, {r.x, r.y, r.z}}, point);
    if (s.kW <= 3)
      acc.update().unroll(r.x);
    return kernel.finish(result, macs);
  }

  int vector = point.getInt("vector");
  int columns = static_cast<int>(std::min<int64_t>(s.outW, vector * point.get("column_tiles")));
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi"), co("co"), ci("ci"), tile("tile");
  result.split(x, xo, xi, columns, TailStrategy::ShiftInwards)
      .split(y, yo, yi, point.getInt("row_tile"), TailStrategy::ShiftInwards)
      .split(c, co, ci, point.getInt("channel_tile"))
      .reorder(xi, yi, ci, xo, yo, co, n)
      .vectorize(xi, vector)
      .fuse(yo, co, tile)
      .fuse(tile, n, tile)
      .parallel(tile);
  acc.compute_at(result, xo).vectorize(x, vector).unroll(x).unroll(y).unroll(c);
  // Materialise the zero-padded input rows a tile reads, so the inner loop
  // loads without bounds selects.
  if (hasPadding)
    padded.compute_at(result, tile).vectorize(padded.args()[0], vector,
                                               TailStrategy::GuardWithIf);
  acc.update()
      .reorder(x, y, c, r.z, r.x, r.y, n)
      .vectorize(x, vector)
      .unroll(x)
      .unroll(y)
      .unroll(c);
  if (s.kW <= 3)
    acc.update().unroll(r.x);

  return kernel.finish(result, macs);
}

} // namespace

void registerConvKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<convSpace, buildConv, cv::Conv2DOp>(ctx);
  });
}

} // namespace cvc::halide
