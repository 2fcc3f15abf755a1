//===- Elementwise.cpp - activations and broadcasting add ---------------===//
#include "Families.h"
#include "Tensor.h"

using namespace mlir;
using Halide::Expr;
using Halide::Func;
using Halide::Var;

namespace cvc::halide {
namespace {

/// Vectorises the innermost dimension and spreads the outer ones over cores.
std::string scheduleElementwise(Func f, const std::vector<Var> &vars,
                                const std::vector<int64_t> &shape,
                                const Halide::Target &target) {
  if (shape.empty())
    return "scalar";
  int vector = vectorWidthFor(shape[0], target);
  if (vector > 1)
    f.vectorize(vars[0], vector, Halide::TailStrategy::GuardWithIf);
  if (vars.size() >= 3) {
    Var outer("outer");
    f.fuse(vars[vars.size() - 2], vars.back(), outer).parallel(outer);
  } else if (vars.size() == 2) {
    f.parallel(vars[1]);
  }
  return "vector=" + std::to_string(vector) + " parallel=outer";
}

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

} // namespace

FailureOr<Kernel> lowerUnary(Operation *op, const Halide::Target &target) {
  Value operand = op->getOperand(0);
  std::vector<int64_t> shape = halideShape(operand);
  Halide::ImageParam input = makeInput(operand, "input");
  std::vector<Var> vars = makeVars(shape.size());
  Expr x = input(asExprs(vars));
  Expr y;
  if (llvm::isa<cv::ReluOp>(op))
    y = Halide::max(x, 0.0f);
  else if (llvm::isa<cv::TanhOp>(op))
    y = Halide::tanh(x);
  else if (llvm::isa<cv::SigmoidOp>(op))
    y = 1.0f / (1.0f + Halide::exp(-x));
  else
    return op->emitOpError() << "has no elementwise lowering";
  Func result(op->getName().stripDialect().str());
  result(vars) = y;
  std::string schedule = scheduleElementwise(result, vars, shape, target);
  return finishKernel(op, result, {input}, schedule, 0);
}

Kernel lowerCopy(Value source, const Halide::Target &target) {
  std::vector<int64_t> shape = halideShape(source);
  Halide::ImageParam input = makeInput(source, "input");
  std::vector<Var> vars = makeVars(shape.size());
  Func result("copy");
  result(vars) = input(asExprs(vars));
  std::string schedule = scheduleElementwise(result, vars, shape, target);
  return makeKernel("copy", {source}, source, result, {input}, schedule, 0);
}

FailureOr<Kernel> lowerAdd(cv::AddOp op, const Halide::Target &target) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  std::vector<Var> vars = makeVars(shape.size());
  Halide::ImageParam lhs = makeInput(op.getLhs(), "lhs"), rhs = makeInput(op.getRhs(), "rhs");
  Func result("add");
  result(vars) = lhs(broadcastIndex(halideShape(op.getLhs()), shape, vars)) +
                 rhs(broadcastIndex(halideShape(op.getRhs()), shape, vars));
  std::string schedule = scheduleElementwise(result, vars, shape, target);
  return finishKernel(op, result, {lhs, rhs}, schedule, 0);
}

} // namespace cvc::halide
