//===- RuntimeCache.h - the Halide runtime object, compiled once -*- C++ -*-===//
#ifndef CVC_DRIVER_RUNTIMECACHE_H
#define CVC_DRIVER_RUNTIMECACHE_H

#include "mlir/Support/LogicalResult.h"

#include <string>

namespace Halide {
struct Target;
}

namespace cvc {

/// Where compiled Halide runtimes are kept: $CVC_CACHE_DIR ("off" for
/// none), else $XDG_CACHE_HOME/cvc, else ~/.cache/cvc; "" for none.
std::string runtimeCacheFolder();

/// The path of a Halide runtime object for `target`: the cached one, or one
/// compiled now into the cache (or into `scratchDir` when there is no
/// usable cache folder).
mlir::FailureOr<std::string> halideRuntimeObject(const Halide::Target &target,
                                                 const std::string &scratchDir, bool verbose,
                                                 std::string &error);

} // namespace cvc

#endif // CVC_DRIVER_RUNTIMECACHE_H
