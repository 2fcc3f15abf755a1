//===- Trainer.h - the training loop over a model.so ------------*- C++ -*-===//
//
// A Trainer holds one model.so compiled with `cvc --train` and one session
// of it. run() is train.h's loop in named parts, each in its own file:
//   Trainer.cpp        the model's entries and states, the data, run()
//   FeatureCache.cpp   features of a frozen network, computed once and cached
//   Checkpoints.cpp    where a run starts (resume, --from) and saving it
//   TrainingLoop.cpp   the epochs: steps, progress, evaluation, metrics
// TrainApi.cpp is train.h's C functions over it.
//
// Data-parallel (a Communicator of several ranks): each rank trains its
// shard of every global batch with "train_gradients", the gradients are
// averaged across ranks, and every rank applies the same update with
// "apply_gradients", so all ranks keep the same weights. Rank 0 alone reads
// the checkpoint it starts from (and broadcasts it) and writes checkpoints,
// metrics and the plot.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TRAIN_TRAINER_H
#define CVC_TRAIN_TRAINER_H

#include "BatchSource.h"
#include "Communicator.h"
#include "LearningRate.h"
#include "cvc/host/ModelLibrary.h"
#include "cvc/tensorio/Checkpoint.h"
#include "cvc/tensorio/Tensor.h"
#include "cvc/train.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cvc::train {

class Trainer {
public:
  Trainer();
  ~Trainer();
  /// Trains data-parallel over `communicator`'s ranks (before open(); the
  /// caller keeps it alive). `averageStatistics`: batch norms' running
  /// statistics are averaged across ranks after every step, instead of each
  /// rank keeping its own (rank 0's are checkpointed).
  /// `overlapGradients`: each bucket of gradients is exchanged as soon as
  /// the backward pass has computed it (false: after the whole pass).
  void setCommunicator(Communicator *communicator, bool averageStatistics,
                       bool overlapGradients = true);
  /// Loads the model and checks that it can train; false with `error`.
  bool open(const std::string &modelPath, int threads, std::string &error);
  /// Runs the loop of train.h.
  bool run(const cvc_train_options &options, cvc_train_result &result, std::string &error);
  /// Every named tensor (weights, statistics) of the session, by name.
  std::map<std::string, tensorio::Tensor> tensors(std::string &error);

  /// Seconds the frozen network's features took when the cache was written
  /// (0 unless only the head trains).
  double featureSeconds = 0.0;

private:
  struct EntryIo {
    size_t entry = 0;
    std::vector<cvc_tensor_info> inputs, outputs;
  };
  /// What a step reads and writes (train_step's, or train_gradients' when
  /// data-parallel): the samples first (images, or features when only the
  /// head trains), then labels and scalars by name.
  struct StepIo {
    const cvc_tensor_info *samples = nullptr;
    int64_t batch = 0;
    int lossIndex = -1, logitsIndex = -1;
    int classes = 0;
  };
  /// Where a run stands: the epoch in progress, batches of it trained, and
  /// the global step (batches trained in all).
  struct Position {
    uint64_t epoch = 0, batch = 0, step = 0;
  };
  /// The data sets of a run and where its batches come from.
  struct Data;
  /// The state of one run's epochs (TrainingLoop.cpp).
  struct Loop;

  // Trainer.cpp: the model and the data.
  bool describe(const char *name, EntryIo &io, std::string &error);
  bool readStates(std::vector<std::vector<float>> &states, std::string &error);
  bool describeStep(StepIo &step, std::string &error) const;
  bool distributed() const { return comm->size() > 1; }
  Shard shard() const { return {comm->rank(), comm->size()}; }
  /// The entry whose inputs and outputs a step fills.
  const EntryIo &stepEntry() const { return distributed() ? gradientsIo : trainIo; }
  bool openData(const cvc_train_options &o, const StepIo &step, Data &data, std::string &error);
  /// Data-parallel: fails unless every rank sees the same steps per epoch,
  /// test set, shapes and run length as rank 0.
  bool checkSetupAgrees(const cvc_train_options &o, const StepIo &step, const Data &data,
                        std::string &error);
  /// Rank 0's `mine` into `rank0`, and for each value the number of ranks
  /// whose own differs from rank 0's.
  bool compareWithRank0(const std::vector<uint64_t> &mine, std::vector<uint64_t> &rank0,
                        std::vector<double> &differing, const char *what, std::string &error);

