//===- ModelLibrary.cpp - dlopen a model.so -----------------------------===//
#include "cvc/host/ModelLibrary.h"

#include <dlfcn.h>

namespace cvc::host {

ModelLibrary::~ModelLibrary() {
  if (handle)
    dlclose(handle);
}

bool ModelLibrary::open(const std::string &path, std::string &error) {
  // dlopen searches the library path for names without a slash.
  std::string name = path.find('/') == std::string::npos ? "./" + path : path;
  handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    error = path + ": cannot load the model library: " + (why ? why : "unknown error");
    return false;
  }
  std::string missing = resolve(handle);
  if (!missing.empty()) {
    error = path + ": not a cvc model library (it does not export " + missing + ")";
    return false;
  }
  if (cvc_abi_version() != CVC_ABI_VERSION) {
    error = path + ": built for cvc ABI version " + std::to_string(cvc_abi_version()) +
            ", this program expects " + std::to_string(CVC_ABI_VERSION);
    return false;
  }
  return true;
}

} // namespace cvc::host
