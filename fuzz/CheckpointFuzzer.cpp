//===- CheckpointFuzzer.cpp - the training checkpoint reader --------------===//
//
// What cvc-train --resume reads. A read either succeeds with every tensor
// slice inside its state or fails with a message.
//
//===----------------------------------------------------------------------===//
#include "ScratchFile.h"

#include "cvc/tensorio/Checkpoint.h"

#include <cstdlib>
#include <cstring>
#include <vector>

// A checkpoint ends in a checksum of the rest, which a random input almost
// never matches: the target writes the right one, so that the fuzzer
// explores the parser behind the check (the check has unit tests).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  if (size >= 16) {
    uint64_t hash =
        cvc::tensorio::checkpointChecksum(reinterpret_cast<const char *>(bytes.data()), size - 8);
    std::memcpy(bytes.data() + size - 8, &hash, 8);
  }
  std::string path = cvc::fuzz::writeScratch("fuzz.ckpt", bytes.data(), bytes.size());
  cvc::tensorio::Checkpoint checkpoint;
  std::string error;
  if (!cvc::tensorio::readCheckpoint(path, checkpoint, error)) {
    if (error.empty())
      std::abort();
    return 0;
  }
  for (const auto &slice : checkpoint.tensors) {
    if (slice.state >= checkpoint.states.size())
      std::abort();
    std::optional<int64_t> count = cvc::tensorio::elementCount(slice.shape);
    if (!count || slice.offset + static_cast<uint64_t>(*count) >
                      checkpoint.states[slice.state].values.size())
      std::abort();
  }
  return 0;
}
