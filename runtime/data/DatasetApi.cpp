//===- DatasetApi.cpp - the C API of data sets --------------------------===//
#include "ImageFile.h"
#include "Kernels.h"
#include "Readers.h"

#include <cstring>

using namespace cvc::data;

namespace {

cvc_status finish(cvc_status status, std::shared_ptr<ImageStore> store, cvc_dataset **out) {
  if (status)
    return status;
  *out = new cvc_dataset_s{std::make_shared<const Dataset>(std::move(store))};
  return nullptr;
}

std::vector<std::string> splitCommas(const std::string &s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t comma; (comma = s.find(',', start)) != std::string::npos; start = comma + 1)
    parts.push_back(s.substr(start, comma - start));
  parts.push_back(s.substr(start));
  return parts;
}

} // namespace

extern "C" {

cvc_status cvc_dataset_open_idx(const char *images_path, const char *labels_path,
                                cvc_dataset **out_dataset) {
  if (!images_path || !labels_path || !out_dataset)
    return invalid("cvc_dataset_open_idx: null argument");
  auto store = std::make_shared<ImageStore>();
  return finish(readIdx(images_path, labels_path, *store), store, out_dataset);
}

cvc_status cvc_dataset_open_cifar10(const char *const *paths, size_t path_count,
                                    cvc_dataset **out_dataset) {
  if ((!paths && path_count) || !out_dataset)
    return invalid("cvc_dataset_open_cifar10: null argument");
  std::vector<std::string> files;
  for (size_t i = 0; i < path_count; ++i) {
    if (!paths[i])
      return invalid("cvc_dataset_open_cifar10: null path");
    files.push_back(paths[i]);
  }
  auto store = std::make_shared<ImageStore>();
  return finish(readCifar10(files, *store), store, out_dataset);
}

cvc_status cvc_dataset_open_folder(const char *root, int32_t height, int32_t width,
                                   cvc_dataset **out_dataset) {
  if (!root || !out_dataset)
    return invalid("cvc_dataset_open_folder: null argument");
  if (height < 0 || width < 0 || (height == 0) != (width == 0))
    return invalid("cvc_dataset_open_folder: height and width must both be positive, or both 0");
  auto store = std::make_shared<ImageStore>();
  return finish(readFolder(root, height, width, *store), store, out_dataset);
}

cvc_status cvc_dataset_open(const char *spec, cvc_dataset **out_dataset) {
  if (!spec || !out_dataset)
    return invalid("cvc_dataset_open: null argument");
  std::string text = spec;
  size_t colon = text.find(':');
  std::string kind = text.substr(0, colon), rest = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (kind == "fashion-mnist") {
    // Debian's dataset-fashion-mnist.
    std::string split = rest.empty() || rest == "train" ? "train" : rest == "test" ? "t10k" : "";
    if (split.empty())
      return invalid("data set '" + text + "': fashion-mnist takes :train or :test");
    std::string dir = "/usr/share/datasets/fashion-mnist/";
    return cvc_dataset_open_idx((dir + split + "-images-idx3-ubyte.gz").c_str(),
                                (dir + split + "-labels-idx1-ubyte.gz").c_str(), out_dataset);
  }
  std::vector<std::string> parts = splitCommas(rest);
  if (kind == "idx" && parts.size() == 2)
    return cvc_dataset_open_idx(parts[0].c_str(), parts[1].c_str(), out_dataset);
  if (kind == "cifar10" && !rest.empty()) {
    std::vector<const char *> paths;
    for (const std::string &p : parts)
      paths.push_back(p.c_str());
    return cvc_dataset_open_cifar10(paths.data(), paths.size(), out_dataset);
  }
  if (kind == "folder" && !rest.empty())
    return cvc_dataset_open_folder(rest.c_str(), 0, 0, out_dataset);
  return invalid("unknown data set '" + text +
                 "' (expected fashion-mnist[:train|:test], idx:IMAGES,LABELS, "
                 "cifar10:FILE[,FILE...] or folder:DIR)");
}

void cvc_dataset_free(cvc_dataset *dataset) { delete dataset; }

size_t cvc_dataset_count(const cvc_dataset *d) { return d ? d->dataset->count() : 0; }
int32_t cvc_dataset_channels(const cvc_dataset *d) { return d ? d->dataset->channels() : 0; }
int32_t cvc_dataset_height(const cvc_dataset *d) { return d ? d->dataset->height() : 0; }
int32_t cvc_dataset_width(const cvc_dataset *d) { return d ? d->dataset->width() : 0; }
int32_t cvc_dataset_class_count(const cvc_dataset *d) { return d ? d->dataset->classCount() : 0; }

cvc_status cvc_dataset_subset(const cvc_dataset *dataset, const int32_t *classes,
                              size_t class_count, size_t per_class_limit,
                              cvc_dataset **out_subset) {
  if (!dataset || !out_subset || (class_count && !classes))
    return invalid("cvc_dataset_subset: null argument");
  const Dataset &d = *dataset->dataset;
  std::vector<int32_t> keep(classes, classes + class_count);
  std::vector<bool> seen(d.classCount(), false);
  for (int32_t c : keep) {
    if (c < 0 || c >= d.classCount())
      return invalid("cvc_dataset_subset: class " + std::to_string(c) + " is not in 0.." +
                     std::to_string(d.classCount() - 1));
    if (seen[c])
      return invalid("cvc_dataset_subset: class " + std::to_string(c) + " is listed twice");
    seen[c] = true;
  }
  *out_subset = new cvc_dataset_s{std::make_shared<const Dataset>(d.subset(keep, per_class_limit))};
  return nullptr;
}

cvc_status cvc_dataset_read(const cvc_dataset *dataset, size_t first, size_t count, float *images,
                            int32_t *labels) {
  if (!dataset || (count && !images))
    return invalid("cvc_dataset_read: null argument");
  const Dataset &d = *dataset->dataset;
  if (first > d.count() || count > d.count() - first)
    return invalid("cvc_dataset_read: images [" + std::to_string(first) + ", " +
                   std::to_string(first + count) + ") are outside the data set's " +
                   std::to_string(d.count()));
  for (size_t i = 0; i < count; ++i) {
    d.readImage(first + i, images + i * d.imageSize());
    if (labels)
      labels[i] = d.label(first + i);
  }
  return nullptr;
}

cvc_status cvc_dataset_rgb_pca(const cvc_dataset *dataset, float out_eigenvalues[3],
                               float out_eigenvectors[9]) {
  if (!dataset || !out_eigenvalues || !out_eigenvectors)
    return invalid("cvc_dataset_rgb_pca: null argument");
  if (!rgbPrincipalComponents(*dataset->dataset, out_eigenvalues, out_eigenvectors))
    return invalid("cvc_dataset_rgb_pca: needs a non-empty data set of 3-channel images, got " +
                   std::to_string(dataset->dataset->channels()) + " channel(s)");
  return nullptr;
}

cvc_status cvc_image_write(const char *path, const float *image, int32_t channels, int32_t height,
                           int32_t width) {
  if (!path || !image)
    return invalid("cvc_image_write: null argument");
  if ((channels != 1 && channels != 3) || height < 1 || width < 1)
    return invalid(std::string(path) + ": cannot write a " + std::to_string(channels) + "x" +
                   std::to_string(height) + "x" + std::to_string(width) +
                   " image (1 or 3 channels)");
  ByteImage bytes{channels, height, width, std::vector<uint8_t>(size_t(channels) * height * width)};
  unitToBytes(image, bytes.pixels.size(), bytes.pixels.data());
  return writeImageFile(path, bytes);
}

} // extern "C"
