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
// channel_tiles).
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

enum GemmParallel : int64_t { kParallelPixelBlocks = 0, kParallelChannelTiles = 1 };

ScheduleSpace gemmSpace(cv::MatMulOp op, const KernelContext &context) {
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  int64_t m = w.getDimSize(0), k = w.getDimSize(1), n = in.getDimSize(2);

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
  addAutoscheduleAlgorithm(space);
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

} // namespace

void registerGemmKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<gemmSpace, buildGemm, cv::MatMulOp>(ctx);
  });
}

} // namespace cvc::halide
