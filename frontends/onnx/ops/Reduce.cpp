//===- Reduce.cpp - ReduceMean, ReduceSum, ReduceMax, ReduceMin ---------===//
//
// cv.reduce keeps reduced axes with extent 1; keepdims = 0 adds a reshape.
//
//===----------------------------------------------------------------------===//
#include "ExportContext.h"
#include "OpTable.h"
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

/// ArgMax / ArgMin: float32 indices (cv computes in float32).
LogicalResult importArgReduce(ImportContext &ic, cv::ReduceKind kind) {
  if (failed(ic.checkAttrs({"axis", "keepdims", "select_last_index"})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  auto axis = ic.axisAttr("axis", 0, type.getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = ic.builder;
  auto reduced = ic.create<cv::ArgReduceOp>(*x, cv::ReduceKindAttr::get(b.getContext(), kind),
                                            b.getI64IntegerAttr(*axis),
                                            b.getBoolAttr(ic.intAttr("select_last_index", 0)));
  if (failed(reduced) || ic.intAttr("keepdims", 1))
    return ic.bind(0, reduced);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + *axis);
  auto y = b.create<cv::ReshapeOp>(ic.loc(), RankedTensorType::get(shape, b.getF32Type()),
                                   *reduced);
  if (failed(ic.verifyCreated(y)))
    return failure();
  ic.setOutput(0, y.getOutput());
  return success();
}

} // namespace

namespace {

/// Opset 13 moved ReduceSum's axes to an input; the others keep the attribute.
LogicalResult exportReduce(ExportContext &ex) {
  auto reduce = llvm::cast<cv::ReduceOp>(ex.op);
  if (reduce.getKind() == cv::ReduceKind::sum) {
    std::string axes =
        ex.intInitializer(ExportContext::baseName(ex.op) + ".axes", reduce.getAxes());
    setInt(ex.node({ex.nameOf(reduce.getInput()), axes}), "keepdims", 1);
    return success();
  }
  onnx::NodeProto &n = ex.node();
  setInts(n, "axes", reduce.getAxes());
  setInt(n, "keepdims", 1);
  return success();
}

} // namespace

void addReduceOps(OnnxOpTable &t) {
  auto reduction = [](cv::ReduceKind kind) {
    return [kind](ImportContext &ic) { return importReduce(ic, kind); };
  };
  auto ofKind = [](cv::ReduceKind kind) {
    return [kind](Operation *op) { return llvm::cast<cv::ReduceOp>(op).getKind() == kind; };
  };
  t.maps<cv::ReduceOp>("ReduceSum", reduction(cv::ReduceKind::sum), exportReduce,
                       ofKind(cv::ReduceKind::sum));
  t.maps<cv::ReduceOp>("ReduceMean", reduction(cv::ReduceKind::mean), exportReduce,
                       ofKind(cv::ReduceKind::mean));
  t.maps<cv::ReduceOp>("ReduceMax", reduction(cv::ReduceKind::max), exportReduce,
                       ofKind(cv::ReduceKind::max));
  t.maps<cv::ReduceOp>("ReduceMin", reduction(cv::ReduceKind::min), exportReduce,
                       ofKind(cv::ReduceKind::min));
  t.imports("ArgMax", [](ImportContext &ic) { return importArgReduce(ic, cv::ReduceKind::max); });
  t.imports("ArgMin", [](ImportContext &ic) { return importArgReduce(ic, cv::ReduceKind::min); });
}

} // namespace cvc::onnx_frontend
