//===- Ensemble.h - cvc-run with several models or crops ---------*- C++ -*-===//
#ifndef CVC_TOOLS_CVCRUN_ENSEMBLE_H
#define CVC_TOOLS_CVCRUN_ENSEMBLE_H

#include "cvc/data.h"

#include <string>
#include <vector>

namespace cvc::tools {

struct EnsembleOptions {
  std::vector<std::string> models;
  std::string input;     ///< .npy/.pb file of N x C x H x W images; empty: random
  std::string inputName; ///< when given (NAME=FILE), every model's input must have it
  long batch = 1, iterations = 10, warmup = 2, threads = 0, seed = 0;
  size_t crops = 0;          ///< 0: none; 1, 5 or 10 standard crops per image
  int cropHeight = 0, cropWidth = 0; ///< 0: each model's input size
  cvc_ensemble_softmax softmax = CVC_SOFTMAX_AUTO;
  std::string outputDir;
  bool print = false;
};

/// Runs every model on the same images (cut into crops when asked), each on
/// its own thread and session, and averages their class probabilities with
/// cvc_ensemble. Writes DIR/<model stem>/<output>.npy per model and
/// DIR/ensemble.npy. False and a message on error.
bool runEnsemble(const EnsembleOptions &options, std::string &error);

} // namespace cvc::tools

#endif // CVC_TOOLS_CVCRUN_ENSEMBLE_H
