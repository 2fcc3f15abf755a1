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

#include "cvc/cvc.h"

#include <string>

namespace cvc::host {

class ModelLibrary {
public:
  ~ModelLibrary();
  /// Loads `path` (RTLD_LOCAL) and resolves every function; false with a message on failure.
  bool open(const std::string &path, std::string &error);

#define CVC_API_FUNCTIONS(X)                                                                    \
  X(cvc_abi_version) X(cvc_status_code_of) X(cvc_status_message) X(cvc_status_free)            \
  X(cvc_model_get) X(cvc_model_name) X(cvc_model_target) X(cvc_model_input_count)              \
  X(cvc_model_output_count) X(cvc_model_input_info) X(cvc_model_output_info)                   \
  X(cvc_model_macs_per_image) X(cvc_session_options_init) X(cvc_session_create)                \
  X(cvc_session_free) X(cvc_session_run) X(cvc_session_set_profiling)                          \
  X(cvc_session_kernel_count) X(cvc_session_kernel_profile) X(cvc_model_entry_count)           \
  X(cvc_model_entry_name) X(cvc_model_find_entry) X(cvc_model_entry_input_count)               \
  X(cvc_model_entry_output_count) X(cvc_model_entry_input_info) X(cvc_model_entry_output_info)  \
  X(cvc_session_run_entry) X(cvc_model_state_count) X(cvc_model_state_info)                    \
  X(cvc_model_slice_count) X(cvc_model_slice_info) X(cvc_session_read_state)                   \
  X(cvc_session_write_state) X(cvc_model_variant_count) X(cvc_model_variant)
#define CVC_DECLARE(name) decltype(&::name) name = nullptr;
  CVC_API_FUNCTIONS(CVC_DECLARE)
#undef CVC_DECLARE

  /// Turns a status into a message (empty for success) and frees it.
  std::string take(cvc_status status);

private:
  void *handle = nullptr;
};

} // namespace cvc::host

#endif // CVC_HOST_MODELLIBRARY_H
