//===- Normalization.td - normalisation, dropout, softmax ---*- tablegen -*-===//

#ifndef CV_OPS_NORMALIZATION_TD
#define CV_OPS_NORMALIZATION_TD

include "cv/ops/Base.td"

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

def Cv_LRNOp : Cv_Op<"lrn", [Pure, SameOperandsAndResultType, Cv_ImagewiseOpInterface]> {
  let summary = "Local response normalisation across channels (AlexNet).";
  let description = [{
    `y = x / (bias + alpha / size * sum(x[c'] ^ 2)) ^ beta`, the sum over the
    `size` channels centred on `c` (ONNX semantics).

    ```mlir
    %y = cv.lrn %x {size = 5, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 2.0 : f32}
        : tensor<?x96x55x55xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input,
      I64Attr:$size,
      DefaultValuedAttr<F32Attr, "1.0e-4">:$alpha,
      DefaultValuedAttr<F32Attr, "0.75">:$beta,
      DefaultValuedAttr<F32Attr, "1.0">:$bias);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
  let hasVerifier = 1;
}

def Cv_BatchNormOp : Cv_Op<"batch_norm", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
  let summary = "Inference-mode batch normalisation over dimension 1.";
  let description = [{
    `y = (x - mean[c]) * scale[c] / sqrt(variance[c] + epsilon) + bias[c]`
    with the running statistics as operands, each of shape `[C]`. After a
    convolution or fully connected layer, `--cv-fold-batch-norm` folds it
    into that layer's weights and bias.

    ```mlir
    %y = cv.batch_norm %x, %scale, %bias, %mean, %var {epsilon = 1.0e-5 : f32}
        : (tensor<?x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>,
           tensor<64xf32>) -> tensor<?x64x56x56xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, Cv_Tensor:$scale, Cv_Tensor:$bias, Cv_Tensor:$mean,
      Cv_Tensor:$variance, DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict "
                       "`:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Cv_DropoutOp : Cv_Op<"dropout", [Pure, SameOperandsAndResultType]> {
  let summary = "Dropout: identity at inference, a random mask scaled by 1 / (1 - ratio) in training.";
  let description = [{
    Marks where a network drops activations while training (AlexNet's and
    VGG's classifiers, GoogLeNet's heads). Inference folds it away: its
    folder returns the input, so canonicalisation removes it; the training
    pipeline reads `ratio` before that.

    ```mlir
    %y = cv.dropout %x {ratio = 5.0e-01 : f32} : tensor<?x4096xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, DefaultValuedAttr<F32Attr, "0.5">:$ratio);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Cv_SoftmaxOp : Cv_Op<"softmax", [Pure, SameOperandsAndResultType, Cv_ImagewiseOpInterface]> {
  let summary = "Softmax along one axis.";
  let description = [{
    ```mlir
    %y = cv.softmax %x {axis = 1} : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, I64Attr:$axis);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
  let hasVerifier = 1;
}

def Cv_LogSoftmaxOp : Cv_Op<"log_softmax", [Pure, SameOperandsAndResultType,
    Cv_ImagewiseOpInterface]> {
  let summary = "log(softmax(x)) along one axis, computed stably.";
  let description = [{
    ```mlir
    %y = cv.log_softmax %x {axis = 1} : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, I64Attr:$axis);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
  let hasVerifier = 1;
}

def Cv_LRNBackwardOp : Cv_Op<"lrn_backward", [Pure, SameOperandsAndResultType]> {
  let summary = "Gradient of cv.lrn with respect to its input.";
  let description = [{
    With s[c] = bias + alpha / size * sum of x[c']^2 over c's window,
    dx[k] = dy[k] s[k]^-beta - 2 alpha beta / size * x[k] * sum, over the
    windows containing k, of dy[c] x[c] s[c]^(-beta - 1). The attributes
    are the forward op's.

    ```mlir
    %dx = cv.lrn_backward %x, %dy {size = 5, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 2.0 : f32}
        : tensor<8x96x55x55xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, Cv_Tensor:$output_grad, I64Attr:$size,
      DefaultValuedAttr<F32Attr, "1.0e-4">:$alpha,
      DefaultValuedAttr<F32Attr, "0.75">:$beta,
      DefaultValuedAttr<F32Attr, "1.0">:$bias);
  let results = (outs Cv_Tensor:$input_grad);
  let assemblyFormat = "$input `,` $output_grad attr-dict `:` type($input_grad)";
}

def Cv_DropoutMaskOp : Cv_Op<"dropout_mask", [Pure]> {
  let summary = "The mask a training step multiplies a cv.dropout's input by.";
  let description = [{
    Element `i` (row-major) of the result is 0 with probability `ratio` and
    `1 / (1 - ratio)` otherwise, drawn from a hash of (`seed`, the step
    count, `i`), so that a step is reproducible and a resumed run draws the
    masks an uninterrupted one would. With u = hash(seed, step, i):

        h = i * 0x9E3779B1 ^ step * 0x85EBCA77 ^ (seed + 1) * 0xC2B2AE3D
        h ^= h >> 16; h *= 0x85EBCA6B; h ^= h >> 13; h *= 0xC2B2AE35; h ^= h >> 16
        mask[i] = h < ratio * 2^32 ? 0 : 1 / (1 - ratio)      (uint32 arithmetic)

    With `sample_offset` (a [1] tensor, k), `i` counts from sample k of a
    larger batch: i = k * (elements per sample) + the row-major index. A
    data-parallel rank holding samples [k, k + N) of a global batch then
    draws the masks one process running the whole batch would.

    ```mlir
    %m = cv.dropout_mask %step {ratio = 5.0e-01 : f32, seed = 0} : (tensor<1xf32>) -> tensor<32x4096xf32>
    %r = cv.dropout_mask %step, %offset {ratio = 5.0e-01 : f32, seed = 0} : (tensor<1xf32>, tensor<1xf32>) -> tensor<32x4096xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$step, Optional<Cv_Tensor>:$sample_offset, F32Attr:$ratio,
      I64Attr:$seed);
  let results = (outs Cv_Tensor:$mask);
  let assemblyFormat = "$step (`,` $sample_offset^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // CV_OPS_NORMALIZATION_TD
