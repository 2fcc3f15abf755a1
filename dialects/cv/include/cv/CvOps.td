//===- CvOps.td - cv dialect operations --------------------*- tablegen -*-===//
//
// Operations of the cv dialect. Shapes follow ONNX conventions: activations
// are NCHW, convolution weights OIHW (I = input channels / groups), fully
// connected weights [out, in]. Results are inferred from operands and
// attributes; a result type that disagrees with inference is a verifier error.
//
// One file per family under cv/ops/; this root defines the constant and
// includes them, so that tablegen emits one op list for the dialect.
//
//===----------------------------------------------------------------------===//

#ifndef CV_OPS_TD
#define CV_OPS_TD

include "cv/ops/Base.td"
include "cv/CvTarget.td"

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

include "cv/ops/Layers.td"
include "cv/ops/Blocked.td"
include "cv/ops/Pool.td"
include "cv/ops/Normalization.td"
include "cv/ops/Elementwise.td"
include "cv/ops/Shape.td"
include "cv/ops/Resample.td"
include "cv/ops/Loss.td"

#endif // CV_OPS_TD
