//===- Normalization.cpp - LRN, Softmax, BatchNormalization -------------===//
#include "ExportContext.h"
#include "OpTable.h"
#include "ImportContext.h"
#include "cv/Composite.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

LogicalResult importLRN(ImportContext &ic) {
  if (failed(ic.checkAttrs({"alpha", "beta", "bias", "size"})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  if (!ic.hasAttr("size"))
    return ic.fail("the 'size' attribute is required");
  OpBuilder &b = ic.builder;
  return ic.bind(0, ic.create<cv::LRNOp>(*x, b.getI64IntegerAttr(ic.intAttr("size", 1)),
                                b.getF32FloatAttr(ic.floatAttr("alpha", 1e-4f)),
                                b.getF32FloatAttr(ic.floatAttr("beta", 0.75f)),
                                b.getF32FloatAttr(ic.floatAttr("bias", 1.0f))));
}

/// Opset 13 normalises along one axis. Earlier opsets flatten the input to 2-D
/// at `axis` and normalise each row, which is the same thing when `axis` is
/// the last dimension and a reshape around a row softmax otherwise.
template <typename OpT> LogicalResult importSoftmaxFamily(ImportContext &ic) {
  if (failed(ic.checkAttrs({"axis"})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  int64_t rank = type.getRank();
  bool rows = ic.opset < 13;
  FailureOr<int64_t> normalized = ic.axisAttr("axis", rows ? 1 : -1, rank);
  if (failed(normalized))
    return failure();
  int64_t axis = *normalized;
  OpBuilder &b = ic.builder;
  if (!rows || axis == rank - 1)
    return ic.bind(0, ic.create<OpT>(*x, b.getI64IntegerAttr(axis)));
  if (type.isDynamicDim(0) && axis != 1)
    return ic.fail("softmax over the flattened dimensions from axis " + std::to_string(axis) +
                   " with a dynamic batch is not supported; fix the batch with --input-shape");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < axis ? outer : inner) *= type.isDynamicDim(i) ? 1 : type.getDimSize(i);
  if (type.isDynamicDim(0))
    outer = ShapedType::kDynamic;
  auto flatType = RankedTensorType::get({outer, inner}, b.getF32Type());
  auto flat = b.create<cv::ReshapeOp>(ic.loc(), flatType, *x);
  auto soft = b.create<OpT>(ic.loc(), flatType, flat, b.getI64IntegerAttr(1));
  auto back = b.create<cv::ReshapeOp>(ic.loc(), type, soft);
  ic.setOutput(0, back);
  return success();
}

/// Inference-mode batch normalisation, with the running statistics as
/// operands; folding into a preceding layer is the compiler's job.
LogicalResult importBatchNorm(ImportContext &ic) {
  if (failed(ic.checkAttrs({"epsilon", "momentum", "spatial", "training_mode", "is_test"})))
    return failure();
  if (ic.intAttr("training_mode", 0) != 0)
    return ic.fail("training-mode batch normalization is not supported");
  if (ic.intAttr("spatial", 1) != 1)
    return ic.fail("non-spatial batch normalization (spatial = 0) is not supported");
  for (int i = 1; i < ic.node->output_size(); ++i)
    if (!ic.node->output(i).empty())
      return ic.fail("the running-statistics outputs of BatchNormalization are not supported");
  Value operands[5];
  for (int i = 0; i < 5; ++i) {
    auto v = ic.input(i);
    if (failed(v))
      return failure();
    operands[i] = *v;
  }
  return ic.bind(0, ic.create<cv::BatchNormOp>(operands[0], operands[1], operands[2], operands[3],
                                               operands[4],
                                               ic.builder.getF32FloatAttr(ic.floatAttr("epsilon", 1e-5f))));
}

} // namespace

namespace {

LogicalResult exportLRN(ExportContext &ex) {
  auto lrn = llvm::cast<cv::LRNOp>(ex.op);
  onnx::NodeProto &n = ex.node();
  setInt(n, "size", lrn.getSize());
  setFloat(n, "alpha", lrn.getAlpha().convertToFloat());
  setFloat(n, "beta", lrn.getBeta().convertToFloat());
  setFloat(n, "bias", lrn.getBias().convertToFloat());
  return success();
}

template <typename OpT> LogicalResult exportAxisOp(ExportContext &ex) {
  setInt(ex.node(), "axis", llvm::cast<OpT>(ex.op).getAxis());
  return success();
}

LogicalResult exportBatchNorm(ExportContext &ex) {
  setFloat(ex.node(), "epsilon",
           llvm::cast<cv::BatchNormOp>(ex.op).getEpsilon().convertToFloat());
  return success();
}

/// cv::buildStandardize, its failure reported for the node.
FailureOr<Value> standardize(ImportContext &ic, Value x, ArrayRef<int64_t> axes, float epsilon) {
  std::string message;
  auto y = cv::buildStandardize(ic.builder, ic.loc(), x, axes, epsilon, message);
  if (failed(y))
    (void)ic.fail(message);
  return y;
}

/// y * scale + bias, each a constant of `shape` when given.
LogicalResult scaleAndShift(ImportContext &ic, Value y, size_t scaleInput, size_t biasInput,
                            ArrayRef<int64_t> shape) {
  for (size_t i : {scaleInput, biasInput}) {
    if (!ic.hasInput(i))
      continue;
    std::optional<FloatConstant> c = ic.floatConstant(i);
    if (!c)
      return ic.fail("a scale or bias computed at run time is not supported");
    int64_t count = 1;
    for (int64_t d : shape)
      if (__builtin_mul_overflow(count, d, &count))
        count = -1;
    if (count < 0 || static_cast<int64_t>(c->data.size()) != count)
      return ic.fail("scale or bias holds " + std::to_string(c->data.size()) + " values, not " +
                     std::to_string(count));
    c->shape.assign(shape.begin(), shape.end());
    Value v = ic.makeConstant(*c, ic.node->input(i));
    auto next = i == scaleInput ? ic.create<cv::MulOp>(y, v) : ic.create<cv::AddOp>(y, v);
    if (failed(next))
      return failure();
    y = *next;
  }
  ic.setOutput(0, y);
  return success();
}

/// Per image and channel over the pixels; scale and bias per channel.
LogicalResult importInstanceNorm(ImportContext &ic) {
  if (failed(ic.checkAttrs({"epsilon"})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  if (type.getRank() < 3 || type.isDynamicDim(1))
    return ic.fail("an input that is not [N, C, ...] with static channels is not supported");
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < type.getRank(); ++d)
    axes.push_back(d);
  auto y = standardize(ic, *x, axes, ic.floatAttr("epsilon", 1e-5f));
  if (failed(y))
    return failure();
  SmallVector<int64_t> shape(type.getRank() - 1, 1);
  shape[0] = type.getDimSize(1);
  return scaleAndShift(ic, *y, 1, 2, shape);
}

/// Over the axes from `axis` on (opset 17); scale and bias of their shape.
LogicalResult importLayerNorm(ImportContext &ic) {
  if (failed(ic.checkAttrs({"axis", "epsilon", "stash_type"})))
    return failure();
  for (int i = 1; i < ic.node->output_size(); ++i)
    if (!ic.node->output(i).empty())
      return ic.fail("the Mean and InvStdDev outputs are not supported");
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  auto axis = ic.axisAttr("axis", -1, type.getRank());
  if (failed(axis))
    return failure();
  if (*axis == 0)
    return ic.fail("normalising over the batch dimension is not supported");
  SmallVector<int64_t> axes, shape;
  for (int64_t d = *axis; d < type.getRank(); ++d) {
    axes.push_back(d);
    shape.push_back(type.getDimSize(d));
  }
  auto y = standardize(ic, *x, axes, ic.floatAttr("epsilon", 1e-5f));
  if (failed(y))
    return failure();
  return scaleAndShift(ic, *y, 1, 2, shape);
}

} // namespace

void addNormalizationOps(OnnxOpTable &t) {
  t.imports("InstanceNormalization", importInstanceNorm);
  t.imports("LayerNormalization", importLayerNorm);
  t.maps<cv::LRNOp>("LRN", importLRN, exportLRN);
  t.maps<cv::SoftmaxOp>("Softmax", importSoftmaxFamily<cv::SoftmaxOp>,
                        exportAxisOp<cv::SoftmaxOp>);
  t.maps<cv::LogSoftmaxOp>("LogSoftmax", importSoftmaxFamily<cv::LogSoftmaxOp>,
                           exportAxisOp<cv::LogSoftmaxOp>);
  t.maps<cv::BatchNormOp>("BatchNormalization", importBatchNorm, exportBatchNorm);
}

} // namespace cvc::onnx_frontend
