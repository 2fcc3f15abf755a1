//===- Shape.cpp - cv.transpose, cv.slice and cv.pad as Halide pipelines ===//
//
// Pure data movement: each output element reads one input element. The
// schedules vectorise the output's innermost dimension (the pointwise
// space of Family.h); reads may gather.
//
//===----------------------------------------------------------------------===//
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

ScheduleSpace resultSpace(Operation *op, const KernelContext &context) {
  return pointwiseSpace(halideShape(op->getResult(0)), context);
}

FailureOr<Kernel> buildTranspose(cv::TransposeOp op, const KernelContext &context,
                                 const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int rank = static_cast<int>(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  std::vector<Var> vars = makeVars(rank);
  // Tensor dimension i of the result is tensor dimension perm[i] of the input;
  // Halide numbers dimensions from the innermost.
  std::vector<Expr> index(rank);
  ArrayRef<int64_t> perm = op.getPerm();
  for (int i = 0; i < rank; ++i)
    index[rank - 1 - perm[i]] = vars[rank - 1 - i];
  return finishPointwise(kernel, "transpose", vars, input(index), point);
}

FailureOr<Kernel> buildSlice(cv::SliceOp op, const KernelContext &context,
                             const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int rank = static_cast<int>(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  std::vector<Var> vars = makeVars(rank);
  std::vector<Expr> index(rank);
  for (int d = 0; d < rank; ++d) {
    int h = rank - 1 - d;
    index[h] = static_cast<int>(op.getStarts()[d]) + vars[h] * static_cast<int>(op.getSteps()[d]);
  }
  return finishPointwise(kernel, "slice", vars, input(index), point);
}

FailureOr<Kernel> buildPad(cv::PadOp op, const KernelContext &context,
                             const SchedulePoint &point) {
  std::vector<int64_t> inShape = halideShape(op.getInput());
  std::vector<int64_t> shape = halideShape(op.getOutput());
  int rank = static_cast<int>(shape.size());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  Halide::Region bounds;
  for (int h = 0; h < rank; ++h)
    bounds.push_back(inShape[h] < 0 ? Halide::Range() : Halide::Range(0, static_cast<int>(inShape[h])));
  Func bounded;
  switch (op.getMode()) {
  case cv::PadMode::constant:
    bounded = Halide::BoundaryConditions::constant_exterior(input, op.getValue().convertToFloat(),
                                                            bounds);
    break;
  case cv::PadMode::reflect:
    bounded = Halide::BoundaryConditions::mirror_interior(input, bounds);
    break;
  case cv::PadMode::edge:
    bounded = Halide::BoundaryConditions::repeat_edge(input, bounds);
    break;
  }
  std::vector<Var> vars = makeVars(rank);
  std::vector<Expr> index;
  for (int h = 0; h < rank; ++h)
    index.push_back(vars[h] - static_cast<int>(op.getPads()[rank - 1 - h]));
  return finishPointwise(kernel, "pad", vars, bounded(index), point);
}

FailureOr<Kernel> buildExpand(cv::ExpandOp op, const KernelContext &context,
                             const SchedulePoint &point) {
  std::vector<int64_t> shape = halideShape(op.getOutput());
  std::vector<int64_t> inShape = halideShape(op.getInput());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  std::vector<Var> vars = makeVars(shape.size());
  std::vector<Expr> index;
  for (size_t i = 0; i < inShape.size(); ++i)
    index.push_back(inShape[i] == 1 ? Expr(0) : Expr(vars[i]));
  return finishPointwise(kernel, "expand", vars, input(index), point);
}

} // namespace

void registerShapeKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<resultSpace, buildTranspose, cv::TransposeOp>(ctx);
    attachKernels<resultSpace, buildSlice, cv::SliceOp>(ctx);
    attachKernels<resultSpace, buildPad, cv::PadOp>(ctx);
    attachKernels<resultSpace, buildExpand, cv::ExpandOp>(ctx);
  });
}

} // namespace cvc::halide
