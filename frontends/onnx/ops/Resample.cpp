//===- Resample.cpp - Resize (opsets 10, 11, 13) and Upsample (7-9) ------===//
//
// Both become cv.resize with the output size known at compile time: from
// `sizes`, or floor(input * scale) from `scales`; either may be computed by
// the exporter's shape arithmetic, which folds. The scale the coordinate
// formulas use is the given one, or output / input when sizes were given,
// as the spec says. Before opset 11 (Resize-10, Upsample) the coordinates
// are asymmetric and nearest rounds down.
//
//===----------------------------------------------------------------------===//
#include "ExportContext.h"
#include "OpTable.h"
#include "ImportContext.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cmath>

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

struct ResizeRequest {
  std::string mode = "nearest";
  std::string coordinates = "asymmetric";
  std::string nearest = "floor";
  float cubicA = -0.75f;
  bool excludeOutside = false;
  std::vector<float> scales;   ///< per dimension, or empty
  std::vector<int64_t> sizes;  ///< per dimension, or empty
};

LogicalResult buildResize(ImportContext &ic, const ResizeRequest &r) {
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  auto type = llvm::cast<RankedTensorType>(x->getType());
  if (type.getRank() != 4)
    return ic.fail("resizing a rank-" + std::to_string(type.getRank()) +
                   " tensor is not supported (NCHW images only)");
  std::optional<cv::ResizeMode> mode =
      r.mode == "nearest" ? std::optional(cv::ResizeMode::nearest)
      : (r.mode == "linear" || r.mode == "bilinear") ? std::optional(cv::ResizeMode::linear)
      : r.mode == "cubic" ? std::optional(cv::ResizeMode::cubic) : std::nullopt;
  if (!mode)
    return ic.fail("mode '" + r.mode + "' is not supported (nearest, linear, cubic)");
  std::optional<cv::CoordinateMode> coordinates = cv::symbolizeCoordinateMode(r.coordinates);
  if (r.coordinates == "tf_crop_and_resize")
    return ic.fail("coordinate_transformation_mode 'tf_crop_and_resize' (cropping to a region "
                   "of interest) is not supported");
  if (!coordinates)
    return ic.fail("coordinate_transformation_mode '" + r.coordinates + "' is not supported");
  std::optional<cv::NearestMode> nearest = cv::symbolizeNearestMode(r.nearest);
  if (!nearest)
    return ic.fail("nearest_mode '" + r.nearest + "' is not supported");

  std::vector<int64_t> out(type.getShape().begin(), type.getShape().end());
  double scales[2];
  if (!r.sizes.empty()) {
    if (r.sizes.size() != 4)
      return ic.fail("'sizes' must have one value per dimension (4)");
    if (r.sizes[1] != type.getDimSize(1) ||
        (r.sizes[0] != kDyn && !type.isDynamicDim(0) && r.sizes[0] != type.getDimSize(0)))
      return ic.fail("resizing the batch or channel dimension is not supported");
    for (int i = 0; i < 2; ++i) {
      if (r.sizes[2 + i] < 1)
        return ic.fail("'sizes' must be positive");
      out[2 + i] = r.sizes[2 + i];
      scales[i] = static_cast<double>(out[2 + i]) / static_cast<double>(type.getDimSize(2 + i));
    }
  } else {
    if (r.scales.size() != 4)
      return ic.fail("a resize without 4 'scales' or 'sizes' known at compile time is not "
                     "supported");
    if (r.scales[0] != 1.0f || r.scales[1] != 1.0f)
      return ic.fail("scaling the batch or channel dimension is not supported");
    for (int i = 0; i < 2; ++i) {
      if (!(r.scales[2 + i] > 0) || !std::isfinite(r.scales[2 + i]))
        return ic.fail("'scales' must be positive and finite");
      double extent = std::floor(static_cast<double>(type.getDimSize(2 + i)) * r.scales[2 + i]);
      if (extent < 1 || extent > (int64_t(1) << 31))
        return ic.fail("'scales' give a spatial extent of " + std::to_string(extent));
      out[2 + i] = static_cast<int64_t>(extent);
      scales[i] = r.scales[2 + i];
    }
  }
  OpBuilder &b = ic.builder;
  auto resultType = RankedTensorType::get(out, type.getElementType());
  auto op = b.create<cv::ResizeOp>(
      ic.loc(), resultType, *x, cv::ResizeModeAttr::get(b.getContext(), *mode),
      cv::CoordinateModeAttr::get(b.getContext(), *coordinates),
      cv::NearestModeAttr::get(b.getContext(), *nearest), b.getDenseF64ArrayAttr(scales),
      b.getF32FloatAttr(r.cubicA), b.getBoolAttr(r.excludeOutside));
  if (failed(ic.verifyCreated(op)))
    return failure();
  ic.setOutput(0, op.getOutput());
  return success();
}

