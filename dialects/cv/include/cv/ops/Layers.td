//===- Layers.td - convolution and fully connected layers ---*- tablegen -*-===//

#ifndef CV_OPS_LAYERS_TD
#define CV_OPS_LAYERS_TD

include "cv/ops/Base.td"
include "cv/CvInterfaces.td"

//===----------------------------------------------------------------------===//
// Convolution and fully connected layers
//===----------------------------------------------------------------------===//

def Cv_Activation : I32EnumAttr<"Activation", "activation applied in a layer's epilogue", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"relu", 1>, I32EnumAttrCase<"clip", 2>,
    I32EnumAttrCase<"leaky_relu", 3>, I32EnumAttrCase<"tanh", 4>,
    I32EnumAttrCase<"sigmoid", 5>, I32EnumAttrCase<"hard_sigmoid", 6>,
    I32EnumAttrCase<"hard_swish", 7>, I32EnumAttrCase<"swish", 8>, I32EnumAttrCase<"gelu", 9>,
    I32EnumAttrCase<"mish", 10>]> {
  let cppNamespace = "::cvc::cv";
  let genSpecializedAttr = 0;
}
def Cv_ActivationAttr : EnumAttr<Cv_Dialect, Cv_Activation, "activation">;

// The epilogue a layer applies to its accumulators before storing them:
// y = activation(acc + bias + residual). `activation_args` holds [min, max]
// for clip, [alpha] for leaky_relu and [alpha, beta] for hard_sigmoid,
// nothing otherwise. Set by the
// epilogue fusion pass; frontends emit plain layers.
defvar Cv_EpilogueArgs = (ins Optional<Cv_Tensor>:$residual,
    DefaultValuedAttr<Cv_ActivationAttr, "::cvc::cv::Activation::none">:$activation,
    DefaultValuedAttr<DenseF32ArrayAttr, "{}">:$activation_args);

class Cv_LayerOp<string mnemonic> : Cv_Op<mnemonic,
    [Pure, InferTypeOpAdaptor, AttrSizedOperandSegments, Cv_EpilogueOpInterface,
     Cv_ImagewiseOpInterface]> {
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? (`residual` $residual^)? attr-dict "
                       "`:` functional-type(operands, results)";
}

def Cv_Conv2DOp : Cv_LayerOp<"conv2d"> {
  let summary = "2-D convolution (cross-correlation), NCHW input, OIHW weight.";
  let description = [{
    `pads` is `[top, left, bottom, right]`. With `groups = g`, input and output
    channels split into `g` groups convolved independently; the weight's second
    dimension is `C / g`. The optional `residual` (same shape as the result)
    and `activation` form the fused epilogue: y = activation(conv + bias +
    residual), computed in the same kernel.

    ```mlir
    %y = cv.conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>}
        : (tensor<?x1x28x28xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>) -> tensor<?x6x28x28xf32>
    %z = cv.conv2d %y, %w2, %b2 residual %y {activation = #cv<activation relu>, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<?x6x28x28xf32>, tensor<6x6x3x3xf32>, tensor<6xf32>, tensor<?x6x28x28xf32>) -> tensor<?x6x28x28xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$weight, Optional<Cv_Tensor>:$bias),
      Cv_EpilogueArgs,
      (ins DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
      DefaultValuedAttr<I64Attr, "1">:$groups));
}

def Cv_ConvTranspose2DOp : Cv_LayerOp<"conv_transpose2d"> {
  let summary = "Transposed 2-D convolution (ONNX ConvTranspose), NCHW input, [C, M/groups, kh, kw] weight.";
  let description = [{
    The adjoint of `cv.conv2d` with the same strides, pads, dilations and
    groups: each input pixel scatters its weighted window into the result,
    which is what decoders (U-Net, FPN, GAN generators) upsample with. The
    weight is laid out as ONNX's, input channels first; with `groups = g`
    the result has `M = weight[1] * g` channels. The result is
    `(in - 1) * stride - pad_begin - pad_end + dilation * (k - 1) +
    output_padding + 1` pixels per axis; `output_padding` (below the stride
    or the dilation) resolves which of the input sizes that a stride maps
    to the same output the result has. Bias and the fused epilogue are those
    of `cv.conv2d`.

    ```mlir
    %y = cv.conv_transpose2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, output_padding = array<i64: 1, 1>}
        : (tensor<?x64x16x16xf32>, tensor<64x32x3x3xf32>, tensor<32xf32>) -> tensor<?x32x32x32xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$weight, Optional<Cv_Tensor>:$bias),
      Cv_EpilogueArgs,
      (ins DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
      DefaultValuedAttr<I64Attr, "1">:$groups,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$output_padding));
}

