//===- Shape.td - data movement and reductions -------------*- tablegen -*-===//

#ifndef CV_OPS_SHAPE_TD
#define CV_OPS_SHAPE_TD

include "cv/ops/Base.td"

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

def Cv_ConcatOp : Cv_Op<"concat", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
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

def Cv_TransposeOp : Cv_Op<"transpose", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
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

def Cv_SliceOp : Cv_Op<"slice", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
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

def Cv_PadOp : Cv_Op<"pad", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
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

def Cv_ReduceOp : Cv_Op<"reduce", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
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
  // A sum or mean of a negation is the negation of the (smaller) sum.
  let hasCanonicalizer = 1;
}

def Cv_ArgReduceOp : Cv_Op<"arg_reduce", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
  let summary = "The index of the largest or smallest value along an axis, as a float.";
  let description = [{
    ONNX ArgMax and ArgMin (`kind` max or min; segmentation heads' last op):
    the axis stays with extent 1, and ties go to the first index, or the
    last with `select_last_index`. The index is a float32 (cv computes in
    float32; indices up to 2^24 are exact).

    ```mlir
    %y = cv.arg_reduce %x {kind = 2 : i64, axis = 1 : i64} : (tensor<?x21x512x512xf32>) -> tensor<?x1x512x512xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$input, Cv_ReduceKind:$kind, I64Attr:$axis,
                   DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Cv_ExpandOp : Cv_Op<"expand", [Pure, Cv_ImagewiseOpInterface]> {
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

#endif // CV_OPS_SHAPE_TD
