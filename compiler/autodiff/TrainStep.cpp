//===- TrainStep.cpp - forward, loss, reverse sweep and update as @train_step ===//
#include "cvc/autodiff/TrainStep.h"

#include "DataParallelEntries.h"
#include "Gradients.h"
#include "Optimizers.h"
#include "StateLayout.h"
#include "TransferLearning.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace cvc::autodiff {
namespace {

constexpr const char *kAuxWeightAttr = "cv.aux_loss_weight";

RankedTensorType flatType(MLIRContext *ctx, int64_t n) {
  return RankedTensorType::get({1, n}, Float32Type::get(ctx));
}

/// Gives every value's dynamic leading dimension the extent `batch`.
LogicalResult setStaticBatch(func::FuncOp func, int64_t batch) {
  auto fix = [&](Value v) {
    auto type = llvm::cast<RankedTensorType>(v.getType());
    if (type.getRank() > 0 && type.isDynamicDim(0)) {
      SmallVector<int64_t> shape(type.getShape());
      shape[0] = batch;
      v.setType(type.clone(shape));
    }
  };
  for (BlockArgument arg : func.getArguments()) {
    auto type = llvm::cast<RankedTensorType>(arg.getType());
    if (type.getRank() == 0 || (!type.isDynamicDim(0) && type.getDimSize(0) != batch))
      return func.emitError() << "training needs a dynamic batch dimension on every input, but '"
                              << func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kNameAttr)
                              << "' has type " << type
                              << "; export the model with a dynamic batch axis";
    fix(arg);
  }
  func.walk([&](Operation *op) {
    for (Value result : op->getResults())
      fix(result);
  });
  return success();
}

/// Batch-norm in training mode: normalise with the batch's statistics and
/// emit the running statistics' update. Built from elementwise ops and
/// reductions, whose gradient rules then differentiate it.
struct TrainingBatchNorm {
  Value output, newMean, newVariance;
};

TrainingBatchNorm emitTrainingBatchNorm(OpBuilder &b, cv::BatchNormOp bn, float momentum) {
  Location loc = bn.getLoc();
  RankedTensorType type = tensorType(bn.getInput());
  int64_t channels = type.getDimSize(1), count = 1;
  SmallVector<int64_t> axes, statShape(type.getRank(), 1);
  statShape[1] = channels;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (i != 1) {
      axes.push_back(i);
      count *= type.getDimSize(i);
    }
  Value x = bn.getInput();
  Value mean = b.create<cv::ReduceOp>(loc, x, cv::ReduceKind::mean, axes);
  Value centred = b.create<cv::SubOp>(loc, x, mean);
  Value variance = b.create<cv::ReduceOp>(loc, b.create<cv::MulOp>(loc, centred, centred),
                                          cv::ReduceKind::mean, axes);
  float epsilon = bn.getEpsilon().convertToFloat();
  Value invStd = b.create<cv::ReciprocalOp>(
      loc, b.create<cv::SqrtOp>(loc, b.create<cv::AddOp>(loc, variance, splat(b, loc, epsilon))));
  // invStd · scale per channel first: one pass over the activations fewer
  // forward and backward than (centred · invStd) · scale, and as exact.
  Value coefficient = b.create<cv::MulOp>(loc, invStd, reshape(b, loc, bn.getScale(), statShape));
  Value scaled = b.create<cv::MulOp>(loc, centred, coefficient);
  TrainingBatchNorm result;
  result.output = b.create<cv::AddOp>(loc, scaled, reshape(b, loc, bn.getBias(), statShape));
  // PyTorch's running variance uses the unbiased batch variance.
  auto running = [&](Value old, Value batchValue, float correction) {
    Value batchFlat = reshape(b, loc, batchValue, {channels});
    return b.create<cv::AddOp>(
        loc, b.create<cv::MulOp>(loc, old, splat(b, loc, 1.0f - momentum)),
        b.create<cv::MulOp>(loc, batchFlat, splat(b, loc, momentum * correction)));
  };
  result.newMean = running(bn.getMean(), mean, 1.0f);
  result.newVariance =
      running(bn.getVariance(), variance, count > 1 ? float(count) / float(count - 1) : 1.0f);
  return result;
}

class TrainStepBuilder {
public:
  TrainStepBuilder(ModuleOp module, func::FuncOp main, const TrainingOptions &options)
      : module(module), main(main), options(options), ctx(module.getContext()) {}

