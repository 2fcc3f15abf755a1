//===- Family.cpp - tensors as Halide params, the pointwise schedule ----===//
#include "Family.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace cvc::halide {

std::vector<int64_t> halideShape(Value v) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  std::vector<int64_t> shape;
  for (int64_t i = type.getRank() - 1; i >= 0; --i)
    shape.push_back(type.isDynamicDim(i) ? -1 : type.getDimSize(i));
  return shape;
}

int dimOf(Value v, unsigned i) {
  return static_cast<int>(llvm::cast<RankedTensorType>(v.getType()).getDimSize(i));
}

std::vector<Halide::Var> makeVars(size_t rank) {
  std::vector<Halide::Var> vars;
  for (size_t i = 0; i < rank; ++i)
    vars.emplace_back("x" + std::to_string(i));
  return vars;
}

std::vector<Halide::Expr> asExprs(const std::vector<Halide::Var> &vars) {
  return std::vector<Halide::Expr>(vars.begin(), vars.end());
}

int floorPow2(int64_t n) {
  int p = 1;
  while (p * 2 <= n)
    p *= 2;
  return p;
}

int largestDivisorAtMost(int n, int limit) {
  int d = std::max(1, std::min(n, limit));
  while (n % d != 0)
    --d;
  return d;
}

int vectorWidthFor(int64_t extent, const KernelContext &context) {
  int natural = context.vectorWidth;
  if (extent < 0)
    return natural;
  return std::max(1, std::min(natural, floorPow2(std::max<int64_t>(extent, 1))));
}

std::vector<int64_t> vectorWidthsFor(int64_t extent, const KernelContext &context) {
  return powersOfTwoUpTo(vectorWidthFor(extent, context));
}

std::vector<int64_t> guardedVectorWidths(const KernelContext &context) {
  return powersOfTwoUpTo(context.vectorWidth);
}

namespace {

/// Dense row-major strides and static extents, except that a strided view
/// keeps only its extents (and a unit innermost stride, which the planner
/// guarantees) fixed.
template <typename DimFn> void constrain(const std::vector<int64_t> &shape, bool strided, DimFn dim) {
  int64_t stride = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    bool dynamic = shape[i] < 0;
    if (dynamic)
      dim(i).set_min(0);
    else
      dim(i).set_bounds(0, static_cast<int>(shape[i]));
    if (!strided || i == 0)
      dim(i).set_stride(static_cast<int>(stride));
    if (dynamic)
      break; // only the outermost dimension may be dynamic
    stride *= shape[i];
  }
}

} // namespace

Halide::ImageParam KernelBuilder::input(Value value, const std::string &name) {
  std::vector<int64_t> shape = halideShape(value);
  Halide::ImageParam p(Halide::Float(32), static_cast<int>(shape.size()), name);
  constrain(shape, context.isStrided(value), [&](size_t i) { return p.dim(static_cast<int>(i)); });
  params_.push_back(p);
  inputs_.push_back(value);
  return p;
}

Kernel KernelBuilder::finish(Halide::Func result, uint64_t macsPerImage) {
  return finish(result, op->getResult(0), opLabel(op), macsPerImage);
}

Kernel KernelBuilder::finish(Halide::Func result, Value output, std::string label,
                             uint64_t macsPerImage) {
  std::vector<int64_t> shape = halideShape(output);
  Halide::OutputImageParam out = result.output_buffer();
  constrain(shape, context.isStrided(output),
            [&](size_t i) { return out.dim(static_cast<int>(i)); });
  Kernel k;
  k.ops = std::move(label);
  k.inputs = inputs_;
  k.output = output;
  k.pipeline = Halide::Pipeline(result);
  for (const Halide::ImageParam &p : params_)
    k.arguments.push_back(p);
  k.params = params_;
  k.macsPerImage = macsPerImage;
  return k;
}

std::string opLabel(Operation *op) {
  std::string label = op->getName().getStringRef().str();
  if (auto blocked = llvm::dyn_cast<cv::BlockedConv2DOp>(op); blocked && blocked.hasPrologue()) {
    std::vector<std::string> parts;
    if (blocked.getPrologueScale())
      parts.push_back("scale");
    if (blocked.getPrologueShift())
      parts.push_back("shift");
    if (blocked.getPrologueActivation() != cv::Activation::none)
      parts.push_back(cv::stringifyActivation(blocked.getPrologueActivation()).str());
    label += "+prologue(" + llvm::join(parts, ",") + ")";
  }
  if (auto layer = llvm::dyn_cast<cv::EpilogueOpInterface>(op)) {
    if (layer.getResidual())
      label += "+residual";
    if (layer.getActivation() != cv::Activation::none)
      label += "+" + cv::stringifyActivation(layer.getActivation()).str();
  }
  if (auto blocked = llvm::dyn_cast<cv::BlockedConv2DOp>(op); blocked && !blocked.getMaxPool().empty())
    label += "+max_pool";
  return label;
}

int64_t defaultTaskGroup(int64_t elementsPerIteration) {
  constexpr int64_t kElementsPerTask = 16 * 1024;
  return std::max<int64_t>(1, kElementsPerTask / std::max<int64_t>(elementsPerIteration, 1));
}

