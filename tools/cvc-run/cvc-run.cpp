//===- cvc-run.cpp - run and time a compiled model ----------------------===//
//
//   cvc-run model.so [--input NAME=FILE.npy|.pb]... [--batch N] [--iterations N]
//           [--warmup N] [--threads N] [--output-dir DIR] [--print] [--profile] [--seed S]
//           [--entry main|train_step|features]
//   cvc-run a.so [b.so...] [--input [NAME=]FILE] [--crops 1|5|10] [--crop-size HxW]
//           [--softmax auto|always|never] [...]
//
// Inputs not given are uniform random in [-1, 1). Outputs are written as
// DIR/<output name>.npy. With several models or --crops, every model runs on
// the same images (or their crops) on its own thread, and the average class
// probabilities go to DIR/ensemble.npy (see Ensemble.h).
//
//===----------------------------------------------------------------------===//
#include "Ensemble.h"
#include "FmaPeak.h"
#include "cvc/host/ModelLibrary.h"
#include "cvc/tensorio/TensorFile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

using cvc::tensorio::Tensor;
using cvc::host::ModelLibrary;

namespace {

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "cvc-run: error: %s\n", message.c_str());
  std::exit(1);
}

struct Options {
  std::string model;
  std::vector<std::string> models;
  cvc::tools::EnsembleOptions ensemble;
  std::map<std::string, std::string> inputs;
  long batch = 1, iterations = 10, warmup = 2, threads = 0, seed = 0;
  double peak = 0; ///< GFLOP/s for --profile's % of peak; 0: measure it
  std::string outputDir;
  bool print = false, profile = false;
  std::string entry = "main"; ///< the entry point to run, e.g. train_step
};

void usage() {
  std::fprintf(stderr,
               "usage: cvc-run model.so [--input NAME=FILE.npy|FILE.pb]... [--batch N]\n"
               "               [--iterations N] [--warmup N] [--threads N] [--output-dir DIR]\n"
               "               [--print] [--profile [--peak GFLOPS]] [--seed S] [--entry NAME]\n"
               "       cvc-run a.so [b.so...] [--input [NAME=]FILE] [--crops 1|5|10]\n"
               "               [--crop-size HxW] [--softmax auto|always|never] [...]\n"
               "  several models or --crops: average class probabilities (DIR/ensemble.npy)\n");
}

long parseCount(const char *flag, const char *text, long min) {
  char *end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!text[0] || *end || v < min)
    die(std::string(flag) + " expects an integer >= " + std::to_string(min) + ", got '" + text + "'");
  return v;
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char * {
      if (i + 1 >= argc)
        die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--input") {
      std::string spec = value();
      size_t eq = spec.find('=');
      if (eq == 0)
        die("--input expects NAME=FILE, got '" + spec + "'");
      // A bare FILE is for ensembles, whose members may name their input differently.
      o.inputs[eq == std::string::npos ? "" : spec.substr(0, eq)] =
          eq == std::string::npos ? spec : spec.substr(eq + 1);
    } else if (a == "--crops") {
      o.ensemble.crops = size_t(parseCount("--crops", value(), 1));
      if (o.ensemble.crops != 1 && o.ensemble.crops != 5 && o.ensemble.crops != 10)
        die("--crops expects 1, 5 or 10");
    } else if (a == "--crop-size") {
      std::string v = value();
      int h = 0, w = 0;
      char extra;
      if (std::sscanf(v.c_str(), "%dx%d%c", &h, &w, &extra) != 2 || h < 1 || w < 1)
        die("--crop-size expects HxW, e.g. 28x28, got '" + v + "'");
      o.ensemble.cropHeight = h;
      o.ensemble.cropWidth = w;
    } else if (a == "--softmax") {
      std::string v = value();
      if (v == "auto")
        o.ensemble.softmax = CVC_SOFTMAX_AUTO;
      else if (v == "always")
        o.ensemble.softmax = CVC_SOFTMAX_ALWAYS;
      else if (v == "never")
        o.ensemble.softmax = CVC_SOFTMAX_NEVER;
      else
        die("--softmax expects auto, always or never, got '" + v + "'");
    } else if (a == "--batch") {
      o.batch = parseCount("--batch", value(), 1);
    } else if (a == "--iterations") {
      o.iterations = parseCount("--iterations", value(), 1);
    } else if (a == "--warmup") {
      o.warmup = parseCount("--warmup", value(), 0);
    } else if (a == "--threads") {
      o.threads = parseCount("--threads", value(), 0);
    } else if (a == "--seed") {
      o.seed = parseCount("--seed", value(), 0);
    } else if (a == "--output-dir") {
      o.outputDir = value();
    } else if (a == "--print") {
      o.print = true;
    } else if (a == "--profile") {
      o.profile = true;
    } else if (a == "--peak") {
      char *end = nullptr;
      const char *text = value();
      o.peak = std::strtod(text, &end);
      if (!text[0] || *end || !(o.peak > 0))
        die(std::string("--peak expects GFLOP/s > 0, got '") + text + "'");
    } else if (a == "--entry") {
      o.entry = value();
    } else if (a == "-h" || a == "--help") {
      usage();
      std::exit(0);
    } else if (!a.empty() && a[0] == '-') {
      usage();
      die("unknown option '" + a + "'");
    } else {
      o.models.push_back(a);
    }
  }
  if (o.models.empty()) {
    usage();
    die("no model given");
  }
  o.model = o.models[0];
  return o;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace

