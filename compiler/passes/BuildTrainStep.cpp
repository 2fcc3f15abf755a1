//===- BuildTrainStep.cpp - the pass around compiler/autodiff -----------===//
//
// The pass's options are the rows of the training-option table
// (cvc/autodiff/TrainingOptions.h), declared when the pass is made, so
// that cvc-opt accepts every setting cvc's flags do, under the table's
// names and with its checks.
//
//===----------------------------------------------------------------------===//
#include "cvc/autodiff/TrainingOptions.h"
#include "cvc/passes/Passes.h"

namespace cvc {
#define GEN_PASS_DEF_CVBUILDTRAINSTEP
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using cvc::autodiff::TrainingOptions;
using cvc::autodiff::TrainingOptionSpec;

namespace {

struct CvBuildTrainStepPass : public cvc::impl::CvBuildTrainStepBase<CvBuildTrainStepPass> {
  CvBuildTrainStepPass() { declareOptions(); }
  /// A copy (the pass manager clones passes) declares its own options; the
  /// pass manager then copies their values.
  CvBuildTrainStepPass(const CvBuildTrainStepPass &other)
      : CvBuildTrainStepBase(other), given(other.given) {
    declareOptions();
  }
  /// Settings given as a whole (the driver), instead of as pass options (cvc-opt).
  explicit CvBuildTrainStepPass(TrainingOptions given) : given(std::move(given)) {
    declareOptions();
  }

  void runOnOperation() override {
    std::optional<TrainingOptions> options = given;
    if (!options && !(options = fromPassOptions()))
      return signalPassFailure();
    if (failed(cvc::autodiff::buildTrainStep(getOperation(), *options)))
      signalPassFailure();
  }

private:
  /// The pass option of one row of the table; one of the three is set, by
  /// the row's kind.
  struct RowOption {
    const TrainingOptionSpec *spec;
    std::unique_ptr<Option<std::string>> value;
    std::unique_ptr<Option<bool>> flag;
    std::unique_ptr<ListOption<std::string>> list;
  };

  void declareOptions() {
    for (const TrainingOptionSpec &spec : cvc::autodiff::trainingOptionSpecs()) {
      RowOption row{&spec, nullptr, nullptr, nullptr};
      auto desc = llvm::cl::desc(spec.help);
      switch (spec.kind) {
      case TrainingOptionSpec::Kind::Value:
        row.value = std::make_unique<Option<std::string>>(*this, spec.option, desc,
                                                          llvm::cl::value_desc(spec.valueName));
        break;
      case TrainingOptionSpec::Kind::Flag:
        row.flag = std::make_unique<Option<bool>>(*this, spec.option, desc);
        break;
      case TrainingOptionSpec::Kind::List:
        row.list = std::make_unique<ListOption<std::string>>(*this, spec.option, desc,
                                                             llvm::cl::value_desc(spec.valueName));
        break;
      }
      rows.push_back(std::move(row));
    }
  }

  /// The table's defaults, with each option given to the pass set through it.
  std::optional<TrainingOptions> fromPassOptions() {
    TrainingOptions options;
    std::string error;
    for (const RowOption &row : rows) {
      std::string spelling = std::string("option '") + row.spec->option + "'";
      bool ok = true;
      if (row.value && row.value->hasValue())
        ok = setTrainingOption(options, *row.spec, *row.value, spelling, error);
      else if (row.flag && row.flag->hasValue())
        ok = setTrainingOption(options, *row.spec, *row.flag ? "true" : "false", spelling, error);
      else if (row.list)
        for (const std::string &element : *row.list)
          ok = ok && setTrainingOption(options, *row.spec, element, spelling, error);
      if (!ok) {
        getOperation().emitError() << "cv-build-train-step: " << error;
        return std::nullopt;
      }
    }
    return options;
  }

  std::optional<TrainingOptions> given;
  std::vector<RowOption> rows;
};

} // namespace

std::unique_ptr<Pass> cvc::createCvBuildTrainStep(const autodiff::TrainingOptions &options) {
  return std::make_unique<CvBuildTrainStepPass>(options);
}
