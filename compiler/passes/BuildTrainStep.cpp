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

  void runOnOperation() override {
    cvc::autodiff::TrainingOptions options;
    auto optimizerKind = cvc::autodiff::parseOptimizer(optimizer);
    if (!optimizerKind) {
      getOperation().emitError() << "unknown optimizer '" << optimizer
                                 << "'; expected sgd, adam or adamw";
      return signalPassFailure();
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
    if (failed(cvc::autodiff::buildTrainStep(getOperation(), options)))
      signalPassFailure();
  }
};

} // namespace
