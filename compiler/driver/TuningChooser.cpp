//===- TuningChooser.cpp - schedules from a tuning database -------------===//
#include "cvc/driver/TuningChooser.h"

#include <memory>
#include <set>

namespace cvc::driver {

halide::ScheduleChooser makeTuningChooser(TuningLookup lookup) {
  auto warned = std::make_shared<std::set<std::string>>();
  return [lookup, warned](mlir::Operation *op, const std::string &signature,
                          const halide::ScheduleSpace &space,
                          const halide::KernelContext &) -> std::optional<halide::ScheduleChoice> {
    tune::TuningKey key{lookup.target, lookup.threads, lookup.batch, signature};
    auto warnOnce = [&](const std::string &message) {
      if (lookup.warn && warned->insert(message).second)
        lookup.warn(message);
    };
    if (const tune::TunedRecord *record = lookup.database->lookup(key)) {
      std::string error;
      if (std::optional<halide::SchedulePoint> point = space.parse(record->point, error))
        return halide::ScheduleChoice{*point, "database"};
      warnOnce("tuning database entry for " + op->getName().getStringRef().str() + " ('" +
               record->point + "') is not a legal schedule here: " + error +
               "; the entry is ignored");
    }
    if (!lookup.warmStart)
      return std::nullopt;
    for (const tune::TunedRecord *neighbour : lookup.database->neighbours(key, 8)) {
      std::string error;
      std::optional<halide::SchedulePoint> point = space.parse(neighbour->point, error);
      // A family's legal point computes the same at any shape; an
      // autoscheduler's schedule was checked on its own kernel only, and
      // another shape can make its splits read outside the buffers.
      if (point && point->algorithm() != "autoschedule")
        return halide::ScheduleChoice{*point, "warm start"};
    }
    return std::nullopt;
  };
}

} // namespace cvc::driver
