//===- Measure.cpp - candidates in child processes: build, check, time ---===//
//
// The parent and a child talk over two pipes in lines of text:
//   child  -> parent   "ready SECONDS" | "failed MESSAGE"
//   parent -> child    one byte: go (a closed pipe means: exit)
//   child  -> parent   "time MEDIAN MIN P25 P75 RUNS" | "wrong DETAIL" |
//                      "rounds A1,A2,... B1,B2,..." | "failed MESSAGE"
// A child that exits or dies without its last line crashed; one that
// misses a deadline is killed and timed out.
//
//===----------------------------------------------------------------------===//
#include "cvc/tune/Measure.h"

#include "cvc/files/AtomicFile.h"
#include "cvc/halide/Lowering.h"

#include "cv/CvOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include "ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cvc::tune {

std::atomic<bool> stopRequested{false};

const char *outcomeName(Outcome outcome) {
  switch (outcome) {
  case Outcome::Ok: return "ok";
  case Outcome::Wrong: return "wrong";
  case Outcome::Crashed: return "crashed";
  case Outcome::Timeout: return "timeout";
  case Outcome::Failed: return "failed";
  case Outcome::Interrupted: return "interrupted";
  }
  return "failed";
}

namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

//===----------------------------------------------------------------------===//
// In the child
//===----------------------------------------------------------------------===//

/// Halide order (innermost first), a dynamic batch as `batch`.
std::vector<int> extentsOf(mlir::Value v, int batch) {
  auto type = llvm::cast<mlir::RankedTensorType>(v.getType());
  std::vector<int> extents;
  for (int64_t i = type.getRank() - 1; i >= 0; --i)
    extents.push_back(type.isDynamicDim(i) ? batch : static_cast<int>(type.getDimSize(i)));
  return extents;
}

/// Values in [0, 1): class labels read from them are 0, variances and the
/// operands of logarithms and roots are valid.
Halide::Buffer<> randomBuffer(Halide::Type type, const std::vector<int> &extents,
                              std::mt19937 &rng) {
  Halide::Buffer<> buffer(type, extents);
  if (type == Halide::Float(32)) {
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    Halide::Buffer<float> f(buffer);
    f.for_each_value([&](float &x) { x = u(rng); });
  } else {
    std::memset(buffer.data(), 0, buffer.size_in_bytes());
  }
  return buffer;
}

int parallelFor(Halide::JITUserContext *context,
                int (*task)(Halide::JITUserContext *, int, uint8_t *), int min, int size,
                uint8_t *closure) {
  return halide_do_par_for(context, reinterpret_cast<halide_task_t>(task), min, size, closure);
}

/// A kernel's random inputs and its output at one batch.
struct Buffers {
  std::vector<Halide::Buffer<>> inputs;
  std::vector<bool> weights; ///< per input: a weight (cold in a model's run)
  Halide::Buffer<> output;
};

/// The activation inputs read back, a slice per thread of the pool.
struct ReadBack {
  const Buffers *buffers;
  int slices;
  std::vector<float> sums;
};

int readSlice(void *, int slice, uint8_t *closure) {
  auto *r = reinterpret_cast<ReadBack *>(closure);
  float sum = 0;
  for (size_t i = 0; i < r->buffers->inputs.size(); ++i) {
    if (r->buffers->weights[i])
      continue;
    const auto &input = r->buffers->inputs[i];
    const char *p = static_cast<const char *>(input.data());
    size_t bytes = input.size_in_bytes();
    size_t begin = bytes * slice / r->slices / 64 * 64, end = bytes * (slice + 1) / r->slices;
    for (size_t at = begin; at < end; at += 64)
      sum += p[at];
  }
  r->sums[slice] = sum;
  return 0;
}

