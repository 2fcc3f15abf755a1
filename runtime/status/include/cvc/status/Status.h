//===- Status.h - building cvc_status values --------------------*- C++ -*-===//
//
// cvc_status is the error value of every cvc C API: a model.so's (cvc.h),
// libcvc_data's (data.h) and libcvc_train's (train.h). Each library that
// exports those functions carries this code, so that a host can free a
// status with the library that made it (several model.so files each have
// their own copy, reached through their own handles).
//
//===----------------------------------------------------------------------===//
#ifndef CVC_STATUS_STATUS_H
#define CVC_STATUS_STATUS_H

#include "cvc/cvc.h"

#include <string>

struct cvc_status_s {
  cvc_status_code code;
  std::string message;
  /// The static out-of-memory status: never deleted. A flag rather than an
  /// address, since every library with a C API has its own copy and a host
  /// may free one library's status through another's cvc_status_free.
  bool isStatic = false;
};

namespace cvc::runtime {

/// A new status the caller of the C API will own; never throws (a status that
/// cannot be allocated degrades to a static out-of-memory status).
cvc_status makeStatus(cvc_status_code code, std::string message);

} // namespace cvc::runtime

#endif // CVC_STATUS_STATUS_H
