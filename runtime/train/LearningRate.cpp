//===- LearningRate.cpp - learning-rate schedules -----------------------===//
#include "LearningRate.h"

#include <cmath>
#include <cstdlib>

namespace cvc::train {

double LearningRateSchedule::at(int64_t step) const {
  double rate = base;
  switch (kind) {
  case Kind::Constant:
    break;
  case Kind::Step:
    rate = base * std::pow(gamma, static_cast<double>(step / stepEvery));
    break;
  case Kind::Cosine: {
    double progress = std::min(1.0, static_cast<double>(step) / std::max<int64_t>(totalSteps, 1));
    rate = 0.5 * base * (1.0 + std::cos(M_PI * progress));
    break;
  }
  }
  if (step < warmupSteps)
    rate *= static_cast<double>(step + 1) / static_cast<double>(warmupSteps);
  return rate;
}

bool parseSchedule(const std::string &spec, int64_t stepsPerEpoch, int64_t totalSteps,
                   LearningRateSchedule &out, std::string &error) {
  out.totalSteps = totalSteps;
  if (spec == "constant") {
    out.kind = LearningRateSchedule::Kind::Constant;
    return true;
  }
  if (spec == "cosine") {
    out.kind = LearningRateSchedule::Kind::Cosine;
    return true;
  }
  if (spec.rfind("step:", 0) == 0) {
    char *end = nullptr;
    const char *text = spec.c_str() + 5;
    double epochs = std::strtod(text, &end);
    if (end != text && *end == ':') {
      const char *gammaText = end + 1;
      double gamma = std::strtod(gammaText, &end);
      if (end != gammaText && *end == '\0' && epochs > 0 && gamma > 0) {
        out.kind = LearningRateSchedule::Kind::Step;
        out.stepEvery = std::max<int64_t>(1, static_cast<int64_t>(epochs * stepsPerEpoch));
        out.gamma = gamma;
        return true;
      }
    }
  }
  error = "bad --schedule '" + spec + "': expected constant, cosine or step:EPOCHS:GAMMA";
  return false;
}

} // namespace cvc::train
