//===- ImageFile.cpp - PGM, PPM and PNG files ---------------------------===//
//
// Netpbm by hand (a text header and raw interleaved bytes); PNG through
// libpng's simplified API, which converts any PNG to 8-bit grey or RGB.
//
//===----------------------------------------------------------------------===//
#include "ImageFile.h"

#include "Readers.h"

#include <png.h>

#include <cctype>
#include <fstream>
#include <iterator>

namespace cvc::data {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  if (s.size() < suffix.size())
    return false;
  for (size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i])
      return false;
  return true;
}

void interleavedToPlanar(const uint8_t *in, ByteImage &image) {
  size_t plane = size_t(image.height) * image.width;
  image.pixels.resize(plane * image.channels);
  for (int c = 0; c < image.channels; ++c)
    for (size_t i = 0; i < plane; ++i)
      image.pixels[c * plane + i] = in[i * image.channels + c];
}

std::vector<uint8_t> planarToInterleaved(const ByteImage &image) {
  size_t plane = size_t(image.height) * image.width;
  std::vector<uint8_t> out(plane * image.channels);
  for (int c = 0; c < image.channels; ++c)
    for (size_t i = 0; i < plane; ++i)
      out[i * image.channels + c] = image.pixels[c * plane + i];
  return out;
}

/// The next header number of a Netpbm file, skipping blanks and # comments.
bool netpbmNumber(const std::vector<uint8_t> &bytes, size_t &pos, long &value) {
  while (pos < bytes.size()) {
    if (bytes[pos] == '#')
      while (pos < bytes.size() && bytes[pos] != '\n')
        ++pos;
    else if (std::isspace(bytes[pos]))
      ++pos;
    else
      break;
  }
  if (pos >= bytes.size() || !std::isdigit(bytes[pos]))
    return false;
  value = 0;
  while (pos < bytes.size() && std::isdigit(bytes[pos]) && value < 1000000)
    value = value * 10 + (bytes[pos++] - '0');
  return true;
}

cvc_status readNetpbm(const std::string &path, const std::vector<uint8_t> &bytes, ByteImage &image) {
  image.channels = bytes[1] == '5' ? 1 : 3;
  size_t pos = 2;
  long width, height, maxval;
  if (!netpbmNumber(bytes, pos, width) || !netpbmNumber(bytes, pos, height) ||
      !netpbmNumber(bytes, pos, maxval) || pos >= bytes.size() || width <= 0 || height <= 0)
    return invalid(path + ": malformed PGM/PPM header");
  if (maxval > 255)
    return invalid(path + ": 16-bit PGM/PPM (maxval " + std::to_string(maxval) +
                   ") is not supported");
  ++pos; // the single blank after maxval
  image.width = int(width);
  image.height = int(height);
  size_t expected = size_t(width) * height * image.channels;
  if (bytes.size() - pos < expected)
    return invalid(path + ": truncated: " + std::to_string(expected) + " pixel bytes expected, " +
                   std::to_string(bytes.size() - pos) + " present");
  interleavedToPlanar(bytes.data() + pos, image);
  return nullptr;
}

cvc_status readPng(const std::string &path, ByteImage &image) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str()))
    return invalid(path + ": not a readable PNG: " + png.message);
  bool colour = png.format & PNG_FORMAT_FLAG_COLOR;
  png.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  image.channels = colour ? 3 : 1;
  image.width = int(png.width);
  image.height = int(png.height);
  std::vector<uint8_t> interleaved(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, interleaved.data(), 0, nullptr)) {
    std::string why = png.message;
    png_image_free(&png);
    return invalid(path + ": corrupt PNG: " + why);
  }
  interleavedToPlanar(interleaved.data(), image);
  return nullptr;
}

} // namespace

cvc_status readImageFile(const std::string &path, ByteImage &image) {
  if (endsWith(path, ".png"))
    return readPng(path, image);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return invalid(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 2 || bytes[0] != 'P' || (bytes[1] != '5' && bytes[1] != '6'))
    return invalid(path + ": not a binary PGM/PPM (P5/P6) or PNG image");
  return readNetpbm(path, bytes, image);
}

cvc_status writeImageFile(const std::string &path, const ByteImage &image) {
  std::vector<uint8_t> interleaved = planarToInterleaved(image);
  if (endsWith(path, ".png")) {
    png_image png{};
    png.version = PNG_IMAGE_VERSION;
    png.width = png_uint_32(image.width);
    png.height = png_uint_32(image.height);
    png.format = image.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&png, path.c_str(), 0, interleaved.data(), 0, nullptr))
      return invalid(path + ": cannot write PNG: " + png.message);
    return nullptr;
  }
  if (!endsWith(path, ".ppm") && !endsWith(path, ".pgm"))
    return invalid(path + ": unknown image type (use .png, .ppm or .pgm)");
  std::ofstream out(path, std::ios::binary);
  out << (image.channels == 3 ? "P6" : "P5") << "\n"
      << image.width << " " << image.height << "\n255\n";
  out.write(reinterpret_cast<const char *>(interleaved.data()), std::streamsize(interleaved.size()));
  if (!out)
    return invalid(path + ": cannot write");
  return nullptr;
}

} // namespace cvc::data
