//===- ShapeGradients.cpp - data movement: its gradient moves back ------===//
#include "Gradients.h"

using namespace mlir;

namespace cvc::autodiff {

LogicalResult shapeGradients(OpBuilder &b, Operation *op, Value dy, ArrayRef<bool> wanted,
                             OperandGradients &grads) {
  Location loc = op->getLoc();
  if (auto concat = llvm::dyn_cast<cv::ConcatOp>(op)) {
    RankedTensorType type = tensorType(dy);
    int64_t axis = concat.getAxis(), offset = 0;
    for (auto [i, input] : llvm::enumerate(concat.getInputs())) {
      int64_t extent = tensorType(input).getDimSize(axis);
      if (wanted[i]) {
        SmallVector<int64_t> starts(type.getRank(), 0), sizes(type.getShape()),
            steps(type.getRank(), 1);
        starts[axis] = offset;
        sizes[axis] = extent;
        grads[i] = b.create<cv::SliceOp>(loc, dy, starts, sizes, steps);
      }
      offset += extent;
    }
    return success();
  }
  if (!wanted[0])
    return success();
  Value input = op->getOperand(0);
  if (llvm::isa<cv::ReshapeOp>(op)) {
    grads[0] = reshape(b, loc, dy, tensorType(input).getShape());
    return success();
  }
  if (auto transpose = llvm::dyn_cast<cv::TransposeOp>(op)) {
    ArrayRef<int64_t> perm = transpose.getPerm();
    SmallVector<int64_t> inverse(perm.size());
    for (size_t i = 0; i < perm.size(); ++i)
      inverse[perm[i]] = static_cast<int64_t>(i);
    grads[0] = b.create<cv::TransposeOp>(loc, dy, inverse);
    return success();
  }
  if (auto slice = llvm::dyn_cast<cv::SliceOp>(op)) {
    // A unit-step slice's gradient is its gradient padded back with zeros.
    if (llvm::any_of(slice.getSteps(), [](int64_t s) { return s != 1; }))
      return op->emitOpError() << "with steps other than 1 has no gradient rule yet";
    ArrayRef<int64_t> in = tensorType(input).getShape(), sizes = slice.getSizes();
    SmallVector<int64_t> pads(2 * in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      pads[i] = slice.getStarts()[i];
      pads[i + in.size()] = in[i] - slice.getStarts()[i] - sizes[i];
    }
    grads[0] = b.create<cv::PadOp>(loc, dy, pads, cv::PadMode::constant, llvm::APFloat(0.0f));
    return success();
  }
  auto pad = llvm::cast<cv::PadOp>(op);
  if (pad.getMode() != cv::PadMode::constant)
    return op->emitOpError() << "in reflect or edge mode has no gradient rule yet";
  ArrayRef<int64_t> pads = pad.getPads(), in = tensorType(input).getShape();
  SmallVector<int64_t> starts, steps(in.size(), 1);
  for (size_t i = 0; i < in.size(); ++i) {
    if (pads[i] < 0 || pads[i + in.size()] < 0)
      return op->emitOpError() << "that crops has no gradient rule yet";
    starts.push_back(pads[i]);
  }
  grads[0] = b.create<cv::SliceOp>(loc, dy, starts, in, steps);
  return success();
}

} // namespace cvc::autodiff
