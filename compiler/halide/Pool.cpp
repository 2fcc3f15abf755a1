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
  int kH, kW, sH, sW, padT, padL, padB, padR, inH, inW, outW;
};

template <typename OpT> Window windowOf(OpT op) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  auto k = op.getKernel(), s = op.getStrides(), p = op.getPads();
  return {static_cast<int>(k[0]), static_cast<int>(k[1]), static_cast<int>(s[0]),
          static_cast<int>(s[1]), static_cast<int>(p[0]), static_cast<int>(p[1]),
          static_cast<int>(p[2]), static_cast<int>(p[3]), static_cast<int>(in.getDimSize(2)),
          static_cast<int>(in.getDimSize(3)), static_cast<int>(out.getDimSize(3))};
}

std::string scheduleRows(Func result, Var x, Var y, Var c, Var n, int outW,
                         const Halide::Target &target) {
  int vector = vectorWidthFor(outW, target);
  Var xo("xo"), xi("xi"), plane("plane");
  result.split(x, xo, xi, vector, TailStrategy::ShiftInwards)
      .vectorize(xi)
      .fuse(c, n, plane)
      .fuse(y, plane, plane)
      .parallel(plane);
  return "vector=" + std::to_string(vector) + " parallel=rows*channels*batch";
}

} // namespace

FailureOr<Kernel> lowerMaxPool2d(cv::MaxPool2DOp op, const Halide::Target &target) {
  Window w = windowOf(op);
  Halide::ImageParam input = makeInput(op.getInput(), "input");
  Var x("x"), y("y"), c("c"), n("n");
  Func padded = Halide::BoundaryConditions::constant_exterior(
      input, Halide::Float(32).min(), {{0, w.inW}, {0, w.inH}});
  RDom r(0, w.kW, 0, w.kH, "r");
  Func result("max_pool");
  result(x, y, c, n) = Halide::maximum(padded(x * w.sW - w.padL + r.x, y * w.sH - w.padT + r.y, c, n));
  std::string schedule = scheduleRows(result, x, y, c, n, w.outW, target);
  return finishKernel(op, result, {input}, schedule, 0);
}

FailureOr<Kernel> lowerAvgPool2d(cv::AvgPool2DOp op, const Halide::Target &target) {
  Window w = windowOf(op);
  Halide::ImageParam input = makeInput(op.getInput(), "input");
  Var x("x"), y("y"), c("c"), n("n");
  Func padded =
      Halide::BoundaryConditions::constant_exterior(input, 0.0f, {{0, w.inW}, {0, w.inH}});
  RDom r(0, w.kW, 0, w.kH, "r");
  Expr x0 = x * w.sW - w.padL, y0 = y * w.sH - w.padT;
  // The divisor: the window clipped to the region that counts.
  bool includePad = op.getCountIncludePad();
  Expr loX = includePad ? Expr(-w.padL) : Expr(0), hiX = includePad ? Expr(w.inW + w.padR) : Expr(w.inW);
  Expr loY = includePad ? Expr(-w.padT) : Expr(0), hiY = includePad ? Expr(w.inH + w.padB) : Expr(w.inH);
  Expr countX = Halide::min(x0 + w.kW, hiX) - Halide::max(x0, loX);
  Expr countY = Halide::min(y0 + w.kH, hiY) - Halide::max(y0, loY);
  Func result("avg_pool");
  result(x, y, c, n) = Halide::sum(padded(x0 + r.x, y0 + r.y, c, n)) /
                       Halide::cast<float>(Halide::max(countX * countY, 1));
  std::string schedule = scheduleRows(result, x, y, c, n, w.outW, target);
  return finishKernel(op, result, {input}, schedule, 0);
}

} // namespace cvc::halide
