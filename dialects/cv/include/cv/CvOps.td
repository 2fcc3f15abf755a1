//===- CvOps.td - cv dialect operations --------------------*- tablegen -*-===//
//
// Operations of the cv dialect. Shapes follow ONNX conventions: activations
// are NCHW, convolution weights OIHW (I = input channels / groups), fully
// connected weights [out, in]. Results are inferred from operands and
// attributes; a result type that disagrees with inference is a verifier error.
//
//===----------------------------------------------------------------------===//

#ifndef CV_OPS_TD
#define CV_OPS_TD

include "cv/CvDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Cv_Tensor : TensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Cv_ConstantOp : Cv_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor: weights, biases, statistics.";
  let description = [{
    Holds weights by value. Large weights use `dense_resource` blobs, which the
    printer can elide, so a model's IR stays readable whatever its size.

    ```mlir
    %w = cv.constant dense_resource<conv1.weight> : tensor<6x1x5x5xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Cv_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Convolution and fully connected layers
//===----------------------------------------------------------------------===//

def Cv_Activation : I32EnumAttr<"Activation", "activation applied in a layer's epilogue", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"relu", 1>, I32EnumAttrCase<"clip", 2>,
    I32EnumAttrCase<"leaky_relu", 3>, I32EnumAttrCase<"tanh", 4>,
    I32EnumAttrCase<"sigmoid", 5>]> {
  let cppNamespace = "::cvc::cv";
  let genSpecializedAttr = 0;
}
def Cv_ActivationAttr : EnumAttr<Cv_Dialect, Cv_Activation, "activation">;

// The epilogue a layer applies to its accumulators before storing them:
// y = activation(acc + bias + residual). `activation_args` holds [min, max]
// for clip and [alpha] for leaky_relu, nothing otherwise. Set by the
// epilogue fusion pass; frontends emit plain layers.
defvar Cv_EpilogueArgs = (ins Optional<Cv_Tensor>:$residual,
    DefaultValuedAttr<Cv_ActivationAttr, "::cvc::cv::Activation::none">:$activation,
    DefaultValuedAttr<DenseF32ArrayAttr, "{}">:$activation_args);

class Cv_LayerOp<string mnemonic> : Cv_Op<mnemonic,
    [Pure, InferTypeOpAdaptor, AttrSizedOperandSegments]> {
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? (`residual` $residual^)? attr-dict "
                       "`:` functional-type(operands, results)";
  let hasVerifier = 1;
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

//===----------------------------------------------------------------------===//
// Channel-blocked layout
//===----------------------------------------------------------------------===//

def Cv_ToBlockedOp : Cv_Op<"to_blocked", [Pure, InferTypeOpAdaptor]> {
  let summary = "NCHW to the channel-blocked NCHW[b]c layout.";
  let description = [{
    `[N, C, H, W]` becomes `[N, C/b, H, W, b]`: element (n, c, h, w) moves to
    (n, c / b, h, w, c % b), so that b consecutive channels of one pixel are
    one vector. C must be a multiple of `block`.

    ```mlir
    %y = cv.to_blocked %x {block = 16} : (tensor<?x64x56x56xf32>) -> tensor<?x4x56x56x16xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, I64Attr:$block);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Cv_FromBlockedOp : Cv_Op<"from_blocked", [Pure, InferTypeOpAdaptor]> {
  let summary = "The channel-blocked NCHW[b]c layout back to NCHW.";
  let description = [{
    The inverse of `cv.to_blocked`: `[N, C/b, H, W, b]` becomes `[N, C, H, W]`.

    ```mlir
    %y = cv.from_blocked %x : (tensor<?x4x56x56x16xf32>) -> tensor<?x64x56x56xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Cv_BlockedConv2DOp : Cv_LayerOp<"conv2d_blocked"> {
  let summary = "2-D convolution in the channel-blocked NCHW[b]c layout.";
  let description = [{
    `input` is `[N, C/b, H, W, b]`, or `[N, C, H, W]` in plain NCHW (a first
    layer, whose 1 or 3 channels do not fill a block); `weight` is
    `[M/b, C/groups, kh, kw, b]` (the OIHW weight with output channels
    blocked innermost, laid out at compile time), the optional `bias` is
    `[M]`; the result is `[N, M/b, Ho, Wo, b]` either way. With `groups` > 1
    (blocked input only) each group's input and output channels are whole
    blocks: output block o reads input blocks g·(C/b/groups) onwards, with
    g = o / (M/b/groups).
    Strides, pads, dilations and the fused epilogue are those of
    `cv.conv2d`; the residual is blocked like the result. A non-empty
    `max_pool = [kh, kw]` (set by `--cv-fuse-pool`) ends the epilogue with
    max pooling over disjoint kh x kw windows (stride = window, no padding,
    partial windows dropped), computed tile by tile in the same kernel.

    ```mlir
    %y = cv.conv2d_blocked %x, %w, %b {pads = array<i64: 1, 1, 1, 1>}
        : (tensor<?x4x56x56x16xf32>, tensor<4x64x3x3x16xf32>, tensor<64xf32>) -> tensor<?x4x56x56x16xf32>
    %z = cv.conv2d_blocked %rgb, %w1 {pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>}
        : (tensor<?x3x224x224xf32>, tensor<4x3x7x7x16xf32>) -> tensor<?x4x112x112x16xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$weight, Optional<Cv_Tensor>:$bias),
      Cv_EpilogueArgs,
      (ins DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
      DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$max_pool,
      DefaultValuedAttr<I64Attr, "1">:$groups));
}

def Cv_WinogradConv2DOp : Cv_LayerOp<"conv2d_winograd"> {
  let summary = "Stride-1 3x3 convolution in NCHW[b]c by Winograd's minimal filtering F(m x m, 3x3).";
  let description = [{
    Computes what `cv.conv2d_blocked` computes for a 3x3 window with stride 1
    and dilation 1, tile by tile: each (m+2)x(m+2) input tile d becomes
    V = Bᵀ d B, each of the (m+2)² positions ξ of V is multiplied by the
    weights of that position over the input channels (a matrix product), and
    each m x m output tile is Aᵀ M A, followed by the fused epilogue.
    `tile` is m. The interpolation points and the matrices A, B, G are those
    of `cvc::cv::winogradTransform(m)`.

    `input` is `[N, C/b, H, W, b]`; `weight` is the transformed weight
    U = G g Gᵀ laid out `[(m+2)², M/b, C, b]`, i.e. U[ξ, o / b, c, o % b] for
    output channel o (a `cv.winograd_weights` of the 3x3 filters); the
    optional `bias` is `[M]`; the result is `[N, M/b, H + top + bottom - 2,
    W + left + right - 2, b]`. `pads` and the epilogue (bias, residual,
    activation) are those of `cv.conv2d_blocked`.

    ```mlir
    %y = cv.conv2d_winograd %x, %u, %b {pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64}
        : (tensor<?x4x56x56x16xf32>, tensor<36x4x64x16xf32>, tensor<64xf32>) -> tensor<?x4x56x56x16xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$weight, Optional<Cv_Tensor>:$bias),
      Cv_EpilogueArgs,
      (ins DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<I64Attr, "4">:$tile));
}

def Cv_WinogradWeightsOp : Cv_Op<"winograd_weights", [Pure, InferTypeOpAdaptor]> {
  let summary = "The weight transform U = G g Gᵀ of cv.conv2d_winograd.";
  let description = [{
    Turns blocked 3x3 filters `[M/b, C, 3, 3, b]` (the weight of a
    `cv.conv2d_blocked`) into the `[(m+2)², M/b, C, b]` layout that
    `cv.conv2d_winograd` with tile m reads: U[ξ, o / b, c, o % b] =
    (G g_{o,c} Gᵀ)[ξ], with G that of `cvc::cv::winogradTransform(m)`.

    The op deliberately has no folder: its result is (m+2)²/9 times larger
    than its operand (4x for m = 4), so it is not stored in model.so. When
    its operand is a constant the planner makes it a load-time kernel, run
    when a session is created, into memory the model's sessions share (see
    ModelPlan.cpp).

    ```mlir
    %u = cv.winograd_weights %w {tile = 4 : i64} : (tensor<4x64x3x3x16xf32>) -> tensor<36x4x64x16xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$weight, DefaultValuedAttr<I64Attr, "4">:$tile);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$weight attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class Cv_Pool2DOp<string mnemonic, string what> : Cv_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  // Channels are independent, so the blocked NCHW[b]c layout (rank 5, the
  // block innermost) pools the same way over dimensions 2 and 3.
  let summary = what # " pooling over the two spatial dimensions of NCHW or NCHW[b]c.";
  // A 1x1 window with stride 1 and no padding (an adaptive pooling to the
  // size it already has) is the identity.
  let hasFolder = 1;
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Cv_MaxPool2DOp : Cv_Pool2DOp<"max_pool2d", "Max"> {
  let description = [{
    Padded positions never win. With `ceil_mode`, a last partial window is
    kept when it starts inside the input or the left/top padding.

    ```mlir
    %y = cv.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>}
        : (tensor<?x64x55x55xf32>) -> tensor<?x64x27x27xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input,
      DenseI64ArrayAttr:$kernel,
      DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
}

def Cv_AvgPool2DOp : Cv_Pool2DOp<"avg_pool2d", "Average"> {
  let description = [{
    With `count_include_pad`, the divisor is the window clipped to the padded
    input; without, it counts only positions inside the input.

    ```mlir
    %y = cv.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : (tensor<?x6x28x28xf32>) -> tensor<?x6x14x14xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input,
      DenseI64ArrayAttr:$kernel,
      DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
      DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

def Cv_LRNOp : Cv_Op<"lrn", [Pure, SameOperandsAndResultType]> {
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

def Cv_BatchNormOp : Cv_Op<"batch_norm", [Pure, InferTypeOpAdaptor]> {
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

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Cv_UnaryOp<string mnemonic, string what> : Cv_Op<mnemonic,
    [Pure, SameOperandsAndResultType, Elementwise]> {
  let summary = what;
  let arguments = (ins Cv_Tensor:$input);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

def Cv_ReluOp : Cv_UnaryOp<"relu", "Rectified linear unit, max(x, 0)."> {
  let description = [{
    ```mlir
    %y = cv.relu %x : tensor<?x64x56x56xf32>
    ```
  }];
}
def Cv_TanhOp : Cv_UnaryOp<"tanh", "Hyperbolic tangent."> {
  let description = [{
    ```mlir
    %y = cv.tanh %x : tensor<?x6x28x28xf32>
    ```
  }];
}
def Cv_SigmoidOp : Cv_UnaryOp<"sigmoid", "Logistic function, 1 / (1 + exp(-x))."> {
  let description = [{
    ```mlir
    %y = cv.sigmoid %x : tensor<?x10xf32>
    ```
  }];
}

def Cv_AbsOp : Cv_UnaryOp<"abs", "Absolute value.">;
def Cv_NegOp : Cv_UnaryOp<"neg", "Negation.">;
def Cv_ExpOp : Cv_UnaryOp<"exp", "Exponential.">;
def Cv_LogOp : Cv_UnaryOp<"log", "Natural logarithm.">;
def Cv_SqrtOp : Cv_UnaryOp<"sqrt", "Square root.">;
def Cv_ReciprocalOp : Cv_UnaryOp<"reciprocal", "1 / x.">;
def Cv_FloorOp : Cv_UnaryOp<"floor", "Rounding down.">;
def Cv_CeilOp : Cv_UnaryOp<"ceil", "Rounding up.">;
def Cv_SoftplusOp : Cv_UnaryOp<"softplus", "log(1 + exp(x)).">;

/// A unary activation with float parameters.
class Cv_ParamUnaryOp<string mnemonic, string what, dag params> : Cv_Op<mnemonic,
    [Pure, SameOperandsAndResultType, Elementwise]> {
  let summary = what;
  let arguments = !con((ins Cv_Tensor:$input), params);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

def Cv_ClipOp : Cv_ParamUnaryOp<"clip", "Clamps to [min, max] (ReLU6 is clip 0, 6).",
    (ins F32Attr:$min, F32Attr:$max)> {
  let description = [{
    ```mlir
    %y = cv.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<?x32x112x112xf32>
    ```
  }];
}
def Cv_LeakyReluOp : Cv_ParamUnaryOp<"leaky_relu", "x if x >= 0 else alpha * x.",
    (ins DefaultValuedAttr<F32Attr, "0.01">:$alpha)>;
def Cv_EluOp : Cv_ParamUnaryOp<"elu", "x if x >= 0 else alpha * (exp(x) - 1).",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;
def Cv_HardSigmoidOp : Cv_ParamUnaryOp<"hard_sigmoid", "max(0, min(1, alpha * x + beta)).",
    (ins DefaultValuedAttr<F32Attr, "0.2">:$alpha, DefaultValuedAttr<F32Attr, "0.5">:$beta)>;

class Cv_BinaryOp<string mnemonic, string what, list<Trait> traits = []>
    : Cv_Op<mnemonic, !listconcat([Pure, InferTypeOpAdaptor], traits)> {
  let summary = what # " with numpy broadcasting.";
  let description = [{
    Operands broadcast like numpy: shapes align at the innermost dimension and
    a dimension of extent 1 stretches to the other operand's.

    ```mlir
    %y = cv.}] # mnemonic # [{ %a, %b : (tensor<?x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<?x64x56x56xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$lhs, Cv_Tensor:$rhs);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  // Two constant operands (an exporter's arithmetic on weights) fold at
  // compile time.
  let hasFolder = 1;
}

def Cv_AddOp : Cv_BinaryOp<"add", "Elementwise addition", [Commutative]>;
def Cv_MaxOp : Cv_BinaryOp<"max", "Elementwise maximum", [Commutative]>;
def Cv_MinOp : Cv_BinaryOp<"min", "Elementwise minimum", [Commutative]>;
def Cv_PReluOp : Cv_BinaryOp<"prelu", "Parametric ReLU: x if x >= 0 else slope * x">;
def Cv_PowOp : Cv_BinaryOp<"pow", "Elementwise power">;
def Cv_SubOp : Cv_BinaryOp<"sub", "Elementwise subtraction">;
def Cv_MulOp : Cv_BinaryOp<"mul", "Elementwise multiplication", [Commutative]>;
def Cv_DivOp : Cv_BinaryOp<"div", "Elementwise division">;

def Cv_ConcatOp : Cv_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "Concatenation along one axis (Inception and fire modules).";
  let description = [{
    All operands have the same shape except along `axis`; the result's extent
    there is the sum of theirs. With `in_place` (set by
    `--cv-in-place-concat`), each operand's producer writes straight into its
    range of the result and the concat itself copies nothing.

    ```mlir
    %y = cv.concat %a, %b {axis = 1} : (tensor<?x64x28x28xf32>, tensor<?x32x28x28xf32>) -> tensor<?x96x28x28xf32>
    ```
  }];
  let arguments = (ins Variadic<Cv_Tensor>:$inputs, I64Attr:$axis, UnitAttr:$in_place);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
}

def Cv_SoftmaxOp : Cv_Op<"softmax", [Pure, SameOperandsAndResultType]> {
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

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

def Cv_ReshapeOp : Cv_Op<"reshape", [Pure]> {
  let summary = "Reinterprets a tensor with a new shape (flatten, reshape).";
  let description = [{
    The element count is preserved. A dynamic batch dimension stays the
    leading dimension: when the input's first dimension is dynamic, so is the
    result's, and the remaining dimensions hold the same number of elements.

    ```mlir
    %y = cv.reshape %x : (tensor<?x16x5x5xf32>) -> tensor<?x400xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Cv_TransposeOp : Cv_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "Permutes dimensions: result dimension i is input dimension perm[i].";
  let description = [{
    ```mlir
    %y = cv.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x3x4x5xf32>) -> tensor<?x4x5x3xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Cv_SliceOp : Cv_Op<"slice", [Pure, InferTypeOpAdaptor]> {
  let summary = "A strided box of the input: starts, sizes and steps per dimension.";
  let description = [{
    Result element i along dimension d is input element starts[d] + i * steps[d]
    (steps may be negative). A dynamic batch dimension must be taken whole.

    ```mlir
    %y = cv.slice %x {starts = array<i64: 0, 1, 0, 0>, sizes = array<i64: -1, 2, 4, 4>, steps = array<i64: 1, 1, 1, 1>}
        : (tensor<?x3x4x4xf32>) -> tensor<?x2x4x4xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$sizes,
                   DenseI64ArrayAttr:$steps);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Cv_PadMode : I64EnumAttr<"PadMode", "padding mode", [
    I64EnumAttrCase<"constant", 0>, I64EnumAttrCase<"reflect", 1>, I64EnumAttrCase<"edge", 2>]> {
  let cppNamespace = "::cvc::cv";
}

def Cv_PadOp : Cv_Op<"pad", [Pure, InferTypeOpAdaptor]> {
  let summary = "Pads (or, with negative pads, crops) every dimension.";
  let description = [{
    `pads` is `[begin_0, ..., begin_k, end_0, ..., end_k]` as in ONNX. Modes:
    constant (`value`), reflect (mirror without repeating the edge), edge
    (repeat the edge).

    ```mlir
    %y = cv.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, mode = 0 : i64, value = 0.0 : f32}
        : (tensor<?x3x4x4xf32>) -> tensor<?x3x6x6xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, DenseI64ArrayAttr:$pads, Cv_PadMode:$mode,
                   DefaultValuedAttr<F32Attr, "0.0">:$value);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Cv_ReduceKind : I64EnumAttr<"ReduceKind", "reduction", [
    I64EnumAttrCase<"sum", 0>, I64EnumAttrCase<"mean", 1>, I64EnumAttrCase<"max", 2>,
    I64EnumAttrCase<"min", 3>]> {
  let cppNamespace = "::cvc::cv";
}

def Cv_ReduceOp : Cv_Op<"reduce", [Pure, InferTypeOpAdaptor]> {
  let summary = "Sum, mean, max or min over some axes, keeping them as extent 1.";
  let description = [{
    The reduced axes stay in the result with extent 1 (ONNX keepdims = 1); a
    reshape removes them when the model asks.

    ```mlir
    %y = cv.reduce %x {kind = 1 : i64, axes = array<i64: 2, 3>} : (tensor<?x64x7x7xf32>) -> tensor<?x64x1x1xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, Cv_ReduceKind:$kind, DenseI64ArrayAttr:$axes);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Cv_LogSoftmaxOp : Cv_Op<"log_softmax", [Pure, SameOperandsAndResultType]> {
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

include "cv/CvGradientOps.td"

#endif // CV_OPS_TD
