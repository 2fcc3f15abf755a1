//===- Reduce.cpp - cv.reduce as a Halide pipeline ----------------------===//
//
// Schedule spaces:
//   reduce        vector=V: the kept innermost dimension in vectors
//                 (guarded), the outermost in parallel; each result is a
//                 serial walk over the reduced elements
//   reduce_lanes  lanes=L (only when the innermost dimension is reduced,
//                 as batch norm's statistics over N, H, W are): each result
//                 keeps L partial results in one vector, lane u taking the
//                 contiguous elements u, u + L, ..., and combines them at
//                 the end; every kept dimension in parallel. The serial walk
//                 was one scalar add per element, each waiting for the last:
//                 MobileNetV2's training step spent a quarter of its time
//                 in these reductions.
//
//===----------------------------------------------------------------------===//
#include "Family.h"

#include <limits>

using namespace mlir;

namespace cvc::halide {
namespace {

/// Halide dimensions (innermost first) that `op` reduces.
std::vector<int> reducedDims(cv::ReduceOp op) {
  int rank = static_cast<int>(halideShape(op.getInput()).size());
  std::vector<int> dims;
  for (int64_t axis : op.getAxes())
    dims.push_back(rank - 1 - static_cast<int>(axis));
  return dims;
}

bool reducesInnermost(cv::ReduceOp op) { return llvm::is_contained(reducedDims(op), 0); }

ScheduleSpace serialReduceSpace(Value output, const KernelContext &context) {
  std::vector<int64_t> shape = halideShape(output);
  if (context.gpu())
    return pointwiseSpace(shape, context); // a thread per result, reducing serially
  ScheduleSpace space;
  space.addAlgorithm("reduce").add("vector", guardedVectorWidths(context));
  space.defaultPoint = SchedulePoint("reduce").set("vector", vectorWidthFor(shape[0], context));
  return space;
}

ScheduleSpace reduceSpace(cv::ReduceOp op, const KernelContext &context) {
  ScheduleSpace space = serialReduceSpace(op.getOutput(), context);
  if (context.gpu() || !reducesInnermost(op))
    return space;
  space.addAlgorithm("reduce_lanes").add("lanes", guardedVectorWidths(context));
  space.defaultPoint = SchedulePoint("reduce_lanes").set("lanes", context.vectorWidth);
  return space;
}

ScheduleSpace argReduceSpace(cv::ArgReduceOp op, const KernelContext &context) {
  return serialReduceSpace(op.getOutput(), context);
}

/// The value a reduction starts from, and how it takes in another.
Expr identityOf(cv::ReduceKind kind) {
  switch (kind) {
  case cv::ReduceKind::max:
    return Expr(-std::numeric_limits<float>::infinity());
  case cv::ReduceKind::min:
    return Expr(std::numeric_limits<float>::infinity());
  default:
    return Expr(0.0f);
  }
}

Expr combine(cv::ReduceKind kind, Expr a, Expr b) {
  switch (kind) {
  case cv::ReduceKind::max:
    return Halide::max(a, b);
  case cv::ReduceKind::min:
    return Halide::min(a, b);
  default:
    return a + b;
  }
}

/// reduce_lanes: see the file comment. `reduced` holds the Halide
/// dimensions reduced (0 among them), `count` the elements per result.
Func reduceInLanes(cv::ReduceOp op, Halide::ImageParam input, const std::vector<int64_t> &inShape,
                   const std::vector<int> &reduced, int64_t count, const std::vector<Var> &vars,
                   int lanes) {
  cv::ReduceKind kind = op.getKind();
  const int64_t width = inShape[0];
  const int chunks = static_cast<int>((width + lanes - 1) / lanes);
  // The chunks of the innermost dimension innermost, then the other reduced
  // dimensions, innermost first: the walk follows memory.
  Halide::Region region{Halide::Range(0, chunks)};
  std::vector<int> others;
  for (int h : reduced)
    if (h != 0)
      others.push_back(h);
  llvm::sort(others);
  for (int h : others)
    region.push_back(Halide::Range(0, static_cast<int>(inShape[h])));
  RDom r(region, "r");
  Var u("u");
  std::vector<Expr> index = asExprs(vars);
  Expr x0 = r[0] * lanes + u;
  bool ragged = width % lanes != 0;
  // A ragged last chunk reads a valid element and drops it.
  index[0] = ragged ? Halide::min(x0, static_cast<int>(width - 1)) : x0;
  for (size_t i = 0; i < others.size(); ++i)
    index[others[i]] = r[static_cast<int>(i) + 1];
  Expr value = input(index);
  if (ragged)
    value = Halide::select(x0 < static_cast<int>(width), value, identityOf(kind));

  std::vector<Var> partialVars{u};
  partialVars.insert(partialVars.end(), vars.begin(), vars.end());
  std::vector<Expr> partialAt = asExprs(partialVars);
  Func partial("reduce_partial");
  partial(partialVars) = identityOf(kind);
  partial(partialVars) = combine(kind, partial(partialAt), value);

  RDom lane(0, lanes, "lane");
  std::vector<Expr> laneAt = asExprs(partialVars);
  laneAt[0] = lane;
  Func total("reduce_total");
  total(vars) = identityOf(kind);
  total(vars) = combine(kind, total(vars), partial(laneAt));
  Func result("reduce");
  result(vars) = kind == cv::ReduceKind::mean ? total(vars) / static_cast<float>(count) : total(vars);

  // Every kept dimension in parallel (the reduced ones have extent 1), in
  // groups of about the elements a task should cover.
  Var all = vars[0];
  for (size_t i = 1; i < vars.size(); ++i) {
    Var fused(all.name() + "_" + vars[i].name());
    result.fuse(all, vars[i], fused);
    all = fused;
  }
  int64_t group = defaultTaskGroup(count);
  parallelInGroups(result, all, group);
  Var each = group > 1 ? Var(all.name() + "_i") : all;
  total.compute_at(result, each);
  partial.compute_at(result, each).vectorize(u);
  std::vector<Halide::VarOrRVar> order{u};
  for (int i = 0; i < r.dimensions(); ++i)
    order.push_back(r[i]);
  partial.update().reorder(order).vectorize(u);
  return result;
}

FailureOr<Kernel> buildReduce(cv::ReduceOp op, const KernelContext &context,
                              const SchedulePoint &point) {
  std::vector<int64_t> inShape = halideShape(op.getInput());
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int rank = static_cast<int>(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  std::vector<Var> vars = makeVars(rank);
  std::vector<int> reduced = reducedDims(op);
  int64_t count = 1;
  for (int h : reduced)
    count *= inShape[h];
  if (point.algorithm() == "reduce_lanes")
    return kernel.finish(reduceInLanes(op, input, inShape, reduced, count, vars,
                                       point.getInt("lanes")),
                         0);
  Halide::Region region;
  for (int h : reduced)
    region.push_back(Halide::Range(0, static_cast<int>(inShape[h])));
  RDom r(region, "r");
  std::vector<Expr> index = asExprs(vars);
  for (size_t i = 0; i < reduced.size(); ++i)
    index[reduced[i]] = r[static_cast<int>(i)];
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
    attachKernels<reduceSpace, buildReduce, cv::ReduceOp>(ctx);
    attachKernels<argReduceSpace, buildArgReduce, cv::ArgReduceOp>(ctx);
  });
}

} // namespace cvc::halide
