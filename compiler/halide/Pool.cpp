//===- Pool.cpp - cv.max_pool2d and cv.avg_pool2d as Halide pipelines ---===//
//
// Windows are read through a boundary condition: -inf for max pooling (a
// padded position never wins) and 0 for average pooling, whose divisor is
// computed per output position from the window clipped to the padded input
// (count_include_pad) or to the input itself.
//
//===----------------------------------------------------------------------===//
#include "Families.h"
#include "Tensor.h"

using namespace mlir;
using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::TailStrategy;
using Halide::Var;

namespace cvc::halide {
namespace {

struct Window {
  int kH, kW, sH, sW, padT, padL, padB, padR, inH, inW, outW, outH;
};

template <typename OpT> Window windowOf(OpT op) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  auto k = op.getKernel(), s = op.getStrides(), p = op.getPads();
  return {static_cast<int>(k[0]), static_cast<int>(k[1]), static_cast<int>(s[0]),
          static_cast<int>(s[1]), static_cast<int>(p[0]), static_cast<int>(p[1]),
          static_cast<int>(p[2]), static_cast<int>(p[3]), static_cast<int>(in.getDimSize(2)),
          static_cast<int>(in.getDimSize(3)), static_cast<int>(out.getDimSize(3)),
          static_cast<int>(out.getDimSize(2))};
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

Func boundary(const PoolVars &v, Halide::ImageParam input, Expr value, const Window &w) {
  if (v.blocked)
    return Halide::BoundaryConditions::constant_exterior(input, value,
                                                         {{Expr(), Expr()}, {0, w.inW}, {0, w.inH}});
  return Halide::BoundaryConditions::constant_exterior(input, value, {{0, w.inW}, {0, w.inH}});
}

std::string schedulePool(Func result, const PoolVars &v, int outW, int outH,
                         const Halide::Target &target) {
  // One task per channel plane (or block of channels) and image: per-row
  // tasks on 13x13 maps cost more in scheduling than the rows themselves.
  Var plane("plane");
  if (v.blocked) {
    // One vector of channels per output pixel: every lane useful.
    result.vectorize(v.all[0], v.lanes).fuse(v.all[3], v.all[4], plane);
    int group = parallelInGroups(result, plane, static_cast<int64_t>(v.lanes) * outW * outH);
    return "blocked lanes=" + std::to_string(v.lanes) + " parallel=blocks*batch group=" +
           std::to_string(group);
  }
  int vector = vectorWidthFor(outW, target);
  Var xo("xo"), xi("xi");
  result.split(v.x, xo, xi, vector, TailStrategy::ShiftInwards)
      .vectorize(xi)
      .fuse(v.all[2], v.all[3], plane);
  int group = parallelInGroups(result, plane, static_cast<int64_t>(outW) * outH);
  return "vector=" + std::to_string(vector) + " parallel=channels*batch group=" +
         std::to_string(group);
}

} // namespace

FailureOr<Kernel> lowerMaxPool2d(cv::MaxPool2DOp op, const Halide::Target &target) {
  Window w = windowOf(op);
  Halide::ImageParam input = makeInput(op.getInput(), "input");
  PoolVars v = poolVars(op.getInput());
  Func padded = boundary(v, input, Halide::Float(32).min(), w);
  RDom r(0, w.kW, 0, w.kH, "r");
  Func result("max_pool");
  result(v.all) = Halide::maximum(padded(at(v, v.x * w.sW - w.padL + r.x, v.y * w.sH - w.padT + r.y)));
  std::string schedule = schedulePool(result, v, w.outW, w.outH, target);
  return finishKernel(op, result, {input}, schedule, 0);
}

FailureOr<Kernel> lowerAvgPool2d(cv::AvgPool2DOp op, const Halide::Target &target) {
  Window w = windowOf(op);
  Halide::ImageParam input = makeInput(op.getInput(), "input");
  PoolVars v = poolVars(op.getInput());
  Func padded = boundary(v, input, 0.0f, w);
  RDom r(0, w.kW, 0, w.kH, "r");
  Expr x0 = v.x * w.sW - w.padL, y0 = v.y * w.sH - w.padT;
  // The divisor: the window clipped to the region that counts.
  bool includePad = op.getCountIncludePad();
  Expr loX = includePad ? Expr(-w.padL) : Expr(0), hiX = includePad ? Expr(w.inW + w.padR) : Expr(w.inW);
  Expr loY = includePad ? Expr(-w.padT) : Expr(0), hiY = includePad ? Expr(w.inH + w.padB) : Expr(w.inH);
  Expr countX = Halide::min(x0 + w.kW, hiX) - Halide::max(x0, loX);
  Expr countY = Halide::min(y0 + w.kH, hiY) - Halide::max(y0, loY);
  Func result("avg_pool");
  result(v.all) = Halide::sum(padded(at(v, x0 + r.x, y0 + r.y))) /
                  Halide::cast<float>(Halide::max(countX * countY, 1));
  std::string schedule = schedulePool(result, v, w.outW, w.outH, target);
  return finishKernel(op, result, {input}, schedule, 0);
}

} // namespace cvc::halide
