//===- Shape.cpp - reshapes, views and data movement --------------------===//
//
// Shape ops become cv.reshape (a view at run time) or disappear. Integer
// tensors — shapes and pads — are compile-time values here, never cv values.
//
//===----------------------------------------------------------------------===//
#include "ExportContext.h"
#include "OpTable.h"
#include "ImportContext.h"
#include "IntTensor.h"

#include <algorithm>


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

/// Input 0 as a compile-time integer tensor or an activation, with its shape
/// (kDyn for a dynamic batch): shape ops fold on the former and build views
/// or kernels on the latter from the same index arithmetic.
struct ShapedInput {
  std::optional<IntTensor> ints;
  Value value;
  std::vector<int64_t> shape;
};

FailureOr<ShapedInput> shapedInput(ImportContext &ic) {
  ShapedInput in;
  if (auto values = ic.intConstant(0)) {
    in.ints = IntTensor{*values, ic.intShape(0)};
    in.shape = in.ints->shape;
    return in;
  }
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  in.value = *x;
  auto type = llvm::cast<RankedTensorType>(x->getType());
  in.shape.assign(type.getShape().begin(), type.getShape().end());
  return in;
}

/// Binds output 0 to the input with a new shape: a view of an activation, or
/// the same integer values.
LogicalResult bindReshaped(ImportContext &ic, const ShapedInput &in, ArrayRef<int64_t> shape) {
  if (in.ints) {
    ic.setOutputInts(0, in.ints->values, std::vector<int64_t>(shape.begin(), shape.end()));
    return success();
  }
  return emitReshape(ic, in.value, shape);
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
  auto input = shapedInput(ic);
  if (failed(input))
    return failure();
  auto target = ic.intConstant(1);
  if (!target)
    return ic.fail("the target shape must be a constant (computed shapes are not supported yet)");
  ArrayRef<int64_t> in = input->shape;
  bool allowZero = ic.intAttr("allowzero", 0) != 0;
  bool dynamicBatch = !in.empty() && in[0] == kDyn;
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
    } else if (shape[i] == kDyn && i == 0 && dynamicBatch) {
      // The batch, read by a Shape node: stays the dynamic batch.
    } else if (shape[i] < 0) {
      return ic.fail(shape[i] == kDyn ? std::string("a target shape that moves the dynamic batch "
                                                    "is not supported; fix the batch with "
                                                    "--input-shape")
                                      : "invalid target dimension " + std::to_string(shape[i]));
    }
  }
  // The target's extents come from the file: bounded before any product.
  std::vector<int64_t> extents;
  for (int64_t d : shape)
    if (d > 0)
      extents.push_back(d);
  if (failed(ic.foldedCount(extents)))
    return failure();
  // A dynamic batch must stay the leading dimension: either copied (0) or
  // inferred (-1) with the remaining dimensions fixed.
  if (dynamicBatch) {
    if (!shape.empty() && shape[0] == kDyn) {
      if (inferred >= 0) {
        // The -1 being inferred is among the factors: negate it away.
        int64_t known = -product(ArrayRef<int64_t>(shape).drop_front());
        int64_t total = product(in.drop_front());
        if (known == 0 || total % known != 0)
          return ic.fail("cannot infer the -1 dimension");
        shape[inferred] = total / known;
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
  return bindReshaped(ic, *input, shape);
}

/// Dropout becomes cv.dropout (the identity at inference, a random mask in a
/// training step), with its ratio from the attribute (opset < 12) or the
/// constant second input. Its training_mode input is ignored: what cvc
/// compiles, inference or a training step, decides which behaviour runs
/// (PyTorch only exports Dropout nodes from a model in training mode).
LogicalResult importDropout(ImportContext &ic) {
  if (failed(ic.checkAttrs({"ratio", "is_test", "seed"})))
    return failure();
  // The mask output (which training-mode exports name) stays unbound; a
  // node or graph output reading it is refused.
  if (ic.node->output_size() > 1 && !ic.node->output(1).empty())
    ic.unsupportedValues[ic.node->output(1)] = "the mask output of Dropout is not supported";
  float ratio = ic.floatAttr("ratio", 0.5f);
  if (ic.hasInput(1)) {
    auto given = ic.floatConstant(1);
    if (!given || given->data.size() != 1) {
      // Inference does not need the ratio; a training step would, so the
      // model says why it cannot be trained.
      Operation *func = ic.builder.getInsertionBlock()->getParentOp();
      func->setAttr("cv.untrainable",
                    ic.builder.getStringAttr(nodeLabel(ic.file, *ic.node) +
                                             ": the dropout ratio is not a compile-time constant"));
      auto input = ic.input(0);
      if (failed(input))
        return failure();
      return ic.bind(0, *input);
    }
    ratio = given->data[0];
  }
  if (!(ratio >= 0.0f && ratio < 1.0f))
    return ic.fail("dropout ratio " + std::to_string(ratio) + " is outside [0, 1); it is not supported");
  auto input = ic.input(0);
  if (failed(input))
    return failure();
  return ic.bind(0, ic.create<cv::DropoutOp>(*input, ic.builder.getF32FloatAttr(ratio)));
}

LogicalResult importIdentity(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  const std::string &in = ic.node->input(0);
  if (auto it = ic.values.find(in); it != ic.values.end()) {
    ic.setOutput(0, it->second);
  } else if (auto ints = ic.intConstant(0)) {
    ic.setOutputInts(0, *ints, ic.intShape(0));
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

/// Pad in constant, reflect or edge mode; pads are an attribute before
/// opset 11 and a constant input (with an optional constant value) after.
LogicalResult importPad(ImportContext &ic) {
  if (failed(ic.checkAttrs({"mode", "pads", "value"})))
    return failure();
  std::optional<std::vector<int64_t>> pads;
  float value = 0.0f;
  if (ic.opset < 11) {
    pads = ic.intsAttr("pads");
    value = ic.floatAttr("value", 0.0f);
  } else {
    pads = ic.intConstant(1);
    if (ic.hasInput(2)) {
      auto v = ic.floatConstant(2);
      if (!v || v->data.size() != 1)
        return ic.fail("a non-constant or non-scalar pad value is not supported");
      value = v->data[0];
    }
    if (ic.hasInput(3))
      return ic.fail("the axes input of Pad is not supported");
  }
  if (!pads)
    return ic.fail("computed (non-constant) pads are not supported");
  std::string mode = ic.stringAttr("mode", "constant");
  cv::PadMode padMode;
  if (mode == "constant")
    padMode = cv::PadMode::constant;
  else if (mode == "reflect")
    padMode = cv::PadMode::reflect;
  else if (mode == "edge")
    padMode = cv::PadMode::edge;
  else
    return ic.fail("pad mode '" + mode + "' is not supported");
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  if (llvm::all_of(*pads, [](int64_t p) { return p == 0; })) {
    ic.setOutput(0, *x);
    return success();
  }
  OpBuilder &b = ic.builder;
  return ic.bind(0, ic.create<cv::PadOp>(*x, b.getDenseI64ArrayAttr(*pads),
                                         cv::PadModeAttr::get(b.getContext(), padMode),
                                         b.getF32FloatAttr(value)));
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
    std::vector<IntTensor> parts;
    for (int i = 0; i < ic.node->input_size(); ++i)
      parts.push_back(IntTensor{*ic.intConstant(i), ic.intShape(i)});
    FailureOr<int64_t> axis =
        ic.axisAttr("axis", 0, static_cast<int64_t>(parts.front().shape.size()));
    if (failed(axis))
      return failure();
    for (const IntTensor &p : parts)
      for (size_t d = 0; d < p.shape.size(); ++d)
        if (p.shape.size() != parts.front().shape.size() ||
            (static_cast<int64_t>(d) != *axis && p.shape[d] != parts.front().shape[d]))
          return ic.fail("operand shapes differ outside the concatenation axis");
    IntTensor joined = concatInts(parts, *axis);
    ic.setOutputInts(0, joined.values, joined.shape);
    return success();
  }
  // Float constants joined (Resize's scales as [1, 1] ++ [2, 2] when the
  // exporter does not fold) stay compile-time values for their consumers.
  bool allFloats = true;
  for (int i = 0; i < ic.node->input_size(); ++i)
    allFloats &= ic.floatConstant(i).has_value();
  if (allFloats && ic.node->input_size() > 0) {
    std::vector<FloatConstant> parts;
    for (int i = 0; i < ic.node->input_size(); ++i)
      parts.push_back(*ic.floatConstant(i));
    int64_t rank = static_cast<int64_t>(parts.front().shape.size());
    FailureOr<int64_t> axis = ic.axisAttr("axis", 0, rank);
    if (failed(axis))
      return failure();
    FloatConstant joined{parts.front().shape, {}};
    joined.shape[*axis] = 0;
    for (const FloatConstant &p : parts) {
      for (int64_t d = 0; d < rank; ++d)
        if (static_cast<int64_t>(p.shape.size()) != rank ||
            (d != *axis && p.shape[d] != parts.front().shape[d]))
          return ic.fail("operand shapes differ outside the concatenation axis");
      joined.shape[*axis] += p.shape[*axis];
    }
    int64_t outer = 1;
    for (int64_t d = 0; d < *axis; ++d)
      outer *= joined.shape[d];
    for (int64_t o = 0; o < outer; ++o)
      for (const FloatConstant &p : parts) {
        size_t run = outer ? p.data.size() / outer : 0;
        joined.data.insert(joined.data.end(), p.data.begin() + o * run,
                           p.data.begin() + (o + 1) * run);
      }
    ic.floatValues[ic.node->output(0)] = std::move(joined);
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
  return ic.bind(0, ic.create<cv::ConcatOp>(inputs, ic.builder.getI64IntegerAttr(*axis), UnitAttr()));
}

/// Axes from the `axes` attribute (older opsets) or the second input (newer).
std::optional<std::vector<int64_t>> axesOf(ImportContext &ic, size_t inputIndex) {
  if (ic.hasAttr("axes"))
    return ic.intsAttr("axes");
  if (ic.hasInput(inputIndex))
    return ic.intConstant(inputIndex);
  return std::vector<int64_t>{};
}

LogicalResult importSqueezeFamily(ImportContext &ic, bool squeeze) {
  if (failed(ic.checkAttrs({"axes"})))
    return failure();
  auto axes = axesOf(ic, 1);
  if (!axes)
    return ic.fail("computed (non-constant) axes are not supported");
  auto input = shapedInput(ic);
  if (failed(input))
    return failure();
  const std::vector<int64_t> &shape = input->shape;
  int64_t rank = static_cast<int64_t>(shape.size());
  int64_t outRank = squeeze ? rank - static_cast<int64_t>(axes->size())
                            : rank + static_cast<int64_t>(axes->size());
  std::vector<bool> marked(squeeze ? rank : outRank, false);
  for (int64_t a : *axes) {
    int64_t n = a < 0 ? a + static_cast<int64_t>(marked.size()) : a;
    if (n < 0 || n >= static_cast<int64_t>(marked.size()) || marked[n])
      return ic.fail("axis " + std::to_string(a) + " is out of range or repeated");
    marked[n] = true;
  }
  std::vector<int64_t> result;
  if (squeeze) {
    for (int64_t d = 0; d < rank; ++d) {
      bool drop = axes->empty() ? shape[d] == 1 : marked[d];
      if (drop && shape[d] != 1)
        return ic.fail("cannot squeeze dimension " + std::to_string(d) + " of extent " +
                       (ShapedType::isDynamic(shape[d]) ? std::string("?")
                                                        : std::to_string(shape[d])));
      if (!drop)
        result.push_back(shape[d]);
    }
  } else {
    for (int64_t d = 0, next = 0; d < outRank; ++d)
      result.push_back(marked[d] ? 1 : shape[next++]);
  }
  return bindReshaped(ic, *input, result);
}

LogicalResult importTranspose(ImportContext &ic) {
  if (failed(ic.checkAttrs({"perm"})))
    return failure();
  auto input = shapedInput(ic);
  if (failed(input))
    return failure();
  int64_t rank = static_cast<int64_t>(input->shape.size());
  std::vector<int64_t> perm = ic.intsAttr("perm");
  if (perm.empty())
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if (input->ints) {
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < rank; ++i)
      if (static_cast<int64_t>(sorted.size()) != rank || sorted[i] != i)
        return ic.fail("'perm' is not a permutation of the input's dimensions");
    IntTensor t = transposeInts(*input->ints, perm);
    ic.setOutputInts(0, t.values, t.shape);
    return success();
  }
  return ic.bind(0, ic.create<cv::TransposeOp>(input->value, ic.builder.getDenseI64ArrayAttr(perm)));
}

/// A unit-stride slice of one dimension: [start, start + size).
FailureOr<Value> sliceAxis(ImportContext &ic, Value x, int64_t axis, int64_t start, int64_t size) {
  auto type = llvm::cast<RankedTensorType>(x.getType());
  std::vector<int64_t> starts(type.getRank(), 0), sizes, steps(type.getRank(), 1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(type.isDynamicDim(d) ? -1 : type.getDimSize(d));
  starts[axis] = start;
  sizes[axis] = size;
  OpBuilder &b = ic.builder;
  return ic.create<cv::SliceOp>(x, b.getDenseI64ArrayAttr(starts), b.getDenseI64ArrayAttr(sizes),
                                b.getDenseI64ArrayAttr(steps));
}

/// Input 0 with its `axis` attribute (default 0) normalised, for ops that
/// cut along that axis and so need its extent at compile time.
struct AxisInput {
  Value value;
  int64_t axis;
  int64_t extent;
};

FailureOr<AxisInput> inputAlongStaticAxis(ImportContext &ic, llvm::StringRef refused) {
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  FailureOr<int64_t> axis = ic.axisAttr("axis", 0, type.getRank());
  if (failed(axis))
    return failure();
  if (type.isDynamicDim(*axis)) {
    (void)ic.fail(refused + " is not supported");
    return failure();
  }
  return AxisInput{*x, *axis, type.getDimSize(*axis)};
}

/// Gather of activations with constant indices: one slice per index, joined
/// by a concat (a scalar index also drops the axis).
/// Gathers `indices` along the node's axis; the gathered axis then takes
/// `indexShape` (nothing for a scalar index: the axis goes).
LogicalResult gatherActivation(ImportContext &ic, const std::vector<int64_t> &indices,
                               const std::vector<int64_t> &indexShape) {
  auto in = inputAlongStaticAxis(ic, "gathering along the dynamic batch dimension");
  if (failed(in))
    return failure();
  Value x = in->value;
  int64_t extent = in->extent;
  int64_t axis = in->axis;
  auto type = llvm::cast<RankedTensorType>(x.getType());
  SmallVector<Value> parts;
  for (int64_t i : indices) {
    int64_t n = i < 0 ? i + extent : i;
    if (n < 0 || n >= extent)
      return ic.fail("index " + std::to_string(i) + " is out of range for extent " +
                     std::to_string(extent));
    auto part = sliceAxis(ic, x, axis, n, 1);
    if (failed(part))
      return failure();
    parts.push_back(*part);
  }
  if (parts.empty())
    return ic.fail("an empty index list is not supported");
  FailureOr<Value> joined = parts.front();
  if (parts.size() > 1)
    joined = ic.create<cv::ConcatOp>(parts, ic.builder.getI64IntegerAttr(axis), UnitAttr());
  if (failed(joined) || indexShape.size() == 1)
    return ic.bind(0, joined);
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  shape.erase(shape.begin() + axis);
  shape.insert(shape.begin() + axis, indexShape.begin(), indexShape.end());
  return emitReshape(ic, *joined, shape);
}

/// Gather with constant indices: on compile-time integer vectors (shape
/// arithmetic) it folds; on activations it becomes slices.
LogicalResult importGather(ImportContext &ic) {
  if (failed(ic.checkAttrs({"axis"})))
    return failure();
  auto data = ic.intConstant(0);
  auto indices = ic.intConstant(1);
  if (!indices)
    return ic.fail("computed (non-constant) gather indices are not supported");
  if (!data) {
    // The index tensor's shape replaces the axis: a scalar drops it, a
    // vector keeps it, more dimensions insert theirs.
    return gatherActivation(ic, *indices, ic.intShape(1));
  }
  std::vector<int64_t> out;
  for (int64_t i : *indices) {
    int64_t n = i < 0 ? i + static_cast<int64_t>(data->size()) : i;
    if (n < 0 || n >= static_cast<int64_t>(data->size()))
      return ic.fail("index " + std::to_string(i) + " is out of range");
    out.push_back((*data)[n]);
  }
  ic.setOutputInts(0, std::move(out), ic.intShape(1));
  return success();
}

/// Slice with constant starts/ends/axes/steps (attributes before opset 10).
LogicalResult importSlice(ImportContext &ic) {
  if (failed(ic.checkAttrs({"starts", "ends", "axes"})))
    return failure();
  std::optional<std::vector<int64_t>> starts, ends, axes, steps;
  if (ic.opset < 10) {
    starts = ic.intsAttr("starts");
    ends = ic.intsAttr("ends");
    axes = ic.intsAttr("axes");
  } else {
    starts = ic.intConstant(1);
    ends = ic.intConstant(2);
    axes = ic.hasInput(3) ? ic.intConstant(3) : std::vector<int64_t>{};
    steps = ic.hasInput(4) ? ic.intConstant(4) : std::vector<int64_t>{};
  }
  if (!starts || !ends || !axes || (ic.opset >= 10 && !steps))
    return ic.fail("computed (non-constant) slice bounds are not supported");
  auto input = shapedInput(ic);
  if (failed(input))
    return failure();
  const std::vector<int64_t> &shape = input->shape;
  int64_t rank = static_cast<int64_t>(shape.size());
  if (axes->empty())
    for (size_t i = 0; i < starts->size(); ++i)
      axes->push_back(static_cast<int64_t>(i));
  if (!steps || steps->empty())
    steps = std::vector<int64_t>(starts->size(), 1);
  if (starts->size() != ends->size() || starts->size() != axes->size() ||
      starts->size() != steps->size())
    return ic.fail("starts, ends, axes and steps must have the same length");
  std::vector<int64_t> sliceStarts(rank, 0), sizes(rank), sliceSteps(rank, 1);
  for (int64_t d = 0; d < rank; ++d)
    sizes[d] = shape[d] == kDyn ? -1 : shape[d];
  for (size_t i = 0; i < axes->size(); ++i) {
    int64_t axis = (*axes)[i] < 0 ? (*axes)[i] + rank : (*axes)[i];
    if (axis < 0 || axis >= rank)
      return ic.fail("axis " + std::to_string((*axes)[i]) + " is out of range");
    int64_t step = (*steps)[i];
    if (step == 0)
      return ic.fail("a step of 0 is invalid");
    if (shape[axis] == kDyn)
      return ic.fail("slicing the dynamic batch dimension is not supported");
    int64_t extent = shape[axis];
    // ONNX clamping rules for out-of-range starts and ends.
    auto clampIndex = [&](int64_t v, bool isEnd) {
      if (v < 0)
        v += extent;
      if (step > 0)
        return std::clamp<int64_t>(v, 0, extent);
      return std::clamp<int64_t>(v, isEnd ? -1 : 0, extent - 1);
    };
    int64_t start = clampIndex((*starts)[i], false), end = clampIndex((*ends)[i], true);
    int64_t count = step > 0 ? (end - start + step - 1) / step : (start - end + (-step) - 1) / (-step);
    if (count <= 0)
      return ic.fail("empty slices are not supported");
    sliceStarts[axis] = start;
    sizes[axis] = count;
    sliceSteps[axis] = step;
  }
  if (input->ints) {
    IntTensor t = sliceInts(*input->ints, sliceStarts, sizes, sliceSteps);
    ic.setOutputInts(0, t.values, t.shape);
    return success();
  }
  OpBuilder &b = ic.builder;
  return ic.bind(0, ic.create<cv::SliceOp>(input->value, b.getDenseI64ArrayAttr(sliceStarts),
                                           b.getDenseI64ArrayAttr(sizes),
                                           b.getDenseI64ArrayAttr(sliceSteps)));
}

} // namespace

/// Split into pieces along an axis: sizes from the `split` attribute (before
/// opset 13) or input, or equal parts.
LogicalResult importSplit(ImportContext &ic) {
  if (failed(ic.checkAttrs({"axis", "split"})))
    return failure();
  auto in = inputAlongStaticAxis(ic, "splitting the dynamic batch dimension");
  if (failed(in))
    return failure();
  Value x = in->value;
  int64_t axis = in->axis;
  int64_t extent = in->extent, outputs = ic.node->output_size();
  std::optional<std::vector<int64_t>> sizes =
      ic.hasAttr("split") ? std::optional(ic.intsAttr("split"))
                          : (ic.hasInput(1) ? ic.intConstant(1) : std::vector<int64_t>{});
  if (!sizes)
    return ic.fail("computed (non-constant) split sizes are not supported");
  if (sizes->empty()) {
    if (extent % outputs != 0)
      return ic.fail("extent " + std::to_string(extent) + " does not split into " +
                     std::to_string(outputs) + " equal parts");
    sizes->assign(outputs, extent / outputs);
  }
  if (static_cast<int64_t>(sizes->size()) != outputs)
    return ic.fail("the split sizes do not match the number of outputs");
  int64_t start = 0;
  for (int64_t i = 0; i < outputs; ++i) {
    auto part = sliceAxis(ic, x, axis, start, (*sizes)[i]);
    if (failed(part))
      return failure();
    ic.setOutput(i, *part);
    start += (*sizes)[i];
  }
  if (start != extent)
    return ic.fail("the split sizes add up to " + std::to_string(start) + ", not " +
                   std::to_string(extent));
  return success();
}

namespace {

/// The batch stays symbolic: ONNX's 0 copies the input's first dimension.
LogicalResult exportReshape(ExportContext &ex) {
  auto reshape = llvm::cast<cv::ReshapeOp>(ex.op);
  auto type = llvm::cast<RankedTensorType>(reshape.getType());
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  if (type.getRank() > 0 && type.isDynamicDim(0))
    shape[0] = 0;
  std::string target = ex.intInitializer(ExportContext::baseName(ex.op) + ".shape", shape);
  ex.node({ex.nameOf(reshape.getInput()), target});
  return success();
}

LogicalResult exportDropout(ExportContext &ex) {
  auto dropout = llvm::cast<cv::DropoutOp>(ex.op);
  std::string ratio = ex.floatScalar(ExportContext::baseName(ex.op) + ".ratio",
                                     dropout.getRatio().convertToFloat());
  ex.node({ex.nameOf(dropout.getInput()), ratio});
  return success();
}

LogicalResult exportPad(ExportContext &ex) {
  auto pad = llvm::cast<cv::PadOp>(ex.op);
  std::string base = ExportContext::baseName(ex.op);
  std::string pads = ex.intInitializer(base + ".pads", pad.getPads());
  std::string value = ex.floatScalar(base + ".value", pad.getValue().convertToFloat());
  static const char *modes[] = {"constant", "reflect", "edge"};
  setString(ex.node({ex.nameOf(pad.getInput()), pads, value}), "mode",
            modes[static_cast<int>(pad.getMode())]);
  return success();
}

LogicalResult exportConcat(ExportContext &ex) {
  setInt(ex.node(), "axis", llvm::cast<cv::ConcatOp>(ex.op).getAxis());
  return success();
}

LogicalResult exportTranspose(ExportContext &ex) {
  setInts(ex.node(), "perm", llvm::cast<cv::TransposeOp>(ex.op).getPerm());
  return success();
}

LogicalResult exportSlice(ExportContext &ex) {
  auto slice = llvm::cast<cv::SliceOp>(ex.op);
  std::vector<int64_t> starts, ends, axes, steps;
  for (auto [d, start, size, step] :
       llvm::enumerate(slice.getStarts(), slice.getSizes(), slice.getSteps())) {
    axes.push_back(static_cast<int64_t>(d));
    steps.push_back(step);
    starts.push_back(start);
    int64_t end = start + size * step;
    if (size < 0) // a dynamic batch, taken whole
      end = INT64_MAX;
    else if (end < 0)
      end = INT64_MIN; // a negative step that runs to the first element
    ends.push_back(end);
  }
  std::string base = ExportContext::baseName(ex.op);
  ex.node({ex.nameOf(slice.getInput()), ex.intInitializer(base + ".starts", starts),
                    ex.intInitializer(base + ".ends", ends),
                    ex.intInitializer(base + ".axes", axes),
                    ex.intInitializer(base + ".steps", steps)});
  return success();
}

} // namespace

void addShapeOps(OnnxOpTable &t) {
  t.imports("Flatten", importFlatten);
  t.maps<cv::ReshapeOp>("Reshape", importReshape, exportReshape);
  t.imports("Identity", importIdentity);
  t.maps<cv::DropoutOp>("Dropout", importDropout, exportDropout);
  t.maps<cv::PadOp>("Pad", importPad, exportPad);
  t.maps<cv::ConcatOp>("Concat", importConcat, exportConcat);
  t.imports("Squeeze", [](ImportContext &ic) { return importSqueezeFamily(ic, true); });
  t.imports("Unsqueeze", [](ImportContext &ic) { return importSqueezeFamily(ic, false); });
  t.maps<cv::TransposeOp>("Transpose", importTranspose, exportTranspose);
  t.imports("Gather", importGather);
  t.maps<cv::SliceOp>("Slice", importSlice, exportSlice);
  t.imports("Split", importSplit);
}

} // namespace cvc::onnx_frontend
