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

#include <cstdlib>
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

/// The compute capability a target string names (70 for
/// "...-cuda_capability_70-..."), or 0.
int targetCudaCapability(const char *target) {
  const char *at = target ? std::strstr(target, "cuda_capability_") : nullptr;
  return at ? std::atoi(at + std::strlen("cuda_capability_")) : 0;
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
  // PTX for a newer architecture than the device's does not load; say so
  // now rather than at the first kernel.
  using DeviceGet = int (*)(int *, int);
  using GetAttribute = int (*)(int *, int, int);
  auto deviceGet = reinterpret_cast<DeviceGet>(dlsym(driver.handle, "cuDeviceGet"));
  auto getAttribute = reinterpret_cast<GetAttribute>(dlsym(driver.handle, "cuDeviceGetAttribute"));
  constexpr int kCapabilityMajor = 75, kCapabilityMinor = 76; // CUdevice_attribute
  int device = 0, major = 0, minor = 0;
  int wanted = targetCudaCapability(target);
  if (wanted > 0 && deviceGet && getAttribute && deviceGet(&device, ordinal) == 0 &&
      getAttribute(&major, kCapabilityMajor, device) == 0 &&
      getAttribute(&minor, kCapabilityMinor, device) == 0 && major * 10 + minor < wanted)
    return makeStatus(CVC_DEVICE_UNAVAILABLE,
                      what + ": device " + std::to_string(ordinal) + " has compute capability " +
                          std::to_string(major) + "." + std::to_string(minor) +
                          ", older than the " + std::to_string(wanted / 10) + "." +
                          std::to_string(wanted % 10) +
                          " it was compiled for (compile it with --target cuda-" +
                          std::to_string(major) + std::to_string(minor) + " or older)");
  return nullptr;
}

} // namespace cvc::runtime

/// Halide's CUDA runtime resolves every driver function through this.
extern "C" void *halide_cuda_get_symbol(void *, const char *name) {
  const cvc::runtime::Driver &driver = cvc::runtime::cudaDriver();
  return driver.handle ? dlsym(driver.handle, name) : nullptr;
}