/// Scales (float) or sizes (integer) from input `i` when present.
LogicalResult readScales(ImportContext &ic, size_t i, std::vector<float> &scales) {
  if (!ic.hasInput(i))
    return success();
  std::optional<FloatConstant> c = ic.floatConstant(i);
  if (!c)
    return ic.fail("'scales' computed at run time are not supported");
  scales = c->data;
  return success();
}

LogicalResult importResize(ImportContext &ic) {
  ResizeRequest r;
  if (ic.opset < 11) {
    if (failed(ic.checkAttrs({"mode"})) || failed(readScales(ic, 1, r.scales)))
      return failure();
    r.mode = ic.stringAttr("mode", "nearest");
    return buildResize(ic, r);
  }
  if (failed(ic.checkAttrs({"coordinate_transformation_mode", "cubic_coeff_a",
                            "exclude_outside", "extrapolation_value", "mode", "nearest_mode"})))
    return failure();
  r.mode = ic.stringAttr("mode", "nearest");
  r.coordinates = ic.stringAttr("coordinate_transformation_mode", "half_pixel");
  r.nearest = ic.stringAttr("nearest_mode", "round_prefer_floor");
  r.cubicA = ic.floatAttr("cubic_coeff_a", -0.75f);
  r.excludeOutside = ic.intAttr("exclude_outside", 0) != 0;
  if (failed(readScales(ic, 2, r.scales)))
    return failure();
  if (ic.hasInput(3)) {
    std::optional<std::vector<int64_t>> sizes = ic.intConstant(3);
    if (!sizes)
      return ic.fail("'sizes' computed at run time are not supported");
    r.sizes = *sizes;
  }
  // An empty scales tensor stands for "absent" when sizes are given.
  if (!r.sizes.empty())
    r.scales.clear();
  return buildResize(ic, r);
}

LogicalResult importUpsample(ImportContext &ic) {
  ResizeRequest r;
  if (ic.opset < 9) {
    if (failed(ic.checkAttrs({"mode", "scales"})))
      return failure();
    // Upsample-7 carries its scales as an attribute.
    for (const auto &a : ic.node->attribute())
      if (a.name() == "scales")
        r.scales.assign(a.floats().begin(), a.floats().end());
  } else {
    if (failed(ic.checkAttrs({"mode"})) || failed(readScales(ic, 1, r.scales)))
      return failure();
  }
  r.mode = ic.stringAttr("mode", "nearest");
  return buildResize(ic, r);
}

LogicalResult exportResize(ExportContext &ex) {
  auto op = llvm::cast<cv::ResizeOp>(ex.op);
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  // Float32 scales when they are exact and give the output size; otherwise
  // (a size-given resize, 7 / 3) the output size, batch and channels read
  // from the input's shape, so that the batch stays dynamic.
  bool exact = true;
  for (int i = 0; i < 2; ++i) {
    double s = op.getScales()[i];
    exact &= static_cast<double>(static_cast<float>(s)) == s &&
             static_cast<int64_t>(std::floor(in.getDimSize(2 + i) * s)) == out.getDimSize(2 + i);
  }
  std::vector<std::string> inputs = {ex.nameOf(op.getInput()), ""};
  if (exact) {
    onnx::TensorProto &t = *ex.graph.add_initializer();
    t.set_name(ex.unique(ExportContext::baseName(op) + "_scales"));
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_dims(4);
    for (double s : {1.0, 1.0, op.getScales()[0], op.getScales()[1]})
      t.add_float_data(static_cast<float>(s));
    inputs.push_back(t.name());
  } else {
    std::string base = ExportContext::baseName(op);
    std::string shape = ex.innerNode("Shape", {inputs[0]}, "shape");
    std::string leading = ex.innerNode(
        "Slice", {shape, ex.intInitializer(base + "_starts", {0}), ex.intInitializer(base + "_ends", {2})},
        "leading");
    std::string sizes = ex.innerNode(
        "Concat",
        {leading, ex.intInitializer(base + "_spatial", {out.getDimSize(2), out.getDimSize(3)})}, "sizes");
    setInt(*ex.graph.mutable_node(ex.graph.node_size() - 1), "axis", 0);
    inputs.push_back("");
    inputs.push_back(sizes);
  }
  onnx::NodeProto &n = ex.node(inputs);
  const char *modes[] = {"nearest", "linear", "cubic"};
  setString(n, "mode", modes[static_cast<int>(op.getMode())]);
  setString(n, "coordinate_transformation_mode",
            cv::stringifyCoordinateMode(op.getCoordinateMode()));
  setString(n, "nearest_mode", cv::stringifyNearestMode(op.getNearestMode()));
  setFloat(n, "cubic_coeff_a", op.getCubicCoeffA().convertToFloat());
  setInt(n, "exclude_outside", op.getExcludeOutside() ? 1 : 0);
  return success();
}

} // namespace

void addResampleOps(OnnxOpTable &t) {
  t.maps<cv::ResizeOp>("Resize", importResize, exportResize);
  t.imports("Upsample", importUpsample);
}

} // namespace cvc::onnx_frontend
