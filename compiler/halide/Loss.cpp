//===- Loss.cpp - softmax cross-entropy and its gradient ----------------===//
//
// Labels arrive as float class indices; a label outside [0, K) is clamped
// here, and the training loop rejects such data before it gets this far.
// Both kernels recompute the softmax from the logits (one pass over a
// [N, K] tensor), which is cheaper than keeping it alive across the step.
//
//===----------------------------------------------------------------------===//
#include "Families.h"
#include "Tensor.h"

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

Expr target(Expr k, Expr label, float smoothing, int classes) {
  return Halide::select(k == label, 1.0f - smoothing, 0.0f) + smoothing / classes;
}

} // namespace

FailureOr<Kernel> lowerSoftmaxCrossEntropy(cv::SoftmaxCrossEntropyOp op,
                                           const Halide::Target &) {
  auto type = llvm::cast<RankedTensorType>(op.getLogits().getType());
  int batch = static_cast<int>(type.getDimSize(0)), classes = static_cast<int>(type.getDimSize(1));
  float smoothing = op.getLabelSmoothing().convertToFloat();
  Halide::ImageParam logits = makeInput(op.getLogits(), "logits");
  Halide::ImageParam labels = makeInput(op.getLabels(), "labels");
  Var n("n"), i("i");
  SoftmaxRows rows = softmaxRows(logits, labels, classes, n);
  RDom k(0, classes, "k");
  Func sampleLoss("sample_loss");
  sampleLoss(n) = rows.logSumExp(n) -
                  Halide::sum(target(k, rows.label, smoothing, classes) * logits(k, n));
  RDom b(0, batch, "b");
  Func result("softmax_cross_entropy");
  result(i) = Halide::sum(sampleLoss(b)) / static_cast<float>(batch);
  sampleLoss.compute_root();
  rows.max.compute_at(sampleLoss, n);
  rows.logSumExp.compute_at(sampleLoss, n);
  return finishKernel(op, result, {logits, labels}, "rows", 0);
}

FailureOr<Kernel> lowerSoftmaxCrossEntropyBackward(cv::SoftmaxCrossEntropyBackwardOp op,
                                                   const Halide::Target &target_) {
  auto type = llvm::cast<RankedTensorType>(op.getLogits().getType());
  int batch = static_cast<int>(type.getDimSize(0)), classes = static_cast<int>(type.getDimSize(1));
  float smoothing = op.getLabelSmoothing().convertToFloat();
  Halide::ImageParam logits = makeInput(op.getLogits(), "logits");
  Halide::ImageParam labels = makeInput(op.getLabels(), "labels");
  Halide::ImageParam scale = makeInput(op.getScale(), "scale");
  Var k("k"), n("n");
  SoftmaxRows rows = softmaxRows(logits, labels, classes, n);
  Func result("softmax_cross_entropy_backward");
  result(k, n) = scale(0) / static_cast<float>(batch) *
                 (Halide::exp(logits(k, n) - rows.logSumExp(n)) -
                  target(k, rows.label, smoothing, classes));
  rows.logSumExp.compute_at(result, n);
  rows.max.compute_at(result, n);
  int vector = vectorWidthFor(classes, target_);
  if (vector > 1)
    result.vectorize(k, vector, Halide::TailStrategy::GuardWithIf);
  return finishKernel(op, result, {logits, labels, scale}, "rows vector=" + std::to_string(vector),
                      0);
}

} // namespace cvc::halide
