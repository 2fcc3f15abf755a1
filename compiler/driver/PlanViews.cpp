//===- PlanViews.cpp - values that share another's storage --------------===//
//
// The planner makes every reshape and every selecting slice a view of its
// source (never a copy) and, for an in-place concat, lets each operand's
// producer write its range of the result. This file finds those ranges;
// ViewLayout.h holds the stride arithmetic of reshaped views.
//
//===----------------------------------------------------------------------===//
#include "PlanSteps.h"

#include "cvc/driver/ViewLayout.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <algorithm>
#include <optional>

using namespace mlir;

namespace cvc::driver::plan {

std::vector<int64_t> planDims(RankedTensorType type) {
  std::vector<int64_t> dims;
  for (int64_t d : type.getShape())
    dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
  return dims;
}

/// When every operand of `concat` already writes consecutive ranges of one
/// in-place concat (the longest of a dense block's chain), the view of
/// `concat` in that buffer.
std::optional<ConcatSlot> prefixSlot(cv::ConcatOp concat, const InPlaceConcats &planned) {
  std::optional<ConcatSlot> view;
  int64_t axis = concat.getAxis(), next = 0;
  for (Value in : concat.getInputs()) {
    auto slot = planned.slots.find(in);
    if (slot == planned.slots.end() || (view && slot->second.concat != view->concat) ||
        (view && slot->second.offset != next))
      return std::nullopt;
    if (!view)
      view = slot->second;
    next = slot->second.offset +
           llvm::cast<RankedTensorType>(in.getType()).getDimSize(axis) * slot->second.strides[axis];
  }
  return view;
}

InPlaceConcats planInPlaceConcats(func::FuncOp func) {
  InPlaceConcats result;
  // The longest concats first (by extent along their axis): a dense
  // block's shorter ones then find their operands in its buffer and become
  // views of it, and a nested one, already given its range of the outer
  // one's buffer, lays its operands out inside that range.
  std::vector<cv::ConcatOp> concats;
  func.walk([&](cv::ConcatOp concat) {
    if (concat.getInPlace())
      concats.push_back(concat);
  });
  auto extent = [](cv::ConcatOp c) {
    return llvm::cast<RankedTensorType>(c.getType()).getDimSize(c.getAxis());
  };
  std::stable_sort(concats.begin(), concats.end(),
                   [&](cv::ConcatOp a, cv::ConcatOp b) { return extent(a) > extent(b); });
  for (cv::ConcatOp concat : concats) {
    if (std::optional<ConcatSlot> view = prefixSlot(concat, result)) {
      result.slots[concat.getOutput()] = *view;
      continue;
    }
    std::vector<int64_t> dims = planDims(llvm::cast<RankedTensorType>(concat.getType()));
    std::vector<int64_t> strides = denseStrides(dims);
    Value buffer = concat.getOutput();
    int64_t axis = concat.getAxis(), offset = 0;
    if (auto own = result.slots.find(concat.getOutput()); own != result.slots.end()) {
      buffer = own->second.concat;
      offset = own->second.offset;
      strides = own->second.strides;
    }
    for (Value in : concat.getInputs()) {
      std::vector<int64_t> inDims = planDims(llvm::cast<RankedTensorType>(in.getType()));
      if (result.slots.count(in)) {
        // Taken twice (a contiguous concat): written once, copied here.
        result.duplicates[concat.getOutput()].push_back({in, offset});
        offset += inDims[axis] * strides[axis];
        continue;
      }
      result.slots[in] = ConcatSlot{buffer, offset, strides};
      if (auto reshape = in.getDefiningOp<cv::ReshapeOp>()) {
        std::vector<int64_t> srcDims =
            planDims(llvm::cast<RankedTensorType>(reshape.getInput().getType()));
        if (auto srcStrides = reshapedStrides(inDims, strides, srcDims))
          result.slots[reshape.getInput()] = ConcatSlot{buffer, offset, *srcStrides};
      }
      offset += inDims[axis] * strides[axis];
    }
  }
  return result;
}

std::optional<std::pair<int64_t, std::vector<int64_t>>>
sliceView(cv::SliceOp slice, const std::vector<int64_t> &dims,
          const std::vector<int64_t> &strides) {
  ArrayRef<int64_t> starts = slice.getStarts(), steps = slice.getSteps();
  auto out = planDims(llvm::cast<RankedTensorType>(slice.getType()));
  if (steps.empty() || steps.back() != 1 || starts[0] != 0 || out[0] != dims[0])
    return std::nullopt;
  int64_t offset = 0;
  std::vector<int64_t> viewStrides(strides.size());
  for (size_t i = 0; i < strides.size(); ++i) {
    if (steps[i] < 1 || starts[i] < 0)
      return std::nullopt;
    offset += starts[i] * strides[i];
    viewStrides[i] = strides[i] * steps[i];
  }
  return std::make_pair(offset, viewStrides);
}

} // namespace cvc::driver::plan
