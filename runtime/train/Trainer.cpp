//===- Trainer.cpp - the training loop over a model.so ------------------===//
//
// The loop owns no numerics: every step is the model's own train_step, so
// what it adds is bookkeeping that must be exactly right for a resumed run to
// equal an uninterrupted one: the data order is a function of (seed, epoch),
// the learning rate a function of the global step, and a checkpoint records
// the states with the (epoch, batch, step) they belong to.
//
//===----------------------------------------------------------------------===//
#include "Trainer.h"

#include "BatchSource.h"
#include "cvc/status/Status.h"
#include "LearningRate.h"
#include "Metrics.h"

#include "cvc/data.h"
#include "cvc/tensorio/Checkpoint.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

namespace cvc::train {
namespace {

using tensorio::Checkpoint;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Releases a data-library object on every exit path.
template <typename T, void (*Free)(T *)> struct Owned {
  T *p = nullptr;
  ~Owned() {
    if (p)
      Free(p);
  }
};

int64_t elements(const cvc_tensor_info &info, int64_t batch) {
  int64_t n = 1;
  for (int i = 0; i < info.rank; ++i)
    n *= info.dims[i] < 0 ? batch : info.dims[i];
  return n;
}

cvc_tensor tensorOf(float *data, const cvc_tensor_info &info, int64_t batch) {
  cvc_tensor t{};
  t.data = data;
  t.type = CVC_FLOAT32;
  t.rank = info.rank;
  for (int i = 0; i < info.rank; ++i)
    t.dims[i] = info.dims[i] < 0 ? batch : info.dims[i];
  return t;
}

std::string clockText(double seconds) {
  int s = static_cast<int>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof(text), "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return text;
}

/// Per-sample cross-entropy, top-1 and top-5 of one row of logits.
void score(const float *logits, int classes, int label, double &loss, int &top1, int &top5) {
  float max = *std::max_element(logits, logits + classes);
  double sum = 0.0;
  int better = 0;
  for (int k = 0; k < classes; ++k) {
    sum += std::exp(static_cast<double>(logits[k] - max));
    better += logits[k] > logits[label] || (logits[k] == logits[label] && k < label);
  }
  loss += std::log(sum) - (logits[label] - max);
  top1 += better == 0;
  top5 += better < 5;
}

} // namespace

Trainer::~Trainer() {
  if (session)
    lib.cvc_session_free(session);
}

bool Trainer::describe(const char *name, EntryIo &io, std::string &error) {
  if (cvc_status s = lib.cvc_model_find_entry(model, name, &io.entry)) {
    error = lib.take(s);
    return false;
  }
  for (int output = 0; output < 2; ++output) {
    size_t count = output ? lib.cvc_model_entry_output_count(model, io.entry)
                          : lib.cvc_model_entry_input_count(model, io.entry);
    auto &list = output ? io.outputs : io.inputs;
    list.resize(count);
    for (size_t i = 0; i < count; ++i) {
      cvc_status s = output ? lib.cvc_model_entry_output_info(model, io.entry, i, &list[i])
                            : lib.cvc_model_entry_input_info(model, io.entry, i, &list[i]);
      if (s) {
        error = lib.take(s);
        return false;
      }
    }
  }
  return true;
}

bool Trainer::open(const std::string &path, int threads, std::string &error) {
  modelPath = path;
  if (!lib.open(modelPath, error))
    return false;
  if (cvc_status s = lib.cvc_model_get(&model)) {
    error = lib.take(s);
    return false;
  }
  if (!describe("train_step", trainIo, error) || !describe("main", mainIo, error)) {
    error = modelPath + ": " + error;
    return false;
  }
  size_t features;
  hasFeatures = lib.cvc_model_find_entry(model, "features", &features) == nullptr &&
                describe("features", featuresIo, error);
  cvc_session_options options;
  lib.cvc_session_options_init(&options);
  options.num_threads = threads;
  if (cvc_status s = lib.cvc_session_create(model, &options, &session)) {
    error = lib.take(s);
    return false;
  }
  return true;
}

bool Trainer::readStates(std::vector<std::vector<float>> &states, std::string &error) {
  size_t count = lib.cvc_model_state_count(model);
  states.resize(count);
  for (size_t i = 0; i < count; ++i) {
    cvc_state_info info;
    if (cvc_status s = lib.cvc_model_state_info(model, i, &info)) {
      error = lib.take(s);
      return false;
    }
    states[i].resize(info.elements);
    if (cvc_status s = lib.cvc_session_read_state(session, i, states[i].data(), info.elements)) {
      error = lib.take(s);
      return false;
    }
  }
  return true;
}

std::map<std::string, tensorio::Tensor> Trainer::tensors(std::string &error) {
  std::map<std::string, tensorio::Tensor> out;
  std::vector<std::vector<float>> states;
  if (!readStates(states, error))
    return out;
  for (size_t i = 0; i < lib.cvc_model_slice_count(model); ++i) {
    cvc_slice_info slice;
    if (cvc_status s = lib.cvc_model_slice_info(model, i, &slice)) {
      error = lib.take(s);
      return {};
    }
    tensorio::Tensor t;
    int64_t n = 1;
    for (int d = 0; d < slice.rank; ++d) {
      t.shape.push_back(slice.dims[d]);
      n *= slice.dims[d];
    }
    const float *from = states[slice.state].data() + slice.offset;
    t.data.assign(from, from + n);
    out[slice.name] = std::move(t);
  }
  return out;
}

namespace {

/// "a, b, c and 4 more"
std::string nameList(const std::vector<std::string> &names) {
  std::string s;
  const size_t shown = std::min<size_t>(names.size(), 6);
  for (size_t i = 0; i < shown; ++i)
    s += (i ? ", " : "") + names[i];
  if (names.size() > shown)
    s += " and " + std::to_string(names.size() - shown) + " more";
  return s;
}

} // namespace

bool Trainer::initialiseFrom(const std::string &path, bool progress, std::string &error) {
  Checkpoint source;
  if (!tensorio::readCheckpoint(path, source, error))
    return false;
  if (source.tensors.empty()) {
    error = "checkpoint '" + path + "' has no tensor names (written by an older cvc-train); "
            "it can only --resume the model that wrote it";
    return false;
  }
  std::map<std::string, const Checkpoint::Slice *> byName;
  for (const Checkpoint::Slice &t : source.tensors)
    byName[t.name] = &t;
  std::vector<std::vector<float>> states;
  if (!readStates(states, error))
    return false;
  std::vector<std::string> loaded, reshaped, missing;
  for (size_t i = 0; i < lib.cvc_model_slice_count(model); ++i) {
    cvc_slice_info slice;
    if (cvc_status s = lib.cvc_model_slice_info(model, i, &slice)) {
      error = lib.take(s);
      return false;
    }
    std::vector<int64_t> shape(slice.dims, slice.dims + slice.rank);
    auto it = byName.find(slice.name);
    if (it == byName.end()) {
      missing.push_back(slice.name);
      continue;
    }
    const Checkpoint::Slice &from = *it->second;
    byName.erase(it);
    if (from.shape != shape) {
      reshaped.push_back(std::string(slice.name) + " (" + tensorio::shapeText(from.shape) +
                         " there, " + tensorio::shapeText(shape) + " here)");
      continue;
    }
    tensorio::Tensor values = source.tensor(from);
    std::copy(values.data.begin(), values.data.end(), states[slice.state].data() + slice.offset);
    loaded.push_back(slice.name);
  }
  if (loaded.empty()) {
    error = "checkpoint '" + path + "' (model '" + source.model + "') has no tensor of the name "
            "and shape of any of this model's trainable tensors (" +
            std::to_string(lib.cvc_model_slice_count(model)) + ")";
    return false;
  }
  for (size_t i = 0; i < states.size(); ++i)
    if (cvc_status s = lib.cvc_session_write_state(session, i, states[i].data(), states[i].size())) {
      error = lib.take(s);
      return false;
    }
  if (progress) {
    std::fprintf(stderr, "cvc-train: %zu tensors start from '%s' (model '%s')\n", loaded.size(),
                 path.c_str(), source.model.c_str());
    if (!reshaped.empty())
      std::fprintf(stderr, "cvc-train: %zu keep their initial values, shaped differently there: %s\n",
                   reshaped.size(), nameList(reshaped).c_str());
    if (!missing.empty())
      std::fprintf(stderr, "cvc-train: %zu keep their initial values, absent there: %s\n",
                   missing.size(), nameList(missing).c_str());
    if (!byName.empty()) {
      std::vector<std::string> unused;
      for (const auto &entry : byName)
        unused.push_back(entry.first);
      std::fprintf(stderr,
                   "cvc-train: %zu tensors of the checkpoint are not trainable here (frozen "
                   "layers are compiled into the model; compile it from these weights to change "
                   "them): %s\n",
                   unused.size(), nameList(unused).c_str());
    }
  }
  return true;
}

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
  std::string temporary = path + ".tmp";
  FILE *f = std::fopen(temporary.c_str(), "wb");
  uint64_t keySize = key.size();
  bool ok = f && std::fwrite(kFeatureMagic, 1, 8, f) == 8 && std::fwrite(&keySize, 8, 1, f) == 1 &&
            std::fwrite(key.data(), 1, key.size(), f) == key.size() &&
            std::fwrite(&seconds, sizeof(double), 1, f) == 1 &&
            std::fwrite(features.data(), sizeof(float), features.size(), f) == features.size() &&
            std::fwrite(labels.data(), sizeof(int32_t), labels.size(), f) == labels.size();
  if (f)
    ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    error = "cannot write the feature cache '" + path + "'";
    return false;
  }
  return true;
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
  auto start = Clock::now();
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
                           batch, o.seed);
}

