//===- Conv.cpp - cv.conv2d as a Halide pipeline ------------------------===//
//
// Direct convolution in NCHW. The schedule keeps a register tile of output
// channels x output columns in vector accumulators across the whole
// reduction (input channels and the kernel window): the input row segment is
// loaded once per tap and reused by every output channel of the tile, each
// weight is one broadcast reused by every column vector.
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Families.h"
#include "StagedConv.h"
#include "Tensor.h"

#include "cv/CvOps.h"

using namespace mlir;

namespace cvc::halide {
namespace {

struct ConvShape {
  int64_t batch, inC, inH, inW, outC, outH, outW, kH, kW, groups;
  int64_t strideH, strideW, dilH, dilW, padT, padL;
};

/// Tile sizes for the register-blocked update.
struct ConvSchedule {
  int vector;       ///< lanes per accumulator vector, along output columns
  int columnTiles;  ///< accumulator vectors along output columns
  int channelTile;  ///< output channels per tile
  int rowTile;      ///< output rows per tile (narrow images fill the tile with rows)
};

ConvSchedule chooseConvSchedule(const ConvShape &s, const Halide::Target &target) {
  ConvSchedule p;
  p.vector = vectorWidthFor(s.outW, target);
  p.columnTiles = s.outW >= 2 * p.vector ? 2 : 1;
  // 2 column vectors x 8 channels = 16 accumulators, half the AVX-512 register
  // file, leaving room for the input vectors and weight broadcasts.
  int64_t perGroup = s.outC / s.groups;
  // Rows narrower than two vectors take two rows per tile instead, which
  // keeps 16 accumulators and reuses each weight broadcast twice as often.
  p.rowTile = p.columnTiles == 1 && s.outH >= 2 ? 2 : 1;
  p.channelTile = static_cast<int>(std::min<int64_t>(perGroup, 8));
  while (perGroup % p.channelTile != 0)
    --p.channelTile;
  return p;
}

} // namespace

FailureOr<Kernel> lowerConv2d(cv::Conv2DOp op, const Halide::Target &target) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  ConvShape s{in.getDimSize(0), in.getDimSize(1), in.getDimSize(2), in.getDimSize(3),
              out.getDimSize(1), out.getDimSize(2), out.getDimSize(3), w.getDimSize(2),
              w.getDimSize(3), op.getGroups(), op.getStrides()[0], op.getStrides()[1],
              op.getDilations()[0], op.getDilations()[1], op.getPads()[0], op.getPads()[1]};
  int64_t inPerGroup = s.inC / s.groups, outPerGroup = s.outC / s.groups;
  // Constant weights were given the blocked layout at compile time where it
  // applies (cv-block-layout); a training step's are variables, re-laid out
  // by the kernel on each call. Like cv-block-layout, only where the input
  // channels fill blocks too: a 3-channel 7x7 stem ran at 2/3 of this
  // kernel's speed staged (ResNet-18's, 64x64, batch 16, AMD EPYC).
  if (!op.getWeight().getDefiningOp<cv::ConstantOp>())
    if (int block = stagedConvBlock(s.outC, s.groups, target); block && s.inC % block == 0)
      return lowerConv2dStaged(op, block, target);

  std::vector<Halide::ImageParam> params = {makeInput(op.getInput(), "input"),
                                            makeInput(op.getWeight(), "weight")};
  if (op.getBias())
    params.push_back(makeInput(op.getBias(), "bias"));
  Halide::ImageParam input = params[0], weight = params[1];

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
  acc(x, y, c, n) = op.getBias() ? params[2](c) : Expr(0.0f);
  acc(x, y, c, n) += weight(r.x, r.y, r.z, c) * padded(inX, inY, inC, n);
  Func result("conv");
  result(x, y, c, n) = applyEpilogue(op, acc(x, y, c, n), {x, y, c, n}, params);

  // Schedule.
  ConvSchedule p = chooseConvSchedule(s, target);
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi"), co("co"), ci("ci"), tile("tile");
  int columns = std::min<int64_t>(s.outW, p.vector * p.columnTiles);
  result.split(x, xo, xi, columns, TailStrategy::ShiftInwards)
      .split(y, yo, yi, p.rowTile, TailStrategy::ShiftInwards)
      .split(c, co, ci, p.channelTile)
      .reorder(xi, yi, ci, xo, yo, co, n)
      .vectorize(xi, p.vector)
      .fuse(yo, co, tile)
      .fuse(tile, n, tile)
      .parallel(tile);
  acc.compute_at(result, xo).vectorize(x, p.vector).unroll(x).unroll(y).unroll(c);
  // Materialise the zero-padded input rows a tile reads, so the inner loop
  // loads without bounds selects.
  if (hasPadding)
    padded.compute_at(result, tile).vectorize(padded.args()[0], p.vector,
                                               TailStrategy::GuardWithIf);
  acc.update()
      .reorder(x, y, c, r.z, r.x, r.y, n)
      .vectorize(x, p.vector)
      .unroll(x)
      .unroll(y)
      .unroll(c);
  if (s.kW <= 3)
    acc.update().unroll(r.x);

  uint64_t macs = static_cast<uint64_t>(s.outC) * s.outH * s.outW * inPerGroup * s.kH * s.kW;
  std::string schedule = "direct vector=" + std::to_string(p.vector) +
                         " column_tiles=" + std::to_string(p.columnTiles) +
                         " channel_tile=" + std::to_string(p.channelTile) +
                         " row_tile=" + std::to_string(p.rowTile) +
                         " parallel=rows*channel_tiles*batch";
  return finishKernel(op, result, params, schedule, macs);
}

} // namespace cvc::halide
