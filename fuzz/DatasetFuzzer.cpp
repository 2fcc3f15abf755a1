//===- DatasetFuzzer.cpp - libcvc_data's readers: idx, CIFAR-10, images ---===//
//
// The first byte picks the format. idx takes two files (images, labels)
// split at a length in the next two bytes; a folder data set takes one
// image file (PNG, PPM or PGM by the second byte) in one class folder. A
// data set that opens must read its first and last images.
//
//===----------------------------------------------------------------------===//
#include "ScratchFile.h"

#include "cvc/data.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace {

void readEnds(cvc_dataset *ds) {
  size_t count = cvc_dataset_count(ds);
  size_t image = size_t(cvc_dataset_channels(ds)) * cvc_dataset_height(ds) * cvc_dataset_width(ds);
  if (count == 0 || image == 0 || image > (size_t(1) << 24))
    return;
  std::vector<float> pixels(image);
  int32_t label = -1;
  for (size_t i : {size_t(0), count - 1}) {
    if (cvc_status s = cvc_dataset_read(ds, i, 1, pixels.data(), &label)) {
      cvc_status_free(s);
      continue;
    }
    if (label < 0 || label >= cvc_dataset_class_count(ds))
      std::abort();
  }
}

void check(cvc_status status, cvc_dataset *ds) {
  if (status) {
    const char *message = cvc_status_message(status);
    if (!message || !*message)
      std::abort();
    cvc_status_free(status);
    return;
  }
  readEnds(ds);
  cvc_dataset_free(ds);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3)
    return 0;
  uint8_t format = data[0] % 3;
  cvc_dataset *ds = nullptr;
  if (format == 0) {
    size_t split = std::min<size_t>(size - 3, size_t(data[1]) << 8 | data[2]);
    std::string images = cvc::fuzz::writeScratch("images.idx", data + 3, split);
    std::string labels = cvc::fuzz::writeScratch("labels.idx", data + 3 + split, size - 3 - split);
    check(cvc_dataset_open_idx(images.c_str(), labels.c_str(), &ds), ds);
  } else if (format == 1) {
    std::string batch = cvc::fuzz::writeScratch("batch.bin", data + 1, size - 1);
    const char *paths[] = {batch.c_str()};
    check(cvc_dataset_open_cifar10(paths, 1, &ds), ds);
  } else {
    static const char *names[] = {"image.png", "image.ppm", "image.pgm"};
    auto root = cvc::fuzz::scratchFolder() / "folder";
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root / "class");
    cvc::fuzz::writeScratch(std::string("folder/class/") + names[data[1] % 3], data + 2, size - 2);
    check(cvc_dataset_open_folder(root.c_str(), 0, 0, &ds), ds);
  }
  return 0;
}
