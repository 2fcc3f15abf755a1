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

def Cv_ImagewiseOpInterface : OpInterface<"ImagewiseOpInterface"> {
  let cppNamespace = "::cvc::cv";
  let description = [{
    An op that computes the images of a batch apart: image i of its result
    (index i of the leading dynamic batch dimension) reads only image i of
    each operand that has the batch, and operands without it whole. The
    runtime may run a stretch of such ops image by image, so that each
    image's activations stay in cache from one layer to the next and the
    images go to threads of their own. An op without the interface (a loss,
    a dropout mask, a gradient) runs on the whole batch at once.
  }];
  let methods = [
    InterfaceMethod<
      "Whether, with these operands, images stay apart. The default holds "
      "when the result has the dynamic batch and each operand has it or a "
      "static shape: the verifiers refuse every op that would work along a "
      "dynamic batch (a concat, softmax, pad, slice or reduction over it), so "
      "an op with the interface whose batch stays dynamic keeps images apart. "
      "A static batch says nothing, and the runtime splits no such kernel.",
      "bool", "keepsImagesApart", (ins), [{}],
      [{ return ::cvc::cv::detail::batchStaysLeading($_op); }]>,
  ];
}

#endif // CV_INTERFACES_TD
