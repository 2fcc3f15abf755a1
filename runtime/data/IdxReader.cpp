//===- IdxReader.cpp - the idx format of MNIST and Fashion-MNIST --------===//
//
// An idx file is a big-endian header, 0 0 TYPE RANK, RANK 32-bit extents,
// then the elements. Images are rank 3 (count, rows, cols) and labels rank 1,
// both of unsigned bytes (TYPE 0x08).
//
//===----------------------------------------------------------------------===//
#include "Readers.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace cvc::data {

cvc_status readMaybeGzipped(const std::string &path, std::vector<uint8_t> &bytes) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file)
    return invalid(path + ": cannot open: " + std::strerror(errno ? errno : ENOENT));
  bytes.clear();
  uint8_t chunk[1 << 16];
  int n;
  while ((n = gzread(file, chunk, sizeof chunk)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + n);
  int code = Z_OK;
  const char *why = n < 0 ? gzerror(file, &code) : nullptr;
  gzclose(file);
  if (n < 0)
    return invalid(path + ": cannot read (truncated or corrupt gzip?): " + (why ? why : ""));
  return nullptr;
}

namespace {

struct IdxArray {
  std::vector<uint32_t> dims;
  size_t offset = 0; ///< of the first element
};

cvc_status parseIdx(const std::string &path, const std::vector<uint8_t> &bytes, unsigned rank,
                    IdxArray &out) {
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    return invalid(path + ": not an idx file (bad magic number)");
  if (bytes[2] != 0x08)
    return invalid(path + ": idx element type " + std::to_string(bytes[2]) +
                   " is not supported (only unsigned bytes, 0x08)");
  if (bytes[3] != rank)
    return invalid(path + ": expected an idx array of rank " + std::to_string(rank) + ", got " +
                   std::to_string(bytes[3]));
  out.offset = 4 + 4 * size_t(rank);
  if (bytes.size() < out.offset)
    return invalid(path + ": truncated idx header");
  size_t elements = 1;
  for (unsigned i = 0; i < rank; ++i) {
    const uint8_t *p = bytes.data() + 4 + 4 * i;
    out.dims.push_back(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
    elements *= out.dims.back();
  }
  if (bytes.size() - out.offset != elements)
    return invalid(path + ": " + (bytes.size() - out.offset < elements ? "truncated" : "too long") +
                   ": the header announces " + std::to_string(elements) + " bytes of data, the file has " +
                   std::to_string(bytes.size() - out.offset));
  return nullptr;
}

} // namespace

cvc_status readIdx(const std::string &imagesPath, const std::string &labelsPath, ImageStore &store) {
  std::vector<uint8_t> images, labels;
  IdxArray imageArray, labelArray;
  if (cvc_status s = readMaybeGzipped(imagesPath, images))
    return s;
  if (cvc_status s = parseIdx(imagesPath, images, 3, imageArray))
    return s;
  if (cvc_status s = readMaybeGzipped(labelsPath, labels))
    return s;
  if (cvc_status s = parseIdx(labelsPath, labels, 1, labelArray))
    return s;
  if (imageArray.dims[0] != labelArray.dims[0])
    return invalid(imagesPath + " holds " + std::to_string(imageArray.dims[0]) + " images but " +
                   labelsPath + " holds " + std::to_string(labelArray.dims[0]) + " labels");
  if (imageArray.dims[0] == 0 || imageArray.dims[1] == 0 || imageArray.dims[2] == 0)
    return invalid(imagesPath + ": holds no pixels");
  store.source = imagesPath;
  store.channels = 1;
  store.height = int32_t(imageArray.dims[1]);
  store.width = int32_t(imageArray.dims[2]);
  store.pixels.assign(images.begin() + imageArray.offset, images.end());
  store.labels.assign(labels.begin() + labelArray.offset, labels.end());
  store.classCount = 1 + *std::max_element(store.labels.begin(), store.labels.end());
  return nullptr;
}

} // namespace cvc::data
