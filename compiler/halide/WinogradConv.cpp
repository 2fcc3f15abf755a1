//===- WinogradConv.cpp - cv.conv2d_winograd and its weight transform ---===//
//
// cv.winograd_weights: U = G g Gᵀ per filter, vectorised over the output
// channel block, one (input channel, output block) pair per loop iteration.
// It runs once per session (the planner hoists it to the load-time
// kernels), so it is scheduled for simplicity: it reads the filters once
// and writes each U vector once, whole cache lines when b is 16.
//
// cv.conv2d_winograd: three stages per group of tile rows, all vectorised
// over a channel block:
//
//   V[ξ][t][c]  = (Bᵀ d_t B)[ξ]             input transform, per tile t
//   M[ξ][t][o]  = Σ_c U[ξ][o][c] V[ξ][t][c]  (m+2)² independent GEMMs
//   y_t         = epilogue(Aᵀ M_t A + bias)  output transform, per tile
//
// The GEMM's register tile is `tileWidth` tiles by `blockTile` output
// channel blocks, like the blocked direct convolution's: each reduction
// step loads `blockTile` weight vectors (U is [ξ][o / b][c][o % b], so they
// are unit-stride) and broadcasts one transformed input value per tile. A
// group's V (all input channels) is computed once and then read by every
// chunk of output channels; each chunk's M stays in cache until the output
// transform, computed per tile, consumes it. At batch 1 with few groups the
// chunks of output channels run in parallel (sharing V, splitting U);
// with many groups and small weights, whole groups do.
//
// Schedule space of cv.conv2d_winograd ("winograd"):
//   rows_per_group  tile rows whose V is computed together
//   chunk_blocks    output channel blocks per M buffer (divides them)
//   tile_width      tiles per GEMM register tile (<= a group's tiles)
//   block_tile      output channel blocks per register tile (divides a chunk)
//   parallel        groups (whole groups per task) or chunks (a group's
//                   chunks of output channels in parallel)
// and of cv.winograd_weights ("transform"): group, filters per task.
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Family.h"

#include "cv/Winograd.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace cvc::halide {
namespace {

/// What the space and the build share of a Winograd convolution's shape.
struct WinogradShape {
  int64_t tilesX, tilesY, inChannels, outBlocks, positions, block;
};

WinogradShape winogradShapeOf(cv::WinogradConv2DOp op) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  cv::WinogradTransform transform = cv::winogradTransform(op.getTile());
  int64_t m = transform.tile;
  return {(out.getDimSize(3) + m - 1) / m, (out.getDimSize(2) + m - 1) / m,
          in.getDimSize(1) * in.getDimSize(4), out.getDimSize(1),
          static_cast<int64_t>(transform.size) * transform.size, in.getDimSize(4)};
}

enum WinogradParallel : int64_t { kParallelChunks = 0, kParallelGroups = 1 };

/// Tile rows per group: each GEMM streams its weights once per group, so
/// few tiles make it bandwidth-bound, while many make V (positions x tiles
/// x C floats) fall out of L2; about 32 tiles balance the two. Groups split
/// the rows with ShiftInwards, so a count that does not divide them
/// computes the overlapping rows twice, which costs more than either
/// (ResNet-50's 14x14 layers, 7 tile rows, 1 thread: 3 rows per group
/// 1.53 ms, 1 row 1.19, 7 rows 1.09). Hence the divisor of the rows whose
/// tiles are nearest 32 (by ratio): the 28x28 layers went from 4 rows
/// (56 tiles, 16 rows for 14) at 1.13 ms to 2 (28 tiles) at 0.98, the
/// 56x56 ones from 2 rows (56 tiles) at 1.04 to 1 (28 tiles) at 0.99.
int64_t defaultRowsPerGroup(int64_t tilesX, int64_t tilesY) {
  int64_t best = 1;
  double bestDistance = std::numeric_limits<double>::infinity();
  for (int64_t rows = 1; rows <= tilesY; ++rows) {
    if (tilesY % rows != 0)
      continue;
    double distance = std::abs(std::log(static_cast<double>(rows * tilesX) / 32.0));
    if (distance < bestDistance) {
      best = rows;
      bestDistance = distance;
    }
  }
  return best;
}

