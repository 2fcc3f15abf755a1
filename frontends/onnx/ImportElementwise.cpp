//===- ImportElementwise.cpp - activations and arithmetic ---------------===//
#include "ImportContext.h"
#include "IntTensor.h"

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

void addElementwiseImports(std::map<std::string, ImportFn> &table) {
  table["Relu"] = importUnary<cv::ReluOp>;
  table["Tanh"] = importUnary<cv::TanhOp>;
  table["Sigmoid"] = importUnary<cv::SigmoidOp>;
  table["Add"] = importBinary<cv::AddOp, IntArith::add>;
  table["Sub"] = importBinary<cv::SubOp, IntArith::sub>;
  table["Mul"] = importBinary<cv::MulOp, IntArith::mul>;
  table["Div"] = importBinary<cv::DivOp, IntArith::div>;
  table["Sum"] = importVariadic<cv::AddOp>;
  table["Max"] = importVariadic<cv::MaxOp>;
  table["Min"] = importVariadic<cv::MinOp>;
  table["PRelu"] = importPRelu;
  table["Pow"] = importBinary<cv::PowOp>;
  table["Abs"] = importUnary<cv::AbsOp>;
  table["Neg"] = importUnary<cv::NegOp>;
  table["Exp"] = importUnary<cv::ExpOp>;
  table["Log"] = importUnary<cv::LogOp>;
  table["Sqrt"] = importUnary<cv::SqrtOp>;
  table["Reciprocal"] = importUnary<cv::ReciprocalOp>;
  table["Floor"] = importUnary<cv::FloorOp>;
  table["Ceil"] = importUnary<cv::CeilOp>;
  table["Softplus"] = importUnary<cv::SoftplusOp>;
  table["Clip"] = importClip;
  table["LeakyRelu"] = [](ImportContext &ic) {
    return importParamUnary<cv::LeakyReluOp>(ic, {{"alpha", 0.01f}});
  };
  table["Elu"] = [](ImportContext &ic) { return importParamUnary<cv::EluOp>(ic, {{"alpha", 1.0f}}); };
  table["HardSigmoid"] = [](ImportContext &ic) {
    return importParamUnary<cv::HardSigmoidOp>(ic, {{"alpha", 0.2f}, {"beta", 0.5f}});
  };
}

} // namespace cvc::onnx_frontend
