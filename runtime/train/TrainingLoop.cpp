//===- TrainingLoop.cpp - the epochs of a training run ------------------===//
//
// Each step fills train_step's inputs (a batch, its labels, the learning
// rate of the global step and Adam's step count), runs it and checks the
// loss; each epoch ends with an evaluation by "main", a checkpoint, a line
// of the metrics log and the plot. A run stopped after a given step (the
// tests' stand-in for a kill) saves its checkpoint there.
//
//===----------------------------------------------------------------------===//
#include "Trainer.h"

#include "Metrics.h"

#include "cvc/data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace cvc::train {
namespace {

using Clock = std::chrono::steady_clock;

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

/// What one epoch has trained so far.
struct EpochTotals {
  double lossSum = 0.0, rate = 0.0;
  int64_t correct = 0, seen = 0;
  uint64_t firstBatch = 0; ///< where the epoch started (a resumed one, mid-way)
  Clock::time_point start = Clock::now();
  double lastPrint = -1.0;
};

} // namespace

/// One run's loop: the buffers of a step, where the run stands and what it
/// has measured.
struct Trainer::Loop {
  Trainer &trainer;
  const cvc_train_options &o;
  const StepIo &step;
  Data &data;
  const LearningRateSchedule &schedule;
  Position at;
  cvc_train_result &result;
  std::string &error;

  // The buffers of one step: samples and integer labels from the source,
  // train_step's other inputs (labels and scalars) and its outputs.
  std::vector<float> samples;
  std::vector<int32_t> labelInts;
  std::vector<std::vector<float>> inputData, outputData;
  std::vector<cvc_tensor> inputs, outputs;
  float *labels = nullptr, *learningRate = nullptr, *stepCount = nullptr;

  std::vector<std::pair<uint64_t, double>> stepLosses; ///< for the plot
  int epochsRun = 0;
  double trainSeconds = 0.0; ///< in train_step alone
  int64_t trainedImages = 0;

  bool fail(const std::string &message) {
    error = message;
    return false;
  }
  bool allocate();
  /// Trains batch `at.batch` and moves `at` past it.
  bool trainBatch(EpochTotals &totals);
  void printProgress(EpochTotals &totals);
  /// The test set's loss, top-1 and top-5 with "main", into `m`.
  bool evaluate(EpochMetrics &m);
  /// Evaluates, checkpoints, logs and plots the epoch that `totals` trained.
  bool finishEpoch(const EpochTotals &totals);
  bool run();
  /// The speed-up of the feature cache and the result's totals.
  void report();
};

bool Trainer::Loop::allocate() {
  const EntryIo &io = trainer.trainIo;
  const int64_t batch = step.batch;
  samples.resize(static_cast<size_t>(elements(*step.samples, batch)));
  labelInts.resize(batch);
  inputData.resize(io.inputs.size());
  inputs.resize(io.inputs.size());
  for (size_t i = 1; i < io.inputs.size(); ++i)
    inputData[i].resize(elements(io.inputs[i], batch));
  outputData.resize(io.outputs.size());
  outputs.resize(io.outputs.size());
  for (size_t i = 0; i < io.outputs.size(); ++i) {
    outputData[i].resize(elements(io.outputs[i], batch));
    outputs[i] = tensorOf(outputData[i].data(), io.outputs[i], batch);
  }
  inputs[0] = tensorOf(samples.data(), *step.samples, batch);
  for (size_t i = 1; i < io.inputs.size(); ++i)
    inputs[i] = tensorOf(inputData[i].data(), io.inputs[i], batch);
  auto inputNamed = [&](const char *name) -> float * {
    for (size_t i = 1; i < io.inputs.size(); ++i)
      if (std::strcmp(io.inputs[i].name, name) == 0)
        return inputData[i].data();
    return nullptr;
  };
  labels = inputNamed("labels");
  learningRate = inputNamed("learning_rate");
  stepCount = inputNamed("step");
  if (!labels || !learningRate)
    return fail("train_step lacks its 'labels' or 'learning_rate' input");
  return true;
}

