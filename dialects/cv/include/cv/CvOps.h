//===- CvOps.h - cv dialect operations --------------------------*- C++ -*-===//
#ifndef CV_CVOPS_H
#define CV_CVOPS_H

#include "cv/CvDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "cv/CvEnums.h.inc"

namespace cvc::cv::detail {
/// EpilogueOpInterface's verifier: a residual of the result's type, and the
/// activation's argument count.
mlir::LogicalResult verifyEpilogue(mlir::Operation *op);
/// ImagewiseOpInterface's default: the result has the dynamic batch as its
/// leading dimension, and each operand has it too or has a static shape.
bool batchStaysLeading(mlir::Operation *op);
} // namespace cvc::cv::detail

#define GET_ATTRDEF_CLASSES
#include "cv/CvAttrs.h.inc"

#include "cv/CvInterfaces.h.inc"

#define GET_OP_CLASSES
#include "cv/CvOps.h.inc"

namespace cvc::cv {

/// "[2,?,3]": a shape as the dialect's diagnostics print it.
std::string shapeString(llvm::ArrayRef<int64_t> shape);

/// Output extent of a sliding window along one spatial axis (ONNX rules),
/// or std::nullopt when the window does not fit.
std::optional<int64_t> slidingWindowExtent(int64_t in, int64_t kernel, int64_t stride,
                                           int64_t padBegin, int64_t padEnd,
                                           int64_t dilation, bool ceilMode);

/// The epilogue activation equivalent to `op` (relu, clip, leaky_relu,
/// tanh, sigmoid) and its arguments, or std::nullopt for any other op.
std::optional<std::pair<Activation, llvm::SmallVector<float, 2>>>
activationOf(mlir::Operation *op);

/// The float32 values of a constant (dense or dense_resource), copied; or
/// std::nullopt when `value` is not produced by a readable cv.constant.
std::optional<std::vector<float>> readFloatConstant(mlir::Value value);

/// A cv.constant holding `data` in a dense_resource blob keyed by `name`
/// (made unique by the context), so that weights stay elided when printed.
ConstantOp createFloatConstant(mlir::OpBuilder &builder, mlir::Location loc,
                               llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<float> data,
                               llvm::StringRef name);

/// Gives a just-built op (made with a placeholder result type) its real
/// result type from its shape rules (or its first operand's type for ops
/// without them), then verifies it. On failure, `message` holds the op's
/// first diagnostic, which is not reported: frontends re-phrase it at
/// their own location (an ONNX node, a line of a .cvm file).
mlir::LogicalResult inferAndVerify(mlir::Operation *op, std::string &message);

/// Fails, with an error at the first offending op, when a result of any op
/// under `root` has more than `maxElements` elements (dynamic extents
/// count as 1): the frontends' bound on what an untrusted model may make
/// later stages plan or allocate.
mlir::LogicalResult verifyTensorSizes(mlir::Operation *root, int64_t maxElements);

} // namespace cvc::cv

#endif // CV_CVOPS_H
