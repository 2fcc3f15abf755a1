//===- cvc-run.cpp - run and time a compiled model ----------------------===//
//
//   cvc-run model.so [--input NAME=FILE.npy|.pb]... [--batch N] [--iterations N]
//           [--warmup N] [--threads N] [--output-dir DIR] [--print] [--profile] [--seed S]
//
// Inputs not given are uniform random in [-1, 1). Outputs are written as
// DIR/<output name>.npy.
//
//===----------------------------------------------------------------------===//
#include "ModelLibrary.h"
#include "TensorFile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <sys/stat.h>
#include <vector>

using cvc::tools::HostTensor;
using cvc::tools::ModelLibrary;

namespace {

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "cvc-run: error: %s\n", message.c_str());
  std::exit(1);
}

struct Options {
  std::string model;
  std::map<std::string, std::string> inputs;
  long batch = 1, iterations = 10, warmup = 2, threads = 0, seed = 0;
  std::string outputDir;
  bool print = false, profile = false;
};

void usage() {
  std::fprintf(stderr,
               "usage: cvc-run model.so [--input NAME=FILE.npy|FILE.pb]... [--batch N]\n"
               "               [--iterations N] [--warmup N] [--threads N] [--output-dir DIR]\n"
               "               [--print] [--profile] [--seed S]\n");
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
      if (eq == std::string::npos || eq == 0)
        die("--input expects NAME=FILE, got '" + spec + "'");
      o.inputs[spec.substr(0, eq)] = spec.substr(eq + 1);
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
    } else if (a == "-h" || a == "--help") {
      usage();
      std::exit(0);
    } else if (!a.empty() && a[0] == '-') {
      usage();
      die("unknown option '" + a + "'");
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      die("more than one model given ('" + o.model + "' and '" + a + "')");
    }
  }
  if (o.model.empty()) {
    usage();
    die("no model given");
  }
  return o;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

std::string fileName(const std::string &name) {
  std::string s;
  for (char c : name)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  return s.empty() ? "output" : s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  ModelLibrary lib;
  std::string error;
  if (!lib.open(o.model, error))
    die(error);
  const cvc_model *model = nullptr;
  if (std::string e = lib.take(lib.cvc_model_get(&model)); !e.empty())
    die(e);
  std::printf("model %s (target %s), %.2f MMAC per image\n", lib.cvc_model_name(model),
              lib.cvc_model_target(model), lib.cvc_model_macs_per_image(model) / 1e6);

  size_t nIn = lib.cvc_model_input_count(model), nOut = lib.cvc_model_output_count(model);
  std::vector<HostTensor> inputs(nIn), outputs(nOut);
  std::vector<cvc_tensor> inTensors(nIn), outTensors(nOut);
  std::vector<std::string> outNames(nOut);
  std::map<std::string, std::string> unused = o.inputs;
  std::mt19937 rng(static_cast<uint32_t>(o.seed));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  int64_t batch = -1;

  for (size_t i = 0; i < nIn; ++i) {
    cvc_tensor_info info;
    if (std::string e = lib.take(lib.cvc_model_input_info(model, i, &info)); !e.empty())
      die(e);
    std::vector<int64_t> declared(info.dims, info.dims + info.rank);
    std::printf("input  %s %s\n", info.name, shapeText(declared).c_str());
    HostTensor &t = inputs[i];
    auto given = o.inputs.find(info.name);
    if (given != o.inputs.end()) {
      if (!cvc::tools::readTensorFile(given->second, t, error))
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
    if (std::string e = lib.take(lib.cvc_model_output_info(model, i, &info)); !e.empty())
      die(e);
    outNames[i] = info.name;
    std::vector<int64_t> declared(info.dims, info.dims + info.rank);
    std::printf("output %s %s\n", info.name, shapeText(declared).c_str());
    HostTensor &t = outputs[i];
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
    if (std::string e = lib.take(lib.cvc_session_run(session, inTensors.data(), nIn,
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
    std::printf("\n%-24s %-30s %10s %10s %7s\n", "kernel", "ops", "ms", "GFLOP/s", "%time");
    for (size_t k = 0; k < kernels; ++k) {
      cvc_kernel_profile p;
      if (!lib.take(lib.cvc_session_kernel_profile(session, k, &p)).empty())
        continue;
      double gflops = medians[k] > 0 ? 2.0 * p.macs / (medians[k] * 1e6) : 0.0;
      std::printf("%-24s %-30s %10.4f %10.2f %6.1f%%\n", p.name, p.ops, medians[k], gflops,
                  total > 0 ? 100.0 * medians[k] / total : 0.0);
    }
  }
  lib.cvc_session_free(session);

  for (size_t i = 0; i < nOut; ++i) {
    const HostTensor &t = outputs[i];
    if (o.print) {
      size_t best = std::max_element(t.data.begin(), t.data.end()) - t.data.begin();
      std::printf("%s %s:", outNames[i].c_str(), shapeText(t.shape).c_str());
      for (size_t j = 0; j < std::min<size_t>(t.data.size(), 10); ++j)
        std::printf(" %.6g", t.data[j]);
      std::printf("%s  argmax %zu\n", t.data.size() > 10 ? " ..." : "", best);
    }
    if (!o.outputDir.empty()) {
      mkdir(o.outputDir.c_str(), 0755);
      std::string path = o.outputDir + "/" + fileName(outNames[i]) + ".npy";
      if (!cvc::tools::writeNpy(path, t, error))
        die(error);
    }
  }
  return 0;
}
