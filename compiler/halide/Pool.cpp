//===- Pool.cpp - cv.max_pool2d and cv.avg_pool2d as Halide pipelines ---===//
//
// Windows are read through a boundary condition: -inf for max pooling (a
// padded position never wins) and 0 for average pooling, whose divisor is
// computed per output position from the window clipped to the padded input
// (count_include_pad) or to the input itself.
//
// Schedule spaces: "pool" (NCHW: vector along output rows, group planes
// per task), "pool_blocked" (a vector of channels per pixel: group) and
// "gather" for the gradients (vector along input rows, group).
//
//===----------------------------------------------------------------------===//
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

struct Window {
  int kH, kW, sH, sW, padT, padL, padB, padR, inH, inW, outW, outH;
};

Window windowOf(ArrayRef<int64_t> k, ArrayRef<int64_t> s, ArrayRef<int64_t> p, Value input,
               Value output) {
  auto in = llvm::cast<RankedTensorType>(input.getType());
  auto out = llvm::cast<RankedTensorType>(output.getType());
  return {static_cast<int>(k[0]), static_cast<int>(k[1]), static_cast<int>(s[0]),
          static_cast<int>(s[1]), static_cast<int>(p[0]), static_cast<int>(p[1]),
          static_cast<int>(p[2]), static_cast<int>(p[3]), static_cast<int>(in.getDimSize(2)),
          static_cast<int>(in.getDimSize(3)), static_cast<int>(out.getDimSize(3)),
          static_cast<int>(out.getDimSize(2))};
}

template <typename OpT> Window windowOf(OpT op) {
  return windowOf(op.getKernel(), op.getStrides(), op.getPads(), op.getInput(), op.getOutput());
}

/// Pooling variables in Halide order, innermost first: (x, y, c, n), or
/// (lane, x, y, block, n) in the blocked layout.
struct PoolVars {
  std::vector<Var> all;
  Var x, y;
  bool blocked;
  int lanes;
};

PoolVars poolVars(Value input) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  PoolVars v;
  v.blocked = type.getRank() == 5;
  v.lanes = v.blocked ? static_cast<int>(type.getDimSize(4)) : 1;
  v.x = Var("x");
  v.y = Var("y");
  if (v.blocked)
    v.all = {Var("lane"), v.x, v.y, Var("c"), Var("n")};
  else
    v.all = {v.x, v.y, Var("c"), Var("n")};
  return v;
}

/// The input read at spatial position (px, py), other variables as given.
std::vector<Expr> at(const PoolVars &v, Expr px, Expr py) {
  std::vector<Expr> index(v.all.begin(), v.all.end());
  size_t xi = v.blocked ? 1 : 0;
  index[xi] = px;
  index[xi + 1] = py;
  return index;
}

/// The divisor of the window starting at (x0, y0): the window clipped to the
/// padded input (count_include_pad) or to the input itself.
Expr averageDivisor(const Window &w, bool includePad, Expr x0, Expr y0) {
  Expr loX = includePad ? Expr(-w.padL) : Expr(0), hiX = includePad ? Expr(w.inW + w.padR) : Expr(w.inW);
  Expr loY = includePad ? Expr(-w.padT) : Expr(0), hiY = includePad ? Expr(w.inH + w.padB) : Expr(w.inH);
  Expr countX = Halide::min(x0 + w.kW, hiX) - Halide::max(x0, loX);
  Expr countY = Halide::min(y0 + w.kH, hiY) - Halide::max(y0, loY);
  return Halide::cast<float>(Halide::max(countX * countY, 1));
}

Func boundary(const PoolVars &v, Halide::ImageParam input, Expr value, const Window &w) {
  if (v.blocked)
    return Halide::BoundaryConditions::constant_exterior(input, value,
                                                         {{Expr(), Expr()}, {0, w.inW}, {0, w.inH}});
  return Halide::BoundaryConditions::constant_exterior(input, value, {{0, w.inW}, {0, w.inH}});
}

/// One task per channel plane (or block of channels) and image, `group`
/// of them per task: per-row tasks on 13x13 maps cost more in scheduling
/// than the rows themselves.
template <typename OpT> ScheduleSpace poolSpace(OpT op, const KernelContext &context) {
  Window w = windowOf(op);
  PoolVars v = poolVars(op.getInput());
  ScheduleSpace space;
  if (context.gpu()) {
    // A thread per output element, its window reduced in registers.
    space = pointwiseSpace(halideShape(op.getOutput()), context);
    addAutoscheduleAlgorithm(space, context);
    return space;
  }
  int64_t plane = static_cast<int64_t>(w.outW) * w.outH;
  if (v.blocked) {
    int64_t group = defaultTaskGroup(plane * v.lanes);
    space.addAlgorithm("pool_blocked").add("group", taskGroupsFor(-1, group));
    space.defaultPoint = SchedulePoint("pool_blocked").set("group", group);
    addAutoscheduleAlgorithm(space, context);
    return space;
  }
  int64_t group = defaultTaskGroup(plane);
  ScheduleAlgorithm &pool = space.addAlgorithm("pool");
  pool.add("vector", vectorWidthsFor(w.outW, context));
  pool.add("group", taskGroupsFor(-1, group));
  space.defaultPoint =
      SchedulePoint("pool").set("vector", vectorWidthFor(w.outW, context)).set("group", group);
  addAutoscheduleAlgorithm(space, context);
  return space;
}