ScheduleSpace winogradSpace(cv::WinogradConv2DOp op, const KernelContext &context) {
  WinogradShape s = winogradShapeOf(op);
  ScheduleSpace space;
  ScheduleAlgorithm &winograd = space.addAlgorithm("winograd");
  winograd.add("rows_per_group", rangeUpTo(s.tilesY));
  winograd.add("chunk_blocks", divisorsUpTo(s.outBlocks, s.outBlocks));
  winograd.add("tile_width", rangeUpTo(std::min<int64_t>(s.tilesX * s.tilesY, 16)));
  winograd.add("block_tile", divisorsUpTo(s.outBlocks, 8));
  winograd.add("parallel", {kParallelChunks, kParallelGroups}, {"chunks", "groups"});
  int64_t tilesX = s.tilesX;
  winograd.constraint = [tilesX](const SchedulePoint &p) -> std::string {
    if (p.get("tile_width") > p.get("rows_per_group") * tilesX)
      return "tile_width exceeds the tiles of a group";
    if (p.get("chunk_blocks") % p.get("block_tile") != 0)
      return "block_tile must divide chunk_blocks";
    if (p.get("tile_width") * p.get("block_tile") > 32)
      return "tile_width x block_tile exceeds 32 accumulators";
    return "";
  };

  int64_t rowsPerGroup = defaultRowsPerGroup(s.tilesX, s.tilesY);
  int64_t groupTiles = rowsPerGroup * s.tilesX;
  // 16 accumulators: 4 tiles x 4 blocks (4 weight loads and 4 broadcasts
  // per 16 FMAs). Measured at 1 thread on ResNet's 28x28x128 layer (AMD
  // EPYC, AVX-512, loaded machine, best of 5): 4x4 0.60 ms, 6x4 0.62,
  // 8x2 0.66, 16x1 0.75, 12x2 1.11 (spills).
  int64_t blockTile = s.outBlocks % 4 == 0 ? 4 : s.outBlocks % 2 == 0 ? 2 : 1;
  int64_t tileWidth = std::min<int64_t>(groupTiles, 16 / blockTile);
  // M for a chunk: positions x groupTiles x chunk vectors, kept near 256 KB.
  int64_t perBlock = s.positions * groupTiles * s.block * 4;
  int limit = static_cast<int>(std::max<int64_t>(1, (256 * 1024) / perBlock));
  limit = std::max<int>(limit, static_cast<int>(blockTile));
  int64_t chunkBlocks = largestDivisorAtMost(static_cast<int>(s.outBlocks), limit);
  if (chunkBlocks % blockTile != 0)
    chunkBlocks = blockTile;
  int64_t groups = (s.tilesY + rowsPerGroup - 1) / rowsPerGroup;
  int64_t chunks = s.outBlocks / chunkBlocks;
  // Whole groups in parallel when there are enough to share and each
  // thread's copy of the weights stays in its L2, or when there are too
  // few chunks of output channels to keep two cores busy.
  int64_t weightBytes = s.positions * s.outBlocks * s.block * s.inChannels * 4;
  bool parallelGroups = (groups >= 8 && weightBytes <= 1024 * 1024) || (chunks < 2 && groups > 1);
  SchedulePoint point("winograd");
  point.set("rows_per_group", rowsPerGroup)
      .set("chunk_blocks", chunkBlocks)
      .set("tile_width", tileWidth)
      .set("block_tile", blockTile)
      .set("parallel", parallelGroups ? kParallelGroups : kParallelChunks);
  space.defaultPoint = point;
  addAutoscheduleAlgorithm(space, context);
  return space;
}

/// Σ_k coefficients[k] * terms(k), skipping zero coefficients.
template <typename Term> Expr linearCombination(const double *coefficients, int count, Term term) {
  Expr sum;
  for (int k = 0; k < count; ++k) {
    double c = coefficients[k];
    if (c == 0.0)
      continue;
    Expr t = term(k);
    Expr scaled = c == 1.0 ? t : c == -1.0 ? -t : static_cast<float>(c) * t;
    sum = sum.defined() ? sum + scaled : scaled;
  }
  return sum.defined() ? sum : Expr(0.0f);
}

/// Row `selector` of `matrix` (rows x count, row-major) times the vector
/// term(0..count-1): one of the two halves of a transform X d Xᵀ.
template <typename Term>
Expr matrixRow(const double *matrix, int rows, int count, Expr selector, Term term) {
  std::vector<Expr> combinations;
  for (int r = 0; r < rows; ++r)
    combinations.push_back(linearCombination(&matrix[r * count], count, term));
  return Halide::mux(selector, combinations);
}

ScheduleSpace weightsSpace(cv::WinogradWeightsOp op, const KernelContext &) {
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  cv::WinogradTransform transform = cv::winogradTransform(op.getTile());
  int64_t filterElements = static_cast<int64_t>(transform.size) * transform.size * w.getDimSize(4);
  int64_t group = defaultTaskGroup(filterElements);
  ScheduleSpace space;
  space.addAlgorithm("transform").add("group",
                                      taskGroupsFor(w.getDimSize(0) * w.getDimSize(1), group));
  space.defaultPoint = SchedulePoint("transform").set("group", group);
  return space;
}