/// What a kernel finds when a model runs it: its weights were last touched
/// a whole inference ago (gone from the caches once a model's weights
/// outgrow them), its activations were just written by the layer before,
/// on every thread, whose workers are therefore still awake. So before each
/// timed run the caches are flushed by writing a buffer of twice the
/// last-level cache, then the activation inputs are read back in by a
/// parallel loop on the pool. Timing a kernel over and over with everything
/// hot made weight-bound layers look several times faster than in the
/// model; timing it after a flush on one thread, with the pool's workers
/// asleep, made small parallel kernels (7x7 layout conversions, channel
/// scales) pay a wake-up the model never pays, and 3-5x slower than a
/// serial point that then lost in the model.
class CacheState {
public:
  void prepare(const Buffers &b) {
    if (flush.empty())
      flush.assign(std::max<uint64_t>(2 * halide::lastLevelCacheBytes(), 16u << 20), 0);
    for (size_t i = 0; i < flush.size(); i += 64)
      flush[i] = static_cast<char>(flush[i] + 1);
    cvc::runtime::ThreadPool *pool = cvc::runtime::ThreadPool::current();
    ReadBack r{&b, pool ? pool->threadCount() : 1, {}};
    r.sums.assign(r.slices, 0.0f);
    halide_do_par_for(nullptr, readSlice, 0, r.slices, reinterpret_cast<uint8_t *>(&r));
    volatile float sink = 0;
    for (float s : r.sums)
      sink = sink + s;
    (void)sink;
  }

private:
  std::vector<char> flush;
};

struct Built {
  halide::Kernel kernel;
  Buffers timed;                ///< at the tuning batch
  std::optional<Buffers> other; ///< at another batch, when the kernel has a dynamic one
  Halide::Target target;
  bool corrupt = false; ///< the test hook's deliberately wrong candidate

  void run(Buffers &b) {
    if (corrupt) {
      std::memset(b.output.data(), 0, b.output.size_in_bytes());
      return;
    }
    for (size_t i = 0; i < b.inputs.size(); ++i)
      kernel.params[i].set(b.inputs[i]);
    kernel.pipeline.realize(b.output, target);
  }
  void run() { run(timed); }
};

bool hasDynamicDim(mlir::Value v) {
  auto type = llvm::cast<mlir::RankedTensorType>(v.getType());
  return !type.hasStaticShape();
}

/// The batch checked besides the tuning batch: a model.so runs any batch,
/// and a schedule (an autoscheduler's especially) may hold only at the
/// batch it was made for.
int otherBatch(int batch) { return batch == 1 ? 3 : 1; }

/// A weight, or an op the planner computes from weights when a session is
/// created (the Winograd transform).
bool isWeight(mlir::Value v) {
  mlir::Operation *def = v.getDefiningOp();
  return def && (llvm::isa<cv::ConstantOp>(def) ||
                 llvm::all_of(def->getOperands(), [](mlir::Value operand) {
                   return operand.getDefiningOp<cv::ConstantOp>() != nullptr;
                 }));
}

Buffers makeBuffers(const halide::Kernel &kernel, int batch) {
  Buffers b;
  std::mt19937 rng(12345 + batch);
  for (size_t i = 0; i < kernel.params.size(); ++i) {
    b.inputs.push_back(
        randomBuffer(kernel.params[i].type(), extentsOf(kernel.inputs[i], batch), rng));
    b.weights.push_back(isWeight(kernel.inputs[i]));
  }
  Halide::Type outType = kernel.pipeline.outputs()[0].output_types()[0];
  b.output = Halide::Buffer<>(outType, extentsOf(kernel.output, batch));
  return b;
}

std::optional<Built> build(const KernelUnderTest &k, const halide::SchedulePoint &point,
                           std::string &error) {
  mlir::MLIRContext *ctx = k.op->getContext();
  mlir::ScopedDiagnosticHandler capture(ctx, [&](mlir::Diagnostic &d) {
    error += d.str();
    return mlir::success();
  });
  try {
    mlir::FailureOr<halide::Kernel> kernel = halide::lowerOp(k.op, k.context, &point);
    if (mlir::failed(kernel)) {
      if (error.empty())
        error = "lowering failed";
      return std::nullopt;
    }
    Built b;
    b.kernel = std::move(*kernel);
    b.target = k.context.target;
    b.kernel.pipeline.jit_handlers().custom_do_par_for = parallelFor;
    b.kernel.pipeline.compile_jit(b.target);
    b.timed = makeBuffers(b.kernel, k.batch);
    bool dynamic = hasDynamicDim(b.kernel.output);
    for (mlir::Value v : b.kernel.inputs)
      dynamic = dynamic || hasDynamicDim(v);
    if (dynamic)
      b.other = makeBuffers(b.kernel, otherBatch(k.batch));
    return b;
  } catch (const Halide::Error &e) {
    error = e.what();
  } catch (const std::exception &e) {
    error = e.what();
  }
  return std::nullopt;
}

