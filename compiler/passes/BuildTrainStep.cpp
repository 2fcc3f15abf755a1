//===- BuildTrainStep.cpp - the pass around compiler/autodiff -----------===//
#include "cvc/autodiff/TrainStep.h"
#include "cvc/passes/Passes.h"

namespace cvc {
#define GEN_PASS_DEF_CVBUILDTRAINSTEP
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;

namespace {

struct CvBuildTrainStepPass : public cvc::impl::CvBuildTrainStepBase<CvBuildTrainStepPass> {
  using CvBuildTrainStepBase::CvBuildTrainStepBase;
  /// Settings given as a whole (the driver), instead of as pass options (cvc-opt).
  explicit CvBuildTrainStepPass(cvc::autodiff::TrainingOptions given) : given(std::move(given)) {}

  void runOnOperation() override {
    std::optional<cvc::autodiff::TrainingOptions> options = given;
    if (!options && !(options = fromPassOptions()))
      return signalPassFailure();
    if (failed(cvc::autodiff::buildTrainStep(getOperation(), *options)))
      signalPassFailure();
  }

private:
  std::optional<cvc::autodiff::TrainingOptions> fromPassOptions() {
    cvc::autodiff::TrainingOptions options;
    auto optimizerKind = cvc::autodiff::parseOptimizer(optimizer);
    if (!optimizerKind) {
      getOperation().emitError() << "unknown optimizer '" << optimizer
                                 << "'; expected sgd, adam or adamw";
      return std::nullopt;
    }
    options.optimizer = *optimizerKind;
    options.batch = batch;
    options.momentum = static_cast<float>(momentum);
    options.weightDecay = static_cast<float>(weightDecay);
    options.beta1 = static_cast<float>(beta1);
    options.beta2 = static_cast<float>(beta2);
    options.epsilon = static_cast<float>(epsilon);
    options.labelSmoothing = static_cast<float>(labelSmoothing);
    options.batchNormMomentum = static_cast<float>(batchNormMomentum);
    options.frozenPrefixes.assign(freeze.begin(), freeze.end());
    options.exportGradients = exportGradients;
    options.freezeUntil = freezeUntil;
    options.replaceHead = replaceHead;
    options.headSeed = headSeed;
    return options;
  }

  std::optional<cvc::autodiff::TrainingOptions> given;
};

} // namespace

std::unique_ptr<Pass> cvc::createCvBuildTrainStep(const autodiff::TrainingOptions &options) {
  return std::make_unique<CvBuildTrainStepPass>(options);
}
