//===- Elementwise.cpp - activations, arithmetic, concatenation ---------===//
//
// One output element per input element (of each operand, broadcast), so
// every kernel here takes the pointwise schedule space of Family.h.
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Family.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace cvc::halide {
namespace {

/// Index expressions reading an operand of shape `operand` broadcast to the
/// result's variables (numpy rules, Halide order: innermost first).
std::vector<Expr> broadcastIndex(const std::vector<int64_t> &operand,
                                 const std::vector<int64_t> &result,
                                 const std::vector<Var> &vars) {
  std::vector<Expr> index;
  for (size_t i = 0; i < operand.size(); ++i)
    index.push_back(operand[i] == 1 && result[i] != 1 ? Expr(0) : Expr(vars[i]));
  return index;
}

/// Not the bare op name: a Func called "tanh" or "exp" clashes with the
/// math library's symbol of that name under Halide's JIT. (A suffix keeps
/// the names' order among the buffers, and so the AOT code, as it was.)
std::string resultName(Operation *op) { return op->getName().stripDialect().str() + "_out"; }

/// Every kernel of this file: pointwise over its result.
ScheduleSpace resultSpace(Operation *op, const KernelContext &context) {
  return pointwiseSpace(halideShape(op->getResult(0)), context);
}

FailureOr<Kernel> buildUnary(Operation *op, const KernelContext &context,
                             const SchedulePoint &point) {
  Value operand = op->getOperand(0);
  std::vector<int64_t> shape = halideShape(operand);
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(operand, "input");
  std::vector<Var> vars = makeVars(shape.size());
  Expr x = input(asExprs(vars));
  auto f32 = [](llvm::APFloat v) { return Expr(v.convertToFloat()); };
  auto activation = cv::activationOf(op);
  Expr y = activation ? applyActivation(activation->first, activation->second, x) : Expr();
  if (!activation)
    y = llvm::TypeSwitch<Operation *, Expr>(op)
          .Case([&](cv::AbsOp) { return Halide::abs(x); })
          .Case([&](cv::NegOp) { return -x; })
          .Case([&](cv::ExpOp) { return Halide::exp(x); })
          .Case([&](cv::LogOp) { return Halide::log(x); })
          .Case([&](cv::SqrtOp) { return Halide::sqrt(x); })
          .Case([&](cv::ReciprocalOp) { return 1.0f / x; })
          .Case([&](cv::FloorOp) { return Halide::floor(x); })
          .Case([&](cv::CeilOp) { return Halide::ceil(x); })
          .Case([&](cv::ErfOp) { return Halide::erf(x); })
          // Stable for large x: log(1 + e^x) = max(x, 0) + log(1 + e^-|x|).
          .Case([&](cv::SoftplusOp) {
            return Halide::max(x, 0.0f) + Halide::log(1.0f + Halide::exp(-Halide::abs(x)));
          })
          .Case([&](cv::EluOp o) {
            return Halide::select(x >= 0.0f, x, f32(o.getAlpha()) * (Halide::exp(x) - 1.0f));
          })
          .Default([](Operation *) { return Expr(); });
  if (!y.defined())
    return op->emitOpError() << "has no elementwise lowering";
  return finishPointwise(kernel, resultName(op), vars, y, point);
}

FailureOr<Kernel> buildBinary(Operation *op, const KernelContext &context,
                              const SchedulePoint &point) {
  Value lhsValue = op->getOperand(0), rhsValue = op->getOperand(1);
  std::vector<int64_t> shape = halideShape(op->getResult(0));
  std::vector<Var> vars = makeVars(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam lhs = kernel.input(lhsValue, "lhs"), rhs = kernel.input(rhsValue, "rhs");
  Expr a = lhs(broadcastIndex(halideShape(lhsValue), shape, vars));
  Expr b = rhs(broadcastIndex(halideShape(rhsValue), shape, vars));
  Expr y = llvm::TypeSwitch<Operation *, Expr>(op)
               .Case([&](cv::AddOp) { return a + b; })
               .Case([&](cv::SubOp) { return a - b; })
               .Case([&](cv::MulOp) { return a * b; })
               .Case([&](cv::DivOp) { return a / b; })
               .Case([&](cv::MaxOp) { return Halide::max(a, b); })
               .Case([&](cv::MinOp) { return Halide::min(a, b); })
               .Case([&](cv::PReluOp) { return Halide::select(a >= 0.0f, a, a * b); })
               .Case([&](cv::PowOp) { return Halide::pow(a, b); })
               .Case([&](cv::CompareOp o) {
                 Expr holds;
                 switch (o.getKind()) {
                 case cv::CompareKind::equal: holds = a == b; break;
                 case cv::CompareKind::less: holds = a < b; break;
                 case cv::CompareKind::greater: holds = a > b; break;
                 case cv::CompareKind::less_equal: holds = a <= b; break;
                 case cv::CompareKind::greater_equal: holds = a >= b; break;
                 }
                 return Halide::select(holds, 1.0f, 0.0f);
               })
               .Default([](Operation *) { return Expr(); });
  if (!y.defined())
    return op->emitOpError() << "has no binary lowering";
  return finishPointwise(kernel, resultName(op), vars, y, point);
}

FailureOr<Kernel> buildWhere(cv::WhereOp op, const KernelContext &context,
                             const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  std::vector<Var> vars = makeVars(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam c = kernel.input(op.getCondition(), "condition");
  Halide::ImageParam l = kernel.input(op.getLhs(), "lhs"), r = kernel.input(op.getRhs(), "rhs");
  Expr y = Halide::select(c(broadcastIndex(halideShape(op.getCondition()), shape, vars)) != 0.0f,
                          l(broadcastIndex(halideShape(op.getLhs()), shape, vars)),
                          r(broadcastIndex(halideShape(op.getRhs()), shape, vars)));
  return finishPointwise(kernel, "where", vars, y, point);
}

FailureOr<Kernel> buildConcat(cv::ConcatOp op, const KernelContext &context,
                              const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int axis = static_cast<int>(shape.size()) - 1 - static_cast<int>(op.getAxis());
  std::vector<Var> vars = makeVars(shape.size());
  KernelBuilder kernel(op, context);
  // A chain of selects on the concatenated coordinate; each operand is read
  // shifted by its offset and clamped so that unselected reads stay in bounds.
  Expr value;
  int64_t offset = 0;
  std::vector<Expr> bounds;
  std::vector<Expr> reads;
  for (auto [i, input] : llvm::enumerate(op.getInputs())) {
    Halide::ImageParam param = kernel.input(input, "input" + std::to_string(i));
    int64_t extent = halideShape(input)[axis];
    std::vector<Expr> index = asExprs(vars);
    index[axis] = Halide::clamp(vars[axis] - static_cast<int>(offset), 0,
                                static_cast<int>(extent - 1));
    reads.push_back(param(index));
    offset += extent;
    bounds.push_back(Expr(static_cast<int>(offset)));
  }
  value = reads.back();
  for (int i = static_cast<int>(reads.size()) - 2; i >= 0; --i)
    value = Halide::select(vars[axis] < bounds[i], reads[i], value);
  return finishPointwise(kernel, "concat", vars, value, point);
}

FailureOr<Kernel> buildActivationBackward(cv::ActivationBackwardOp op,
                                          const KernelContext &context,
                                          const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  std::vector<Var> vars = makeVars(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam output = kernel.input(op.getOutput(), "output");
  Halide::ImageParam dyParam = kernel.input(op.getOutputGrad(), "output_grad");
  Expr y = output(asExprs(vars)), dy = dyParam(asExprs(vars));
  ArrayRef<float> args = op.getActivationArgs();
  Expr dx;
  switch (op.getActivation()) {
  case cv::Activation::none:
    dx = dy;
    break;
  case cv::Activation::relu:
    dx = Halide::select(y > 0.0f, dy, 0.0f);
    break;
  case cv::Activation::clip:
    dx = Halide::select(y > args[0] && y < args[1], dy, 0.0f);
    break;
  case cv::Activation::leaky_relu:
    dx = Halide::select(y > 0.0f, dy, args[0] * dy);
    break;
  case cv::Activation::tanh:
    dx = dy * (1.0f - y * y);
    break;
  case cv::Activation::sigmoid:
    dx = dy * y * (1.0f - y);
    break;
  case cv::Activation::hard_sigmoid:
  case cv::Activation::hard_swish:
  case cv::Activation::swish:
  case cv::Activation::gelu:
  case cv::Activation::mish:
    return op.emitOpError() << "has no derivative from its result alone";
  }
  return finishPointwise(kernel, "activation_backward", vars, dx, point);
}

FailureOr<Kernel> buildDropoutMask(cv::DropoutMaskOp op, const KernelContext &context,
                                   const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getMask());
  std::vector<Var> vars = makeVars(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam stepParam = kernel.input(op.getStep(), "step");
  using Halide::UInt;
  auto u32 = [](Expr e) { return Halide::cast(UInt(32), e); };
  Expr index = u32(0);
  int64_t stride = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    index += u32(vars[d]) * u32(Expr(static_cast<int>(stride)));
    stride *= shape[d];
  }
  // Samples before this part of the batch (the batch is the outermost
  // dimension, Halide's last): `stride` is now the whole mask's elements.
  if (op.getSampleOffset()) {
    Halide::ImageParam offsetParam = kernel.input(op.getSampleOffset(), "sample_offset");
    int64_t perSample = stride / shape.back();
    index += u32(Halide::cast<int>(offsetParam(0))) * u32(Expr(static_cast<int>(perSample)));
  }
  Expr step = u32(Halide::cast<int>(stepParam(0)));
  uint32_t seed = static_cast<uint32_t>(op.getSeed() + 1);
  // The hash of the op's description (a murmur3 finaliser).
  Expr h = (index * u32(Expr(0x9E3779B1u))) ^ (step * u32(Expr(0x85EBCA77u))) ^
           u32(Expr(seed * 0xC2B2AE3Du));
  h = h ^ (h >> 16);
  h = h * u32(Expr(0x85EBCA6Bu));
  h = h ^ (h >> 13);
  h = h * u32(Expr(0xC2B2AE35u));
  h = h ^ (h >> 16);
  double ratio = op.getRatio().convertToDouble();
  uint64_t threshold = static_cast<uint64_t>(ratio * 4294967296.0);
  Expr keep = Halide::cast(Halide::UInt(64), h) >= Halide::cast(Halide::UInt(64), Expr(threshold));
  Expr mask = Halide::select(keep, static_cast<float>(1.0 / (1.0 - ratio)), 0.0f);
  return finishPointwise(kernel, "dropout_mask", vars, mask, point);
}

} // namespace

Kernel lowerCopy(Value source, const KernelContext &context) {
  std::vector<int64_t> shape = halideShape(source);
  KernelBuilder kernel(nullptr, context);
  Halide::ImageParam input = kernel.input(source, "input");
  std::vector<Var> vars = makeVars(shape.size());
  Func result("copy");
  result(vars) = input(asExprs(vars));
  ScheduleSpace space = pointwiseSpace(shape, context);
  schedulePointwise(result, vars, space.defaultPoint);
  Kernel copy = kernel.finish(result, source, "copy", 0);
  copy.schedule = space.format(space.defaultPoint);
  return copy;
}

void registerElementwiseKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<resultSpace, buildUnary, cv::ReluOp, cv::TanhOp, cv::SigmoidOp, cv::AbsOp,
                  cv::NegOp, cv::ExpOp, cv::LogOp, cv::SqrtOp, cv::ReciprocalOp, cv::FloorOp,
                  cv::CeilOp, cv::SoftplusOp, cv::ClipOp, cv::LeakyReluOp, cv::EluOp,
                  cv::HardSigmoidOp, cv::HardSwishOp, cv::SwishOp, cv::ErfOp, cv::GeluOp,
                  cv::MishOp>(ctx);
    attachKernels<resultSpace, buildBinary, cv::AddOp, cv::SubOp, cv::MulOp, cv::DivOp,
                  cv::MaxOp, cv::MinOp, cv::PReluOp, cv::PowOp, cv::CompareOp>(ctx);
    attachKernels<resultSpace, buildWhere, cv::WhereOp>(ctx);
    attachKernels<resultSpace, buildConcat, cv::ConcatOp>(ctx);
    attachKernels<resultSpace, buildActivationBackward, cv::ActivationBackwardOp>(ctx);
    attachKernels<resultSpace, buildDropoutMask, cv::DropoutMaskOp>(ctx);
  });
}

} // namespace cvc::halide
