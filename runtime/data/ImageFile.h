//===- ImageFile.h - PGM, PPM and PNG files ----------------------*- C++ -*-===//
#ifndef CVC_DATA_IMAGEFILE_H
#define CVC_DATA_IMAGEFILE_H

#include "cvc/cvc.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cvc::data {

/// An 8-bit image, planar C x H x W, 1 (grey) or 3 (RGB) channels.
struct ByteImage {
  int channels = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;
};

/// Reads a binary PGM (P5) or PPM (P6) with maxval <= 255, or a PNG (alpha dropped).
cvc_status readImageFile(const std::string &path, ByteImage &image);
/// Writes PGM/PPM (by channel count) or PNG, chosen by the extension (.pgm, .ppm, .png).
cvc_status writeImageFile(const std::string &path, const ByteImage &image);

} // namespace cvc::data

#endif // CVC_DATA_IMAGEFILE_H
