//===- TrainingLoop.cpp - the epochs of a training run ------------------===//
//
// Each step fills train_step's inputs (a batch, its labels, the learning
// rate of the global step and Adam's step count), runs it and checks the
// loss; each epoch ends with an evaluation by "main", a checkpoint, a line
// of the metrics log and the plot. A run stopped after a given step (the
// tests' stand-in for a kill) saves its checkpoint there.
//
// Data-parallel, a step is train_gradients, the gradients' average across
// ranks, then apply_gradients; the loss and accuracy are summed over the
// ranks every step, so that all ranks see the same loss (and stop together
// when it diverges), and the test set is split between them.
//
//===----------------------------------------------------------------------===//
#include "Trainer.h"

#include "Metrics.h"

#include "cvc/data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

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
  double lossSum = 0.0, rate = 0.0; ///< lossSum: of the steps' mean losses
  int64_t steps = 0, correct = 0, seen = 0; ///< seen: images, all ranks'

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

  // The buffers of one step by tensor name, shared by the entries a step
  // runs (train_gradients' "gradients" output is apply_gradients' input).
  struct Call {
    size_t entry = 0;
    std::vector<cvc_tensor> inputs, outputs;
  };
  std::map<std::string, std::vector<float>> buffers;
  Call stepCall, applyCall; ///< applyCall: data-parallel only
  std::vector<int32_t> labelInts;
  float *samples = nullptr, *labels = nullptr, *learningRate = nullptr, *stepCount = nullptr;
  // train_gradients of a dropout model: this rank's first sample in the global batch.
  float *sampleOffset = nullptr;
  float *gradients = nullptr;
  size_t gradientCount = 0;
  int gradientsOutput = -1; ///< its index among stepCall's outputs
  bool overlapping = false; ///< the exchange overlaps the backward pass
  int statisticsState = -1; ///< the batch norms' running statistics (-1: none)
  std::vector<float> statistics;

  std::vector<std::pair<uint64_t, double>> stepLosses; ///< for the plot
  int epochsRun = 0;
  double trainSeconds = 0.0; ///< in train_step alone (data-parallel: and the exchanges)
  double communicationSeconds = 0.0; ///< in the exchanges with the other ranks
  int64_t trainedImages = 0;

  bool fail(const std::string &message) {
    error = message;
    return false;
  }
  bool allocate();
  /// The buffers of `io`'s tensors (created on first use) as a call's tensors.
  bool bind(const EntryIo &io, Call &call);
  bool runCall(Call &call);
  /// Data-parallel: train_gradients, each part of the gradients handed to
  /// the exchange as the backward pass completes it when `overlapping`.
  bool computeGradients();
  static void gradientPartReady(void *loop, size_t output, size_t first, size_t count);
  /// Data-parallel: the gradients averaged, then the update applied.
  bool averageAndApply();
  /// Trains batch `at.batch` and moves `at` past it.
  bool trainBatch(EpochTotals &totals);
  void printProgress(EpochTotals &totals);
  /// The test set's loss, top-1 and top-5 with "main", into `m`.
  bool evaluate(EpochMetrics &m);
  /// evaluate() with the session's states as they are.
  bool scoreTestSet(EpochMetrics &m);
  /// Evaluates, checkpoints, logs and plots the epoch that `totals` trained.
  bool finishEpoch(const EpochTotals &totals);
  bool run();
  /// The speed-up of the feature cache and the result's totals.
  void report();
};

bool Trainer::Loop::bind(const EntryIo &io, Call &call) {
  call.entry = io.entry;
  for (int output = 0; output < 2; ++output) {
    const std::vector<cvc_tensor_info> &infos = output ? io.outputs : io.inputs;
    std::vector<cvc_tensor> &tensors = output ? call.outputs : call.inputs;
    for (const cvc_tensor_info &info : infos) {
      size_t n = static_cast<size_t>(elements(info, step.batch));
      std::vector<float> &buffer = buffers[info.name];
      if (buffer.empty())
        buffer.resize(n);
      if (buffer.size() != n)
        return fail(std::string("the step's entries disagree on the size of '") + info.name + "'");
      tensors.push_back(tensorOf(buffer.data(), info, step.batch));
    }
  }
  return true;
}

