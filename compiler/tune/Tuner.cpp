//===- Tuner.cpp - profile, budget, search, confirm, record, report ----===//
#include "cvc/tune/Tuner.h"

#include "cvc/driver/Driver.h"
#include "cvc/files/TempFolder.h"
#include "cvc/files/TerminalText.h"
#include "cvc/driver/ModelPlan.h"
#include "cvc/tune/Database.h"
#include "cvc/tune/Measure.h"
#include "cvc/tune/Search.h"
#include "cvc/passes/Passes.h"

#include "cv/CvOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>

#include <sched.h>
#include <unistd.h>

using namespace mlir;

namespace cvc::tune {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string duration(double seconds) {
  int s = static_cast<int>(std::max(0.0, seconds) + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof(text), "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(text, sizeof(text), "%d:%02d", s / 60, s % 60);
  return text;
}

std::string fixed(double v, int digits) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", digits, v);
  return text;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

/// Interquartile range over the median: the rounds' relative spread.
double relativeSpread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.size() < 2 || v[v.size() / 2] <= 0)
    return 0;
  auto at = [&](double q) { return v[static_cast<size_t>(q * (v.size() - 1) + 0.5)]; };
  return (at(0.75) - at(0.25)) / at(0.5);
}

/// One distinct kernel of the model and everything the run learns of it.
struct TunableKernel {
  Operation *op = nullptr;
  std::string signature, label;
  std::unique_ptr<llvm::DenseSet<Value>> strided;
  halide::ScheduleSpace space;
  KernelUnderTest test;
  TuningKey key;
  int uses = 0;
  double defaultMs = 0, share = 0;
  /// The same computation as another op (a convolution's Winograd or direct
  /// form): the partner's signature. A twin is not in the plan; cvc
  /// --tuning-db picks the faster of the two.
  std::string partner;
  bool twin = false;
  // Outcome.
  std::string status;           ///< "", "tuned", "default kept", "already tuned", "skipped: ..."
  std::optional<halide::SchedulePoint> best;
  double bestMs = 0;            ///< search's best (single measurement)
  double confirmedDefaultMs = 0, confirmedBestMs = 0;
  int trials = 0, wrong = 0, crashed = 0;
  std::string chosenPoint;
};

/// A point written by another kernel's space, read with this one's labels
/// (its values need not be legal here: projectPoint makes them so).
std::optional<halide::SchedulePoint> parseLoose(const halide::ScheduleSpace &space,
                                                const std::string &text) {
  std::istringstream in(text);
  std::string algorithm;
  if (!(in >> algorithm))
    return std::nullopt;
  const halide::ScheduleAlgorithm *a = space.find(algorithm);
  if (!a)
    return std::nullopt;
  halide::SchedulePoint point(algorithm);
  std::string item;
  while (in >> item) {
    size_t eq = item.find('=');
    if (eq == std::string::npos)
      return std::nullopt;
    std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    for (const halide::ScheduleParam &p : a->params) {
      if (p.name != name)
        continue;
      std::optional<int64_t> v;
      for (size_t i = 0; i < p.labels.size(); ++i)
        if (p.labels[i] == value)
          v = p.values[i];
      if (!v) {
        char *end = nullptr;
        long long n = std::strtoll(value.c_str(), &end, 10);
        if (end && *end == '\0' && !value.empty())
          v = n;
      }
      if (v)
        point.set(name, *v);
    }
  }
  return point;
}

/// The progress line: on a terminal one line rewritten in place, elsewhere
/// a line at most every 15 s.
class Progress {
public:
  Progress() : tty(isatty(STDERR_FILENO)) {}
  void show(const std::string &line) {
    if (tty) {
      std::string shown = line.size() > 150 ? line.substr(0, 150) : line;
      std::fprintf(stderr, "\r\033[K%s", shown.c_str());
      std::fflush(stderr);
      dirty = true;
    } else if (secondsSince(last) >= 15) {
      std::fprintf(stderr, "%s\n", line.c_str());
      last = Clock::now();
    }
  }
  /// A message on its own line (the progress line comes back after it).
  void say(const std::string &message) {
    clear();
    std::fprintf(stderr, "%s\n", message.c_str());
  }
  void clear() {
    if (tty && dirty)
      std::fprintf(stderr, "\r\033[K");
    dirty = false;
  }

private:
  bool tty, dirty = false;
  Clock::time_point last = Clock::now() - std::chrono::seconds(60);
};

