//===- CvDialect.td - cv dialect definition ----------------*- tablegen -*-===//
//
// The cv dialect models convolutional networks at the level the case studies
// describe them: convolutions, poolings, activations, normalisations and fully
// connected layers over float32 NCHW tensors whose batch dimension may be
// dynamic. Every frontend produces it and every later stage consumes it.
//
//===----------------------------------------------------------------------===//

#ifndef CV_DIALECT_TD
#define CV_DIALECT_TD

include "mlir/IR/OpBase.td"

def Cv_Dialect : Dialect {
  let name = "cv";
  let summary = "Convolutional-network operations for the cvc compiler.";
  let description = [{
    Value-semantic operations on ranked float32 tensors. Activations are NCHW;
    only the leading (batch) dimension of an activation may be dynamic.
    Weights are `cv.constant` ops holding `dense_resource` blobs so that large
    models never print their weights.
  }];
  let cppNamespace = "::cvc::cv";
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
}

class Cv_Op<string mnemonic, list<Trait> traits = []>
    : Op<Cv_Dialect, mnemonic, traits>;

#endif // CV_DIALECT_TD
