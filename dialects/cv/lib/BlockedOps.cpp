//===- BlockedOps.cpp - the channel-blocked layout and Winograd convolution ---===//
#include "Verification.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "cv/Winograd.h"

#include <tuple>

using namespace mlir;
using namespace cvc::cv;
using namespace cvc::cv::detail;

//===----------------------------------------------------------------------===//
// Channel-blocked layout
//===----------------------------------------------------------------------===//

LogicalResult ToBlockedOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  int64_t block = adaptor.getBlock();
  if (!input || input.getRank() != 4 || input.isDynamicDim(1))
    return emitOptionalError(loc, "expects an NCHW input with static channels");
  if (block < 1)
    return emitOptionalError(loc, "block must be positive, got ", block);
  int64_t blocks = (input.getDimSize(1) + block - 1) / block;
  inferred.push_back(RankedTensorType::get({input.getDimSize(0), blocks, input.getDimSize(2),
                                            input.getDimSize(3), block},
                                           input.getElementType()));
  return success();
}

OpFoldResult ToBlockedOp::fold(FoldAdaptor) {
  if (auto from = getInput().getDefiningOp<FromBlockedOp>())
    if (from.getInput().getType() == getType())
      return from.getInput();
  return {};
}

LogicalResult FromBlockedOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                              Adaptor adaptor, SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  if (!input || input.getRank() != 5 || input.isDynamicDim(1) || input.isDynamicDim(4))
    return emitOptionalError(loc, "expects a blocked [N, C/b, H, W, b] input");
  int64_t lanes = input.getDimSize(1) * input.getDimSize(4);
  int64_t channels = adaptor.getChannels() ? static_cast<int64_t>(*adaptor.getChannels()) : lanes;
  if (channels > lanes || channels <= lanes - input.getDimSize(4))
    return emitOptionalError(loc, "'channels' (", channels, ") must leave less than one block ",
                             "of padding in ", shapeString(input.getShape()));
  inferred.push_back(RankedTensorType::get(
      {input.getDimSize(0), channels, input.getDimSize(2), input.getDimSize(3)},
      input.getElementType()));
  return success();
}

OpFoldResult FromBlockedOp::fold(FoldAdaptor) {
  if (auto to = getInput().getDefiningOp<ToBlockedOp>())
    if (to.getInput().getType() == getType())
      return to.getInput();
  return {};
}