class Tuner {
public:
  Tuner(const TuneOptions &options) : o(options) {}
  int run();

private:
  LogicalResult loadAndPlan();
  void collectKernels();
  void addAlgorithmTwins();
  double tunedTime(const TunableKernel &k) const;
  void profile();
  void search(TunableKernel &k, double budget);
  void confirm(TunableKernel &k);
  void report();
  void compareWholeModel();
  std::string workFile(const std::string &name) const { return work + "/" + name; }
  void recordTrial(TunableKernel &k, const halide::SchedulePoint &p, const Timing &t);

  TuneOptions o;
  int threads = 1, jobs = 1;
  Clock::time_point start = Clock::now();
  std::string work;
  std::unique_ptr<MLIRContext> ctx;
  std::unique_ptr<ScopedDiagnosticHandler> diagnostics;
  OwningOpRef<ModuleOp> module;
  std::unique_ptr<driver::ModelPlan> plan;
  std::string target;
  halide::KernelContext baseContext;
  std::map<std::string, std::pair<Operation *, halide::KernelContext>> seen;
  std::map<std::string, std::unique_ptr<llvm::DenseSet<Value>>> seenStrided;
  std::vector<TunableKernel> kernels;
  std::optional<TuningDatabase> db;
  std::unique_ptr<Measurer> measurer;
  Progress progress;
  std::string strategyUsed;
  bool interrupted = false;
};

LogicalResult Tuner::loadAndPlan() {
  DialectRegistry registry;
  driver::registerDialects(registry);
  // No threads: the measurer forks, and a fork copies only the calling thread.
  ctx = std::make_unique<MLIRContext>(registry, MLIRContext::Threading::DISABLED);
  ctx->loadAllAvailableDialects();
  diagnostics = std::make_unique<ScopedDiagnosticHandler>(ctx.get(), [](Diagnostic &d) {
    const char *severity = d.getSeverity() == DiagnosticSeverity::Error     ? "error"
                           : d.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                                            : "note";
    llvm::errs() << "cvc-tune: " << severity << ": " << files::printable(d.str()) << "\n";
    return success();
  });
  module = driver::loadModel(*ctx, o.compile);
  if (!module || failed(driver::attachTarget(*module, o.compile)))
    return failure();
  // Candidates are timed by running them, which a GPU target's kernels
  // cannot do here yet.
  if (halide::runsOnGpu(cv::TargetAttr::of(*module)))
    return emitError(module->getLoc())
           << "cannot tune for target '" << cv::TargetAttr::of(*module).getHalide()
           << "': candidates are measured by running them, and running GPU kernels is not "
              "implemented yet";
  PassManager pm(ctx.get());
  driver::buildPassPipeline(pm, o.compile, *module);
  if (failed(pm.run(*module)))
    return failure();
  cv::TargetAttr attr = cv::TargetAttr::of(*module);
  target = attr.getHalide().str();
  baseContext = halide::kernelContextFor(attr);

  driver::PlanOptions planOptions;
  planOptions.modelName = llvm::sys::path::stem(o.compile.inputPath).str();
  planOptions.context = baseContext;
  // The plan's own lowering tells each kernel's op, signature and context.
  planOptions.chooseSchedule = [this](Operation *op, const std::string &signature,
                                      const halide::ScheduleSpace &,
                                      const halide::KernelContext &context)
      -> std::optional<halide::ScheduleChoice> {
    if (!seen.count(signature)) {
      auto strided = std::make_unique<llvm::DenseSet<Value>>();
      if (context.stridedValues)
        *strided = *context.stridedValues;
      halide::KernelContext copy = context;
      copy.stridedValues = strided.get();
      seen[signature] = {op, copy};
      seenStrided[signature] = std::move(strided);
    }
    return std::nullopt;
  };
  FailureOr<std::unique_ptr<driver::ModelPlan>> planned = driver::planModel(*module, planOptions);
  if (failed(planned))
    return failure();
  plan = std::move(*planned);
  return success();
}

