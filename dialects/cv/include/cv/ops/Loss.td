//===- Loss.td - losses of a training step -----------------*- tablegen -*-===//

#ifndef CV_OPS_LOSS_TD
#define CV_OPS_LOSS_TD

include "cv/ops/Base.td"

def Cv_SoftmaxCrossEntropyOp : Cv_Op<"softmax_cross_entropy", [Pure]> {
  let summary = "Mean softmax cross-entropy of [N, K] logits against class labels.";
  let description = [{
    `labels` is `[N]` holding class indices as floats (exact up to 2^24).
    With label smoothing `e`, the target distribution is `(1 - e)` on the
    label plus `e / K` everywhere. The result is the mean over the batch, a
    `[1]` tensor.

    ```mlir
    %loss = cv.softmax_cross_entropy %logits, %labels {label_smoothing = 0.1 : f32}
        : (tensor<32x10xf32>, tensor<32xf32>) -> tensor<1xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$logits, Cv_Tensor:$labels,
      DefaultValuedAttr<F32Attr, "0.0">:$label_smoothing);
  let results = (outs Cv_Tensor:$loss);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Cv_SoftmaxCrossEntropyBackwardOp : Cv_Op<"softmax_cross_entropy_backward", [Pure]> {
  let summary = "Gradient of cv.softmax_cross_entropy with respect to the logits.";
  let description = [{
    `scale * (softmax(logits) - target) / N`, where `scale` is the gradient
    of the loss itself (a `[1]` tensor: 1 for the main loss, the weight of
    an auxiliary classifier's loss).

    ```mlir
    %dz = cv.softmax_cross_entropy_backward %logits, %labels, %scale
        : (tensor<32x10xf32>, tensor<32xf32>, tensor<1xf32>) -> tensor<32x10xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$logits, Cv_Tensor:$labels, Cv_Tensor:$scale,
      DefaultValuedAttr<F32Attr, "0.0">:$label_smoothing);
  let results = (outs Cv_Tensor:$logits_grad);
  let assemblyFormat = "$logits `,` $labels `,` $scale attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // CV_OPS_LOSS_TD