  LogicalResult build();

private:
  LogicalResult checkOutputs();
  LogicalResult differentiate(func::FuncOp train, OpBuilder &b, Value labels, Value lossGradSeed,
                              const std::vector<Value> &views, std::vector<Value> &gradients);
  void recordStates(const StateTensors &tensors);
  FreezeRule freezeRule() const { return {options.frozenPrefixes, options.freezeUntil}; }
  bool hasAuxOutputs() {
    for (unsigned i = 0; i < main.getNumResults(); ++i)
      if (main.getResultAttr(i, kAuxWeightAttr))
        return true;
    return false;
  }
  void rewriteMain(const StateTensors &tensors);

  ModuleOp module;
  func::FuncOp main;
  const TrainingOptions &options;
  MLIRContext *ctx;
  // Filled by build(): the states' flat sizes and initial values.
  std::vector<float> initialParameters, initialStatistics;
};

LogicalResult TrainStepBuilder::checkOutputs() {
  if (main.getNumResults() == 0)
    return main.emitError() << "the model has no output to train";
  for (unsigned i = 0; i < main.getNumResults(); ++i) {
    auto type = llvm::cast<RankedTensorType>(main.getResultTypes()[i]);
    bool aux = main.getResultAttr(i, kAuxWeightAttr) != nullptr;
    if ((i == 0 || aux) && type.getRank() != 2)
      return main.emitError() << "training needs [N, classes] logits as output #" << i
                              << ", got " << type;
  }
  return success();
}

LogicalResult TrainStepBuilder::differentiate(func::FuncOp train, OpBuilder &b, Value labels,
                                              Value seedScale,
                                              const std::vector<Value> &views,
                                              std::vector<Value> &gradients) {
  // Which values depend on a parameter: only their gradients are computed.
  llvm::DenseSet<Value> needsGrad(views.begin(), views.end());
  llvm::DenseSet<Operation *> viewOps;
  for (Value v : views) {
    viewOps.insert(v.getDefiningOp());
    viewOps.insert(v.getDefiningOp()->getOperand(0).getDefiningOp());
  }
  std::vector<Operation *> forward;
  for (Operation &op : train.getBody().front().without_terminator()) {
    if (viewOps.contains(&op))
      continue;
    forward.push_back(&op);
    if (llvm::any_of(op.getOperands(), [&](Value v) { return needsGrad.contains(v); }))
      for (Value r : op.getResults())
        needsGrad.insert(r);
  }

  auto ret = llvm::cast<func::ReturnOp>(train.getBody().front().getTerminator());
  llvm::DenseMap<Value, Value> grads;
  auto accumulate = [&](Value v, Value g) {
    auto [it, inserted] = grads.try_emplace(v, g);
    if (!inserted)
      it->second = b.create<cv::AddOp>(g.getLoc(), it->second, g);
  };
  // Seeds: the loss gradient of every output that has a loss.
  for (unsigned i = 0; i < ret.getNumOperands(); ++i) {
    auto weight = main.getResultAttrOfType<FloatAttr>(i, kAuxWeightAttr);
    if (i != 0 && !weight)
      continue;
    Value logits = logitsOf(ret.getOperand(i));
    Value scale = weight ? splat(b, ret.getLoc(), weight.getValueAsDouble()) : seedScale;
    accumulate(logits, b.create<cv::SoftmaxCrossEntropyBackwardOp>(
                           ret.getLoc(), logits.getType(), logits, labels, scale,
                           b.getF32FloatAttr(options.labelSmoothing)));
  }
  for (Operation *op : llvm::reverse(forward)) {
    if (op->getNumResults() != 1)
      continue;
    auto it = grads.find(op->getResult(0));
    if (it == grads.end())
      continue;
    SmallVector<bool> wanted;
    for (Value v : op->getOperands())
      wanted.push_back(needsGrad.contains(v));
    if (llvm::none_of(wanted, [](bool w) { return w; }))
      continue;
    OperandGradients operandGrads;
    if (failed(emitGradients(b, op, it->second, wanted, operandGrads)))
      return failure();
    for (auto [v, g] : llvm::zip(op->getOperands(), operandGrads))
      if (g)
        accumulate(v, g);
  }
  for (Value view : views) {
    Value g = grads.lookup(view);
    if (!g)
      g = splat(b, view.getLoc(), 0.0f, tensorType(view).getShape());
    gradients.push_back(g);
  }
  return success();
}