void Tuner::collectKernels() {
  // The entry whose speed matters: the training step when training.
  std::string entryName = o.compile.train ? "train_step" : "main";
  std::vector<int> uses(plan->functions.size(), 0);
  for (const driver::PlannedEntry &entry : plan->entries) {
    if (entry.name != entryName)
      continue;
    for (int i = entry.firstKernel; i < entry.firstKernel + entry.kernelCount; ++i)
      ++uses[plan->kernels[i].function];
  }
  for (size_t f = 0; f < plan->functions.size(); ++f) {
    const driver::CompiledFunction &function = plan->functions[f];
    auto it = seen.find(function.signature);
    if (!uses[f] || it == seen.end())
      continue; // a copy, a load-time kernel, or another entry's
    TunableKernel k;
    k.op = it->second.first;
    k.signature = function.signature;
    k.strided = std::move(seenStrided[function.signature]);
    halide::KernelContext context = it->second.second;
    context.stridedValues = k.strided.get();
    context.cores = threads;
    FailureOr<halide::ScheduleSpace> space = halide::scheduleSpaceOf(k.op, context);
    if (failed(space))
      continue;
    k.space = std::move(*space);
    k.uses = uses[f];
    std::string shape;
    if (auto type = llvm::dyn_cast<RankedTensorType>(k.op->getResult(0).getType())) {
      for (int64_t d : type.getShape())
        shape += (shape.empty() ? "" : "x") + (d < 0 ? std::string("N") : std::to_string(d));
    }
    k.label = function.kernel.ops + " " + shape;
    k.key = {target, threads, o.batch, k.signature};
    k.test.op = k.op;
    k.test.context = context;
    k.test.batch = o.batch;
    k.test.label = k.label;
    k.test.referencePath = workFile("reference" + std::to_string(kernels.size()) + ".bin");
    kernels.push_back(std::move(k));
  }
}

/// Algorithm choices that are other ops: each convolution that Winograd
/// could compute is measured in both forms (the one not in the plan built
/// beside it, unused), so that cvc --tuning-db can take the faster.
void Tuner::addAlgorithmTwins() {
  size_t planned = kernels.size();
  for (size_t i = 0; i < planned; ++i) {
    Operation *op = kernels[i].op;
    OpBuilder b(op);
    Operation *twin = nullptr;
    std::string from, to;
    if (auto winograd = llvm::dyn_cast<cv::WinogradConv2DOp>(op)) {
      twin = buildDirectConv(b, winograd);
      from = "cv.conv2d_winograd";
      to = "cv.conv2d_blocked";
    } else if (auto direct = llvm::dyn_cast<cv::BlockedConv2DOp>(op);
               direct && winogradIneligibility(direct).empty()) {
      twin = buildWinogradConv(b, direct, o.compile.winogradTile);
      from = "cv.conv2d_blocked";
      to = "cv.conv2d_winograd";
    }
    if (!twin)
      continue;
    TunableKernel &k = kernels[i];
    TunableKernel t;
    t.op = twin;
    std::string own = halide::kernelSignature(op);
    // The planner's marks of strided views, which the twin shares.
    std::string views = k.signature.size() > own.size() ? k.signature.substr(own.size()) : "";
    t.signature = halide::kernelSignature(twin) + views;
    t.strided = std::make_unique<llvm::DenseSet<Value>>(*k.strided);
    if (t.strided->contains(op->getResult(0)))
      t.strided->insert(twin->getResult(0));
    halide::KernelContext context = k.test.context;
    context.stridedValues = t.strided.get();
    FailureOr<halide::ScheduleSpace> space = halide::scheduleSpaceOf(twin, context);
    if (failed(space))
      continue;
    t.space = std::move(*space);
    t.uses = k.uses;
    t.label = k.label;
    if (size_t at = t.label.find(from); at != std::string::npos)
      t.label.replace(at, from.size(), to);
    t.label += " (alternative)";
    t.key = {target, threads, o.batch, t.signature};
    t.test = k.test;
    t.test.op = twin;
    t.test.context = context;
    t.test.label = t.label;
    t.test.referencePath = workFile("reference" + std::to_string(kernels.size()) + ".bin");
    t.partner = k.signature;
    t.twin = true;
    k.partner = t.signature;
    kernels.push_back(std::move(t));
  }
}

