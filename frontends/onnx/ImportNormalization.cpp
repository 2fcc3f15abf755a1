//===- ImportNormalization.cpp - LRN, Softmax, BatchNormalization -------===//
#include "ImportContext.h"

#include <cmath>

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

/// Inference-mode batch normalisation becomes a per-channel scale and shift,
/// y = x * s + t with s = gamma / sqrt(var + eps) and t = beta - mean * s,
/// computed once here from the constant statistics.
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
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  if (type.getRank() < 2 || type.isDynamicDim(1))
    return ic.fail("the input needs a static channel dimension (dim 1)");
  int64_t channels = type.getDimSize(1);
  std::optional<FloatConstant> stats[4];
  for (int i = 0; i < 4; ++i) {
    stats[i] = ic.floatConstant(1 + i);
    if (!stats[i])
      return ic.fail("non-constant scale, bias, mean or variance is not supported");
    if (static_cast<int64_t>(stats[i]->data.size()) != channels)
      return ic.fail("scale, bias, mean and variance must have " + std::to_string(channels) +
                     " values, one per channel");
  }
  float epsilon = ic.floatAttr("epsilon", 1e-5f);
  // Broadcast along every dimension after the channels.
  std::vector<int64_t> shape(type.getRank() - 1, 1);
  shape[0] = channels;
  FloatConstant scale{shape, std::vector<float>(channels)}, shift{shape, std::vector<float>(channels)};
  for (int64_t c = 0; c < channels; ++c) {
    double s = stats[0]->data[c] / std::sqrt(static_cast<double>(stats[3]->data[c]) + epsilon);
    scale.data[c] = static_cast<float>(s);
    shift.data[c] = static_cast<float>(stats[1]->data[c] - stats[2]->data[c] * s);
  }
  std::string base = ic.node->name().empty() ? ic.node->output(0) : ic.node->name();
  auto scaled = ic.create<cv::MulOp>(*x, ic.makeConstant(scale, base + ".scale"));
  if (failed(scaled))
    return failure();
  return ic.bind(0, ic.create<cv::AddOp>(*scaled, ic.makeConstant(shift, base + ".shift")));
}

} // namespace

void addNormalizationImports(std::map<std::string, ImportFn> &table) {
  table["LRN"] = importLRN;
  table["Softmax"] = importSoftmaxFamily<cv::SoftmaxOp>;
  table["LogSoftmax"] = importSoftmaxFamily<cv::LogSoftmaxOp>;
  table["BatchNormalization"] = importBatchNorm;
}

} // namespace cvc::onnx_frontend
