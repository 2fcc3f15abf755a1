//===- Verification.h - shape rules shared by the op families ---*- C++ -*-===//
//
// Private to the dialect: the pieces of shape inference and verification
// that several families' ops share (sliding windows, fused epilogues,
// constant values), so each family's file holds only its own rules.
//
//===----------------------------------------------------------------------===//
#ifndef CV_LIB_VERIFICATION_H
#define CV_LIB_VERIFICATION_H

#include "cv/CvOps.h"

#include <optional>
#include <vector>

namespace cvc::cv::detail {

/// `values` has `expected` elements, each at least `minValue`.
mlir::LogicalResult checkArrayLength(std::optional<mlir::Location> loc, llvm::StringRef name,
                                     llvm::ArrayRef<int64_t> values, size_t expected,
                                     int64_t minValue);

mlir::RankedTensorType rankedOrNull(mlir::Type t);

/// An optional layer bias is a [channels] tensor.
mlir::LogicalResult checkBias(std::optional<mlir::Location> loc, mlir::Value bias,
                              int64_t channels);
mlir::RankedTensorType typeOf(mlir::Value v);

/// The NCHW spatial output extents of a window (convolution or pooling).
mlir::LogicalResult inferSpatial(std::optional<mlir::Location> loc, mlir::RankedTensorType input,
                                 llvm::ArrayRef<int64_t> kernel, llvm::ArrayRef<int64_t> strides,
                                 llvm::ArrayRef<int64_t> pads, llvm::ArrayRef<int64_t> dilations,
                                 bool ceilMode, int64_t &outH, int64_t &outW);

/// The result shape of a sliding window (convolution or pooling) over the
/// NCHW `input`, with `channels` output channels; fails, at `op`, when it
/// does not fit. The backward ops check their gradients against it.
mlir::FailureOr<llvm::SmallVector<int64_t>>
windowResult(mlir::Operation *op, mlir::RankedTensorType input, int64_t channels,
             llvm::ArrayRef<int64_t> kernel, llvm::ArrayRef<int64_t> strides,
             llvm::ArrayRef<int64_t> pads, llvm::ArrayRef<int64_t> dilations, bool ceilMode);

/// `type` has the shape the forward op implies.
mlir::LogicalResult expectShape(mlir::Operation *op, llvm::StringRef what,
                                mlir::RankedTensorType type, llvm::ArrayRef<int64_t> expected);

/// The number of activation_args `activation` takes.
size_t activationArgCount(Activation activation);

/// The float32 values of a constant attribute (dense or dense_resource).
std::optional<std::vector<float>> floatElements(mlir::Attribute attr);

} // namespace cvc::cv::detail

#endif // CV_LIB_VERIFICATION_H
