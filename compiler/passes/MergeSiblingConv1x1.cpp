//===- MergeSiblingConv1x1.cpp - one wide 1x1 convolution for siblings ---===//
//
// An Inception module reads its input with several 1x1 convolutions (the
// plain branch and the reduces before the 3x3 and 5x5). As one convolution
// with the weights stacked along the output channels, the input is read
// once and the product is one larger, better-shaped matrix multiply; each
// branch then reads its channel range, a strided view that costs no copy.
//
//===----------------------------------------------------------------------===//
#include "LayerRewrite.h"
#include "cvc/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

namespace cvc {
#define GEN_PASS_DEF_CVMERGESIBLINGCONV1X1
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;
using namespace cvc;

namespace {

bool mergeable(cv::Conv2DOp conv) {
  // A branch that only feeds a concat can write its channels of the concat
  // in place; as a slice of a merged result it would need a copy.
  if (conv->hasOneUse() && llvm::isa<cv::ConcatOp>(*conv->getUsers().begin()))
    return false;
  auto weight = llvm::cast<RankedTensorType>(conv.getWeight().getType());
  // Constant weights and bias are read when the group is merged.
  return weight.getDimSize(2) == 1 && weight.getDimSize(3) == 1 && conv.getGroups() == 1 &&
         !conv.getResidual() && conv.getWeight().getDefiningOp<cv::ConstantOp>() &&
         (!conv.getBias() || conv.getBias().getDefiningOp<cv::ConstantOp>());
}

/// Siblings can share one kernel when everything but the output channels,
/// weights and biases is the same.
bool sameLayer(cv::Conv2DOp a, cv::Conv2DOp b) {
  return a.getStrides() == b.getStrides() && a.getPads() == b.getPads() &&
         a.getDilations() == b.getDilations() && a.getActivation() == b.getActivation() &&
         a.getActivationArgs() == b.getActivationArgs();
}

/// Merges `group` (in program order); leaves it alone if a constant cannot
/// be read (weights elided from printed IR).
void mergeGroup(ArrayRef<cv::Conv2DOp> group) {
  std::vector<float> weights, biases;
  int64_t channels = 0;
  for (cv::Conv2DOp conv : group) {
    auto w = cv::readFloatConstant(conv.getWeight());
    int64_t out = llvm::cast<RankedTensorType>(conv.getType()).getDimSize(1);
    if (!w)
      return;
    weights.insert(weights.end(), w->begin(), w->end());
    if (conv.getBias()) {
      auto b = cv::readFloatConstant(conv.getBias());
      if (!b)
        return;
      biases.insert(biases.end(), b->begin(), b->end());
    } else {
      biases.insert(biases.end(), out, 0.0f);
    }
    channels += out;
  }
  cv::Conv2DOp first = group.front();
  IRRewriter rewriter(first.getContext());
  rewriter.setInsertionPoint(first);

  auto inType = llvm::cast<RankedTensorType>(first.getInput().getType());
  auto outType = llvm::cast<RankedTensorType>(first.getType());
  std::string name = constantName(first.getWeight(), "siblings") + ".merged";
  Location loc = rewriter.getFusedLoc(llvm::to_vector(llvm::map_range(
      group, [](cv::Conv2DOp c) { return c.getLoc(); })));
  Value weight = cv::createFloatConstant(rewriter, loc, {channels, inType.getDimSize(1), 1, 1},
                                         weights, name);
  Value bias = cv::createFloatConstant(rewriter, loc, {channels}, biases, name + "_bias");
  LayerParts parts = partsOf(first);
  parts.weight = weight;
  parts.bias = bias;
  auto mergedType = RankedTensorType::get(
      {outType.getDimSize(0), channels, outType.getDimSize(2), outType.getDimSize(3)},
      outType.getElementType());
  auto merged = rewriter.create<cv::Conv2DOp>(
      loc, mergedType, first.getInput(), weight, bias, Value(),
      cv::ActivationAttr::get(rewriter.getContext(), parts.activation),
      rewriter.getDenseF32ArrayAttr(parts.activationArgs), first.getStridesAttr(),
      first.getPadsAttr(), first.getDilationsAttr(), first.getGroupsAttr());

  int64_t start = 0;
  for (cv::Conv2DOp conv : group) {
    auto type = llvm::cast<RankedTensorType>(conv.getType());
    int64_t out = type.getDimSize(1);
    int64_t batch = type.isDynamicDim(0) ? -1 : type.getDimSize(0);
    rewriter.setInsertionPoint(conv);
    rewriter.replaceOpWithNewOp<cv::SliceOp>(
        conv, type, merged.getOutput(), rewriter.getDenseI64ArrayAttr({0, start, 0, 0}),
        rewriter.getDenseI64ArrayAttr({batch, out, type.getDimSize(2), type.getDimSize(3)}),
        rewriter.getDenseI64ArrayAttr({1, 1, 1, 1}));
    start += out;
  }
}

struct CvMergeSiblingConv1x1Pass
    : public cvc::impl::CvMergeSiblingConv1x1Base<CvMergeSiblingConv1x1Pass> {
  void runOnOperation() override {
    // Group by input in program order; within one input, split into classes
    // of identical layer attributes.
    llvm::MapVector<Value, SmallVector<SmallVector<cv::Conv2DOp>>> byInput;
    getOperation().walk([&](cv::Conv2DOp conv) {
      if (!mergeable(conv))
        return;
      auto &classes = byInput[conv.getInput()];
      for (auto &members : classes)
        if (sameLayer(members.front(), conv)) {
          members.push_back(conv);
          return;
        }
      classes.push_back({conv});
    });
    for (auto &[input, classes] : byInput)
      for (auto &members : classes)
        if (members.size() > 1)
          mergeGroup(members);
  }
};

} // namespace