bool Trainer::Loop::allocate() {
  if (!bind(trainer.stepEntry(), stepCall) ||
      (trainer.distributed() && !bind(trainer.applyIo, applyCall)))
    return false;
  labelInts.resize(step.batch);
  auto named = [&](const char *name) -> float * {
    auto it = buffers.find(name);
    return it == buffers.end() ? nullptr : it->second.data();
  };
  samples = named(step.samples->name);
  labels = named("labels");
  learningRate = named("learning_rate");
  stepCount = named("step");
  sampleOffset = named("sample_offset");
  if (sampleOffset)
    *sampleOffset = static_cast<float>(trainer.comm->rank() * step.batch);
  if (!labels || !learningRate)
    return fail("train_step lacks its 'labels' or 'learning_rate' input");
  if (trainer.distributed()) {
    gradients = named("gradients");
    if (!gradients)
      return fail("train_gradients has no 'gradients' output");
    gradientCount = buffers["gradients"].size();
    for (size_t j = 0; j < stepCall.outputs.size(); ++j)
      if (stepCall.outputs[j].data == gradients)
        gradientsOutput = static_cast<int>(j);
    overlapping = trainer.overlapGradients && gradientsOutput >= 0;
    for (size_t i = 0; i < trainer.lib.cvc_model_state_count(trainer.model); ++i) {
      cvc_state_info info;
      if (cvc_status s = trainer.lib.cvc_model_state_info(trainer.model, i, &info))
        return fail(trainer.lib.take(s));
      if (std::strcmp(info.name, "statistics") == 0) {
        statisticsState = static_cast<int>(i);
        statistics.resize(info.elements);
      }
    }
  }
  return true;
}

bool Trainer::Loop::runCall(Call &call) {
  if (cvc_status s = trainer.lib.cvc_session_run_entry(trainer.session, call.entry,
                                                       call.inputs.data(), call.inputs.size(),
                                                       call.outputs.data(), call.outputs.size()))
    return fail(trainer.lib.take(s));
  return true;
}

/// The session's report of a final part of an output: the gradients'
/// parts go to the exchange at once.
void Trainer::Loop::gradientPartReady(void *loop, size_t output, size_t first, size_t count) {
  auto *self = static_cast<Loop *>(loop);
  if (static_cast<int>(output) != self->gradientsOutput)
    return;
  auto start = Clock::now();
  self->trainer.comm->partReady(first, count);
  self->communicationSeconds += secondsSince(start);
}

bool Trainer::Loop::computeGradients() {
  if (!overlapping)
    return runCall(stepCall);
  Communicator &comm = *trainer.comm;
  if (!comm.beginAverage(gradients, gradientCount, "averaging the gradients", error))
    return false;
  trainer.lib.cvc_session_set_output_ready(trainer.session, &Loop::gradientPartReady, this);
  bool ran = runCall(stepCall);
  trainer.lib.cvc_session_set_output_ready(trainer.session, nullptr, nullptr);
  return ran;
}

bool Trainer::Loop::averageAndApply() {
  Communicator &comm = *trainer.comm;
  auto start = Clock::now();
  bool averaged = overlapping
                      ? comm.finishAverage(error)
                      : comm.average(gradients, gradientCount, "averaging the gradients", error);
  communicationSeconds += secondsSince(start);
  if (!averaged)
    return false;
  if (statisticsState >= 0 && trainer.averageStatistics) {
    auto &lib = trainer.lib;
    size_t n = statistics.size();
    if (cvc_status s = lib.cvc_session_read_state(trainer.session, statisticsState,
                                                  statistics.data(), n))
      return fail(lib.take(s));
    if (!comm.average(statistics.data(), n, "averaging the batch-norm statistics", error))
      return false;
    if (cvc_status s = lib.cvc_session_write_state(trainer.session, statisticsState,
                                                   statistics.data(), n))
      return fail(lib.take(s));
  }
  return runCall(applyCall);
}

