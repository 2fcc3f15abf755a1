//===- Reduce.cpp - cv.reduce as a Halide pipeline ----------------------===//
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

/// "reduce vector=V": the kept innermost dimension in vectors (guarded),
/// the outermost in parallel (cv.reduce and cv.arg_reduce).
template <typename OpT>
ScheduleSpace reduceSpace(OpT op, const KernelContext &context) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  if (context.gpu())
    return pointwiseSpace(shape, context); // a thread per result, reducing serially
  ScheduleSpace space;
  space.addAlgorithm("reduce").add("vector", guardedVectorWidths(context));
  space.defaultPoint = SchedulePoint("reduce").set("vector", vectorWidthFor(shape[0], context));
  return space;
}

FailureOr<Kernel> buildReduce(cv::ReduceOp op, const KernelContext &context,
                              const SchedulePoint &point) {
  std::vector<int64_t> inShape = halideShape(op.getInput());
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int rank = static_cast<int>(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
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
  if (context.gpu()) {
    schedulePointwise(result, vars, point);
    return kernel.finish(result, 0);
  }
  int vector = point.getInt("vector");
  if (vector > 1)
    result.vectorize(vars[0], vector, Halide::TailStrategy::GuardWithIf);
  if (rank >= 2)
    result.parallel(vars.back());
  return kernel.finish(result, 0);
}

/// A walk along the axis keeping the best value and its index: a later
/// index takes over only when strictly better (first index on ties), or
/// also when equal with select_last_index.
FailureOr<Kernel> buildArgReduce(cv::ArgReduceOp op, const KernelContext &context,
                                 const SchedulePoint &point) {
  std::vector<int64_t> inShape = halideShape(op.getInput());
  int rank = static_cast<int>(inShape.size());
  int h = rank - 1 - static_cast<int>(op.getAxis());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  std::vector<Var> vars = makeVars(rank);
  std::vector<Expr> index = asExprs(vars);
  RDom r(0, static_cast<int>(inShape[h]), "r");
  index[h] = r;
  Expr x = input(index);
  bool max = op.getKind() == cv::ReduceKind::max, last = op.getSelectLastIndex();
  Func best("arg_reduce_best");
  best(vars) = {Halide::cast<float>(0), max ? Halide::Float(32).min() : Halide::Float(32).max()};
  Expr better = max ? (last ? x >= best(vars)[1] : x > best(vars)[1])
                    : (last ? x <= best(vars)[1] : x < best(vars)[1]);
  // NaN compares false: the first value seeds the walk so one is kept.
  better = better || r == 0;
  best(vars) = {Halide::select(better, Halide::cast<float>(r), best(vars)[0]),
                Halide::select(better, x, best(vars)[1])};
  Func result("arg_reduce");
  result(vars) = best(vars)[0];
  if (context.gpu()) {
    Var element = schedulePointwise(result, vars, point);
    // A scalar result's single GPU thread has no loop to compute it at;
    // unscheduled, it is computed there anyway.
    if (!vars.empty())
      best.compute_at(result, element);
    return kernel.finish(result, 0);
  }
  int vector = point.getInt("vector");
  if (vector > 1)
    result.vectorize(vars[0], vector, Halide::TailStrategy::GuardWithIf);
  if (rank >= 2)
    result.parallel(vars.back());
  best.compute_at(result, vars[0]);
  return kernel.finish(result, 0);
}

} // namespace

void registerReduceKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<reduceSpace<cv::ReduceOp>, buildReduce, cv::ReduceOp>(ctx);
    attachKernels<reduceSpace<cv::ArgReduceOp>, buildArgReduce, cv::ArgReduceOp>(ctx);
  });
}

} // namespace cvc::halide
