//===- Blocked.td - the channel-blocked layout -------------*- tablegen -*-===//

#ifndef CV_OPS_BLOCKED_TD
#define CV_OPS_BLOCKED_TD

include "cv/ops/Base.td"
include "cv/ops/Layers.td"

//===----------------------------------------------------------------------===//
// Channel-blocked layout
//===----------------------------------------------------------------------===//

def Cv_ToBlockedOp : Cv_Op<"to_blocked", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
  let summary = "NCHW to the channel-blocked NCHW[b]c layout.";
  let description = [{
    `[N, C, H, W]` becomes `[N, ceil(C/b), H, W, b]`: element (n, c, h, w)
    moves to (n, c / b, h, w, c % b), so that b consecutive channels of one
    pixel are one vector. When C is not a multiple of `block` the last block
    is padded: its lanes past C are written as zeros.

    Blocked ops treat padding lanes as unspecified finite values: a blocked
    convolution gives them zero weights, so whatever they hold (a depthwise
    or elementwise op computes on them like on any lane) adds nothing to a
    real channel, and `cv.from_blocked` drops them. This is what lets a
    network whose channel counts do not divide by the block (24, 40, 80,
    112) stay blocked.

    ```mlir
    %y = cv.to_blocked %x {block = 16} : (tensor<?x64x56x56xf32>) -> tensor<?x4x56x56x16xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, I64Attr:$block);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Cv_FromBlockedOp : Cv_Op<"from_blocked", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
  let summary = "The channel-blocked NCHW[b]c layout back to NCHW.";
  let description = [{
    The inverse of `cv.to_blocked`: `[N, C/b, H, W, b]` becomes `[N, C, H, W]`,
    with C = `channels` when set (the last block's lanes past it are
    padding and dropped), else every lane.

    ```mlir
    %y = cv.from_blocked %x : (tensor<?x4x56x56x16xf32>) -> tensor<?x64x56x56xf32>
    %z = cv.from_blocked %w {channels = 24 : i64} : (tensor<?x2x28x28x16xf32>) -> tensor<?x24x28x28xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, OptionalAttr<I64Attr>:$channels);
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

    The optional prologue (set by `--cv-fuse-prologue`, blocked input only)
    is applied to the input as the convolution reads it: each input element
    x of channel c and image n becomes `prologue_activation(x ·
    prologue_scale[n, c] + prologue_shift[c])` — an inference batch norm
    and ReLU before the convolution (pre-activation blocks), or
    squeeze-and-excitation's channel-wise scale. `prologue_scale` is
    `[1 or N, C/b, 1, 1, b]` (per image when N), `prologue_shift` is
    `[1, C/b, 1, 1, b]`; either may be absent. Padding stays zero: it pads
    the prologue's result, as it padded the tensor the prologue replaced.

    With `used_input_channels = u` (blocked input, one group), input
    channels u and later are not read: the result is the one their weights
    being zero would give. `--cv-block-layout` sets it where it pads a
    channel count to whole blocks (24 channels run as 32), so the reduction
    skips the padding lanes. It is an attribute, not a look at the weight
    values, because ops of one signature share one kernel.

    ```mlir
    %y = cv.conv2d_blocked %x, %w, %b {pads = array<i64: 1, 1, 1, 1>}
        : (tensor<?x4x56x56x16xf32>, tensor<4x64x3x3x16xf32>, tensor<64xf32>) -> tensor<?x4x56x56x16xf32>
    %z = cv.conv2d_blocked %rgb, %w1 {pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>}
        : (tensor<?x3x224x224xf32>, tensor<4x3x7x7x16xf32>) -> tensor<?x4x112x112x16xf32>
    %p = cv.conv2d_blocked %x, %w2 prologue_scale %s prologue_shift %t
        {prologue_activation = #cv<activation relu>}
        : (tensor<?x4x56x56x16xf32>, tensor<8x64x1x1x16xf32>, tensor<1x4x1x1x16xf32>, tensor<1x4x1x1x16xf32>) -> tensor<?x8x56x56x16xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$weight, Optional<Cv_Tensor>:$bias,
      Optional<Cv_Tensor>:$prologue_scale, Optional<Cv_Tensor>:$prologue_shift),
      Cv_EpilogueArgs,
      (ins DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
      DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$max_pool,
      DefaultValuedAttr<I64Attr, "1">:$groups,
      DefaultValuedAttr<Cv_ActivationAttr, "::cvc::cv::Activation::none">:$prologue_activation,
      OptionalAttr<I64Attr>:$used_input_channels));
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? (`prologue_scale` $prologue_scale^)? "
                       "(`prologue_shift` $prologue_shift^)? (`residual` $residual^)? attr-dict "
                       "`:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// Whether the input is transformed as it is read.
    bool hasPrologue() {
      return getPrologueScale() || getPrologueShift() ||
             getPrologueActivation() != ::cvc::cv::Activation::none;
    }
  }];
}

def Cv_DepthwiseConv2DOp : Cv_LayerOp<"depthwise_conv2d_blocked"> {
  let summary = "Depthwise or narrow-group 2-D convolution in the channel-blocked NCHW[b]c layout.";
  let description = [{
    What `cv.conv2d` computes with `groups` equal to the channel count and one
    output channel per group (MobileNets' and EfficientNets' depthwise
    layers): channel c of the result is channel c of the input convolved
    with its own kh x kw window. In NCHW[b]c the b channels of a pixel are
    one vector, so the kernel multiplies and adds whole vectors of channels,
    each lane its own channel, whatever the image width.

    `input` is `[N, C/b, H, W, b]`; `weight` is `[C/b, kh, kw, b]` (channel c's
    window at `[c / b, i, j, c % b]`, laid out at compile time); the optional
    `bias` is `[C]`; the result is `[N, C/b, Ho, Wo, b]`. Strides, pads,
    dilations and the fused epilogue are those of `cv.conv2d`.

    A rank-5 weight `[C/b, kh, kw, g, b]` makes it a grouped convolution
    with g input and g output channels per group, g dividing b (ResNeXt's
    and RegNet's narrow groups): channel c sums, over the g input channels
    k of its group, input channel `c - c % g + k` times `weight[c / b, i, j,
    k, c % b]`; a group never leaves its vector.

    ```mlir
    %y = cv.depthwise_conv2d_blocked %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>}
        : (tensor<?x2x56x56x16xf32>, tensor<2x3x3x16xf32>, tensor<32xf32>) -> tensor<?x2x28x28x16xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input, Cv_Tensor:$weight, Optional<Cv_Tensor>:$bias),
      Cv_EpilogueArgs,
      (ins DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
      DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations));
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

#endif // CV_OPS_BLOCKED_TD
