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

def CvFuseActivation : Pass<"cv-fuse-activation", "mlir::func::FuncOp"> {
  let summary = "Fuse a ReLU into the convolution or fully connected layer it follows";
  let description = [{
    A `cv.relu` whose operand is a convolution or fully connected layer used
    only by it becomes that layer's `fused_relu`, so the activation is applied
    to the accumulators before they are stored instead of in a second pass
    over memory.

    ```mlir
    %c = cv.conv2d %x, %w : ...        // becomes
    %r = cv.relu %c : ...              //   %r = cv.conv2d %x, %w {fused_relu = true} : ...
    ```
  }];
  let dependentDialects = ["cvc::cv::CvDialect"];
}

#endif // CVC_PASSES_TD