LogicalResult TrainStepBuilder::build() {
  if (failed(checkOutputs()))
    return failure();
  if (options.replaceHead > 0 &&
      failed(replaceHead(main, options.replaceHead, options.headSeed)))
    return failure();
  if (!options.freezeUntil.empty()) {
    StateTensors all = findStateTensors(main, {options.frozenPrefixes, ""});
    if (llvm::none_of(all.slices, [&](const StateSlice &s) {
          return llvm::StringRef(s.name).starts_with(options.freezeUntil);
        }))
      return main.emitError() << "--freeze-until '" << options.freezeUntil
                              << "': no parameter's name starts with it";
  }
  StateTensors tensors = findStateTensors(main, freezeRule());
  if (tensors.parameterCount == 0)
    return main.emitError() << "the model has no trainable parameters"
                            << (options.frozenPrefixes.empty() && options.freezeUntil.empty()
                                    ? ""
                                    : " left after freezing");
  for (Value v : tensors.constants)
    if (!cv::readFloatConstant(v))
      return v.getDefiningOp()->emitOpError() << "holds no readable data to train from";
  initialParameters = initialState(tensors, StateRole::Parameter);
  initialStatistics = initialState(tensors, StateRole::Statistic);

  // Only the head trains on what a frozen network computes: the loop can
  // train it from cached features. Not with dropout, which must draw a new
  // mask every step.
  cv::FullyConnectedOp head = findHead(main);
  bool hasDropout = false;
  main.walk([&](cv::DropoutOp) { hasDropout = true; });
  bool headOnly = head && !hasAuxOutputs() && !hasDropout &&
                  head.getInput().getDefiningOp() != nullptr &&
                  llvm::all_of(tensors.constants, [&](Value v) {
                    return v == head.getWeight() || v == head.getBias();
                  });

  func::FuncOp train = main.clone();
  train.setName("train_step");
  module.push_back(train);
  if (failed(setStaticBatch(train, options.batch)))
    return failure();
  if (headOnly) {
    addFeaturesEntry(module, main);
    trainFromFeatures(train);
  }

  // Arguments: the model's inputs, labels, optimizer scalars, then states.
  Block &body = train.getBody().front();
  Location loc = train.getLoc();
  SmallVector<std::pair<std::string, Type>> extra;
  auto scalar = RankedTensorType::get({1}, Float32Type::get(ctx));
  extra.push_back({"labels", RankedTensorType::get({options.batch}, Float32Type::get(ctx))});
  std::vector<std::string> scalarNames = optimizerScalarNames(options);
  SmallVector<cv::DropoutOp> dropouts;
  train.walk([&](cv::DropoutOp d) { dropouts.push_back(d); });
  // Dropout masks are drawn from the step count, which Adam reads too.
  if (!dropouts.empty() && llvm::find(scalarNames, "step") == scalarNames.end())
    scalarNames.push_back("step");
  for (const std::string &name : scalarNames)
    extra.push_back({name, scalar});
  size_t firstState = train.getNumArguments() + extra.size();
  extra.push_back({"parameters", flatType(ctx, tensors.parameterCount)});
  for (const std::string &name : optimizerSlotNames(options))
    extra.push_back({name, flatType(ctx, tensors.parameterCount)});
  if (tensors.statisticCount)
    extra.push_back({"statistics", flatType(ctx, tensors.statisticCount)});
  for (auto &[name, type] : extra) {
    unsigned index = train.getNumArguments();
    train.insertArgument(index, type, {}, loc);
    train.setArgAttr(index, kNameAttr, StringAttr::get(ctx, name));
    if (index >= firstState)
      train.setArgAttr(index, kStateAttr, StringAttr::get(ctx, name));
  }
  auto argNamed = [&](StringRef name) -> Value {
    int i = argumentNamed(train, name);
    return i < 0 ? Value() : train.getArgument(i);
  };
  Value parameters = argNamed("parameters"), statistics = argNamed("statistics");

  StateTensors trainTensors = findStateTensors(train, freezeRule());
  std::vector<Value> views = replaceWithViews(train, trainTensors, parameters, statistics);

  // Dropout multiplies by a fresh mask every step; the product's gradient
  // rule then applies the same mask to the gradient.
  for (auto [index, dropout] : llvm::enumerate(dropouts)) {
    OpBuilder b(dropout);
    Value mask = b.create<cv::DropoutMaskOp>(dropout.getLoc(), dropout.getType(), argNamed("step"),
                                             /*sample_offset=*/Value(), dropout.getRatioAttr(),
                                             b.getI64IntegerAttr(static_cast<int64_t>(index)));
    Value dropped = b.create<cv::MulOp>(dropout.getLoc(), dropout.getInput(), mask);
    dropout.getOutput().replaceAllUsesWith(dropped);
    dropout.erase();
  }

  // Batch norms switch to batch statistics; their running statistics update.
  llvm::DenseMap<Value, Value> newStatistic;
  SmallVector<cv::BatchNormOp> norms;
  // A frozen batch norm (its statistics constants) keeps inference behaviour.
  train.walk([&](cv::BatchNormOp bn) {
    if (!bn.getMean().getDefiningOp<cv::ConstantOp>())
      norms.push_back(bn);
  });
  for (cv::BatchNormOp bn : norms) {
    OpBuilder b(bn);
    TrainingBatchNorm t = emitTrainingBatchNorm(b, bn, options.batchNormMomentum);
    newStatistic[bn.getMean()] = t.newMean;
    newStatistic[bn.getVariance()] = t.newVariance;
    bn.getOutput().replaceAllUsesWith(t.output);
    bn.erase();
  }

  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  OpBuilder b(ret);
  Value labels = argNamed("labels");
  // The loss: the main output's, plus each auxiliary classifier's, weighted.
  Value loss;
  for (unsigned i = 0; i < ret.getNumOperands(); ++i) {
    auto weight = main.getResultAttrOfType<FloatAttr>(i, kAuxWeightAttr);
    if (i != 0 && !weight)
      continue;
    Value logits = logitsOf(ret.getOperand(i));
    Value term = b.create<cv::SoftmaxCrossEntropyOp>(loc, scalar, logits, labels,
                                                     b.getF32FloatAttr(options.labelSmoothing));
    if (weight)
      term = b.create<cv::MulOp>(loc, term, splat(b, loc, weight.getValueAsDouble()));
    loss = loss ? b.create<cv::AddOp>(loc, loss, term).getResult() : term;
  }
  Value logits = logitsOf(ret.getOperand(0));

  std::vector<Value> parameterViews;
  std::vector<int64_t> parameterSizes;
  for (auto [view, slice] : llvm::zip(views, trainTensors.slices))
    if (slice.role == StateRole::Parameter) {
      parameterViews.push_back(view);
      parameterSizes.push_back(slice.size());
    }
  std::vector<Value> gradients;
  if (failed(differentiate(train, b, labels, splat(b, loc, 1.0f), parameterViews, gradients)))
    return failure();
  SmallVector<Value> flatGrads, flatStats;
  for (auto [g, size] : llvm::zip(gradients, parameterSizes))
    flatGrads.push_back(reshape(b, loc, g, {1, size}));
  Value gradient = flatGrads.size() == 1
                       ? flatGrads.front()
                       : b.create<cv::ConcatOp>(loc, flatGrads, 1).getResult();

  SmallVector<Value> scalars, slots;
  for (const std::string &name : optimizerScalarNames(options))
    scalars.push_back(argNamed(name));
  for (const std::string &name : optimizerSlotNames(options))
    slots.push_back(argNamed(name));
  OptimizerUpdate update =
      emitOptimizerUpdate(b, loc, options, parameters, gradient, scalars, slots);

  // Results: loss, logits, then each state's new value (and the gradient).
  SmallVector<Value> results = {loss, logits};
  SmallVector<std::pair<std::string, bool>> resultNames = {{"loss", false}, {"logits", false}};
  results.push_back(update.parameters);
  resultNames.push_back({"parameters", true});
  for (auto [value, name] : llvm::zip(update.slots, optimizerSlotNames(options))) {
    results.push_back(value);
    resultNames.push_back({name, true});
  }
  Value newStatistics;
  if (trainTensors.statisticCount) {
    // Statistics in layout order; a statistic no batch norm updated keeps its value.
    for (size_t i = 0; i < trainTensors.slices.size(); ++i) {
      const StateSlice &slice = trainTensors.slices[i];
      if (slice.role != StateRole::Statistic)
        continue;
      Value updated = newStatistic.lookup(views[i]);
      flatStats.push_back(reshape(b, loc, updated ? updated : views[i], {1, slice.size()}));
    }
    newStatistics = flatStats.size() == 1
                        ? flatStats.front()
                        : b.create<cv::ConcatOp>(loc, flatStats, 1).getResult();
    results.push_back(newStatistics);
    resultNames.push_back({"statistics", true});
  }
  if (options.exportGradients) {
    results.push_back(gradient);
    resultNames.push_back({"gradients", false});
  }
  b.create<func::ReturnOp>(loc, results);
  ret.erase();
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  train.setType(FunctionType::get(ctx, body.getArgumentTypes(), resultTypes));
  train.setAllResultAttrs(ArrayRef<DictionaryAttr>{});
  for (auto [i, nameAndState] : llvm::enumerate(resultNames)) {
    train.setResultAttr(i, kNameAttr, StringAttr::get(ctx, nameAndState.first));
    if (nameAndState.second)
      train.setResultAttr(i, kStateAttr, StringAttr::get(ctx, nameAndState.first));
  }
  if (failed(addDataParallelEntries(module, {train, loss, logits, gradient, newStatistics},
                                    options)))
    return failure();
  recordStates(trainTensors);
  rewriteMain(tensors);
  return success();
}

