//===- ModelLibrary.h - a model.so loaded with dlopen -----------*- C++ -*-===//
//
// Every model.so exports the same cvc_* functions, so a host that loads
// several (an ensemble) must reach each through its own handle: this class
// resolves the whole C ABI of one library with dlsym. For hosts (cvc-run,
// libcvc_train, tests); never linked into a model.so.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HOST_MODELLIBRARY_H
#define CVC_HOST_MODELLIBRARY_H

#include "cvc/cvc.hpp"

#include <string>

namespace cvc::host {

/// The function table is cvc.hpp's, which C++ hosts outside cvc use too.
class ModelLibrary : public ModelFunctions {
public:
  ~ModelLibrary();
  /// Loads `path` (RTLD_LOCAL) and resolves every function; false with a message on failure.
  bool open(const std::string &path, std::string &error);

private:
  void *handle = nullptr;
};

} // namespace cvc::host

#endif // CVC_HOST_MODELLIBRARY_H
