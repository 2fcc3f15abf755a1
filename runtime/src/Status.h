//===- Status.h - building cvc_status values --------------------*- C++ -*-===//
#ifndef CVC_RUNTIME_STATUS_H
#define CVC_RUNTIME_STATUS_H

#include "cvc/cvc.h"

#include <string>

struct cvc_status_s {
  cvc_status_code code;
  std::string message;
};

namespace cvc::runtime {

/// A new status the caller of the C API will own; never throws (a status that
/// cannot be allocated degrades to a static out-of-memory status).
cvc_status makeStatus(cvc_status_code code, std::string message);

} // namespace cvc::runtime

#endif // CVC_RUNTIME_STATUS_H