/// What a kernel takes tuned: its kept point's confirmed time.
double Tuner::tunedTime(const TunableKernel &k) const {
  bool tuned = k.status == "tuned" || k.status == "already tuned";
  double d = k.confirmedDefaultMs > 0 ? k.confirmedDefaultMs : k.defaultMs;
  return tuned ? k.confirmedBestMs : d;
}

void Tuner::recordTrial(TunableKernel &k, const halide::SchedulePoint &p, const Timing &t) {
  TrialRecord r;
  r.key = k.key;
  r.point = k.space.format(p);
  r.strategy = o.strategy;
  if (t.outcome == Outcome::Ok)
    r.ms = t.medianMs;
  r.status = outcomeName(t.outcome);
  std::string error;
  if (!db->append(r, error))
    progress.say("cvc-tune: warning: " + error);
}

void Tuner::profile() {
  progress.say("cvc-tune: profiling " + std::to_string(kernels.size()) +
               " distinct kernels at their default schedules (batch " +
               std::to_string(o.batch) + ", " + std::to_string(threads) + " thread" +
               (threads > 1 ? "s" : "") + ")");
  // References in batches: they compile in parallel, then time one by one.
  for (size_t first = 0; first < kernels.size() && !stopRequested; ++first) {
    TunableKernel &k = kernels[first];
    progress.show("profile [" + std::to_string(first + 1) + "/" + std::to_string(kernels.size()) +
                  "] " + k.label);
    Timing t = measurer->establishReference(k.test, k.space.defaultPoint);
    if (t.outcome != Outcome::Interrupted)
      recordTrial(k, k.space.defaultPoint, t);
    if (t.outcome != Outcome::Ok) {
      k.status = std::string("skipped: the default schedule ") + outcomeName(t.outcome) +
                 (t.detail.empty() ? "" : " (" + t.detail + ")");
      continue;
    }
    k.defaultMs = t.medianMs;
    // Candidates get 30 times the default's compile time, within [20 s, 180 s].
    k.test.compileTimeout = std::clamp(30 * t.compileSeconds, 20.0, 180.0);
  }
  // Shares of the model's time: its planned kernels'. A twin (the other
  // algorithm, not in the plan) gets its partner's share scaled by how far
  // it starts behind: a form twice as slow at its default must become twice
  // as fast before it matters (measured: a direct 3x3 beside its Winograd
  // form took as much time as the Winograd search and never won).
  double total = 0;
  for (const TunableKernel &k : kernels)
    if (!k.twin)
      total += k.uses * k.defaultMs;
  std::map<std::string, const TunableKernel *> planned;
  for (TunableKernel &k : kernels)
    if (!k.twin) {
      k.share = total > 0 ? k.uses * k.defaultMs / total : 0;
      planned[k.signature] = &k;
    }
  for (TunableKernel &k : kernels)
    if (k.twin) {
      const TunableKernel *partner = planned[k.partner];
      double behind = partner && k.defaultMs > 0 ? std::min(1.0, partner->defaultMs / k.defaultMs)
                                                 : 1.0;
      k.share = partner ? partner->share * behind : 0;
    }
  std::stable_sort(kernels.begin(), kernels.end(),
                   [](const TunableKernel &a, const TunableKernel &b) { return a.share > b.share; });
  progress.say("cvc-tune: profile done in " + duration(secondsSince(start)) +
               ": the kernels at their defaults sum to " + fixed(total, 3) + " ms per run");
}

