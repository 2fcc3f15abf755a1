//===- FeatureCache.cpp - a frozen network's features, computed once ----===//
//
// When only the head trains, every epoch would run the frozen network over
// the same, unaugmented training images again. Its output is computed once
// with the model's "features" entry instead and kept in a file whose header
// says what it was computed from (model, data, normalisation, size), so a
// later run on the same model and data reuses it and any other recomputes
// it. The file is written to a temporary name and renamed.
//
//===----------------------------------------------------------------------===//
#include "Trainer.h"

#include "cvc/data.h"
#include "cvc/files/AtomicFile.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace cvc::train {
namespace {

// Format 2 adds the seconds the features took, for the speed-up report.
constexpr char kFeatureMagic[8] = {'C', 'V', 'C', 'F', 'E', 'A', 'T', '2'};

/// The cache file's header: what the features were computed from.
std::string featureCacheKey(const std::string &model, const cvc_train_options &o, size_t rows,
                            size_t rowSize) {
  return model + "\n" + o.train_data + "\n" + std::to_string(o.mean) + " " +
         std::to_string(o.std) + "\n" + std::to_string(rows) + "x" + std::to_string(rowSize);
}

bool readFeatureCache(const std::string &path, const std::string &key, std::vector<float> &features,
                      std::vector<int32_t> &labels, double &seconds) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return false;
  char magic[8];
  uint64_t keySize = 0;
  std::string stored;
  bool ok = std::fread(magic, 1, 8, f) == 8 && std::memcmp(magic, kFeatureMagic, 8) == 0 &&
            std::fread(&keySize, 8, 1, f) == 1 && keySize == key.size();
  if (ok) {
    stored.resize(keySize);
    ok = std::fread(stored.data(), 1, keySize, f) == keySize && stored == key &&
         std::fread(&seconds, sizeof(double), 1, f) == 1 &&
         std::fread(features.data(), sizeof(float), features.size(), f) == features.size() &&
         std::fread(labels.data(), sizeof(int32_t), labels.size(), f) == labels.size();
  }
  std::fclose(f);
  return ok;
}

bool writeFeatureCache(const std::string &path, const std::string &key,
                       const std::vector<float> &features, const std::vector<int32_t> &labels,
                       double seconds, std::string &error) {
  files::AtomicFile file(path);
  uint64_t keySize = key.size();
  auto bytesOf = [](const auto *data, size_t count) {
    return std::string_view(reinterpret_cast<const char *>(data), count * sizeof(*data));
  };
  if (file.write(std::string_view(kFeatureMagic, 8)) && file.write(bytesOf(&keySize, 1)) &&
      file.write(key) && file.write(bytesOf(&seconds, 1)) &&
      file.write(bytesOf(features.data(), features.size())) &&
      file.write(bytesOf(labels.data(), labels.size())) && file.commit())
    return true;
  error = "the feature cache: " + file.error();
  return false;
}

} // namespace

std::unique_ptr<BatchSource> Trainer::cachedFeatures(const cvc_dataset *dataset,
                                                     const cvc_train_options &o, int64_t batch,
                                                     int64_t rowSize, std::string &error) {
  size_t rows = cvc_dataset_count(dataset);
  std::vector<float> features(rows * rowSize);
  std::vector<int32_t> labels(rows);
  std::string path = o.feature_cache && *o.feature_cache ? o.feature_cache
                                                         : modelPath + ".features";
  std::string key = featureCacheKey(lib.cvc_model_name(model), o, rows, rowSize);
  auto start = std::chrono::steady_clock::now();
  if (readFeatureCache(path, key, features, labels, featureSeconds)) {
    if (o.progress)
      std::fprintf(stderr, "cvc-train: only the head trains; reusing the features in %s\n",
                   path.c_str());
  } else {
    // One pass of the frozen network over the training set, without
    // augmentation, in batches of the dynamic-batch "features" entry.
    const cvc_tensor_info &in = featuresIo.inputs.at(0), &out = featuresIo.outputs.at(0);
    size_t imageSize = static_cast<size_t>(elements(in, 1));
    const size_t chunk = 256;
    std::vector<float> images;
    for (size_t first = 0; first < rows; first += chunk) {
      size_t n = std::min(chunk, rows - first);
      images.resize(n * imageSize);
      if (cvc_status s = cvc_dataset_read(dataset, first, n, images.data(), labels.data() + first)) {
        error = takeStatus(s);
        return nullptr;
      }
      for (float &v : images)
        v = (v - o.mean) / o.std;
      cvc_tensor x = tensorOf(images.data(), in, static_cast<int64_t>(n));
      cvc_tensor y = tensorOf(features.data() + first * rowSize, out, static_cast<int64_t>(n));
      if (cvc_status s = lib.cvc_session_run_entry(session, featuresIo.entry, &x, 1, &y, 1)) {
        error = lib.take(s);
        return nullptr;
      }
    }
    featureSeconds = secondsSince(start);
    if (!writeFeatureCache(path, key, features, labels, featureSeconds, error))
      return nullptr;
    if (o.progress)
      std::fprintf(stderr,
                   "cvc-train: only the head trains; computed the frozen network's features of "
                   "%zu images once in %.2f s, cached in %s\n",
                   rows, featureSeconds, path.c_str());
  }
  return makeFeatureSource(std::move(features), std::move(labels), static_cast<size_t>(rowSize),
                           batch, o.seed, shard());
}

} // namespace cvc::train
