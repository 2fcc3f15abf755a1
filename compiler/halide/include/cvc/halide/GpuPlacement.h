//===- GpuPlacement.h - checking that GPU kernels stay on the GPU -*- C++ -*-===//
#ifndef CVC_HALIDE_GPUPLACEMENT_H
#define CVC_HALIDE_GPUPLACEMENT_H

#include <Halide.h>

#include <string>

namespace cvc::halide {

/// The buffers `module` (lowered for a GPU target) writes outside every
/// GPU loop, comma-separated; empty when all its computation runs on the
/// device.
std::string hostComputedBuffers(const Halide::Module &module);

} // namespace cvc::halide

#endif // CVC_HALIDE_GPUPLACEMENT_H