/// Several models or crops: the ensemble path of Ensemble.cpp.
int runEnsemble(const Options &o) {
  cvc::tools::EnsembleOptions e = o.ensemble;
  e.models = o.models;
  if (o.inputs.size() > 1)
    die("an ensemble takes one input (--input [NAME=]FILE)");
  if (!o.inputs.empty()) {
    e.inputName = o.inputs.begin()->first;
    e.input = o.inputs.begin()->second;
  }
  if (o.profile)
    die("--profile runs one model; it cannot be combined with several models or --crops");
  e.batch = o.batch;
  e.iterations = o.iterations;
  e.warmup = o.warmup;
  e.threads = o.threads;
  e.seed = o.seed;
  e.outputDir = o.outputDir;
  e.print = o.print;
  std::string error;
  if (!cvc::tools::runEnsemble(e, error))
    die(error);
  return 0;
}

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  if (o.models.size() > 1 || o.ensemble.crops || o.ensemble.cropHeight)
    return runEnsemble(o);
  if (o.inputs.count(""))
    die("--input expects NAME=FILE, got '" + o.inputs[""] + "'");
  ModelLibrary lib;
  std::string error;
  if (!lib.open(o.model, error))
    die(error);
  const cvc_model *model = nullptr;
  if (std::string e = lib.take(lib.cvc_model_get(&model)); !e.empty())
    die(e);
  std::printf("model %s (target %s), %.2f MMAC per image\n", lib.cvc_model_name(model),
              lib.cvc_model_target(model), lib.cvc_model_macs_per_image(model) / 1e6);

  size_t entry = 0;
  if (std::string e = lib.take(lib.cvc_model_find_entry(model, o.entry.c_str(), &entry)); !e.empty())
    die(e);
  size_t nIn = lib.cvc_model_entry_input_count(model, entry),
         nOut = lib.cvc_model_entry_output_count(model, entry);
  std::vector<Tensor> inputs(nIn), outputs(nOut);
  std::vector<cvc_tensor> inTensors(nIn), outTensors(nOut);
  std::vector<std::string> outNames(nOut);
  std::map<std::string, std::string> unused = o.inputs;
  std::mt19937 rng(static_cast<uint32_t>(o.seed));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  int64_t batch = -1;

  for (size_t i = 0; i < nIn; ++i) {
    cvc_tensor_info info;
    if (std::string e = lib.take(lib.cvc_model_entry_input_info(model, entry, i, &info));
        !e.empty())
      die(e);
    std::vector<int64_t> declared(info.dims, info.dims + info.rank);
    std::printf("input  %s %s\n", info.name, shapeText(declared).c_str());
    Tensor &t = inputs[i];
    auto given = o.inputs.find(info.name);
    if (given != o.inputs.end()) {
      if (!cvc::tensorio::readTensorFile(given->second, t, error))
        die(error);
      unused.erase(info.name);
    } else {
      t.shape = declared;
      for (int64_t &d : t.shape)
        d = d < 0 ? o.batch : d;
      int64_t count = 1;
      for (int64_t d : t.shape)
        count *= d;
      t.data.resize(count);
      for (float &v : t.data)
        v = uniform(rng);
    }
    if (!declared.empty() && declared[0] < 0 && !t.shape.empty())
      batch = t.shape[0];
    cvc_tensor &ct = inTensors[i];
    ct.data = t.data.data();
    ct.type = CVC_FLOAT32;
    ct.rank = static_cast<int32_t>(t.shape.size());
    if (ct.rank > CVC_MAX_RANK)
      die(std::string("input '") + info.name + "': rank " + std::to_string(ct.rank) + " is too large");
    std::copy(t.shape.begin(), t.shape.end(), ct.dims);
  }
  if (!unused.empty())
    die("--input names '" + unused.begin()->first + "', which is not an input of the model");

  for (size_t i = 0; i < nOut; ++i) {
    cvc_tensor_info info;
    if (std::string e = lib.take(lib.cvc_model_entry_output_info(model, entry, i, &info));
        !e.empty())
      die(e);
    outNames[i] = info.name;
    std::vector<int64_t> declared(info.dims, info.dims + info.rank);
    std::printf("output %s %s\n", info.name, shapeText(declared).c_str());
    Tensor &t = outputs[i];
    t.shape = declared;
    for (int64_t &d : t.shape)
      d = d < 0 ? (batch > 0 ? batch : o.batch) : d;
    int64_t count = 1;
    for (int64_t d : t.shape)
      count *= d;
    t.data.assign(count, 0.0f);
    cvc_tensor &ct = outTensors[i];
    ct.data = t.data.data();
    ct.type = CVC_FLOAT32;
    ct.rank = info.rank;
    std::copy(t.shape.begin(), t.shape.end(), ct.dims);
  }

  cvc_session_options options;
  lib.cvc_session_options_init(&options);
  options.num_threads = static_cast<int32_t>(o.threads);
  cvc_session *session = nullptr;
  if (std::string e = lib.take(lib.cvc_session_create(model, &options, &session)); !e.empty())
    die(e);

  auto runOnce = [&] {
    auto start = std::chrono::steady_clock::now();
    if (std::string e = lib.take(lib.cvc_session_run_entry(session, entry, inTensors.data(), nIn,
                                                           outTensors.data(), nOut));
        !e.empty()) {
      lib.cvc_session_free(session);
      die(e);
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  for (long i = 0; i < o.warmup; ++i)
    runOnce();
  std::vector<double> times;
  size_t kernels = lib.cvc_session_kernel_count(session);
  std::vector<std::vector<double>> kernelTimes(kernels);
  lib.cvc_session_set_profiling(session, o.profile);
  for (long i = 0; i < o.iterations; ++i) {
    times.push_back(runOnce());
    for (size_t k = 0; o.profile && k < kernels; ++k) {
      cvc_kernel_profile p;
      if (lib.take(lib.cvc_session_kernel_profile(session, k, &p)).empty())
        kernelTimes[k].push_back(p.seconds * 1e3);
    }
  }
  double med = median(times);
  int64_t images = batch > 0 ? batch : o.batch;
  std::printf("batch %lld, %ld runs: median %.3f ms, min %.3f ms, max %.3f ms, %.1f images/s\n",
              static_cast<long long>(images), o.iterations, med,
              *std::min_element(times.begin(), times.end()),
              *std::max_element(times.begin(), times.end()), images * 1e3 / med);
  std::printf("median %.4f ms\n", med);

  if (o.profile) {
    double total = 0;
    std::vector<double> medians(kernels);
    for (size_t k = 0; k < kernels; ++k)
      total += medians[k] = median(kernelTimes[k]);
    // The FMA peak at the session's thread count, measured after the runs
    // so that it does not heat or throttle the cores before them.
    int peakThreads = o.threads > 0 ? static_cast<int>(o.threads)
                                    : static_cast<int>(std::thread::hardware_concurrency());
    double peak = o.peak > 0 ? o.peak : fma_peak_gflops(peakThreads);
    if (o.peak > 0)
      std::printf("\nfp32 FMA peak %.1f GFLOP/s (--peak)\n", peak);
    else if (peak > 0)
      std::printf("\nfp32 FMA peak %.1f GFLOP/s, measured now on %d threads (a busy machine "
                  "measures low; --peak sets it)\n",
                  peak, peakThreads);
    std::printf("%-24s %-30s %10s %10s %7s %7s %7s  %s\n", "kernel", "ops", "ms", "GFLOP/s",
                "%peak", "%time", "threads", "schedule");
    for (size_t k = 0; k < kernels; ++k) {
      cvc_kernel_profile p;
      // Kernels of other entry points did not run.
      if (!lib.take(lib.cvc_session_kernel_profile(session, k, &p)).empty() || medians[k] <= 0)
        continue;
      double gflops = medians[k] > 0 ? 2.0 * p.macs / (medians[k] * 1e6) : 0.0;
      std::printf("%-24s %-30s %10.4f %10.2f %6.1f%% %6.1f%% %7d  %s\n", p.name, p.ops, medians[k],
                  gflops, peak > 0 ? 100.0 * gflops / peak : 0.0,
                  total > 0 ? 100.0 * medians[k] / total : 0.0, p.threads,
                  p.schedule ? p.schedule : "");
    }
  }
  lib.cvc_session_free(session);

  for (size_t i = 0; i < nOut; ++i) {
    const Tensor &t = outputs[i];
    if (o.print) {
      size_t best = std::max_element(t.data.begin(), t.data.end()) - t.data.begin();
      std::printf("%s %s:", outNames[i].c_str(), shapeText(t.shape).c_str());
      for (size_t j = 0; j < std::min<size_t>(t.data.size(), 10); ++j)
        std::printf(" %.6g", t.data[j]);
      std::printf("%s  argmax %zu\n", t.data.size() > 10 ? " ..." : "", best);
    }
    if (!o.outputDir.empty()) {
      mkdir(o.outputDir.c_str(), 0755);
      std::string path = o.outputDir + "/" + cvc::tensorio::fileNameFor(outNames[i]) + ".npy";
      if (!cvc::tensorio::writeNpy(path, t, error))
        die(error);
    }
  }
  return 0;
}
