//===- KernelInterface.td - ops that lower to a Halide kernel ---*- tablegen -*-===//
//
// The seam between the cv dialect and the code generator. The dialect knows
// nothing of Halide: each op family's file in compiler/halide attaches this
// interface to its ops as an external model (see Registration.cpp), so no
// central switch lists the ops and a new family is a new file.
//
//===----------------------------------------------------------------------===//

#ifndef CVC_HALIDE_KERNELINTERFACE_TD
#define CVC_HALIDE_KERNELINTERFACE_TD

include "mlir/IR/OpBase.td"

def HalideKernelOpInterface : OpInterface<"HalideKernelOpInterface"> {
  let cppNamespace = "::cvc::halide";
  let description = [{
    An op computed by one Halide pipeline. The family describes every legal
    schedule of the op's kernel (its ScheduleSpace: algorithms, named
    parameters with their legal values for these shapes and this target,
    constraints, and the default point today's heuristics choose), and
    builds the kernel for any legal point of that space.
  }];
  let methods = [
    InterfaceMethod<
      "The schedules this op's kernel may take for `context`'s target.",
      "::cvc::halide::ScheduleSpace", "getScheduleSpace",
      (ins "const ::cvc::halide::KernelContext &":$context)>,
    InterfaceMethod<
      "Builds the algorithm and applies `point`, a point that "
      "getScheduleSpace's space has checked. Unsupported attributes are "
      "reported at the op.",
      "::mlir::FailureOr<::cvc::halide::Kernel>", "buildKernel",
      (ins "const ::cvc::halide::KernelContext &":$context,
           "const ::cvc::halide::SchedulePoint &":$point)>,
  ];
}

#endif // CVC_HALIDE_KERNELINTERFACE_TD