bool Trainer::Loop::trainBatch(EpochTotals &totals) {
  const int64_t batch = step.batch;
  if (!data.source->next(samples.data(), labelInts.data(), error))
    return false;
  for (int64_t i = 0; i < batch; ++i) {
    if (labelInts[i] < 0 || labelInts[i] >= step.classes)
      return fail("label " + std::to_string(labelInts[i]) + " is outside the model's " +
                  std::to_string(step.classes) + " classes");
    labels[i] = static_cast<float>(labelInts[i]);
  }
  totals.rate = schedule.at(static_cast<int64_t>(at.step));
  *learningRate = static_cast<float>(totals.rate);
  if (stepCount)
    *stepCount = static_cast<float>(at.step + 1);
  auto stepStart = Clock::now();
  if (cvc_status s = trainer.lib.cvc_session_run_entry(trainer.session, trainer.trainIo.entry,
                                                       inputs.data(), inputs.size(),
                                                       outputs.data(), outputs.size()))
    return fail(trainer.lib.take(s));
  trainSeconds += secondsSince(stepStart);
  double loss = outputData[step.lossIndex][0];
  if (!std::isfinite(loss))
    return fail("the loss became " + std::to_string(loss) + " at epoch " +
                std::to_string(at.epoch + 1) + ", batch " + std::to_string(at.batch + 1) +
                " (step " + std::to_string(at.step + 1) + ", learning rate " +
                std::to_string(totals.rate) + "); training stopped" +
                (o.checkpoint ? std::string("; the last checkpoint '") + o.checkpoint +
                                    "' is intact"
                              : std::string()) +
                ". Try a lower learning rate.");
  ++at.step;
  ++at.batch;
  trainedImages += batch;
  totals.lossSum += loss;
  stepLosses.push_back({at.step, loss});
  const float *logits = outputData[step.logitsIndex].data();
  for (int64_t i = 0; i < batch; ++i) {
    const float *row = logits + i * step.classes;
    totals.correct += std::max_element(row, row + step.classes) - row == labelInts[i];
  }
  totals.seen += batch;
  return true;
}

void Trainer::Loop::printProgress(EpochTotals &totals) {
  const int64_t batch = step.batch, batches = data.batchesPerEpoch;
  double elapsed = secondsSince(totals.start);
  if (!o.progress || (elapsed - totals.lastPrint <= 0.25 && at.batch != static_cast<uint64_t>(batches)))
    return;
  totals.lastPrint = elapsed;
  int64_t done = static_cast<int64_t>(at.batch - totals.firstBatch);
  double perBatch = elapsed / std::max<int64_t>(done, 1);
  double left = perBatch * (batches - static_cast<int64_t>(at.batch)) +
                perBatch * batches * (o.epochs - 1 - static_cast<int64_t>(at.epoch));
  int filled = static_cast<int>(30 * at.batch / batches);
  std::fprintf(stderr,
               "\repoch %llu/%d [%.*s%*s] %llu/%lld loss %.4f acc %5.1f%% %7.0f img/s "
               "left %s ",
               static_cast<unsigned long long>(at.epoch + 1), o.epochs, filled,
               "##############################", 30 - filled, "",
               static_cast<unsigned long long>(at.batch), static_cast<long long>(batches),
               totals.lossSum / std::max<double>(totals.seen / batch, 1),
               100.0 * totals.correct / std::max<int64_t>(totals.seen, 1),
               done * batch / std::max(elapsed, 1e-9), clockText(left).c_str());
}

bool Trainer::Loop::evaluate(EpochMetrics &m) {
  // "main", batch by batch (its batch is dynamic).
  const EntryIo &io = trainer.mainIo;
  size_t total = cvc_dataset_count(data.test.p);
  if (o.max_test_images > 0)
    total = std::min<size_t>(total, static_cast<size_t>(o.max_test_images));
  const size_t evalBatch = 256;
  std::vector<float> evalImages, evalLogits;
  std::vector<int32_t> evalLabels(evalBatch);
  double testLoss = 0.0;
  int top1 = 0, top5 = 0;
  for (size_t first = 0; first < total; first += evalBatch) {
    size_t n = std::min(evalBatch, total - first);
    evalImages.resize(n * data.imageDims[0] * data.imageDims[1] * data.imageDims[2]);
    if (cvc_status s = cvc_dataset_read(data.test.p, first, n, evalImages.data(), evalLabels.data()))
      return fail(takeStatus(s));
    for (float &v : evalImages)
      v = (v - o.mean) / o.std;
    evalLogits.resize(n * step.classes);
    cvc_tensor in = tensorOf(evalImages.data(), io.inputs[0], static_cast<int64_t>(n));
    cvc_tensor out = tensorOf(evalLogits.data(), io.outputs[0], static_cast<int64_t>(n));
    if (cvc_status s = trainer.lib.cvc_session_run_entry(trainer.session, io.entry, &in, 1, &out, 1))
      return fail(trainer.lib.take(s));
    for (size_t i = 0; i < n; ++i)
      score(evalLogits.data() + i * step.classes, step.classes, evalLabels[i], testLoss, top1, top5);
  }
  m.testLoss = testLoss / std::max<size_t>(total, 1);
  m.testTop1 = static_cast<double>(top1) / std::max<size_t>(total, 1);
  m.testTop5 = static_cast<double>(top5) / std::max<size_t>(total, 1);
  return true;
}

