//===- TensorFileFuzzer.cpp - .npy and TensorProto .pb readers ------------===//
//
// The first byte picks the reader (cvc-run's inputs, --constant-input); the
// rest is the file. A read either succeeds with as many values as its shape
// says or fails with a message.
//
//===----------------------------------------------------------------------===//
#include "ScratchFile.h"

#include "cvc/tensorio/TensorFile.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  const char *name = data[0] & 1 ? "fuzz.pb" : "fuzz.npy";
  std::string path = cvc::fuzz::writeScratch(name, data + 1, size - 1);
  cvc::tensorio::Tensor t;
  std::string error;
  if (cvc::tensorio::readTensorFile(path, t, error)) {
    std::optional<int64_t> count = cvc::tensorio::elementCount(t.shape);
    if (!count || static_cast<size_t>(*count) != t.data.size())
      std::abort();
  } else if (error.empty()) {
    std::abort();
  }
  return 0;
}
