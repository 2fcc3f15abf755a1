//===- Padding.h - ONNX auto_pad and pads for 2-D windows -------*- C++ -*-===//
#ifndef CVC_ONNX_PADDING_H
#define CVC_ONNX_PADDING_H

#include "ImportContext.h"

namespace cvc::onnx_frontend {

/// Explicit [top, left, bottom, right] pads for a 2-D window op, from the
/// node's `pads` or `auto_pad` attribute and the NCHW input's spatial extents.
inline mlir::FailureOr<std::vector<int64_t>>
windowPads(ImportContext &ic, mlir::Value input, const std::vector<int64_t> &kernel,
           const std::vector<int64_t> &strides, const std::vector<int64_t> &dilations) {
  std::string autoPad = ic.stringAttr("auto_pad", "NOTSET");
  std::vector<int64_t> pads = ic.intsAttr("pads");
  if (autoPad == "NOTSET") {
    if (pads.empty())
      pads.assign(4, 0);
    if (pads.size() != 4) {
      (void)ic.fail("'pads' must have 4 values for a 2-D window");
      return mlir::failure();
    }
    return pads;
  }
  if (autoPad == "VALID")
    return std::vector<int64_t>(4, 0);
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
    (void)ic.fail("auto_pad '" + autoPad + "' is not supported");
    return mlir::failure();
  }
  auto type = llvm::cast<mlir::RankedTensorType>(input.getType());
  pads.assign(4, 0);
  for (int i = 0; i < 2; ++i) {
    int64_t in = type.getDimSize(2 + i);
    int64_t out = (in + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in);
    int64_t small = total / 2, large = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : large;
    pads[i + 2] = autoPad == "SAME_UPPER" ? large : small;
  }
  return pads;
}

/// `name` attribute with exactly two values, or `def` when absent.
inline mlir::FailureOr<std::vector<int64_t>> pairAttr(ImportContext &ic, llvm::StringRef name,
                                                     std::vector<int64_t> def) {
  if (!ic.hasAttr(name))
    return def;
  std::vector<int64_t> v = ic.intsAttr(name);
  if (v.size() != 2) {
    (void)ic.fail("'" + name + "' with other than 2 values is not supported (2-D windows only)");
    return mlir::failure();
  }
  return v;
}

/// The input, which must be a rank-4 NCHW activation.
inline mlir::FailureOr<mlir::Value> nchwInput(ImportContext &ic) {
  auto x = ic.input(0);
  if (mlir::failed(x))
    return mlir::failure();
  auto type = llvm::cast<mlir::RankedTensorType>(x->getType());
  if (type.getRank() != 4) {
    (void)ic.fail("a rank-" + std::to_string(type.getRank()) +
                  " input is not supported (2-D windows over NCHW only)");
    return mlir::failure();
  }
  return x;
}

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_PADDING_H
