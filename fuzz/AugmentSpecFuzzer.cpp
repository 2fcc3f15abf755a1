//===- AugmentSpecFuzzer.cpp - augmentation specs, parsed and applied -----===//
//
// A spec comes from a command line or a config file. One that parses must
// give an output shape or an error for a small image, and then run on it.
//
//===----------------------------------------------------------------------===//
#include "cvc/data.h"

#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string spec(reinterpret_cast<const char *>(data), size);
  cvc_augment_pipeline *pipeline = nullptr;
  cvc_status status = cvc_augment_pipeline_create(spec.c_str(), &pipeline);
  if (status) {
    if (!cvc_status_message(status) || !*cvc_status_message(status))
      std::abort();
    cvc_status_free(status);
    return 0;
  }
  for (int channels : {1, 3}) {
    int32_t shape[3];
    status = cvc_augment_output_shape(pipeline, channels, 12, 10, shape);
    if (status) {
      cvc_status_free(status);
      continue;
    }
    // A spec may ask for any output size; only modest ones are run.
    int64_t count = int64_t(shape[0]) * shape[1] * shape[2];
    if (shape[0] <= 0 || shape[1] <= 0 || shape[2] <= 0 || count > (1 << 20))
      continue;
    std::vector<float> in(size_t(channels) * 12 * 10, 0.25f), out(static_cast<size_t>(count));
    for (size_t i = 0; i < in.size(); ++i)
      in[i] = static_cast<float>(i % 7) / 7.0f;
    status = cvc_augment_apply(pipeline, 1, 0, 0, in.data(), channels, 12, 10, out.data());
    if (status)
      cvc_status_free(status);
  }
  cvc_augment_pipeline_free(pipeline);
  return 0;
}
