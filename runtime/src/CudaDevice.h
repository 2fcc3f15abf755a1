//===- CudaDevice.h - finding the GPU a CUDA model runs on ------*- C++ -*-===//
#ifndef CVC_RUNTIME_CUDADEVICE_H
#define CVC_RUNTIME_CUDADEVICE_H

#include "cvc/cvc.h"

namespace cvc::runtime {

/// Whether a plan compiled for Halide target `target` runs its kernels on a
/// CUDA GPU.
bool targetUsesCuda(const char *target);

/// Checks that the NVIDIA driver loads and that CUDA device `ordinal`
/// exists; a CVC_DEVICE_UNAVAILABLE status says which step failed, never a
/// crash. `target` is named in the messages.
cvc_status openCudaDevice(int ordinal, const char *target);

} // namespace cvc::runtime

#endif // CVC_RUNTIME_CUDADEVICE_H
