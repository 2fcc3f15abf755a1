//===- Dense.cpp - cv.fully_connected as a Halide pipeline --------------===//
//
// y[n, m] = b[m] + sum_k x[n, k] * w[m, k]. Both operands are contiguous
// along k, so each output is a dot product computed in vector partial sums
// (lanes along k) reduced once at the end; four output features share each
// load of the input row.
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Families.h"
#include "Tensor.h"

using namespace mlir;
using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::Var;

namespace cvc::halide {

FailureOr<Kernel> lowerFullyConnected(cv::FullyConnectedOp op, const Halide::Target &target) {
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  int64_t m = w.getDimSize(0), k = w.getDimSize(1);
  std::vector<Halide::ImageParam> params = {makeInput(op.getInput(), "input"),
                                            makeInput(op.getWeight(), "weight")};
  if (op.getBias())
    params.push_back(makeInput(op.getBias(), "bias"));
  Halide::ImageParam input = params[0], weight = params[1];

  int lanes = target.natural_vector_size<float>();
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
  Expr total = op.getBias() ? params[2](f) : Expr(0.0f);
  RDom rv(0, lanes, "rv");
  total += Halide::sum(partial(rv, f, n));
  if (tail > 0) {
    RDom rt(static_cast<int>(chunks * lanes), static_cast<int>(tail), "rt");
    total += Halide::sum(input(rt, n) * weight(rt, f));
  }
  result(f, n) = applyEpilogue(op, total, {f, n}, params);

  int featureTile = static_cast<int>(std::min<int64_t>(4, m));
  while (m % featureTile)
    --featureTile;
  Var fo("fo"), fi("fi");
  result.split(f, fo, fi, featureTile).reorder(fi, fo, n).fuse(fo, n, fo).parallel(fo);
  partial.compute_at(result, fo).vectorize(v).unroll(f);
  if (chunks > 0) {
    // Lanes innermost, then the feature tile: featureTile independent vector
    // accumulators per step along k.
    partial.update().reorder(v, f, rk, n).vectorize(v).unroll(f);
  }

  uint64_t macs = static_cast<uint64_t>(m) * k;
  return finishKernel(op, result, params,
                      "dot lanes=" + std::to_string(lanes) + " feature_tile=" +
                          std::to_string(featureTile) + " parallel=features*batch",
                      macs);
}

} // namespace cvc::halide
