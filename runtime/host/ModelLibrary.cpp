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
  error = bind(handle, path);
  return error.empty();
}

} // namespace cvc::host
