//===- Loss.cpp - softmax cross-entropy and its gradient ----------------===//
//
// Labels arrive as float class indices; a label outside [0, K) is clamped
// here, and the training loop rejects such data before it gets this far.
// Both kernels recompute the softmax from the logits (one pass over a
// [N, K] tensor), which is cheaper than keeping it alive across the step.
//
// Schedule spaces: "rows" (the loss: nothing to choose) and "rows
// vector=V" (its gradient, along the classes, guarded).
//
//===----------------------------------------------------------------------===//
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

/// Per-sample pieces of the loss for logits z(k, n): the row maximum and
/// log-sum-exp, and the smoothed target q(k, n).
struct SoftmaxRows {
  Func max, logSumExp;
  Expr label;
};

SoftmaxRows softmaxRows(Halide::ImageParam logits, Halide::ImageParam labels, int classes,
                        Var n) {
  RDom k(0, classes, "k");
  SoftmaxRows rows{Func("row_max"), Func("row_log_sum_exp"), Expr()};
  rows.max(n) = Halide::maximum(logits(k, n));
  rows.logSumExp(n) = rows.max(n) + Halide::log(Halide::sum(Halide::exp(logits(k, n) - rows.max(n))));
  rows.label = Halide::clamp(Halide::cast<int>(labels(n)), 0, classes - 1);
  return rows;
}

/// What both kernels read: the logits' shape, the smoothing, and the
/// logits and labels as their first two inputs.
struct LossInputs {
  int batch, classes;
  float smoothing;
  Halide::ImageParam logits, labels;
};

template <typename OpT> LossInputs lossInputs(OpT op, KernelBuilder &kernel) {
  auto type = llvm::cast<RankedTensorType>(op.getLogits().getType());
  return {static_cast<int>(type.getDimSize(0)), static_cast<int>(type.getDimSize(1)),
          op.getLabelSmoothing().convertToFloat(), kernel.input(op.getLogits(), "logits"),
          kernel.input(op.getLabels(), "labels")};
}

Expr smoothedTarget(Expr k, Expr label, float smoothing, int classes) {
  return Halide::select(k == label, 1.0f - smoothing, 0.0f) + smoothing / classes;
}

ScheduleSpace lossSpace(cv::SoftmaxCrossEntropyOp op, const KernelContext &context) {
  if (context.gpu())
    return pointwiseSpace(halideShape(op.getLoss()), context);
  return ScheduleSpace::fixed("rows");
}

/// On a GPU: each row's maximum and log-sum-exp once, a thread per row
/// (inline they would be recomputed for every class).
void scheduleGpuRows(const SoftmaxRows &rows, Var n, const SchedulePoint &point) {
  for (Func f : {rows.max, rows.logSumExp}) {
    f.compute_root();
    schedulePointwise(f, {n}, point);
  }
}

FailureOr<Kernel> buildLoss(cv::SoftmaxCrossEntropyOp op, const KernelContext &context,
                            const SchedulePoint &point) {
  KernelBuilder kernel(op, context);
  auto [batch, classes, smoothing, logits, labels] = lossInputs(op, kernel);
  Var n("n"), i("i");
  SoftmaxRows rows = softmaxRows(logits, labels, classes, n);
  RDom k(0, classes, "k");
  Func sampleLoss("sample_loss");
  sampleLoss(n) = rows.logSumExp(n) -
                  Halide::sum(smoothedTarget(k, rows.label, smoothing, classes) * logits(k, n));
  RDom b(0, batch, "b");
  Func result("softmax_cross_entropy");
  result(i) = Halide::sum(sampleLoss(b)) / static_cast<float>(batch);
  sampleLoss.compute_root();
  if (context.gpu()) {
    scheduleGpuRows(rows, n, point);
    schedulePointwise(sampleLoss, {n}, point);
    schedulePointwise(result, {i}, point);
    return kernel.finish(result, 0);
  }
  rows.max.compute_at(sampleLoss, n);
  rows.logSumExp.compute_at(sampleLoss, n);
  return kernel.finish(result, 0);
}

ScheduleSpace lossGradSpace(cv::SoftmaxCrossEntropyBackwardOp op, const KernelContext &context) {
  int64_t classes = llvm::cast<RankedTensorType>(op.getLogits().getType()).getDimSize(1);
  if (context.gpu())
    return pointwiseSpace(halideShape(op.getLogits()), context);
  ScheduleSpace space;
  space.addAlgorithm("rows").add("vector", guardedVectorWidths(context));
  space.defaultPoint = SchedulePoint("rows").set("vector", vectorWidthFor(classes, context));
  return space;
}

FailureOr<Kernel> buildLossGrad(cv::SoftmaxCrossEntropyBackwardOp op,
                                const KernelContext &context, const SchedulePoint &point) {
  KernelBuilder kernel(op, context);
  auto [batch, classes, smoothing, logits, labels] = lossInputs(op, kernel);
  Halide::ImageParam scale = kernel.input(op.getScale(), "scale");
  Var k("k"), n("n");
  SoftmaxRows rows = softmaxRows(logits, labels, classes, n);
  Func result("softmax_cross_entropy_backward");
  result(k, n) = scale(0) / static_cast<float>(batch) *
                 (Halide::exp(logits(k, n) - rows.logSumExp(n)) -
                  smoothedTarget(k, rows.label, smoothing, classes));
  if (context.gpu()) {
    scheduleGpuRows(rows, n, point);
    schedulePointwise(result, {k, n}, point);
    return kernel.finish(result, 0);
  }
  rows.logSumExp.compute_at(result, n);
  rows.max.compute_at(result, n);
  int vector = point.getInt("vector");
  if (vector > 1)
    result.vectorize(k, vector, Halide::TailStrategy::GuardWithIf);
  return kernel.finish(result, 0);
}

} // namespace

void registerLossKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<lossSpace, buildLoss, cv::SoftmaxCrossEntropyOp>(ctx);
    attachKernels<lossGradSpace, buildLossGrad, cv::SoftmaxCrossEntropyBackwardOp>(ctx);
  });
}

} // namespace cvc::halide
