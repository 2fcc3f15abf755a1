//===- cvc-tune.cpp - measure and search a model's kernel schedules -----===//
//
//   cvc-tune model.onnx --db tuning.db --budget 20m
//   cvc-tune model.cvm --db tuning.db --budget 5m --threads 1 --batch 16
//   cvc-tune model.onnx --db tuning.db --strategy adams2019
//   cvc model.onnx --tuning-db tuning.db -o model.so     (compiles with it)
//
// Ctrl-C stops at once and keeps every measurement; run it again to resume.
// docs/tuning.md describes the search, the measurement and the database.
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/Driver.h"
#include "cvc/tune/Measure.h"
#include "cvc/tune/Search.h"
#include "cvc/tune/Tuner.h"

#include "CommandLine.h"
#include "cvc/files/TerminalText.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <csignal>
#include <regex>

using namespace llvm;

namespace {

cl::OptionCategory tuneCategory("cvc-tune options");

cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx|model.cvm|model.mlir>"),
                               cl::Required, cl::cat(tuneCategory));
cl::opt<std::string> dbPath("db", cl::desc("The tuning database (created if missing; appended to)"),
                            cl::value_desc("tuning.db"), cl::Required, cl::cat(tuneCategory));
cl::opt<std::string> budget("budget",
                            cl::desc("Time for the whole run, profile included: 90s, 20m, 1h30m "
                                     "(default 20m)"),
                            cl::init("20m"), cl::cat(tuneCategory));
cl::opt<long> batch("batch", cl::desc("Batch the kernels run at (default 1)"), cl::init(1),
                    cl::cat(tuneCategory));
cl::opt<bool> train("train", cl::desc("Tune the training step's kernels (cvc --train)"),
                    cl::cat(tuneCategory));
cl::opt<std::string> strategy("strategy",
                              cl::desc("cvc (evolutionary, learned cost model; default), random, "
                                       "mullapudi2016, adams2019 or li2018 (Halide's "
                                       "autoschedulers)"),
                              cl::init("cvc"), cl::cat(tuneCategory));
cl::opt<bool> noWarmStart("no-warm-start",
                          cl::desc("Do not seed searches with tuned neighbours' points"),
                          cl::cat(tuneCategory));
cl::opt<bool> retune("retune", cl::desc("Search kernels the database holds as tuned again"),
                     cl::cat(tuneCategory));
cl::opt<long> jobs("jobs", cl::desc("Candidates compiled at once (default: one per thread)"),
                   cl::init(0), cl::cat(tuneCategory));
cl::opt<double> minShare("min-share",
                         cl::desc("Kernels below this fraction of the model's time are not "
                                  "searched (default 0.002)"),
                         cl::init(0.002), cl::cat(tuneCategory));
cl::opt<double> timing("timing-seconds",
                       cl::desc("Timed runs per candidate stop after this long (default 0.25)"),
                       cl::init(0.25), cl::cat(tuneCategory));
cl::opt<bool> warmCaches("warm-caches",
                         cl::desc("Time kernels with their weights in the caches (default: "
                                  "flushed before each run, as a model's run finds them)"),
                         cl::cat(tuneCategory));
cl::opt<long> rounds("confirm-rounds",
                     cl::desc("Interleaved rounds of the best point against the default before "
                              "it is kept (default 7)"),
                     cl::init(7), cl::cat(tuneCategory));
cl::opt<long> seed("seed", cl::desc("Seed of the search (default 1)"), cl::init(1),
                   cl::cat(tuneCategory));
cl::opt<bool> noModelCompare("no-model-compare",
                             cl::desc("Skip compiling and timing the whole model before and "
                                      "after"),
                             cl::cat(tuneCategory));
cl::opt<std::string> workDir("work-dir",
                             cl::desc("Keep the references and the candidates' log here"),
                             cl::cat(tuneCategory));
cl::opt<bool> verbose("v", cl::desc("Report every trial"), cl::cat(tuneCategory));

cl::OptionCategory modelCategory("model options (as for cvc)");
cl::list<std::string> inputShapes("input-shape", cl::desc("Fix a model input's shape"),
                                  cl::value_desc("name=d0,d1,..."), cl::cat(modelCategory));
cl::opt<std::string> target("target", cl::desc("Halide target, or 'host' (default)"),
                            cl::cat(modelCategory));
cl::list<std::string> enablePasses("enable-pass", cl::CommaSeparated,
                                   cl::desc("Run these optional passes"),
                                   cl::value_desc("name,..."), cl::cat(modelCategory));
cl::list<std::string> disablePasses("disable-pass", cl::CommaSeparated,
                                    cl::desc("Skip these optional passes"),
                                    cl::value_desc("name,..."), cl::cat(modelCategory));

void onSignal(int) { cvc::tune::stopRequested = true; }

/// "90s", "20m", "1h30m", "1.5h" or a number of seconds.
std::optional<double> parseDuration(const std::string &text) {
  static const std::regex part("([0-9]+(\\.[0-9]+)?)([hms]?)");
  double seconds = 0;
  size_t consumed = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), part);
       it != std::sregex_iterator(); ++it) {
    if (static_cast<size_t>(it->position()) != consumed)
      return std::nullopt;
    double value = std::atof((*it)[1].str().c_str());
    std::string unit = (*it)[3].str();
    seconds += value * (unit == "h" ? 3600 : unit == "m" ? 60 : 1);
    consumed += it->length();
  }
  if (consumed != text.size() || text.empty() || !std::isfinite(seconds) || seconds <= 0)
    return std::nullopt;
  return seconds;
}