LogicalResult BlockedConv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight || (input.getRank() != 5 && input.getRank() != 4) ||
      weight.getRank() != 5 || !weight.hasStaticShape() || input.isDynamicDim(1) ||
      (input.getRank() == 5 && input.isDynamicDim(4)))
    return emitOptionalError(loc, "expects a blocked [N, C/b, H, W, b] or an NCHW input and a "
                                  "static [M/b, C, kh, kw, b] weight");
  if (failed(checkArrayLength(loc, "strides", adaptor.getStrides(), 2, 1)) ||
      failed(checkArrayLength(loc, "pads", adaptor.getPads(), 4, 0)) ||
      failed(checkArrayLength(loc, "dilations", adaptor.getDilations(), 2, 1)))
    return failure();
  bool nchwInput = input.getRank() == 4;
  int64_t block = weight.getDimSize(4);
  int64_t groups = adaptor.getGroups();
  int64_t inChannels = nchwInput ? input.getDimSize(1) : input.getDimSize(1) * input.getDimSize(4);
  if (groups < 1 || (groups > 1 && nchwInput) || input.getDimSize(1) % groups != 0 ||
      weight.getDimSize(0) % groups != 0)
    return emitOptionalError(loc, "'groups' (", groups, ") must divide the input and output "
                             "channel blocks of a blocked input");
  if ((!nchwInput && input.getDimSize(4) != block) ||
      weight.getDimSize(1) != inChannels / groups)
    return emitOptionalError(loc, "weight ", shapeString(weight.getShape()), " does not match the ",
                             nchwInput ? "NCHW" : "blocked", " input ",
                             shapeString(input.getShape()), " in ", groups, " group(s)");
  if (std::optional<uint64_t> used = adaptor.getUsedInputChannels();
      used && (nchwInput || groups != 1 || *used < 1 || *used > static_cast<uint64_t>(inChannels)))
    return emitOptionalError(loc, "'used_input_channels' (", static_cast<int64_t>(*used),
                             ") needs a blocked input in one group and must lie in [1, ",
                             inChannels, "]");
  int64_t outChannels = weight.getDimSize(0) * block;
  if (failed(checkBias(loc, adaptor.getBias(), outChannels)))
    return failure();
  // The prologue: per-channel [1 or N, C/b, 1, 1, b] scale, [1, C/b, 1, 1, b] shift.
  bool prologue = adaptor.getPrologueScale() || adaptor.getPrologueShift() ||
                  adaptor.getPrologueActivation() != Activation::none;
  if (prologue && nchwInput)
    return emitOptionalError(loc, "a prologue needs a blocked input");
  for (auto [value, what, perImage] : {std::tuple{adaptor.getPrologueScale(), "prologue_scale", true},
                                       std::tuple{adaptor.getPrologueShift(), "prologue_shift", false}}) {
    if (!value)
      continue;
    auto type = rankedOrNull(value.getType());
    bool ok = type && type.getRank() == 5 && type.getDimSize(1) == input.getDimSize(1) &&
              type.getDimSize(2) == 1 && type.getDimSize(3) == 1 && type.getDimSize(4) == block;
    if (ok && type.getDimSize(0) != 1)
      ok = perImage && type.getDimSize(0) == input.getDimSize(0);
    if (!ok)
      return emitOptionalError(loc, "'", what, "' must be [", perImage ? "1 or N" : "1", ", ",
                               input.getDimSize(1), ", 1, 1, ", block, "] for the input ",
                               shapeString(input.getShape()), ", got ",
                               type ? shapeString(type.getShape()) : std::string("unranked"));
  }
  int64_t kernel[2] = {weight.getDimSize(2), weight.getDimSize(3)};
  int64_t outH, outW;
  if (failed(inferSpatial(loc, input, kernel, adaptor.getStrides(), adaptor.getPads(),
                          adaptor.getDilations(), /*ceilMode=*/false, outH, outW)))
    return failure();
  ArrayRef<int64_t> pool = adaptor.getMaxPool();
  if (!pool.empty()) {
    if (pool.size() != 2 || pool[0] < 1 || pool[1] < 1 || pool[0] > outH || pool[1] > outW)
      return emitOptionalError(loc, "'max_pool' must be two window extents within the ",
                               outH, "x", outW, " convolution output, got ", shapeString(pool));
    outH /= pool[0];
    outW /= pool[1];
  }
  inferred.push_back(RankedTensorType::get(
      {input.getDimSize(0), weight.getDimSize(0), outH, outW, block}, input.getElementType()));
  return success();
}

LogicalResult DepthwiseConv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight || input.getRank() != 5 ||
      (weight.getRank() != 4 && weight.getRank() != 5) || !weight.hasStaticShape() ||
      input.isDynamicDim(1) || input.isDynamicDim(4))
    return emitOptionalError(loc, "expects a blocked [N, C/b, H, W, b] input and a static "
                                  "[C/b, kh, kw, b] (or [C/b, kh, kw, g, b]) weight");
  int64_t block = input.getDimSize(4);
  if (weight.getDimSize(0) != input.getDimSize(1) || weight.getShape().back() != block)
    return emitOptionalError(loc, "weight ", shapeString(weight.getShape()),
                             " does not hold one window per channel of the input ",
                             shapeString(input.getShape()));
  if (weight.getRank() == 5 && block % weight.getDimSize(3) != 0)
    return emitOptionalError(loc, "groups of ", weight.getDimSize(3),
                             " channels do not tile the block of ", block);
  if (failed(checkArrayLength(loc, "strides", adaptor.getStrides(), 2, 1)) ||
      failed(checkArrayLength(loc, "pads", adaptor.getPads(), 4, 0)) ||
      failed(checkArrayLength(loc, "dilations", adaptor.getDilations(), 2, 1)))
    return failure();
  int64_t channels = input.getDimSize(1) * input.getDimSize(4);
  if (failed(checkBias(loc, adaptor.getBias(), channels)))
    return failure();
  int64_t kernel[2] = {weight.getDimSize(1), weight.getDimSize(2)};
  int64_t outH, outW;
  if (failed(inferSpatial(loc, input, kernel, adaptor.getStrides(), adaptor.getPads(),
                          adaptor.getDilations(), /*ceilMode=*/false, outH, outW)))
    return failure();
  inferred.push_back(RankedTensorType::get(
      {input.getDimSize(0), input.getDimSize(1), outH, outW, input.getDimSize(4)},
      input.getElementType()));
  return success();
}

