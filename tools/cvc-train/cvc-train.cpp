//===- cvc-train.cpp - train a model.so compiled with `cvc --train` -----===//
//
//   cvc lenet.onnx --train --train-batch 64 -o lenet.so
//   cvc-train lenet.so --data fashion-mnist:train --test fashion-mnist:test --epochs 5
//   mpirun -np 4 cvc-train lenet.so ...      # data-parallel: 4 x 64 images per step
//
//===----------------------------------------------------------------------===//
#include "Communicator.h"
#include "OnnxWeights.h"
#include "cvc/files/TerminalText.h"
#include "Trainer.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

using namespace llvm;

namespace {

cl::OptionCategory category("cvc-train options");
cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.so built with cvc --train>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> data("data",
                          cl::desc("Training data: fashion-mnist[:train], idx:IMAGES,LABELS, "
                                   "cifar10:FILE,..., folder:DIR"),
                          cl::init("fashion-mnist:train"), cl::cat(category));
cl::opt<std::string> testData("test", cl::desc("Evaluation data after each epoch ('' for none)"),
                              cl::init("fashion-mnist:test"), cl::cat(category));
cl::opt<std::string> augment("augment", cl::desc("Augmentation pipeline, e.g. mirror:p=0.5,crop:size=28,pad=2"),
                             cl::cat(category));
cl::list<int32_t> classes("classes", cl::CommaSeparated,
                          cl::desc("Train and test on these classes only (renumbered 0..)"),
                          cl::value_desc("c,..."), cl::cat(category));
cl::opt<int64_t> perClass("per-class", cl::desc("At most this many training images per class"),
                          cl::init(0), cl::cat(category));
cl::opt<int> epochs("epochs", cl::desc("Epochs (default 5)"), cl::init(5), cl::cat(category));
cl::opt<double> lr("lr", cl::desc("Base learning rate (default 0.05)"), cl::init(0.05),
                   cl::cat(category));
cl::opt<std::string> schedule("schedule", cl::desc("constant, cosine or step:EPOCHS:GAMMA"),
                              cl::init("constant"), cl::cat(category));
cl::opt<int64_t> warmup("warmup", cl::desc("Linear warm-up steps"), cl::init(0), cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::desc("Data order and augmentation seed"), cl::init(0),
                       cl::cat(category));
cl::opt<int> threads("threads",
                     cl::desc("Threads of the model's session, the caller's included (0: one "
                              "per core)"),
                     cl::init(0), cl::cat(category));
cl::opt<int> loaderThreads("loader-threads", cl::desc("Data producer threads (default 2)"),
                           cl::init(2), cl::cat(category));
cl::opt<int64_t> maxBatches("max-batches", cl::desc("Batches per epoch at most (shortened runs)"),
                            cl::init(0), cl::cat(category));
cl::opt<int64_t> maxTest("max-test", cl::desc("Test images at most"), cl::init(0),
                         cl::cat(category));
cl::opt<float> mean("mean", cl::desc("Input normalisation: subtract"), cl::init(0.0f),
                    cl::cat(category));
cl::opt<float> stddev("std", cl::desc("Input normalisation: divide"), cl::init(1.0f),
                      cl::cat(category));
cl::opt<std::string> checkpoint("checkpoint", cl::desc("Checkpoint file (written atomically)"),
                                cl::cat(category));
cl::opt<int64_t> checkpointEvery("checkpoint-every", cl::desc("Steps between checkpoints"),
                                 cl::init(0), cl::cat(category));
cl::opt<bool> resume("resume", cl::desc("Continue from --checkpoint"), cl::cat(category));
cl::opt<std::string> initFrom(
    "from",
    cl::desc("Start from the tensors of a checkpoint of this or another model (by name and "
             "shape; a replaced head keeps its new initial values)"),
    cl::value_desc("checkpoint"), cl::cat(category));
cl::opt<std::string> metrics("metrics", cl::desc("Metrics log (JSON lines)"), cl::cat(category));
cl::opt<std::string> plot("plot", cl::desc("Loss and accuracy curves (SVG)"), cl::cat(category));
cl::opt<std::string> exportOnnx("export-onnx",
                                cl::desc("Write the trained model as ONNX (needs --onnx-source)"),
                                cl::cat(category));
cl::opt<std::string> onnxSource("onnx-source",
                                cl::desc("The ONNX model the .so was compiled from"),
                                cl::cat(category));
cl::opt<std::string> featureCache(
    "feature-cache",
    cl::desc("Where the frozen network's features go when only the head trains "
             "(default: MODEL.so.features)"),
    cl::cat(category));
cl::opt<int64_t> stopAfter("stop-after-steps", cl::desc("Stop as if killed after this step"),
                           cl::init(0), cl::Hidden, cl::cat(category));
cl::opt<bool> quiet("q", cl::desc("No progress output"), cl::cat(category));

cl::OptionCategory distributedCategory("data-parallel training (under mpirun)");
cl::opt<double> rankTimeout("rank-timeout",
                            cl::desc("Seconds a rank waits for the others before it ends the "
                                     "job (default 300)"),
                            cl::init(cvc::train::MpiSettings{}.timeoutSeconds),
                            cl::cat(distributedCategory));
cl::opt<double> bucketMb("bucket-mb",
                         cl::desc("Gradients are averaged in buckets of this many MB (default 25)"),
                         cl::init(cvc::train::MpiSettings{}.bucketBytes / double(1 << 20)),
                         cl::cat(distributedCategory));
cl::opt<bool> noOverlap("no-overlap",
                        cl::desc("Exchange the gradients after the whole backward pass, not each "
                                 "bucket as soon as it is computed"),
                        cl::cat(distributedCategory));
cl::opt<bool> averageStatistics(
    "average-batch-norm-statistics",
    cl::desc("Average batch norms' running statistics across ranks after every step (default: "
             "each rank keeps its own; rank 0's are checkpointed)"),
    cl::cat(distributedCategory));

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category, &distributedCategory});
  cl::ParseCommandLineOptions(argc, argv, "cvc-train: train a model compiled with cvc --train\n");
  if (!exportOnnx.empty() && onnxSource.empty()) {
    std::fprintf(stderr, "cvc-train: error: --export-onnx needs --onnx-source\n");
    return 1;
  }
  if (StringRef(initFrom).ends_with(".onnx")) {
    std::fprintf(stderr, "cvc-train: error: --from takes a cvc checkpoint; to start from the "
                         "weights of '%s', compile the model from it (cvc %s --train ..., or "
                         "cvc model.cvm --weights %s --train ...)\n",
                 initFrom.c_str(), initFrom.c_str(), initFrom.c_str());
    return 1;
  }
  cvc_train_options o;
  cvc_train_options_init(&o);
  o.train_data = data.c_str();
  o.test_data = testData.empty() ? nullptr : testData.c_str();
  o.augment = augment.empty() ? nullptr : augment.c_str();
  std::vector<int32_t> classList(classes.begin(), classes.end());
  o.classes = classList.empty() ? nullptr : classList.data();
  o.class_count = classList.size();
  o.per_class = perClass;
  o.epochs = epochs;
  o.learning_rate = lr;
  o.schedule = schedule.c_str();
  o.warmup_steps = warmup;
  o.seed = seed;
  o.threads = threads;
  o.loader_threads = loaderThreads;
  o.max_batches_per_epoch = maxBatches;
  o.max_test_images = maxTest;
  o.mean = mean;
  o.std = stddev;
  o.checkpoint = checkpoint.empty() ? nullptr : checkpoint.c_str();
  o.checkpoint_every = checkpointEvery;
  o.resume = resume;
  o.metrics = metrics.empty() ? nullptr : metrics.c_str();
  o.plot = plot.empty() ? nullptr : plot.c_str();
  o.progress = !quiet;
  o.stop_after_steps = stopAfter;
  o.feature_cache = featureCache.empty() ? nullptr : featureCache.c_str();
  o.init_from = initFrom.empty() ? nullptr : initFrom.c_str();
  if (o.epochs < 1 || !(o.learning_rate >= 0) || !(o.std > 0)) {
    std::fprintf(stderr, "cvc-train: error: --epochs must be >= 1, --lr >= 0, --std > 0\n");
    return 1;
  }
  if (!(rankTimeout > 0) || !(bucketMb > 0) || bucketMb > 4096) {
    std::fprintf(stderr, "cvc-train: error: --rank-timeout must be > 0 and --bucket-mb in (0, 4096]\n");
    return 1;
  }

  cvc::train::Trainer trainer;
  std::string error;
  // Under an MPI launcher, this process is one rank of a data-parallel run.
  std::unique_ptr<cvc::train::Communicator> ranks;
  if (cvc::train::launchedByMpiLauncher()) {
    cvc::train::MpiSettings settings;
    settings.timeoutSeconds = rankTimeout;
    settings.bucketBytes = static_cast<size_t>(bucketMb * (1 << 20));
    ranks = cvc::train::makeMpiCommunicator(&argc, &argv, settings, error);
    if (!ranks) {
      std::fprintf(stderr, "cvc-train: error: %s\n", error.c_str());
      return 1;
    }
    trainer.setCommunicator(ranks.get(), averageStatistics, !noOverlap);
    if (ranks->rank() != 0)
      o.progress = 0; // rank 0 speaks for all
  }
  const bool distributed = ranks && ranks->size() > 1;
  const bool speaks = !ranks || ranks->rank() == 0;
  cvc_train_result result;
  if (!trainer.open(modelPath, threads, error) || !trainer.run(o, result, error)) {
    if (distributed) // no rank may wait for this one
      ranks->abort(cvc::files::printable(error));
    std::fprintf(stderr, "\ncvc-train: error: %s\n", cvc::files::printable(error).c_str());
    return 1;
  }
  if (!speaks)
    return 0;
  if (!quiet && result.epochs_completed > 0) {
    std::printf("trained %d epochs, %lld steps: %.0f images/s in the steps, waited %.2f s for "
                "data; ",
                result.epochs_completed, static_cast<long long>(result.steps),
                result.images_per_second, result.loader_wait_seconds);
    // Without a test set there is no accuracy to report, only the loss.
    if (o.test_data)
      std::printf("test top-1 %.2f%%, top-5 %.2f%%\n", 100 * result.test_top1,
                  100 * result.test_top5);
    else
      std::printf("last epoch's training loss %.4f (no test set)\n", result.last_loss);
    if (distributed)
      std::printf("%d ranks: %.1f ms per step, %.1f ms of it (%.0f%%) exchanging with the other "
                  "ranks (gradients exchanged %s)\n",
                  ranks->size(), 1e3 * result.seconds / std::max<int64_t>(result.steps, 1),
                  1e3 * result.communication_seconds / std::max<int64_t>(result.steps, 1),
                  100 * result.communication_seconds / std::max(result.seconds, 1e-9),
                  noOverlap ? "after the backward pass" : "as the backward pass computes them");
  }
  if (!exportOnnx.empty()) {
    std::map<std::string, cvc::tensorio::Tensor> named = trainer.tensors(error);
    size_t replaced = 0;
    if (!error.empty() ||
        !cvc::train::exportOnnxWeights(onnxSource, exportOnnx, named, replaced, error)) {
      std::fprintf(stderr, "cvc-train: error: %s\n", cvc::files::printable(error).c_str());
      return 1;
    }
    if (!quiet)
      std::printf("wrote %s (%zu trained initialisers)\n", exportOnnx.c_str(), replaced);
  }
  return 0;
}
