//===- Gemm.cpp - cv.matmul as a blocked GEMM ---------------------------===//
//
// y[b, m, n] = bias[m] + sum_k w[m, k] * x[b, k, n]: pixels (n) are
// contiguous in x and y, so the register tile is `pixelVectors` vectors of
// pixels by `channelTile` output channels, held in accumulators across the
// whole reduction; each step loads the pixel vectors once and broadcasts one
// weight per channel. Pixels are blocked so that one block of x (all K rows)
// stays in L2 while every channel tile passes over it.
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Families.h"
#include "Tensor.h"

using namespace mlir;

namespace cvc::halide {
namespace {

struct GemmSchedule {
  int vector;        ///< lanes along pixels
  int pixelVectors;  ///< accumulator vectors along pixels
  int channelTile;   ///< output channels per register tile
  int tilesPerBlock; ///< pixel tiles per L2 block of x
  bool parallelChannels; ///< too few pixel blocks to share: split channels instead
};

GemmSchedule chooseGemmSchedule(int64_t m, int64_t k, int64_t n, const Halide::Target &target) {
  GemmSchedule p;
  p.vector = vectorWidthFor(n, target);
  // 3 x 8 = 24 accumulators of the 32 AVX-512 registers; 11 loads feed 24
  // FMAs. Few pixels: fewer, so that shifted tail tiles recompute little.
  // The tile is whole vectors no wider than the pixels: a partial vector
  // would make the accumulator's rounded-up loops read past the input (NiN's
  // 6x6 = 36 pixels read pixel 47 with a 3-vector tile).
  int64_t vectors = n / p.vector;
  p.pixelVectors = static_cast<int>(std::clamp<int64_t>(vectors, 1, 3));
  p.channelTile = static_cast<int>(std::min<int64_t>(m, 24 / p.pixelVectors));
  int64_t tile = std::min<int64_t>(n, p.vector * p.pixelVectors);
  constexpr int64_t kL2Block = 256 * 1024;
  p.tilesPerBlock = static_cast<int>(std::max<int64_t>(1, kL2Block / (k * 4 * tile)));
  int64_t tiles = (n + tile - 1) / tile;
  int64_t blocks = (tiles + p.tilesPerBlock - 1) / p.tilesPerBlock;
  p.parallelChannels = blocks < 4;
  return p;
}

} // namespace

FailureOr<Kernel> lowerMatMul(cv::MatMulOp op, const Halide::Target &target) {
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  int64_t m = w.getDimSize(0), k = w.getDimSize(1), n = in.getDimSize(2);
  std::vector<Halide::ImageParam> params = {makeInput(op.getInput(), "input"),
                                            makeInput(op.getWeight(), "weight")};
  if (op.getBias())
    params.push_back(makeInput(op.getBias(), "bias"));
  Halide::ImageParam input = params[0], weight = params[1];

  Var px("px"), ch("ch"), b("b");
  RDom rk(0, static_cast<int>(k), "rk");
  Func acc("gemm_acc");
  acc(px, ch, b) = op.getBias() ? params[2](ch) : Expr(0.0f);
  acc(px, ch, b) += weight(rk, ch) * input(px, rk, b);
  Func result("gemm");
  result(px, ch, b) = applyEpilogue(op, acc(px, ch, b), {px, ch, b}, params);

  GemmSchedule p = chooseGemmSchedule(m, k, n, target);
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

  uint64_t macs = static_cast<uint64_t>(m) * k * n;
  std::string schedule = "gemm vector=" + std::to_string(p.vector) +
                         " pixel_vectors=" + std::to_string(p.pixelVectors) +
                         " channel_tile=" + std::to_string(p.channelTile) +
                         " tiles_per_block=" + std::to_string(p.tilesPerBlock) +
                         (p.parallelChannels ? " parallel=channel_tiles*batch"
                                             : " parallel=pixel_blocks*batch");
  return finishKernel(op, result, params, schedule, macs);
}

} // namespace cvc::halide
