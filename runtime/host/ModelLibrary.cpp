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
#define CVC_RESOLVE(fn)                                                                         \
  fn = reinterpret_cast<decltype(fn)>(dlsym(handle, #fn));                                      \
  if (!fn) {                                                                                    \
    error = path + ": not a cvc model library (it does not export " #fn ")";                   \
    return false;                                                                               \
  }
  CVC_API_FUNCTIONS(CVC_RESOLVE)
#undef CVC_RESOLVE
  if (cvc_abi_version() != CVC_ABI_VERSION) {
    error = path + ": built for cvc ABI version " + std::to_string(cvc_abi_version()) +
            ", this program expects " + std::to_string(CVC_ABI_VERSION);
    return false;
  }
  return true;
}

std::string ModelLibrary::take(cvc_status status) {
  if (!status)
    return "";
  std::string message = cvc_status_message(status);
  cvc_status_free(status);
  return message.empty() ? "unknown error" : message;
}

} // namespace cvc::host
