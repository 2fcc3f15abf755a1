//===- Dense.cpp - cv.fully_connected as a Halide pipeline --------------===//
//
// y[n, m] = b[m] + sum_k x[n, k] * w[m, k]. Both operands are contiguous
// along k, so each output is a dot product computed in vector partial sums
// (lanes along k) reduced once at the end. The register tile is a few
// output features by a few batch rows: each weight vector loaded serves
// every row of the tile, so a batch of 16 reads the weights (VGG-16's fc6
// alone is 411 MB) from memory 16 / rows times instead of 16, and each
// input vector serves every feature of the tile. A batch smaller than the
// row tile takes the same loops with one row and its own feature tile.
// With one row nothing reuses a weight vector, and the best tile depends on
// where the weights come from. Measured at batch 1 on AMD Zen 4 (32 MB L3),
// 1 thread: weights that stay in cache between runs went faster one
// feature at a time (MobileNetV2's 5 MB, 1280 to 1000: 0.18-0.21 ms
// against 0.31-0.37 with 4 features, 0.36 with 2, 0.26 with 8; ResNet-50's
// 8 MB: 0.35-0.37 against 0.51-0.54), while weights streamed from memory
// went slower (AlexNet's 151, 67 and 16 MB layers: 8.7-9.2, 3.5-3.6 and
// 0.87 ms against 5.8-6.5, 2.9-3.1 and 0.71-0.76). Up to 8 MiB of weights
// the default is one feature; above, the batched tile; cvc-tune measures
// the rest.
//
// Schedule space ("dot"): feature_tile (divides the features), row_tile,
// gemv_features (the feature tile below row_tile rows).
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

ScheduleSpace denseSpace(cv::FullyConnectedOp op, const KernelContext &context) {
  int64_t features = llvm::cast<RankedTensorType>(op.getWeight().getType()).getDimSize(0);
  ScheduleSpace space;
  ScheduleAlgorithm &dot = space.addAlgorithm("dot");
  dot.add("feature_tile", divisorsUpTo(features, 8));
  dot.add("row_tile", {1, 2, 4, 8});
  dot.add("gemv_features", divisorsUpTo(features, 8));
  dot.constraint = [](const SchedulePoint &p) -> std::string {
    if (p.get("feature_tile") * p.get("row_tile") > 32)
      return "feature_tile x row_tile exceeds 32 accumulators";
    return "";
  };
  // 4 features x 4 rows = 16 accumulators, with 4 weight and 4 input
  // vectors loaded per step: 24 of the 32 AVX-512 registers.
  int64_t featureTile = std::min<int64_t>(4, features);
  while (features % featureTile)
    --featureTile;
  int64_t inputs = llvm::cast<RankedTensorType>(op.getWeight().getType()).getDimSize(1);
  bool cacheSized = features * inputs * 4 <= (int64_t{8} << 20);
  space.defaultPoint = SchedulePoint("dot")
                           .set("feature_tile", featureTile)
                           .set("row_tile", 4)
                           .set("gemv_features", cacheSized ? 1 : featureTile);
  addAutoscheduleAlgorithm(space, context);
  return space;
}

FailureOr<Kernel> buildDense(cv::FullyConnectedOp op, const KernelContext &context,
                             const SchedulePoint &point) {
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  int64_t m = w.getDimSize(0), k = w.getDimSize(1);
  KernelBuilder kernel(op, context);
  LayerInputs layer = layerInputs(kernel, op);
  Halide::ImageParam input = layer.input, weight = layer.weight, bias = layer.bias;

  int lanes = context.vectorWidth;
  int64_t chunks = k / lanes, tail = k % lanes;
  Var v("v"), f("f"), n("n");
  Func partial("fc_partial");
  partial(v, f, n) = 0.0f;
  RDom rk(0, static_cast<int>(std::max<int64_t>(chunks, 1)), "rk");
  if (chunks > 0) {
    Expr kk = rk * lanes + v;
    partial(v, f, n) += input(kk, n) * weight(kk, f);
  }
  Func result("fc");
  Expr total = op.getBias() ? bias(f) : Expr(0.0f);
  RDom rv(0, lanes, "rv");
  total += Halide::sum(partial(rv, f, n));
  if (tail > 0) {
    RDom rt(static_cast<int>(chunks * lanes), static_cast<int>(tail), "rt");
    total += Halide::sum(input(rt, n) * weight(rt, f));
  }
  result(f, n) = applyEpilogue(op, total, {f, n}, kernel);
  uint64_t macs = static_cast<uint64_t>(m) * k;
  if (isAutoscheduled(point))
    return kernel.finish(result, macs);

  struct {
    int featureTile, rowTile, gemvFeatures;
  } p = {point.getInt("feature_tile"), point.getInt("row_tile"), point.getInt("gemv_features")};
  Var fo("fo"), fi("fi"), no("no"), ni("ni");
  // Features outermost and parallel: a task's weight rows stay in L2 while
  // its batch rows pass over them. The row loops exist in both versions so
  // that the partial sums have one place to be computed at.
  Expr batch = input.dim(1).extent();
  result.specialize(batch >= p.rowTile)
      .split(f, fo, fi, p.featureTile)
      .split(n, no, ni, p.rowTile, Halide::TailStrategy::ShiftInwards)
      .reorder(fi, ni, no, fo)
      .parallel(fo);
  result.split(f, fo, fi, p.gemvFeatures)
      .split(n, no, ni, 1)
      .reorder(fi, ni, no, fo)
      .parallel(fo);
  partial.compute_at(result, no).vectorize(v).unroll(f).unroll(n);
  if (chunks > 0) {
    // Lanes innermost, then the tile: featureTile x rows independent vector
    // accumulators per step along k.
    partial.update().reorder(v, f, n, rk).vectorize(v).unroll(f).unroll(n);
  }

  return kernel.finish(result, macs);
}

} // namespace

void registerDenseKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<denseSpace, buildDense, cv::FullyConnectedOp>(ctx);
  });
}

} // namespace cvc::halide
