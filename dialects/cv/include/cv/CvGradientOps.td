//===- CvGradientOps.td - ops that training adds ------------*- tablegen -*-===//
//
// The backward ops that reverse-mode autodiff (compiler/autodiff) emits where
// a gradient is not itself a composition of forward ops, and the loss. Each
// names the forward op it differentiates and takes that op's attributes, so
// that a kernel can recompute what it needs (a max pool's winners, an average
// pool's divisors) instead of the forward pass saving it.
//
//===----------------------------------------------------------------------===//

#ifndef CV_GRADIENT_OPS_TD
#define CV_GRADIENT_OPS_TD

defvar Cv_ConvAttrs = (ins
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<I64Attr, "1">:$groups);

def Cv_Conv2DBackwardInputOp : Cv_Op<"conv2d_backward_input", [Pure]> {
  let summary = "Gradient of cv.conv2d with respect to its input.";
  let description = [{
    Given the gradient of a convolution's result and its weight, the gradient
    of its input (a transposed convolution). The result type is the forward
    input's type; the attributes are the forward convolution's.

    ```mlir
    %dx = cv.conv2d_backward_input %dy, %w {pads = array<i64: 2, 2, 2, 2>}
        : (tensor<8x6x28x28xf32>, tensor<6x1x5x5xf32>) -> tensor<8x1x28x28xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$output_grad, Cv_Tensor:$weight), Cv_ConvAttrs);
  let results = (outs Cv_Tensor:$input_grad);
  let assemblyFormat = "$output_grad `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Cv_Conv2DBackwardWeightOp : Cv_Op<"conv2d_backward_weight", [Pure]> {
  let summary = "Gradient of cv.conv2d with respect to its weight.";
  let description = [{
    Sums, over the batch and every output position, the product of the result
    gradient with the input window it saw. The result type is the weight's.

    ```mlir
    %dw = cv.conv2d_backward_weight %x, %dy {pads = array<i64: 2, 2, 2, 2>}
        : (tensor<8x1x28x28xf32>, tensor<8x6x28x28xf32>) -> tensor<6x1x5x5xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$output_grad), Cv_ConvAttrs);
  let results = (outs Cv_Tensor:$weight_grad);
  let assemblyFormat = "$input `,` $output_grad attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Cv_MaxPool2DBackwardOp : Cv_Op<"max_pool2d_backward", [Pure]> {
  let summary = "Gradient of cv.max_pool2d with respect to its input.";
  let description = [{
    Each window's gradient goes to the first position (row-major within the
    window) holding the window's maximum, as PyTorch and ONNX Runtime choose;
    positions that win several overlapping windows receive the sum.

    ```mlir
    %dx = cv.max_pool2d_backward %x, %dy {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : (tensor<8x6x28x28xf32>, tensor<8x6x14x14xf32>) -> tensor<8x6x28x28xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, Cv_Tensor:$output_grad,
      DenseI64ArrayAttr:$kernel,
      DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs Cv_Tensor:$input_grad);
  let assemblyFormat = "$input `,` $output_grad attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Cv_AvgPool2DBackwardOp : Cv_Op<"avg_pool2d_backward", [Pure]> {
  let summary = "Gradient of cv.avg_pool2d with respect to its input.";
  let description = [{
    Spreads each window's gradient evenly over the positions it averaged,
    with the forward op's divisor. The result type is the forward input's.

    ```mlir
    %dx = cv.avg_pool2d_backward %dy {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : (tensor<8x6x14x14xf32>) -> tensor<8x6x28x28xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$output_grad,
      DenseI64ArrayAttr:$kernel,
      DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
      DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs Cv_Tensor:$input_grad);
  let assemblyFormat = "$output_grad attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Cv_ActivationBackwardOp : Cv_Op<"activation_backward",
    [Pure, SameOperandsAndResultType]> {
  let summary = "Gradient of an activation, computed from the activation's result.";
  let description = [{
    Every activation cv fuses into a layer has a derivative that its result
    determines (relu: y > 0; tanh: 1 - y²; sigmoid: y (1 - y); clip: min < y <
    max; leaky_relu: y > 0 or alpha), so the gradient needs only the result,
    which is also what a fused layer keeps.

    ```mlir
    %dx = cv.activation_backward %y, %dy {activation = #cv<activation relu>} : tensor<8x6x28x28xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$output, Cv_Tensor:$output_grad, Cv_ActivationAttr:$activation,
      DefaultValuedAttr<DenseF32ArrayAttr, "{}">:$activation_args);
  let results = (outs Cv_Tensor:$input_grad);
  let assemblyFormat = "$output `,` $output_grad attr-dict `:` type($input_grad)";
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

    ```mlir
    %m = cv.dropout_mask %step {ratio = 5.0e-01 : f32, seed = 0} : (tensor<1xf32>) -> tensor<32x4096xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$step, F32Attr:$ratio, I64Attr:$seed);
  let results = (outs Cv_Tensor:$mask);
  let assemblyFormat = "$step attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Cv_ExpandOp : Cv_Op<"expand", [Pure]> {
  let summary = "Broadcasts a tensor to the result's shape (numpy rules).";
  let description = [{
    The gradient of a reduction: every reduced position receives the
    reduced value's gradient.

    ```mlir
    %y = cv.expand %x : (tensor<1x64x1x1xf32>) -> tensor<8x64x56x56xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // CV_GRADIENT_OPS_TD
