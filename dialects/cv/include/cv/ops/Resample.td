//===- Resample.td - resizing images -----------------------*- tablegen -*-===//

#ifndef CV_OPS_RESAMPLE_TD
#define CV_OPS_RESAMPLE_TD

include "cv/ops/Base.td"

//===----------------------------------------------------------------------===//
// Resizing (ONNX Resize and Upsample; decoders, FPNs, super-resolution)
//===----------------------------------------------------------------------===//

def Cv_ResizeMode : I64EnumAttr<"ResizeMode", "interpolation of a resize", [
    I64EnumAttrCase<"nearest", 0>, I64EnumAttrCase<"linear", 1>, I64EnumAttrCase<"cubic", 2>]> {
  let cppNamespace = "::cvc::cv";
}

def Cv_CoordinateMode : I64EnumAttr<"CoordinateMode",
    "where an output pixel samples the input (ONNX coordinate_transformation_mode)", [
    I64EnumAttrCase<"half_pixel", 0>, I64EnumAttrCase<"pytorch_half_pixel", 1>,
    I64EnumAttrCase<"align_corners", 2>, I64EnumAttrCase<"asymmetric", 3>,
    I64EnumAttrCase<"tf_half_pixel_for_nn", 4>]> {
  let cppNamespace = "::cvc::cv";
}

def Cv_NearestMode : I64EnumAttr<"NearestMode", "rounding of nearest-neighbour sampling", [
    I64EnumAttrCase<"round_prefer_floor", 0>, I64EnumAttrCase<"round_prefer_ceil", 1>,
    I64EnumAttrCase<"floor", 2>, I64EnumAttrCase<"ceil", 3>]> {
  let cppNamespace = "::cvc::cv";
}

defvar Cv_ResizeAttrs = (ins Cv_ResizeMode:$mode, Cv_CoordinateMode:$coordinate_mode,
    DefaultValuedAttr<Cv_NearestMode, "::cvc::cv::NearestMode::round_prefer_floor">:$nearest_mode,
    DenseF64ArrayAttr:$scales,
    DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
    DefaultValuedAttr<BoolAttr, "false">:$exclude_outside);

def Cv_ResizeOp : Cv_Op<"resize", [Pure, Cv_ImagewiseOpInterface]> {
  let summary = "Resizes the two spatial dimensions of an NCHW tensor (ONNX Resize).";
  let description = [{
    Output pixel x of an axis samples the input at the coordinate
    `coordinate_mode` gives for it (ONNX's formulas, with `scales[i]` the
    axis's scale: the given one, or output / input length when the model
    gave sizes), by `mode`: the nearest input pixel (rounded by
    `nearest_mode`), linear interpolation between the two around it
    (coordinates clamped to the image), or cubic interpolation over four
    (Keys' kernel with `cubic_coeff_a`, border pixels repeated, or with
    `exclude_outside` taps outside the image dropped and the rest
    renormalised). The result's spatial extents are its type's.

    ```mlir
    %y = cv.resize %x {mode = 1 : i64, coordinate_mode = 0 : i64, scales = array<f64: 2.0, 2.0>}
        : (tensor<?x64x28x28xf32>) -> tensor<?x64x56x56xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$input), Cv_ResizeAttrs);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Cv_ResizeBackwardOp : Cv_Op<"resize_backward", [Pure]> {
  let summary = "Gradient of a nearest or linear cv.resize with respect to its input.";
  let description = [{
    Each output pixel's gradient goes back to the input pixels it sampled,
    weighted as they were. The attributes are the forward op's; the result
    type is the forward input's.

    ```mlir
    %dx = cv.resize_backward %dy {mode = 0 : i64, coordinate_mode = 3 : i64, nearest_mode = 2 : i64, scales = array<f64: 2.0, 2.0>}
        : (tensor<8x16x8x8xf32>) -> tensor<8x16x4x4xf32>
    ```
  }];
  let arguments = !con((ins Cv_Tensor:$output_grad), Cv_ResizeAttrs);
  let results = (outs Cv_Tensor:$input_grad);
  let assemblyFormat = "$output_grad attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // CV_OPS_RESAMPLE_TD
