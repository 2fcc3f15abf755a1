//===- CvInterfaces.td - op interfaces of the cv dialect ---*- tablegen -*-===//

#ifndef CV_INTERFACES_TD
#define CV_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Cv_EpilogueOpInterface : OpInterface<"EpilogueOpInterface"> {
  let cppNamespace = "::cvc::cv";
  let description = [{
    A layer that applies a fused epilogue to its accumulators before it
    stores them: y = activation(acc + bias + residual). Every `Cv_LayerOp`
    has it, so the code generator, the verifier, autodiff and export treat
    a new layer's epilogue like the others' without listing it.
  }];
  let methods = [
    InterfaceMethod<"The residual added before the activation, or null.",
      "::mlir::Value", "getResidual", (ins), [{ return $_op.getResidual(); }]>,
    InterfaceMethod<"The activation applied last.",
      "::cvc::cv::Activation", "getActivation", (ins), [{ return $_op.getActivation(); }]>,
    InterfaceMethod<"[min, max] for clip, [alpha] for leaky_relu, else empty.",
      "::llvm::ArrayRef<float>", "getActivationArgs", (ins),
      [{ return $_op.getActivationArgs(); }]>,
  ];
  // A residual of the result's type, and the activation's argument count.
  let verify = [{ return ::cvc::cv::detail::verifyEpilogue($_op); }];
  let extraClassDeclaration = [{
    /// Neither a residual nor an activation: the layer as a frontend built it.
    bool isPlain() { return !getResidual() && getActivation() == ::cvc::cv::Activation::none; }
  }];
}

#endif // CV_INTERFACES_TD