FailureOr<Kernel> buildWinogradWeights(cv::WinogradWeightsOp op, const KernelContext &context,
                                       const SchedulePoint &point) {
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  cv::WinogradTransform transform = cv::winogradTransform(op.getTile());
  const int s = transform.size;
  const int block = static_cast<int>(w.getDimSize(4));
  KernelBuilder kernel(op, context);
  Halide::ImageParam weight = kernel.input(op.getWeight(), "weight");

  // weight(lane, kx, ky, c, ob) is g[ky][kx] of output channel ob * b + lane.
  // rows = G g, indexed (kx, a); tile = (G g) Gᵀ, indexed (b, a); U's
  // position ξ = a * s + b.
  Var lane("lane"), kx("kx"), a("a"), b("b"), c("c"), ob("ob"), xi("xi");
  Func rows("winograd_weight_rows");
  rows(lane, kx, a, c, ob) = matrixRow(transform.g.data(), s, 3, a,
                                       [&](int k) { return weight(lane, kx, k, c, ob); });
  Func tile("winograd_weight_tile");
  tile(lane, b, a, c, ob) =
      matrixRow(transform.g.data(), s, 3, b, [&](int k) { return rows(lane, k, a, c, ob); });
  Func result("winograd_weights");
  result(lane, c, ob, xi) = tile(lane, xi % s, xi / s, c, ob);

  // Unrolled over ξ, a and b, the mux selectors are constants and each
  // vector of U is a few FMAs of the filter's nine vectors.
  Var task("task");
  result.reorder(lane, xi, c, ob).unroll(xi).fuse(c, ob, task);
  if (block > 1)
    result.vectorize(lane, block);
  int64_t group = point.get("group");
  parallelInGroups(result, task, group);
  // One filter per iteration of the innermost task loop.
  Var filter = group > 1 ? Var(task.name() + "_i") : task;
  tile.compute_at(result, filter).unroll(b).unroll(a);
  rows.compute_at(result, filter).unroll(kx).unroll(a);
  if (block > 1) {
    tile.vectorize(lane, block);
    rows.vectorize(lane, block);
  }
  return kernel.finish(result, 0);
}