void Tuner::search(TunableKernel &k, double budget) {
  auto kernelStart = Clock::now();
  std::vector<Trial> history;
  history.push_back({k.space.defaultPoint, k.defaultMs});
  // Resume: this key's trials from earlier runs.
  for (const TrialRecord *r : db->trialsOf(k.key)) {
    std::string error;
    if (std::optional<halide::SchedulePoint> p = k.space.parse(r->point, error))
      history.push_back({*p, r->ms});
  }
  if (history.size() > 1)
    progress.say("cvc-tune: " + k.label + ": resuming after " + std::to_string(history.size() - 1) +
                 " earlier trials");
  std::vector<halide::SchedulePoint> seeds;
  if (o.warmStart)
    for (const TunedRecord *n : db->neighbours(k.key, 3))
      if (std::optional<halide::SchedulePoint> loose = parseLoose(k.space, n->point))
        if (std::optional<halide::SchedulePoint> p = projectPoint(k.space, *loose))
          seeds.push_back(*p);
  std::unique_ptr<Strategy> strategy =
      makeStrategy(o.strategy, k.space, seeds, o.seed ^ std::hash<std::string>{}(k.signature));
  if (!strategy) {
    k.status = "skipped: no " + o.strategy + " schedule for this op";
    return;
  }
  auto bestOf = [&]() {
    const Trial *best = nullptr;
    for (const Trial &t : history)
      if (t.ms && (!best || *t.ms < *best->ms))
        best = &t;
    return best;
  };
  while (!stopRequested && secondsSince(kernelStart) < budget) {
    std::vector<halide::SchedulePoint> points = strategy->propose(history, jobs);
    if (points.empty())
      break;
    std::vector<Timing> timings = measurer->measure(k.test, points);
    for (size_t i = 0; i < points.size(); ++i) {
      const Timing &t = timings[i];
      if (t.outcome == Outcome::Interrupted) {
        interrupted = true;
        continue;
      }
      recordTrial(k, points[i], t);
      ++k.trials;
      if (t.outcome == Outcome::Wrong)
        ++k.wrong;
      if (t.outcome == Outcome::Crashed || t.outcome == Outcome::Timeout)
        ++k.crashed;
      if (t.outcome != Outcome::Ok && (o.verbose || t.outcome == Outcome::Wrong))
        progress.say("cvc-tune: " + k.label + ": '" + k.space.format(points[i]) + "' " +
                     outcomeName(t.outcome) + (t.detail.empty() ? "" : ": " + t.detail) +
                     "; discarded");
      else if (o.verbose)
        progress.say("cvc-tune: " + k.label + ": '" + k.space.format(points[i]) + "' " +
                     fixed(t.medianMs, 4) + " ms");
      history.push_back({points[i], t.outcome == Outcome::Ok ? std::optional<double>(t.medianMs)
                                                             : std::nullopt});
    }
    const Trial *best = bestOf();
    double left = o.budgetSeconds - secondsSince(start);
    progress.show("[" + std::to_string(&k - kernels.data() + 1) + "/" +
                  std::to_string(kernels.size()) + "] " + k.label + "  trial " +
                  std::to_string(history.size() - 1) + "  best " +
                  fixed(k.defaultMs / *best->ms, 2) + "x  kernel " +
                  duration(secondsSince(kernelStart)) + "/" + duration(budget) + "  left " +
                  duration(left));
  }
  const Trial *best = bestOf();
  k.best = best->point;
  k.bestMs = *best->ms;
}

void Tuner::confirm(TunableKernel &k) {
  const halide::SchedulePoint &def = k.space.defaultPoint;
  std::string defaultText = k.space.format(def);
  k.chosenPoint = defaultText;
  k.status = "default kept";
  k.confirmedDefaultMs = k.confirmedBestMs = k.defaultMs;
  if (!k.best || *k.best == def || k.bestMs >= k.defaultMs) {
    k.status = "default kept (nothing faster found)";
  } else if (!stopRequested) {
    MeasureOptions mo = measurer->settings();
    Comparison c = measurer->compare(k.test, def, *k.best, o.confirmRounds);
    if (c.outcome == Outcome::Ok) {
      k.confirmedDefaultMs = median(c.aMs);
      k.confirmedBestMs = median(c.bMs);
      double spread = std::max({relativeSpread(c.aMs), relativeSpread(c.bMs), 0.01});
      double gain = (k.confirmedDefaultMs - k.confirmedBestMs) / k.confirmedDefaultMs;
      if (gain > spread) {
        k.chosenPoint = k.space.format(*k.best);
        k.status = "tuned";
      } else if (gain > 0) {
        k.status = "default kept (" + fixed(100 * gain, 1) + "% faster, within the " +
                   fixed(100 * spread, 1) + "% spread)";
      } else {
        // The search's best was a lucky sample: side by side it loses.
        k.status = "default kept (the best candidate was " + fixed(-100 * gain, 1) +
                   "% slower when confirmed)";
      }
      TunedRecord r;
      r.key = k.key;
      r.point = k.chosenPoint;
      r.defaultMs = k.confirmedDefaultMs;
      r.tunedMs = k.status == "tuned" ? k.confirmedBestMs : k.confirmedDefaultMs;
      r.spread = spread;
      r.strategy = o.strategy;
      r.trials = k.trials;
      std::string error;
      if (!db->append(r, error))
        progress.say("cvc-tune: warning: " + error);
      return;
    }
    if (c.outcome == Outcome::Interrupted)
      return;
    k.status = std::string("default kept (the confirming run ") + outcomeName(c.outcome) + ")";
  }
  if (stopRequested)
    return; // unfinished: the next run resumes from the trials
  TunedRecord r;
  r.key = k.key;
  r.point = k.chosenPoint;
  r.defaultMs = r.tunedMs = k.defaultMs;
  r.strategy = o.strategy;
  r.trials = k.trials;
  std::string error;
  if (!db->append(r, error))
    progress.say("cvc-tune: warning: " + error);
}