std::vector<int64_t> taskGroupsFor(int64_t iterations, int64_t preferred) {
  // An unknown extent holds the batch: allow groups up to a large batch's.
  int64_t limit = iterations < 0 ? 4096 : std::max<int64_t>(iterations, 1);
  return withValue(powersOfTwoUpTo(limit), preferred);
}

void parallelInGroups(Halide::Func f, Halide::Var task, int64_t group) {
  if (group <= 1) {
    f.parallel(task);
    return;
  }
  Halide::Var outer(task.name() + "_g"), inner(task.name() + "_i");
  f.split(task, outer, inner, static_cast<int>(group), Halide::TailStrategy::GuardWithIf)
      .parallel(outer);
}

void holdBlockInRegisters(Halide::Func block, Halide::Func result, Halide::Var at,
                          Halide::Var loadAlong, Halide::Var across) {
  block.compute_at(result, at)
      .store_in(Halide::MemoryType::Register)
      .vectorize(loadAlong)
      .unroll(across);
}

namespace {

/// Elements per iteration of the fused outer loop, and that loop's extent
/// (-1 when it holds the dynamic batch), of a pointwise kernel over `shape`.
std::pair<int64_t, int64_t> pointwiseTasks(const std::vector<int64_t> &shape) {
  if (shape.size() >= 3) {
    int64_t inner = 1;
    for (size_t i = 0; i + 2 < shape.size(); ++i)
      inner *= std::max<int64_t>(shape[i], 1);
    int64_t a = shape[shape.size() - 2], b = shape.back();
    return {inner, a < 0 || b < 0 ? -1 : a * b};
  }
  if (shape.size() == 2)
    return {std::max<int64_t>(shape[0], 1), shape[1]};
  return {1, 1};
}

} // namespace

ScheduleSpace gpuPointwiseSpace(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return ScheduleSpace::fixed("gpu_single_thread");
  ScheduleSpace space;
  space.addAlgorithm("gpu_pointwise").add("threads", {32, 64, 128, 256, 512, 1024});
  space.defaultPoint = SchedulePoint("gpu_pointwise").set("threads", 256);
  return space;
}

ScheduleSpace pointwiseSpace(const std::vector<int64_t> &shape, const KernelContext &context) {
  if (context.gpu())
    return gpuPointwiseSpace(shape);
  ScheduleSpace space;
  if (shape.empty()) {
    space = ScheduleSpace::fixed("scalar");
    return space;
  }
  ScheduleAlgorithm &pointwise = space.addAlgorithm("pointwise");
  SchedulePoint point("pointwise");
  // Tails are guarded, so any width up to the natural one is legal.
  pointwise.add("vector", guardedVectorWidths(context));
  point.set("vector", vectorWidthFor(shape[0], context));
  if (shape.size() >= 2) {
    auto [elements, iterations] = pointwiseTasks(shape);
    int64_t group = defaultTaskGroup(elements);
    pointwise.add("group", taskGroupsFor(iterations, group));
    point.set("group", group);
  }
  space.defaultPoint = point;
  return space;
}

Halide::Var scheduleGpuPointwise(Halide::Func f, const std::vector<Halide::Var> &vars,
                                 const SchedulePoint &point) {
  if (point.algorithm() == "gpu_single_thread") {
    f.gpu_single_thread();
    return Halide::Var::outermost();
  }
  // One thread per element over the dimensions fused innermost first, so
  // that neighbouring threads touch neighbouring addresses (coalesced)
  // whatever the innermost extent: a [N, C, 1, 1] tensor fills warps too.
  Halide::Var all = vars[0];
  for (size_t i = 1; i < vars.size(); ++i) {
    Halide::Var fused("fused" + std::to_string(i));
    f.fuse(all, vars[i], fused);
    all = fused;
  }
  Halide::Var block("block"), thread("thread");
  f.gpu_tile(all, block, thread, point.getInt("threads"), TailStrategy::GuardWithIf);
  return thread;
}

bool isGpuPoint(const SchedulePoint &point) { return point.algorithm().rfind("gpu_", 0) == 0; }

Halide::Var schedulePointwise(Halide::Func f, const std::vector<Halide::Var> &vars,
                              const SchedulePoint &point) {
  if (isGpuPoint(point))
    return scheduleGpuPointwise(f, vars, point);
  if (point.algorithm() == "scalar")
    return Halide::Var::outermost();
  int vector = point.getInt("vector");
  if (vector > 1)
    f.vectorize(vars[0], vector, Halide::TailStrategy::GuardWithIf);
  if (vars.size() >= 3) {
    Halide::Var outer("outer");
    f.fuse(vars[vars.size() - 2], vars.back(), outer);
    parallelInGroups(f, outer, point.get("group"));
  } else if (vars.size() == 2) {
    parallelInGroups(f, vars[1], point.get("group"));
  }
  return vars[0];
}

Kernel finishPointwise(KernelBuilder &kernel, const std::string &name,
                       const std::vector<Halide::Var> &vars, Halide::Expr value,
                       const SchedulePoint &point) {
  Func result(name);
  result(vars) = value;
  schedulePointwise(result, vars, point);
  return kernel.finish(result, 0);
}

void addKernelExtension(DialectRegistry &registry, void (*attach)(MLIRContext &)) {
  registry.addExtension(std::function<void(MLIRContext *, cv::CvDialect *)>(
      [attach](MLIRContext *ctx, cv::CvDialect *) { attach(*ctx); }));
}

} // namespace cvc::halide