FailureOr<Kernel> buildWinogradConv(cv::WinogradConv2DOp op, const KernelContext &context,
                                    const SchedulePoint &point) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  cv::WinogradTransform transform = cv::winogradTransform(op.getTile());
  const int m = transform.tile, s = transform.size;
  const int block = static_cast<int>(in.getDimSize(4));
  const int inBlocks = static_cast<int>(in.getDimSize(1)), inH = static_cast<int>(in.getDimSize(2)),
            inW = static_cast<int>(in.getDimSize(3));
  const int outBlocks = static_cast<int>(out.getDimSize(1)),
            outH = static_cast<int>(out.getDimSize(2)), outW = static_cast<int>(out.getDimSize(3));
  const int tilesX = (outW + m - 1) / m, tilesY = (outH + m - 1) / m;
  ArrayRef<int64_t> pads = op.getPads();
  const int padTop = static_cast<int>(pads[0]), padLeft = static_cast<int>(pads[1]);

  KernelBuilder kernel(op, context);
  LayerInputs layer = layerInputs(kernel, op);
  Halide::ImageParam input = layer.input, weight = layer.weight, bias = layer.bias;

  // Tiles reach past the input wherever the padding or a partial last tile
  // does; those positions read zero.
  Func padded = Halide::BoundaryConditions::constant_exterior(
      input, 0.0f, {{Expr(), Expr()}, {0, inW}, {0, inH}});
  Var lane("lane"), cb("cb"), kb("kb"), t("t"), n("n"), i("i"), j("j"), a("a"), b("b");

  // Input transform. d(i, j) is row i, column j of tile t; Vr = Bᵀ d,
  // indexed (j, a); V = Vr B, indexed (b, a) = position ξ = a * s + b.
  Expr tx = t % tilesX, ty = t / tilesX;
  Func tileInput("winograd_tile_input");
  tileInput(lane, j, i, cb, t, n) = padded(lane, tx * m + j - padLeft, ty * m + i - padTop, cb, n);
  Func rowsTransformed("winograd_input_rows");
  rowsTransformed(lane, j, a, cb, t, n) = matrixRow(
      transform.bt.data(), s, s, a, [&](int k) { return tileInput(lane, j, k, cb, t, n); });
  Func transformed("winograd_input");
  transformed(lane, cb, t, b, a, n) = matrixRow(
      transform.bt.data(), s, s, b, [&](int k) { return rowsTransformed(lane, k, a, cb, t, n); });

  // The GEMMs: r.x is the channel within an input block, r.y the block.
  RDom r(0, block, 0, inBlocks, "r");
  Func acc("winograd_acc");
  acc(lane, kb, t, b, a, n) = 0.0f;
  acc(lane, kb, t, b, a, n) +=
      weight(lane, r.y * block + r.x, kb, a * s + b) * transformed(r.x, r.y, t, b, a, n);
  Func products("winograd_products");
  products(lane, kb, t, b, a, n) = acc(lane, kb, t, b, a, n);

  // Output transform: Mo = Aᵀ M along rows, indexed (b, yi); then M A.
  Var xi("xi"), yi("yi");
  Func outputRows("winograd_output_rows");
  outputRows(lane, kb, t, b, yi, n) = matrixRow(
      transform.at.data(), m, s, yi, [&](int k) { return products(lane, kb, t, b, k, n); });
  Var x("x"), y("y");
  Expr tileOf = (y / m) * tilesX + x / m;
  Expr conv = matrixRow(transform.at.data(), m, s, x % m,
                        [&](int k) { return outputRows(lane, kb, tileOf, k, y % m, n); });
  if (op.getBias())
    conv += bias(kb * block + lane);
  Func result("conv_winograd");
  result(lane, x, y, kb, n) = applyEpilogue(op, conv, {lane, x, y, kb, n}, kernel);
  uint64_t macs = static_cast<uint64_t>(outBlocks) * block * outH * outW * inBlocks * block * 9;
  if (isAutoscheduled(point))
    return kernel.finish(result, macs);

  struct {
    int rowsPerGroup, chunkBlocks, tileWidth, blockTile;
    bool parallelGroups;
  } p = {point.getInt("rows_per_group"), point.getInt("chunk_blocks"),
         point.getInt("tile_width"), point.getInt("block_tile"),
         point.get("parallel") == kParallelGroups};
  Var tyo("tyo"), tyi("tyo_i"), txo("txo"), xii("xii"), yii("yii"), group("group"),
      chunk("chunk"), kbi("kbi"), task("task");
  // Exact tile splits keep x % m and y % m constant in the unrolled body; a
  // partial last tile is guarded.
  TailStrategy xTail = outW % m == 0 ? TailStrategy::RoundUp : TailStrategy::GuardWithIf;
  TailStrategy yTail = outH % m == 0 ? TailStrategy::RoundUp : TailStrategy::GuardWithIf;
  result.split(x, txo, xii, m, xTail)
      .split(y, tyo, yii, m, yTail)
      .split(tyo, group, tyi, p.rowsPerGroup, TailStrategy::ShiftInwards)
      .split(kb, chunk, kbi, p.chunkBlocks)
      .reorder(lane, xii, yii, txo, tyi, kbi, chunk, group, n)
      .vectorize(lane, block)
      .unroll(xii)
      .unroll(yii);
  if (p.parallelGroups)
    result.fuse(group, n, task).parallel(task);
  else
    result.parallel(chunk);
  Halide::LoopLevel perGroup =
      p.parallelGroups ? Halide::LoopLevel(result, task) : Halide::LoopLevel(result, group);
  outputRows.compute_at(result, txo).vectorize(lane, block).unroll(b).unroll(yi);

  // M of a chunk, tile by register tile.
  Var to("to"), ti("ti"), kbo("kbo"), kbt("kbt");
  products.compute_at(result, chunk)
      .split(t, to, ti, p.tileWidth, TailStrategy::ShiftInwards)
      .split(kb, kbo, kbt, p.blockTile)
      .reorder(lane, ti, kbt, to, kbo, b, a, n)
      .vectorize(lane, block);
  acc.compute_at(products, to).vectorize(lane, block).unroll(t).unroll(kb);
  acc.update()
      .reorder(lane, t, kb, r.x, r.y, b, a, n)
      .vectorize(lane, block)
      .unroll(t)
      .unroll(kb);

  // V of a group: per tile and input block, 6x6 vectors in, 6x6 out.
  transformed.compute_at(perGroup)
      .reorder(lane, b, a, cb, t, n)
      .vectorize(lane, block)
      .unroll(b)
      .unroll(a);
  if (!p.parallelGroups)
    transformed.parallel(t);
  rowsTransformed.compute_at(transformed, cb).vectorize(lane, block).unroll(j).unroll(a);
  tileInput.compute_at(transformed, cb).vectorize(lane, block).unroll(j).unroll(i);

  return kernel.finish(result, macs);
}

} // namespace

void registerWinogradKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<winogradSpace, buildWinogradConv, cv::WinogradConv2DOp>(ctx);
    attachKernels<weightsSpace, buildWinogradWeights, cv::WinogradWeightsOp>(ctx);
  });
}

} // namespace cvc::halide