LogicalResult WinogradConv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &inferred) {
  auto input = rankedOrNull(adaptor.getInput().getType());
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!input || !weight || input.getRank() != 5 || weight.getRank() != 4 ||
      !weight.hasStaticShape() || input.isDynamicDim(1) || input.isDynamicDim(4))
    return emitOptionalError(loc, "expects a blocked [N, C/b, H, W, b] input and a static "
                                  "transformed [(m+2)^2, M/b, C, b] weight");
  int64_t tile = adaptor.getTile();
  if (tile < kMinWinogradTile || tile > kMaxWinogradTile)
    return emitOptionalError(loc, "'tile' must be in [", kMinWinogradTile, ", ",
                             kMaxWinogradTile, "], got ", tile);
  if (failed(checkArrayLength(loc, "pads", adaptor.getPads(), 4, 0)))
    return failure();
  int64_t block = input.getDimSize(4);
  if (weight.getDimSize(0) != (tile + 2) * (tile + 2) || weight.getDimSize(3) != block ||
      weight.getDimSize(2) != input.getDimSize(1) * block)
    return emitOptionalError(loc, "weight ", shapeString(weight.getShape()), " is not the [",
                             (tile + 2) * (tile + 2), ", M/b, ", input.getDimSize(1) * block, ", ",
                             block, "] transform of a filter for the blocked input ",
                             shapeString(input.getShape()), " with tile ", tile);
  int64_t outChannels = weight.getDimSize(1) * block;
  if (failed(checkBias(loc, adaptor.getBias(), outChannels)))
    return failure();
  int64_t kernel[2] = {3, 3}, unit[2] = {1, 1};
  int64_t outH, outW;
  if (failed(inferSpatial(loc, input, kernel, unit, adaptor.getPads(), unit,
                          /*ceilMode=*/false, outH, outW)))
    return failure();
  inferred.push_back(RankedTensorType::get(
      {input.getDimSize(0), weight.getDimSize(1), outH, outW, block}, input.getElementType()));
  return success();
}

LogicalResult WinogradWeightsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &inferred) {
  auto weight = rankedOrNull(adaptor.getWeight().getType());
  if (!weight || weight.getRank() != 5 || !weight.hasStaticShape() || weight.getDimSize(2) != 3 ||
      weight.getDimSize(3) != 3)
    return emitOptionalError(loc, "expects static blocked 3x3 filters [M/b, C, 3, 3, b], got ",
                             weight ? shapeString(weight.getShape()) : std::string("unranked"));
  int64_t tile = adaptor.getTile();
  if (tile < kMinWinogradTile || tile > kMaxWinogradTile)
    return emitOptionalError(loc, "'tile' must be in [", kMinWinogradTile, ", ",
                             kMaxWinogradTile, "], got ", tile);
  inferred.push_back(RankedTensorType::get({(tile + 2) * (tile + 2), weight.getDimSize(0),
                                            weight.getDimSize(1), weight.getDimSize(4)},
                                           weight.getElementType()));
  return success();
}
