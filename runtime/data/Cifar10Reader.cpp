//===- Cifar10Reader.cpp - CIFAR-10 binary batches ----------------------===//
//
// data_batch_N.bin and test_batch.bin are records of one label byte (0-9)
// followed by 3x32x32 pixel bytes, planar R, G, B: already C x H x W.
//
//===----------------------------------------------------------------------===//
#include "Readers.h"

namespace cvc::data {

cvc_status readCifar10(const std::vector<std::string> &paths, ImageStore &store) {
  constexpr size_t imageBytes = 3 * 32 * 32, recordBytes = 1 + imageBytes;
  if (paths.empty())
    return invalid("cifar10: no batch file given");
  store.source = paths[0];
  store.channels = 3;
  store.height = store.width = 32;
  store.classCount = 10;
  store.pixels.clear();
  store.labels.clear();
  for (const std::string &path : paths) {
    std::vector<uint8_t> bytes;
    if (cvc_status s = readMaybeGzipped(path, bytes))
      return s;
    if (bytes.empty() || bytes.size() % recordBytes)
      return invalid(path + ": truncated CIFAR-10 batch: " + std::to_string(bytes.size()) +
                     " bytes is not a whole number of 3073-byte records");
    size_t records = bytes.size() / recordBytes;
    for (size_t r = 0; r < records; ++r) {
      const uint8_t *record = bytes.data() + r * recordBytes;
      if (record[0] > 9)
        return invalid(path + ": record " + std::to_string(r) + " has label " +
                       std::to_string(record[0]) + ", not a CIFAR-10 class (0-9)");
      store.labels.push_back(record[0]);
      store.pixels.insert(store.pixels.end(), record + 1, record + recordBytes);
    }
  }
  return nullptr;
}

} // namespace cvc::data
