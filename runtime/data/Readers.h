//===- Readers.h - decoding data set files into an ImageStore ----*- C++ -*-===//
//
// Each reader fills a store or returns a status naming the file and what is
// wrong with it (missing, bad magic, truncated, counts that disagree).
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DATA_READERS_H
#define CVC_DATA_READERS_H

#include "Dataset.h"

#include "cvc/status/Status.h"

#include <string>
#include <vector>

namespace cvc::data {

/// A CVC_INVALID_ARGUMENT status with `message`.
inline cvc_status invalid(std::string message) {
  return runtime::makeStatus(CVC_INVALID_ARGUMENT, std::move(message));
}

/// The whole file, gunzipped when it is gzip-compressed (zlib reads plain files as they are).
cvc_status readMaybeGzipped(const std::string &path, std::vector<uint8_t> &bytes);

cvc_status readIdx(const std::string &imagesPath, const std::string &labelsPath, ImageStore &store);
cvc_status readCifar10(const std::vector<std::string> &paths, ImageStore &store);
cvc_status readFolder(const std::string &root, int height, int width, ImageStore &store);

} // namespace cvc::data

#endif // CVC_DATA_READERS_H