void schedulePool(Func result, const PoolVars &v, const SchedulePoint &point) {
  if (isGpuPoint(point)) {
    schedulePointwise(result, v.all, point);
    return;
  }
  Var plane("plane");
  if (v.blocked) {
    // One vector of channels per output pixel: every lane useful.
    result.vectorize(v.all[0], v.lanes).fuse(v.all[3], v.all[4], plane);
    parallelInGroups(result, plane, point.get("group"));
    return;
  }
  Var xo("xo"), xi("xi");
  result.split(v.x, xo, xi, point.getInt("vector"), TailStrategy::ShiftInwards)
      .vectorize(xi)
      .fuse(v.all[2], v.all[3], plane);
  parallelInGroups(result, plane, point.get("group"));
}

/// The pooled value of each window: `reduce` over the window's positions
/// of the input read through a border of `outside`.
template <typename OpT, typename Reduce>
FailureOr<Kernel> buildPool(OpT op, const KernelContext &context, const SchedulePoint &point,
                            const char *name, Expr outside, Reduce reduce) {
  Window w = windowOf(op);
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  PoolVars v = poolVars(op.getInput());
  Func padded = boundary(v, input, outside, w);
  RDom r(0, w.kW, 0, w.kH, "r");
  Expr x0 = v.x * w.sW - w.padL, y0 = v.y * w.sH - w.padT;
  Func result(name);
  result(v.all) = reduce(padded(at(v, x0 + r.x, y0 + r.y)), w, x0, y0);
  if (!isAutoscheduled(point))
    schedulePool(result, v, point);
  return kernel.finish(result, 0);
}

FailureOr<Kernel> buildMaxPool(cv::MaxPool2DOp op, const KernelContext &context,
                               const SchedulePoint &point) {
  return buildPool(op, context, point, "max_pool", Halide::Float(32).min(),
                   [](Expr value, const Window &, Expr, Expr) { return Halide::maximum(value); });
}

FailureOr<Kernel> buildAvgPool(cv::AvgPool2DOp op, const KernelContext &context,
                               const SchedulePoint &point) {
  bool includePad = op.getCountIncludePad();
  return buildPool(op, context, point, "avg_pool", Expr(0.0f),
                   [includePad](Expr value, const Window &w, Expr x0, Expr y0) {
                     return Halide::sum(value) / averageDivisor(w, includePad, x0, y0);
                   });
}

// The gradients gather: each input position visits the (at most
// ceil(k / s) per axis) windows that cover it, so every output element is
// written once by one vector lane and no scatter needs atomics.

/// For input position (x, y) and window step (rx, ry) of a gather RDom: the
/// window's output coordinates, and whether that window exists and covers it.
struct CoveringWindow {
  Expr ox, oy, covers;
};

CoveringWindow coveringWindow(const Window &w, Expr x, Expr y, Expr rx, Expr ry) {
  Expr ox = (x + w.padL) / w.sW - rx, oy = (y + w.padT) / w.sH - ry;
  Expr covers = ox >= 0 && ox < w.outW && oy >= 0 && oy < w.outH &&
                x < ox * w.sW - w.padL + w.kW && y < oy * w.sH - w.padT + w.kH;
  return {ox, oy, covers};
}

/// "gather vector=V group=G" over the input gradient (NCHW).
ScheduleSpace gatherSpace(Value inputGrad, const KernelContext &context) {
  if (context.gpu())
    return pointwiseSpace(halideShape(inputGrad), context);
  int inW = dimOf(inputGrad, 3), inH = dimOf(inputGrad, 2);
  int64_t group = defaultTaskGroup(static_cast<int64_t>(inW) * inH);
  ScheduleSpace space;
  ScheduleAlgorithm &gather = space.addAlgorithm("gather");
  gather.add("vector", vectorWidthsFor(inW, context));
  gather.add("group", taskGroupsFor(-1, group));
  space.defaultPoint =
      SchedulePoint("gather").set("vector", vectorWidthFor(inW, context)).set("group", group);
  return space;
}

ScheduleSpace maxPoolGradSpace(cv::MaxPool2DBackwardOp op, const KernelContext &context) {
  return gatherSpace(op.getInputGrad(), context);
}

