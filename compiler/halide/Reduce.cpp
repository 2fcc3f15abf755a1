//===- Reduce.cpp - cv.reduce as a Halide pipeline ----------------------===//
#include "Families.h"
#include "Tensor.h"

using namespace mlir;

namespace cvc::halide {

FailureOr<Kernel> lowerReduce(cv::ReduceOp op, const Halide::Target &target) {
  std::vector<int64_t> inShape = halideShape(op.getInput());
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int rank = static_cast<int>(shape.size());
  Halide::ImageParam input = makeInput(op.getInput(), "input");
  std::vector<Var> vars = makeVars(rank);
  Halide::Region region;
  std::vector<int> reduced;
  for (int64_t axis : op.getAxes()) {
    int h = rank - 1 - static_cast<int>(axis);
    reduced.push_back(h);
    region.push_back(Halide::Range(0, static_cast<int>(inShape[h])));
  }
  RDom r(region, "r");
  std::vector<Expr> index = asExprs(vars);
  int64_t count = 1;
  for (size_t i = 0; i < reduced.size(); ++i) {
    index[reduced[i]] = r[static_cast<int>(i)];
    count *= inShape[reduced[i]];
  }
  Expr x = input(index);
  Expr y;
  switch (op.getKind()) {
  case cv::ReduceKind::sum:
    y = Halide::sum(x);
    break;
  case cv::ReduceKind::mean:
    y = Halide::sum(x) / static_cast<float>(count);
    break;
  case cv::ReduceKind::max:
    y = Halide::maximum(x);
    break;
  case cv::ReduceKind::min:
    y = Halide::minimum(x);
    break;
  }
  Func result("reduce");
  result(vars) = y;
  int vector = vectorWidthFor(shape[0], target);
  if (vector > 1)
    result.vectorize(vars[0], vector, Halide::TailStrategy::GuardWithIf);
  if (rank >= 2)
    result.parallel(vars.back());
  return finishKernel(op, result, {input}, "vector=" + std::to_string(vector), 0);
}

} // namespace cvc::halide
