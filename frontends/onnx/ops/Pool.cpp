//===- Pool.cpp - MaxPool, AveragePool, Global{Average,Max}Pool ---------===//
#include "ExportContext.h"
#include "OpTable.h"
#include "Padding.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

/// A 3-D window whose last two extents, strides and pads are 1, 1 and 0
/// pools along the first spatial axis alone, as PyTorch's decomposed
/// LocalResponseNorm does over channels: [N, C, D, H, W] is pooled as
/// [N, C, D, H*W] with a [k, 1] window and reshaped back.
template <typename OpT> LogicalResult importPoolAlongOneAxis(ImportContext &ic, bool isMax) {
  std::vector<int64_t> kernel = ic.intsAttr("kernel_shape");
  std::vector<int64_t> strides = ic.hasAttr("strides") ? ic.intsAttr("strides")
                                                       : std::vector<int64_t>{1, 1, 1};
  std::vector<int64_t> pads =
      ic.hasAttr("pads") ? ic.intsAttr("pads") : std::vector<int64_t>(6, 0);
  std::string autoPad = ic.stringAttr("auto_pad", "NOTSET");
  if (kernel.size() != 3 || kernel[1] != 1 || kernel[2] != 1 || strides.size() != 3 ||
      strides[1] != 1 || strides[2] != 1 || pads.size() != 6 || pads[1] || pads[2] || pads[4] ||
      pads[5] || (autoPad != "NOTSET" && autoPad != "VALID"))
    return ic.fail("3-D pooling is not supported except along the first spatial axis (a "
                   "window of [k, 1, 1], strides [s, 1, 1], no padding on the others)");
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  if (type.getRank() != 5)
    return ic.fail("a 3-D window over a rank-" + std::to_string(type.getRank()) + " input");
  OpBuilder &b = ic.builder;
  auto flat = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(1), type.getDimSize(2),
       type.getDimSize(3) * type.getDimSize(4)},
      type.getElementType());
  Value merged = b.create<cv::ReshapeOp>(ic.loc(), flat, *x);
  auto kernel2 = b.getDenseI64ArrayAttr({kernel[0], 1});
  auto strides2 = b.getDenseI64ArrayAttr({strides[0], 1});
  auto pads2 = b.getDenseI64ArrayAttr({pads[0], 0, pads[3], 0});
  bool ceil = ic.intAttr("ceil_mode", 0) != 0;
  FailureOr<Value> pooled;
  if constexpr (std::is_same_v<OpT, cv::MaxPool2DOp>)
    pooled = ic.create<cv::MaxPool2DOp>(merged, kernel2, strides2, pads2, b.getBoolAttr(ceil));
  else
    pooled = ic.create<cv::AvgPool2DOp>(merged, kernel2, strides2, pads2, b.getBoolAttr(ceil),
                                        b.getBoolAttr(ic.intAttr("count_include_pad", 0) != 0));
  if (failed(pooled))
    return failure();
  (void)isMax;
  auto pooledType = llvm::cast<RankedTensorType>(pooled->getType());
  auto back = RankedTensorType::get({type.getDimSize(0), type.getDimSize(1),
                                     pooledType.getDimSize(2), type.getDimSize(3),
                                     type.getDimSize(4)},
                                    type.getElementType());
  ic.setOutput(0, b.create<cv::ReshapeOp>(ic.loc(), back, *pooled));
  return success();
}

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
  if (ic.intsAttr("kernel_shape").size() == 3)
    return importPoolAlongOneAxis<OpT>(ic, isMax);
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