ScheduleSpace avgPoolGradSpace(cv::AvgPool2DBackwardOp op, const KernelContext &context) {
  return gatherSpace(op.getInputGrad(), context);
}

void scheduleGather(Func result, Var x, Var y, Var c, Var n, const SchedulePoint &point) {
  if (isGpuPoint(point)) {
    schedulePointwise(result, {x, y, c, n}, point);
    return;
  }
  Var xo("xo"), xi("xi"), plane("plane");
  result.split(x, xo, xi, point.getInt("vector"), TailStrategy::ShiftInwards)
      .vectorize(xi)
      .fuse(c, n, plane);
  parallelInGroups(result, plane, point.get("group"));
}

FailureOr<Kernel> buildMaxPoolGrad(cv::MaxPool2DBackwardOp op, const KernelContext &context,
                                   const SchedulePoint &point) {
  Window w = windowOf(op.getKernel(), op.getStrides(), op.getPads(), op.getInput(),
                      op.getOutputGrad());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  Halide::ImageParam dy = kernel.input(op.getOutputGrad(), "output_grad");
  Var x("x"), y("y"), c("c"), n("n");
  PoolVars v{{x, y, c, n}, x, y, false, 1};
  Func padded = boundary(v, input, Halide::Float(32).min(), w);
  // Each window's winner, as a flat input index: the first maximum in
  // row-major window order, as PyTorch picks it.
  RDom k(0, w.kW, 0, w.kH, "k");
  Func winner("max_pool_winner");
  Expr wx = x * w.sW - w.padL + k.x, wy = y * w.sH - w.padT + k.y;
  winner(x, y, c, n) = Halide::argmax(padded(wx, wy, c, n));
  Func winnerIndex("max_pool_winner_index");
  winnerIndex(x, y, c, n) = (y * w.sH - w.padT + winner(x, y, c, n)[1]) * w.inW +
                            (x * w.sW - w.padL + winner(x, y, c, n)[0]);
  RDom r(0, (w.kW + w.sW - 1) / w.sW, 0, (w.kH + w.sH - 1) / w.sH, "r");
  CoveringWindow cw = coveringWindow(w, x, y, r.x, r.y);
  Expr ox = Halide::clamp(cw.ox, 0, w.outW - 1), oy = Halide::clamp(cw.oy, 0, w.outH - 1);
  Func result("max_pool_backward");
  result(x, y, c, n) = Halide::sum(Halide::select(
      cw.covers && winnerIndex(ox, oy, c, n) == y * w.inW + x, dy(ox, oy, c, n), 0.0f));
  winnerIndex.compute_root();
  if (context.gpu()) {
    schedulePointwise(winnerIndex, {x, y, c, n}, point);
  } else {
    winnerIndex.vectorize(x, vectorWidthFor(w.outW, context), TailStrategy::GuardWithIf);
    Var plane("plane");
    winnerIndex.fuse(c, n, plane).parallel(plane);
  }
  scheduleGather(result, x, y, c, n, point);
  return kernel.finish(result, 0);
}

FailureOr<Kernel> buildAvgPoolGrad(cv::AvgPool2DBackwardOp op, const KernelContext &context,
                                   const SchedulePoint &point) {
  Window w = windowOf(op.getKernel(), op.getStrides(), op.getPads(), op.getInputGrad(),
                      op.getOutputGrad());
  KernelBuilder kernel(op, context);
  Halide::ImageParam dy = kernel.input(op.getOutputGrad(), "output_grad");
  Var x("x"), y("y"), c("c"), n("n");
  RDom r(0, (w.kW + w.sW - 1) / w.sW, 0, (w.kH + w.sH - 1) / w.sH, "r");
  CoveringWindow cw = coveringWindow(w, x, y, r.x, r.y);
  Expr ox = Halide::clamp(cw.ox, 0, w.outW - 1), oy = Halide::clamp(cw.oy, 0, w.outH - 1);
  Expr divisor = averageDivisor(w, op.getCountIncludePad(), ox * w.sW - w.padL,
                                oy * w.sH - w.padT);
  Func result("avg_pool_backward");
  result(x, y, c, n) =
      Halide::sum(Halide::select(cw.covers, dy(ox, oy, c, n) / divisor, 0.0f));
  scheduleGather(result, x, y, c, n, point);
  return kernel.finish(result, 0);
}

} // namespace

void registerPoolKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<poolSpace<cv::MaxPool2DOp>, buildMaxPool, cv::MaxPool2DOp>(ctx);
    attachKernels<poolSpace<cv::AvgPool2DOp>, buildAvgPool, cv::AvgPool2DOp>(ctx);
    attachKernels<maxPoolGradSpace, buildMaxPoolGrad, cv::MaxPool2DBackwardOp>(ctx);
    attachKernels<avgPoolGradSpace, buildAvgPoolGrad, cv::AvgPool2DBackwardOp>(ctx);
  });
}

} // namespace cvc::halide
