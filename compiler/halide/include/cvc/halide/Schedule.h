//===- Schedule.h - a kernel's schedule space and a point in it ---*- C++ -*-===//
//
// Every kernel family describes how it may be scheduled as a ScheduleSpace:
// one or more algorithms (direct, staged, ...), each with named integer
// parameters and their legal values for the op's shapes and the target,
// plus constraints across parameters. The family's lowering applies any
// legal SchedulePoint; today's heuristics pick the space's default point.
// A tuning database, a search or an autoscheduler therefore plugs in by
// choosing another point, without touching the algorithm.
//
// A point's text form is what `cvc-run --profile` prints and what a tuning
// database stores: the algorithm, then name=value for each parameter in the
// space's order, e.g. "blocked columns=7 block_tile=2". Values with labels
// print (and parse) as their label: "gemm ... parallel=channel_tiles".
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HALIDE_SCHEDULE_H
#define CVC_HALIDE_SCHEDULE_H

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cvc::halide {

/// One tunable knob: its legal values (ascending, distinct) and, for
/// enumerations, a label per value.
struct ScheduleParam {
  std::string name;
  std::vector<int64_t> values;
  std::vector<std::string> labels; ///< empty, or one per value
  /// The value a parsed point that lacks this parameter takes: set for a
  /// parameter added to a space after tuning databases were written, so
  /// that their points still parse and mean what they meant.
  std::optional<int64_t> absent;

  /// The text of `value` (its label, or the number).
  std::string format(int64_t value) const;
  /// The value whose label or number is `text`.
  std::optional<int64_t> parse(const std::string &text) const;
  bool allows(int64_t value) const;
};

/// A chosen algorithm and a value for each of its parameters.
class SchedulePoint {
public:
  SchedulePoint() = default;
  explicit SchedulePoint(std::string algorithm) : algorithm_(std::move(algorithm)) {}

  const std::string &algorithm() const { return algorithm_; }
  /// The value of `name`; the point must have it (a lowering reads only the
  /// parameters of its algorithm, which a legal point always holds).
  int64_t get(const std::string &name) const;
  /// get() narrowed to int, for Halide's split factors and widths.
  int getInt(const std::string &name) const { return static_cast<int>(get(name)); }
  bool has(const std::string &name) const;
  SchedulePoint &set(const std::string &name, int64_t value);
  const std::vector<std::pair<std::string, int64_t>> &values() const { return values_; }

  /// The same algorithm and values, whatever order they were set in.
  bool operator==(const SchedulePoint &other) const;
  bool operator!=(const SchedulePoint &other) const { return !(*this == other); }

private:
  std::string algorithm_;
  std::vector<std::pair<std::string, int64_t>> values_; ///< in the order they were set
};

/// The schedules one algorithm allows.
struct ScheduleAlgorithm {
  std::string name;
  std::vector<ScheduleParam> params;
  /// Constraints across parameters: an empty string when `point` satisfies
  /// them, else why not. Null when each parameter is free on its own.
  std::function<std::string(const SchedulePoint &)> constraint;

  ScheduleParam &add(std::string paramName, std::vector<int64_t> values,
                     std::vector<std::string> labels = {});
};

/// Every legal schedule of one kernel, and the one the heuristics choose.
struct ScheduleSpace {
  std::vector<ScheduleAlgorithm> algorithms;
  SchedulePoint defaultPoint;

  /// A space of one algorithm `name` without parameters (a loss kernel).
  static ScheduleSpace fixed(const std::string &name);

  ScheduleAlgorithm &addAlgorithm(std::string name);
  const ScheduleAlgorithm *find(const std::string &algorithm) const;

  /// Empty when `point` is legal: a known algorithm, each of its parameters
  /// set (and no other) to a legal value, its constraint satisfied.
  /// Otherwise why not, naming the parameter.
  std::string check(const SchedulePoint &point) const;

  /// "blocked columns=7 block_tile=2" (labels where the parameter has them).
  std::string format(const SchedulePoint &point) const;
  /// The point `text` describes, or std::nullopt with `error` saying why
  /// (an unknown algorithm or parameter, a value that is not legal).
  std::optional<SchedulePoint> parse(const std::string &text, std::string &error) const;

  /// Number of points of the given algorithm's parameter grid (before
  /// constraints), saturating at INT64_MAX.
  int64_t gridSize(const ScheduleAlgorithm &algorithm) const;
  /// Every legal point, grid order, at most `limit` of them.
  std::vector<SchedulePoint> enumerate(int64_t limit) const;
};

/// Legal-value helpers for the families' spaces.
/// Powers of two from 1 to `max` (at least {1}).
std::vector<int64_t> powersOfTwoUpTo(int64_t max);
/// 1..max (at least {1}).
std::vector<int64_t> rangeUpTo(int64_t max);
/// The divisors of `n` that are at most `max`.
std::vector<int64_t> divisorsUpTo(int64_t n, int64_t max);
/// `values` with `extra` added, kept ascending and distinct: a heuristic's
/// default that is not on a regular grid stays legal.
std::vector<int64_t> withValue(std::vector<int64_t> values, int64_t extra);

} // namespace cvc::halide

#endif // CVC_HALIDE_SCHEDULE_H
