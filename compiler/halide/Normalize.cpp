//===- Normalize.cpp - softmax, LRN and batch norm as Halide pipelines ---===//
//
// Schedule spaces: "softmax vector=V" (guarded), "lrn vector=V" (along
// rows, at most their width) and the pointwise space for batch norm; on a
// GPU, the pointwise space for all of them.
//
//===----------------------------------------------------------------------===//
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

int64_t softmaxAxis(Operation *op) {
  if (auto softmax = llvm::dyn_cast<cv::SoftmaxOp>(op))
    return softmax.getAxis();
  return llvm::cast<cv::LogSoftmaxOp>(op).getAxis();
}

ScheduleSpace softmaxSpace(Operation *op, const KernelContext &context) {
  std::vector<int64_t> shape = halideShape(op->getOperand(0));
  if (context.gpu())
    return pointwiseSpace(shape, context);
  ScheduleSpace space;
  space.addAlgorithm("softmax").add("vector", guardedVectorWidths(context));
  space.defaultPoint = SchedulePoint("softmax").set("vector", vectorWidthFor(shape[0], context));
  return space;
}

/// Softmax, or its logarithm, of the op's operand along its axis.
FailureOr<Kernel> buildSoftmax(Operation *op, const KernelContext &context,
                               const SchedulePoint &point) {
  bool logarithm = llvm::isa<cv::LogSoftmaxOp>(op);
  Value operand = op->getOperand(0);
  std::vector<int64_t> shape = halideShape(operand);
  int rank = static_cast<int>(shape.size());
  int axis = rank - 1 - static_cast<int>(softmaxAxis(op)); // Halide order
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(operand, "input");
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

  if (context.gpu()) {
    // A thread per row for each reduction, then one per element.
    for (Func f : {maxima, sums}) {
      f.compute_root();
      schedulePointwise(f, vars, point);
    }
    schedulePointwise(result, vars, point);
    return kernel.finish(result, 0);
  }
  // Rows are short (classifier outputs): compute each stage over the whole
  // slice it needs, vectorised along the innermost dimension.
  int vector = point.getInt("vector");
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
  return kernel.finish(result, 0);
}

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

template <typename OpT> ScheduleSpace lrnSpace(OpT op, const KernelContext &context) {
  int64_t width = halideShape(op.getInput())[0];
  if (context.gpu())
    return pointwiseSpace(halideShape(op.getInput()), context);
  ScheduleSpace space;
  space.addAlgorithm("lrn").add("vector", vectorWidthsFor(width, context));
  space.defaultPoint = SchedulePoint("lrn").set("vector", vectorWidthFor(width, context));
  return space;
}

/// Vectors along rows, a task per (row, image); `perRow` computed per task.
void scheduleLRN(Func result, const std::vector<Func> &perRow, Var x, Var y, Var c, Var n,
                 const SchedulePoint &point) {
  if (isGpuPoint(point)) {
    // The window sums inline: a few channels per element, from cache.
    schedulePointwise(result, {x, y, c, n}, point);
    return;
  }
  int vector = point.getInt("vector");
  Var xo("xo"), xi("xi"), plane("plane");
  result.split(x, xo, xi, vector, Halide::TailStrategy::ShiftInwards)
      .vectorize(xi)
      .reorder(xi, xo, c, y, n)
      .fuse(y, n, plane)
      .parallel(plane);
  for (Func f : perRow)
    f.compute_at(result, plane).vectorize(x, vector, Halide::TailStrategy::GuardWithIf);
}

FailureOr<Kernel> buildLRN(cv::LRNOp op, const KernelContext &context,
                           const SchedulePoint &point) {
  LRNWindow w = lrnWindowOf(op);
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  Var x("x"), y("y"), c("c"), n("n");
  Func scale = lrnScale(zeroOutsideChannels(input, w), w, x, y, c, n);
  Func result("lrn");
  result(x, y, c, n) = input(x, y, c, n) / Halide::pow(scale(x, y, c, n), w.beta);
  scheduleLRN(result, {scale}, x, y, c, n, point);
  return kernel.finish(result, 0);
}

FailureOr<Kernel> buildLRNGrad(cv::LRNBackwardOp op, const KernelContext &context,
                               const SchedulePoint &point) {
  LRNWindow w = lrnWindowOf(op);
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  Halide::ImageParam dyParam = kernel.input(op.getOutputGrad(), "output_grad");
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
  scheduleLRN(result, {scale, weighted}, x, y, c, n, point);
  return kernel.finish(result, 0);
}

ScheduleSpace batchNormSpace(cv::BatchNormOp op, const KernelContext &context) {
  return pointwiseSpace(halideShape(op.getInput()), context);
}

FailureOr<Kernel> buildBatchNorm(cv::BatchNormOp op, const KernelContext &context,
                                 const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getInput());
  KernelBuilder kernel(op, context);
  std::vector<Halide::ImageParam> params = {
      kernel.input(op.getInput(), "input"), kernel.input(op.getScale(), "scale"),
      kernel.input(op.getBias(), "bias"), kernel.input(op.getMean(), "mean"),
      kernel.input(op.getVariance(), "variance")};
  std::vector<Var> vars = makeVars(shape.size());
  // Channels are dimension 1 in NCHW order, second from last in Halide's.
  Var c = vars[shape.size() - 2];
  Func factor("bn_factor"), shift("bn_shift");
  factor(c) = params[1](c) / Halide::sqrt(params[4](c) + op.getEpsilon().convertToFloat());
  shift(c) = params[2](c) - params[3](c) * factor(c);
  Func result("batch_norm");
  result(vars) = params[0](asExprs(vars)) * factor(c) + shift(c);
  schedulePointwise(result, vars, point);
  // On a GPU they stay inline: a square root per element costs less than
  // two more kernel launches.
  if (!context.gpu()) {
    factor.compute_root();
    shift.compute_root();
  }
  return kernel.finish(result, 0);
}

} // namespace

void registerNormalizeKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<softmaxSpace, buildSoftmax, cv::SoftmaxOp, cv::LogSoftmaxOp>(ctx);
    attachKernels<lrnSpace<cv::LRNOp>, buildLRN, cv::LRNOp>(ctx);
    attachKernels<lrnSpace<cv::LRNBackwardOp>, buildLRNGrad, cv::LRNBackwardOp>(ctx);
    attachKernels<batchNormSpace, buildBatchNorm, cv::BatchNormOp>(ctx);
  });
}

} // namespace cvc::halide
