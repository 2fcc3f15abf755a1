//===- Tuner.h - cvc-tune: a model's kernels, measured and searched -*- C++ -*-===//
//
// One run: compile the model as `cvc` would up to its kernel plan; take its
// distinct kernels by signature; measure each one's default point (the
// profile: default time x uses is each kernel's share of the model); give
// each kernel its share of the budget and search its schedule space with
// the chosen strategy, appending every trial to the database as it is
// measured; re-measure each kernel's best point against the default in
// interleaved rounds and record it as tuned only when it is faster beyond
// the rounds' spread. Kernels the database already holds as tuned are
// skipped (--retune searches them again); trials of an unfinished kernel
// are the history its search resumes from.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TUNE_TUNER_H
#define CVC_TUNE_TUNER_H

#include "cvc/driver/Options.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cvc::tune {

struct TuneOptions {
  /// The model and how it is compiled (input shapes, target, -O, passes,
  /// --train), as for `cvc`.
  driver::CompileOptions compile;
  /// The same settings as `cvc` flags, for compiling the whole model
  /// before and after (empty: no whole-model comparison).
  std::vector<std::string> cvcFlags;
  std::string databasePath;
  double budgetSeconds = 20 * 60;
  int threads = 0;          ///< 0: every core this process may use
  int batch = 1;
  std::string strategy = "cvc";
  bool warmStart = true;    ///< seed searches with tuned neighbours' points
  bool retune = false;      ///< search kernels the database holds as tuned again
  int compileJobs = 0;      ///< 0: one per core
  double minShare = 0.002;  ///< kernels below this share of the model are not searched
  double secondsPerTiming = 0.25;
  bool coldWeights = true;  ///< time kernels with weights cold, as in a model's run
  int confirmRounds = 7;    ///< interleaved rounds of best against default
  uint64_t seed = 1;
  bool compareModel = true; ///< compile and time the whole model before and after
  std::string cvcPath, cvcRunPath; ///< for the whole-model comparison
  std::string workDir;      ///< references and the children's log; empty: a temporary folder
  bool verbose = false;     ///< every trial on stderr
};

/// Runs the tuner; returns the process exit status (0, or 1 after an error
/// it has reported, 130 after an interrupt that kept what was measured).
int runTuner(const TuneOptions &options);

} // namespace cvc::tune

#endif // CVC_TUNE_TUNER_H
