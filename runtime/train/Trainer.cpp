//===- Trainer.cpp - the training loop over a model.so ------------------===//
//
// The loop owns no numerics: every step is the model's own train_step, so
// what it adds is bookkeeping that must be exactly right for a resumed run to
// equal an uninterrupted one: the data order is a function of (seed, epoch),
// the learning rate a function of the global step, and a checkpoint records
// the states with the (epoch, batch, step) they belong to.
//
// This file holds the model's side (its entries, states and named tensors),
// the data a run reads, and run(), which puts the parts together.
//
//===----------------------------------------------------------------------===//
#include "Trainer.h"

#include "cvc/data.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace cvc::train {

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

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Trainer::Trainer() = default;

void Trainer::setCommunicator(Communicator *communicator, bool average, bool overlap) {
  comm = communicator;
  averageStatistics = average;
  overlapGradients = overlap;
}

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
  if (distributed() &&
      (!describe("train_gradients", gradientsIo, error) || !describe("apply_gradients", applyIo, error))) {
    error = modelPath + ": " + error +
            " (data-parallel training runs train_step in two halves, which cvc --train "
            "writes since this version: recompile the model)";
    return false;
  }
  // train_gradients reads the step count only to draw dropout masks; a
  // model.so from before they took each rank's sample offset would draw
  // the same masks on every rank.
  if (distributed()) {
    bool step = false, offset = false;
    for (const cvc_tensor_info &input : gradientsIo.inputs) {
      step = step || std::strcmp(input.name, "step") == 0;
      offset = offset || std::strcmp(input.name, "sample_offset") == 0;
    }
    if (step && !offset) {
      error = modelPath + ": its dropout masks would be the same on every rank (train_gradients "
                          "has no 'sample_offset' input, which cvc --train writes since this "
                          "version): recompile the model";
      return false;
    }
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

bool Trainer::describeStep(StepIo &step, std::string &error) const {
  const EntryIo &io = stepEntry();
  step.samples = &io.inputs.at(0);
  step.batch = step.samples->dims[0];
  const cvc_tensor_info *logits = nullptr;
  for (size_t i = 0; i < io.outputs.size(); ++i) {
    if (std::strcmp(io.outputs[i].name, "loss") == 0)
      step.lossIndex = static_cast<int>(i);
    if (std::strcmp(io.outputs[i].name, "logits") == 0) {
      step.logitsIndex = static_cast<int>(i);
      logits = &io.outputs[i];
    }
  }
  if (step.lossIndex < 0 || !logits) {
    error = "train_step has no 'loss' and 'logits' outputs; recompile with this cvc";
    return false;
  }
  step.classes = static_cast<int>(logits->dims[1]);
  return true;
}

bool Trainer::openData(const cvc_train_options &o, const StepIo &step, Data &data,
                       std::string &error) {
  auto fail = [&](const std::string &message) {
    error = message;
    return false;
  };
  if (!o.train_data)
    return fail("no training data given");
  if (cvc_status s = cvc_dataset_open(o.train_data, &data.train.p))
    return fail(takeStatus(s));
  if (o.test_data)
    if (cvc_status s = cvc_dataset_open(o.test_data, &data.test.p))
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
  if (!narrow(data.train, o.per_class) || !narrow(data.test, 0))
    return false;
  if (cvc_dataset_class_count(data.train.p) > step.classes)
    return fail(std::string("the data set '") + o.train_data + "' has " +
                std::to_string(cvc_dataset_class_count(data.train.p)) +
                " classes but the model's logits have " + std::to_string(step.classes));
  data.imageDims[0] = cvc_dataset_channels(data.train.p);
  data.imageDims[1] = cvc_dataset_height(data.train.p);
  data.imageDims[2] = cvc_dataset_width(data.train.p);
  const cvc_tensor_info &image = mainIo.inputs[0];
  for (int d = 0; d < 3; ++d)
    if (data.imageDims[d] != image.dims[1 + d])
      return fail(std::string("the data's images are ") + std::to_string(data.imageDims[0]) + "x" +
                  std::to_string(data.imageDims[1]) + "x" + std::to_string(data.imageDims[2]) +
                  " but the model's input '" + image.name + "' is " +
                  std::to_string(image.dims[1]) + "x" + std::to_string(image.dims[2]) + "x" +
                  std::to_string(image.dims[3]));

  // Images from the loader, or, when only the head trains, features of the
  // frozen network computed once.
  data.cachedFeatures = hasFeatures && std::strcmp(step.samples->name, "features") == 0;
  if (data.cachedFeatures) {
    if (o.augment && *o.augment)
      return fail("only the head trains, so cvc-train trains it from features computed once; "
                  "augmentation would change them every epoch (drop --augment, or train more "
                  "layers)");
    data.source = cachedFeatures(data.train.p, o, step.batch, step.samples->dims[1], error);
  } else {
    data.source = makeLoaderSource(data.train.p, o, step.batch, shard(), error);
  }
  if (!data.source)
    return false;
  size_t expected = static_cast<size_t>(elements(*step.samples, step.batch) / step.batch);
  if (data.source->sampleSize() != expected)
    return fail(std::string("the data's samples have ") +
                std::to_string(data.source->sampleSize()) +
                " elements (after augmentation) but the model's input '" + step.samples->name +
                "' takes " + std::to_string(expected) + " per sample");
  data.batchesPerEpoch = static_cast<int64_t>(data.source->batchCount());
  if (o.max_batches_per_epoch > 0)
    data.batchesPerEpoch = std::min(data.batchesPerEpoch, o.max_batches_per_epoch);
  if (data.batchesPerEpoch == 0)
    return fail(std::string("the data set '") + o.train_data +
                "' has fewer images than one batch (" + std::to_string(step.batch) +
                (distributed() ? " per rank on " + std::to_string(comm->size()) + " ranks" : "") +
                ")");
  return true;
}

bool Trainer::checkSetupAgrees(const cvc_train_options &o, const StepIo &step, const Data &data,
                               std::string &error) {
  // What every rank must see alike for the ranks' exchanges to pair up:
  // steps per epoch, test images, the step's shapes and the run's length.
  std::vector<uint64_t> mine = {
      static_cast<uint64_t>(data.batchesPerEpoch),
      data.test.p ? static_cast<uint64_t>(cvc_dataset_count(data.test.p)) : UINT64_MAX,
      static_cast<uint64_t>(o.max_test_images),
      static_cast<uint64_t>(step.batch),
      static_cast<uint64_t>(step.classes),
      static_cast<uint64_t>(o.epochs),
      o.seed,
      data.source->sampleSize(),
      lib.cvc_model_state_count(model)};
  const char *names[] = {"steps per epoch", "test images", "--max-test", "batch", "classes",
                         "--epochs", "--seed", "sample size", "states"};
  std::vector<uint64_t> rank0;
  std::vector<double> differing;
  if (!compareWithRank0(mine, rank0, differing, "comparing the ranks' settings", error))
    return false;
  for (size_t i = 0; i < mine.size(); ++i)
    if (differing[i] > 0) {
      error = std::string("the ranks disagree on the ") + names[i] + " (rank " +
              std::to_string(comm->rank()) + ": " + std::to_string(mine[i]) + ", rank 0: " +
              std::to_string(rank0[i]) + "): every rank must run the same command on the same data";
      return false;
    }
  return true;
}

bool Trainer::compareWithRank0(const std::vector<uint64_t> &mine, std::vector<uint64_t> &rank0,
                               std::vector<double> &differing, const char *what,
                               std::string &error) {
  rank0 = mine;
  if (!comm->broadcast(rank0.data(), rank0.size() * sizeof(uint64_t), 0, what, error))
    return false;
  differing.resize(mine.size());
  for (size_t i = 0; i < mine.size(); ++i)
    differing[i] = rank0[i] != mine[i];
  return comm->sum(differing.data(), differing.size(), what, error);
}

bool Trainer::run(const cvc_train_options &o, cvc_train_result &result, std::string &error) {
  result = cvc_train_result{};
  StepIo step;
  Data data;
  if (!describeStep(step, error) || !openData(o, step, data, error))
    return false;
  imagesPerStep = static_cast<uint64_t>(step.batch) * static_cast<uint64_t>(comm->size());
  batchesPerEpoch = static_cast<uint64_t>(data.batchesPerEpoch);
  if (distributed() && o.progress)
    std::fprintf(stderr,
                 "cvc-train: data-parallel on %d ranks: %lld images per rank and step, %lld in "
                 "all; %lld steps per epoch\n",
                 comm->size(), static_cast<long long>(step.batch),
                 static_cast<long long>(step.batch * comm->size()),
                 static_cast<long long>(data.batchesPerEpoch));
  LearningRateSchedule schedule;
  schedule.base = o.learning_rate;
  schedule.warmupSteps = o.warmup_steps;
  if (!parseSchedule(o.schedule ? o.schedule : "constant", data.batchesPerEpoch,
                     data.batchesPerEpoch * o.epochs, schedule, error))
    return false;
  if (distributed() && !checkSetupAgrees(o, step, data, error))
    return false;
  Position at;
  if (!startUp(o, at, error))
    return false;
  return trainEpochs(o, step, data, schedule, at, result, error);
}

} // namespace cvc::train
