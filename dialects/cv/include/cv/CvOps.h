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

#define GET_OP_CLASSES
#include "cv/CvOps.h.inc"

namespace cvc::cv {

/// Output extent of a sliding window along one spatial axis (ONNX rules),
/// or std::nullopt when the window does not fit.
std::optional<int64_t> slidingWindowExtent(int64_t in, int64_t kernel, int64_t stride,
                                           int64_t padBegin, int64_t padEnd,
                                           int64_t dilation, bool ceilMode);

} // namespace cvc::cv

#endif // CV_CVOPS_H
