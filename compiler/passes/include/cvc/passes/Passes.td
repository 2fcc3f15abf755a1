//===- Passes.td - cvc passes over the cv dialect ----------*- tablegen -*-===//
#ifndef CVC_PASSES_TD
#define CVC_PASSES_TD

include "mlir/Pass/PassBase.td"

def CvVerifyLowerable : Pass<"cv-verify-lowerable", "mlir::func::FuncOp"> {
  let summary = "Reject IR the code generator cannot lower, naming the op";
  let description = [{
    Runs before lowering to Halide. Every op must belong to the cv dialect (or
    be the function's return), every tensor must be float32 with at most the
    leading dimension dynamic, and function arguments and results must carry
    the same single batch symbol. Each violation is reported at the op.

    ```mlir
    // error: 'cv.conv2d' op: only the leading (batch) dimension may be dynamic
    %y = cv.conv2d %x, %w : (tensor<1x3x?x?xf32>, ...) -> ...
    ```
  }];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvDropAuxOutputs : Pass<"cv-drop-aux-outputs", "mlir::func::FuncOp"> {
  let summary = "Remove the training-only outputs (auxiliary classifiers) of a function";
  let description = [{
    A result carrying `cv.aux_loss_weight` (GoogLeNet's auxiliary
    classifiers) feeds only the training loss. For inference, the driver runs
    this pass first: such results leave the function's signature, and the
    ops that computed nothing else are erased, so the model.so has the main
    outputs only.

    ```mlir
    func.func @main(%x: ...) -> (tensor<?x1000xf32>, tensor<?x1000xf32> {cv.aux_loss_weight = 3.0e-01 : f32})
    // becomes
    func.func @main(%x: ...) -> tensor<?x1000xf32>
    ```
  }];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvFoldBatchNorm : Pass<"cv-fold-batch-norm", "mlir::func::FuncOp"> {
  let summary = "Fold inference batch norms into the preceding convolution or fully connected layer";
  let description = [{
    A `cv.batch_norm` whose input is a convolution or fully connected layer
    read by nothing else, with constant weights, bias and statistics, becomes
    that layer with each output channel's weights scaled by
    s = scale / sqrt(variance + epsilon) and bias (b - mean) * s + bias_bn.

    ```mlir
    %c = cv.conv2d %x, %w : ...                        // becomes
    %y = cv.batch_norm %c, %s, %b, %m, %v : ...        //   %y = cv.conv2d %x, %w', %b' : ...
    ```
  }];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvFuseEpilogue : Pass<"cv-fuse-epilogue", "mlir::func::FuncOp"> {
  let summary = "Fuse bias adds, residual adds and activations into the producing layer";
  let description = [{
    Builds a convolution's or fully connected layer's epilogue
    activation(acc + bias + residual) from the ops that follow it: an add of a
    per-channel constant joins the bias, an add of a tensor of the layer's
    shape becomes the residual, and relu, clip, leaky_relu, tanh or sigmoid
    becomes the activation. The layer must have no other reader, and
    nothing later in the epilogue may already be applied (a residual cannot
    join after the activation).

    ```mlir
    %c = cv.conv2d %x, %w, %b : ...          // becomes
    %s = cv.add %c, %shortcut : ...          //   %r = cv.conv2d %x, %w, %b residual %shortcut
    %r = cv.relu %s : ...                    //          {activation = #cv<activation relu>} : ...
    ```
  }];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvDecomposeConvTranspose : Pass<"cv-decompose-conv-transpose", "mlir::func::FuncOp"> {
  let summary = "Compute a transposed convolution as one convolution per output phase";
  let description = [{
    With stride s, output pixel q·s + r receives only the taps k with
    k ≡ r + pad (mod s): each of the s_h·s_w output phases is an ordinary
    stride-1 convolution of the input with a sub-kernel (those taps,
    reversed, input and output channels swapped per group), and the phases
    interleave. A `cv.conv_transpose2d` with constant weights, dilation 1,
    every phase having taps and no negative padding becomes those
    convolutions (bias and activation in each, so the blocked and Winograd
    kernels take them), a concat of their outputs, a reshape, a transpose
    that interleaves the phases and, when the output is not a whole number
    of phases, a slice. The masked direct kernel would spend
    (s² - 1) / s² of its multiply-adds on taps that do not land. Others are
    left to it.

    ```mlir
    %y = cv.conv_transpose2d %x, %w {strides = array<i64: 2, 2>} : (tensor<?x8x4x4xf32>, tensor<8x4x2x2xf32>) -> tensor<?x4x8x8xf32>
    // becomes four 1x1 convolutions [?, 4, 4, 4], concatenated, reshaped
    // to [?, 2, 2, 4, 4, 4], transposed to [?, 4, 4, 2, 4, 2], reshaped to
    // [?, 4, 8, 8].
    ```
  }];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvConv1x1ToMatmul : Pass<"cv-conv1x1-to-matmul", "mlir::func::FuncOp"> {
  let summary = "Rewrite stride-1 unpadded 1x1 convolutions as matrix products over pixels";
  let description = [{
    A 1x1 convolution with stride 1, no padding, no dilation and one group
    computes, per image, the [M, C] weight times the [C, H*W] pixel matrix.
    It becomes a `cv.matmul` between reshapes (views), keeping its bias and
    fused epilogue, and is lowered through the GEMM schedule. Strided,
    padded or grouped 1x1 convolutions are left alone.

    ```mlir
    %y = cv.conv2d %x, %w, %b : (tensor<?x256x56x56xf32>, tensor<64x256x1x1xf32>, ...) // becomes
    %f = cv.reshape %x : (tensor<?x256x56x56xf32>) -> tensor<?x256x3136xf32>
    %m = cv.matmul %f, %w2, %b : (...) -> tensor<?x64x3136xf32>
    %y = cv.reshape %m : (tensor<?x64x3136xf32>) -> tensor<?x64x56x56xf32>
    ```
  }];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvInPlaceConcat : Pass<"cv-in-place-concat", "mlir::func::FuncOp"> {
  let summary = "Mark concatenations whose operands' producers can write into the result";
  let description = [{
    A `cv.concat` along a non-batch axis gets `in_place` when every operand
    is read by nothing else and is the result of an op with its own kernel
    (or a reshape of one that keeps the dimensions up to the axis). The
    planner then lays out each operand as a strided view of its range of the
    result, each producer writes there, and no concat kernel runs. Concats
    of constants, views, block arguments or operands used elsewhere, and
    returned concats, are left alone.

    ```mlir
    %y = cv.concat %a, %b {axis = 1 : i64} : ...   // becomes
    %y = cv.concat %a, %b {axis = 1 : i64, in_place} : ...
    ```
  }];
}

def CvMergeSiblingConv1x1 : Pass<"cv-merge-sibling-conv1x1", "mlir::func::FuncOp"> {
  let summary = "Merge 1x1 convolutions that read the same tensor into one wider convolution";
  let description = [{
    1x1 convolutions with constant weights that read the same value with the
    same strides, padding, dilation and fused activation (and no residual)
    become one convolution whose weights and biases are theirs stacked along
    the output channels; each original result becomes a `cv.slice` of its
    channel range, which the planner lays out as a view. Convolutions that
    read different tensors or differ in any attribute stay apart.

    ```mlir
    %a = cv.conv2d %x, %wa : ... -> tensor<?x64x28x28xf32>     // become
    %b = cv.conv2d %x, %wb : ... -> tensor<?x96x28x28xf32>     //   %m = cv.conv2d %x, %wab : ... -> tensor<?x160x28x28xf32>
                                                               //   %a = cv.slice %m {starts = [0, 0, 0, 0], ...}
                                                               //   %b = cv.slice %m {starts = [0, 64, 0, 0], ...}
    ```
  }];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvLowRankBottleneck : Pass<"cv-low-rank-bottleneck", "mlir::func::FuncOp"> {
  let summary = "Factorise k x k convolutions into a 1x1 reduce and a narrower k x k (lossy, opt-in)";
  let description = [{
    For each ungrouped k x k convolution with constant weights W[M, C, k, k],
    takes the leading eigenvectors U_R of A A^T, where A[c, (m, i, j)] =
    W[m, c, i, j], and replaces the convolution by a 1x1 convolution with
    weights U_R^T (C -> R channels, no bias) followed by a k x k convolution
    with weights U_R^T A (R -> M channels) that keeps the bias, strides,
    padding and fused epilogue. R is `rank`, or the smallest rank keeping
    the fraction `energy` of the squared singular values. Each layer's
    multiply-accumulates before and after and its relative L2 output error
    on a seeded standard-normal calibration input are reported as remarks;
    layers whose error exceeds `max-error`, or that would not save work, are
    left alone.
  }];
  let options = [
    Option<"rank", "rank", "int64_t", "0", "Keep this many components (or use energy)">,
    Option<"energy", "energy", "double", "0.0",
           "Keep the smallest rank holding this fraction of the spectrum's energy">,
    Option<"maxError", "max-error", "double", "0.05",
           "Refuse layers whose relative output error exceeds this">,
    Option<"seed", "seed", "uint64_t", "0", "Seed of the calibration input">
  ];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvBlockLayout : Pass<"cv-block-layout", "mlir::func::FuncOp"> {
  let summary = "Run convolutions in the channel-blocked NCHW[b]c layout";
  let description = [{
    Every `cv.conv2d` with constant weights whose input and output channels
    per group are multiples of `block` becomes a `cv.conv2d_blocked` between
    `cv.to_blocked` and `cv.from_blocked`, with its weights re-laid out as
    [M/b, C/groups, kh, kw, b] at compile time. When only the output channels are
    (a first layer on 1 or 3 channels), the blocked convolution reads the
    NCHW input as it is. Conversions then move through
    elementwise ops (all operands blocked alike, no broadcasting) and
    channel concatenations, and a `from_blocked` feeding a `to_blocked`
    cancels, so layout changes remain only at the boundaries of blocked
    regions (before the first convolution, around poolings, before the
    classifier). `block` is the vector width in floats (16 for AVX-512): by
    default the module's `cv.target` block.

    ```mlir
    %y = cv.conv2d %x, %w : (tensor<?x64x56x56xf32>, tensor<64x64x3x3xf32>) -> ...   // becomes
    %b = cv.to_blocked %x {block = 16} : (...) -> tensor<?x4x56x56x16xf32>
    %c = cv.conv2d_blocked %b, %w2 : (..., tensor<4x64x3x3x16xf32>) -> tensor<?x4x56x56x16xf32>
    %y = cv.from_blocked %c : (tensor<?x4x56x56x16xf32>) -> tensor<?x64x56x56xf32>
    ```
  }];
  let options = [
    Option<"block", "block", "int64_t", "0",
           "Channels per block (floats per vector); 0: the module's cv.target block">
  ];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvFusePool : Pass<"cv-fuse-pool", "mlir::func::FuncOp"> {
  let summary = "Fuse a max pooling over disjoint windows into the blocked convolution before it";
  let description = [{
    A `cv.max_pool2d` whose input is a `cv.conv2d_blocked` read by nothing
    else, with stride equal to the window, no padding and no partial window,
    becomes that convolution's `max_pool` epilogue: the kernel computes each
    pooled tile's convolution outputs and stores only their maxima.
    Overlapping, padded or partial windows are left alone.

    ```mlir
    %c = cv.conv2d_blocked %x, %w {activation = #cv<activation relu>} : ... -> tensor<?x4x56x56x16xf32>
    %p = cv.max_pool2d %c {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : ...   // become
    %p = cv.conv2d_blocked %x, %w {activation = #cv<activation relu>, max_pool = array<i64: 2, 2>}
        : ... -> tensor<?x4x28x28x16xf32>
    ```
  }];
}

def CvFusePrologue : Pass<"cv-fuse-prologue", "mlir::func::FuncOp"> {
  let summary = "Apply per-channel scales, shifts and a ReLU before a blocked convolution as it reads its input";
  let description = [{
    A `cv.conv2d_blocked` with a blocked input produced by `relu(x * s + t)`
    (any of the three; each read by the next alone) takes them as its
    prologue: `s` a per-channel `[1, C/b, 1, 1, b]` scale, or per image
    `[N, C/b, 1, 1, b]` (squeeze-and-excitation), `t` a per-channel shift
    (an inference batch norm after a concat or before a ReLU, which cannot
    fold into the weights), and the ReLU. The convolution then reads `x`.
    Left alone: convolutions with an NCHW input or a prologue already,
    element-wise operands that are not per channel (a residual), and values
    something else also reads. Runs after `cv-winograd`, whose convolutions
    keep their input as stored.

    ```mlir
    %a = cv.mul %x, %s : (tensor<?x4x56x56x16xf32>, tensor<1x4x1x1x16xf32>) -> tensor<?x4x56x56x16xf32>
    %b = cv.add %a, %t : (tensor<?x4x56x56x16xf32>, tensor<1x4x1x1x16xf32>) -> tensor<?x4x56x56x16xf32>
    %r = cv.relu %b : tensor<?x4x56x56x16xf32>
    %y = cv.conv2d_blocked %r, %w : ...                                  // becomes
    %y = cv.conv2d_blocked %x, %w prologue_scale %s prologue_shift %t
        {prologue_activation = #cv<activation relu>} : ...
    ```
  }];
}

def CvWinograd : Pass<"cv-winograd", "mlir::func::FuncOp"> {
  let summary = "Compute stride-1 3x3 blocked convolutions by Winograd's F(m x m, 3x3)";
  let description = [{
    Every `cv.conv2d_blocked` with a constant 3x3 weight, stride 1,
    dilation 1, any padding, no fused max pool, and an output of at least
    `min-size` pixels per axis becomes a `cv.conv2d_winograd` with output
    tile `tile` (m), reading U = G g Gᵀ, laid out [(m+2)², M/b, C, b], from a
    `cv.winograd_weights` of the 3x3 filters. U is not folded into a
    constant: it is (m+2)²/9 times the filters' size, so model.so stores the
    filters and the transform runs once, when a session is created. Bias,
    residual and activation stay fused. Other convolutions are left alone.

    ```mlir
    %y = cv.conv2d_blocked %x, %w, %b {pads = array<i64: 1, 1, 1, 1>}
        : (tensor<?x4x56x56x16xf32>, tensor<4x64x3x3x16xf32>, tensor<64xf32>) -> ...   // becomes
    %u = cv.winograd_weights %w {tile = 4 : i64} : (tensor<4x64x3x3x16xf32>) -> tensor<36x4x64x16xf32>
    %y = cv.conv2d_winograd %x, %u, %b {pads = array<i64: 1, 1, 1, 1>, tile = 4 : i64}
        : (tensor<?x4x56x56x16xf32>, tensor<36x4x64x16xf32>, tensor<64xf32>) -> ...
    ```
  }];
  let options = [
    Option<"tile", "tile", "int64_t", "2",
           "Output tile per axis (2 to 6): larger tiles multiply less and round more">,
    Option<"minSize", "min-size", "int64_t", "5",
           "Smallest output height and width computed by Winograd (a 4x4 map is one tile: no gain)">
  ];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

def CvBuildTrainStep : Pass<"cv-build-train-step", "mlir::ModuleOp"> {
  let summary = "Add @train_step (forward, loss, gradients, optimizer update) to a model";
  let description = [{
    Reverse-mode autodiff on the cv dialect (compiler/autodiff). @main's
    trainable weights and batch-norm statistics become views of flat states
    (`cv.state` arguments, laid out in the module's `cv.states` and
    `cv.state_slices` attributes). @train_step, at a static batch, computes
    the softmax cross-entropy of @main's first output (plus each result
    marked `cv.aux_loss_weight`, weighted), its gradient by one
    vector-Jacobian rule per op, and the optimizer's update of every state.

    ```mlir
    func.func @train_step(%x: tensor<32x1x28x28xf32>, %labels: tensor<32xf32>,
                          %learning_rate: tensor<1xf32>, %parameters: tensor<1x61706xf32>,
                          %momentum: tensor<1x61706xf32>) -> (loss, logits, parameters', momentum')
    ```

    Its options (batch, optimizer, momentum, beta1, ..., export-gradients)
    are the rows of the training-option table in
    compiler/autodiff/include/cvc/autodiff/TrainingOptions.h, which cvc's
    flags come from too; the pass declares them when it is made, so
    `cvc-opt --help` lists them with the others.
  }];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

#endif // CVC_PASSES_TD
