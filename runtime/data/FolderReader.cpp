//===- FolderReader.cpp - one subfolder of images per class -------------===//
#include "ImageFile.h"
#include "Kernels.h"
#include "Readers.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace cvc::data {

namespace {

bool isImageFile(const fs::path &p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".png" || ext == ".ppm" || ext == ".pgm";
}

/// Appends `image` to the store as C x H x W bytes: grey replicated to
/// colour when the store has 3 channels, resized when its size differs.
void appendImage(const ByteImage &image, ImageStore &store) {
  size_t plane = size_t(image.height) * image.width;
  std::vector<float> unit(plane * store.channels);
  for (int c = 0; c < store.channels; ++c)
    bytesToUnit(image.pixels.data() + (image.channels == 1 ? 0 : c * plane), plane,
                unit.data() + c * plane);
  std::vector<float> sized(store.imageBytes());
  if (image.height == store.height && image.width == store.width)
    sized = std::move(unit);
  else
    resizedCrop(unit.data(), store.channels, image.height, image.width, 0, 0, image.height,
                image.width, store.height, store.width, sized.data());
  size_t at = store.pixels.size();
  store.pixels.resize(at + sized.size());
  unitToBytes(sized.data(), sized.size(), store.pixels.data() + at);
}

} // namespace

cvc_status readFolder(const std::string &root, int height, int width, ImageStore &store) {
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return invalid(root + ": not a folder");
  std::vector<fs::path> classDirs;
  for (const auto &entry : fs::directory_iterator(root, ec))
    if (entry.is_directory())
      classDirs.push_back(entry.path());
  std::sort(classDirs.begin(), classDirs.end());
  if (classDirs.empty())
    return invalid(root + ": has no class subfolders");

  std::vector<ByteImage> images;
  std::vector<int32_t> labels;
  bool colour = false;
  for (size_t c = 0; c < classDirs.size(); ++c) {
    std::vector<fs::path> files;
    for (const auto &entry : fs::directory_iterator(classDirs[c], ec))
      if (entry.is_regular_file() && isImageFile(entry.path()))
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path &file : files) {
      ByteImage image;
      if (cvc_status s = readImageFile(file.string(), image))
        return s;
      colour |= image.channels == 3;
      images.push_back(std::move(image));
      labels.push_back(int32_t(c));
    }
  }
  if (images.empty())
    return invalid(root + ": holds no .png, .ppm or .pgm images");

  store.source = root;
  store.channels = colour ? 3 : 1;
  store.height = height > 0 ? height : images[0].height;
  store.width = width > 0 ? width : images[0].width;
  store.classCount = int32_t(classDirs.size());
  store.labels = std::move(labels);
  store.pixels.clear();
  store.pixels.reserve(store.imageBytes() * images.size());
  for (const ByteImage &image : images)
    appendImage(image, store);
  return nullptr;
}

} // namespace cvc::data
