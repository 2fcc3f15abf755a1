//===- VerifyLowerable.cpp - reject IR the code generator cannot lower --===//
//
// The Halide lowering assumes float32 cv ops whose only dynamic dimension is
// the leading batch. Checking that here, with a diagnostic at the op, keeps
// those assumptions out of every lowering function and turns hand-written or
// imported IR that breaks them into a clear error instead of a crash.
//
//===----------------------------------------------------------------------===//
#include "cv/CvOps.h"
#include "cvc/passes/Passes.h"

#include "mlir/IR/BuiltinTypes.h"

namespace cvc {
#define GEN_PASS_DEF_CVVERIFYLOWERABLE
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;

namespace {

LogicalResult checkType(Operation *op, Type type, StringRef what) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return op->emitOpError() << what << " must be a ranked tensor, got " << type;
  if (!tensor.getElementType().isF32())
    return op->emitOpError() << what << " must have float32 elements, got " << type;
  if (tensor.getRank() > 8)
    return op->emitOpError() << what << " has rank " << tensor.getRank()
                             << "; at most 8 is supported";
  for (int64_t i = 1; i < tensor.getRank(); ++i)
    if (tensor.isDynamicDim(i))
      return op->emitOpError() << what << " " << type
                               << ": only the leading (batch) dimension may be dynamic";
  // Halide buffers index with 32-bit integers; one image must fit.
  int64_t elements = 1;
  for (int64_t d : tensor.getShape())
    if (!ShapedType::isDynamic(d) && (elements *= d) > INT32_MAX)
      return op->emitOpError() << what << " " << type
                               << " is too large: kernels address at most 2^31-1 elements";
  return success();
}

struct CvVerifyLowerablePass
    : public cvc::impl::CvVerifyLowerableBase<CvVerifyLowerablePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    bool failed = false;
    for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
      failed |= mlir::failed(checkType(func, type, "argument #" + std::to_string(i)));
    for (auto [i, type] : llvm::enumerate(func.getResultTypes()))
      failed |= mlir::failed(checkType(func, type, "result #" + std::to_string(i)));
    func.walk([&](Operation *op) {
      if (op == func.getOperation() || llvm::isa<func::ReturnOp>(op))
        return;
      if (op->getDialect() == nullptr ||
          !llvm::isa<cvc::cv::CvDialect>(op->getDialect())) {
        op->emitOpError() << "is not a cv dialect op; the code generator cannot lower it";
        failed = true;
        return;
      }
      for (auto [i, type] : llvm::enumerate(op->getResultTypes()))
        failed |= mlir::failed(checkType(op, type, "result #" + std::to_string(i)));
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
