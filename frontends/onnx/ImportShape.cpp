//===- ImportShape.cpp - Flatten, Reshape, Identity, Dropout, Constant, Pad ===//
//
// Shape ops become cv.reshape (a view at run time) or disappear. Integer
// tensors — shapes and pads — are compile-time values here, never cv values.
//
//===----------------------------------------------------------------------===//
#include "ImportContext.h"


using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

int64_t product(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

LogicalResult emitReshape(ImportContext &ic, Value x, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, ic.builder.getF32Type());
  auto y = ic.builder.create<cv::ReshapeOp>(ic.loc(), type, x);
  Value result = y;
  // The verifier explains an impossible reshape (element counts, batch).
  if (failed(ic.verifyCreated(y)))
    return failure();
  ic.setOutput(0, result);
  return success();
}

LogicalResult importFlatten(ImportContext &ic) {
  if (failed(ic.checkAttrs({"axis"})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  int64_t rank = type.getRank();
  FailureOr<int64_t> normalized = ic.axisAttr("axis", 1, rank, /*allowRank=*/true);
  if (failed(normalized))
    return failure();
  int64_t axis = *normalized;
  ArrayRef<int64_t> dims = type.getShape();
  bool dynamicBatch = rank > 0 && type.isDynamicDim(0);
  if (dynamicBatch && axis != 1)
    return ic.fail("flattening at axis " + std::to_string(axis) +
                   " with a dynamic batch is not supported (it would merge the batch into another "
                   "dimension); fix the batch with --input-shape");
  int64_t outer = dynamicBatch ? kDyn : product(dims.take_front(axis));
  return emitReshape(ic, *x, {outer, product(dims.drop_front(axis))});
}

LogicalResult importReshape(ImportContext &ic) {
  if (failed(ic.checkAttrs({"allowzero"})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto target = ic.intConstant(1);
  if (!target)
    return ic.fail("the target shape must be a constant (computed shapes are not supported yet)");
  auto type = llvm::cast<RankedTensorType>(x->getType());
  ArrayRef<int64_t> in = type.getShape();
  bool allowZero = ic.intAttr("allowzero", 0) != 0;
  bool dynamicBatch = type.getRank() > 0 && type.isDynamicDim(0);
  std::vector<int64_t> shape(target->begin(), target->end());
  int inferred = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowZero) {
      if (i >= in.size())
        return ic.fail("shape value 0 at position " + std::to_string(i) +
                       " copies a dimension the input does not have");
      shape[i] = in[i];
    } else if (shape[i] == -1) {
      if (inferred >= 0)
        return ic.fail("the target shape has more than one -1");
      inferred = static_cast<int>(i);
    } else if (shape[i] < 0) {
      return ic.fail("invalid target dimension " + std::to_string(shape[i]));
    }
  }
  // A dynamic batch must stay the leading dimension: either copied (0) or
  // inferred (-1) with the remaining dimensions fixed.
  if (dynamicBatch) {
    if (!shape.empty() && shape[0] == kDyn) {
      if (inferred >= 0) {
        int64_t known = product(ArrayRef<int64_t>(shape).drop_front());
        int64_t total = product(in.drop_front());
        if (known == 0 || total % (known / -1 * -1) != 0)
          return ic.fail("cannot infer the -1 dimension");
        shape[inferred] = total / -known;
      }
    } else if (inferred == 0) {
      shape[0] = kDyn;
      if (product(ArrayRef<int64_t>(shape).drop_front()) != product(in.drop_front()))
        return ic.fail("a target shape that moves the dynamic batch is not supported; "
                       "fix the batch with --input-shape");
    } else {
      return ic.fail("a target shape that fixes the dynamic batch dimension is not supported; "
                     "fix the batch with --input-shape");
    }
  } else if (inferred >= 0) {
    int64_t known = 1;
    for (size_t i = 0; i < shape.size(); ++i)
      if (static_cast<int>(i) != inferred)
        known *= shape[i];
    int64_t total = product(in);
    if (known == 0 || total % known != 0)
      return ic.fail("cannot infer the -1 dimension");
    shape[inferred] = total / known;
  }
  return emitReshape(ic, *x, shape);
}

LogicalResult importIdentity(ImportContext &ic) {
  if (ic.node->op_type() == "Dropout") {
    if (failed(ic.checkAttrs({"ratio", "is_test", "seed"})))
      return failure();
    if (ic.intConstant(2) && !ic.intConstant(2)->empty() && (*ic.intConstant(2))[0] != 0)
      return ic.fail("training-mode dropout is not supported");
    if (ic.node->output_size() > 1 && !ic.node->output(1).empty())
      return ic.fail("the mask output of Dropout is not supported");
  } else if (failed(ic.checkAttrs({}))) {
    return failure();
  }
  const std::string &in = ic.node->input(0);
  if (auto it = ic.values.find(in); it != ic.values.end()) {
    ic.setOutput(0, it->second);
  } else if (auto ints = ic.intConstant(0)) {
    ic.setOutputInts(0, *ints);
  } else if (auto floats = ic.floatConstant(0)) {
    // Exporters alias shared initializers through Identity; keep them
    // compile-time constants so that layers can still treat them as weights.
    ic.floatValues[ic.node->output(0)] = std::move(*floats);
  } else {
    auto x = ic.input(0);
    if (failed(x))
      return failure();
    ic.setOutput(0, *x);
  }
  return success();
}

LogicalResult importConstant(ImportContext &ic) {
  if (failed(ic.checkAttrs({"value", "value_float", "value_floats", "value_int", "value_ints"})))
    return failure();
  const std::string &out = ic.node->output(0);
  if (const onnx::TensorProto *t = ic.tensorAttr("value")) {
    if (isIntTensor(*t)) {
      ic.intValues[out] = readIntTensor(*t);
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

/// Only the no-op Pad that PyTorch emits before some poolings is supported so far.
LogicalResult importPad(ImportContext &ic) {
  if (failed(ic.checkAttrs({"mode", "pads", "value"})))
    return failure();
  std::vector<int64_t> pads = ic.opset < 11 ? ic.intsAttr("pads") : std::vector<int64_t>{};
  if (ic.opset >= 11) {
    auto p = ic.intConstant(1);
    if (!p)
      return ic.fail("computed (non-constant) pads are not supported");
    pads = *p;
  }
  for (int64_t p : pads)
    if (p != 0)
      return ic.fail("non-zero padding is not supported yet (only all-zero Pad)");
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  ic.setOutput(0, *x);
  return success();
}

/// Channel concatenation of activations, or of compile-time integer vectors
/// (the shape arithmetic exporters emit).
LogicalResult importConcat(ImportContext &ic) {
  if (failed(ic.checkAttrs({"axis"})))
    return failure();
  bool allInts = true;
  for (int i = 0; i < ic.node->input_size(); ++i)
    allInts &= ic.intConstant(i).has_value();
  if (allInts) {
    std::vector<int64_t> joined;
    for (int i = 0; i < ic.node->input_size(); ++i) {
      auto part = *ic.intConstant(i);
      joined.insert(joined.end(), part.begin(), part.end());
    }
    ic.setOutputInts(0, std::move(joined));
    return success();
  }
  SmallVector<Value> inputs;
  for (int i = 0; i < ic.node->input_size(); ++i) {
    auto v = ic.input(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  int64_t rank = llvm::cast<RankedTensorType>(inputs.front().getType()).getRank();
  FailureOr<int64_t> axis = ic.axisAttr("axis", 1, rank);
  if (failed(axis))
    return failure();
  return ic.bind(0, ic.create<cv::ConcatOp>(inputs, ic.builder.getI64IntegerAttr(*axis)));
}

} // namespace

void addShapeImports(std::map<std::string, ImportFn> &table) {
  table["Flatten"] = importFlatten;
  table["Reshape"] = importReshape;
  table["Identity"] = importIdentity;
  table["Dropout"] = importIdentity;
  table["Constant"] = importConstant;
  table["Pad"] = importPad;
  table["Concat"] = importConcat;
}

} // namespace cvc::onnx_frontend
