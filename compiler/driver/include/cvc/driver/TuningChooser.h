//===- TuningChooser.h - schedules from a tuning database --------*- C++ -*-===//
//
// `cvc --tuning-db FILE`: each kernel takes the point the database holds
// for its signature on this target (tuned at the thread count and batch
// nearest the ones asked for); a kernel never tuned takes the point of its
// nearest tuned neighbour of the same op when that point is legal for it
// (a warm start, unless turned off; never an autoscheduler's point, which
// holds only for the kernel it was made and checked for); every other
// kernel its default. A database point that this build does not accept is
// ignored with a warning naming the kernel and the reason.
//
// The database also decides between algorithms that are different ops:
// cv-winograd takes Winograd for a convolution when the tuned time of its
// Winograd kernel beats the tuned time of its direct kernel, and stays
// direct when it does not (cvc-tune measures both forms of every eligible
// convolution).
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DRIVER_TUNINGCHOOSER_H
#define CVC_DRIVER_TUNINGCHOOSER_H

#include "cvc/driver/Options.h"
#include "cvc/halide/Lowering.h"
#include "cvc/passes/Passes.h"
#include "cvc/tune/Database.h"

#include <functional>
#include <memory>
#include <string>

namespace cvc::driver {

struct TuningLookup {
  std::shared_ptr<const tune::TuningDatabase> database;
  std::string target;  ///< the module's Halide target string
  int threads = 1;     ///< the thread count the model will run on
  int batch = 1;       ///< the batch it will run at
  bool warmStart = true;
  /// Called once per ignored entry or other remark.
  std::function<void(const std::string &)> warn;
};

/// The lookup `options` ask for (its database, thread count, batch) on
/// `module`'s target; warnings go to the module's location.
TuningLookup tuningLookup(mlir::ModuleOp module, const CompileOptions &options);

halide::ScheduleChooser makeTuningChooser(TuningLookup lookup);

/// The tuned record of a kernel signature, also when it was tuned as (or
/// in a plan that made it) a strided view: the planner appends those marks
/// after the passes, which decide without them.
const tune::TunedRecord *lookupKernel(const TuningLookup &lookup, const std::string &signature);

WinogradDecider makeWinogradDecider(TuningLookup lookup);

} // namespace cvc::driver

#endif // CVC_DRIVER_TUNINGCHOOSER_H
