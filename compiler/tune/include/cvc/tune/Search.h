//===- Search.h - strategies that choose which points to measure -*- C++ -*-===//
//
// A strategy sees every trial of a kernel so far and proposes the next
// points to measure; the tuner measures them and asks again until the
// kernel's share of the budget is spent or the strategy has nothing left.
//
//   cvc     evolutionary: the best points measured so far are mutated (one
//           parameter a step or two along its legal values, or two at
//           random) and crossed (within an algorithm), random points of
//           every algorithm are mixed in, and a cost model learned from
//           this kernel's measurements ranks the offspring; the most
//           promising, with a bonus for being far from anything measured,
//           are measured. Seeded by warm starts.
//   random  legal points drawn uniformly (per algorithm, then per
//           parameter), never one twice: the baseline the cvc strategy
//           must beat at equal budget.
//   mullapudi2016, adams2019, li2018
//           Halide 14's autoschedulers on the kernel's algorithm, given
//           this machine's cores and last-level cache, at three balances
//           (the cost of a load against an operation).
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TUNE_SEARCH_H
#define CVC_TUNE_SEARCH_H

#include "cvc/halide/Schedule.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace cvc::tune {

/// One measured point: its time, or none when it failed, crashed or was wrong.
struct Trial {
  halide::SchedulePoint point;
  std::optional<double> ms;
};

/// A regression of log(time) on a point's parameters, fitted to one
/// kernel's trials: inverse-distance-weighted nearest neighbours in the
/// space of normalised log parameter values, blended with a quadratic
/// least-squares fit once there are enough trials of the algorithm.
class CostModel {
public:
  explicit CostModel(const halide::ScheduleSpace &space) : space(space) {}
  void fit(const std::vector<Trial> &trials);
  /// Predicted log(ms) of `point`, and its normalised distance to the
  /// nearest measured point of its algorithm (infinity when none is).
  std::pair<double, double> predict(const halide::SchedulePoint &point) const;
  /// The features the model sees: per parameter, its value's position in
  /// [0, 1] along its legal values (log scale).
  std::vector<double> features(const halide::SchedulePoint &point) const;

private:
  struct AlgorithmFit {
    std::vector<std::vector<double>> x;
    std::vector<double> y;
    std::vector<double> weights; ///< quadratic fit; empty when too few trials
  };
  const halide::ScheduleSpace &space;
  std::vector<AlgorithmFit> fits; ///< one per algorithm of the space
  double fallback = 0;            ///< mean log(ms) of every successful trial
};

class Strategy {
public:
  virtual ~Strategy() = default;
  /// Up to `count` points never tried before, the most promising first;
  /// empty when the strategy has nothing left to propose.
  virtual std::vector<halide::SchedulePoint> propose(const std::vector<Trial> &history,
                                                     int count) = 0;
};

/// The names `--strategy` accepts.
const std::vector<std::string> &strategyNames();
bool isAutoscheduler(const std::string &strategy);

/// The strategy `name` over `space`; `seeds` (warm starts, projected onto
/// the space) go first. Null for an unknown name, or when `space` offers
/// nothing the strategy can use (an autoscheduler on a family without an
/// autoschedule algorithm).
std::unique_ptr<Strategy> makeStrategy(const std::string &name, const halide::ScheduleSpace &space,
                                       std::vector<halide::SchedulePoint> seeds, uint64_t seed);

/// `point`'s parameters moved to the nearest legal values of `space`'s
/// algorithm of the same name (a warm start from another kernel's point);
/// std::nullopt when the algorithm is missing or the result is illegal.
std::optional<halide::SchedulePoint> projectPoint(const halide::ScheduleSpace &space,
                                                  const halide::SchedulePoint &point);

} // namespace cvc::tune

#endif // CVC_TUNE_SEARCH_H
