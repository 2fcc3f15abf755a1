//===- Base.td - what every family of ops uses -------------*- tablegen -*-===//

#ifndef CV_OPS_BASE_TD
#define CV_OPS_BASE_TD

include "cv/CvDialect.td"
include "cv/CvInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Cv_Tensor : TensorOf<[F32]>;

#endif // CV_OPS_BASE_TD
