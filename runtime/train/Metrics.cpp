//===- Metrics.cpp - the training log and its plot ----------------------===//
//
// JSON lines, one per epoch, because a resumed run appends to the same log
// and any tool reads it line by line. The plot is SVG: an image every
// browser shows, written without an imaging library.
//
//===----------------------------------------------------------------------===//
#include "Metrics.h"

#include "cvc/files/AtomicFile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cvc::train {

bool appendMetrics(const std::string &path, const EpochMetrics &m, std::string &error) {
  FILE *file = std::fopen(path.c_str(), "a");
  if (!file) {
    error = "cannot write metrics '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::fprintf(file,
               "{\"epoch\": %llu, \"step\": %llu, \"train_loss\": %.6f, \"train_accuracy\": %.6f, "
               "\"test_loss\": %.6f, \"test_top1\": %.6f, \"test_top5\": %.6f, "
               "\"learning_rate\": %.8g, \"seconds\": %.3f, \"images_per_second\": %.1f}\n",
               static_cast<unsigned long long>(m.epoch), static_cast<unsigned long long>(m.step),
               m.trainLoss, m.trainAccuracy, m.testLoss, m.testTop1, m.testTop5, m.learningRate,
               m.seconds, m.imagesPerSecond);
  bool ok = std::fclose(file) == 0;
  if (!ok)
    error = "cannot write metrics '" + path + "'";
  return ok;
}

namespace {

double field(const std::string &line, const char *name) {
  std::string key = std::string("\"") + name + "\": ";
  size_t at = line.find(key);
  return at == std::string::npos ? 0.0 : std::strtod(line.c_str() + at + key.size(), nullptr);
}

} // namespace

std::vector<EpochMetrics> readMetrics(const std::string &path) {
  std::vector<EpochMetrics> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"epoch\"") == std::string::npos)
      continue;
    EpochMetrics m;
    m.epoch = static_cast<uint64_t>(field(line, "epoch"));
    m.step = static_cast<uint64_t>(field(line, "step"));
    m.trainLoss = field(line, "train_loss");
    m.trainAccuracy = field(line, "train_accuracy");
    m.testLoss = field(line, "test_loss");
    m.testTop1 = field(line, "test_top1");
    m.testTop5 = field(line, "test_top5");
    out.push_back(m);
  }
  return out;
}

namespace {

/// One chart: series of (x, y) points in a box at (left, top).
struct Chart {
  double left, top, width, height, xMax, yMin, yMax;
  std::ostringstream &svg;

  double px(double x) const { return left + width * x / std::max(xMax, 1e-12); }
  double py(double y) const {
    return top + height * (1.0 - (y - yMin) / std::max(yMax - yMin, 1e-12));
  }
  void frame(const char *title, const char *xLabel) {
    svg << "<rect x='" << left << "' y='" << top << "' width='" << width << "' height='" << height
        << "' fill='none' stroke='#888'/>\n"
        << "<text x='" << left + width / 2 << "' y='" << top - 8
        << "' text-anchor='middle' font-size='14'>" << title << "</text>\n"
        << "<text x='" << left + width / 2 << "' y='" << top + height + 32
        << "' text-anchor='middle' font-size='12'>" << xLabel << "</text>\n";
    for (int i = 0; i <= 4; ++i) {
      double y = yMin + (yMax - yMin) * i / 4.0;
      svg << "<text x='" << left - 6 << "' y='" << py(y) + 4
          << "' text-anchor='end' font-size='11'>" << std::round(y * 1000) / 1000 << "</text>\n";
    }
    svg << "<text x='" << left << "' y='" << top + height + 16 << "' font-size='11'>0</text>\n"
        << "<text x='" << left + width << "' y='" << top + height + 16
        << "' text-anchor='end' font-size='11'>" << xMax << "</text>\n";
  }
  void line(const std::vector<std::pair<double, double>> &points, const char *colour,
            const char *label, int legendRow) {
    if (points.empty())
      return;
    svg << "<polyline fill='none' stroke='" << colour << "' stroke-width='1.5' points='";
    for (auto [x, y] : points)
      svg << px(x) << "," << py(y) << " ";
    svg << "'/>\n";
    for (auto [x, y] : points)
      if (points.size() < 60)
        svg << "<circle cx='" << px(x) << "' cy='" << py(y) << "' r='2.5' fill='" << colour
            << "'/>\n";
    svg << "<text x='" << left + width - 6 << "' y='" << top + 16 + 14 * legendRow
        << "' text-anchor='end' font-size='11' fill='" << colour << "'>" << label << "</text>\n";
  }
};

} // namespace

bool writePlot(const std::string &path, const std::vector<std::pair<uint64_t, double>> &stepLoss,
               const std::vector<EpochMetrics> &epochs, std::string &error) {
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='900' height='380' "
         "font-family='sans-serif'>\n<rect width='900' height='380' fill='white'/>\n";
  // Epoch e ends at step epochs[e].step; both charts use epochs as x.
  double lastStep = epochs.empty() ? 1.0 : static_cast<double>(epochs.back().step);
  double xMax = static_cast<double>(epochs.size());
  std::vector<std::pair<double, double>> train, test, trainAcc, top1, top5;
  double lossMax = 0.0;
  // Smooth the per-step loss over windows of 1/50 of the run.
  size_t window = std::max<size_t>(1, stepLoss.size() / 50);
  for (size_t i = 0; i + window <= stepLoss.size(); i += window) {
    double sum = 0;
    for (size_t j = i; j < i + window; ++j)
      sum += stepLoss[j].second;
    double x = xMax * static_cast<double>(stepLoss[i + window - 1].first) / std::max(lastStep, 1.0);
    train.push_back({x, sum / window});
    lossMax = std::max(lossMax, sum / window);
  }
  for (size_t e = 0; e < epochs.size(); ++e) {
    double x = static_cast<double>(e + 1);
    test.push_back({x, epochs[e].testLoss});
    trainAcc.push_back({x, epochs[e].trainAccuracy});
    top1.push_back({x, epochs[e].testTop1});
    top5.push_back({x, epochs[e].testTop5});
    lossMax = std::max(lossMax, epochs[e].testLoss);
  }
  Chart loss{60, 40, 360, 280, std::max(xMax, 1.0), 0.0, lossMax > 0 ? lossMax * 1.05 : 1.0, svg};
  loss.frame("loss", "epoch");
  loss.line(train, "#1f77b4", "training (smoothed)", 0);
  loss.line(test, "#d62728", "test", 1);
  Chart accuracy{510, 40, 360, 280, std::max(xMax, 1.0), 0.0, 1.0, svg};
  accuracy.frame("accuracy", "epoch");
  accuracy.line(trainAcc, "#1f77b4", "training top-1", 0);
  accuracy.line(top1, "#d62728", "test top-1", 1);
  accuracy.line(top5, "#2ca02c", "test top-5", 2);
  svg << "</svg>\n";

  return files::writeFileAtomically(path, svg.str(), error);
}

} // namespace cvc::train
