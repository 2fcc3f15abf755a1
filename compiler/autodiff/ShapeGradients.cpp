//===- ShapeGradients.cpp - data movement and reductions ----------------===//
//
// The gradient of data movement moves the result's gradient back; that of
// a reduction spreads it over the reduced positions (cv.expand).
//
//===----------------------------------------------------------------------===//
#include "Gradients.h"

using namespace mlir;

namespace cvc::autodiff {
namespace {

LogicalResult concatGradients(cv::ConcatOp concat, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                              OperandGradients &grads) {
  RankedTensorType type = tensorType(dy);
  int64_t axis = concat.getAxis(), offset = 0;
  for (auto [i, input] : llvm::enumerate(concat.getInputs())) {
    int64_t extent = tensorType(input).getDimSize(axis);
    if (wanted[i]) {
      SmallVector<int64_t> starts(type.getRank(), 0), sizes(type.getShape()),
          steps(type.getRank(), 1);
      starts[axis] = offset;
      sizes[axis] = extent;
      grads[i] = b.create<cv::SliceOp>(concat.getLoc(), dy, starts, sizes, steps);
    }
    offset += extent;
  }
  return success();
}

LogicalResult reshapeGradients(cv::ReshapeOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                               OperandGradients &grads) {
  if (wanted[0])
    grads[0] = reshape(b, op.getLoc(), dy, tensorType(op.getInput()).getShape());
  return success();
}

LogicalResult transposeGradients(cv::TransposeOp transpose, OpBuilder &b, Value dy,
                                 ArrayRef<bool> wanted, OperandGradients &grads) {
  if (!wanted[0])
    return success();
  ArrayRef<int64_t> perm = transpose.getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[perm[i]] = static_cast<int64_t>(i);
  grads[0] = b.create<cv::TransposeOp>(transpose.getLoc(), dy, inverse);
  return success();
}

/// A unit-step slice's gradient is its gradient padded back with zeros.
LogicalResult sliceGradients(cv::SliceOp slice, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                             OperandGradients &grads) {
  if (!wanted[0])
    return success();
  if (llvm::any_of(slice.getSteps(), [](int64_t s) { return s != 1; }))
    return slice.emitOpError() << "with steps other than 1 has no gradient rule yet";
  ArrayRef<int64_t> in = tensorType(slice.getInput()).getShape(), sizes = slice.getSizes();
  SmallVector<int64_t> pads(2 * in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    pads[i] = slice.getStarts()[i];
    pads[i + in.size()] = in[i] - slice.getStarts()[i] - sizes[i];
  }
  grads[0] = b.create<cv::PadOp>(slice.getLoc(), dy, pads, cv::PadMode::constant,
                                 llvm::APFloat(0.0f));
  return success();
}

/// A constant pad's gradient is the slice of its gradient it padded.
LogicalResult padGradients(cv::PadOp pad, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                           OperandGradients &grads) {
  if (!wanted[0])
    return success();
  if (pad.getMode() != cv::PadMode::constant)
    return pad.emitOpError() << "in reflect or edge mode has no gradient rule yet";
  ArrayRef<int64_t> pads = pad.getPads(), in = tensorType(pad.getInput()).getShape();
  SmallVector<int64_t> starts, steps(in.size(), 1);
  for (size_t i = 0; i < in.size(); ++i) {
    if (pads[i] < 0 || pads[i + in.size()] < 0)
      return pad.emitOpError() << "that crops has no gradient rule yet";
    starts.push_back(pads[i]);
  }
  grads[0] = b.create<cv::SliceOp>(pad.getLoc(), dy, starts, in, steps);
  return success();
}

LogicalResult reduceGradients(cv::ReduceOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                              OperandGradients &grads) {
  if (!wanted[0])
    return success();
  Location loc = op.getLoc();
  RankedTensorType inType = tensorType(op.getInput());
  switch (op.getKind()) {
  case cv::ReduceKind::sum:
    grads[0] = b.create<cv::ExpandOp>(loc, inType, dy);
    return success();
  case cv::ReduceKind::mean: {
    int64_t count = 1;
    for (int64_t axis : op.getAxes())
      count *= inType.getDimSize(axis);
    Value expanded = b.create<cv::ExpandOp>(loc, inType, dy);
    grads[0] = b.create<cv::MulOp>(loc, expanded, splat(b, loc, 1.0f / count));
    return success();
  }
  default:
    return op.emitOpError() << "max and min reductions have no gradient rule yet";
  }
}

LogicalResult expandGradients(cv::ExpandOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                              OperandGradients &grads) {
  if (wanted[0])
    grads[0] = sumToType(b, op.getLoc(), dy, tensorType(op.getInput()));
  return success();
}

} // namespace

void registerShapeGradients(DialectRegistry &registry) {
  addGradientExtension(registry, [](MLIRContext &ctx) {
    attachGradients<concatGradients, cv::ConcatOp>(ctx);
    attachGradients<reshapeGradients, cv::ReshapeOp>(ctx);
    attachGradients<transposeGradients, cv::TransposeOp>(ctx);
    attachGradients<sliceGradients, cv::SliceOp>(ctx);
    attachGradients<padGradients, cv::PadOp>(ctx);
    attachGradients<reduceGradients, cv::ReduceOp>(ctx);
    attachGradients<expandGradients, cv::ExpandOp>(ctx);
  });
}

} // namespace cvc::autodiff
