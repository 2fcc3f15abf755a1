//===- DataParallelEntries.cpp - @train_gradients and @apply_gradients ---===//
#include "DataParallelEntries.h"

#include "Gradients.h"
#include "Optimizers.h"
#include "StateLayout.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/BitVector.h"

using namespace mlir;

namespace cvc::autodiff {
namespace {

struct NamedResult {
  Value value;
  StringRef name;
  bool state;
};

/// Ends `f` with `results`, naming each (and marking state updates).
void setResults(func::FuncOp f, ArrayRef<NamedResult> results) {
  Block &body = f.getBody().front();
  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  OpBuilder b(ret);
  SmallVector<Value> values;
  SmallVector<Type> types;
  for (const NamedResult &r : results) {
    values.push_back(r.value);
    types.push_back(r.value.getType());
  }
  b.create<func::ReturnOp>(ret.getLoc(), values);
  ret.erase();
  f.setType(FunctionType::get(f.getContext(), body.getArgumentTypes(), types));
  f.setAllResultAttrs(ArrayRef<DictionaryAttr>{});
  MLIRContext *ctx = f.getContext();
  for (auto [i, r] : llvm::enumerate(results)) {
    f.setResultAttr(i, kNameAttr, StringAttr::get(ctx, r.name));
    if (r.state)
      f.setResultAttr(i, kStateAttr, StringAttr::get(ctx, r.name));
  }
}

/// Dropout masks in @train_gradients count their elements from the first
/// sample of the caller's part of a larger batch, a "sample_offset" input
/// after "step": data-parallel ranks then draw the masks of one process
/// running the whole batch, and no two ranks draw the same.
void addSampleOffset(func::FuncOp f) {
  SmallVector<cv::DropoutMaskOp> masks;
  f.walk([&](cv::DropoutMaskOp mask) { masks.push_back(mask); });
  if (masks.empty())
    return;
  MLIRContext *ctx = f.getContext();
  Type scalar = masks.front().getStep().getType();
  unsigned index = static_cast<unsigned>(argumentNamed(f, "step")) + 1;
  auto attrs = DictionaryAttr::get(
      ctx, {NamedAttribute(StringAttr::get(ctx, kNameAttr), StringAttr::get(ctx, "sample_offset"))});
  f.insertArgument(index, scalar, attrs, f.getLoc());
  for (cv::DropoutMaskOp mask : masks)
    mask.getSampleOffsetMutable().assign(f.getArgument(index));
}

/// train_step up to the gradient: the update is cut off, and the scalars
/// and slots only it read leave the signature.
LogicalResult addTrainGradients(ModuleOp module, const TrainStepValues &step,
                                const TrainingOptions &options) {
  IRMapping map;
  func::FuncOp train = step.train;
  func::FuncOp f = train.clone(map);
  f.setName("train_gradients");
  module.push_back(f);
  // The flat gradient leaves as [P] through a view: returned as is, the
  // concat of every parameter's gradient could not be built in place (a
  // returned concat is not made in place) and took a 62-way select per
  // element, 300 ms of ResNet-18's 640 ms step. Through the view, the
  // planner makes the caller's buffer the concat's storage (rootAtOutput):
  // each gradient kernel writes its slice of it, with no copy out.
  Value gradient = map.lookup(step.gradient);
  int64_t count = llvm::cast<RankedTensorType>(gradient.getType()).getNumElements();
  OpBuilder b(f.getBody().front().getTerminator());
  Value flat = reshape(b, gradient.getLoc(), gradient, {count});
  SmallVector<NamedResult> results = {{map.lookup(step.loss), "loss", false},
                                      {map.lookup(step.logits), "logits", false},
                                      {flat, "gradients", false}};
  if (step.statistics)
    results.push_back({map.lookup(step.statistics), "statistics", true});
  setResults(f, results);
  Block &body = f.getBody().front();
  // The update is now dead: erased from the end, users before producers.
  for (Operation *op = body.getTerminator()->getPrevNode(); op;) {
    Operation *previous = op->getPrevNode();
    if (isOpTriviallyDead(op))
      op->erase();
    op = previous;
  }
  llvm::BitVector unused(f.getNumArguments());
  std::vector<std::string> onlyUpdate = optimizerScalarNames(options);
  onlyUpdate.push_back("step"); // Adam's; dropout's masks keep it in use
  for (const std::string &slot : optimizerSlotNames(options))
    onlyUpdate.push_back(slot);
  for (const std::string &name : onlyUpdate)
    if (int i = argumentNamed(f, name); i >= 0 && f.getArgument(i).use_empty())
      unused.set(i);
  f.eraseArguments(unused);
  for (const std::string &name : optimizerSlotNames(options))
    if (argumentNamed(f, name) >= 0)
      return f.emitError() << "@train_gradients still reads the optimizer slot '" << name << "'";
  addSampleOffset(f);
  return success();
}

/// The optimizer's update of train_step, on a gradient the caller passes.
LogicalResult addApplyGradients(ModuleOp module, const TrainStepValues &step,
                                const TrainingOptions &options) {
  func::FuncOp train = step.train;
  MLIRContext *ctx = module.getContext();
  Location loc = train.getLoc();
  SmallVector<std::string> names = {"gradients"};
  auto gradientType = llvm::cast<RankedTensorType>(step.gradient.getType());
  SmallVector<Type> types = {
      RankedTensorType::get({gradientType.getNumElements()}, gradientType.getElementType())};
  std::vector<std::string> scalars = optimizerScalarNames(options), slots = optimizerSlotNames(options);
  SmallVector<std::string> stateNames = {"parameters"};
  stateNames.append(slots.begin(), slots.end());
  for (const std::string &name : scalars)
    names.push_back(name);
  size_t firstState = names.size();
  names.append(stateNames.begin(), stateNames.end());
  for (size_t i = 1; i < names.size(); ++i) {
    int index = argumentNamed(train, names[i]);
    if (index < 0)
      return train.emitError() << "@train_step has no argument '" << names[i] << "'";
    types.push_back(train.getArgument(index).getType());
  }
  auto f = func::FuncOp::create(loc, "apply_gradients", FunctionType::get(ctx, types, {}));
  Block *body = f.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(names)) {
    f.setArgAttr(i, kNameAttr, StringAttr::get(ctx, name));
    if (i >= firstState)
      f.setArgAttr(i, kStateAttr, StringAttr::get(ctx, name));
  }
  OpBuilder b = OpBuilder::atBlockEnd(body);
  ValueRange args = body->getArguments();
  Value gradient = reshape(b, loc, args[0], gradientType.getShape());
  OptimizerUpdate update =
      emitOptimizerUpdate(b, loc, options, args[firstState], gradient,
                          args.slice(1, scalars.size()), args.drop_front(firstState + 1));
  b.create<func::ReturnOp>(loc, ValueRange{});
  SmallVector<NamedResult> results = {{update.parameters, "parameters", true}};
  for (auto [value, name] : llvm::zip(update.slots, slots))
    results.push_back({value, name, true});
  setResults(f, results);
  module.push_back(f);
  return success();
}

} // namespace

LogicalResult addDataParallelEntries(ModuleOp module, const TrainStepValues &step,
                                     const TrainingOptions &options) {
  if (failed(addTrainGradients(module, step, options)))
    return failure();
  return addApplyGradients(module, step, options);
}

} // namespace cvc::autodiff
