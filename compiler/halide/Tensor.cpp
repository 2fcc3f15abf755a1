//===- Tensor.cpp - row-major tensors as Halide params and funcs --------===//
#include "Tensor.h"

#include "cv/CvOps.h"

using namespace mlir;

namespace cvc::halide {

std::vector<int64_t> halideShape(Value v) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  std::vector<int64_t> shape;
  for (int64_t i = type.getRank() - 1; i >= 0; --i)
    shape.push_back(type.isDynamicDim(i) ? -1 : type.getDimSize(i));
  return shape;
}

namespace {

thread_local const llvm::DenseSet<Value> *stridedValues = nullptr;

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

ScopedStridedValues::ScopedStridedValues(const llvm::DenseSet<Value> &values)
    : previous(stridedValues) {
  stridedValues = &values;
}

ScopedStridedValues::~ScopedStridedValues() { stridedValues = previous; }

bool ScopedStridedValues::contains(Value value) {
  return stridedValues && stridedValues->contains(value);
}

Halide::ImageParam makeInput(Value v, const std::string &name) {
  std::vector<int64_t> shape = halideShape(v);
  Halide::ImageParam p(Halide::Float(32), static_cast<int>(shape.size()), name);
  constrain(shape, ScopedStridedValues::contains(v),
            [&](size_t i) { return p.dim(static_cast<int>(i)); });
  return p;
}

void constrainOutput(Halide::Func f, Value v) {
  std::vector<int64_t> shape = halideShape(v);
  Halide::OutputImageParam out = f.output_buffer();
  constrain(shape, ScopedStridedValues::contains(v),
            [&](size_t i) { return out.dim(static_cast<int>(i)); });
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

int vectorWidthFor(int64_t extent, const Halide::Target &target) {
  int natural = target.natural_vector_size<float>();
  if (extent < 0)
    return natural;
  return std::max(1, std::min(natural, floorPow2(std::max<int64_t>(extent, 1))));
}

int parallelInGroups(Halide::Func f, Halide::Var task, int64_t elementsPerIteration) {
  constexpr int64_t kElementsPerTask = 16 * 1024;
  int64_t group = std::max<int64_t>(1, kElementsPerTask / std::max<int64_t>(elementsPerIteration, 1));
  if (group == 1) {
    f.parallel(task);
  } else {
    Halide::Var outer(task.name() + "_g"), inner(task.name() + "_i");
    f.split(task, outer, inner, static_cast<int>(group), Halide::TailStrategy::GuardWithIf)
        .parallel(outer);
  }
  return static_cast<int>(group);
}

std::string scheduleElementwise(Halide::Func f, const std::vector<Halide::Var> &vars,
                                const std::vector<int64_t> &shape,
                                const Halide::Target &target) {
  if (shape.empty())
    return "scalar";
  int vector = vectorWidthFor(shape[0], target);
  if (vector > 1)
    f.vectorize(vars[0], vector, Halide::TailStrategy::GuardWithIf);
  int64_t inner = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i)
    inner *= std::max<int64_t>(shape[i], 1);
  int group = 1;
  if (vars.size() >= 3) {
    Halide::Var outer("outer");
    f.fuse(vars[vars.size() - 2], vars.back(), outer);
    group = parallelInGroups(f, outer, inner);
  } else if (vars.size() == 2) {
    group = parallelInGroups(f, vars[1], std::max<int64_t>(shape[0], 1));
  }
  return "vector=" + std::to_string(vector) + " parallel=outer group=" + std::to_string(group);
}

namespace {

/// The op's name with its fused epilogue, e.g. "cv.conv2d+residual+relu".
std::string opLabel(Operation *op) {
  std::string label = op->getName().getStringRef().str();
  auto epilogue = [&](auto layer) {
    if (layer.getResidual())
      label += "+residual";
    if (layer.getActivation() != cv::Activation::none)
      label += "+" + cv::stringifyActivation(layer.getActivation()).str();
  };
  if (auto conv = llvm::dyn_cast<cv::Conv2DOp>(op))
    epilogue(conv);
  else if (auto fc = llvm::dyn_cast<cv::FullyConnectedOp>(op))
    epilogue(fc);
  else if (auto matmul = llvm::dyn_cast<cv::MatMulOp>(op))
    epilogue(matmul);
  else if (auto winograd = llvm::dyn_cast<cv::WinogradConv2DOp>(op))
    epilogue(winograd);
  else if (auto blocked = llvm::dyn_cast<cv::BlockedConv2DOp>(op)) {
    epilogue(blocked);
    if (!blocked.getMaxPool().empty())
      label += "+max_pool";
  }
  return label;
}

} // namespace

Kernel finishKernel(Operation *op, Halide::Func output,
                    const std::vector<Halide::ImageParam> &params, std::string schedule,
                    uint64_t macsPerImage) {
  return makeKernel(opLabel(op),
                    std::vector<Value>(op->getOperands().begin(), op->getOperands().end()),
                    op->getResult(0), output, params, std::move(schedule), macsPerImage);
}

Kernel makeKernel(std::string ops, std::vector<Value> inputs, Value output, Halide::Func result,
                  const std::vector<Halide::ImageParam> &params, std::string schedule,
                  uint64_t macsPerImage) {
  constrainOutput(result, output);
  Kernel k;
  k.ops = std::move(ops);
  k.inputs = std::move(inputs);
  k.output = output;
  k.pipeline = Halide::Pipeline(result);
  for (const Halide::ImageParam &p : params)
    k.arguments.push_back(p);
  k.schedule = std::move(schedule);
  k.macsPerImage = macsPerImage;
  return k;
}

} // namespace cvc::halide
