//===- TrainingOptions.cpp - the one table of a training step's settings ===//
//
// Ranges are the ones the update rules need (torch.optim's own checks):
// a batch of at least one, non-negative momentum and decay, Adam's betas
// in [0, 1) and a positive epsilon, label smoothing in [0, 1), and a
// batch-norm momentum in [0, 1] (PyTorch's convention: the weight of the
// batch statistics in the running ones).
//
//===----------------------------------------------------------------------===//
#include "cvc/autodiff/TrainingOptions.h"

#include <limits>

namespace cvc::autodiff {
namespace {

bool readInt(llvm::StringRef text, int64_t min, int64_t &out, std::string &why) {
  int64_t value;
  if (text.trim().getAsInteger(10, value) || value < min) {
    why = "must be an integer >= " + std::to_string(min);
    return false;
  }
  out = value;
  return true;
}

/// A float in the interval from `low` to `high`, each bound included or
/// not; `range` says which in the message.
bool readFloat(llvm::StringRef text, double low, bool lowIncluded, double high,
               bool highIncluded, const char *range, float &out, std::string &why) {
  double value;
  bool ok = !text.trim().getAsDouble(value) && (lowIncluded ? value >= low : value > low) &&
            (highIncluded ? value <= high : value < high);
  if (!ok) {
    why = std::string("must be a number ") + range;
    return false;
  }
  out = static_cast<float>(value);
  return true;
}

constexpr double kInfinity = std::numeric_limits<double>::infinity();

using Kind = TrainingOptionSpec::Kind;

const TrainingOptionSpec kSpecs[] = {
    {"batch", "train-batch", Kind::Value, "N", "Static batch of train_step (default 32)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       return readInt(t, 1, o.batch, why);
     }},
    {"optimizer", "optimizer", Kind::Value, "sgd|adam|adamw", "The optimizer (default sgd)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       std::optional<Optimizer> kind = parseOptimizer(t.trim());
       if (!kind)
         why = "must be sgd, adam or adamw";
       else
         o.optimizer = *kind;
       return kind.has_value();
     }},
    {"momentum", "momentum", Kind::Value, "m", "SGD momentum (default 0.9; 0 for none)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       return readFloat(t, 0, true, kInfinity, false, ">= 0", o.momentum, why);
     }},
    {"weight-decay", "weight-decay", Kind::Value, "d",
     "L2 penalty (sgd, adam) or decoupled decay (adamw) (default 0)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       return readFloat(t, 0, true, kInfinity, false, ">= 0", o.weightDecay, why);
     }},
    {"beta1", "adam-beta1", Kind::Value, "b", "Adam's first-moment decay (default 0.9)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       return readFloat(t, 0, true, 1, false, "in [0, 1)", o.beta1, why);
     }},
    {"beta2", "adam-beta2", Kind::Value, "b", "Adam's second-moment decay (default 0.999)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       return readFloat(t, 0, true, 1, false, "in [0, 1)", o.beta2, why);
     }},
    {"epsilon", "adam-epsilon", Kind::Value, "e", "Adam's epsilon (default 1e-8)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       return readFloat(t, 0, false, kInfinity, false, "> 0", o.epsilon, why);
     }},
    {"label-smoothing", "label-smoothing", Kind::Value, "s",
     "Label smoothing of the loss (default 0)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       return readFloat(t, 0, true, 1, false, "in [0, 1)", o.labelSmoothing, why);
     }},
    {"batch-norm-momentum", "batch-norm-momentum", Kind::Value, "m",
     "Weight of the batch statistics in batch-norm's running ones (default 0.1)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       return readFloat(t, 0, true, 1, true, "in [0, 1]", o.batchNormMomentum, why);
     }},
    {"freeze", "freeze", Kind::List, "prefix,...",
     "Do not train parameters whose names start with these",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       if (t.trim().empty()) {
         why = "must name a prefix";
         return false;
       }
       o.frozenPrefixes.push_back(t.trim().str());
       return true;
     }},
    {"freeze-until", "freeze-until", Kind::Value, "name",
     "Train only from the first parameter whose name starts with this on",
     [](TrainingOptions &o, llvm::StringRef t, std::string &) {
       o.freezeUntil = t.trim().str();
       return true;
     }},
    {"replace-head", "replace-head", Kind::Value, "classes",
     "Transfer learning: a new, untrained final classifier with this many classes (0: keep it)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       return readInt(t, 0, o.replaceHead, why);
     }},
    {"head-seed", nullptr, Kind::Value, "s", "Seed of the new head's weights (cvc: --seed)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       if (t.trim().getAsInteger(10, o.headSeed)) {
         why = "must be an integer >= 0";
         return false;
       }
       return true;
     }},
    {"export-gradients", "train-export-gradients", Kind::Flag, "",
     "train_step also outputs the flat gradient (for checks)",
     [](TrainingOptions &o, llvm::StringRef t, std::string &why) {
       if (t != "true" && t != "false") {
         why = "must be true or false";
         return false;
       }
       o.exportGradients = t == "true";
       return true;
     }},
};

} // namespace

llvm::ArrayRef<TrainingOptionSpec> trainingOptionSpecs() { return kSpecs; }

const TrainingOptionSpec *findTrainingOption(llvm::StringRef option) {
  for (const TrainingOptionSpec &spec : kSpecs)
    if (option == spec.option)
      return &spec;
  return nullptr;
}

bool setTrainingOption(TrainingOptions &options, const TrainingOptionSpec &spec,
                       llvm::StringRef text, llvm::StringRef spelling, std::string &error) {
  std::string why;
  if (spec.set(options, text, why))
    return true;
  error = spelling.str() + " " + why + ", got '" + text.str() + "'";
  return false;
}

} // namespace cvc::autodiff
