//===- ImportReduce.cpp - ReduceMean, ReduceSum, ReduceMax, ReduceMin ---===//
//
// cv.reduce keeps reduced axes with extent 1; keepdims = 0 adds a reshape.
//
//===----------------------------------------------------------------------===//
#include "ImportContext.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

LogicalResult importReduce(ImportContext &ic, cv::ReduceKind kind) {
  if (failed(ic.checkAttrs({"axes", "keepdims", "noop_with_empty_axes"})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  int64_t rank = type.getRank();
  std::optional<std::vector<int64_t>> axes =
      ic.hasAttr("axes") ? std::optional(ic.intsAttr("axes"))
                         : (ic.hasInput(1) ? ic.intConstant(1) : std::vector<int64_t>{});
  if (!axes)
    return ic.fail("computed (non-constant) axes are not supported");
  if (axes->empty()) {
    if (ic.intAttr("noop_with_empty_axes", 0)) {
      ic.setOutput(0, *x);
      return success();
    }
    for (int64_t i = 0; i < rank; ++i)
      axes->push_back(i);
  }
  for (int64_t &a : *axes) {
    if (a < 0)
      a += rank;
    if (a < 0 || a >= rank)
      return ic.fail("axis out of range for rank " + std::to_string(rank));
  }
  std::sort(axes->begin(), axes->end());
  axes->erase(std::unique(axes->begin(), axes->end()), axes->end());
  OpBuilder &b = ic.builder;
  auto reduced = ic.create<cv::ReduceOp>(*x, cv::ReduceKindAttr::get(b.getContext(), kind),
                                         b.getDenseI64ArrayAttr(*axes));
  if (failed(reduced) || ic.intAttr("keepdims", 1))
    return ic.bind(0, reduced);
  SmallVector<int64_t> shape;
  auto reducedType = llvm::cast<RankedTensorType>(reduced->getType());
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(*axes, d))
      shape.push_back(reducedType.getDimSize(d));
  auto y = b.create<cv::ReshapeOp>(ic.loc(), RankedTensorType::get(shape, b.getF32Type()),
                                   *reduced);
  Value result = y;
  if (failed(ic.verifyCreated(y)))
    return failure();
  ic.setOutput(0, result);
  return success();
}

} // namespace

void addReduceImports(std::map<std::string, ImportFn> &table) {
  table["ReduceSum"] = [](ImportContext &ic) { return importReduce(ic, cv::ReduceKind::sum); };
  table["ReduceMean"] = [](ImportContext &ic) { return importReduce(ic, cv::ReduceKind::mean); };
  table["ReduceMax"] = [](ImportContext &ic) { return importReduce(ic, cv::ReduceKind::max); };
  table["ReduceMin"] = [](ImportContext &ic) { return importReduce(ic, cv::ReduceKind::min); };
}

} // namespace cvc::onnx_frontend
