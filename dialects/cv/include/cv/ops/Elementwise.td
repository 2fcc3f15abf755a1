//===- Elementwise.td - activations and arithmetic ---------*- tablegen -*-===//

#ifndef CV_OPS_ELEMENTWISE_TD
#define CV_OPS_ELEMENTWISE_TD

include "cv/ops/Base.td"
include "cv/ops/Layers.td"

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Cv_UnaryOp<string mnemonic, string what> : Cv_Op<mnemonic,
    [Pure, SameOperandsAndResultType, Elementwise, Cv_ImagewiseOpInterface]> {
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
def Cv_HardSwishOp : Cv_UnaryOp<"hard_swish", "x * max(0, min(1, x / 6 + 1 / 2))."> {
  let description = [{
    MobileNetV3's piecewise-quadratic Swish: 0 below -3, x above 3 (ONNX
    HardSwish, PyTorch's nn.Hardswish).

    ```mlir
    %y = cv.hard_swish %x : tensor<?x16x112x112xf32>
    ```
  }];
}

def Cv_SwishOp : Cv_UnaryOp<"swish", "x * sigmoid(x)."> {
  let description = [{
    Swish, or SiLU (PyTorch's nn.SiLU, EfficientNets' activation), which
    exporters write as a Sigmoid and a Mul of its input: canonicalisation
    turns `cv.mul %x, (cv.sigmoid %x)` into it, so that it is one pass over
    the data, or none when a layer's epilogue takes it.

    ```mlir
    %y = cv.swish %x : tensor<?x32x112x112xf32>
    ```
  }];
}

def Cv_ErfOp : Cv_UnaryOp<"erf", "The error function."> {
  let description = [{
    ONNX Erf; GELU's building block.

    ```mlir
    %y = cv.erf %x : tensor<?x64x768xf32>
    ```
  }];
}

def Cv_GeluOp : Cv_UnaryOp<"gelu", "x * (1 + erf(x / sqrt(2))) / 2."> {
  let description = [{
    The Gaussian error linear unit (PyTorch's nn.GELU), which ONNX before
    opset 20 has no op for: exporters write Div, Erf, Add, Mul, Mul, which
    canonicalisation turns into this op.

    ```mlir
    %y = cv.gelu %x : tensor<?x64x56x56xf32>
    ```
  }];
}

def Cv_MishOp : Cv_UnaryOp<"mish", "x * tanh(softplus(x))."> {
  let description = [{
    Mish (PyTorch's nn.Mish, YOLOv4's activation), which exporters write as
    Softplus, Tanh and Mul; canonicalisation turns that into this op.

    ```mlir
    %y = cv.mish %x : tensor<?x32x208x208xf32>
    ```
  }];
}

/// A unary activation with float parameters.
class Cv_ParamUnaryOp<string mnemonic, string what, dag params> : Cv_Op<mnemonic,
    [Pure, SameOperandsAndResultType, Elementwise, Cv_ImagewiseOpInterface]> {
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
    : Cv_Op<mnemonic, !listconcat([Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface], traits)> {
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
  // compile time; an operand expanded for it reads the unexpanded tensor.
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Cv_AddOp : Cv_BinaryOp<"add", "Elementwise addition", [Commutative]>;
def Cv_MaxOp : Cv_BinaryOp<"max", "Elementwise maximum", [Commutative]>;
def Cv_MinOp : Cv_BinaryOp<"min", "Elementwise minimum", [Commutative]>;
def Cv_PReluOp : Cv_BinaryOp<"prelu", "Parametric ReLU: x if x >= 0 else slope * x">;
def Cv_PowOp : Cv_BinaryOp<"pow", "Elementwise power">;
def Cv_SubOp : Cv_BinaryOp<"sub", "Elementwise subtraction">;
def Cv_MulOp : Cv_BinaryOp<"mul", "Elementwise multiplication", [Commutative]>;
def Cv_DivOp : Cv_BinaryOp<"div", "Elementwise division">;

def Cv_CompareKind : I64EnumAttr<"CompareKind", "comparison", [
    I64EnumAttrCase<"equal", 0>, I64EnumAttrCase<"less", 1>, I64EnumAttrCase<"greater", 2>,
    I64EnumAttrCase<"less_equal", 3>, I64EnumAttrCase<"greater_equal", 4>]> {
  let cppNamespace = "::cvc::cv";
}

def Cv_CompareOp : Cv_Op<"compare", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
  let summary = "1.0 where the comparison holds, 0.0 elsewhere, with numpy broadcasting.";
  let description = [{
    ONNX's Equal, Less, Greater, LessOrEqual and GreaterOrEqual on float
    tensors, as a float mask (cv computes in float32): what a `cv.where`
    selects by.

    ```mlir
    %m = cv.compare %a, %b {kind = 2 : i64} : (tensor<?x80x52x52xf32>, tensor<1xf32>) -> tensor<?x80x52x52xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$lhs, Cv_Tensor:$rhs, Cv_CompareKind:$kind);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Cv_WhereOp : Cv_Op<"where", [Pure, InferTypeOpAdaptor, Cv_ImagewiseOpInterface]> {
  let summary = "lhs where the condition is non-zero, rhs elsewhere, with numpy broadcasting.";
  let description = [{
    ONNX Where; the condition is a float mask (a `cv.compare`, or a constant
    mask of 0 and 1).

    ```mlir
    %y = cv.where %m, %a, %b : (tensor<?x1x8x8xf32>, tensor<?x16x8x8xf32>, tensor<1xf32>) -> tensor<?x16x8x8xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$condition, Cv_Tensor:$lhs, Cv_Tensor:$rhs);
  let results = (outs Cv_Tensor:$output);
  let assemblyFormat = "$condition `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Cv_ActivationBackwardOp : Cv_Op<"activation_backward",
    [Pure, SameOperandsAndResultType]> {
  let summary = "Gradient of an activation, computed from the activation's result.";
  let description = [{
    Every activation cv fuses into a layer has a derivative that its result
    determines (relu: y > 0; tanh: 1 - y²; sigmoid: y (1 - y); clip: min < y <
    max; leaky_relu: y > 0 or alpha), so the gradient needs only the result,
    which is also what a fused layer keeps.

    ```mlir
    %dx = cv.activation_backward %y, %dy {activation = #cv<activation relu>} : tensor<8x6x28x28xf32>
    ```
  }];
  let arguments = (ins Cv_Tensor:$output, Cv_Tensor:$output_grad, Cv_ActivationAttr:$activation,
      DefaultValuedAttr<DenseF32ArrayAttr, "{}">:$activation_args);
  let results = (outs Cv_Tensor:$input_grad);
  let assemblyFormat = "$output `,` $output_grad attr-dict `:` type($input_grad)";
  let hasVerifier = 1;
}

#endif // CV_OPS_ELEMENTWISE_TD
