//===- Conv.cpp - Conv --------------------------------------------------===//
#include "ExportContext.h"
#include "OpTable.h"
#include "Padding.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

LogicalResult importConv(ImportContext &ic) {
  if (failed(ic.checkAttrs({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"})))
    return failure();
  auto x = nchwInput(ic);
  if (failed(x))
    return failure();
  auto w = ic.input(1);
  if (failed(w))
    return failure();
  auto wType = llvm::cast<RankedTensorType>(w->getType());
  if (wType.getRank() != 4)
    return ic.fail("the weight must be rank 4 (OIHW)");
  std::vector<int64_t> kernel = {wType.getDimSize(2), wType.getDimSize(3)};
  if (ic.hasAttr("kernel_shape") && ic.intsAttr("kernel_shape") != kernel)
    return ic.fail("'kernel_shape' disagrees with the weight's shape");
  auto strides = pairAttr(ic, "strides", {1, 1});
  auto dilations = pairAttr(ic, "dilations", {1, 1});
  if (failed(strides) || failed(dilations))
    return failure();
  auto pads = windowPads(ic, *x, kernel, *strides, *dilations);
  if (failed(pads))
    return failure();
  Value bias;
  if (ic.hasInput(2)) {
    auto b = ic.input(2);
    if (failed(b))
      return failure();
    bias = *b;
  }
  OpBuilder &b = ic.builder;
  return ic.bind(0, ic.create<cv::Conv2DOp>(*x, *w, bias, /*residual=*/Value(),
                                   cv::ActivationAttr::get(b.getContext(), cv::Activation::none),
                                   b.getDenseF32ArrayAttr({}), b.getDenseI64ArrayAttr(*strides),
                                   b.getDenseI64ArrayAttr(*pads),
                                   b.getDenseI64ArrayAttr(*dilations),
                                   b.getI64IntegerAttr(ic.intAttr("group", 1))));
}

} // namespace

namespace {

LogicalResult exportConv(ExportContext &ex) {
  auto conv = llvm::cast<cv::Conv2DOp>(ex.op);
  if (failed(checkPlainLayer(ex, conv)))
    return failure();
  auto weight = llvm::cast<RankedTensorType>(conv.getWeight().getType());
  onnx::NodeProto &n = ex.node();
  setInts(n, "kernel_shape", {weight.getDimSize(2), weight.getDimSize(3)});
  setInts(n, "strides", conv.getStrides());
  // cv's [top, left, bottom, right] is ONNX's [h_begin, w_begin, h_end, w_end].
  setInts(n, "pads", conv.getPads());
  setInts(n, "dilations", conv.getDilations());
  setInt(n, "group", conv.getGroups());
  return success();
}

} // namespace

void addConvOps(OnnxOpTable &t) { t.maps<cv::Conv2DOp>("Conv", importConv, exportConv); }

} // namespace cvc::onnx_frontend
