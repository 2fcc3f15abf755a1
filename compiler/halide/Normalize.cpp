//===- Normalize.cpp - cv.softmax and cv.lrn as Halide pipelines --------===//
#include "Families.h"
#include "Tensor.h"

using namespace mlir;

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

namespace {

/// The forward op's LRN window over channels (ONNX: floor((size-1)/2)
/// channels before, ceil after), for both directions.
struct LRNWindow {
  int size, before, after, channels;
  float alpha, beta, bias;
};

template <typename OpT> LRNWindow lrnWindowOf(OpT op) {
  int size = static_cast<int>(op.getSize());
  int before = (size - 1) / 2;
  return {size,
          before,
          size - 1 - before,
          static_cast<int>(halideShape(op.getInput())[2]),
          op.getAlpha().convertToFloat(),
          op.getBeta().convertToFloat(),
          op.getBias().convertToFloat()};
}

/// `p` read as zero outside the channels.
Func zeroOutsideChannels(Halide::ImageParam p, const LRNWindow &w) {
  return Halide::BoundaryConditions::constant_exterior(
      p, 0.0f, {{Expr(), Expr()}, {Expr(), Expr()}, {0, w.channels}});
}

/// s = bias + alpha / size * (sum of the squares in the window).
Func lrnScale(Func x, const LRNWindow &w, Var vx, Var vy, Var c, Var n) {
  RDom r(0, w.size, "r");
  Func scale("lrn_scale");
  Expr v = x(vx, vy, c - w.before + r, n);
  scale(vx, vy, c, n) = w.bias + (w.alpha / w.size) * Halide::sum(v * v);
  return scale;
}

/// Vectors along rows, a task per (row, image); `perRow` computed per task.
std::string scheduleLRN(Func result, const std::vector<Func> &perRow, Var x, Var y, Var c, Var n,
                        int64_t width, const Halide::Target &target) {
  int vector = vectorWidthFor(width, target);
  Var xo("xo"), xi("xi"), plane("plane");
  result.split(x, xo, xi, vector, Halide::TailStrategy::ShiftInwards)
      .vectorize(xi)
      .reorder(xi, xo, c, y, n)
      .fuse(y, n, plane)
      .parallel(plane);
  for (Func f : perRow)
    f.compute_at(result, plane).vectorize(x, vector, Halide::TailStrategy::GuardWithIf);
  return "vector=" + std::to_string(vector) + " per=row";
}

} // namespace

FailureOr<Kernel> lowerLRN(cv::LRNOp op, const Halide::Target &target) {
  LRNWindow w = lrnWindowOf(op);
  Halide::ImageParam input = makeInput(op.getInput(), "input");
  Var x("x"), y("y"), c("c"), n("n");
  Func scale = lrnScale(zeroOutsideChannels(input, w), w, x, y, c, n);
  Func result("lrn");
  result(x, y, c, n) = input(x, y, c, n) / Halide::pow(scale(x, y, c, n), w.beta);
  std::string schedule = scheduleLRN(result, {scale}, x, y, c, n,
                                     halideShape(op.getInput())[0], target);
  return finishKernel(op, result, {input}, schedule, 0);
}

FailureOr<Kernel> lowerLRNBackward(cv::LRNBackwardOp op, const Halide::Target &target) {
  LRNWindow w = lrnWindowOf(op);
  Halide::ImageParam input = makeInput(op.getInput(), "input");
  Halide::ImageParam dyParam = makeInput(op.getOutputGrad(), "output_grad");
  Var x("x"), y("y"), c("c"), n("n");
  Func xc = zeroOutsideChannels(input, w), dy = zeroOutsideChannels(dyParam, w);
  Func scale = lrnScale(xc, w, x, y, c, n);
  // dy x s^(-beta-1) of each window, zero outside the channels.
  Func weighted("lrn_weighted");
  weighted(x, y, c, n) =
      dy(x, y, c, n) * xc(x, y, c, n) * Halide::pow(scale(x, y, c, n), -w.beta - 1.0f);
  // Channel k lies in the windows of c = k - after .. k + before.
  RDom r(0, w.size, "w");
  Func result("lrn_backward");
  result(x, y, c, n) =
      dyParam(x, y, c, n) * Halide::pow(scale(x, y, c, n), -w.beta) -
      (2.0f * w.alpha * w.beta / w.size) * input(x, y, c, n) *
          Halide::sum(weighted(x, y, c - w.after + r, n));
  std::string schedule = scheduleLRN(result, {scale, weighted}, x, y, c, n,
                                     halideShape(op.getInput())[0], target);
  return finishKernel(op, result, {input, dyParam}, schedule, 0);
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
