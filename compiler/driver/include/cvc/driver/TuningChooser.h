//===- TuningChooser.h - schedules from a tuning database --------*- C++ -*-===//
//
// `cvc --tuning-db FILE`: each kernel takes the point the database holds
// for its signature on this target (tuned at the thread count and batch
// nearest the ones asked for); a kernel never tuned takes the point of its
// nearest tuned neighbour of the same op when that point is legal for it
// (a warm start, unless turned off; never an autoscheduler's point, which
// holds only for the kernel it was made and checked for); every other
// kernel its default. A
// database point that this build does not accept is ignored with a
// warning naming the kernel and the reason.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DRIVER_TUNINGCHOOSER_H
#define CVC_DRIVER_TUNINGCHOOSER_H

#include "cvc/halide/Lowering.h"
#include "cvc/tune/Database.h"

#include <functional>
#include <string>

namespace cvc::driver {

struct TuningLookup {
  const tune::TuningDatabase *database = nullptr; ///< must outlive the chooser
  std::string target;  ///< the module's Halide target string
  int threads = 1;     ///< the thread count the model will run on
  int batch = 1;       ///< the batch it will run at
  bool warmStart = true;
  /// Called once per ignored entry or other remark.
  std::function<void(const std::string &)> warn;
};

halide::ScheduleChooser makeTuningChooser(TuningLookup lookup);

} // namespace cvc::driver

#endif // CVC_DRIVER_TUNINGCHOOSER_H
