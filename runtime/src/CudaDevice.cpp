//===- CudaDevice.cpp - the NVIDIA driver, loaded when a session needs it -===//
//
// A CUDA model.so carries Halide's CUDA runtime, which loads the driver
// with dlopen at run time: building and loading the model need neither a
// GPU nor the CUDA toolkit. Halide 14 asks for the unversioned
// "libcuda.so", which only the driver's development package installs;
// machines with the driver alone have "libcuda.so.1". Both this probe and
// Halide's runtime (through the strong halide_cuda_get_symbol below, which
// replaces its weak one) load the driver here, the versioned name first.
//
//===----------------------------------------------------------------------===//
#include "CudaDevice.h"

#include "cvc/status/Status.h"

#include <dlfcn.h>

#include <cstring>
#include <mutex>
#include <string>

namespace cvc::runtime {
namespace {

struct Driver {
  void *handle = nullptr;
  std::string error; ///< why it did not load
};

const Driver &cudaDriver() {
  static Driver driver;
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char *name : {"libcuda.so.1", "libcuda.so"}) {
      driver.handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (driver.handle)
        return;
      const char *why = dlerror();
      if (driver.error.empty())
        driver.error = why ? why : name;
    }
  });
  return driver;
}

/// CUresult's name ("CUDA_ERROR_NO_DEVICE"), from the driver when it can.
std::string resultName(void *driver, int result) {
  using GetErrorName = int (*)(int, const char **);
  auto getName = reinterpret_cast<GetErrorName>(dlsym(driver, "cuGetErrorName"));
  const char *name = nullptr;
  if (getName && getName(result, &name) == 0 && name)
    return std::string(name) + " (" + std::to_string(result) + ")";
  return "CUDA error " + std::to_string(result);
}

} // namespace

bool targetUsesCuda(const char *target) {
  // Halide target strings are dash-separated features; "cuda" is one.
  std::string text = std::string("-") + (target ? target : "") + "-";
  return text.find("-cuda-") != std::string::npos;
}

cvc_status openCudaDevice(int ordinal, const char *target) {
  std::string what = std::string("this model runs its kernels on an NVIDIA GPU (target ") +
                     (target ? target : "") + ")";
  if (ordinal < 0)
    return makeStatus(CVC_INVALID_ARGUMENT, "device_ordinal must be >= 0, got " +
                                                std::to_string(ordinal));
  const Driver &driver = cudaDriver();
  if (!driver.handle)
    return makeStatus(CVC_DEVICE_UNAVAILABLE,
                      what + ", but no CUDA driver was found: " + driver.error);
  using Init = int (*)(unsigned);
  using DeviceGetCount = int (*)(int *);
  auto init = reinterpret_cast<Init>(dlsym(driver.handle, "cuInit"));
  auto getCount = reinterpret_cast<DeviceGetCount>(dlsym(driver.handle, "cuDeviceGetCount"));
  if (!init || !getCount)
    return makeStatus(CVC_DEVICE_UNAVAILABLE,
                      what + ", but the CUDA driver library lacks cuInit or cuDeviceGetCount");
  if (int result = init(0); result != 0)
    return makeStatus(CVC_DEVICE_UNAVAILABLE,
                      what + ", but the CUDA driver did not start: cuInit failed with " +
                          resultName(driver.handle, result));
  int count = 0;
  if (int result = getCount(&count); result != 0)
    return makeStatus(CVC_DEVICE_UNAVAILABLE, what + ", but cuDeviceGetCount failed with " +
                                                  resultName(driver.handle, result));
  if (ordinal >= count)
    return makeStatus(CVC_DEVICE_UNAVAILABLE,
                      what + ": device ordinal " + std::to_string(ordinal) +
                          " was asked for, and this machine has " + std::to_string(count) +
                          " CUDA device" + (count == 1 ? "" : "s"));
  return nullptr;
}

} // namespace cvc::runtime

/// Halide's CUDA runtime resolves every driver function through this.
extern "C" void *halide_cuda_get_symbol(void *, const char *name) {
  const cvc::runtime::Driver &driver = cvc::runtime::cudaDriver();
  return driver.handle ? dlsym(driver.handle, name) : nullptr;
}