bool Trainer::run(const cvc_train_options &o, cvc_train_result &result, std::string &error) {
  result = cvc_train_result{};
  auto fail = [&](const std::string &message) {
    error = message;
    return false;
  };
  // What train_step reads: the images first, then labels and scalars by name.
  const cvc_tensor_info &imageInfo = trainIo.inputs.at(0);
  int64_t batch = imageInfo.dims[0];
  const cvc_tensor_info *logitsInfo = nullptr;
  int lossIndex = -1, logitsIndex = -1;
  for (size_t i = 0; i < trainIo.outputs.size(); ++i) {
    if (std::strcmp(trainIo.outputs[i].name, "loss") == 0)
      lossIndex = static_cast<int>(i);
    if (std::strcmp(trainIo.outputs[i].name, "logits") == 0) {
      logitsIndex = static_cast<int>(i);
      logitsInfo = &trainIo.outputs[i];
    }
  }
  if (lossIndex < 0 || !logitsInfo)
    return fail("train_step has no 'loss' and 'logits' outputs; recompile with this cvc");
  int classes = static_cast<int>(logitsInfo->dims[1]);

  // Data.
  Owned<cvc_dataset, cvc_dataset_free> train, test;
  if (!o.train_data)
    return fail("no training data given");
  if (cvc_status s = cvc_dataset_open(o.train_data, &train.p))
    return fail(takeStatus(s));
  if (o.test_data)
    if (cvc_status s = cvc_dataset_open(o.test_data, &test.p))
      return fail(takeStatus(s));
  // A subset of the classes (and of the training images per class).
  auto narrow = [&](Owned<cvc_dataset, cvc_dataset_free> &set, int64_t perClass) -> bool {
    if (!set.p || (!o.class_count && perClass == 0))
      return true;
    cvc_dataset *subset = nullptr;
    if (cvc_status s = cvc_dataset_subset(set.p, o.classes, o.class_count,
                                          static_cast<size_t>(perClass), &subset))
      return fail(takeStatus(s));
    cvc_dataset_free(set.p);
    set.p = subset;
    return true;
  };
  if (!narrow(train, o.per_class) || !narrow(test, 0))
    return false;
  if (cvc_dataset_class_count(train.p) > classes)
    return fail(std::string("the data set '") + o.train_data + "' has " +
                std::to_string(cvc_dataset_class_count(train.p)) +
                " classes but the model's logits have " + std::to_string(classes));
  // Images from the loader, or, when only the head trains, features of the
  // frozen network computed once.
  const int64_t imageDims[3] = {cvc_dataset_channels(train.p), cvc_dataset_height(train.p),
                                cvc_dataset_width(train.p)};
  for (int d = 0; d < 3; ++d)
    if (imageDims[d] != mainIo.inputs[0].dims[1 + d])
      return fail(std::string("the data's images are ") + std::to_string(imageDims[0]) + "x" +
                  std::to_string(imageDims[1]) + "x" + std::to_string(imageDims[2]) +
                  " but the model's input '" + mainIo.inputs[0].name + "' is " +
                  std::to_string(mainIo.inputs[0].dims[1]) + "x" +
                  std::to_string(mainIo.inputs[0].dims[2]) + "x" +
                  std::to_string(mainIo.inputs[0].dims[3]));
  std::unique_ptr<BatchSource> source;
  bool cached = hasFeatures && std::strcmp(imageInfo.name, "features") == 0;
  if (cached) {
    if (o.augment && *o.augment)
      return fail("only the head trains, so cvc-train trains it from features computed once; "
                  "augmentation would change them every epoch (drop --augment, or train more "
                  "layers)");
    source = cachedFeatures(train.p, o, batch, imageInfo.dims[1], error);
  } else {
    source = makeLoaderSource(train.p, o, batch, error);
  }
  if (!source)
    return false;
  size_t expected = static_cast<size_t>(elements(imageInfo, batch) / batch);
  if (source->sampleSize() != expected)
    return fail(std::string("the data's samples have ") + std::to_string(source->sampleSize()) +
                " elements (after augmentation) but the model's input '" + imageInfo.name +
                "' takes " + std::to_string(expected) + " per sample");
  int64_t batchesPerEpoch = static_cast<int64_t>(source->batchCount());
  if (o.max_batches_per_epoch > 0)
    batchesPerEpoch = std::min(batchesPerEpoch, o.max_batches_per_epoch);
  if (batchesPerEpoch == 0)
    return fail(std::string("the data set '") + o.train_data + "' has fewer images than one batch (" +
                std::to_string(batch) + ")");

  LearningRateSchedule schedule;
  schedule.base = o.learning_rate;
  schedule.warmupSteps = o.warmup_steps;
  if (!parseSchedule(o.schedule ? o.schedule : "constant", batchesPerEpoch,
                     batchesPerEpoch * o.epochs, schedule, error))
    return false;

  // Where to start: a checkpoint, or the beginning.
  Checkpoint checkpoint;
  uint64_t epoch = 0, firstBatch = 0, step = 0;
  if (o.resume) {
    if (!o.checkpoint)
      return fail("--resume needs a checkpoint path");
    if (!tensorio::readCheckpoint(o.checkpoint, checkpoint, error))
      return false;
    if (checkpoint.model != lib.cvc_model_name(model))
      return fail(std::string("checkpoint '") + o.checkpoint + "' belongs to model '" +
                  checkpoint.model + "', not '" + lib.cvc_model_name(model) + "'");
    if (checkpoint.seed != o.seed)
      return fail("checkpoint '" + std::string(o.checkpoint) + "' was trained with seed " +
                  std::to_string(checkpoint.seed) + "; resume with the same seed");
    if (checkpoint.states.size() != lib.cvc_model_state_count(model))
      return fail(std::string("checkpoint '") + o.checkpoint + "' does not match the model's states");
    for (size_t i = 0; i < checkpoint.states.size(); ++i) {
      cvc_state_info info;
      (void)lib.take(lib.cvc_model_state_info(model, i, &info));
      if (checkpoint.states[i].name != info.name ||
          checkpoint.states[i].values.size() != info.elements)
        return fail(std::string("checkpoint '") + o.checkpoint + "': state '" +
                    checkpoint.states[i].name + "' does not match the model's '" + info.name + "'");
      if (cvc_status s = lib.cvc_session_write_state(session, i, checkpoint.states[i].values.data(),
                                                     info.elements))
        return fail(lib.take(s));
    }
    epoch = checkpoint.epoch;
    firstBatch = checkpoint.batch;
    step = checkpoint.step;
    if (o.progress)
      std::fprintf(stderr, "cvc-train: resuming at epoch %llu, batch %llu (step %llu)\n",
                   static_cast<unsigned long long>(epoch + 1),
                   static_cast<unsigned long long>(firstBatch), static_cast<unsigned long long>(step));
  }
  if (o.init_from && *o.init_from) {
    if (o.resume) {
      if (o.progress)
        std::fprintf(stderr, "cvc-train: resuming, so the states come from '%s', not '%s'\n",
                     o.checkpoint, o.init_from);
    } else if (!initialiseFrom(o.init_from, o.progress, error)) {
      return false;
    }
  }
  auto saveCheckpoint = [&](uint64_t e, uint64_t b) {
    if (!o.checkpoint)
      return true;
    Checkpoint c;
    c.model = lib.cvc_model_name(model);
    c.seed = o.seed;
    c.epoch = e;
    c.batch = b;
    c.step = step;
    std::vector<std::vector<float>> states;
    if (!readStates(states, error))
      return false;
    for (size_t i = 0; i < states.size(); ++i) {
      cvc_state_info info;
      (void)lib.take(lib.cvc_model_state_info(model, i, &info));
      c.states.push_back({info.name, std::move(states[i])});
    }
    for (size_t i = 0; i < lib.cvc_model_slice_count(model); ++i) {
      cvc_slice_info slice;
      if (cvc_status s = lib.cvc_model_slice_info(model, i, &slice))
        return fail(lib.take(s));
      c.tensors.push_back({slice.name, static_cast<uint64_t>(slice.state), slice.offset,
                           std::vector<int64_t>(slice.dims, slice.dims + slice.rank)});
    }
    return tensorio::writeCheckpoint(o.checkpoint, c, error);
  };

  // Buffers of one step.
  std::vector<float> images(static_cast<size_t>(elements(imageInfo, batch)));
  std::vector<int32_t> labelInts(batch);
  std::vector<std::vector<float>> inputData(trainIo.inputs.size());
  std::vector<cvc_tensor> inputs(trainIo.inputs.size());
  for (size_t i = 1; i < trainIo.inputs.size(); ++i)
    inputData[i].resize(elements(trainIo.inputs[i], batch));
  std::vector<std::vector<float>> outputData(trainIo.outputs.size());
  std::vector<cvc_tensor> outputs(trainIo.outputs.size());
  for (size_t i = 0; i < trainIo.outputs.size(); ++i) {
    outputData[i].resize(elements(trainIo.outputs[i], batch));
    outputs[i] = tensorOf(outputData[i].data(), trainIo.outputs[i], batch);
  }
  inputs[0] = tensorOf(images.data(), imageInfo, batch);
  for (size_t i = 1; i < trainIo.inputs.size(); ++i)
    inputs[i] = tensorOf(inputData[i].data(), trainIo.inputs[i], batch);
  auto inputNamed = [&](const char *name) -> float * {
    for (size_t i = 1; i < trainIo.inputs.size(); ++i)
      if (std::strcmp(trainIo.inputs[i].name, name) == 0)
        return inputData[i].data();
    return nullptr;
  };
  float *labels = inputNamed("labels"), *learningRate = inputNamed("learning_rate"),
        *stepCount = inputNamed("step");
  if (!labels || !learningRate)
    return fail("train_step lacks its 'labels' or 'learning_rate' input");

  std::vector<std::pair<uint64_t, double>> stepLosses;
  int epochsRun = 0;
  double trainSeconds = 0.0;
  int64_t trainedImages = 0;
  for (; epoch < static_cast<uint64_t>(o.epochs); ++epoch, firstBatch = 0) {
    if (!source->startEpoch(epoch, firstBatch, error))
      return false;
    double lossSum = 0.0, rate = 0.0;
    int64_t correct = 0, seen = 0;
    auto epochStart = Clock::now();
    double lastPrint = -1.0;
    for (uint64_t b = firstBatch; b < static_cast<uint64_t>(batchesPerEpoch); ++b) {
      if (!source->next(images.data(), labelInts.data(), error))
        return false;
      for (int64_t i = 0; i < batch; ++i) {
        if (labelInts[i] < 0 || labelInts[i] >= classes)
          return fail("label " + std::to_string(labelInts[i]) + " is outside the model's " +
                      std::to_string(classes) + " classes");
        labels[i] = static_cast<float>(labelInts[i]);
      }
      rate = schedule.at(static_cast<int64_t>(step));
      *learningRate = static_cast<float>(rate);
      if (stepCount)
        *stepCount = static_cast<float>(step + 1);
      auto stepStart = Clock::now();
      if (cvc_status s = lib.cvc_session_run_entry(session, trainIo.entry, inputs.data(),
                                                   inputs.size(), outputs.data(), outputs.size()))
        return fail(lib.take(s));
      trainSeconds += secondsSince(stepStart);
      double loss = outputData[lossIndex][0];
      if (!std::isfinite(loss))
        return fail("the loss became " + std::to_string(loss) + " at epoch " +
                    std::to_string(epoch + 1) + ", batch " + std::to_string(b + 1) +
                    " (step " + std::to_string(step + 1) + ", learning rate " +
                    std::to_string(rate) + "); training stopped" +
                    (o.checkpoint ? std::string("; the last checkpoint '") + o.checkpoint +
                                        "' is intact"
                                  : std::string()) +
                    ". Try a lower learning rate.");
      ++step;
      trainedImages += batch;
      lossSum += loss;
      stepLosses.push_back({step, loss});
      const float *logits = outputData[logitsIndex].data();
      for (int64_t i = 0; i < batch; ++i) {
        const float *row = logits + i * classes;
        correct += std::max_element(row, row + classes) - row == labelInts[i];
      }
      seen += batch;
      if (o.checkpoint_every > 0 && step % static_cast<uint64_t>(o.checkpoint_every) == 0 &&
          !saveCheckpoint(epoch, b + 1))
        return false;
      double elapsed = secondsSince(epochStart);
      if (o.progress && (elapsed - lastPrint > 0.25 || b + 1 == static_cast<uint64_t>(batchesPerEpoch))) {
        lastPrint = elapsed;
        int64_t done = static_cast<int64_t>(b + 1 - firstBatch);
        double perBatch = elapsed / std::max<int64_t>(done, 1);
        double left = perBatch * (batchesPerEpoch - static_cast<int64_t>(b + 1)) +
                      perBatch * batchesPerEpoch * (o.epochs - 1 - static_cast<int64_t>(epoch));
        int filled = static_cast<int>(30 * (b + 1) / batchesPerEpoch);
        std::fprintf(stderr,
                     "\repoch %llu/%d [%.*s%*s] %llu/%lld loss %.4f acc %5.1f%% %7.0f img/s "
                     "left %s ",
                     static_cast<unsigned long long>(epoch + 1), o.epochs, filled,
                     "##############################", 30 - filled, "",
                     static_cast<unsigned long long>(b + 1), static_cast<long long>(batchesPerEpoch),
                     lossSum / std::max<double>(seen / batch, 1), 100.0 * correct / std::max<int64_t>(seen, 1),
                     done * batch / std::max(elapsed, 1e-9), clockText(left).c_str());
      }
      if (o.stop_after_steps > 0 && step >= static_cast<uint64_t>(o.stop_after_steps)) {
        if (o.progress)
          std::fprintf(stderr, "\ncvc-train: stopping after step %llu as asked\n",
                       static_cast<unsigned long long>(step));
        result.steps = static_cast<int64_t>(step);
        return saveCheckpoint(epoch, b + 1);
      }
    }
    if (o.progress)
      std::fprintf(stderr, "\n");

    // Evaluation with "main", batch by batch (its batch is dynamic).
    EpochMetrics m;
    m.epoch = epoch + 1;
    m.step = step;
    m.trainLoss = lossSum / std::max<double>(seen / batch, 1);
    m.trainAccuracy = static_cast<double>(correct) / std::max<int64_t>(seen, 1);
    m.learningRate = rate;
    m.seconds = secondsSince(epochStart);
    m.imagesPerSecond = seen / std::max(m.seconds, 1e-9);
    if (test.p) {
      size_t total = cvc_dataset_count(test.p);
      if (o.max_test_images > 0)
        total = std::min<size_t>(total, static_cast<size_t>(o.max_test_images));
      const size_t evalBatch = 256;
      std::vector<float> evalImages, evalLogits;
      std::vector<int32_t> evalLabels(evalBatch);
      double testLoss = 0.0;
      int top1 = 0, top5 = 0;
      for (size_t first = 0; first < total; first += evalBatch) {
        size_t n = std::min(evalBatch, total - first);
        evalImages.resize(n * imageDims[0] * imageDims[1] * imageDims[2]);
        if (cvc_status s = cvc_dataset_read(test.p, first, n, evalImages.data(), evalLabels.data()))
          return fail(takeStatus(s));
        for (size_t i = 0; i < evalImages.size(); ++i)
          evalImages[i] = (evalImages[i] - o.mean) / o.std;
        evalLogits.resize(n * classes);
        cvc_tensor in = tensorOf(evalImages.data(), mainIo.inputs[0], static_cast<int64_t>(n));
        cvc_tensor out = tensorOf(evalLogits.data(), mainIo.outputs[0], static_cast<int64_t>(n));
        if (cvc_status s = lib.cvc_session_run_entry(session, mainIo.entry, &in, 1, &out, 1))
          return fail(lib.take(s));
        for (size_t i = 0; i < n; ++i)
          score(evalLogits.data() + i * classes, classes, evalLabels[i], testLoss, top1, top5);
      }
      m.testLoss = testLoss / std::max<size_t>(total, 1);
      m.testTop1 = static_cast<double>(top1) / std::max<size_t>(total, 1);
      m.testTop5 = static_cast<double>(top5) / std::max<size_t>(total, 1);
    }
    if (o.progress)
      std::fprintf(stderr,
                   "epoch %llu: train loss %.4f, accuracy %.2f%%; test loss %.4f, top-1 %.2f%%, "
                   "top-5 %.2f%%; %.1f s, %.0f img/s\n",
                   static_cast<unsigned long long>(m.epoch), m.trainLoss, 100 * m.trainAccuracy,
                   m.testLoss, 100 * m.testTop1, 100 * m.testTop5, m.seconds, m.imagesPerSecond);
    if (!saveCheckpoint(epoch + 1, 0))
      return false;
    if (o.metrics && !appendMetrics(o.metrics, m, error))
      return false;
    if (o.plot) {
      std::vector<EpochMetrics> history =
          o.metrics ? readMetrics(o.metrics) : std::vector<EpochMetrics>{m};
      if (!writePlot(o.plot, stepLosses, history, error))
        return false;
    }
    ++epochsRun;
    result.epochs_completed = static_cast<int32_t>(m.epoch);
    result.last_loss = m.trainLoss;
    result.test_top1 = m.testTop1;
    result.test_top5 = m.testTop5;
    result.test_loss = m.testLoss;
  }
  result.steps = static_cast<int64_t>(step);
  if (cached && o.progress && epochsRun > 0 && featureSeconds > 0) {
    // Without the cache, each epoch would at least run the frozen network
    // forward over the training set again (its layers need no backward).
    double perEpoch = trainSeconds / epochsRun;
    std::fprintf(stderr,
                 "cvc-train: the head trained from cached features in %.1f ms per epoch; "
                 "recomputing them would add %.2f s per epoch: at least %.1fx faster\n",
                 1e3 * perEpoch, featureSeconds, (perEpoch + featureSeconds) / std::max(perEpoch, 1e-9));
  }
  result.seconds = trainSeconds;
  result.images_per_second = trainedImages / std::max(trainSeconds, 1e-9);
  result.loader_wait_seconds = source->waitSeconds();
  return true;
}

} // namespace cvc::train

using cvc::runtime::makeStatus;

extern "C" {

void cvc_train_options_init(cvc_train_options *o) {
  if (!o)
    return;
  *o = cvc_train_options{};
  o->epochs = 5;
  o->learning_rate = 0.05;
  o->schedule = "constant";
  o->loader_threads = 2;
  o->mean = 0.0f;
  o->std = 1.0f;
}

cvc_status cvc_train_run(const char *model_path, const cvc_train_options *options,
                         cvc_train_result *out_result) {
  if (!model_path || !options)
    return makeStatus(CVC_INVALID_ARGUMENT, "model_path and options must not be null");
  if (options->epochs < 1 || !(options->learning_rate >= 0) || !(options->std > 0))
    return makeStatus(CVC_INVALID_ARGUMENT, "epochs must be >= 1, learning_rate >= 0, std > 0");
  cvc::train::Trainer trainer;
  std::string error;
  if (!trainer.open(model_path, options->threads, error))
    return makeStatus(CVC_INVALID_ARGUMENT, error);
  cvc_train_result result;
  if (!trainer.run(*options, result, error))
    return makeStatus(CVC_INVALID_ARGUMENT, error);
  if (out_result)
    *out_result = result;
  return nullptr;
}

} // extern "C"
