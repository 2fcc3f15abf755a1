//===- Pool.td - pooling and its gradients -----------------*- tablegen -*-===//

#ifndef CV_OPS_POOL_TD
#define CV_OPS_POOL_TD

include "cv/ops/Base.td"

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class Cv_Pool2DOp<string mnemonic, string what>
    : Cv_Op<mnemonic, [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
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

#endif // CV_OPS_POOL_TD
