//===- Constant.cpp - Constant, ConstantOfShape, Shape, Cast ------------===//
//
// Compile-time values: float constants become weights when used; integer
// tensors (shapes, axes, pads) stay host values that the shape ops fold.
//
//===----------------------------------------------------------------------===//
#include "OpTable.h"
#include "ImportContext.h"
#include "IntTensor.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

LogicalResult importConstant(ImportContext &ic) {
  if (failed(ic.checkAttrs({"value", "value_float", "value_floats", "value_int", "value_ints"})))
    return failure();
  const std::string &out = ic.node->output(0);
  if (const onnx::TensorProto *t = ic.tensorAttr("value")) {
    if (isIntTensor(*t)) {
      ic.intValues[out] = readIntTensor(*t);
      ic.intShapes[out].assign(t->dims().begin(), t->dims().end());
      return success();
    }
    FloatConstant c;
    std::string error;
    if (failed(ic.readFloatTensor(*t, c, error)))
      return ic.fail(error);
    ic.floatValues[out] = std::move(c);
    return success();
  }
  if (ic.hasAttr("value_float")) {
    ic.floatValues[out] = FloatConstant{{}, {ic.floatAttr("value_float", 0)}};
  } else if (ic.hasAttr("value_int")) {
    ic.intValues[out] = {ic.intAttr("value_int", 0)};
  } else if (ic.hasAttr("value_ints")) {
    ic.intValues[out] = ic.intsAttr("value_ints");
  } else {
    return ic.fail("this form of Constant is not supported");
  }
  return success();
}

/// The shape of a tensor as a compile-time vector; a dynamic batch reads as
/// kDyn, which a following Reshape keeps as the dynamic batch.
LogicalResult importShape(ImportContext &ic) {
  if (failed(ic.checkAttrs({"start", "end"})))
    return failure();
  std::vector<int64_t> shape;
  // PyTorch's exporter takes the shape of integer constants too (the pads
  // of F.pad, before constant folding).
  if (ic.intConstant(0)) {
    shape = ic.intShape(0);
  } else {
    auto x = ic.input(0);
    if (failed(x))
      return failure();
    auto dims = llvm::cast<RankedTensorType>(x->getType()).getShape();
    shape.assign(dims.begin(), dims.end());
  }
  int64_t rank = static_cast<int64_t>(shape.size());
  int64_t start = ic.intAttr("start", 0), end = ic.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  ic.setOutputInts(0, std::vector<int64_t>(shape.begin() + start,
                                           shape.begin() + std::max(start, end)));
  return success();
}

/// Cast between float types of the same width is the identity; integer
/// shape vectors stay compile-time values.
LogicalResult importCast(ImportContext &ic) {
  if (failed(ic.checkAttrs({"to", "saturate"})))
    return failure();
  int64_t to = ic.intAttr("to", 0);
  if (auto ints = ic.intConstant(0)) {
    if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32)
      return ic.fail("casting integer tensors to a non-integer type is not supported");
    ic.setOutputInts(0, *ints, ic.intShape(0));
    return success();
  }
  if (to != onnx::TensorProto::FLOAT)
    return ic.fail("casting float32 data to another type is not supported");
  // A constant stays a compile-time value for ops that need one (Clip bounds).
  if (auto constant = ic.floatConstant(0); constant && !ic.node->output(0).empty()) {
    ic.floatValues[ic.node->output(0)] = *constant;
    return success();
  }
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  ic.setOutput(0, *x);
  return success();
}

/// ConstantOfShape with a compile-time shape becomes a constant.
LogicalResult importConstantOfShape(ImportContext &ic) {
  if (failed(ic.checkAttrs({"value"})))
    return failure();
  auto shape = ic.intConstant(0);
  if (!shape)
    return ic.fail("a computed shape is not supported");
  for (int64_t d : *shape)
    if (d < 0)
      return ic.fail("a shape with a dynamic dimension is not supported");
  FailureOr<int64_t> count = ic.foldedCount(*shape);
  if (failed(count))
    return failure();
  const onnx::TensorProto *value = ic.tensorAttr("value");
  if (value && isIntTensor(*value)) {
    if (*count > kMaxFoldedIntegers)
      return ic.fail("an integer tensor of " + std::to_string(*count) +
                     " values is too large to fold at compile time");
    std::vector<int64_t> v = readIntTensor(*value);
    ic.setOutputInts(0, std::vector<int64_t>(*count, v.empty() ? 0 : v[0]));
    return success();
  }
  float fill = 0.0f;
  if (value) {
    FloatConstant c;
    std::string error;
    if (failed(ic.readFloatTensor(*value, c, error)) || c.data.size() != 1)
      return ic.fail(error.empty() ? "the value must hold one element" : error);
    fill = c.data[0];
  }
  ic.floatValues[ic.node->output(0)] = FloatConstant{*shape, std::vector<float>(*count, fill)};
  return success();
}

} // namespace

void addConstantOps(OnnxOpTable &t) {
  t.imports("Constant", importConstant);
  t.imports("ConstantOfShape", importConstantOfShape);
  t.imports("Shape", importShape);
  t.imports("Cast", importCast);
}

} // namespace cvc::onnx_frontend