/// "" when `out` matches the reference file within tolerance x (1 + max |ref|);
/// else where and by how much it does not.
std::string checkAgainst(const Halide::Buffer<> &out, const std::string &path, double tolerance) {
  std::ifstream file(path, std::ios::binary);
  std::vector<char> bytes(out.size_in_bytes());
  if (!file.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    return "cannot read the reference output " + path;
  if (out.type() != Halide::Float(32))
    return std::memcmp(bytes.data(), out.data(), bytes.size()) == 0 ? "" : "integer output differs";
  const float *ref = reinterpret_cast<const float *>(bytes.data());
  const float *got = reinterpret_cast<const float *>(out.data());
  size_t n = out.number_of_elements();
  double scale = 0;
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(ref[i]))
      scale = std::max(scale, std::fabs(double(ref[i])));
  double bound = tolerance * (1 + scale);
  for (size_t i = 0; i < n; ++i) {
    bool same = (std::isnan(ref[i]) && std::isnan(got[i])) || ref[i] == got[i] ||
                std::fabs(double(got[i]) - ref[i]) <= bound;
    if (!same) {
      char text[160];
      std::snprintf(text, sizeof(text), "element %zu is %.6g, the default's %.6g (bound %.3g)", i,
                    got[i], ref[i], bound);
      return text;
    }
  }
  return "";
}

struct Stats {
  double median, min, p25, p75;
  int runs;
};

Stats statsOf(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  auto at = [&](double q) { return t[static_cast<size_t>(q * (t.size() - 1) + 0.5)]; };
  return {at(0.5), t.front(), at(0.25), at(0.75), static_cast<int>(t.size())};
}

/// Timed runs until `seconds` have passed and `minRuns` are done, or
/// `maxRuns`; with `cache`, each after making the caches look as they do in
/// a model's run (the preparation is not timed).
std::vector<double> timeRuns(Built &b, double seconds, int minRuns, int maxRuns,
                             CacheState *cache) {
  std::vector<double> times;
  auto start = Clock::now();
  while (static_cast<int>(times.size()) < maxRuns &&
         (static_cast<int>(times.size()) < minRuns || secondsSince(start) < seconds)) {
    if (cache)
      cache->prepare(b.timed);
    auto t0 = Clock::now();
    b.run();
    times.push_back(secondsSince(t0) * 1e3);
  }
  return times;
}

void say(int fd, const std::string &line) {
  std::string text = line + "\n";
  const char *p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      _exit(3);
    p += n;
    left -= static_cast<size_t>(n);
  }
}

std::string oneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > 2000)
    text.resize(2000);
  return text;
}

bool isHooked(const char *variable, const std::string &pointText) {
  const char *value = std::getenv(variable);
  return value && pointText == value;
}

enum class Role { Reference, Candidate, Compare };

