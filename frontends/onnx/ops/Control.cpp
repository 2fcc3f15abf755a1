//===- Control.cpp - If on a compile-time condition, shape comparisons ---===//
//
// Exporters branch on shapes: PyTorch's LocalResponseNorm squeezes a
// dimension behind an If whose condition compares a dimension it already
// knows. Such conditions, and the comparisons and logic on integer shape
// tensors that compute them, fold at compile time; the nodes of the branch
// taken are then imported in the If's place, as if written inline. A
// condition computed from the data is refused, naming the node.
//
//===----------------------------------------------------------------------===//
#include "OpTable.h"
#include "ImportContext.h"
#include "IntTensor.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

LogicalResult importIf(ImportContext &ic) {
  if (failed(ic.checkAttrs({"then_branch", "else_branch"})))
    return failure();
  std::optional<std::vector<int64_t>> cond = ic.intConstant(0);
  if (!cond)
    return ic.fail("an If whose condition is computed from the data at run time is not "
                   "supported; only conditions known at compile time (tests on shapes) are");
  if (cond->size() != 1)
    return ic.fail("its condition has " + std::to_string(cond->size()) + " elements, not one");
  const onnx::GraphProto *branch = ic.graphAttr((*cond)[0] ? "then_branch" : "else_branch");
  if (!branch)
    return ic.fail("it has no then_branch or else_branch graph");
  const onnx::NodeProto *node = ic.node;
  if (branch->output_size() != node->output_size())
    return ic.fail("its branch has " + std::to_string(branch->output_size()) +
                   " outputs, the If " + std::to_string(node->output_size()));
  const OnnxOpTable &table = onnxOpTable();
  for (const onnx::NodeProto &inner : branch->node()) {
    const OnnxOpRule *rule = table.importRule(inner.op_type());
    if (!rule) {
      LogicalResult refused =
          ic.fail("its taken branch holds node '" + inner.name() + "' of unsupported operator '" +
                  inner.op_type() + "'");
      return refused;
    }
    ic.node = &inner;
    LogicalResult imported = rule->import(ic);
    ic.node = node;
    if (failed(imported))
      return failure();
  }
  for (int i = 0; i < node->output_size(); ++i)
    if (!ic.alias(i, branch->output(i).name()))
      return ic.fail("its branch's output '" + branch->output(i).name() + "' is never computed");
  return success();
}

/// Integer (and boolean, as 0 or 1) operands of comparisons and logic are
/// shape tests, folded; a test of the dynamic batch cannot be. Float
/// operands compare at run time into a float mask (`kind`; logic has none).
template <typename F>
LogicalResult importCompare(ImportContext &ic, F f,
                            std::optional<cv::CompareKind> kind = std::nullopt) {
  if (failed(ic.checkAttrs({})))
    return failure();
  std::optional<std::vector<int64_t>> a = ic.intConstant(0), b = ic.intConstant(1);
  if ((!a || !b) && kind) {
    auto lhs = ic.input(0), rhs = ic.input(1);
    if (failed(lhs) || failed(rhs))
      return failure();
    return ic.bind(0, ic.create<cv::CompareOp>(
                          *lhs, *rhs, cv::CompareKindAttr::get(ic.builder.getContext(), *kind)));
  }
  if (!a || !b)
    return ic.fail("logic on run-time values is not supported; only on boolean shape tests "
                   "known at compile time");
  // A test of the dynamic batch folds when it comes out the same for every
  // batch size (N == -1 is false, N >= 1 true: exporters write such tests
  // to replace -1 in shapes); otherwise only the run time could decide.
  bool undetermined = false;
  auto compare = [&](int64_t x, int64_t y) -> int64_t {
    if (x != kDyn && y != kDyn)
      return f(x, y) ? 1 : 0;
    // Only the batch varies; every change of the result happens next to
    // the other operand, so these samples cover every case.
    int64_t other = x == kDyn ? y : x;
    std::vector<int64_t> samples = {1, int64_t(1) << 31};
    if (other != kDyn)
      for (int64_t near : {other - 1, other, other + 1})
        if (near >= 1)
          samples.push_back(near);
    auto at = [&](int64_t n) { return f(x == kDyn ? n : x, y == kDyn ? n : y); };
    bool first = at(samples.front());
    for (int64_t n : samples)
      undetermined |= at(n) != first;
    return first ? 1 : 0;
  };
  auto result = broadcastInts(IntTensor{*a, ic.intShape(0)}, IntTensor{*b, ic.intShape(1)},
                              compare);
  if (!result)
    return ic.fail("integer operands of shapes that do not broadcast");
  if (undetermined)
    return ic.fail("a test of the dynamic batch dimension whose outcome depends on the batch "
                   "size (known only at run time) is not supported");
  ic.setOutputInts(0, result->values, result->shape);
  return success();
}