/// Module attributes the planner reads: each state's size and initial value
/// (absent: zeros), and each named slice.
void TrainStepBuilder::recordStates(const StateTensors &tensors) {
  OpBuilder b(ctx);
  SmallVector<Attribute> states;
  auto state = [&](StringRef name, int64_t size, Attribute init) {
    SmallVector<NamedAttribute> fields = {b.getNamedAttr("name", b.getStringAttr(name)),
                                          b.getNamedAttr("size", b.getI64IntegerAttr(size))};
    if (init)
      fields.push_back(b.getNamedAttr("init", init));
    states.push_back(b.getDictionaryAttr(fields));
  };
  auto initAttr = [&](StringRef name, const std::vector<float> &data) -> Attribute {
    auto type = RankedTensorType::get({static_cast<int64_t>(data.size())}, b.getF32Type());
    ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()), data.size() * sizeof(float));
    return DenseResourceElementsAttr::get(
        type, name, HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64));
  };
  state("parameters", tensors.parameterCount, initAttr("initial_parameters", initialParameters));
  for (const std::string &name : optimizerSlotNames(options))
    state(name, tensors.parameterCount, nullptr);
  if (tensors.statisticCount)
    state("statistics", tensors.statisticCount,
          initAttr("initial_statistics", initialStatistics));
  SmallVector<Attribute> slices;
  for (const StateSlice &slice : tensors.slices)
    slices.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("name", b.getStringAttr(slice.name)),
         b.getNamedAttr("state", b.getStringAttr(slice.role == StateRole::Parameter
                                                     ? "parameters"
                                                     : "statistics")),
         b.getNamedAttr("offset", b.getI64IntegerAttr(slice.offset)),
         b.getNamedAttr("shape", b.getDenseI64ArrayAttr(slice.shape))}));
  module->setAttr("cv.states", b.getArrayAttr(states));
  module->setAttr("cv.state_slices", b.getArrayAttr(slices));
}

