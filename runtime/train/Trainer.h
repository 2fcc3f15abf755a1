//===- Trainer.h - the training loop over a model.so ------------*- C++ -*-===//
#ifndef CVC_TRAIN_TRAINER_H
#define CVC_TRAIN_TRAINER_H

#include "BatchSource.h"
#include "cvc/host/ModelLibrary.h"
#include "cvc/tensorio/Tensor.h"
#include "cvc/train.h"

#include <map>
#include <string>
#include <vector>

namespace cvc::train {

class Trainer {
public:
  ~Trainer();
  /// Loads the model and checks that it can train; false with `error`.
  bool open(const std::string &modelPath, int threads, std::string &error);
  /// Runs the loop of train.h.
  bool run(const cvc_train_options &options, cvc_train_result &result, std::string &error);
  /// Every named tensor (weights, statistics) of the session, by name.
  std::map<std::string, tensorio::Tensor> tensors(std::string &error);

private:
  struct EntryIo {
    size_t entry = 0;
    std::vector<cvc_tensor_info> inputs, outputs;
  };
  bool describe(const char *name, EntryIo &io, std::string &error);
  bool readStates(std::vector<std::vector<float>> &states, std::string &error);
  /// Sets the model's tensors from a checkpoint's, matched by name and shape.
  bool initialiseFrom(const std::string &checkpointPath, bool progress, std::string &error);
  /// The frozen network's features of every training image, from the cache
  /// file when it matches, else computed with "features" and cached.
  std::unique_ptr<BatchSource> cachedFeatures(const cvc_dataset *dataset,
                                              const cvc_train_options &options, int64_t batch,
                                              int64_t rowSize, std::string &error);

  host::ModelLibrary lib;
  const cvc_model *model = nullptr;
  cvc_session *session = nullptr;
  EntryIo trainIo, mainIo, featuresIo;
  bool hasFeatures = false;
  std::string modelPath;

public:
  /// Seconds the frozen network's features took when the cache was written
  /// (0 unless only the head trains).
  double featureSeconds = 0.0;
};

} // namespace cvc::train

#endif // CVC_TRAIN_TRAINER_H