def Cv_FullyConnectedOp : Cv_LayerOp<"fully_connected"> {
  let summary = "Fully connected layer: x · Wᵀ + b.";
  let description = [{
    `input` is `[N, K]`, `weight` is `[M, K]`, the optional `bias` is `[M]`;
    the result is `[N, M]`. `residual` and `activation` form the fused
    epilogue as for `cv.conv2d`.

    ```mlir
    %y = cv.fully_connected %x, %w, %b
        : (tensor<?x400xf32>, tensor<120x400xf32>, tensor<120xf32>) -> tensor<?x120xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$weight, Optional<Cv_Tensor>:$bias),
      Cv_EpilogueArgs);
}

def Cv_MatMulOp : Cv_LayerOp<"matmul"> {
  let summary = "Weight times each batch element's matrix: a 1x1 convolution over pixels.";
  let description = [{
    `input` is `[B, K, N]`, `weight` is `[M, K]`, the optional `bias` is `[M]`;
    the result is `[B, M, N]` with `y[b, m, n] = sum_k w[m, k] * x[b, k, n] +
    bias[m]`. A stride-1, unpadded 1x1 convolution on NCHW is this product
    with N = H * W (`--cv-conv1x1-to-matmul`), lowered through the GEMM
    schedule. `residual` and `activation` form the fused epilogue as for
    `cv.conv2d`.

    ```mlir
    %y = cv.matmul %x, %w, %b
        : (tensor<?x256x3136xf32>, tensor<64x256xf32>, tensor<64xf32>) -> tensor<?x64x3136xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$weight, Optional<Cv_Tensor>:$bias),
      Cv_EpilogueArgs);
}

def Cv_LinearOp : Cv_LayerOp<"linear"> {
  let summary = "A linear layer on the last dimension: x · W + b for every leading index.";
  let description = [{
    `input` is `[..., M, K]` (rank 2 or more), `weight` is `[K, N]`, shared
    by every leading index, and the optional `bias` is `[N]`; the result is
    `[..., M, N]`. A rank-3 weight `[N/b, K, b]` holds the same matrix in
    panels of b columns, each contiguous over K (`--cv-block-layout` packs
    constant weights so). It is `cv.batch_matmul` with a rank-2 right operand plus
    the fused epilogue of `cv.conv2d`, whose channels are the last
    dimension here: channels-last linear layers (ConvNeXt's and
    transformers' MLPs, exported as MatMul, Add, then an activation) apply
    their bias and activation before the result is stored. Made by
    `--cv-fuse-epilogue`, after autodiff: frontends emit `cv.batch_matmul`.

    ```mlir
    %y = cv.linear %x, %w, %b {activation = #cv<activation gelu>}
        : (tensor<?x56x56x96xf32>, tensor<96x384xf32>, tensor<384xf32>) -> tensor<?x56x56x384xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$weight, Optional<Cv_Tensor>:$bias),
      Cv_EpilogueArgs);
}

def Cv_BatchMatMulOp : Cv_Op<"batch_matmul", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
  let summary = "Matrix products over leading batch dimensions that broadcast (ONNX MatMul).";
  let description = [{
    `lhs` is `[..., M, K]` and `rhs` `[..., K, N]`; their leading dimensions
    broadcast like numpy's (a 2-D operand is shared by every batch), and the
    result is `[..., M, N]`. Both may be activations (attention-like
    products) or one a constant.

    ```mlir
    %y = cv.batch_matmul %a, %b : (tensor<?x8x64x32xf32>, tensor<?x8x32x64xf32>) -> tensor<?x8x64x64xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$lhs, Cv_Tensor:$rhs);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

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

#endif // CV_OPS_LAYERS_TD
