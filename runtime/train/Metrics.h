//===- Metrics.h - the training log and its plot ----------------*- C++ -*-===//
#ifndef CVC_TRAIN_METRICS_H
#define CVC_TRAIN_METRICS_H

#include <cstdint>
#include <string>
#include <vector>

namespace cvc::train {

/// One evaluation, at the end of an epoch.
struct EpochMetrics {
  uint64_t epoch = 0, step = 0;
  double trainLoss = 0, trainAccuracy = 0;
  double testLoss = 0, testTop1 = 0, testTop5 = 0;
  double learningRate = 0, seconds = 0, imagesPerSecond = 0;
};

/// Appends one JSON line to `path` (the metrics log).
bool appendMetrics(const std::string &path, const EpochMetrics &m, std::string &error);

/// Reads back a metrics log (the lines this run and the runs it resumed wrote).
std::vector<EpochMetrics> readMetrics(const std::string &path);

/// Writes loss and accuracy curves as an SVG image: training loss per step
/// (smoothed) and test loss per epoch on the left, accuracies on the right.
bool writePlot(const std::string &path, const std::vector<std::pair<uint64_t, double>> &stepLoss,
               const std::vector<EpochMetrics> &epochs, std::string &error);

} // namespace cvc::train

#endif // CVC_TRAIN_METRICS_H
