//===- Composite.h - cv op sequences both frontends build -------*- C++ -*-===//
//
// Layers with no cv op of their own, written as the cv ops that compute
// them, once for the ONNX frontend (InstanceNormalization,
// LayerNormalization, DepthToSpace) and the architecture language
// (instancenorm, layernorm, pixel_shuffle). Each op is built with a
// placeholder type and given its own by inferAndVerify; on failure the
// ops built so far are erased and `message` says why, for the frontend to
// report at its own location.
//
//===----------------------------------------------------------------------===//
#ifndef CV_COMPOSITE_H
#define CV_COMPOSITE_H

#include "mlir/IR/Builders.h"

#include <string>

namespace cvc::cv {

/// (x - mean) / sqrt(variance + epsilon), the statistics over `axes` (kept
/// as extent 1, so that they broadcast back).
mlir::FailureOr<mlir::Value> buildStandardize(mlir::OpBuilder &builder, mlir::Location loc,
                                              mlir::Value x, llvm::ArrayRef<int64_t> axes,
                                              float epsilon, std::string &message);

/// x reshaped to `split`, transposed by `perm` and reshaped to `result`:
/// DepthToSpace, SpaceToDepth and PixelShuffle. A dynamic batch stays
/// dynamic (kDynamic in `split` and `result`).
mlir::FailureOr<mlir::Value> buildRearrange(mlir::OpBuilder &builder, mlir::Location loc,
                                            mlir::Value x, llvm::ArrayRef<int64_t> split,
                                            llvm::ArrayRef<int64_t> perm,
                                            llvm::ArrayRef<int64_t> result, std::string &message);

} // namespace cvc::cv

#endif // CV_COMPOSITE_H
