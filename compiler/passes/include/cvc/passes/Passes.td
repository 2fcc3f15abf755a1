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

#endif // CVC_PASSES_TD
