//===- Toolchain.h - the system tools cvc drives to link a model -*- C++ -*-===//
#ifndef CVC_DRIVER_TOOLCHAIN_H
#define CVC_DRIVER_TOOLCHAIN_H

#include "mlir/Support/LogicalResult.h"

#include <string>
#include <vector>

namespace cvc::driver {

/// Where the runtime archive, its headers and the export map live: next to
/// the cvc executable (<prefix>/bin/cvc -> <prefix>/lib, <prefix>/include),
/// or under $CVC_RUNTIME_DIR when set.
struct RuntimeLayout {
  std::string archive;       ///< libcvc_runtime.a
  std::string versionScript; ///< cvc_model.map, exports cvc_* only
  std::string includeDir;    ///< holds cvc/plan.h
};

/// Finds the runtime beside the running executable, or explains what is missing.
mlir::LogicalResult findRuntime(RuntimeLayout &layout, std::string &error);

/// Compiles and links `sources` (C, assembly, objects) into a shared library
/// named `soname` (the final file's name, so that a program linked with it,
/// as cvc_add_model's are, records that name and finds it on its run path;
/// `outputPath` may be a temporary name). The C compiler is $CVC_CC, or `cc`.
mlir::LogicalResult linkSharedLibrary(const RuntimeLayout &runtime,
                                      const std::vector<std::string> &sources,
                                      const std::string &outputPath, const std::string &soname,
                                      const std::string &logPath, std::string &error);

} // namespace cvc::driver

#endif // CVC_DRIVER_TOOLCHAIN_H