LogicalResult importNot(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  std::optional<std::vector<int64_t>> a = ic.intConstant(0);
  if (!a)
    return ic.fail("Not on run-time values is not supported; only on boolean shape tests known "
                   "at compile time");
  std::vector<int64_t> out;
  for (int64_t v : *a)
    out.push_back(v == 0 ? 1 : 0);
  ic.setOutputInts(0, out, ic.intShape(0));
  return success();
}

/// A condition known at compile time (a mask of shape tests, or booleans
/// in an initializer) is a float constant of 0 and 1.
LogicalResult importWhere(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  std::optional<std::vector<int64_t>> mask = ic.intConstant(0);
  std::optional<std::vector<int64_t>> a = ic.intConstant(1), b = ic.intConstant(2);
  if (mask && a && b) {
    // Shape arithmetic (a shape with -1 replaced by 1 before an Expand).
    IntTensor m{*mask, ic.intShape(0)}, x{*a, ic.intShape(1)}, y{*b, ic.intShape(2)};
    auto first = [](int64_t v, int64_t) { return v; };
    std::optional<IntTensor> full = broadcastInts(m, x, first);
    if (full)
      full = broadcastInts(*full, y, first);
    std::optional<IntTensor> mf, xf, yf;
    if (full) {
      mf = broadcastInts(m, *full, first);
      xf = broadcastInts(x, *full, first);
      yf = broadcastInts(y, *full, first);
    }
    if (!full || mf->shape != full->shape || xf->shape != full->shape ||
        yf->shape != full->shape)
      return ic.fail("integer operands of shapes that do not broadcast");
    std::vector<int64_t> out(full->values.size());
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = mf->values[i] ? xf->values[i] : yf->values[i];
    ic.setOutputInts(0, out, full->shape);
    return success();
  }
  FailureOr<Value> condition = failure();
  if (mask) {
    FloatConstant c;
    c.shape = ic.intShape(0);
    for (int64_t v : *mask)
      c.data.push_back(v ? 1.0f : 0.0f);
    condition = ic.makeConstant(c, ic.node->input(0));
  } else {
    condition = ic.input(0);
  }
  auto lhs = ic.input(1), rhs = ic.input(2);
  if (failed(condition) || failed(lhs) || failed(rhs))
    return failure();
  return ic.bind(0, ic.create<cv::WhereOp>(*condition, *lhs, *rhs));
}

/// Range on integer shape values (start, limit, delta), folded.
LogicalResult importRange(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  std::optional<std::vector<int64_t>> start = ic.intConstant(0), limit = ic.intConstant(1),
                                      delta = ic.intConstant(2);
  if (!start || !limit || !delta || start->size() != 1 || limit->size() != 1 ||
      delta->size() != 1)
    return ic.fail("a Range not of integer scalars known at compile time is not supported");
  int64_t s = (*start)[0], l = (*limit)[0], d = (*delta)[0];
  if (d == 0)
    return ic.fail("Range with a delta of 0");
  if (s == kDyn || l == kDyn)
    return ic.fail("a Range over the dynamic batch is not supported");
  std::vector<int64_t> values;
  // 128-bit, so that stepping past a limit near the int64 range cannot wrap.
  for (__int128 v = s; d > 0 ? v < l : v > l; v += d) {
    if (static_cast<int64_t>(values.size()) >= kMaxFoldedIntegers)
      return ic.fail("a Range of more than " + std::to_string(kMaxFoldedIntegers) + " values");
    values.push_back(static_cast<int64_t>(v));
  }
  ic.setOutputInts(0, values);
  return success();
}

} // namespace

void addControlOps(OnnxOpTable &t) {
  t.imports("Range", importRange);
  t.imports("If", importIf);
  using K = cv::CompareKind;
  t.imports("Equal", [](ImportContext &ic) {
    return importCompare(ic, [](int64_t x, int64_t y) { return x == y; }, K::equal);
  });
  t.imports("Greater", [](ImportContext &ic) {
    return importCompare(ic, [](int64_t x, int64_t y) { return x > y; }, K::greater);
  });
  t.imports("Less", [](ImportContext &ic) {
    return importCompare(ic, [](int64_t x, int64_t y) { return x < y; }, K::less);
  });
  t.imports("GreaterOrEqual", [](ImportContext &ic) {
    return importCompare(ic, [](int64_t x, int64_t y) { return x >= y; }, K::greater_equal);
  });
  t.imports("LessOrEqual", [](ImportContext &ic) {
    return importCompare(ic, [](int64_t x, int64_t y) { return x <= y; }, K::less_equal);
  });
  t.imports("And", [](ImportContext &ic) {
    return importCompare(ic, [](int64_t x, int64_t y) { return x && y; });
  });
  t.imports("Or", [](ImportContext &ic) {
    return importCompare(ic, [](int64_t x, int64_t y) { return x || y; });
  });
  t.imports("Xor", [](ImportContext &ic) {
    return importCompare(ic, [](int64_t x, int64_t y) { return (x != 0) != (y != 0); });
  });
  t.imports("Not", importNot);
  t.imports("Where", importWhere);
}

} // namespace cvc::onnx_frontend
