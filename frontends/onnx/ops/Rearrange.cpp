//===- Rearrange.cpp - DepthToSpace, SpaceToDepth, Expand, Tile ---------===//
//
// DepthToSpace and SpaceToDepth move b x b blocks of pixels to and from
// channels (sub-pixel convolution's PixelShuffle, YOLO's reorg). They
// import as a reshape to six dimensions, a transpose and a reshape back:
// the reshapes are views, so one transpose kernel moves the data. Expand
// broadcasts; Tile repeats, as a broadcast over unit axes interleaved with
// the tensor's and a reshape that merges each pair.
//
//===----------------------------------------------------------------------===//
#include "OpTable.h"
#include "ImportContext.h"
#include "cv/Composite.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

LogicalResult rearrange(ImportContext &ic, ArrayRef<int64_t> split, ArrayRef<int64_t> perm,
                        ArrayRef<int64_t> result) {
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  std::string message;
  auto y = cv::buildRearrange(ic.builder, ic.loc(), *x, split, perm, result, message);
  if (failed(y))
    return ic.fail(message);
  ic.setOutput(0, *y);
  return success();
}

/// The NCHW input's shape, and the block size, checked.
FailureOr<std::array<int64_t, 5>> blockedShape(ImportContext &ic) {
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  int64_t block = ic.intAttr("blocksize", 0);
  if (type.getRank() != 4 || type.isDynamicDim(1) || type.isDynamicDim(2) ||
      type.isDynamicDim(3)) {
    (void)ic.fail("an input that is not NCHW with static channels and spatial extents is not "
                  "supported");
    return failure();
  }
  if (block < 1 || block > 1024) {
    (void)ic.fail("'blocksize' must be between 1 and 1024, got " + std::to_string(block));
    return failure();
  }
  return std::array<int64_t, 5>{type.getDimSize(0), type.getDimSize(1), type.getDimSize(2),
                                type.getDimSize(3), block};
}

LogicalResult importDepthToSpace(ImportContext &ic) {
  if (failed(ic.checkAttrs({"blocksize", "mode"})))
    return failure();
  auto s = blockedShape(ic);
  if (failed(s))
    return failure();
  auto [n, c, h, w, b] = *s;
  if (c % (b * b) != 0)
    return ic.fail("channels (" + std::to_string(c) + ") must be a multiple of blocksize² (" +
                   std::to_string(b * b) + ")");
  int64_t d = c / (b * b);
  std::string mode = ic.stringAttr("mode", "DCR");
  if (mode == "DCR")
    return rearrange(ic, {n, b, b, d, h, w}, {0, 3, 4, 1, 5, 2}, {n, d, h * b, w * b});
  if (mode == "CRD")
    return rearrange(ic, {n, d, b, b, h, w}, {0, 1, 4, 2, 5, 3}, {n, d, h * b, w * b});
  return ic.fail("mode '" + mode + "' is not supported (DCR, CRD)");
}

LogicalResult importSpaceToDepth(ImportContext &ic) {
  if (failed(ic.checkAttrs({"blocksize"})))
    return failure();
  auto s = blockedShape(ic);
  if (failed(s))
    return failure();
  auto [n, c, h, w, b] = *s;
  if (h % b != 0 || w % b != 0)
    return ic.fail("the spatial extents (" + std::to_string(h) + "x" + std::to_string(w) +
                   ") must be multiples of the blocksize (" + std::to_string(b) + ")");
  return rearrange(ic, {n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4},
                   {n, c * b * b, h / b, w / b});
}

/// The broadcast of two shapes (numpy rules), kDynamic for the batch.
std::optional<std::vector<int64_t>> broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    int64_t y = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (x == y || y == 1)
      out[i] = x;
    else if (x == 1)
      out[i] = y;
    else
      return std::nullopt;
  }
  return out;
}

LogicalResult importExpand(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  auto x = ic.input(0);
  std::optional<std::vector<int64_t>> shape = ic.intConstant(1);
  if (failed(x))
    return failure();
  if (!shape)
    return ic.fail("a target shape computed at run time is not supported");
  auto type = llvm::cast<RankedTensorType>(x->getType());
  for (int64_t &d : *shape)
    if (d < 0 && d != ShapedType::kDynamic)
      return ic.fail("a negative extent in the target shape");
  auto out = broadcastShapes(type.getShape(), *shape);
  if (!out)
    return ic.fail("the input does not broadcast to the target shape");
  auto resultType = RankedTensorType::get(*out, type.getElementType());
  if (resultType == type) {
    ic.setOutput(0, *x);
    return success();
  }
  auto op = ic.builder.create<cv::ExpandOp>(ic.loc(), resultType, *x);
  if (failed(ic.verifyCreated(op)))
    return failure();
  ic.setOutput(0, op.getOutput());
  return success();
}

LogicalResult importTile(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  auto x = ic.input(0);
  std::optional<std::vector<int64_t>> repeats = ic.intConstant(1);
  if (failed(x))
    return failure();
  if (!repeats)
    return ic.fail("repeats computed at run time are not supported");
  auto type = llvm::cast<RankedTensorType>(x->getType());
  if (static_cast<int64_t>(repeats->size()) != type.getRank())
    return ic.fail("'repeats' must have one value per dimension");
  // [d0, d1, ...] -> [1, d0, 1, d1, ...] -> [r0, d0, r1, d1, ...] -> [r0 d0, r1 d1, ...];
  // a dimension not repeated keeps no unit axis (the dynamic batch must not be).
  std::vector<int64_t> unit, wide, merged;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    int64_t d = type.getDimSize(i), r = (*repeats)[i];
    if (r < 1 || r > (1 << 20))
      return ic.fail("'repeats' values must be between 1 and 2^20");
    if (type.isDynamicDim(i) && r != 1)
      return ic.fail("repeating the dynamic batch dimension is not supported");
    if (r > 1) {
      unit.push_back(1);
      wide.push_back(r);
    }
    unit.push_back(d);
    wide.push_back(d);
    merged.push_back(type.isDynamicDim(i) ? d : d * r);
  }
  if (wide.size() > 8)
    return ic.fail("tiling more than 4 dimensions at once is not supported");
  OpBuilder &b = ic.builder;
  Type f32 = type.getElementType();
  Value spread = b.create<cv::ReshapeOp>(ic.loc(), RankedTensorType::get(unit, f32), *x);
  auto expand = b.create<cv::ExpandOp>(ic.loc(), RankedTensorType::get(wide, f32), spread);
  if (failed(ic.verifyCreated(expand)))
    return failure();
  ic.setOutput(0, b.create<cv::ReshapeOp>(ic.loc(), RankedTensorType::get(merged, f32),
                                          expand.getOutput()));
  return success();
}

} // namespace

void addRearrangeOps(OnnxOpTable &t) {
  t.imports("Expand", importExpand);
  t.imports("Tile", importTile);
  t.imports("DepthToSpace", importDepthToSpace);
  t.imports("SpaceToDepth", importSpaceToDepth);
}

} // namespace cvc::onnx_frontend
