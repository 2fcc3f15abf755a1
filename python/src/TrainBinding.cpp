//===- TrainBinding.cpp - cvc.train() over libcvc_train -----------------===//
//
// cvc_train_run with its options as keyword arguments (train.h documents
// each); the result as a dict. The GIL is released for the whole run.
//
//===----------------------------------------------------------------------===//
#include "Bindings.h"

#include "cvc/train.h"

#include <pybind11/stl.h>

#include <optional>

namespace py = pybind11;

namespace cvc::python {
namespace {

/// Keeps the strings cvc_train_options points into alive for the run.
struct TextOption {
  std::optional<std::string> value;
  const char *get() const { return value ? value->c_str() : nullptr; }
};

py::dict train(const std::string &model, const std::string &trainData,
               std::optional<std::string> testData, std::optional<std::string> augment,
               int32_t epochs, double learningRate, std::string schedule, int64_t warmupSteps,
               uint64_t seed, int32_t threads, int32_t loaderThreads, int64_t maxBatches,
               int64_t maxTestImages, float mean, float std,
               std::optional<std::string> checkpoint, int64_t checkpointEvery, bool resume,
               std::optional<std::string> metrics, std::optional<std::string> plot,
               std::vector<int32_t> classes, int64_t perClass,
               std::optional<std::string> initFrom, bool progress) {
  TextOption test{testData}, augmentSpec{augment}, checkpointPath{checkpoint},
      metricsPath{metrics}, plotPath{plot}, init{initFrom};
  cvc_train_options options;
  cvc_train_options_init(&options);
  options.train_data = trainData.c_str();
  options.test_data = test.get();
  options.augment = augmentSpec.get();
  options.classes = classes.empty() ? nullptr : classes.data();
  options.class_count = classes.size();
  options.per_class = perClass;
  options.epochs = epochs;
  options.learning_rate = learningRate;
  options.schedule = schedule.c_str();
  options.warmup_steps = warmupSteps;
  options.seed = seed;
  options.threads = threads;
  options.loader_threads = loaderThreads;
  options.max_batches_per_epoch = maxBatches;
  options.max_test_images = maxTestImages;
  options.mean = mean;
  options.std = std;
  options.checkpoint = checkpointPath.get();
  options.checkpoint_every = checkpointEvery;
  options.resume = resume;
  options.metrics = metricsPath.get();
  options.plot = plotPath.get();
  options.progress = progress;
  options.init_from = init.get();
  cvc_train_result result{};
  cvc_status status;
  {
    py::gil_scoped_release release;
    status = cvc_train_run(model.c_str(), &options, &result);
  }
  check(status);
  py::dict out;
  out["epochs_completed"] = result.epochs_completed;
  out["steps"] = result.steps;
  out["last_loss"] = result.last_loss;
  out["test_top1"] = result.test_top1;
  out["test_top5"] = result.test_top5;
  out["test_loss"] = result.test_loss;
  out["seconds"] = result.seconds;
  out["images_per_second"] = result.images_per_second;
  out["loader_wait_seconds"] = result.loader_wait_seconds;
  return out;
}

} // namespace

void bindTrain(py::module_ &module) {
  cvc_train_options defaults;
  cvc_train_options_init(&defaults);
  module.def("train", &train, py::arg("model"), py::arg("train_data"),
             py::arg("test_data") = py::none(), py::arg("augment") = py::none(),
             py::arg("epochs") = defaults.epochs, py::arg("learning_rate") = defaults.learning_rate,
             py::arg("schedule") = std::string(defaults.schedule ? defaults.schedule : "constant"),
             py::arg("warmup_steps") = defaults.warmup_steps, py::arg("seed") = defaults.seed,
             py::arg("threads") = defaults.threads,
             py::arg("loader_threads") = defaults.loader_threads,
             py::arg("max_batches_per_epoch") = defaults.max_batches_per_epoch,
             py::arg("max_test_images") = defaults.max_test_images,
             py::arg("mean") = defaults.mean, py::arg("std") = defaults.std,
             py::arg("checkpoint") = py::none(),
             py::arg("checkpoint_every") = defaults.checkpoint_every,
             py::arg("resume") = false, py::arg("metrics") = py::none(),
             py::arg("plot") = py::none(), py::arg("classes") = std::vector<int32_t>(),
             py::arg("per_class") = defaults.per_class, py::arg("init_from") = py::none(),
             py::arg("progress") = false,
             "Trains a model.so compiled with `cvc --train` (cvc/train.h's cvc_train_run); "
             "returns the result as a dict.");
}

} // namespace cvc::python
