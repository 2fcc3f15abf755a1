//===- TransferLearning.cpp - a new head, and the features it reads -----===//
//
// The case studies' advice for small data sets: start from a trained
// network, replace its classifier, train only the last layers, and when only
// the head trains, compute the frozen network's features once instead of
// every epoch. The compiler's part is the new head and the two entry points
// that let the runtime split the work at the head's input.
//
//===----------------------------------------------------------------------===//
#include "TransferLearning.h"

#include "StateLayout.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <random>

using namespace mlir;

namespace cvc::autodiff {
namespace {

/// A constant like `old` (same name when it has one) holding `data`.
Value replacementConstant(OpBuilder &b, Value old, ArrayRef<int64_t> shape,
                          std::vector<float> data) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  auto constant = old.getDefiningOp<cv::ConstantOp>();
  if (constant)
    if (auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(constant.getValue())) {
      // Rebinding the named blob keeps the name (a new blob would get a
      // uniqued one), so the trained tensor maps back to the source file.
      DenseResourceElementsHandle handle = resource.getRawHandle();
      ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()), data.size() * 4);
      handle.getResource()->setBlob(HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64));
      return b.create<cv::ConstantOp>(old.getLoc(), DenseResourceElementsAttr::get(type, handle));
    }
  return b.create<cv::ConstantOp>(old.getLoc(),
                                  DenseElementsAttr::get(type, ArrayRef<float>(data)));
}

/// Removes the pure ops whose results nothing reads, last first.
void eraseDeadOps(func::FuncOp func) {
  SmallVector<Operation *> ops;
  for (Operation &op : func.getBody().front().without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops))
    if (op->use_empty() && isPure(op))
      op->erase();
}

} // namespace

Value logitsOf(Value output) {
  if (auto softmax = output.getDefiningOp<cv::SoftmaxOp>())
    return softmax.getInput();
  return output;
}

cv::FullyConnectedOp findHead(func::FuncOp main) {
  auto ret = llvm::cast<func::ReturnOp>(main.getBody().front().getTerminator());
  if (ret.getNumOperands() == 0)
    return nullptr;
  return logitsOf(ret.getOperand(0)).getDefiningOp<cv::FullyConnectedOp>();
}

LogicalResult replaceHead(func::FuncOp main, int64_t classes, uint64_t seed) {
  cv::FullyConnectedOp head = findHead(main);
  if (!head)
    return main.emitError() << "--replace-head needs a fully connected layer producing the "
                               "model's first output (or the input of its final softmax)";
  if (head.getResidual() || head.getActivation() != cv::Activation::none)
    return head.emitOpError() << "carries a fused epilogue and cannot be replaced";
  int64_t inputs = llvm::cast<RankedTensorType>(head.getWeight().getType()).getDimSize(1);
  std::mt19937_64 rng(seed);
  float bound = 1.0f / std::sqrt(static_cast<float>(inputs));
  std::uniform_real_distribution<float> uniform(-bound, bound);
  auto draw = [&](int64_t n) {
    std::vector<float> v(n);
    for (float &x : v)
      x = uniform(rng);
    return v;
  };
  OpBuilder b(head);
  Value weight = replacementConstant(b, head.getWeight(), {classes, inputs}, draw(classes * inputs));
  Value bias = head.getBias() ? replacementConstant(b, head.getBias(), {classes}, draw(classes))
                              : Value();
  auto resultType = RankedTensorType::get(
      {llvm::cast<RankedTensorType>(head.getType()).getDimSize(0), classes}, b.getF32Type());
  Value replaced = b.create<cv::FullyConnectedOp>(head.getLoc(), resultType, head.getInput(), weight,
                                                  bias, Value(), head.getActivationAttr(),
                                                  head.getActivationArgsAttr());
  auto ret = llvm::cast<func::ReturnOp>(main.getBody().front().getTerminator());
  Value output = ret.getOperand(0);
  if (auto softmax = output.getDefiningOp<cv::SoftmaxOp>()) {
    OpBuilder after(softmax);
    Value probabilities = after.create<cv::SoftmaxOp>(softmax.getLoc(), replaced,
                                                      softmax.getAxisAttr());
    softmax.getOutput().replaceAllUsesWith(probabilities);
    softmax.erase();
  }
  Value oldWeight = head.getWeight(), oldBias = head.getBias();
  head.getOutput().replaceAllUsesWith(replaced);
  head.erase();
  for (Value old : {oldWeight, oldBias})
    if (old && old.use_empty())
      old.getDefiningOp()->erase();
  SmallVector<Type> results(ret.getOperandTypes());
  main.setType(FunctionType::get(main.getContext(), main.getArgumentTypes(), results));
  return success();
}

void addFeaturesEntry(ModuleOp module, func::FuncOp main) {
  func::FuncOp features = main.clone();
  features.setName("features");
  module.push_back(features);
  Value cut = findHead(features).getInput();
  auto ret = llvm::cast<func::ReturnOp>(features.getBody().front().getTerminator());
  OpBuilder b(ret);
  b.create<func::ReturnOp>(ret.getLoc(), cut);
  ret.erase();
  features.setType(FunctionType::get(module.getContext(), features.getArgumentTypes(),
                                     {cut.getType()}));
  features.setAllResultAttrs(ArrayRef<DictionaryAttr>{});
  features.setResultAttr(0, kNameAttr, StringAttr::get(module.getContext(), "features"));
  eraseDeadOps(features);
}

void trainFromFeatures(func::FuncOp train) {
  cv::FullyConnectedOp head = findHead(train);
  Value cut = head.getInput();
  unsigned index = train.getNumArguments();
  train.insertArgument(index, cut.getType(), {}, cut.getLoc());
  train.setArgAttr(index, kNameAttr, StringAttr::get(train.getContext(), "features"));
  cut.replaceAllUsesWith(train.getArgument(index));
  // What computed the features is dead now, and so are the inputs it read.
  eraseDeadOps(train);
  llvm::BitVector unused(train.getNumArguments());
  for (BlockArgument arg : train.getArguments())
    if (arg.use_empty() && !train.getArgAttr(arg.getArgNumber(), "cv.state"))
      unused.set(arg.getArgNumber());
  train.eraseArguments(unused);
}

} // namespace cvc::autodiff