void Tuner::report() {
  progress.clear();
  llvm::raw_ostream &os = llvm::outs();
  os << "\ncvc-tune: " << o.compile.inputPath << ", batch " << o.batch << ", " << threads
     << " thread" << (threads > 1 ? "s" : "") << ", strategy " << o.strategy << ", "
     << duration(secondsSince(start)) << " (budget " << duration(o.budgetSeconds) << ")\n";
  os << "database: " << o.databasePath << "\n\n";
  char line[512];
  std::snprintf(line, sizeof(line), "%3s %-44s %4s %6s %10s %10s %8s %6s  %s\n", "#", "kernel",
                "uses", "share", "default ms", "tuned ms", "speed-up", "trials", "schedule");
  os << line;
  double before = 0, after = 0;
  std::map<std::string, const TunableKernel *> bySignature;
  for (const TunableKernel &k : kernels)
    bySignature[k.signature] = &k;
  std::vector<std::string> choices;
  for (size_t i = 0; i < kernels.size(); ++i) {
    const TunableKernel &k = kernels[i];
    std::string label = k.label.size() > 44 ? k.label.substr(0, 41) + "..." : k.label;
    bool tuned = k.status == "tuned" || k.status == "already tuned";
    double d = k.confirmedDefaultMs > 0 ? k.confirmedDefaultMs : k.defaultMs;
    double t = tunedTime(k);
    if (!k.twin) {
      before += k.uses * d;
      double best = t;
      auto partner = bySignature.find(k.partner);
      auto finished = [](const std::string &status) {
        return status.rfind("tuned", 0) == 0 || status.rfind("already tuned", 0) == 0 ||
               status.rfind("default kept", 0) == 0;
      };
      if (partner != bySignature.end() && finished(k.status) &&
          finished(partner->second->status)) {
        double other = tunedTime(*partner->second);
        bool winograd = k.signature.rfind("cv.conv2d_winograd", 0) == 0;
        bool takeOther = other < t;
        best = std::min(t, other);
        choices.push_back(k.label + ": " + ((winograd != takeOther) ? "Winograd" : "direct") +
                          " (Winograd " + fixed(winograd ? t : other, 4) + " ms, direct " +
                          fixed(winograd ? other : t, 4) + " ms)");
      }
      after += k.uses * best;
    }
    std::string what = k.status.empty() ? "not searched (budget or interrupt)" : k.status;
    if (tuned)
      what += ": " + k.chosenPoint;
    std::snprintf(line, sizeof(line), "%3zu %-44s %4d %5.1f%% %10.4f %10.4f %7.2fx %6d  %s\n",
                  i, label.c_str(), k.uses, 100 * k.share, d, t, t > 0 ? d / t : 1.0, k.trials,
                  what.c_str());
    os << line;
  }
  if (!choices.empty()) {
    os << "\nWinograd or direct, by the tuned times of both (cvc --tuning-db takes the faster):\n";
    for (const std::string &c : choices)
      os << "  " << c << "\n";
  }
  os << "\nkernels summed per run: " << fixed(before, 3) << " ms at the defaults, "
     << fixed(after, 3) << " ms tuned (" << fixed(after > 0 ? before / after : 1, 3) << "x)\n";
  int wrong = 0, crashed = 0, trials = 0;
  for (const TunableKernel &k : kernels) {
    wrong += k.wrong;
    crashed += k.crashed;
    trials += k.trials;
  }
  os << trials << " candidates measured; " << wrong << " computed a wrong result and "
     << crashed << " crashed or hung, all discarded\n";
  os.flush();
}

