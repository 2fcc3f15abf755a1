//===- KernelAllocator.h - reused scratch memory for Halide kernels -*- C++ -*-===//
#ifndef CVC_RUNTIME_KERNELALLOCATOR_H
#define CVC_RUNTIME_KERNELALLOCATOR_H

namespace cvc::runtime {

/// Makes this library's Halide kernels take their scratch buffers from
/// per-thread caches of freed blocks instead of malloc/free.
void installKernelAllocator();

} // namespace cvc::runtime

#endif // CVC_RUNTIME_KERNELALLOCATOR_H
