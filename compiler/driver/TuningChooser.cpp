//===- TuningChooser.cpp - schedules from a tuning database -------------===//
#include "cvc/driver/TuningChooser.h"

#include "mlir/IR/Diagnostics.h"

#include <set>

namespace cvc::driver {

TuningLookup tuningLookup(mlir::ModuleOp module, const CompileOptions &options) {
  cv::TargetAttr target = cv::TargetAttr::of(module);
  TuningLookup lookup;
  lookup.database = options.tuningDb;
  lookup.target = target.getHalide().str();
  lookup.threads =
      options.tuningThreads > 0 ? options.tuningThreads : static_cast<int>(target.getCores());
  lookup.batch = options.tuningBatch;
  lookup.warmStart = options.warmStart;
  mlir::Location loc = module.getLoc();
  lookup.warn = [loc](const std::string &message) { mlir::emitWarning(loc) << message; };
  return lookup;
}

const tune::TunedRecord *lookupKernel(const TuningLookup &lookup, const std::string &signature) {
  tune::TuningKey key{lookup.target, lookup.threads, lookup.batch, signature};
  if (const tune::TunedRecord *record = lookup.database->lookup(key))
    return record;
  const tune::TunedRecord *best = nullptr;
  for (const tune::TunedRecord &r : lookup.database->tuned())
    if (r.key.target == lookup.target && r.key.signature.rfind(signature + " strided", 0) == 0)
      best = &r; // the newest
  return best;
}

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
    for (const tune::TunedRecord *neighbour : lookup.database->neighbours(key, 8, true)) {
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

WinogradDecider makeWinogradDecider(TuningLookup lookup) {
  return [lookup](cv::BlockedConv2DOp direct,
                  cv::WinogradConv2DOp winograd) -> std::optional<bool> {
    const tune::TunedRecord *d = lookupKernel(lookup, halide::kernelSignature(direct));
    const tune::TunedRecord *w = lookupKernel(lookup, halide::kernelSignature(winograd));
    if (!d || !w)
      return std::nullopt;
    return w->tunedMs < d->tunedMs;
  };
}

} // namespace cvc::driver
