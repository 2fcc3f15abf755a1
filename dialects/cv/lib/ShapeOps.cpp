//===- ShapeOps.cpp - data movement and reductions ----------------------===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "llvm/Support/MathExtras.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace cvc::cv;
using namespace cvc::cv::detail;

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(loc, "needs at least one operand");
  auto first = rankedOrNull(inputs.front().getType());
  if (!first)
    return emitOptionalError(loc, "operands must be ranked tensors");
  int64_t rank = first.getRank(), axis = adaptor.getAxis();
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, "'axis' ", axis, " is out of range for rank ", rank);
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : inputs) {
    auto type = rankedOrNull(v.getType());
    if (!type || type.getRank() != rank)
      return emitOptionalError(loc, "all operands must have rank ", rank);
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis && type.getDimSize(i) != first.getDimSize(i))
        return emitOptionalError(loc, "operand shapes ", shapeString(first.getShape()), " and ",
                                 shapeString(type.getShape()), " differ outside axis ", axis);
    if (type.isDynamicDim(axis))
      return emitOptionalError(loc, "the concatenation axis must be static");
    shape[axis] += type.getDimSize(axis);
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

/// The product of `dims`, or -1 when it overflows int64 (a hostile shape
/// must make the check fail, not wrap around to a match).
static int64_t staticProduct(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    if (__builtin_mul_overflow(n, d, &n))
      return -1;
  return n;
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType();
  auto out = getOutput().getType();
  ArrayRef<int64_t> inShape = in.getShape(), outShape = out.getShape();
  for (ArrayRef<int64_t> shape : {inShape, outShape})
    for (size_t i = 1; i < shape.size(); ++i)
      if (ShapedType::isDynamic(shape[i]))
        return emitOpError() << "only the leading dimension may be dynamic, got "
                             << shapeString(shape);
  bool inDyn = !inShape.empty() && ShapedType::isDynamic(inShape[0]);
  bool outDyn = !outShape.empty() && ShapedType::isDynamic(outShape[0]);
  if (inDyn != outDyn)
    return emitOpError() << "a dynamic batch dimension must stay the leading dimension: "
                         << shapeString(inShape) << " -> " << shapeString(outShape);
  int64_t inCount = staticProduct(inDyn ? inShape.drop_front() : inShape);
  int64_t outCount = staticProduct(outDyn ? outShape.drop_front() : outShape);
  if (inCount < 0 || outCount < 0 || inCount != outCount)
    return emitOpError() << "cannot reshape " << shapeString(inShape) << " to "
                         << shapeString(outShape) << ": element counts differ";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  // Reshaping a dense (non-resource) constant is free; resource blobs stay
  // untouched so that large weights are never copied.
  if (auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getOutput().getType());
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// TransposeOp, SliceOp, ReduceOp, LogSoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "the operand must be a ranked tensor");
  ArrayRef<int64_t> perm = adaptor.getPerm();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(perm.size()) != rank)
    return emitOptionalError(loc, "'perm' ", shapeString(perm), " must have ", rank, " entries");
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return emitOptionalError(loc, "'perm' ", shapeString(perm), " is not a permutation");
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  if (rank > 0 && input.isDynamicDim(0) && perm[0] != 0)
    return emitOptionalError(loc, "a dynamic batch must stay the leading dimension");
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "the operand must be a ranked tensor");
  int64_t rank = input.getRank();
  ArrayRef<int64_t> starts = adaptor.getStarts(), sizes = adaptor.getSizes(),
                    steps = adaptor.getSteps();
  if (static_cast<int64_t>(starts.size()) != rank || static_cast<int64_t>(sizes.size()) != rank ||
      static_cast<int64_t>(steps.size()) != rank)
    return emitOptionalError(loc, "starts, sizes and steps must have ", rank, " entries each");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t extent = input.getDimSize(d);
    if (ShapedType::isDynamic(extent)) {
      if (starts[d] != 0 || sizes[d] != -1 || steps[d] != 1)
        return emitOptionalError(loc, "the dynamic batch dimension must be taken whole");
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    // The last index taken, computed only once the start and size are sane
    // and without overflow: the attributes may come from a hostile file.
    int64_t span = 0, last = -1;
    if (sizes[d] < 1 || steps[d] == 0 || starts[d] < 0 || starts[d] >= extent ||
        llvm::MulOverflow(sizes[d] - 1, steps[d], span) ||
        llvm::AddOverflow(starts[d], span, last) || last < 0 || last >= extent)
      return emitOptionalError(loc, "slice of dimension ", d, " (start ", starts[d], ", size ",
                               sizes[d], ", step ", steps[d], ") leaves the input ",
                               shapeString(input.getShape()));
    shape.push_back(sizes[d]);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "the operand must be a ranked tensor");
  SmallVector<int64_t> shape(input.getShape());
  for (int64_t axis : adaptor.getAxes()) {
    if (axis < 0 || axis >= input.getRank())
      return emitOptionalError(loc, "axis ", axis, " is out of range for rank ", input.getRank());
    if (input.isDynamicDim(axis))
      return emitOptionalError(loc, "reducing over the dynamic batch is not supported");
    shape[axis] = 1;
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

namespace {

/// sum(-x) = -sum(x), and likewise for a mean, when nothing else reads -x:
/// the negation runs on the reduced tensor.
struct NegateAfterReduce : public OpRewritePattern<ReduceOp> {
  using OpRewritePattern<ReduceOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ReduceOp op, PatternRewriter &rewriter) const override {
    auto neg = op.getInput().getDefiningOp<NegOp>();
    if (!neg || !neg->hasOneUse() ||
        (op.getKind() != ReduceKind::sum && op.getKind() != ReduceKind::mean))
      return rewriter.notifyMatchFailure(op, "not a sum or mean of a single-use negation");
    Value reduced =
        rewriter.create<ReduceOp>(op.getLoc(), neg.getInput(), op.getKind(), op.getAxes());
    rewriter.replaceOpWithNewOp<NegOp>(op, op.getType(), reduced);
    return success();
  }
};

} // namespace

void ReduceOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<NegateAfterReduce>(context);
}

LogicalResult ArgReduceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "the operand must be a ranked tensor");
  if (adaptor.getKind() != ReduceKind::max && adaptor.getKind() != ReduceKind::min)
    return emitOptionalError(loc, "'kind' must be max or min");
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= input.getRank())
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ", input.getRank());
  if (input.isDynamicDim(axis))
    return emitOptionalError(loc, "reducing over the dynamic batch is not supported");
  if (input.getDimSize(axis) > (int64_t(1) << 24))
    return emitOptionalError(loc, "an axis longer than 2^24 has indices a float cannot hold");
  SmallVector<int64_t> shape(input.getShape());
  shape[axis] = 1;
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input)
    return emitOptionalError(loc, "the operand must be a ranked tensor");
  int64_t rank = input.getRank();
  ArrayRef<int64_t> pads = adaptor.getPads();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return emitOptionalError(loc, "'pads' must have ", 2 * rank, " entries, got ", pads.size());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t extent = input.getDimSize(d), begin = pads[d], end = pads[d + rank];
    if (ShapedType::isDynamic(extent)) {
      if (begin != 0 || end != 0)
        return emitOptionalError(loc, "the dynamic batch dimension cannot be padded");
      shape.push_back(extent);
      continue;
    }
    if (extent + begin + end < 1)
      return emitOptionalError(loc, "pads ", shapeString(pads), " remove all of dimension ", d);
    if (adaptor.getMode() == PadMode::reflect && (begin >= extent || end >= extent))
      return emitOptionalError(loc, "reflect padding must be smaller than the dimension");
    shape.push_back(extent + begin + end);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ExpandOp::verify() {
  ArrayRef<int64_t> in = typeOf(getInput()).getShape(), out = typeOf(getOutput()).getShape();
  if (in.size() > out.size())
    return emitOpError() << "cannot broadcast " << shapeString(in) << " to " << shapeString(out);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] != 1 && in[i] != out[lead + i])
      return emitOpError() << "cannot broadcast " << shapeString(in) << " to " << shapeString(out);
  return success();
}

OpFoldResult ExpandOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}
