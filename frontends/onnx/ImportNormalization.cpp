//===- ImportNormalization.cpp - LRN, Softmax ---------------------------===//
#include "ImportContext.h"

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
LogicalResult importSoftmax(ImportContext &ic) {
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
    return ic.bind(0, ic.create<cv::SoftmaxOp>(*x, b.getI64IntegerAttr(axis)));
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
  auto soft = b.create<cv::SoftmaxOp>(ic.loc(), flatType, flat, b.getI64IntegerAttr(1));
  auto back = b.create<cv::ReshapeOp>(ic.loc(), type, soft);
  ic.setOutput(0, back);
  return success();
}

} // namespace

void addNormalizationImports(std::map<std::string, ImportFn> &table) {
  table["LRN"] = importLRN;
  table["Softmax"] = importSoftmax;
}

} // namespace cvc::onnx_frontend