bool Trainer::Loop::finishEpoch(const EpochTotals &totals) {
  const int64_t batch = step.batch;
  EpochMetrics m;
  m.epoch = at.epoch + 1;
  m.step = at.step;
  m.trainLoss = totals.lossSum / std::max<double>(totals.seen / batch, 1);
  m.trainAccuracy = static_cast<double>(totals.correct) / std::max<int64_t>(totals.seen, 1);
  m.learningRate = totals.rate;
  m.seconds = secondsSince(totals.start);
  m.imagesPerSecond = totals.seen / std::max(m.seconds, 1e-9);
  if (data.test.p && !evaluate(m))
    return false;
  if (o.progress)
    std::fprintf(stderr,
                 "epoch %llu: train loss %.4f, accuracy %.2f%%; test loss %.4f, top-1 %.2f%%, "
                 "top-5 %.2f%%; %.1f s, %.0f img/s\n",
                 static_cast<unsigned long long>(m.epoch), m.trainLoss, 100 * m.trainAccuracy,
                 m.testLoss, 100 * m.testTop1, 100 * m.testTop5, m.seconds, m.imagesPerSecond);
  if (!trainer.saveCheckpoint(o, Position{at.epoch + 1, 0, at.step}, error))
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
  return true;
}

bool Trainer::Loop::run() {
  if (!allocate())
    return false;
  const uint64_t batches = static_cast<uint64_t>(data.batchesPerEpoch);
  for (; at.epoch < static_cast<uint64_t>(o.epochs); ++at.epoch, at.batch = 0) {
    if (!data.source->startEpoch(at.epoch, at.batch, error))
      return false;
    EpochTotals totals;
    totals.firstBatch = at.batch;
    while (at.batch < batches) {
      if (!trainBatch(totals))
        return false;
      if (o.checkpoint_every > 0 && at.step % static_cast<uint64_t>(o.checkpoint_every) == 0 &&
          !trainer.saveCheckpoint(o, at, error))
        return false;
      printProgress(totals);
      if (o.stop_after_steps > 0 && at.step >= static_cast<uint64_t>(o.stop_after_steps)) {
        if (o.progress)
          std::fprintf(stderr, "\ncvc-train: stopping after step %llu as asked\n",
                       static_cast<unsigned long long>(at.step));
        result.steps = static_cast<int64_t>(at.step);
        return trainer.saveCheckpoint(o, at, error);
      }
    }
    if (o.progress)
      std::fprintf(stderr, "\n");
    if (!finishEpoch(totals))
      return false;
  }
  report();
  return true;
}

void Trainer::Loop::report() {
  result.steps = static_cast<int64_t>(at.step);
  if (data.cachedFeatures && o.progress && epochsRun > 0 && trainer.featureSeconds > 0) {
    // Without the cache, each epoch would at least run the frozen network
    // forward over the training set again (its layers need no backward).
    double perEpoch = trainSeconds / epochsRun;
    std::fprintf(stderr,
                 "cvc-train: the head trained from cached features in %.1f ms per epoch; "
                 "recomputing them would add %.2f s per epoch: at least %.1fx faster\n",
                 1e3 * perEpoch, trainer.featureSeconds,
                 (perEpoch + trainer.featureSeconds) / std::max(perEpoch, 1e-9));
  }
  result.seconds = trainSeconds;
  result.images_per_second = trainedImages / std::max(trainSeconds, 1e-9);
  result.loader_wait_seconds = data.source->waitSeconds();
}

bool Trainer::trainEpochs(const cvc_train_options &o, const StepIo &step, Data &data,
                          const LearningRateSchedule &schedule, Position at,
                          cvc_train_result &result, std::string &error) {
  Loop loop{*this, o, step, data, schedule, at, result, error};
  return loop.run();
}

} // namespace cvc::train
