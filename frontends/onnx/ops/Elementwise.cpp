//===- Elementwise.cpp - activations and arithmetic ---------------------===//
#include "ExportContext.h"
#include "OpTable.h"
#include "ImportContext.h"
#include "IntTensor.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

template <typename OpT> LogicalResult importUnary(ImportContext &ic) {
  // Opsets before 6 carried `consumed_inputs`; nothing else is allowed.
  if (failed(ic.checkAttrs({})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  return ic.bind(0, ic.create<OpT>(*x));
}

/// Integer operands are exporters' shape arithmetic, folded at compile time.
enum class IntArith { none, add, sub, mul, div };

LogicalResult foldIntBinary(ImportContext &ic, IntArith arith) {
  IntTensor a{*ic.intConstant(0), ic.intShape(0)}, b{*ic.intConstant(1), ic.intShape(1)};
  bool divideByZero = false;
  auto result = broadcastInts(a, b, [&](int64_t x, int64_t y) -> int64_t {
    switch (arith) {
    case IntArith::add:
      return x + y;
    case IntArith::sub:
      return x - y;
    case IntArith::mul:
      return x * y;
    default:
      if (y == 0) {
        divideByZero = true;
        return 0;
      }
      return x / y; // ONNX integer division truncates, as C++ does
    }
  });
  if (!result)
    return ic.fail("integer operands of shapes that do not broadcast");
  if (divideByZero)
    return ic.fail("integer division by zero in shape arithmetic");
  ic.setOutputInts(0, result->values, result->shape);
  return success();
}

template <typename OpT, IntArith arith = IntArith::none>
LogicalResult importBinary(ImportContext &ic) {
  // Opsets < 7 had explicit `broadcast`/`axis`; 7+ broadcast like numpy.
  if (failed(ic.checkAttrs({})))
    return failure();
  if (arith != IntArith::none && ic.intConstant(0) && ic.intConstant(1))
    return foldIntBinary(ic, arith);
  auto a = ic.input(0);
  auto b = ic.input(1);
  if (failed(a) || failed(b))
    return failure();
  return ic.bind(0, ic.create<OpT>(*a, *b));
}

/// Before opset 7, a 1-D slope of C values applies per channel; from 7 on,
/// the slope broadcasts like numpy.
LogicalResult importPRelu(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  auto slope = ic.floatConstant(1);
  if (ic.opset < 7 && slope && slope->shape.size() == 1 && type.getRank() > 2 &&
      slope->shape[0] == type.getDimSize(1)) {
    slope->shape.resize(type.getRank() - 1, 1);
    std::string base = ic.node->name().empty() ? ic.node->output(0) : ic.node->name();
    return ic.bind(0, ic.create<cv::PReluOp>(*x, ic.makeConstant(*slope, base + ".slope")));
  }
  auto s = ic.input(1);
  if (failed(s))
    return failure();
  return ic.bind(0, ic.create<cv::PReluOp>(*x, *s));
}

/// Sum, Max, Min of any number of operands, as a chain of binary ops.
template <typename OpT> LogicalResult importVariadic(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  auto total = ic.input(0);
  for (int i = 1; succeeded(total) && i < ic.node->input_size(); ++i) {
    auto next = ic.input(i);
    if (failed(next))
      return failure();
    total = ic.create<OpT>(*total, *next);
  }
  return ic.bind(0, total);
}

/// Clip's bounds are attributes before opset 11 and optional constant inputs after.
LogicalResult importClip(ImportContext &ic) {
  if (failed(ic.checkAttrs({"min", "max"})))
    return failure();
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (ic.opset < 11) {
    lo = ic.floatAttr("min", lo);
    hi = ic.floatAttr("max", hi);
  } else {
    for (int i : {1, 2}) {
      if (!ic.hasInput(i))
        continue;
      auto bound = ic.floatConstant(i);
      if (!bound || bound->data.size() != 1)
        return ic.fail("non-constant or non-scalar Clip bounds are not supported");
      (i == 1 ? lo : hi) = bound->data[0];
    }
  }
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  OpBuilder &b = ic.builder;
  return ic.bind(0, ic.create<cv::ClipOp>(*x, b.getF32FloatAttr(lo), b.getF32FloatAttr(hi)));
}

/// An activation whose float attributes map one to one onto the cv op's.
template <typename OpT>
LogicalResult importParamUnary(ImportContext &ic,
                               std::initializer_list<std::pair<llvm::StringRef, float>> params) {
  std::vector<llvm::StringRef> names;
  for (const auto &p : params)
    names.push_back(p.first);
  for (const auto &a : ic.node->attribute())
    if (llvm::find(names, a.name()) == names.end())
      return ic.fail("attribute '" + a.name() + "' is not supported");
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  SmallVector<Attribute> values;
  for (const auto &[name, def] : params)
    values.push_back(ic.builder.getF32FloatAttr(ic.floatAttr(name, def)));
  if constexpr (std::is_same_v<OpT, cv::HardSigmoidOp>)
    return ic.bind(0, ic.create<OpT>(*x, llvm::cast<FloatAttr>(values[0]),
                                     llvm::cast<FloatAttr>(values[1])));
  else
    return ic.bind(0, ic.create<OpT>(*x, llvm::cast<FloatAttr>(values[0])));
}

} // namespace

namespace {

LogicalResult exportClip(ExportContext &ex) {
  auto clip = llvm::cast<cv::ClipOp>(ex.op);
  std::string base = ExportContext::baseName(ex.op);
  std::string lo = ex.floatScalar(base + ".min", clip.getMin().convertToFloat());
  std::string hi = ex.floatScalar(base + ".max", clip.getMax().convertToFloat());
  ex.node({ex.nameOf(clip.getInput()), lo, hi});
  return success();
}

template <typename OpT> LogicalResult exportAlpha(ExportContext &ex) {
  setFloat(ex.node(), "alpha", llvm::cast<OpT>(ex.op).getAlpha().convertToFloat());
  return success();
}

/// The op's result, by a last node of `type`.
LogicalResult finishGraph(ExportContext &ex, const std::string &type,
                          std::vector<std::string> inputs) {
  ex.type = type;
  ex.node(std::move(inputs));
  return success();
}

// The activations ONNX 1.12 has no op for, written as PyTorch writes them.

/// Swish (nn.SiLU): x * Sigmoid(x).
LogicalResult exportSwish(ExportContext &ex) {
  std::string x = ex.nameOf(ex.op->getOperand(0));
  return finishGraph(ex, "Mul", {x, ex.innerNode("Sigmoid", {x}, "sigmoid")});
}

/// GELU: (x * (Erf(x / sqrt(2)) + 1)) * 0.5.
LogicalResult exportGelu(ExportContext &ex) {
  std::string x = ex.nameOf(ex.op->getOperand(0));
  std::string base = ExportContext::baseName(ex.op);
  std::string scaled =
      ex.innerNode("Div", {x, ex.floatScalar(base + "_sqrt2", std::sqrt(2.0f))}, "div");
  std::string erf = ex.innerNode("Erf", {scaled}, "erf");
  std::string plusOne = ex.innerNode("Add", {erf, ex.floatScalar(base + "_one", 1.0f)}, "add");
  std::string product = ex.innerNode("Mul", {x, plusOne}, "mul");
  return finishGraph(ex, "Mul", {product, ex.floatScalar(base + "_half", 0.5f)});
}

/// Mish (nn.Mish): x * Tanh(Softplus(x)).
LogicalResult exportMish(ExportContext &ex) {
  std::string x = ex.nameOf(ex.op->getOperand(0));
  std::string softplus = ex.innerNode("Softplus", {x}, "softplus");
  return finishGraph(ex, "Mul", {x, ex.innerNode("Tanh", {softplus}, "tanh")});
}

LogicalResult exportHardSigmoid(ExportContext &ex) {
  auto op = llvm::cast<cv::HardSigmoidOp>(ex.op);
  onnx::NodeProto &n = ex.node();
  setFloat(n, "alpha", op.getAlpha().convertToFloat());
  setFloat(n, "beta", op.getBeta().convertToFloat());
  return success();
}

} // namespace

void addElementwiseOps(OnnxOpTable &t) {
  t.maps<cv::ReluOp>("Relu", importUnary<cv::ReluOp>, exportPlain);
  t.maps<cv::TanhOp>("Tanh", importUnary<cv::TanhOp>, exportPlain);
  t.maps<cv::SigmoidOp>("Sigmoid", importUnary<cv::SigmoidOp>, exportPlain);
  t.maps<cv::AddOp>("Add", importBinary<cv::AddOp, IntArith::add>, exportPlain);
  t.maps<cv::SubOp>("Sub", importBinary<cv::SubOp, IntArith::sub>, exportPlain);
  t.maps<cv::MulOp>("Mul", importBinary<cv::MulOp, IntArith::mul>, exportPlain);
  t.maps<cv::DivOp>("Div", importBinary<cv::DivOp, IntArith::div>, exportPlain);
  t.imports("Sum", importVariadic<cv::AddOp>);
  t.maps<cv::MaxOp>("Max", importVariadic<cv::MaxOp>, exportPlain);
  t.maps<cv::MinOp>("Min", importVariadic<cv::MinOp>, exportPlain);
  t.maps<cv::PReluOp>("PRelu", importPRelu, exportPlain);
  t.maps<cv::PowOp>("Pow", importBinary<cv::PowOp>, exportPlain);
  t.maps<cv::AbsOp>("Abs", importUnary<cv::AbsOp>, exportPlain);
  t.maps<cv::NegOp>("Neg", importUnary<cv::NegOp>, exportPlain);
  t.maps<cv::ExpOp>("Exp", importUnary<cv::ExpOp>, exportPlain);
  t.maps<cv::LogOp>("Log", importUnary<cv::LogOp>, exportPlain);
  t.maps<cv::SqrtOp>("Sqrt", importUnary<cv::SqrtOp>, exportPlain);
  t.maps<cv::ReciprocalOp>("Reciprocal", importUnary<cv::ReciprocalOp>, exportPlain);
  t.maps<cv::FloorOp>("Floor", importUnary<cv::FloorOp>, exportPlain);
  t.maps<cv::CeilOp>("Ceil", importUnary<cv::CeilOp>, exportPlain);
  t.maps<cv::SoftplusOp>("Softplus", importUnary<cv::SoftplusOp>, exportPlain);
  t.mapsSince<cv::HardSwishOp>(14, "HardSwish", importUnary<cv::HardSwishOp>, exportPlain);
  t.maps<cv::ErfOp>("Erf", importUnary<cv::ErfOp>, exportPlain);
  t.exportsAsGraph<cv::SwishOp>(exportSwish);
  t.exportsAsGraph<cv::GeluOp>(exportGelu);
  t.exportsAsGraph<cv::MishOp>(exportMish);
  t.maps<cv::ClipOp>("Clip", importClip, exportClip);
  t.maps<cv::LeakyReluOp>(
      "LeakyRelu",
      [](ImportContext &ic) { return importParamUnary<cv::LeakyReluOp>(ic, {{"alpha", 0.01f}}); },
      exportAlpha<cv::LeakyReluOp>);
  t.maps<cv::EluOp>(
      "Elu", [](ImportContext &ic) { return importParamUnary<cv::EluOp>(ic, {{"alpha", 1.0f}}); },
      exportAlpha<cv::EluOp>);
  t.maps<cv::HardSigmoidOp>(
      "HardSigmoid",
      [](ImportContext &ic) {
        return importParamUnary<cv::HardSigmoidOp>(ic, {{"alpha", 0.2f}, {"beta", 0.5f}});
      },
      exportHardSigmoid);
}

} // namespace cvc::onnx_frontend
