//===- Shape.cpp - cv.transpose, cv.slice and cv.pad as Halide pipelines ===//
//
// Pure data movement: each output element reads one input element. The
// schedules vectorise the output's innermost dimension (the pointwise
// space of Family.h); reads may gather, except in a transpose's "tiled"
// algorithm (below).
//
//===----------------------------------------------------------------------===//
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

ScheduleSpace resultSpace(Operation *op, const KernelContext &context) {
  return pointwiseSpace(halideShape(op->getResult(0)), context);
}

/// The Halide dimension of a transpose's result that reads the input's
/// innermost dimension: 0 when the innermost dimension stays innermost.
int innermostSource(cv::TransposeOp op) {
  ArrayRef<int64_t> perm = op.getPerm();
  int rank = static_cast<int>(perm.size());
  for (int i = 0; i < rank; ++i)
    if (perm[i] == rank - 1)
      return rank - 1 - i;
  return 0;
}

// A transpose that moves the innermost dimension reads the input with a
// stride along the result's rows. "tiled" copies tile x tile blocks: each
// block is loaded with vectors along the input's rows, held in registers
// and stored with vectors along the result's; read straight, ConvNeXt's
// NHWC -> NCHW transposes ran 3x slower than the other direction (0.24
// against 0.085 ms for the same 1.2 MB).
ScheduleSpace transposeSpace(cv::TransposeOp op, const KernelContext &context) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  ScheduleSpace space = pointwiseSpace(shape, context);
  int source = innermostSource(op);
  if (context.gpu() || source == 0 || shape[0] < 4 || shape[source] < 4)
    return space;
  ScheduleAlgorithm &tiled = space.addAlgorithm("tiled");
  tiled.add("tile", {4, 8, 16});
  int64_t across = shape[0], along = shape[source];
  tiled.constraint = [across, along](const SchedulePoint &p) -> std::string {
    if (p.get("tile") > across || p.get("tile") > along)
      return "tile exceeds a transposed dimension";
    return "";
  };
  int64_t tile = std::min<int64_t>(context.vectorWidth, 16);
  while (tile > 4 && (shape[0] < tile || shape[source] < tile))
    tile /= 2;
  space.defaultPoint = SchedulePoint("tiled").set("tile", tile);
  return space;
}

FailureOr<Kernel> buildTranspose(cv::TransposeOp op, const KernelContext &context,
                                 const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int rank = static_cast<int>(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  std::vector<Var> vars = makeVars(rank);
  // Tensor dimension i of the result is tensor dimension perm[i] of the input;
  // Halide numbers dimensions from the innermost.
  std::vector<Expr> index(rank);
  ArrayRef<int64_t> perm = op.getPerm();
  for (int i = 0; i < rank; ++i)
    index[rank - 1 - perm[i]] = vars[rank - 1 - i];
  if (point.algorithm() != "tiled")
    return finishPointwise(kernel, "transpose", vars, input(index), point);

  int source = innermostSource(op), tile = point.getInt("tile");
  Func block("transpose_block"), result("transpose");
  block(vars) = input(index);
  result(vars) = block(vars);
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi");
  // Shifted inwards, every block is whole: its loops have constant extents.
  result.tile(vars[0], vars[source], xo, yo, xi, yi, tile, tile, TailStrategy::ShiftInwards)
      .vectorize(xi)
      .unroll(yi);
  // The tiles of one row of tiles, then the rest in parallel: the outer
  // dimensions fused with the row of tiles.
  std::vector<Halide::VarOrRVar> order = {xi, yi, xo, yo};
  for (int d = 1; d < rank; ++d)
    if (d != source)
      order.push_back(vars[d]);
  result.reorder(order);
  Var task = yo;
  for (int d = 1; d < rank; ++d)
    if (d != source) {
      Var fused("fused" + std::to_string(d));
      result.fuse(task, vars[d], fused);
      task = fused;
    }
  result.parallel(task);
  holdBlockInRegisters(block, result, xo, vars[source], vars[0]);
  return kernel.finish(result, 0);
}

FailureOr<Kernel> buildSlice(cv::SliceOp op, const KernelContext &context,
                             const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int rank = static_cast<int>(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  std::vector<Var> vars = makeVars(rank);
  std::vector<Expr> index(rank);
  for (int d = 0; d < rank; ++d) {
    int h = rank - 1 - d;
    index[h] = static_cast<int>(op.getStarts()[d]) + vars[h] * static_cast<int>(op.getSteps()[d]);
  }
  return finishPointwise(kernel, "slice", vars, input(index), point);
}

FailureOr<Kernel> buildPad(cv::PadOp op, const KernelContext &context,
                             const SchedulePoint &point) {
  std::vector<int64_t> inShape = halideShape(op.getInput());
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int rank = static_cast<int>(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  Halide::Region bounds;
  for (int h = 0; h < rank; ++h)
    bounds.push_back(inShape[h] < 0 ? Halide::Range() : Halide::Range(0, static_cast<int>(inShape[h])));
  Func bounded;
  switch (op.getMode()) {
  case cv::PadMode::constant:
    bounded = Halide::BoundaryConditions::constant_exterior(input, op.getValue().convertToFloat(),
                                                            bounds);
    break;
  case cv::PadMode::reflect:
    bounded = Halide::BoundaryConditions::mirror_interior(input, bounds);
    break;
  case cv::PadMode::edge:
    bounded = Halide::BoundaryConditions::repeat_edge(input, bounds);
    break;
  }
  std::vector<Var> vars = makeVars(rank);
  std::vector<Expr> index;
  for (int h = 0; h < rank; ++h)
    index.push_back(vars[h] - static_cast<int>(op.getPads()[rank - 1 - h]));
  return finishPointwise(kernel, "pad", vars, bounded(index), point);
}

FailureOr<Kernel> buildExpand(cv::ExpandOp op, const KernelContext &context,
                             const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  std::vector<int64_t> inShape = halideShape(op.getInput());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  std::vector<Var> vars = makeVars(shape.size());
  std::vector<Expr> index;
  for (size_t i = 0; i < inShape.size(); ++i)
    index.push_back(inShape[i] == 1 ? Expr(0) : Expr(vars[i]));
  return finishPointwise(kernel, "expand", vars, input(index), point);
}

} // namespace

void registerShapeKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<transposeSpace, buildTranspose, cv::TransposeOp>(ctx);
    attachKernels<resultSpace, buildSlice, cv::SliceOp>(ctx);
    attachKernels<resultSpace, buildPad, cv::PadOp>(ctx);
    attachKernels<resultSpace, buildExpand, cv::ExpandOp>(ctx);
  });
}

} // namespace cvc::halide
