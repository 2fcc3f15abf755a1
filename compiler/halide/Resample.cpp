//===- Resample.cpp - cv.resize and its gradient ------------------------===//
//
// Resizing is separable: along each axis, output position o reads T input
// positions (1 nearest, 2 linear, 4 cubic) with weights that depend on o
// alone. Those per-axis taps (index and weight per output position) are
// small tables computed at compile time and stored in the kernel; it is
// then a sum of T_h x T_w products per output element, vectorised along
// the output row (the reads are gathers unless the scale is 1), rows of
// all channels in parallel.
//
// The gradient scatters each output pixel's gradient back to its taps.
// Scattered updates to one channel plane race, so planes (channel, image)
// are the parallel tasks and each is walked serially.
//
// Schedule space ("resample"): vector (lanes along output columns), group
// (rows of a plane per parallel task).
//
//===----------------------------------------------------------------------===//
#include "Family.h"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace mlir;

namespace cvc::halide {
namespace {

/// The attributes of a resize and its gradient.
template <typename OpT> struct ResizeParams {
  cv::ResizeMode mode;
  cv::CoordinateMode coordinates;
  cv::NearestMode nearest;
  double scales[2];
  double cubicA;
  bool excludeOutside;

  explicit ResizeParams(OpT op)
      : mode(op.getMode()), coordinates(op.getCoordinateMode()), nearest(op.getNearestMode()),
        scales{op.getScales()[0], op.getScales()[1]},
        cubicA(op.getCubicCoeffA().convertToDouble()), excludeOutside(op.getExcludeOutside()) {}

  int taps() const { return mode == cv::ResizeMode::nearest ? 1 : mode == cv::ResizeMode::linear ? 2 : 4; }
};

/// The input coordinate output position `o` samples along an axis of `in`
/// positions resized by `scale` to `out` (ONNX's formulas, with the resized
/// length the output's, as the specification's text, ONNX Runtime and
/// PyTorch take it; ONNX's reference code takes in * scale unrounded, which
/// differs for align_corners when that is not a whole number). A single
/// pytorch_half_pixel output samples -0.5, as the reference does (the edge
/// clamp makes that the first pixel for nearest and linear).
template <typename P> double inputCoordinate(const P &p, int o, int in, int out, double scale) {
  double x = o;
  switch (p.coordinates) {
  case cv::CoordinateMode::half_pixel:
    return (x + 0.5) / scale - 0.5;
  case cv::CoordinateMode::pytorch_half_pixel:
    return out == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  case cv::CoordinateMode::align_corners:
    return out == 1 ? 0.0 : x * (in - 1) / (out - 1);
  case cv::CoordinateMode::asymmetric:
    return x / scale;
  case cv::CoordinateMode::tf_half_pixel_for_nn:
    return (x + 0.5) / scale;
  }
  return x / scale;
}

/// Keys' cubic convolution kernel at distance d.
double cubicWeight(double d, double a) {
  double t = std::abs(d), t2 = t * t, t3 = t2 * t;
  if (t <= 1.0)
    return (a + 2.0) * t3 - (a + 3.0) * t2 + 1.0;
  if (t < 2.0)
    return a * t3 - 5.0 * a * t2 + 8.0 * a * t - 4.0 * a;
  return 0.0;
}

/// Per axis, the input positions (clamped into the input: edge padding)
/// and weights each output position reads: `taps` of each, computed here
/// in double precision (the coordinates of sizes like 7 / 3 round
/// differently in float) and compiled into the kernel as tables.
struct AxisTaps {
  Halide::Buffer<int32_t> indexTable;
  Halide::Buffer<float> weightTable;
  int extent;
  Expr at(Expr tap, Expr o) const {
    // The tables hold only positions inside the input; bounds inference
    // cannot see that through a lookup.
    return Halide::unsafe_promise_clamped(indexTable(tap, o), 0, extent - 1);
  }
  Expr weight(Expr tap, Expr o) const { return weightTable(tap, o); }
};

template <typename P>
AxisTaps axisTaps(const P &p, int in, int out, double scale, const std::string &name) {
  int taps = p.taps();
  AxisTaps t{Halide::Buffer<int32_t>(taps, out, name + "_index"),
             Halide::Buffer<float>(taps, out, name + "_weight"), in};
  for (int o = 0; o < out; ++o) {
    double x = inputCoordinate(p, o, in, out, scale);
    double first = std::floor(x), frac = x - first;
    std::vector<double> w(taps);
    std::vector<int64_t> at(taps);
    switch (p.mode) {
    case cv::ResizeMode::nearest: {
      bool up = false;
      switch (p.nearest) {
      case cv::NearestMode::round_prefer_floor: up = frac > 0.5; break;
      case cv::NearestMode::round_prefer_ceil: up = frac >= 0.5; break;
      case cv::NearestMode::floor: up = false; break;
      case cv::NearestMode::ceil: up = frac > 0.0; break;
      }
      at[0] = static_cast<int64_t>(first) + (up ? 1 : 0);
      w[0] = 1.0;
      break;
    }
    case cv::ResizeMode::linear:
      at = {static_cast<int64_t>(first), static_cast<int64_t>(first) + 1};
      w = {1.0 - frac, frac};
      break;
    case cv::ResizeMode::cubic:
      for (int k = 0; k < 4; ++k) {
        at[k] = static_cast<int64_t>(first) - 1 + k;
        w[k] = cubicWeight(frac + 1.0 - k, p.cubicA);
      }
      break;
    }
    if (p.excludeOutside && p.mode == cv::ResizeMode::cubic) {
      double total = 0.0;
      for (int k = 0; k < taps; ++k) {
        if (at[k] < 0 || at[k] >= in)
          w[k] = 0.0;
        total += w[k];
      }
      for (double &v : w)
        v = total != 0.0 ? v / total : 0.0;
    }
    for (int k = 0; k < taps; ++k) {
      t.indexTable(k, o) = static_cast<int32_t>(std::clamp<int64_t>(at[k], 0, in - 1));
      t.weightTable(k, o) = static_cast<float>(w[k]);
    }
  }
  return t;
}

ScheduleSpace resizeSpace(Operation *op, const KernelContext &context) {
  auto out = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  int64_t width = out.getDimSize(3);
  if (context.gpu())
    return pointwiseSpace(halideShape(op->getResult(0)), context);
  int64_t group = defaultTaskGroup(width);
  ScheduleSpace space;
  ScheduleAlgorithm &resample = space.addAlgorithm("resample");
  resample.add("vector", guardedVectorWidths(context));
  resample.add("group", taskGroupsFor(-1, group));
  space.defaultPoint = SchedulePoint("resample")
                           .set("vector", vectorWidthFor(width, context))
                           .set("group", group);
  return space;
}

FailureOr<Kernel> buildResize(cv::ResizeOp op, const KernelContext &context,
                              const SchedulePoint &point) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  ResizeParams<cv::ResizeOp> p(op);
  int inH = static_cast<int>(in.getDimSize(2)), inW = static_cast<int>(in.getDimSize(3));
  int outH = static_cast<int>(out.getDimSize(2)), outW = static_cast<int>(out.getDimSize(3));
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  AxisTaps rows = axisTaps(p, inH, outH, p.scales[0], "rows");
  AxisTaps cols = axisTaps(p, inW, outW, p.scales[1], "cols");
  Var x("x"), y("y"), c("c"), n("n");
  Expr sum;
  for (int i = 0; i < p.taps(); ++i)
    for (int j = 0; j < p.taps(); ++j) {
      Expr term = rows.weight(i, y) * cols.weight(j, x) *
                  input(cols.at(j, x), rows.at(i, y), c, n);
      sum = sum.defined() ? sum + term : term;
    }
  Func result("resize");
  result(x, y, c, n) = sum;
  if (context.gpu()) {
    schedulePointwise(result, {x, y, c, n}, point);
    return kernel.finish(result, 0);
  }
  Var row("row");
  result.vectorize(x, point.getInt("vector"), TailStrategy::GuardWithIf)
      .fuse(y, c, row)
      .fuse(row, n, row);
  parallelInGroups(result, row, point.get("group"));
  return kernel.finish(result, 0);
}

FailureOr<Kernel> buildResizeBackward(cv::ResizeBackwardOp op, const KernelContext &context,
                                      const SchedulePoint &point) {
  auto in = llvm::cast<RankedTensorType>(op.getInputGrad().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutputGrad().getType());
  ResizeParams<cv::ResizeBackwardOp> p(op);
  int inH = static_cast<int>(in.getDimSize(2)), inW = static_cast<int>(in.getDimSize(3));
  int outH = static_cast<int>(out.getDimSize(2)), outW = static_cast<int>(out.getDimSize(3));
  KernelBuilder kernel(op, context);
  Halide::ImageParam dy = kernel.input(op.getOutputGrad(), "output_grad");
  AxisTaps rows = axisTaps(p, inH, outH, p.scales[0], "rows");
  AxisTaps cols = axisTaps(p, inW, outW, p.scales[1], "cols");
  Var x("x"), y("y"), c("c"), n("n");
  Func result("resize_backward");
  result(x, y, c, n) = 0.0f;
  RDom r(0, outW, 0, outH, "r");
  for (int i = 0; i < p.taps(); ++i)
    for (int j = 0; j < p.taps(); ++j)
      result(cols.at(j, r.x), rows.at(i, r.y), c, n) +=
          rows.weight(i, r.y) * cols.weight(j, r.x) * dy(r.x, r.y, c, n);
  // One task per plane (channel, image), `group` planes per task: the
  // scatters within a plane run in order.
  Var plane("plane");
  result.vectorize(x, point.getInt("vector"), TailStrategy::GuardWithIf).fuse(c, n, plane);
  parallelInGroups(result, plane, point.get("group"));
  for (int u = 0; u < p.taps() * p.taps(); ++u) {
    Var uplane("uplane" + std::to_string(u));
    result.update(u).fuse(c, n, uplane).parallel(uplane);
  }
  return kernel.finish(result, 0);
}

ScheduleSpace resizeBackwardSpace(cv::ResizeBackwardOp op, const KernelContext &context) {
  auto in = llvm::cast<RankedTensorType>(op.getInputGrad().getType());
  int64_t group = defaultTaskGroup(in.getDimSize(2) * in.getDimSize(3));
  ScheduleSpace space;
  ScheduleAlgorithm &scatter = space.addAlgorithm("scatter");
  scatter.add("vector", guardedVectorWidths(context));
  scatter.add("group", taskGroupsFor(-1, group));
  space.defaultPoint = SchedulePoint("scatter")
                           .set("vector", vectorWidthFor(in.getDimSize(3), context))
                           .set("group", group);
  return space;
}

} // namespace

void registerResampleKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<resizeSpace, buildResize, cv::ResizeOp>(ctx);
    attachKernels<resizeBackwardSpace, buildResizeBackward, cv::ResizeBackwardOp>(ctx);
  });
}

} // namespace cvc::halide