/// The child's whole life; never returns.
[[noreturn]] void childMain(const KernelUnderTest &k, Role role,
                            const std::vector<halide::SchedulePoint> &points,
                            const MeasureOptions &o, int in, int out) {
  std::string error;
  std::vector<Built> built;
  auto start = Clock::now();
  for (const halide::SchedulePoint &point : points) {
    std::optional<Built> b = build(k, point, error);
    if (!b) {
      say(out, "failed " + oneLine(error));
      _exit(0);
    }
    // Test-only hooks (docs/tuning.md): a deliberately wrong, fast candidate
    // and a crashing one, to show the tuner discards both.
    mlir::FailureOr<halide::ScheduleSpace> space = halide::scheduleSpaceOf(k.op, k.context);
    std::string text = mlir::succeeded(space) ? space->format(point) : "";
    b->corrupt = isHooked("CVC_TUNE_TEST_WRONG_POINT", text) && role != Role::Reference;
    if (isHooked("CVC_TUNE_TEST_CRASH_POINT", text)) {
      signal(SIGSEGV, SIG_DFL); // past LLVM's handler, which returns from a raised signal
      raise(SIGSEGV);
    }
    built.push_back(std::move(*b));
  }
  char line[64];
  std::snprintf(line, sizeof(line), "ready %.3f", secondsSince(start));
  say(out, line);
  char go = 0;
  if (::read(in, &go, 1) != 1)
    _exit(0);

  cvc::runtime::ThreadPool pool(o.threads);
  cvc::runtime::ScopedPool scope(pool);
  CacheState coldWeights;
  CacheState *cache = o.coldWeights ? &coldWeights : nullptr;
  try {
    // Warm-up, and the outputs to check: at the tuning batch and another.
    for (Built &b : built) {
      b.run();
      if (b.other)
        b.run(*b.other);
    }
    std::string otherPath = k.referencePath + ".batch" + std::to_string(otherBatch(k.batch));
    if (role == Role::Reference) {
      const Built &b = built[0];
      auto bytesOf = [](const auto &buffer) {
        return std::string_view(reinterpret_cast<const char *>(buffer.data()),
                                buffer.size_in_bytes());
      };
      std::string error;
      if (!files::writeFileAtomically(k.referencePath, bytesOf(b.timed.output), error) ||
          (b.other && !files::writeFileAtomically(otherPath, bytesOf(b.other->output), error))) {
        say(out, "failed " + oneLine(error));
        _exit(0);
      }
    } else {
      for (const Built &b : built) {
        std::string why = checkAgainst(b.timed.output, k.referencePath, o.tolerance);
        if (why.empty() && b.other) {
          why = checkAgainst(b.other->output, otherPath, o.tolerance);
          if (!why.empty())
            why = "at batch " + std::to_string(otherBatch(k.batch)) + ": " + why;
        }
        if (!why.empty()) {
          say(out, "wrong " + oneLine(why));
          _exit(0);
        }
      }
    }
    if (role != Role::Compare) {
      Stats s = statsOf(timeRuns(built[0], o.seconds, o.minRuns, o.maxRuns, cache));
      char text[200];
      std::snprintf(text, sizeof(text), "time %.6g %.6g %.6g %.6g %d", s.median, s.min, s.p25,
                    s.p75, s.runs);
      say(out, text);
      _exit(0);
    }
    // Compare: both points, alternating which goes first.
    int rounds = o.minRuns;
    std::string a, b;
    for (int r = 0; r < rounds; ++r) {
      for (int j = 0; j < 2; ++j) {
        int which = (r + j) % 2;
        Stats s = statsOf(timeRuns(built[which], o.seconds, 3, o.maxRuns, cache));
        std::string &list = which == 0 ? a : b;
        list += (list.empty() ? "" : ",") + std::to_string(s.median);
      }
    }
    say(out, "rounds " + a + " " + b);
  } catch (const std::exception &e) {
    say(out, "failed " + oneLine(e.what()));
  }
  _exit(0);
}

//===----------------------------------------------------------------------===//
// In the parent
//===----------------------------------------------------------------------===//

struct Child {
  pid_t pid = -1;
  int toChild = -1, fromChild = -1;
  std::string pending;
  std::optional<std::string> lastLine; ///< set when a whole line arrived
  bool eof = false;
};

