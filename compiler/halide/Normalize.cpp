//===- Normalize.cpp - cv.softmax and cv.lrn as Halide pipelines --------===//
#include "Families.h"
#include "Tensor.h"

using namespace mlir;
using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::Var;

namespace cvc::halide {

/// Softmax, or its logarithm, of the op's operand along `axisAttr`.
static FailureOr<Kernel> lowerSoftmaxFamily(Operation *op, int64_t axisAttr, bool logarithm,
                                            const Halide::Target &target) {
  Value operand = op->getOperand(0);
  std::vector<int64_t> shape = halideShape(operand);
  int rank = static_cast<int>(shape.size());
  int axis = rank - 1 - static_cast<int>(axisAttr); // Halide order
  Halide::ImageParam input = makeInput(operand, "input");
  std::vector<Var> vars = makeVars(rank);
  RDom r(0, static_cast<int>(shape[axis]), "r");
  std::vector<Expr> along = asExprs(vars);
  along[axis] = r;
  // Reductions are functions of every variable but the axis one, which they
  // ignore; subtracting the maximum keeps exp() finite.
  Func maxima("softmax_max"), sums("softmax_sum"), exps("softmax_exp"), result("softmax");
  maxima(vars) = Halide::maximum(input(along));
  std::vector<Expr> reduced = asExprs(vars);
  reduced[axis] = 0;
  exps(vars) = Halide::exp(input(asExprs(vars)) - maxima(reduced));
  sums(vars) = Halide::sum(exps(along));
  if (logarithm)
    result(vars) = input(asExprs(vars)) - maxima(reduced) - Halide::log(sums(reduced));
  else
    result(vars) = exps(asExprs(vars)) / sums(reduced);

  // Rows are short (classifier outputs): compute each stage over the whole
  // slice it needs, vectorised along the innermost dimension.
  int vector = vectorWidthFor(shape[0], target);
  Var outer = vars.back();
  result.vectorize(vars[0], vector, Halide::TailStrategy::GuardWithIf);
  if (rank > 1 && axis != rank - 1)
    result.parallel(outer);
  for (Func f : {maxima, sums, exps}) {
    if (rank > 1 && axis != rank - 1)
      f.compute_at(result, outer);
    else
      f.compute_root();
    f.vectorize(vars[0], vector, Halide::TailStrategy::GuardWithIf);
  }
  return finishKernel(op, result, {input},
                      "vector=" + std::to_string(vector) + " stages=max,exp,sum", 0);
}

FailureOr<Kernel> lowerSoftmax(cv::SoftmaxOp op, const Halide::Target &target) {
  return lowerSoftmaxFamily(op, op.getAxis(), /*logarithm=*/false, target);
}

FailureOr<Kernel> lowerLogSoftmax(cv::LogSoftmaxOp op, const Halide::Target &target) {
  return lowerSoftmaxFamily(op, op.getAxis(), /*logarithm=*/true, target);
}

FailureOr<Kernel> lowerLRN(cv::LRNOp op, const Halide::Target &target) {
  std::vector<int64_t> shape = halideShape(op.getInput()); // (w, h, c, n)
  Halide::ImageParam input = makeInput(op.getInput(), "input");
  int size = static_cast<int>(op.getSize());
  int before = (size - 1) / 2; // ONNX: floor((size-1)/2) channels before, ceil after
  Var x("x"), y("y"), c("c"), n("n");
  Func squares("lrn_sq");
  Func clamped = Halide::BoundaryConditions::constant_exterior(
      input, 0.0f, {{Expr(), Expr()}, {Expr(), Expr()}, {0, static_cast<int>(shape[2])}});
  squares(x, y, c, n) = clamped(x, y, c, n) * clamped(x, y, c, n);
  RDom r(0, size, "r");
  Expr window = Halide::sum(squares(x, y, c - before + r, n));
  float alpha = op.getAlpha().convertToFloat(), beta = op.getBeta().convertToFloat(),
        bias = op.getBias().convertToFloat();
  Func result("lrn");
  result(x, y, c, n) =
      input(x, y, c, n) / Halide::pow(bias + (alpha / size) * window, beta);

  int vector = vectorWidthFor(shape[0], target);
  Var xo("xo"), xi("xi"), plane("plane");
  result.split(x, xo, xi, vector, Halide::TailStrategy::ShiftInwards)
      .vectorize(xi)
      .reorder(xi, xo, c, y, n)
      .fuse(y, n, plane)
      .parallel(plane);
  squares.compute_at(result, plane).vectorize(x, vector, Halide::TailStrategy::GuardWithIf);
  return finishKernel(op, result, {input},
                      "vector=" + std::to_string(vector) + " squares_per=row", 0);
}

FailureOr<Kernel> lowerLRNBackward(cv::LRNBackwardOp op, const Halide::Target &target) {
  std::vector<int64_t> shape = halideShape(op.getInput()); // (w, h, c, n)
  Halide::ImageParam input = makeInput(op.getInput(), "input");
  Halide::ImageParam dyParam = makeInput(op.getOutputGrad(), "output_grad");
  int size = static_cast<int>(op.getSize());
  int before = (size - 1) / 2, after = size - 1 - before;
  int channels = static_cast<int>(shape[2]);
  float alpha = op.getAlpha().convertToFloat(), beta = op.getBeta().convertToFloat(),
        bias = op.getBias().convertToFloat();
  Var x("x"), y("y"), c("c"), n("n");
  Halide::Region channelBounds = {{Expr(), Expr()}, {Expr(), Expr()}, {0, channels}};
  Func xc = Halide::BoundaryConditions::constant_exterior(input, 0.0f, channelBounds);
  Func dy = Halide::BoundaryConditions::constant_exterior(dyParam, 0.0f, channelBounds);
  RDom r(0, size, "r");
  Func scale("lrn_scale");
  scale(x, y, c, n) =
      bias + (alpha / size) * Halide::sum(xc(x, y, c - before + r, n) * xc(x, y, c - before + r, n));
  // dy x s^(-beta-1) of each window, zero outside the channels.
  Func weighted("lrn_weighted");
  weighted(x, y, c, n) = dy(x, y, c, n) * xc(x, y, c, n) * Halide::pow(scale(x, y, c, n), -beta - 1.0f);
  // Channel k lies in the windows of c = k - after .. k + before.
  RDom w(0, size, "w");
  Func result("lrn_backward");
  result(x, y, c, n) =
      dyParam(x, y, c, n) * Halide::pow(scale(x, y, c, n), -beta) -
      (2.0f * alpha * beta / size) * input(x, y, c, n) *
          Halide::sum(weighted(x, y, c - after + w, n));

  int vector = vectorWidthFor(shape[0], target);
  Var xo("xo"), xi("xi"), plane("plane");
  result.split(x, xo, xi, vector, Halide::TailStrategy::ShiftInwards)
      .vectorize(xi)
      .reorder(xi, xo, c, y, n)
      .fuse(y, n, plane)
      .parallel(plane);
  scale.compute_at(result, plane).vectorize(x, vector, Halide::TailStrategy::GuardWithIf);
  weighted.compute_at(result, plane).vectorize(x, vector, Halide::TailStrategy::GuardWithIf);
  return finishKernel(op, result, {input, dyParam},
                      "vector=" + std::to_string(vector) + " per=row", 0);
}

FailureOr<Kernel> lowerBatchNorm(cv::BatchNormOp op, const Halide::Target &target) {
  std::vector<int64_t> shape = halideShape(op.getInput());
  std::vector<Halide::ImageParam> params = {
      makeInput(op.getInput(), "input"), makeInput(op.getScale(), "scale"),
      makeInput(op.getBias(), "bias"), makeInput(op.getMean(), "mean"),
      makeInput(op.getVariance(), "variance")};
  std::vector<Var> vars = makeVars(shape.size());
  // Channels are dimension 1 in NCHW order, second from last in Halide's.
  Var c = vars[shape.size() - 2];
  Func factor("bn_factor"), shift("bn_shift");
  factor(c) = params[1](c) / Halide::sqrt(params[4](c) + op.getEpsilon().convertToFloat());
  shift(c) = params[2](c) - params[3](c) * factor(c);
  Func result("batch_norm");
  result(vars) = params[0](asExprs(vars)) * factor(c) + shift(c);
  std::string schedule = scheduleElementwise(result, vars, shape, target);
  factor.compute_root();
  shift.compute_root();
  return finishKernel(op, result, params, schedule + " factors=per_channel", 0);
}

} // namespace cvc::halide
