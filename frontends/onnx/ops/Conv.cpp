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

/// ConvTranspose: pads from `pads`, or from `auto_pad` or `output_shape` by
/// the spec's total padding, stride * (in - 1) + output_padding +
/// (k - 1) * dilation + 1 - out, split per auto_pad (SAME_UPPER: the larger
/// half at the end). An output_shape beyond the natural size grows
/// output_padding instead, which must stay below the stride.
LogicalResult importConvTranspose(ImportContext &ic) {
  if (failed(ic.checkAttrs({"auto_pad", "dilations", "group", "kernel_shape", "output_padding",
                            "output_shape", "pads", "strides"})))
    return failure();
  auto x = nchwInput(ic);
  auto w = ic.input(1);
  if (failed(x) || failed(w))
    return failure();
  auto xType = llvm::cast<RankedTensorType>(x->getType());
  auto wType = llvm::cast<RankedTensorType>(w->getType());
  if (wType.getRank() != 4)
    return ic.fail("the weight must be rank 4 ([C, M/group, kh, kw])");
  std::vector<int64_t> kernel = {wType.getDimSize(2), wType.getDimSize(3)};
  if (ic.hasAttr("kernel_shape") && ic.intsAttr("kernel_shape") != kernel)
    return ic.fail("'kernel_shape' disagrees with the weight's shape");
  auto strides = pairAttr(ic, "strides", {1, 1});
  auto dilations = pairAttr(ic, "dilations", {1, 1});
  auto outputPadding = pairAttr(ic, "output_padding", {0, 0});
  if (failed(strides) || failed(dilations) || failed(outputPadding))
    return failure();
  std::string autoPad = ic.stringAttr("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return ic.fail("auto_pad '" + autoPad + "' is not supported");
  std::vector<int64_t> pads(4, 0);
  std::vector<int64_t> outputShape = ic.intsAttr("output_shape");
  if (!outputShape.empty() && outputShape.size() != 2 && outputShape.size() != 4)
    return ic.fail("'output_shape' must hold the 2 spatial extents (or all 4 dimensions)");
  if (outputShape.size() == 4)
    outputShape = {outputShape[2], outputShape[3]};
  if (outputShape.empty() && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER"))
    outputShape = {xType.getDimSize(2) * (*strides)[0], xType.getDimSize(3) * (*strides)[1]};
  if (!outputShape.empty()) {
    for (int i = 0; i < 2; ++i) {
      int64_t total = (*strides)[i] * (xType.getDimSize(2 + i) - 1) + (*outputPadding)[i] +
                      (kernel[i] - 1) * (*dilations)[i] + 1 - outputShape[i];
      if (total < 0) {
        (*outputPadding)[i] -= total;
        total = 0;
      }
      int64_t half = total / 2;
      pads[i] = autoPad == "SAME_UPPER" ? half : total - half;
      pads[i + 2] = total - pads[i];
    }
  } else if (autoPad == "NOTSET" && ic.hasAttr("pads")) {
    pads = ic.intsAttr("pads");
    if (pads.size() != 4)
      return ic.fail("'pads' must have 4 values for a 2-D window");
  }
  Value bias;
  if (ic.hasInput(2)) {
    auto b = ic.input(2);
    if (failed(b))
      return failure();
    bias = *b;
  }
  OpBuilder &b = ic.builder;
  return ic.bind(0, ic.create<cv::ConvTranspose2DOp>(
                        *x, *w, bias, /*residual=*/Value(),
                        cv::ActivationAttr::get(b.getContext(), cv::Activation::none),
                        b.getDenseF32ArrayAttr({}), b.getDenseI64ArrayAttr(*strides),
                        b.getDenseI64ArrayAttr(pads), b.getDenseI64ArrayAttr(*dilations),
                        b.getI64IntegerAttr(ic.intAttr("group", 1)),
                        b.getDenseI64ArrayAttr(*outputPadding)));
}

} // namespace

namespace {

/// The node with the attributes Conv and ConvTranspose share.
template <typename OpT>
FailureOr<onnx::NodeProto *> exportConvNode(ExportContext &ex, OpT conv) {
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
  return &n;
}

LogicalResult exportConvTranspose(ExportContext &ex) {
  auto conv = llvm::cast<cv::ConvTranspose2DOp>(ex.op);
  FailureOr<onnx::NodeProto *> n = exportConvNode(ex, conv);
  if (failed(n))
    return failure();
  setInts(**n, "output_padding", conv.getOutputPadding());
  return success();
}

LogicalResult exportConv(ExportContext &ex) {
  return success(succeeded(exportConvNode(ex, llvm::cast<cv::Conv2DOp>(ex.op))));
}

} // namespace

void addConvOps(OnnxOpTable &t) {
  t.maps<cv::Conv2DOp>("Conv", importConv, exportConv);
  t.maps<cv::ConvTranspose2DOp>("ConvTranspose", importConvTranspose, exportConvTranspose);
}

} // namespace cvc::onnx_frontend
