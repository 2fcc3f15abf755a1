//===- Target.cpp - resolving the target once, for the whole pipeline ---===//
//
// `--target host` becomes the exact Halide target string (with the features
// this CPU really has) once, in the driver, and is stored in the module as
// cv.target: passes read its block size, the lowering its vector width and
// Halide target. Nothing downstream asks the machine again. `--target cuda`
// keeps this CPU for the host side and adds Halide's CUDA backend.
//
//===----------------------------------------------------------------------===//
#include "cvc/halide/Lowering.h"

#include "cv/CvOps.h"

#include "llvm/ADT/STLExtras.h"

#include <optional>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

using namespace mlir;

namespace cvc::halide {
namespace {

/// Whether the CPU executes VEX-encoded AVX-VNNI (CPUID leaf 7, subleaf 1,
/// EAX bit 4).
bool hostHasAvxVnni() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx))
    return false;
  return (eax >> 4) & 1;
#else
  return false;
#endif
}

/// This machine's target. Halide 14 names any CPU with AVX512-VNNI and
/// AVX512-BF16 Sapphire Rapids, and LLVM's sapphirerapids CPU then emits
/// AVX-VNNI (VEX) dot products for vector index arithmetic. AMD Zen 4 has
/// the former but not AVX-VNNI: those kernels died of SIGILL. Cannon Lake's
/// AVX-512 is all that float kernels use.
Halide::Target hostTarget() {
  Halide::Target host = Halide::get_host_target();
  if (host.has_feature(Halide::Target::AVX512_SapphireRapids) && !hostHasAvxVnni())
    host = host.without_feature(Halide::Target::AVX512_SapphireRapids);
  return host;
}

/// The CUDA compute capabilities Halide 14 can name, as target features.
struct CudaCapability {
  int version; ///< e.g. 70 for sm_70
  Halide::Target::Feature feature;
};
const CudaCapability kCudaCapabilities[] = {
    {30, Halide::Target::CUDACapability30}, {32, Halide::Target::CUDACapability32},
    {35, Halide::Target::CUDACapability35}, {50, Halide::Target::CUDACapability50},
    {61, Halide::Target::CUDACapability61}, {70, Halide::Target::CUDACapability70},
    {75, Halide::Target::CUDACapability75}, {80, Halide::Target::CUDACapability80},
    {86, Halide::Target::CUDACapability86}};

/// Volta's sm_70 PTX: GPUs from Volta on run it (Hopper's sm_90 too, the
/// driver JIT-compiling it); older ones (Maxwell, Pascal) need cuda-50 or
/// cuda-61, which sessions on them say.
constexpr int kDefaultCudaCapability = 70;

/// The entry of kCudaCapabilities for `version`, or null.
const CudaCapability *cudaCapability(int version) {
  for (const CudaCapability &c : kCudaCapabilities)
    if (c.version == version)
      return &c;
  return nullptr;
}

/// `cuda` or `cuda-<capability>` (`cuda-86`): this machine's CPU for the
/// host code, CUDA for the kernels. Anything else starting with "cuda" is
/// an error naming the capabilities Halide 14 knows.
std::optional<Halide::Target> cudaTarget(const std::string &name, std::string &error) {
  if (name != "cuda" && name.rfind("cuda-", 0) != 0)
    return std::nullopt;
  int capability = kDefaultCudaCapability;
  if (name != "cuda") {
    const std::string digits = name.substr(5);
    capability = -1;
    if (!digits.empty() && digits.size() <= 3 &&
        digits.find_first_not_of("0123456789") == std::string::npos)
      capability = std::stoi(digits);
  }
  if (const CudaCapability *c = cudaCapability(capability))
    return hostTarget().with_feature(Halide::Target::CUDA).with_feature(c->feature);
  std::string known;
  for (const CudaCapability &c : kCudaCapabilities)
    known += (known.empty() ? "" : ", ") + std::to_string(c.version);
  error = "invalid CUDA target '" + name + "': expected 'cuda' (compute capability " +
          std::to_string(kDefaultCudaCapability) + ") or 'cuda-<capability>' with one of " +
          known + " (newer GPUs run the newest's code)";
  return Halide::Target();
}

} // namespace

FailureOr<cv::TargetAttr> resolveTarget(MLIRContext *ctx, const std::string &name, int64_t cores,
                                        std::string &error) {
  Halide::Target target;
  if (name == "host") {
    target = hostTarget();
  } else if (std::optional<Halide::Target> cuda = cudaTarget(name, error)) {
    if (!error.empty())
      return failure();
    target = *cuda;
  } else if (Halide::Target::validate_target_string(name)) {
    target = Halide::Target(name);
    // The runtime runs CUDA models only (and, for now, refuses to run
    // them); other GPU APIs would get GPU schedules and then be run as CPU
    // models, their results left on the device.
    if (target.has_gpu_feature() && !target.has_feature(Halide::Target::CUDA)) {
      error = "target '" + name + "' asks for a GPU API other than CUDA, which cvc does not "
              "support (use 'cuda[-<capability>]')";
      return failure();
    }
    // Without a capability Halide writes sm_20 PTX, which current drivers
    // do not load.
    bool hasCapability = llvm::any_of(
        kCudaCapabilities, [&](const CudaCapability &c) { return target.has_feature(c.feature); });
    if (target.has_feature(Halide::Target::CUDA) && !hasCapability)
      target = target.with_feature(cudaCapability(kDefaultCudaCapability)->feature);
  } else {
    error = "invalid Halide target '" + name + "' (expected 'host', 'cuda[-<capability>]' or a "
            "target such as x86-64-linux-avx512_skylake)";
    return failure();
  }
  if (cores <= 0)
    cores = std::max(1u, std::thread::hardware_concurrency());
  int64_t vectorWidth = std::max(1, target.natural_vector_size<float>());
  // One vector of float32 channels per pixel: the block of NCHW[b]c.
  return cv::TargetAttr::get(ctx, target.to_string(), vectorWidth, vectorWidth, cores);
}

bool runsOnGpu(cv::TargetAttr target) {
  return target && Halide::Target(target.getHalide().str()).has_gpu_feature();
}

KernelContext kernelContextFor(cv::TargetAttr target) {
  KernelContext context;
  context.target = Halide::Target(target.getHalide().str());
  context.vectorWidth = static_cast<int>(target.getVectorWidth());
  context.cores = static_cast<int>(target.getCores());
  return context;
}

} // namespace cvc::halide
