//===- LearningRate.h - learning-rate schedules -----------------*- C++ -*-===//
#ifndef CVC_TRAIN_LEARNINGRATE_H
#define CVC_TRAIN_LEARNINGRATE_H

#include <cstdint>
#include <string>

namespace cvc::train {

/// A schedule: the learning rate as a function of the step, so that a run
/// resumed at step s continues with exactly the rates it would have had.
struct LearningRateSchedule {
  enum class Kind { Constant, Step, Cosine } kind = Kind::Constant;
  double base = 0.01;
  int64_t warmupSteps = 0;    ///< linear ramp from base / warmup to base
  int64_t stepEvery = 0;      ///< Step: multiply by `gamma` every this many steps
  double gamma = 0.1;
  int64_t totalSteps = 1;     ///< Cosine: decays to 0 over this many steps

  double at(int64_t step) const;
};

/// Parses "constant", "step:EVERY_EPOCHS:GAMMA" or "cosine" (epochs converted
/// with `stepsPerEpoch`); false with a message when malformed.
bool parseSchedule(const std::string &spec, int64_t stepsPerEpoch, int64_t totalSteps,
                   LearningRateSchedule &out, std::string &error);

} // namespace cvc::train

#endif // CVC_TRAIN_LEARNINGRATE_H