int fail(const std::string &message) {
  errs() << "cvc-tune: error: " << cvc::files::printable(message) << "\n";
  return 1;
}

/// A tool installed beside this one.
std::string sibling(const char *argv0, const std::string &name) {
  std::string self = sys::fs::getMainExecutable(argv0, reinterpret_cast<void *>(&onSignal));
  SmallString<256> path(sys::path::parent_path(self));
  sys::path::append(path, name);
  return sys::fs::can_execute(path) ? path.str().str() : "";
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // LLVM's shared library registers a hidden --threads of its own (ThinLTO's
  // thread count, unused here); cvc-tune's, like every cvc tool's, is the
  // kernels' thread count.
  llvm::StringMap<cl::Option *> &registered = cl::getRegisteredOptions();
  if (auto it = registered.find("threads"); it != registered.end())
    it->second->removeArgument();
  cl::opt<long> threads("threads",
                        cl::desc("Threads the kernels run on, as the model will (default: every "
                                 "core)"),
                        cl::init(0), cl::cat(tuneCategory));
  cl::HideUnrelatedOptions({&tuneCategory, &modelCategory});
  cl::ParseCommandLineOptions(argc, argv,
                              "cvc-tune: measure and search the schedules of a model's kernels "
                              "on this machine, into a tuning database for cvc --tuning-db\n");
  cvc::tune::TuneOptions o;
  o.compile.inputPath = inputPath;
  o.compile.target = target;
  o.compile.train = train;
  o.databasePath = dbPath;
  std::optional<double> seconds = parseDuration(budget);
  if (!seconds)
    return fail("bad --budget '" + budget + "': expected a duration such as 90s, 20m or 1h30m");
  o.budgetSeconds = *seconds;
  for (auto [option, min] : {std::pair{&threads, 0L}, std::pair{&batch, 1L},
                             std::pair{&jobs, 0L}, std::pair{&rounds, 3L}})
    if (std::string why = cvc::tools::belowMinimum(*option, min); !why.empty())
      return fail(why);
  if (threads > 256 || batch > 4096 || jobs > 64 || rounds > 100)
    return fail("--threads, --batch, --jobs or --confirm-rounds is implausibly large");
  if (!(timing > 0 && timing <= 60) || !(minShare >= 0 && minShare < 1))
    return fail("--timing-seconds must be in (0, 60] and --min-share in [0, 1)");
  const std::vector<std::string> &names = cvc::tune::strategyNames();
  if (std::find(names.begin(), names.end(), strategy.getValue()) == names.end()) {
    std::string list;
    for (const std::string &n : names)
      list += (list.empty() ? "" : ", ") + n;
    return fail("unknown --strategy '" + strategy + "': choose one of " + list);
  }
  o.threads = static_cast<int>(threads);
  o.batch = static_cast<int>(batch);
  o.strategy = strategy;
  o.warmStart = !noWarmStart;
  o.retune = retune;
  o.compileJobs = static_cast<int>(jobs);
  o.minShare = minShare;
  o.secondsPerTiming = timing;
  o.coldWeights = !warmCaches;
  o.confirmRounds = static_cast<int>(rounds);
  o.seed = static_cast<uint64_t>(seed);
  o.workDir = workDir;
  o.verbose = verbose;

  // The same model settings for cvc, for the whole-model comparison.
  for (const std::string &spec : inputShapes) {
    auto shape = cvc::tools::parseInputShape(spec);
    if (!shape)
      return fail("bad --input-shape '" + spec +
                  "': expected NAME=d0,d1,... with positive integers");
    if (o.compile.inputShapes.count(shape->first))
      return fail("--input-shape names '" + shape->first +
                  "' twice: cvc-tune tunes one shape per run (run it once per shape with the same "
                  "--db; `cvc --tuning-db` then serves every shape variant)");
    o.compile.inputShapes[shape->first] = shape->second;
    o.cvcFlags.push_back("--input-shape=" + spec);
  }
  if (!target.empty())
    o.cvcFlags.push_back("--target=" + target);
  std::vector<std::string> known = cvc::driver::optionalPassNames();
  for (auto [list, into, flag] :
       {std::tuple{&enablePasses, &o.compile.enabledPasses, "--enable-pass="},
        std::tuple{&disablePasses, &o.compile.disabledPasses, "--disable-pass="}})
    for (const std::string &name : *list) {
      if (std::find(known.begin(), known.end(), name) == known.end())
        return fail("unknown pass '" + name + "'");
      into->insert(name);
      o.cvcFlags.push_back(flag + name);
    }
  o.compareModel = !noModelCompare;
  o.cvcPath = sibling(argv[0], "cvc");
  o.cvcRunPath = sibling(argv[0], "cvc-run");
  if (o.compareModel && (o.cvcPath.empty() || o.cvcRunPath.empty()))
    o.compareModel = false;

  // Ctrl-C: stop measuring, keep what was measured; a second one kills.
  struct sigaction action {};
  action.sa_handler = onSignal;
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return cvc::tune::runTuner(o);
}
