//===- cvc-run.cpp - run and time a compiled model ----------------------===//
//
//   cvc-run model.so [--input NAME=FILE.npy|.pb]... [--batch N] [--iterations N]
//           [--warmup N] [--threads N] [--device N] [--output-dir DIR] [--print] [--profile]
//           [--seed S]
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
#include "CommandLine.h"
#include "Ensemble.h"
#include "FmaPeak.h"
#include "cvc/files/TerminalText.h"
#include "cvc/host/ModelLibrary.h"
#include "cvc/tensorio/TensorFile.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

using cvc::host::ModelLibrary;
using cvc::tensorio::Tensor;
using namespace llvm;

namespace {

namespace flags {
cl::OptionCategory category("cvc-run options");
cl::list<std::string> modelPaths(cl::Positional, cl::desc("<model.so> [more.so...]"),
                                 cl::cat(category));
cl::list<std::string> inputFiles(
    "input",
    cl::desc("An input from a .npy or ONNX .pb file; a bare FILE for an ensemble, whose models "
             "may name their input differently (inputs not given are uniform random in [-1, 1))"),
    cl::value_desc("NAME=FILE"), cl::cat(category));
cl::opt<long> batch("batch", cl::desc("Batch of the random inputs (default 1)"), cl::init(1),
                    cl::value_desc("N"), cl::cat(category));
cl::opt<long> iterations("iterations", cl::desc("Timed runs (default 10)"), cl::init(10),
                         cl::value_desc("N"), cl::cat(category));
cl::opt<long> warmup("warmup", cl::desc("Untimed runs first (default 2)"), cl::init(2),
                     cl::value_desc("N"), cl::cat(category));
cl::opt<long> threads("threads",
                      cl::desc("Threads of the session, the caller's included (0: one per core)"),
                      cl::init(0), cl::value_desc("N"), cl::cat(category));
cl::opt<long> device("device", cl::desc("CUDA device ordinal of a GPU model (default 0)"),
                     cl::init(0), cl::value_desc("N"), cl::cat(category));
cl::opt<long> seed("seed", cl::desc("Seed of the random inputs"), cl::init(0), cl::value_desc("S"),
                   cl::cat(category));
cl::opt<std::string> outputDir("output-dir", cl::desc("Write each output to DIR/<name>.npy"),
                               cl::value_desc("DIR"), cl::cat(category));
cl::opt<bool> print("print", cl::desc("Print the first values and the argmax of each output"),
                    cl::cat(category));
cl::opt<bool> profile("profile",
                      cl::desc("Per kernel: ms, GFLOP/s, % of the FMA peak, threads, schedule"),
                      cl::cat(category));
cl::opt<double> peak("peak", cl::desc("--profile's FMA peak in GFLOP/s (default: measured)"),
                     cl::init(0), cl::value_desc("GFLOPS"), cl::cat(category));
cl::opt<std::string> entryName("entry", cl::desc("The entry point to run (default main)"),
                               cl::init("main"), cl::value_desc("main|train_step|features"),
                               cl::cat(category));
cl::opt<long> variant("variant",
                      cl::desc("A model compiled for several input shapes: the shape variant to run "
                               "(default: the one the --input files match, else 0)"),
                      cl::init(-1), cl::value_desc("N"), cl::cat(category));
cl::OptionCategory ensembleCategory("cvc-run ensembles (several models, or --crops)");
cl::opt<unsigned> crops("crops", cl::desc("Standard crops per image, averaged: 1, 5 or 10"),
                        cl::init(0), cl::value_desc("1|5|10"), cl::cat(ensembleCategory));
cl::opt<std::string> cropSize("crop-size", cl::desc("Crop size (default: each model's input)"),
                              cl::value_desc("HxW"), cl::cat(ensembleCategory));
cl::opt<std::string> softmax("softmax",
                             cl::desc("Turn scores into probabilities before averaging "
                                      "(auto: unless they already are)"),
                             cl::init("auto"), cl::value_desc("auto|always|never"),
                             cl::cat(ensembleCategory));
} // namespace flags

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "cvc-run: error: %s\n", cvc::files::printable(message).c_str());
  std::exit(1);
}

/// Dies unless --`option` is at least `min`.
void requireAtLeast(const cl::opt<long> &option, long min) {
  if (std::string message = cvc::tools::belowMinimum(option, min); !message.empty())
    die(message);
}