/// `cvc` then `cvc-run` as child processes; the median ms cvc-run reports.
std::optional<double> timeModel(const std::string &cvcRun, const std::string &so, int batch,
                                int threads, int iterations, std::string &error) {
  std::string out = so + ".out";
  std::vector<std::string> args = {cvcRun,      so, "--batch", std::to_string(batch), "--threads",
                                   std::to_string(threads), "--iterations",
                                   std::to_string(iterations), "--warmup", "3"};
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(out),
                                                llvm::StringRef(out)};
  int rc = llvm::sys::ExecuteAndWait(cvcRun, refs, std::nullopt, redirects, 600, 0, &error);
  std::ifstream file(out);
  std::stringstream text;
  text << file.rdbuf();
  llvm::sys::fs::remove(out);
  std::smatch m;
  std::string s = text.str();
  if (rc != 0 || !std::regex_search(s, m, std::regex("median ([0-9.]+) ms"))) {
    if (error.empty())
      error = "cvc-run failed: " + s.substr(0, 300);
    return std::nullopt;
  }
  return std::atof(m[1].str().c_str());
}

void Tuner::compareWholeModel() {
  if (!o.compareModel || o.cvcPath.empty() || o.compile.train)
    return;
  auto compileOne = [&](const std::string &so, bool tuned, std::string &error) {
    std::vector<std::string> args = {o.cvcPath, o.compile.inputPath, "-o", so};
    args.insert(args.end(), o.cvcFlags.begin(), o.cvcFlags.end());
    if (tuned) {
      args.insert(args.end(), {"--tuning-db", o.databasePath, "--tuning-threads",
                               std::to_string(threads), "--tuning-batch", std::to_string(o.batch)});
      if (!o.warmStart)
        args.push_back("--no-warm-start");
    }
    std::vector<llvm::StringRef> refs(args.begin(), args.end());
    std::string log = so + ".log";
    std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(log),
                                                  llvm::StringRef(log)};
    int rc = llvm::sys::ExecuteAndWait(o.cvcPath, refs, std::nullopt, redirects, 1800, 0, &error);
    if (rc != 0 && error.empty()) {
      std::ifstream file(log);
      std::stringstream text;
      text << file.rdbuf();
      error = "cvc failed: " + text.str().substr(0, 400);
    }
    return rc == 0;
  };
  std::string defaultSo = workFile("default.so"), tunedSo = workFile("tuned.so"), error;
  progress.say("cvc-tune: compiling the whole model with and without the database to compare");
  if (!compileOne(defaultSo, false, error) || !compileOne(tunedSo, true, error)) {
    progress.say("cvc-tune: warning: no whole-model comparison: " + error);
    return;
  }
  // About a second per measurement, five interleaved rounds.
  std::optional<double> probe = timeModel(o.cvcRunPath, defaultSo, o.batch, threads, 5, error);
  if (!probe) {
    progress.say("cvc-tune: warning: no whole-model comparison: " + error);
    return;
  }
  int iterations = static_cast<int>(std::clamp(1000.0 / std::max(*probe, 1e-3), 10.0, 5000.0));
  std::vector<double> d, t;
  for (int round = 0; round < 5 && !stopRequested; ++round) {
    for (int j = 0; j < 2; ++j) {
      bool tunedFirst = (round + j) % 2 == 1;
      std::optional<double> ms = timeModel(o.cvcRunPath, tunedFirst ? tunedSo : defaultSo,
                                           o.batch, threads, iterations, error);
      if (!ms) {
        progress.say("cvc-tune: warning: no whole-model comparison: " + error);
        return;
      }
      (tunedFirst ? t : d).push_back(*ms);
    }
  }
  if (d.empty() || t.empty())
    return;
  double dm = median(d), tm = median(t);
 llvm::outs() << "whole model (cvc-run, batch " << o.batch << ", " << threads
               << " threads, median of 5 interleaved rounds of " << iterations << " runs): " << fixed(dm, 3)
               << " ms with the default schedules, " << fixed(tm, 3) << " ms with the database ("
               << fixed(dm / tm, 3) << "x)\n";
  llvm::outs().flush();
}

