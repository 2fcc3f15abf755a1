//===- InPlaceConcat.cpp - producers write into their range of a concat --===//
//
// A concatenation along channels copies every operand once more. When each
// operand is computed by a kernel for this concat alone, that kernel can
// write its result straight into its channel range of the concat's buffer
// (a strided view the planner lays out), and the concat copies nothing.
// The same holds for a dense block's growing concats, whose operands every
// later concat takes again: the longest one's buffer holds them all and
// the shorter ones are its prefixes. This pass decides where that is legal
// and marks the concats `in_place`.
//
//===----------------------------------------------------------------------===//
#include "cv/CvOps.h"
#include "cvc/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SetVector.h"

namespace cvc {
#define GEN_PASS_DEF_CVINPLACECONCAT
#include "cvc/passes/Passes.h.inc"
} // namespace cvc

using namespace mlir;

namespace {

/// Ops that become a kernel writing their own result; constants, views and
/// other concats have no kernel that could write elsewhere.
bool computedByKernel(Value v) {
  Operation *op = v.getDefiningOp();
  return op && op->getNumResults() == 1 &&
         !llvm::isa<cvc::cv::ConstantOp, cvc::cv::ReshapeOp, cvc::cv::SliceOp,
                    cvc::cv::ConcatOp>(op);
}

/// True when `operand` can be written in place at its range of `concat`:
/// nothing else reads it, and it is a kernel's result or a reshape of one
/// that keeps the dimensions up to the axis, so that the kernel's view of
/// the range is still a strided view. When every dimension before the axis
/// has extent 1 (a training step's flat gradient), each range is one
/// contiguous block: any reshape fits, and a value the concat takes twice
/// (two equal gradients) is written once and copied to its other ranges.
bool writableInPlace(Value operand, cvc::cv::ConcatOp concat) {
  int64_t axis = concat.getAxis();
  bool contiguous =
      llvm::all_of(llvm::cast<RankedTensorType>(concat.getType()).getShape().take_front(axis),
                   [](int64_t d) { return d == 1; });
  bool onlyThisConcat = llvm::all_of(operand.getUsers(),
                                     [&](Operation *user) { return user == concat; });
  if (!onlyThisConcat || (!contiguous && !operand.hasOneUse()))
    return false;
  if (auto reshape = operand.getDefiningOp<cvc::cv::ReshapeOp>()) {
    auto from = llvm::cast<RankedTensorType>(reshape.getInput().getType());
    auto to = llvm::cast<RankedTensorType>(reshape.getType());
    if (!contiguous && (from.getRank() <= axis ||
                        from.getShape().take_front(axis + 1) != to.getShape().take_front(axis + 1)))
      return false;
    operand = reshape.getInput();
    if (!operand.hasOneUse())
      return false;
  }
  return computedByKernel(operand);
}

/// A dense block (DenseNet): concat k takes the features of layers 0..k,
/// so each feature is an operand of every later concat. With one buffer
/// for the longest concat (the root), each feature written at its range
/// once, every shorter one is a prefix of it, a view. The concats of the
/// chain `root` ends (root included), or none when it is not the longest
/// of one: its operands distinct kernel results read only by concats along
/// the same axis whose operands are a prefix of its own.
llvm::SmallVector<cvc::cv::ConcatOp> prefixChain(cvc::cv::ConcatOp root,
                                                 const llvm::DenseSet<Value> &returned) {
  auto inputs = root.getInputs();
  if (root.getAxis() < 1 || returned.contains(root.getOutput()) || root.getInPlace())
    return {};
  llvm::SetVector<Operation *> members;
  for (Value in : inputs) {
    if (!computedByKernel(in) || llvm::count(inputs, in) != 1)
      return {};
    for (Operation *user : in.getUsers()) {
      auto concat = llvm::dyn_cast<cvc::cv::ConcatOp>(user);
      if (!concat || concat.getAxis() != root.getAxis() || concat.getInPlace() ||
          concat.getInputs().size() > inputs.size() || returned.contains(concat.getOutput()) ||
          !std::equal(concat.getInputs().begin(), concat.getInputs().end(), inputs.begin()))
        return {};
      members.insert(concat);
    }
  }
  if (members.size() < 2)
    return {};
  llvm::SmallVector<cvc::cv::ConcatOp> chain;
  for (Operation *member : members)
    chain.push_back(llvm::cast<cvc::cv::ConcatOp>(member));
  return chain;
}

/// Views and concats read their operand's storage in place, so they cannot
/// take a strided view of another concat's buffer as they would a tensor
/// of its own; any other op's kernel reads the view.
bool readsAsKernel(Operation *user) {
  return !llvm::isa<cvc::cv::ConcatOp, cvc::cv::ReshapeOp, cvc::cv::SliceOp>(user);
}

/// A dense block written as each concat taking the previous one and the
/// new features (concat(concat(x0, x1), x2), as `x = cat(x, f(x))` writes
/// it): the outermost concat's buffer holds them all, each inner concat is
/// its prefix, a view that the next layer reads, and each new feature is
/// written once at its range. The concats nested in `root` (root
/// included), or none: every inner concat is taken by exactly one concat
/// of the chain and otherwise read only by kernels; every other operand is
/// a kernel's result, taken once, otherwise read only by kernels too (the
/// block's input feeds the first layer as well).
bool collectNested(cvc::cv::ConcatOp concat, int64_t axis, const llvm::DenseSet<Value> &returned,
                   llvm::SmallVector<cvc::cv::ConcatOp> &chain) {
  if (concat.getAxis() != axis || concat.getInPlace() || returned.contains(concat.getOutput()))
    return false;
  chain.push_back(concat);
  auto inputs = concat.getInputs();
  for (Value in : inputs) {
    if (llvm::count(inputs, in) != 1 || returned.contains(in))
      return false;
    if (!llvm::all_of(in.getUsers(), [&](Operation *user) {
          return user == concat.getOperation() || readsAsKernel(user);
        }))
      return false;
    if (auto inner = in.getDefiningOp<cvc::cv::ConcatOp>()) {
      if (!collectNested(inner, axis, returned, chain))
        return false;
    } else if (!computedByKernel(in)) {
      return false;
    }
  }
  return true;
}

llvm::SmallVector<cvc::cv::ConcatOp> nestedChain(cvc::cv::ConcatOp root,
                                                 const llvm::DenseSet<Value> &returned) {
  // Only an outermost concat roots a chain: one taken by another concat
  // is that one's member.
  if (root.getAxis() < 1 || llvm::any_of(root.getOutput().getUsers(), [](Operation *user) {
        return llvm::isa<cvc::cv::ConcatOp>(user);
      }))
    return {};
  llvm::SmallVector<cvc::cv::ConcatOp> chain;
  if (!collectNested(root, root.getAxis(), returned, chain) || chain.size() < 2)
    return {};
  return chain;
}

struct CvInPlaceConcatPass : public cvc::impl::CvInPlaceConcatBase<CvInPlaceConcatPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    llvm::DenseSet<Value> returned;
    func.walk([&](func::ReturnOp ret) { returned.insert(ret.getOperands().begin(),
                                                        ret.getOperands().end()); });
    func.walk([&](cvc::cv::ConcatOp concat) {
      for (cvc::cv::ConcatOp member : prefixChain(concat, returned))
        member.setInPlace(true);
    });
    func.walk([&](cvc::cv::ConcatOp concat) {
      for (cvc::cv::ConcatOp member : nestedChain(concat, returned))
        member.setInPlace(true);
    });
    func.walk([&](cvc::cv::ConcatOp concat) {
      if (concat.getInPlace())
        return;
      // The batch cannot be split; a returned result is the caller's
      // buffer, which the planner slices only when a view of it is what is
      // returned (rootAtOutput).
      if (concat.getAxis() < 1 || returned.contains(concat.getOutput()))
        return;
      if (llvm::all_of(concat.getInputs(), [&](Value v) { return writableInPlace(v, concat); }))
        concat.setInPlace(true);
    });
  }
};

} // namespace