struct Options {
  std::string model;
  std::vector<std::string> models;
  cvc::tools::EnsembleOptions ensemble;
  std::map<std::string, std::string> inputs;
  long batch = 1, iterations = 10, warmup = 2, threads = 0, device = 0, seed = 0;
  bool batchGiven = false; ///< --batch on the command line
  double peak = 0; ///< GFLOP/s for --profile's % of peak; 0: measure it
  std::string outputDir;
  bool print = false, profile = false;
  std::string entry = "main"; ///< the entry point to run, e.g. train_step
  long variant = -1;          ///< shape variant; -1: the one the inputs match
};

/// The parsed command line, checked.
Options parse(int argc, char **argv) {
  using namespace flags;
  cl::HideUnrelatedOptions({&category, &ensembleCategory});
  cl::ParseCommandLineOptions(
      argc, argv,
      "cvc-run: run and time a compiled model\n\n"
      "  Several models or --crops: every model runs on the same images (or their crops) on its\n"
      "  own thread, and the average class probabilities go to DIR/ensemble.npy.\n");
  Options o;
  o.models.assign(modelPaths.begin(), modelPaths.end());
  if (o.models.empty())
    die("no model given (usage: cvc-run model.so [options]; --help lists them)");
  o.model = o.models[0];
  for (const std::string &spec : inputFiles) {
    size_t eq = spec.find('=');
    if (eq == 0)
      die("--input expects NAME=FILE, got '" + spec + "'");
    // A bare FILE is for ensembles, whose members may name their input differently.
    o.inputs[eq == std::string::npos ? "" : spec.substr(0, eq)] =
        eq == std::string::npos ? spec : spec.substr(eq + 1);
  }
  if (crops.getNumOccurrences()) {
    if (crops != 1 && crops != 5 && crops != 10)
      die("--crops expects 1, 5 or 10, got " + std::to_string(crops));
    o.ensemble.crops = crops;
  }
  if (cropSize.getNumOccurrences()) {
    int h = 0, w = 0;
    char extra;
    if (std::sscanf(cropSize.c_str(), "%dx%d%c", &h, &w, &extra) != 2 || h < 1 || w < 1)
      die("--crop-size expects HxW, e.g. 28x28, got '" + cropSize + "'");
    o.ensemble.cropHeight = h;
    o.ensemble.cropWidth = w;
  }
  if (softmax == "auto")
    o.ensemble.softmax = CVC_SOFTMAX_AUTO;
  else if (softmax == "always")
    o.ensemble.softmax = CVC_SOFTMAX_ALWAYS;
  else if (softmax == "never")
    o.ensemble.softmax = CVC_SOFTMAX_NEVER;
  else
    die("--softmax expects auto, always or never, got '" + softmax + "'");
  requireAtLeast(batch, 1);
  requireAtLeast(iterations, 1);
  requireAtLeast(warmup, 0);
  requireAtLeast(threads, 0);
  requireAtLeast(device, 0);
  requireAtLeast(seed, 0);
  if (peak.getNumOccurrences() && !(peak > 0)) {
    char given[32];
    std::snprintf(given, sizeof(given), "%g", peak.getValue());
    die(std::string("--peak expects GFLOP/s > 0, got ") + given);
  }
  o.batch = batch;
  o.batchGiven = batch.getNumOccurrences() > 0;
  o.iterations = iterations;
  o.warmup = warmup;
  o.threads = threads;
  o.device = device;
  o.seed = seed;
  o.peak = peak;
  o.outputDir = outputDir;
  o.print = print;
  o.profile = profile;
  o.entry = entryName;
  if (variant.getNumOccurrences()) {
    requireAtLeast(variant, 0);
    o.variant = variant;
  }
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace

/// The first shape variant of `model` whose inputs of `entry` the given
/// files fit (any batch where it is dynamic); none: the whole model, whose
/// run then says which shapes it takes.
std::optional<size_t> chooseVariant(ModelLibrary &lib, const cvc_model *model, size_t entry,
                     const std::map<std::string, Tensor> &given) {
  size_t variants = lib.cvc_model_variant_count(model);
  for (size_t v = 0; v < variants; ++v) {
    const cvc_model *one = nullptr;
    if (!lib.take(lib.cvc_model_variant(model, v, &one)).empty())
      return std::nullopt;
    bool fits = true;
    for (size_t i = 0; fits && i < lib.cvc_model_entry_input_count(one, entry); ++i) {
      cvc_tensor_info info;
      if (!lib.take(lib.cvc_model_entry_input_info(one, entry, i, &info)).empty())
        return std::nullopt;
      auto file = given.find(info.name);
      if (file == given.end())
        continue;
      const std::vector<int64_t> &shape = file->second.shape;
      fits = shape.size() == static_cast<size_t>(info.rank);
      for (int d = 0; fits && d < info.rank; ++d)
        fits = info.dims[d] < 0 || info.dims[d] == shape[d];
    }
    if (fits)
      return v;
  }
  return std::nullopt;
}

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
  InitLLVM init(argc, argv);
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
  size_t entry = 0;
  if (std::string e = lib.take(lib.cvc_model_find_entry(model, o.entry.c_str(), &entry)); !e.empty())
    die(e);
  std::map<std::string, Tensor> given;
  for (const auto &[name, path] : o.inputs)
    if (!cvc::tensorio::readTensorFile(path, given[name], error))
      die(error);
  if (size_t variants = lib.cvc_model_variant_count(model); variants > 1 || o.variant > 0) {
    std::optional<size_t> chosen = o.variant >= 0 ? std::optional<size_t>(o.variant)
                                                  : chooseVariant(lib, model, entry, given);
    if (chosen) {
      if (std::string e = lib.take(lib.cvc_model_variant(model, *chosen, &model)); !e.empty())
        die(e);
      std::printf("shape variant %zu of %zu\n", *chosen, variants);
    }
  }
  std::printf("model %s (target %s, device %s), %.2f MMAC per image\n", lib.cvc_model_name(model),
              lib.cvc_model_target(model), lib.cvc_model_device(model),
              lib.cvc_model_macs_per_image(model) / 1e6);
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
    std::printf("input  %s %s\n", info.name, cvc::tensorio::shapeText(declared).c_str());
    Tensor &t = inputs[i];
    if (auto file = given.find(info.name); file != given.end()) {
      t = std::move(file->second);
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
  // Every input static: the batch is the compiled one, and a different
  // --batch would silently not happen.
  if (o.batchGiven && batch < 0 && nIn > 0 && !inputs[0].shape.empty() &&
      inputs[0].shape[0] != o.batch)
    die("--batch " + std::to_string(o.batch) + " does not apply: the model was compiled for a "
        "fixed batch of " + std::to_string(inputs[0].shape[0]) +
        " (recompile it with a dynamic batch, or with --input-shape for this one)");

  for (size_t i = 0; i < nOut; ++i) {
    cvc_tensor_info info;
    if (std::string e = lib.take(lib.cvc_model_entry_output_info(model, entry, i, &info));
        !e.empty())
      die(e);
    outNames[i] = info.name;
    std::vector<int64_t> declared(info.dims, info.dims + info.rank);
    std::printf("output %s %s\n", info.name, cvc::tensorio::shapeText(declared).c_str());
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
  options.device_ordinal = static_cast<int32_t>(std::min<long>(o.device, INT32_MAX));
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
  // A model compiled for a fixed batch runs the first input's.
  int64_t images = batch > 0 ? batch
                   : !inputs.empty() && !inputs[0].shape.empty() ? inputs[0].shape[0]
                                                                 : o.batch;
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
                "%peak", "%time", "threads", "schedule (source: point)");
    for (size_t k = 0; k < kernels; ++k) {
      cvc_kernel_profile p;
      // Kernels of other entry points did not run.
      if (!lib.take(lib.cvc_session_kernel_profile(session, k, &p)).empty() || medians[k] <= 0)
        continue;
      double gflops = medians[k] > 0 ? 2.0 * p.macs / (medians[k] * 1e6) : 0.0;
      std::printf("%-24s %-30s %10.4f %10.2f %6.1f%% %6.1f%% %7d  %s: %s\n", p.name, p.ops,
                  medians[k], gflops, peak > 0 ? 100.0 * gflops / peak : 0.0,
                  total > 0 ? 100.0 * medians[k] / total : 0.0, p.threads,
                  p.schedule_source ? p.schedule_source : "default",
                  p.schedule ? p.schedule : "");
    }
  }
  lib.cvc_session_free(session);

  for (size_t i = 0; i < nOut; ++i) {
    const Tensor &t = outputs[i];
    if (o.print) {
      size_t best = std::max_element(t.data.begin(), t.data.end()) - t.data.begin();
      std::printf("%s %s:", outNames[i].c_str(), cvc::tensorio::shapeText(t.shape).c_str());
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