int Tuner::run() {
  threads = o.threads > 0 ? o.threads : [] {
    cpu_set_t set;
    return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
  }();
  jobs = o.compileJobs > 0 ? o.compileJobs : threads;
  std::optional<files::TempFolder> scratch;
  if (o.workDir.empty()) {
    scratch.emplace("cvc-tune");
    if (!scratch->ok()) {
      llvm::errs() << "cvc-tune: error: " << scratch->error() << "\n";
      return 1;
    }
    work = scratch->path();
  } else {
    work = o.workDir;
    llvm::sys::fs::create_directories(work);
  }

  std::string error;
  db = TuningDatabase::open(o.databasePath, error);
  if (!db) {
    llvm::errs() << "cvc-tune: error: " << error << "\n";
    return 1;
  }
  for (const std::string &w : db->warnings())
    llvm::errs() << "cvc-tune: warning: " << w << "\n";

  if (failed(loadAndPlan()))
    return 1;
  collectKernels();
  addAlgorithmTwins();
  if (kernels.empty()) {
    llvm::errs() << "cvc-tune: the model has no kernels to tune\n";
    return 0;
  }
  MeasureOptions mo;
  mo.threads = threads;
  mo.compileJobs = jobs;
  mo.seconds = o.secondsPerTiming;
  mo.coldWeights = o.coldWeights;
  mo.logPath = workFile("children.log");
  measurer = std::make_unique<Measurer>(mo);

  // Already tuned kernels keep their record (and are not measured again).
  for (TunableKernel &k : kernels)
    if (!o.retune)
      if (const TunedRecord *r = db->findTuned(k.key)) {
        k.status = "already tuned";
        k.chosenPoint = r->point;
        k.defaultMs = k.confirmedDefaultMs = r->defaultMs;
        k.confirmedBestMs = r->tunedMs;
        k.trials = r->trials;
        if (r->point == k.space.format(k.space.defaultPoint))
          k.status = "already tuned (default kept)";
      }
  std::vector<TunableKernel *> todo;
  profile();
  for (TunableKernel &k : kernels)
    if (k.status.empty() && k.share >= o.minShare)
      todo.push_back(&k);
    else if (k.status.empty())
      k.status = "skipped: " + fixed(100 * k.share, 2) + "% of the model";

  double remainingShare = 0;
  for (TunableKernel *k : todo)
    remainingShare += k->share;
  for (TunableKernel *k : todo) {
    if (stopRequested)
      break;
    double left = o.budgetSeconds - secondsSince(start);
    if (left <= 0) {
      k->status = "not searched: the budget was spent";
      continue;
    }
    double budget = remainingShare > 0 ? left * k->share / remainingShare : 0;
    remainingShare -= k->share;
    search(*k, budget);
    if (k->status.rfind("skipped", 0) == 0)
      continue;
    confirm(*k);
    progress.say("cvc-tune: [" + std::to_string(k - kernels.data() + 1) + "/" +
                 std::to_string(kernels.size()) + "] " + k->label + ": " + k->status +
                 (k->status == "tuned" ? " " + fixed(k->confirmedDefaultMs / k->confirmedBestMs, 2) +
                                             "x (" + k->chosenPoint + ")"
                                       : "") +
                 ", " + std::to_string(k->trials) + " trials");
  }
  if (stopRequested) {
    interrupted = true;
    progress.say("cvc-tune: interrupted; every measurement so far is in " + o.databasePath +
                 " and the next run resumes from it");
  }
  report();
  if (!stopRequested)
    compareWholeModel();
  return interrupted ? 130 : 0;
}

} // namespace

int runTuner(const TuneOptions &options) {
  Tuner tuner(options);
  // Diagnostics of the model's import and passes, as cvc prints them.
  return tuner.run();
}

} // namespace cvc::tune
