//===- Measure.h - timing candidate schedules in child processes -*- C++ -*-===//
//
// Each candidate is built, JIT-compiled and run in a child process forked
// from the tuner, so that a point that crashes Halide or the kernel, or
// hangs, costs one child: it is logged and discarded. Up to `compileJobs`
// children compile at once; then each is timed alone, the others waiting
// idle, so that no compilation ever runs while a timing does. The kernels'
// parallel loops run on the same thread pool as in a model.so (the
// runtime's), with the session's thread count.
//
// Every candidate runs on the same seeded random input as the kernel's
// default point, whose output is the reference: a candidate whose output
// differs by more than `tolerance` x (1 + max |reference|) anywhere is
// wrong, whatever its time.
//
// The parent must be single-threaded when it forks: the tuner's MLIR
// context runs without threads and it compiles nothing itself.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TUNE_MEASURE_H
#define CVC_TUNE_MEASURE_H

#include "cvc/halide/Kernel.h"

#include "mlir/IR/Operation.h"

#include <atomic>
#include <string>
#include <vector>

namespace cvc::tune {

/// Set (from a signal handler) to stop measuring: children are killed and
/// their measurements reported as Interrupted.
extern std::atomic<bool> stopRequested;

/// One kernel to measure: its op, alive in the tuner's module, and how it
/// is built and run.
struct KernelUnderTest {
  mlir::Operation *op = nullptr;
  halide::KernelContext context; ///< its strided operands marked, as the planner did
  int batch = 1;                 ///< extent of a dynamic batch dimension
  std::string referencePath;     ///< the default point's output, written by establishReference
  std::string label;             ///< for messages: "k12 cv.conv2d_blocked+relu"
  /// Seconds a candidate may take to build and compile (0: the measurer's
  /// setting): a point that compiles far slower than the default (an
  /// autoscheduler's beam search, say) is not worth its budget.
  double compileTimeout = 0;
};

enum class Outcome { Ok, Wrong, Crashed, Timeout, Failed, Interrupted };

/// The word a trial record stores for an outcome other than Ok.
const char *outcomeName(Outcome outcome);

struct Timing {
  Outcome outcome = Outcome::Failed;
  double medianMs = 0, minMs = 0, p25Ms = 0, p75Ms = 0;
  int runs = 0;
  double compileSeconds = 0;
  std::string detail; ///< why it is not Ok (the error, the largest difference, the signal)
};

/// Interleaved rounds of two points: round r times both, in alternating order.
struct Comparison {
  Outcome outcome = Outcome::Failed;
  std::vector<double> aMs, bMs; ///< each round's median
  std::string detail;
};

struct MeasureOptions {
  int threads = 1;          ///< the kernel's parallel loops run on this many
  int compileJobs = 1;      ///< children compiling at once
  double seconds = 0.25;    ///< timed runs per candidate stop after this long...
  int minRuns = 3;          ///< ...once this many are done
  int maxRuns = 200;
  double compileTimeout = 180; ///< seconds to build and JIT-compile a candidate
  double runTimeout = 60;      ///< seconds from "go" to its result
  double tolerance = 1e-4;
  /// Before each timed run, flush the caches and read the activation inputs
  /// back in, as a model's run finds them (weights cold, activations warm).
  bool coldWeights = true;
  std::string logPath;      ///< the children's stderr (Halide's own messages), appended
};

class Measurer {
public:
  explicit Measurer(MeasureOptions options) : options(std::move(options)) {}
  const MeasureOptions &settings() const { return options; }

  /// Times the default point and writes its output to k.referencePath.
  Timing establishReference(const KernelUnderTest &k, const halide::SchedulePoint &point);
  /// Times each point against the reference, in its own child.
  std::vector<Timing> measure(const KernelUnderTest &k,
                              const std::vector<halide::SchedulePoint> &points);
  /// `rounds` interleaved rounds of `a` and `b` in one child (both checked
  /// against the reference first).
  Comparison compare(const KernelUnderTest &k, const halide::SchedulePoint &a,
                     const halide::SchedulePoint &b, int rounds);

private:
  MeasureOptions options;
};

} // namespace cvc::tune

#endif // CVC_TUNE_MEASURE_H
