//===- Pool.cpp - MaxPool, AveragePool, Global{Average,Max}Pool ---------===//
#include "ExportContext.h"
#include "OpTable.h"
#include "Padding.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

template <typename OpT> LogicalResult importPool(ImportContext &ic, bool isMax) {
  if (isMax) {
    if (failed(ic.checkAttrs({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
                              "storage_order", "strides"})))
      return failure();
    for (int64_t d : ic.intsAttr("dilations"))
      if (d != 1)
        return ic.fail("dilated max pooling is not supported");
    if (ic.node->output_size() > 1 && !ic.node->output(1).empty())
      return ic.fail("the Indices output of MaxPool is not supported");
  } else if (failed(ic.checkAttrs({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape",
                                   "pads", "strides"}))) {
    return failure();
  }
  auto x = nchwInput(ic);
  if (failed(x))
    return failure();
  std::vector<int64_t> kernel = ic.intsAttr("kernel_shape");
  if (kernel.size() != 2)
    return ic.fail("pooling over other than 2 spatial dimensions is not supported");
  auto strides = pairAttr(ic, "strides", {1, 1});
  if (failed(strides))
    return failure();
  auto pads = windowPads(ic, *x, kernel, *strides, {1, 1});
  if (failed(pads))
    return failure();
  OpBuilder &b = ic.builder;
  FailureOr<Value> y;
  if constexpr (std::is_same_v<OpT, cv::MaxPool2DOp>)
    y = ic.create<cv::MaxPool2DOp>(*x, b.getDenseI64ArrayAttr(kernel),
                                   b.getDenseI64ArrayAttr(*strides), b.getDenseI64ArrayAttr(*pads),
                                   b.getBoolAttr(ic.intAttr("ceil_mode", 0) != 0));
  else
    y = ic.create<cv::AvgPool2DOp>(*x, b.getDenseI64ArrayAttr(kernel),
                                   b.getDenseI64ArrayAttr(*strides), b.getDenseI64ArrayAttr(*pads),
                                   b.getBoolAttr(ic.intAttr("ceil_mode", 0) != 0),
                                   b.getBoolAttr(ic.intAttr("count_include_pad", 0) != 0));
  return ic.bind(0, y);
}

/// Global pooling is a window covering the whole image.
template <typename OpT> LogicalResult importGlobalPool(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  auto x = nchwInput(ic);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  OpBuilder &b = ic.builder;
  auto kernel = b.getDenseI64ArrayAttr({type.getDimSize(2), type.getDimSize(3)});
  auto ones = b.getDenseI64ArrayAttr({1, 1});
  auto zeros = b.getDenseI64ArrayAttr({0, 0, 0, 0});
  FailureOr<Value> y;
  if constexpr (std::is_same_v<OpT, cv::MaxPool2DOp>)
    y = ic.create<cv::MaxPool2DOp>(*x, kernel, ones, zeros, b.getBoolAttr(false));
  else
    y = ic.create<cv::AvgPool2DOp>(*x, kernel, ones, zeros, b.getBoolAttr(false),
                                   b.getBoolAttr(false));
  return ic.bind(0, y);
}

} // namespace

namespace {

template <typename OpT> LogicalResult exportPool(ExportContext &ex) {
  auto pool = llvm::cast<OpT>(ex.op);
  if (llvm::cast<RankedTensorType>(pool.getInput().getType()).getRank() != 4)
    return ex.fail("only NCHW pooling has an ONNX equivalent");
  constexpr bool isMax = std::is_same_v<OpT, cv::MaxPool2DOp>;
  onnx::NodeProto &n = ex.node();
  setInts(n, "kernel_shape", pool.getKernel());
  setInts(n, "strides", pool.getStrides());
  setInts(n, "pads", pool.getPads());
  setInt(n, "ceil_mode", pool.getCeilMode());
  if constexpr (!isMax)
    setInt(n, "count_include_pad", pool.getCountIncludePad());
  return success();
}

} // namespace

void addPoolOps(OnnxOpTable &t) {
  t.maps<cv::MaxPool2DOp>(
      "MaxPool", [](ImportContext &ic) { return importPool<cv::MaxPool2DOp>(ic, true); },
      exportPool<cv::MaxPool2DOp>);
  t.maps<cv::AvgPool2DOp>(
      "AveragePool", [](ImportContext &ic) { return importPool<cv::AvgPool2DOp>(ic, false); },
      exportPool<cv::AvgPool2DOp>);
  t.imports("GlobalMaxPool", importGlobalPool<cv::MaxPool2DOp>);
  t.imports("GlobalAveragePool", importGlobalPool<cv::AvgPool2DOp>);
}

} // namespace cvc::onnx_frontend
