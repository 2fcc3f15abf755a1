//===- Status.cpp - cvc_status ------------------------------------------===//
#include "cvc/status/Status.h"

#include <new>

namespace cvc::runtime {

static cvc_status_s outOfMemory{CVC_OUT_OF_MEMORY, "out of memory", /*isStatic=*/true};

cvc_status makeStatus(cvc_status_code code, std::string message) {
  try {
    return new cvc_status_s{code, std::move(message)};
  } catch (...) {
    return &outOfMemory;
  }
}

} // namespace cvc::runtime

extern "C" {

cvc_status_code cvc_status_code_of(cvc_status status) { return status ? status->code : CVC_OK; }

const char *cvc_status_message(cvc_status status) { return status ? status->message.c_str() : ""; }

void cvc_status_free(cvc_status status) {
  if (status && !status->isStatic)
    delete status;
}

} // extern "C"
