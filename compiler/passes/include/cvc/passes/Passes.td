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

#endif // CVC_PASSES_TD
