//===- BatchSource.h - where a training step's batches come from -*- C++ -*-===//
//
// Either the data library's loader (images, shuffled and augmented by its
// threads) or, when only a head trains, features a frozen network computed
// once. Both give the batches of epoch e in an order that depends only on
// (seed, e), so a resumed run sees what an uninterrupted one would.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TRAIN_BATCHSOURCE_H
#define CVC_TRAIN_BATCHSOURCE_H

#include "cvc/data.h"
#include "cvc/train.h"

#include <memory>
#include <string>
#include <vector>

namespace cvc::train {

/// The message of a libcvc_data status, which it frees ("" for success).
std::string takeStatus(cvc_status status);

/// Which part of each global batch a data-parallel rank trains on: batch k
/// of shard r is the r-th `batch`-sized part of batch k of one process whose
/// batch is count * `batch`.
struct Shard {
  int index = 0, count = 1;
};

class BatchSource {
public:
  virtual ~BatchSource() = default;
  /// Full batches per epoch (a last partial batch is dropped).
  virtual size_t batchCount() const = 0;
  /// Elements of one sample (C*H*W of an image, or a feature vector's length).
  virtual size_t sampleSize() const = 0;
  virtual bool startEpoch(uint64_t epoch, uint64_t firstBatch, std::string &error) = 0;
  /// Fills one full batch of samples and labels.
  virtual bool next(float *samples, int32_t *labels, std::string &error) = 0;
  /// Time the trainer spent waiting for batches.
  virtual double waitSeconds() const = 0;
};

/// Batches of `dataset` from the loader, normalised and augmented as `options` say.
std::unique_ptr<BatchSource> makeLoaderSource(const cvc_dataset *dataset,
                                              const cvc_train_options &options, int64_t batch,
                                              Shard shard, std::string &error);

/// Batches of cached features: `features` holds `labels.size()` rows.
std::unique_ptr<BatchSource> makeFeatureSource(std::vector<float> features,
                                               std::vector<int32_t> labels, size_t rowSize,
                                               int64_t batch, uint64_t seed, Shard shard);

} // namespace cvc::train

#endif // CVC_TRAIN_BATCHSOURCE_H
