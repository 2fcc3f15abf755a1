//===- TrainApi.cpp - the C API of libcvc_train (train.h) ---------------===//
//
// A thin shim: defaults, the checks a C caller can get wrong, and the
// Trainer's messages as statuses.
//
//===----------------------------------------------------------------------===//
#include "Trainer.h"

#include "cvc/status/Status.h"

using cvc::runtime::makeStatus;

extern "C" {

void cvc_train_options_init(cvc_train_options *o) {
  if (!o)
    return;
  *o = cvc_train_options{};
  o->epochs = 5;
  o->learning_rate = 0.05;
  o->schedule = "constant";
  o->loader_threads = 2;
  o->mean = 0.0f;
  o->std = 1.0f;
}

cvc_status cvc_train_run(const char *model_path, const cvc_train_options *options,
                         cvc_train_result *out_result) {
  if (!model_path || !options)
    return makeStatus(CVC_INVALID_ARGUMENT, "model_path and options must not be null");
  if (options->epochs < 1 || !(options->learning_rate >= 0) || !(options->std > 0))
    return makeStatus(CVC_INVALID_ARGUMENT, "epochs must be >= 1, learning_rate >= 0, std > 0");
  cvc::train::Trainer trainer;
  std::string error;
  if (!trainer.open(model_path, options->threads, error))
    return makeStatus(CVC_INVALID_ARGUMENT, error);
  cvc_train_result result;
  if (!trainer.run(*options, result, error))
    return makeStatus(CVC_INVALID_ARGUMENT, error);
  if (out_result)
    *out_result = result;
  return nullptr;
}

} // extern "C"
