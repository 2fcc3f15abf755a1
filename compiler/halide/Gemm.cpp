//===- Gemm.cpp - cv.matmul as a blocked GEMM ---------------------------===//
//
// y[b, m, n] = bias[m] + sum_k w[m, k] * x[b, k, n]: pixels (n) are
// contiguous in x and y, so the register tile is `pixelVectors` vectors of
// pixels by `channelTile` output channels, held in accumulators across the
// whole reduction; each step loads the pixel vectors once and broadcasts one
// weight per channel. Pixels are blocked so that one block of x (all K rows)
// stays in L2 while every channel tile passes over it.
//
// Schedule space ("gemm"): vector, pixel_vectors (whole vectors within
// the pixels), channel_tile, tiles_per_block, parallel (pixel_blocks or
// channel_tiles); "gpu_tile" on GPU targets (GpuTile.h).
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Family.h"
#include "GpuTile.h"

using namespace mlir;

namespace cvc::halide {
namespace {

enum GemmParallel : int64_t { kParallelPixelBlocks = 0, kParallelChannelTiles = 1 };
enum BatchMatMulOrder : int64_t { kRowsOuter = 0, kColumnsOuter = 1 };

ScheduleSpace gemmSpace(cv::MatMulOp op, const KernelContext &context) {
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  int64_t m = w.getDimSize(0), k = w.getDimSize(1), n = in.getDimSize(2);
  if (context.gpu()) {
    ScheduleSpace space;
    addGpuTileAlgorithm(space, {n, 1, m});
    addAutoscheduleAlgorithm(space, context);
    return space;
  }

  // The default. 3 x 8 = 24 accumulators of the 32 AVX-512 registers; 11
  // loads feed 24 FMAs. Few pixels: fewer, so that shifted tail tiles
  // recompute little.
  int64_t vector = vectorWidthFor(n, context);
  int64_t pixelVectors = std::clamp<int64_t>(n / vector, 1, 3);
  int64_t channelTile = std::min<int64_t>(m, 24 / pixelVectors);
  int64_t tile = std::min<int64_t>(n, vector * pixelVectors);
  constexpr int64_t kL2Block = 256 * 1024;
  int64_t tilesPerBlock = std::max<int64_t>(1, kL2Block / (k * 4 * tile));
  int64_t tiles = (n + tile - 1) / tile;
  int64_t blocks = (tiles + tilesPerBlock - 1) / tilesPerBlock;
  SchedulePoint point("gemm");
  point.set("vector", vector)
      .set("pixel_vectors", pixelVectors)
      .set("channel_tile", channelTile)
      .set("tiles_per_block", tilesPerBlock)
      // Too few pixel blocks to share: split channels instead.
      .set("parallel", blocks < 4 ? kParallelChannelTiles : kParallelPixelBlocks);

  ScheduleSpace space;
  ScheduleAlgorithm &gemm = space.addAlgorithm("gemm");
  gemm.add("vector", vectorWidthsFor(n, context));
  gemm.add("pixel_vectors", {1, 2, 3, 4});
  gemm.add("channel_tile", rangeUpTo(std::min<int64_t>(m, 32)));
  gemm.add("tiles_per_block", withValue(powersOfTwoUpTo(64), tilesPerBlock));
  gemm.add("parallel", {kParallelPixelBlocks, kParallelChannelTiles},
           {"pixel_blocks", "channel_tiles"});
  gemm.constraint = [n](const SchedulePoint &p) -> std::string {
    // The tile is whole vectors no wider than the pixels: a partial vector
    // would make the accumulator's rounded-up loops read past the input
    // (NiN's 6x6 = 36 pixels read pixel 47 with a 3-vector tile).
    if (p.get("vector") * p.get("pixel_vectors") > n)
      return "vector x pixel_vectors exceeds the pixels";
    if (p.get("pixel_vectors") * p.get("channel_tile") > 32)
      return "pixel_vectors x channel_tile exceeds 32 accumulators";
    return "";
  };
  space.defaultPoint = point;
  addAutoscheduleAlgorithm(space, context);
  return space;
}

FailureOr<Kernel> buildGemm(cv::MatMulOp op, const KernelContext &context,
                            const SchedulePoint &point) {
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  int64_t m = w.getDimSize(0), k = w.getDimSize(1), n = in.getDimSize(2);
  KernelBuilder kernel(op, context);
  LayerInputs layer = layerInputs(kernel, op);
  Halide::ImageParam input = layer.input, weight = layer.weight, bias = layer.bias;

  Var px("px"), ch("ch"), b("b");
  RDom rk(0, static_cast<int>(k), "rk");
  Func acc("gemm_acc");
  acc(px, ch, b) = op.getBias() ? bias(ch) : Expr(0.0f);
  acc(px, ch, b) += weight(rk, ch) * input(px, rk, b);
  Func result("gemm");
  result(px, ch, b) = applyEpilogue(op, acc(px, ch, b), {px, ch, b}, kernel);
  uint64_t macs = static_cast<uint64_t>(m) * k * n;
  if (isAutoscheduled(point))
    return kernel.finish(result, macs);
  if (point.algorithm() == "gpu_tile") {
    scheduleGpuTile(result, acc, {px, Var(), ch, false, {b}, {rk}}, point);
    return kernel.finish(result, macs);
  }

  struct {
    int vector, pixelVectors, channelTile, tilesPerBlock;
    bool parallelChannels;
  } p = {point.getInt("vector"), point.getInt("pixel_vectors"), point.getInt("channel_tile"),
         point.getInt("tiles_per_block"), point.get("parallel") == kParallelChannelTiles};
  int tile = static_cast<int>(std::min<int64_t>(n, p.vector * p.pixelVectors));
  Var pxo("pxo"), pxi("pxi"), blk("blk"), pxt("pxt"), cho("cho"), chi("chi"), task("task");
  result.split(px, pxo, pxi, tile, TailStrategy::ShiftInwards)
      .split(pxo, blk, pxt, p.tilesPerBlock, TailStrategy::GuardWithIf)
      .split(ch, cho, chi, p.channelTile, TailStrategy::ShiftInwards)
      .vectorize(pxi, p.vector);
  if (p.parallelChannels)
    result.reorder(pxi, chi, pxt, blk, cho, b).fuse(cho, b, task).parallel(task);
  else
    result.reorder(pxi, chi, pxt, cho, blk, b).fuse(blk, b, task).parallel(task);
  acc.compute_at(result, pxt).vectorize(px, p.vector).unroll(px).unroll(ch);
  acc.update().reorder(px, ch, rk, b).vectorize(px, p.vector).unroll(px).unroll(ch);

  return kernel.finish(result, macs);
}

// cv.batch_matmul: out[..., m, n] = sum_k lhs[..., m, k] rhs[..., k, n]. The
// register tile is `columns` vectors along n by `rows` rows of m; each
// reduction step loads the rhs vectors once and broadcasts one lhs value
// per row. Tiles of rows and the batch run in parallel.
//
// `order` says which operand is read once. rows_outer: each task (a tile
// of rows of one batch element) passes over every column of rhs, so rhs is
// read once per row tile. columns_outer: a panel of rhs's columns (K x the
// tile's width) is outermost and every row of every batch element passes
// over it while it stays in cache, so lhs is read once per panel. A
// channels-last linear layer (ConvNeXt's MLPs: [N, H, W, C] x [C, 4C])
// has a shared rhs and H x W x N rows in tiles of one image row; reading
// its 9.4 MB rhs once per row tile made ConvNeXt-Tiny's last stage run at
// 27% of the FMA peak. The default takes the order that re-reads fewer
// bytes.
//
// cv.linear is the same product with a rank-2 rhs, plus a layer's bias
// (along n) and fused epilogue, so both ops share the space and the
// algorithm.
//
// Schedule space ("tiled"): vector, columns, rows, order.

/// cv.batch_matmul's or cv.linear's operands.
struct MatrixProduct {
  Value lhs, rhs, output;
  Value bias;                         ///< cv.linear's, when it has one
  cv::EpilogueOpInterface epilogue{}; ///< cv.linear; null for cv.batch_matmul
};

/// The panel width b of cv.linear's packed [N/b, K, b] weight; 0 when the
/// right operand is an unpacked matrix.
int64_t packBlockOf(const MatrixProduct &op) {
  auto rhs = llvm::cast<RankedTensorType>(op.rhs.getType());
  return op.epilogue && rhs.getRank() == 3 ? rhs.getDimSize(2) : 0;
}

MatrixProduct productOf(cv::BatchMatMulOp op) {
  return {op.getLhs(), op.getRhs(), op.getOutput(), Value(), nullptr};
}
MatrixProduct productOf(cv::LinearOp op) {
  return {op.getInput(), op.getWeight(), op.getOutput(), op.getBias(), op};
}

template <typename ProductOp>
ScheduleSpace batchMatMulSpace(ProductOp productOp, const KernelContext &context) {
  MatrixProduct op = productOf(productOp);
  auto out = llvm::cast<RankedTensorType>(op.output.getType());
  int64_t m = out.getDimSize(out.getRank() - 2), n = out.getDimSize(out.getRank() - 1);
  ScheduleSpace space;
  ScheduleAlgorithm &tiled = space.addAlgorithm("tiled");
  tiled.add("vector", vectorWidthsFor(n, context));
  tiled.add("columns", {1, 2, 3, 4});
  tiled.add("rows", rangeUpTo(std::min<int64_t>(m, 8)));
  tiled.add("order", {kRowsOuter, kColumnsOuter}, {"rows_outer", "columns_outer"});
  // A packed weight ([N/b, K, b]): a tile starting inside a panel would
  // gather its lanes from two panels.
  auto rhsType = llvm::cast<RankedTensorType>(op.rhs.getType());
  int64_t packBlock = packBlockOf(op);
  tiled.constraint = [n, packBlock](const SchedulePoint &p) -> std::string {
    if (p.get("vector") * p.get("columns") > n)
      return "vector x columns exceeds the row";
    if (packBlock && p.get("vector") * p.get("columns") % packBlock != 0)
      return "vector x columns is not whole panels of the packed weight";
    if (p.get("columns") * p.get("rows") > 24)
      return "columns x rows exceeds 24 accumulators";
    return "";
  };
  int64_t vector = vectorWidthFor(n, context);
  int64_t columns = std::clamp<int64_t>(n / vector, 1, 2);
  while (packBlock && vector * columns % packBlock != 0)
    ++columns;
  // Up to 8 rows (16 accumulators at 2 columns), the count that computes
  // the fewest rows past m (the last tile is shifted inwards): 7 rows,
  // ConvNeXt's last stage, took 6 and computed 12.
  int64_t rows = std::min<int64_t>(m, 8);
  auto computed = [&](int64_t r) { return (m + r - 1) / r * r; };
  for (int64_t r = rows - 1; r >= 4 && m > 8; --r)
    if (computed(r) < computed(rows))
      rows = r;
  // Floats re-read per image, each order: rhs (k x n) once per tile of
  // rows, or lhs (its rows x k) once per panel of columns. Only a rhs
  // shared by every batch element (all its leading dimensions 1) is worth
  // holding still.
  auto lhsType = llvm::cast<RankedTensorType>(op.lhs.getType());
  int64_t k = lhsType.getDimSize(lhsType.getRank() - 1);
  int64_t matrices = 1; // per image: the static leading dimensions
  for (int64_t d = 0; d + 2 < out.getRank(); ++d)
    matrices *= out.isDynamicDim(d) ? 1 : out.getDimSize(d);
  bool sharedRhs = op.epilogue || llvm::all_of(rhsType.getShape().drop_back(2),
                                               [](int64_t d) { return d == 1; });
  int64_t rowTiles = matrices * ((m + rows - 1) / rows);
  int64_t panels = (n + vector * columns - 1) / (vector * columns);
  bool columnsOuter = sharedRhs && panels * matrices * m * k < rowTiles * k * n;
  space.defaultPoint = SchedulePoint("tiled")
                           .set("vector", vector)
                           .set("columns", columns)
                           .set("rows", rows)
                           .set("order", columnsOuter ? kColumnsOuter : kRowsOuter);
  addAutoscheduleAlgorithm(space, context);
  return space;
}

template <typename ProductOp>
FailureOr<Kernel> buildBatchMatMul(ProductOp productOp, const KernelContext &context,
                                   const SchedulePoint &point) {
  MatrixProduct op = productOf(productOp);
  std::vector<int64_t> outShape = halideShape(op.output);
  std::vector<int64_t> lhsShape = halideShape(op.lhs), rhsShape = halideShape(op.rhs);
  int rank = static_cast<int>(outShape.size());
  int k = static_cast<int>(lhsShape[0]);
  KernelBuilder kernel(productOp, context);
  Halide::ImageParam lhs = kernel.input(op.lhs, "lhs"), rhs = kernel.input(op.rhs, "rhs");
  Halide::ImageParam bias;
  if (op.bias)
    bias = kernel.input(op.bias, "bias");
  std::vector<Var> vars = makeVars(rank); // x0 = n, x1 = m, then the batch
  RDom r(0, k, "rk");
  // An operand's batch dimensions align at the innermost; extent 1 broadcasts.
  auto index = [&](const std::vector<int64_t> &shape, Expr inner, Expr outer) {
    std::vector<Expr> at = {inner, outer};
    for (size_t d = 2; d < shape.size(); ++d)
      at.push_back(shape[d] == 1 ? Expr(0) : Expr(vars[d]));
    return at;
  };
  Func acc("batch_matmul_acc");
  acc(vars) = op.bias ? bias(vars[0]) : Expr(0.0f);
  // A packed rhs ([b, K, N/b] in Halide's order) holds column n at lane
  // n % b of panel n / b.
  int64_t packBlock = packBlockOf(op);
  Expr rhsAt = packBlock ? rhs(vars[0] % static_cast<int>(packBlock), r,
                               vars[0] / static_cast<int>(packBlock))
                         : rhs(index(rhsShape, vars[0], r));
  acc(vars) += lhs(index(lhsShape, r, vars[1])) * rhsAt;
  Func result("batch_matmul");
  std::vector<Expr> at(vars.begin(), vars.end());
  result(vars) = op.epilogue ? applyEpilogue(op.epilogue, acc(vars), at, kernel) : acc(vars);
  uint64_t macs = 1;
  for (int64_t d : outShape)
    macs *= d < 0 ? 1 : static_cast<uint64_t>(d);
  macs *= k;
  if (isAutoscheduled(point))
    return kernel.finish(result, macs);

  int vector = point.getInt("vector"), columns = point.getInt("columns"),
      rows = point.getInt("rows");
  bool columnsOuter = point.get("order") == kColumnsOuter;
  Var no("no"), ni("ni"), mo("mo"), mi("mi"), task("task");
  result.split(vars[0], no, ni, vector * columns, TailStrategy::ShiftInwards)
      .split(vars[1], mo, mi, rows, TailStrategy::ShiftInwards);
  // The loops outside the register tile, innermost first.
  std::vector<Halide::VarOrRVar> order = {ni, mi};
  if (!columnsOuter)
    order.push_back(no);
  order.push_back(mo);
  for (int d = 2; d < rank; ++d)
    order.push_back(vars[d]);
  if (columnsOuter)
    order.push_back(no);
  result.reorder(order).vectorize(ni, vector);
  // Row tiles and the batch in parallel; with columns outer, the panels
  // too, as the outermost part of one parallel loop: a parallel loop per
  // panel left ConvNeXt-Tiny's last stage (7 row tiles a panel, 96 panels)
  // at 52% of the FMA peak on 2 threads, mostly waiting at the loops' ends.
  Var outer = mo;
  for (int d = 2; d < rank; ++d) {
    result.fuse(outer, vars[d], task);
    outer = task;
  }
  if (columnsOuter) {
    Var panelTask("panel_task");
    result.fuse(outer, no, panelTask);
    outer = panelTask;
  }
  result.parallel(outer);
  acc.compute_at(result, columnsOuter ? outer : no)
      .vectorize(vars[0], vector)
      .unroll(vars[0])
      .unroll(vars[1]);
  acc.update()
      .reorder(vars[0], vars[1], r)
      .vectorize(vars[0], vector)
      .unroll(vars[0])
      .unroll(vars[1]);
  return kernel.finish(result, macs);
}

} // namespace

void registerGemmKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<gemmSpace, buildGemm, cv::MatMulOp>(ctx);
    attachKernels<batchMatMulSpace<cv::BatchMatMulOp>, buildBatchMatMul<cv::BatchMatMulOp>,
                  cv::BatchMatMulOp>(ctx);
    attachKernels<batchMatMulSpace<cv::LinearOp>, buildBatchMatMul<cv::LinearOp>, cv::LinearOp>(
        ctx);
  });
}

} // namespace cvc::halide
