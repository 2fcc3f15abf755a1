//===- Gradients.cpp - asking an op for its gradient; shared builders ---===//
#include "Gradients.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

#include "cvc/autodiff/GradientInterface.cpp.inc"

namespace cvc::autodiff {

void registerGradientInterfaces(DialectRegistry &registry) {
  registerLayerGradients(registry);
  registerPoolGradients(registry);
  registerElementwiseGradients(registry);
  registerNormalizationGradients(registry);
  registerShapeGradients(registry);
  registerResampleGradients(registry);
}

void addGradientExtension(DialectRegistry &registry, void (*attach)(MLIRContext &)) {
  registry.addExtension(std::function<void(MLIRContext *, cv::CvDialect *)>(
      [attach](MLIRContext *ctx, cv::CvDialect *) { attach(*ctx); }));
}

LogicalResult emitGradients(OpBuilder &b, Operation *op, Value resultGrad, ArrayRef<bool> wanted,
                            OperandGradients &grads) {
  grads.assign(op->getNumOperands(), Value());
  auto rule = llvm::dyn_cast<GradientOpInterface>(op);
  if (!rule)
    return op->emitOpError() << "has no gradient rule yet, so a model using it cannot be "
                                "trained (it can still be compiled for inference)";
  return rule.emitGradients(b, resultGrad, wanted, grads);
}

RankedTensorType tensorType(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

Value splat(OpBuilder &b, Location loc, float value, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return b.create<cv::ConstantOp>(loc, DenseElementsAttr::get(type, value));
}

Value reshape(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  if (v.getType() == type)
    return v;
  return b.create<cv::ReshapeOp>(loc, type, v);
}

Value reduceSum(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> axes) {
  return b.create<cv::ReduceOp>(loc, v, cv::ReduceKind::sum, axes);
}

Value sumToType(OpBuilder &b, Location loc, Value grad, RankedTensorType type) {
  if (grad.getType() == type)
    return grad;
  ArrayRef<int64_t> from = tensorType(grad).getShape(), to = type.getShape();
  size_t lead = from.size() - to.size();
  SmallVector<int64_t> axes;
  for (size_t i = 0; i < from.size(); ++i)
    if (i < lead || (to[i - lead] == 1 && from[i] != 1))
      axes.push_back(static_cast<int64_t>(i));
  Value summed = axes.empty() ? grad : reduceSum(b, loc, grad, axes);
  return reshape(b, loc, summed, to);
}

} // namespace cvc::autodiff