bool Trainer::Loop::trainBatch(EpochTotals &totals) {
  const int64_t batch = step.batch;
  if (!data.source->next(samples, labelInts.data(), error))
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
  if (!(trainer.distributed() ? computeGradients() && averageAndApply() : runCall(stepCall)))
    return false;
  const float *logits = static_cast<const float *>(stepCall.outputs[step.logitsIndex].data);
  int64_t correct = 0;
  for (int64_t i = 0; i < batch; ++i) {
    const float *row = logits + i * step.classes;
    correct += std::max_element(row, row + step.classes) - row == labelInts[i];
  }
  double lossAndCorrect[2] = {*static_cast<const float *>(stepCall.outputs[step.lossIndex].data),
                              static_cast<double>(correct)};
  auto sumStart = Clock::now();
  if (!trainer.comm->sum(lossAndCorrect, 2, "summing the loss", error))
    return false;
  communicationSeconds += secondsSince(sumStart);
  trainSeconds += secondsSince(stepStart);
  const int ranks = trainer.comm->size();
  double loss = lossAndCorrect[0] / ranks;
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
  trainedImages += batch * ranks;
  totals.lossSum += loss;
  ++totals.steps;
  stepLosses.push_back({at.step, loss});
  totals.correct += static_cast<int64_t>(lossAndCorrect[1]);
  totals.seen += batch * ranks;
  return true;
}

void Trainer::Loop::printProgress(EpochTotals &totals) {
  const int64_t batch = step.batch * trainer.comm->size(), batches = data.batchesPerEpoch;
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
               totals.lossSum / std::max<int64_t>(totals.steps, 1),
               100.0 * totals.correct / std::max<int64_t>(totals.seen, 1),
               done * batch / std::max(elapsed, 1e-9), clockText(left).c_str());
}

bool Trainer::Loop::evaluate(EpochMetrics &m) {
  // Ranks with batch-norm statistics of their own score with rank 0's (the
  // model the checkpoint holds), then take their own back.
  if (statisticsState < 0 || !trainer.distributed() || trainer.averageStatistics)
    return scoreTestSet(m);
  auto &lib = trainer.lib;
  size_t n = statistics.size();
  std::vector<float> own(n);
  if (cvc_status s = lib.cvc_session_read_state(trainer.session, statisticsState, own.data(), n))
    return fail(lib.take(s));
  statistics = own;
  if (!trainer.comm->broadcast(statistics.data(), n * sizeof(float), 0,
                               "sharing rank 0's batch-norm statistics", error))
    return false;
  if (cvc_status s = lib.cvc_session_write_state(trainer.session, statisticsState,
                                                 statistics.data(), n))
    return fail(lib.take(s));
  bool scored = scoreTestSet(m);
  if (cvc_status s = lib.cvc_session_write_state(trainer.session, statisticsState, own.data(), n))
    return fail(lib.take(s));
  return scored;
}

bool Trainer::Loop::scoreTestSet(EpochMetrics &m) {
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
  // Data-parallel, each rank scores every size-th chunk.
  const size_t rank = static_cast<size_t>(trainer.comm->rank());
  const size_t ranks = static_cast<size_t>(trainer.comm->size());
  for (size_t first = rank * evalBatch; first < total; first += evalBatch * ranks) {
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
  double sums[3] = {testLoss, static_cast<double>(top1), static_cast<double>(top5)};
  if (!trainer.comm->sum(sums, 3, "summing the test scores", error))
    return false;
  testLoss = sums[0];
  top1 = static_cast<int>(sums[1]);
  top5 = static_cast<int>(sums[2]);
  m.testLoss = testLoss / std::max<size_t>(total, 1);
  m.testTop1 = static_cast<double>(top1) / std::max<size_t>(total, 1);
  m.testTop5 = static_cast<double>(top5) / std::max<size_t>(total, 1);
  return true;
}

bool Trainer::Loop::finishEpoch(const EpochTotals &totals) {
  EpochMetrics m;
  m.epoch = at.epoch + 1;
  m.step = at.step;
  m.trainLoss = totals.lossSum / std::max<int64_t>(totals.steps, 1);
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
  const bool writes = trainer.comm->rank() == 0; // the other ranks' figures are the same
  if (writes && o.metrics && !appendMetrics(o.metrics, m, error))
    return false;
  if (writes && o.plot) {
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
  if (trainer.distributed() && o.progress)
    std::fprintf(stderr,
                 "cvc-train: the %d ranks held bit-identical weights at every checkpoint and "
                 "epoch end\n",
                 trainer.comm->size());
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
  result.communication_seconds = communicationSeconds;
}

bool Trainer::trainEpochs(const cvc_train_options &o, const StepIo &step, Data &data,
                          const LearningRateSchedule &schedule, Position at,
                          cvc_train_result &result, std::string &error) {
  Loop loop{*this, o, step, data, schedule, at, result, error};
  return loop.run();
}

} // namespace cvc::train