  // FeatureCache.cpp.
  /// The frozen network's features of every training image, from the cache
  /// file when it matches, else computed with "features" and cached.
  std::unique_ptr<BatchSource> cachedFeatures(const cvc_dataset *dataset,
                                              const cvc_train_options &options, int64_t batch,
                                              int64_t rowSize, std::string &error);

  // Checkpoints.cpp.
  /// Where the run starts: the checkpoint's position and states when
  /// resuming, else step 0, from `init_from`'s tensors when it is given.
  bool startUp(const cvc_train_options &o, Position &at, std::string &error);
  bool startFromFiles(const cvc_train_options &o, Position &at, std::string &error);
  bool resume(const cvc_train_options &o, Position &at, std::string &error);
  /// A checkpoint written by a run with another batch or rank count: `at`
  /// becomes this run's position at the same image (its batch, and the
  /// step count this run would have reached, which its learning-rate
  /// schedule and Adam read), or fails.
  bool continueMidEpoch(const tensorio::Checkpoint &checkpoint, Position &at, bool progress,
                        std::string &error);
  /// Sets the model's tensors from a checkpoint's, matched by name and shape.
  bool initialiseFrom(const std::string &checkpointPath, bool progress, std::string &error);
  /// Rank 0's position and states to every rank.
  bool shareStart(Position &at, std::string &error);
  /// Fails unless every rank's parameters and optimizer slots (and averaged
  /// statistics) are bit-identical to rank 0's.
  bool checkRanksAgree(const std::vector<std::vector<float>> &states, std::string &error);
  /// Writes the session's states at `at` to o.checkpoint (when given).
  bool saveCheckpoint(const cvc_train_options &o, const Position &at, std::string &error);

  // TrainingLoop.cpp.
  /// The epochs from `at` to o.epochs, evaluating and logging after each.
  bool trainEpochs(const cvc_train_options &o, const StepIo &step, Data &data,
                   const LearningRateSchedule &schedule, Position at, cvc_train_result &result,
                   std::string &error);

  host::ModelLibrary lib;
  const cvc_model *model = nullptr;
  cvc_session *session = nullptr;
  EntryIo trainIo, mainIo, featuresIo, gradientsIo, applyIo;
  bool hasFeatures = false;
  std::unique_ptr<Communicator> local = makeLocalCommunicator();
  Communicator *comm = local.get();
  bool averageStatistics = false;
  bool overlapGradients = true;
  std::string modelPath;
  /// Images one step trains, every rank's together; checkpoints record it,
  /// so that a run with another batch or rank count resumes at the image
  /// the checkpoint stopped at.
  uint64_t imagesPerStep = 0;
  uint64_t batchesPerEpoch = 0; ///< this run's steps per epoch
};

/// Releases a data-library object on every exit path.
template <typename T, void (*Free)(T *)> struct Owned {
  T *p = nullptr;
  Owned() = default;
  Owned(const Owned &) = delete;
  Owned &operator=(const Owned &) = delete;
  ~Owned() {
    if (p)
      Free(p);
  }
};

struct Trainer::Data {
  Owned<cvc_dataset, cvc_dataset_free> train, test;
  int64_t imageDims[3] = {0, 0, 0}; ///< C, H, W of the images
  std::unique_ptr<BatchSource> source;
  bool cachedFeatures = false; ///< the source is the frozen network's features
  int64_t batchesPerEpoch = 0;
};

/// Elements of a tensor of `info` at `batch` (for its dynamic dimension).
int64_t elements(const cvc_tensor_info &info, int64_t batch);
/// A cvc_tensor of `info`'s shape at `batch` over `data`.
cvc_tensor tensorOf(float *data, const cvc_tensor_info &info, int64_t batch);
/// Seconds since `start` on the steady clock.
double secondsSince(std::chrono::steady_clock::time_point start);

} // namespace cvc::train

#endif // CVC_TRAIN_TRAINER_H