Child spawn(const KernelUnderTest &k, Role role, const std::vector<halide::SchedulePoint> &points,
            const MeasureOptions &o) {
  int down[2], up[2];
  Child c;
  if (pipe2(down, O_CLOEXEC) != 0)
    return c;
  if (pipe2(up, O_CLOEXEC) != 0) {
    ::close(down[0]);
    ::close(down[1]);
    return c;
  }
  std::fflush(nullptr);
  llvm::errs().flush();
  llvm::outs().flush();
  pid_t pid = fork();
  if (pid == 0) {
    ::close(down[1]);
    ::close(up[0]);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    // A tuner killed outright takes its children with it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!o.logPath.empty()) {
      int log = ::open(o.logPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (log >= 0) {
        dup2(log, STDERR_FILENO);
        dup2(log, STDOUT_FILENO);
      }
    }
    childMain(k, role, points, o, down[0], up[1]);
  }
  ::close(down[0]);
  ::close(up[1]);
  if (pid < 0) {
    ::close(down[1]);
    ::close(up[0]);
    return c;
  }
  c.pid = pid;
  c.toChild = down[1];
  c.fromChild = up[0];
  return c;
}

/// Reads from `c` until a whole line arrives, the child closes its end,
/// `deadline` passes or a stop is requested; returns the line, if any.
std::optional<std::string> readLine(Child &c, Clock::time_point deadline) {
  while (true) {
    size_t nl = c.pending.find('\n');
    if (nl != std::string::npos) {
      std::string line = c.pending.substr(0, nl);
      c.pending.erase(0, nl + 1);
      return line;
    }
    if (c.eof || stopRequested)
      return std::nullopt;
    double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (left <= 0)
      return std::nullopt;
    pollfd p{c.fromChild, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(std::min(left, 0.2) * 1000) + 1);
    if (ready <= 0)
      continue;
    char buffer[4096];
    ssize_t n = ::read(c.fromChild, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      c.eof = true;
      continue;
    }
    c.pending.append(buffer, static_cast<size_t>(n));
  }
}

/// Ends the child: closes the pipes, kills it if `kill`, reaps it, and says
/// how it ended when it ended badly.
std::string finish(Child &c, bool kill) {
  if (c.toChild >= 0)
    ::close(c.toChild);
  if (c.fromChild >= 0)
    ::close(c.fromChild);
  c.toChild = c.fromChild = -1;
  if (c.pid <= 0)
    return "";
  if (kill)
    ::kill(c.pid, SIGKILL);
  int status = 0;
  while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  c.pid = -1;
  if (WIFSIGNALED(status))
    return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    return "exit status " + std::to_string(WEXITSTATUS(status));
  return "";
}