/// @main reads the trained weights: its constants become views of the
/// states, and auxiliary classifiers, used only in training, leave it.
void TrainStepBuilder::rewriteMain(const StateTensors &tensors) {
  Location loc = main.getLoc();
  auto addState = [&](StringRef name, int64_t size) -> Value {
    unsigned index = main.getNumArguments();
    main.insertArgument(index, flatType(ctx, size), {}, loc);
    main.setArgAttr(index, kNameAttr, StringAttr::get(ctx, name));
    main.setArgAttr(index, kStateAttr, StringAttr::get(ctx, name));
    return main.getArgument(index);
  };
  Value parameters = addState("parameters", tensors.parameterCount);
  Value statistics = tensors.statisticCount ? addState("statistics", tensors.statisticCount) : Value();
  replaceWithViews(main, tensors, parameters, statistics);
  llvm::BitVector aux(main.getNumResults());
  for (unsigned i = 0; i < main.getNumResults(); ++i)
    if (main.getResultAttr(i, kAuxWeightAttr))
      aux.set(i);
  if (aux.any()) {
    auto ret = llvm::cast<func::ReturnOp>(main.getBody().front().getTerminator());
    for (int i = static_cast<int>(aux.size()) - 1; i >= 0; --i)
      if (aux.test(i))
        ret->eraseOperand(i);
    (void)main.eraseResults(aux);
  }
}

} // namespace

std::optional<Optimizer> parseOptimizer(llvm::StringRef name) {
  if (name == "sgd")
    return Optimizer::Sgd;
  if (name == "adam")
    return Optimizer::Adam;
  if (name == "adamw")
    return Optimizer::AdamW;
  return std::nullopt;
}

LogicalResult buildTrainStep(ModuleOp module, const TrainingOptions &options) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return module.emitError() << "the model has no @main function";
  if (module.lookupSymbol("train_step"))
    return module.emitError() << "the module already has a @train_step";
  if (options.batch < 1)
    return module.emitError() << "the training batch must be >= 1";
  if (auto why = main->getAttrOfType<StringAttr>("cv.untrainable"))
    return main.emitError() << "the model cannot be trained: " << why.getValue();
  return TrainStepBuilder(module, main, options).build();
}

} // namespace cvc::autodiff
