//===- Options.h - what one cvc invocation is asked to do -------*- C++ -*-===//
#ifndef CVC_DRIVER_OPTIONS_H
#define CVC_DRIVER_OPTIONS_H

#include "cvc/autodiff/TrainStep.h"
#include "cvc/tune/Database.h"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace cvc::driver {

/// The product `cvc` stops at.
enum class EmitKind {
  SharedLibrary, ///< model.so (default)
  Mlir,          ///< the cv dialect after the pass pipeline, weights elided
  Summary,       ///< per-layer shapes, parameters and MACs; pipeline and memory figures
  Onnx,          ///< the model as the frontend built it, written as ONNX
};

struct CompileOptions {
  std::string inputPath;
  std::string outputPath;           ///< "-" prints to stdout (text products only)
  EmitKind emit = EmitKind::SharedLibrary;
  int optLevel = 2;
  /// --input-shape NAME=d0,d1,...: fixes symbolic dimensions of model inputs.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Shape variants: --input-shape given several shapes for an input.
  /// Each entry is one variant's inputShapes (the i-th shape of every input
  /// given several, the one shape of the others); the model.so holds a plan
  /// per variant and each run takes the one its shapes match. Empty, or at
  /// least two; inputShapes is then unused.
  std::vector<std::map<std::string, std::vector<int64_t>>> shapeVariants;
  /// --constant-input NAME=FILE: model inputs fixed at compile time.
  std::map<std::string, std::string> constantInputs;
  /// --max-elements: the most elements any one tensor of an imported model
  /// may have (declared, inferred or folded); 0 keeps the importer's default.
  int64_t maxElements = 0;
  std::string modelName;            ///< defaults to the input file's stem
  /// --target: "host", a Halide target string, or empty for the module's
  /// own cv.target (an .mlir input) and else the host.
  std::string target;
  bool keepTemps = false;           ///< leave the build folder behind, for debugging
  bool verbose = false;             ///< progress and timing on stderr
  bool elideWeights = true;         ///< print dense_resource blobs as __elided__
  /// --enable-pass / --disable-pass: optional passes (by their cvc-opt
  /// name) run or skipped whatever the -O level.
  std::set<std::string> enabledPasses, disabledPasses;
  /// --bottleneck=rank:R | energy:E (opt-in, lossy): the settings of
  /// cv-low-rank-bottleneck, which runs when enabledPasses names it.
  int64_t bottleneckRank = 0;
  double bottleneckEnergy = 0.0;
  double bottleneckMaxError = 0.05; ///< refuse layers whose relative error exceeds this
  /// cv-winograd's output tile m of F(m x m, 3x3) (2 to 6); README's
  /// "Winograd and accuracy" says why 2.
  int64_t winogradTile = 2;
  /// --train: add @train_step (cv-build-train-step) with these settings.
  bool train = false;
  autodiff::TrainingOptions training;
  /// `cvc check`: import and verify only, reporting every problem at once.
  bool checkOnly = false;
  /// Keep the outputs marked `cv.aux_loss_weight` (training-only auxiliary
  /// classifiers); inference drops them first (cv-drop-aux-outputs).
  bool keepAuxOutputs = false;
  /// .cvm models: weight initialisation ("auto", "he", "xavier") and its
  /// seed, or an ONNX file to load the weights from by layer name.
  std::string weightInit = "auto";
  uint64_t seed = 0;
  std::string weightsPath;
  /// --tuning-db: schedules measured by cvc-tune, looked up for this
  /// target at `tuningThreads` (0: the target's cores) and `tuningBatch`;
  /// untuned kernels take a tuned neighbour's point unless !warmStart.
  std::string tuningDbPath;
  int tuningThreads = 0;
  int tuningBatch = 1;
  bool warmStart = true;
  /// The database at tuningDbPath, opened once by compile() for the passes
  /// (cv-winograd's choices) and the planner (each kernel's point).
  std::shared_ptr<const tune::TuningDatabase> tuningDb;
};

} // namespace cvc::driver

#endif // CVC_DRIVER_OPTIONS_H