Clock::time_point after(double seconds) {
  return Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

/// Fills `t` from a child's last line ("time ..." / "wrong ..." / "failed ...").
void parseResult(const std::string &line, Timing &t) {
  std::istringstream in(line);
  std::string word;
  in >> word;
  if (word == "time") {
    in >> t.medianMs >> t.minMs >> t.p25Ms >> t.p75Ms >> t.runs;
    t.outcome = in ? Outcome::Ok : Outcome::Failed;
    if (!in)
      t.detail = "unreadable timing '" + line + "'";
    return;
  }
  std::getline(in >> std::ws, t.detail);
  t.outcome = word == "wrong" ? Outcome::Wrong : Outcome::Failed;
}

/// Builds the children of one batch in parallel, then lets each run alone.
/// `onResult(i, line)` gets each child's last line; failures fill `timings`.
std::vector<Timing> runBatch(const KernelUnderTest &k, Role role,
                             const std::vector<std::vector<halide::SchedulePoint>> &work,
                             const MeasureOptions &o,
                             std::vector<std::optional<std::string>> &results) {
  std::vector<Timing> timings(work.size());
  results.assign(work.size(), std::nullopt);
  for (size_t first = 0; first < work.size(); first += std::max(1, o.compileJobs)) {
    size_t last = std::min(work.size(), first + std::max(1, o.compileJobs));
    std::vector<Child> children;
    for (size_t i = first; i < last; ++i)
      children.push_back(spawn(k, role, work[i], o));
    // All compile at once; wait for each to be ready (or to fail).
    double compileLimit = k.compileTimeout > 0 ? k.compileTimeout : o.compileTimeout;
    auto compileDeadline = after(compileLimit);
    std::vector<bool> ready(children.size(), false);
    for (size_t j = 0; j < children.size(); ++j) {
      Timing &t = timings[first + j];
      if (children[j].pid <= 0) {
        t.outcome = Outcome::Failed;
        t.detail = "cannot start a child process";
        continue;
      }
      std::optional<std::string> line = readLine(children[j], compileDeadline);
      if (line && line->rfind("ready ", 0) == 0) {
        t.compileSeconds = std::atof(line->c_str() + 6);
        ready[j] = true;
        continue;
      }
      if (line) {
        parseResult(*line, t);
      } else if (stopRequested) {
        t.outcome = Outcome::Interrupted;
      } else if (children[j].eof) {
        t.outcome = Outcome::Crashed;
      } else {
        t.outcome = Outcome::Timeout;
        t.detail = "compiling took over " + std::to_string(int(compileLimit)) + " s";
      }
      std::string how = finish(children[j], !line);
      if (t.outcome == Outcome::Crashed)
        t.detail = how.empty() ? "exited without a result" : how;
    }
    // One at a time: nothing else runs while a child times.
    for (size_t j = 0; j < children.size(); ++j) {
      if (!ready[j])
        continue;
      Timing &t = timings[first + j];
      if (stopRequested) {
        t.outcome = Outcome::Interrupted;
        finish(children[j], true);
        continue;
      }
      char go = 'g';
      if (::write(children[j].toChild, &go, 1) != 1) {
        t.outcome = Outcome::Crashed;
        t.detail = finish(children[j], true);
        continue;
      }
      std::optional<std::string> line = readLine(children[j], after(o.runTimeout));
      if (line) {
        results[first + j] = *line;
        parseResult(*line, t);
        finish(children[j], false);
        continue;
      }
      if (stopRequested) {
        t.outcome = Outcome::Interrupted;
        finish(children[j], true);
      } else if (children[j].eof) {
        t.outcome = Outcome::Crashed;
        std::string how = finish(children[j], false);
        t.detail = how.empty() ? "exited without a result" : how;
      } else {
        t.outcome = Outcome::Timeout;
        t.detail = "running took over " + std::to_string(int(o.runTimeout)) + " s";
        finish(children[j], true);
      }
    }
  }
  return timings;
}

} // namespace

Timing Measurer::establishReference(const KernelUnderTest &k,
                                    const halide::SchedulePoint &point) {
  std::vector<std::optional<std::string>> lines;
  return runBatch(k, Role::Reference, {{point}}, options, lines)[0];
}

std::vector<Timing> Measurer::measure(const KernelUnderTest &k,
                                      const std::vector<halide::SchedulePoint> &points) {
  std::vector<std::vector<halide::SchedulePoint>> work;
  for (const halide::SchedulePoint &p : points)
    work.push_back({p});
  std::vector<std::optional<std::string>> lines;
  return runBatch(k, Role::Candidate, work, options, lines);
}

Comparison Measurer::compare(const KernelUnderTest &k, const halide::SchedulePoint &a,
                             const halide::SchedulePoint &b, int rounds) {
  MeasureOptions o = options;
  o.minRuns = rounds;
  o.runTimeout = options.runTimeout * (rounds + 1);
  std::vector<std::optional<std::string>> lines;
  Timing t = runBatch(k, Role::Compare, {{a, b}}, o, lines)[0];
  Comparison c;
  c.outcome = t.outcome;
  c.detail = t.detail;
  if (!lines[0] || lines[0]->rfind("rounds ", 0) != 0) {
    if (c.outcome == Outcome::Ok)
      c.outcome = Outcome::Failed;
    return c;
  }
  std::istringstream in(lines[0]->substr(7));
  std::string as, bs;
  in >> as >> bs;
  auto parseList = [](const std::string &text) {
    std::vector<double> values;
    std::stringstream s(text);
    std::string item;
    while (std::getline(s, item, ','))
      values.push_back(std::atof(item.c_str()));
    return values;
  };
  c.aMs = parseList(as);
  c.bMs = parseList(bs);
  c.outcome = c.aMs.size() == static_cast<size_t>(rounds) && c.bMs.size() == c.aMs.size()
                  ? Outcome::Ok
                  : Outcome::Failed;
  return c;
}

} // namespace cvc::tune
