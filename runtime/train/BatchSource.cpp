//===- BatchSource.cpp - where a training step's batches come from ------===//
#include "BatchSource.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

namespace cvc::train {

std::string takeStatus(cvc_status status) {
  if (!status)
    return "";
  std::string text = cvc_status_message(status);
  cvc_status_free(status);
  return text;
}

namespace {

class LoaderSource : public BatchSource {
public:
  LoaderSource(cvc_augment_pipeline *augment, cvc_loader *loader, int64_t batch)
      : augment(augment), loader(loader), batch(batch) {
    cvc_loader_image_shape(loader, shape);
  }
  ~LoaderSource() override {
    cvc_loader_free(loader);
    if (augment)
      cvc_augment_pipeline_free(augment);
  }
  size_t batchCount() const override { return cvc_loader_batch_count(loader); }
  size_t sampleSize() const override {
    return static_cast<size_t>(shape[0]) * shape[1] * shape[2];
  }
  bool startEpoch(uint64_t epoch, uint64_t firstBatch, std::string &error) override {
    if (cvc_status s = cvc_loader_start_epoch(loader, epoch, firstBatch)) {
      error = takeStatus(s);
      return false;
    }
    return true;
  }
  bool next(float *samples, int32_t *labels, std::string &error) override {
    size_t count = 0;
    if (cvc_status s = cvc_loader_next(loader, samples, labels, &count)) {
      error = takeStatus(s);
      return false;
    }
    if (count != static_cast<size_t>(batch)) {
      error = "the loader returned a partial batch";
      return false;
    }
    return true;
  }
  double waitSeconds() const override { return cvc_loader_wait_seconds(loader); }
  int32_t shape[3] = {0, 0, 0};

private:
  cvc_augment_pipeline *augment;
  cvc_loader *loader;
  int64_t batch;
};

class FeatureSource : public BatchSource {
public:
  FeatureSource(std::vector<float> features, std::vector<int32_t> labels, size_t rowSize,
                int64_t batch, uint64_t seed, Shard shard)
      : features(std::move(features)), labels(std::move(labels)), rowSize(rowSize), batch(batch),
        seed(seed), shard(shard), order(this->labels.size()) {}
  size_t batchCount() const override {
    return labels.size() / (static_cast<size_t>(batch) * static_cast<size_t>(shard.count));
  }
  size_t sampleSize() const override { return rowSize; }
  bool startEpoch(uint64_t epoch, uint64_t firstBatch, std::string &) override {
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + epoch);
    std::shuffle(order.begin(), order.end(), rng);
    position = (firstBatch * shard.count + shard.index) * static_cast<size_t>(batch);
    return true;
  }
  bool next(float *samples, int32_t *out, std::string &error) override {
    if (position + batch > order.size()) {
      error = "the epoch has no more full batches";
      return false;
    }
    for (int64_t i = 0; i < batch; ++i) {
      size_t row = order[position + i];
      std::memcpy(samples + i * rowSize, features.data() + row * rowSize, rowSize * sizeof(float));
      out[i] = labels[row];
    }
    position += static_cast<size_t>(batch) * shard.count; // past the other shards' parts
    return true;
  }
  double waitSeconds() const override { return 0.0; }

private:
  std::vector<float> features;
  std::vector<int32_t> labels;
  size_t rowSize;
  int64_t batch;
  uint64_t seed;
  Shard shard;
  std::vector<size_t> order;
  size_t position = 0;
};

} // namespace

std::unique_ptr<BatchSource> makeLoaderSource(const cvc_dataset *dataset,
                                              const cvc_train_options &o, int64_t batch,
                                              Shard shard, std::string &error) {
  cvc_augment_pipeline *augment = nullptr;
  if (o.augment && *o.augment)
    if (cvc_status s = cvc_augment_pipeline_create(o.augment, &augment)) {
      error = takeStatus(s);
      return nullptr;
    }
  cvc_loader_options options;
  cvc_loader_options_init(&options);
  options.batch_size = static_cast<int32_t>(batch);
  options.seed = o.seed;
  options.threads = o.loader_threads;
  options.drop_last = 1; // train_step has a static batch
  options.shard_count = shard.count;
  options.shard_index = shard.index;
  options.augment = augment;
  for (int c = 0; c < 3; ++c) {
    options.mean[c] = o.mean;
    options.std[c] = o.std;
  }
  cvc_loader *loader = nullptr;
  if (cvc_status s = cvc_loader_create(dataset, &options, &loader)) {
    error = takeStatus(s);
    if (augment)
      cvc_augment_pipeline_free(augment);
    return nullptr;
  }
  return std::make_unique<LoaderSource>(augment, loader, batch);
}

std::unique_ptr<BatchSource> makeFeatureSource(std::vector<float> features,
                                               std::vector<int32_t> labels, size_t rowSize,
                                               int64_t batch, uint64_t seed, Shard shard) {
  return std::make_unique<FeatureSource>(std::move(features), std::move(labels), rowSize, batch,
                                         seed, shard);
}

} // namespace cvc::train
