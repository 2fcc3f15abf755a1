//===- Dataset.h - labelled images kept as bytes -----------------*- C++ -*-===//
//
// A data set is an immutable view (an index list and a label map) of an
// ImageStore, the decoded pixels of one source. Views share the store, so a
// subset of a class or of the first k images per class costs no pixels.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DATA_DATASET_H
#define CVC_DATA_DATASET_H

#include "cvc/data.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cvc::data {

/// Decoded pixels of one source: count x C x H x W bytes and a label each.
struct ImageStore {
  std::string source; ///< file or folder name, for messages
  int32_t channels = 0, height = 0, width = 0;
  int32_t classCount = 0;
  std::vector<uint8_t> pixels;
  std::vector<int32_t> labels;

  size_t imageBytes() const { return size_t(channels) * height * width; }
  size_t count() const { return labels.size(); }
};

class Dataset {
public:
  /// Every image of `store`, labels as stored.
  explicit Dataset(std::shared_ptr<const ImageStore> store);

  size_t count() const { return indices.size(); }
  int32_t channels() const { return store->channels; }
  int32_t height() const { return store->height; }
  int32_t width() const { return store->width; }
  int32_t classCount() const { return classes; }
  size_t imageSize() const { return store->imageBytes(); }

  int32_t label(size_t i) const;
  /// Image i as floats in [0,1], C x H x W.
  void readImage(size_t i, float *dst) const;

  /// See cvc_dataset_subset; empty `keepClasses` keeps every class.
  Dataset subset(const std::vector<int32_t> &keepClasses, size_t perClassLimit) const;

private:
  std::shared_ptr<const ImageStore> store;
  std::vector<uint32_t> indices; ///< into the store
  std::vector<int32_t> labelMap; ///< store label -> this set's label; -1 dropped
  int32_t classes = 0;
};

/// Mean and covariance of the RGB values of every pixel in [0,1], then its
/// eigen-decomposition; false unless the set has 3 channels and an image.
bool rgbPrincipalComponents(const Dataset &dataset, float eigenvalues[3], float eigenvectors[9]);

} // namespace cvc::data

/// The C handle: a shared reference, so loaders outlive the caller's handle.
struct cvc_dataset_s {
  std::shared_ptr<const cvc::data::Dataset> dataset;
};

#endif // CVC_DATA_DATASET_H
