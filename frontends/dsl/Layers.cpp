//===- Layers.cpp - the built-in layers of the .cvm language ------------===//
//
// One entry per layer: its parameters (checked by the builder before the
// layer runs) and a function that checks shapes in the language's own terms
// — a kernel larger than its input, channels that do not divide into groups,
// operands of different shapes — and builds the cv ops. Weights are named
// after PyTorch's parameters (`weight`, `bias`, `running_mean`,
// `running_var`) so that torchvision's exported weights load by name.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"
#include "cv/Composite.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace cvc::dsl {

std::string shapeText(Type type) {
  auto ranked = llvm::dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return "[?]";
  std::string s = "[";
  for (int64_t i = 0; i < ranked.getRank(); ++i)
    s += (i ? ", " : "") + (ranked.isDynamicDim(i) ? std::string("N")
                                                   : std::to_string(ranked.getDimSize(i)));
  return s + "]";
}

int64_t LayerCall::integer(llvm::StringRef name, int64_t otherwise) const {
  auto it = args.find(name.str());
  return it == args.end() ? otherwise : it->second.integer;
}

double LayerCall::number(llvm::StringRef name, double otherwise) const {
  auto it = args.find(name.str());
  return it == args.end() ? otherwise : it->second.number;
}

bool LayerCall::flag(llvm::StringRef name, bool otherwise) const {
  auto it = args.find(name.str());
  return it == args.end() ? otherwise : it->second.boolean;
}

std::array<int64_t, 2> LayerCall::pair(llvm::StringRef name,
                                       std::array<int64_t, 2> otherwise) const {
  auto it = args.find(name.str());
  if (it == args.end())
    return otherwise;
  const ArgValue &v = it->second;
  if (v.kind == ArgValue::Kind::Int)
    return {v.integer, v.integer};
  return {v.list[0].integer, v.list[1].integer};
}

std::array<int64_t, 4> LayerCall::pads(llvm::StringRef name) const {
  auto it = args.find(name.str());
  if (it == args.end())
    return {0, 0, 0, 0};
  const ArgValue &v = it->second;
  if (v.kind == ArgValue::Kind::Int)
    return {v.integer, v.integer, v.integer, v.integer};
  if (v.list.size() == 2)
    return {v.list[0].integer, v.list[1].integer, v.list[0].integer, v.list[1].integer};
  return {v.list[0].integer, v.list[1].integer, v.list[2].integer, v.list[3].integer};
}

SourceRange LayerCall::rangeOf(llvm::StringRef name) const {
  auto it = args.find(name.str());
  return it == args.end() ? range : it->second.range;
}

LogicalResult LayerCall::expectRank(int64_t rank, llvm::StringRef expected) const {
  if (inputType().getRank() == rank)
    return success();
  return error(range, "shape error: " + what() + " gets a " + shapeText(inputType()) + " input",
               expected);
}

FailureOr<Value> LayerCall::weight(llvm::StringRef suffix, std::vector<int64_t> shape,
                                   TensorInit init, int64_t fanIn, int64_t fanOut) {
  TensorRequest request{label + "." + suffix.str(), shape, init, fanIn, fanOut};
  std::vector<float> values;
  std::string message;
  if (failed(state.weights.get(request, values, message)))
    return error(range, what() + ": " + message);
  return cv::createFloatConstant(state.builder, loc(), shape, values, request.name).getResult();
}

FailureOr<Value> LayerCall::finish(Operation *op) {
  std::string message;
  if (succeeded(cv::inferAndVerify(op, message)))
    return op->getResult(0);
  op->erase();
  return error(range, "shape error in " + what() + ": " + message);
}

namespace {

/// The spatial extent a window of `kernel` (dilated) needs, against the
/// padded input; a window that does not fit is the user's error, so it is
/// reported here in the language's terms rather than by the op.
LogicalResult checkWindow(LayerCall &call, std::array<int64_t, 2> kernel,
                          std::array<int64_t, 2> dilation, std::array<int64_t, 4> pads,
                          llvm::StringRef kernelArg) {
  RankedTensorType type = call.inputType();
  for (int i = 0; i < 2; ++i) {
    int64_t extent = (kernel[i] - 1) * dilation[i] + 1;
    int64_t padded = type.getDimSize(2 + i) + pads[i] + pads[i + 2];
    if (kernel[i] < 1)
      return call.error(call.rangeOf(kernelArg),
                        "bad argument: the kernel of " + call.what() + " must be positive");
    if (extent > padded)
      return call.error(call.rangeOf(kernelArg),
                        "shape error: the " + std::to_string(kernel[0]) + "x" +
                            std::to_string(kernel[1]) + " kernel of " + call.what() +
                            " is larger than its input " +
                            shapeText(type) + " (padded to " +
                            std::to_string(type.getDimSize(2) + pads[0] + pads[2]) + "x" +
                            std::to_string(type.getDimSize(3) + pads[1] + pads[3]) + ")",
                        "a kernel no larger than the padded input; the input shrank in the "
                        "layers before");
  }
  return success();
}

LogicalResult checkPositive(LayerCall &call, llvm::StringRef name, std::array<int64_t, 2> v) {
  if (v[0] >= 1 && v[1] >= 1)
    return success();
  return call.error(call.rangeOf(name), "bad argument: '" + name + "' of " + call.what() +
                                            " must be positive");
}

/// The `[out]` bias of a convolution or fully connected layer, or a null
/// value with `bias=false` (ResNet's convolutions before batch norms).
FailureOr<Value> optionalBias(LayerCall &call, int64_t out) {
  if (!call.flag("bias", true))
    return Value();
  return call.weight("bias", {out}, TensorInit::Zeros);
}

/// A convolution's arguments (conv and conv_transpose), checked alike: an
/// NCHW input, output channels, groups dividing both channel counts,
/// positive strides and dilations.
struct ConvArgs {
  int64_t channels = 0, out = 0, groups = 1;
  std::array<int64_t, 2> kernel{}, stride{}, dilation{};
  std::array<int64_t, 4> pads{};
};

FailureOr<ConvArgs> readConvArgs(LayerCall &call) {
  if (failed(call.expectRank(4, "an NCHW input [N, C, H, W]")))
    return failure();
  ConvArgs a;
  a.channels = call.inputType().getDimSize(1);
  a.out = call.integer("out", 0);
  a.groups = call.integer("groups", 1);
  a.kernel = call.pair("kernel", {1, 1});
  a.stride = call.pair("stride", {1, 1});
  a.dilation = call.pair("dilation", {1, 1});
  a.pads = call.pads("pad");
  if (a.out < 1)
    return call.error(call.rangeOf("out"), "bad argument: " + call.what() +
                                               " needs at least one output channel");
  if (a.groups < 1 || a.channels % a.groups != 0 || a.out % a.groups != 0)
    return call.error(call.rangeOf("groups"),
                      "shape error: " + call.what() + " has " + std::to_string(a.channels) +
                          " input and " + std::to_string(a.out) + " output channels, not both "
                          "divisible into " + std::to_string(a.groups) + " groups",
                      "groups dividing both channel counts");
  if (failed(checkPositive(call, "stride", a.stride)) ||
      failed(checkPositive(call, "dilation", a.dilation)))
    return failure();
  return a;
}

FailureOr<Value> buildConv(LayerCall &call) {
  auto args = readConvArgs(call);
  if (failed(args) ||
      failed(checkWindow(call, args->kernel, args->dilation, args->pads, "kernel")))
    return failure();
  auto [channels, out, groups, kernel, stride, dilation, pads] = *args;
  int64_t fanIn = channels / groups * kernel[0] * kernel[1];
  auto w = call.weight("weight", {out, channels / groups, kernel[0], kernel[1]},
                       TensorInit::Random, fanIn, out / groups * kernel[0] * kernel[1]);
  if (failed(w))
    return failure();
  auto bias = optionalBias(call, out);
  if (failed(bias))
    return failure();
  OpBuilder &b = call.state.builder;
  return call.create<cv::Conv2DOp>(
      call.input, *w, *bias, /*residual=*/Value(),
      cv::ActivationAttr::get(b.getContext(), cv::Activation::none), b.getDenseF32ArrayAttr({}),
      b.getDenseI64ArrayAttr(stride), b.getDenseI64ArrayAttr(pads),
      b.getDenseI64ArrayAttr(dilation), b.getI64IntegerAttr(groups));
}

/// PyTorch's ConvTranspose2d: weight [in, out / groups, kh, kw]; the output
/// is (H - 1) * stride - pad_top - pad_bottom + dilation * (k - 1) + 1 +
/// output_pad.
FailureOr<Value> buildConvTranspose(LayerCall &call) {
  auto args = readConvArgs(call);
  if (failed(args) || failed(checkPositive(call, "kernel", args->kernel)))
    return failure();
  auto [channels, out, groups, kernel, stride, dilation, pads] = *args;
  std::array<int64_t, 2> outputPad = call.pair("output_pad", {0, 0});
  for (int i = 0; i < 2; ++i)
    if (outputPad[i] < 0 || outputPad[i] >= std::max(stride[i], dilation[i]))
      return call.error(call.rangeOf("output_pad"),
                        "bad argument: output_pad of " + call.what() + " must be at least 0 and "
                        "smaller than the stride or the dilation");
  // The output extent, (H - 1) * stride - pads + dilation * (k - 1) + 1 +
  // output_pad, from numbers in the file: checked before the op computes it.
  RankedTensorType type = call.inputType();
  for (int64_t pad : pads)
    if (pad < 0 || pad > (int64_t(1) << 31))
      return call.error(call.rangeOf("pad"), "bad argument: a pad of " + call.what() + " is " +
                                                 std::to_string(pad),
                        "pads from 0 to 2^31");
  for (int i = 0; i < 2; ++i) {
    int64_t a = 0, b = 0, extent = 0;
    bool overflow = __builtin_mul_overflow(type.getDimSize(2 + i) - 1, stride[i], &a) ||
                    __builtin_mul_overflow(kernel[i] - 1, dilation[i], &b) ||
                    __builtin_add_overflow(a, b, &extent) ||
                    __builtin_add_overflow(extent, 1 + outputPad[i] - pads[i] - pads[i + 2], &extent);
    if (overflow || extent > (int64_t(1) << 31) || extent < 1)
      return call.error(call.rangeOf("stride"),
                        "shape error: " + call.what() + " gives an output extent that is " +
                            (overflow || extent > 0 ? "too large" : "not positive"),
                        "an output of 1 to 2^31 pixels on a side");
  }
  int64_t fanIn = out / groups * kernel[0] * kernel[1];
  auto w = call.weight("weight", {channels, out / groups, kernel[0], kernel[1]},
                       TensorInit::Random, fanIn, channels / groups * kernel[0] * kernel[1]);
  if (failed(w))
    return failure();
  auto bias = optionalBias(call, out);
  if (failed(bias))
    return failure();
  OpBuilder &b = call.state.builder;
  return call.create<cv::ConvTranspose2DOp>(
      call.input, *w, *bias, /*residual=*/Value(),
      cv::ActivationAttr::get(b.getContext(), cv::Activation::none), b.getDenseF32ArrayAttr({}),
      b.getDenseI64ArrayAttr(stride), b.getDenseI64ArrayAttr(pads),
      b.getDenseI64ArrayAttr(dilation), b.getI64IntegerAttr(groups),
      b.getDenseI64ArrayAttr(outputPad));
}

/// PyTorch's nn.Upsample by an integer factor: "nearest" (ONNX Resize
/// asymmetric + floor, as PyTorch exports it) or "bilinear" (half-pixel
/// centres, or align_corners).
FailureOr<Value> buildUpsample(LayerCall &call) {
  if (failed(call.expectRank(4, "an NCHW input [N, C, H, W]")))
    return failure();
  std::array<int64_t, 2> scale = call.pair("scale", {2, 2});
  if (failed(checkPositive(call, "scale", scale)))
    return failure();
  std::string mode = call.has("mode") ? call.args.at("mode").text : "nearest";
  bool alignCorners = call.flag("align_corners", false);
  if (mode != "nearest" && mode != "bilinear")
    return call.error(call.rangeOf("mode"),
                      "bad argument: mode '" + mode + "' of " + call.what(),
                      "\"nearest\" or \"bilinear\"");
  if (alignCorners && mode != "bilinear")
    return call.error(call.rangeOf("align_corners"),
                      "bad argument: align_corners applies to bilinear upsampling only");
  RankedTensorType type = call.inputType();
  SmallVector<int64_t> shape(type.getShape());
  for (int i = 0; i < 2; ++i)
    if (__builtin_mul_overflow(shape[2 + i], scale[i], &shape[2 + i]) ||
        shape[2 + i] > (int64_t(1) << 31))
      return call.error(call.rangeOf("scale"), "bad argument: the scale of " + call.what() +
                                                   " makes an image larger than 2^31 pixels "
                                                   "on a side");
  OpBuilder &b = call.state.builder;
  MLIRContext *ctx = b.getContext();
  bool nearest = mode == "nearest";
  auto op = b.create<cv::ResizeOp>(
      call.loc(), RankedTensorType::get(shape, type.getElementType()), call.input,
      cv::ResizeModeAttr::get(ctx, nearest ? cv::ResizeMode::nearest : cv::ResizeMode::linear),
      cv::CoordinateModeAttr::get(ctx, nearest        ? cv::CoordinateMode::asymmetric
                                       : alignCorners ? cv::CoordinateMode::align_corners
                                                      : cv::CoordinateMode::half_pixel),
      cv::NearestModeAttr::get(ctx, cv::NearestMode::floor),
      b.getDenseF64ArrayAttr({static_cast<double>(scale[0]), static_cast<double>(scale[1])}),
      b.getF32FloatAttr(-0.75f), b.getBoolAttr(false));
  return call.finish(op.getOperation());
}

FailureOr<Value> buildFullyConnected(LayerCall &call) {
  if (failed(call.expectRank(2, "a flat input [N, K]; put 'flatten' before the layer")))
    return failure();
  int64_t in = call.inputType().getDimSize(1), out = call.integer("out", 0);
  if (out < 1)
    return call.error(call.rangeOf("out"), "bad argument: " + call.what() +
                                               " needs at least one output");
  auto w = call.weight("weight", {out, in}, TensorInit::Random, in, out);
  if (failed(w))
    return failure();
  auto bias = optionalBias(call, out);
  if (failed(bias))
    return failure();
  return call.create<cv::FullyConnectedOp>(call.input, *w, *bias, /*residual=*/Value());
}

FailureOr<Value> buildBatchNorm(LayerCall &call) {
  if (call.inputType().getRank() < 2 || call.inputType().isDynamicDim(1))
    return call.error(call.range, "shape error: " + call.what() + " gets a " +
                                      shapeText(call.inputType()) + " input",
                      "channels in dimension 1");
  int64_t channels = call.inputType().getDimSize(1);
  Value operands[4];
  const std::pair<const char *, TensorInit> tensors[4] = {{"weight", TensorInit::Ones},
                                                          {"bias", TensorInit::Zeros},
                                                          {"running_mean", TensorInit::Zeros},
                                                          {"running_var", TensorInit::Ones}};
  for (int i = 0; i < 4; ++i) {
    auto t = call.weight(tensors[i].first, {channels}, tensors[i].second);
    if (failed(t))
      return failure();
    operands[i] = *t;
  }
  return call.create<cv::BatchNormOp>(
      call.input, operands[0], operands[1], operands[2], operands[3],
      call.state.builder.getF32FloatAttr(static_cast<float>(call.number("eps", 1e-5))));
}

template <typename OpT> FailureOr<Value> buildPool(LayerCall &call) {
  if (failed(call.expectRank(4, "an NCHW input [N, C, H, W]")))
    return failure();
  std::array<int64_t, 2> kernel = call.pair("kernel", {1, 1});
  std::array<int64_t, 2> stride = call.pair("stride", kernel);
  std::array<int64_t, 4> pads = call.pads("pad");
  if (failed(checkPositive(call, "stride", stride)) ||
      failed(checkWindow(call, kernel, {1, 1}, pads, "kernel")))
    return failure();
  OpBuilder &b = call.state.builder;
  bool ceil = call.flag("ceil", false);
  if constexpr (std::is_same_v<OpT, cv::MaxPool2DOp>)
    return call.create<cv::MaxPool2DOp>(call.input, b.getDenseI64ArrayAttr(kernel),
                                        b.getDenseI64ArrayAttr(stride),
                                        b.getDenseI64ArrayAttr(pads), b.getBoolAttr(ceil));
  else
    return call.create<cv::AvgPool2DOp>(call.input, b.getDenseI64ArrayAttr(kernel),
                                        b.getDenseI64ArrayAttr(stride),
                                        b.getDenseI64ArrayAttr(pads), b.getBoolAttr(ceil),
                                        b.getBoolAttr(call.flag("count_pad", false)));
}

/// A window over the whole image, to 1x1.
template <typename OpT> FailureOr<Value> buildGlobalPool(LayerCall &call) {
  if (failed(call.expectRank(4, "an NCHW input [N, C, H, W]")))
    return failure();
  RankedTensorType type = call.inputType();
  OpBuilder &b = call.state.builder;
  auto kernel = b.getDenseI64ArrayAttr({type.getDimSize(2), type.getDimSize(3)});
  auto ones = b.getDenseI64ArrayAttr({1, 1});
  auto zeros = b.getDenseI64ArrayAttr({0, 0, 0, 0});
  if constexpr (std::is_same_v<OpT, cv::MaxPool2DOp>)
    return call.create<cv::MaxPool2DOp>(call.input, kernel, ones, zeros, b.getBoolAttr(false));
  else
    return call.create<cv::AvgPool2DOp>(call.input, kernel, ones, zeros, b.getBoolAttr(false),
                                        b.getBoolAttr(false));
}

FailureOr<Value> buildFlatten(LayerCall &call) {
  RankedTensorType type = call.inputType();
  int64_t inner = 1;
  for (int64_t i = 1; i < type.getRank(); ++i)
    inner *= type.getDimSize(i);
  auto flat = RankedTensorType::get({type.getDimSize(0), inner}, type.getElementType());
  return call.finish(call.state.builder.create<cv::ReshapeOp>(call.loc(), flat, call.input));
}

FailureOr<Value> buildLRN(LayerCall &call) {
  if (failed(call.expectRank(4, "an NCHW input [N, C, H, W]")))
    return failure();
  OpBuilder &b = call.state.builder;
  return call.create<cv::LRNOp>(call.input, b.getI64IntegerAttr(call.integer("size", 5)),
                                b.getF32FloatAttr(call.number("alpha", 1e-4)),
                                b.getF32FloatAttr(call.number("beta", 0.75)),
                                b.getF32FloatAttr(call.number("k", 1.0)));
}

FailureOr<Value> buildDropout(LayerCall &call) {
  double ratio = call.number("ratio", 0.5);
  if (!(ratio >= 0.0 && ratio < 1.0))
    return call.error(call.rangeOf("ratio"),
                      "bad argument: the ratio of " + call.what() + " must be in [0, 1)");
  return call.create<cv::DropoutOp>(call.input,
                                    call.state.builder.getF32FloatAttr(static_cast<float>(ratio)));
}

/// Operands of add and concat must agree in every dimension but `except`
/// (-1: all); the message names both values and their shapes.
LogicalResult checkSameShapes(LayerCall &call, int64_t except) {
  const ArgValue &first = call.values.front();
  auto a = llvm::cast<RankedTensorType>(first.tensor.getType());
  for (const ArgValue &other : llvm::ArrayRef(call.values).drop_front()) {
    auto b = llvm::cast<RankedTensorType>(other.tensor.getType());
    bool same = a.getRank() == b.getRank();
    for (int64_t i = 0; same && i < a.getRank(); ++i)
      same = i == except || a.getDimSize(i) == b.getDimSize(i);
    if (!same)
      return call.error(other.range,
                        "shape mismatch in " + call.what() + ": '" + other.text + "' is " +
                            shapeText(b) + " but '" + first.text + "' is " + shapeText(a),
                        except < 0 ? "operands of the same shape"
                                   : "operands that differ only in channels (dimension 1)");
  }
  return success();
}

/// `OpT` folded over the values, left to right: add(a, b, c) is (a + b) + c.
template <typename OpT> FailureOr<Value> foldValues(LayerCall &call) {
  Value result = call.values.front().tensor;
  for (const ArgValue &other : llvm::ArrayRef(call.values).drop_front()) {
    auto next = call.create<OpT>(result, other.tensor);
    if (failed(next))
      return failure();
    result = *next;
  }
  return result;
}

FailureOr<Value> buildAdd(LayerCall &call) {
  if (failed(checkSameShapes(call, -1)))
    return failure();
  return foldValues<cv::AddOp>(call);
}

FailureOr<Value> buildConcat(LayerCall &call) {
  if (failed(checkSameShapes(call, 1)))
    return failure();
  SmallVector<Value> inputs;
  for (const ArgValue &v : call.values)
    inputs.push_back(v.tensor);
  OpBuilder &b = call.state.builder;
  return call.create<cv::ConcatOp>(inputs, b.getI64IntegerAttr(1), UnitAttr());
}

template <typename OpT> FailureOr<Value> buildUnary(LayerCall &call) {
  return call.create<OpT>(call.input);
}

FailureOr<Value> buildRelu6(LayerCall &call) {
  OpBuilder &b = call.state.builder;
  return call.create<cv::ClipOp>(call.input, b.getF32FloatAttr(0.0f), b.getF32FloatAttr(6.0f));
}

/// PyTorch's nn.Hardsigmoid by default (relu6(x + 3) / 6: alpha 1/6);
/// ONNX's HardSigmoid is alpha=0.2.
FailureOr<Value> buildHardSigmoid(LayerCall &call) {
  OpBuilder &b = call.state.builder;
  return call.create<cv::HardSigmoidOp>(
      call.input, b.getF32FloatAttr(static_cast<float>(call.number("alpha", 1.0 / 6.0))),
      b.getF32FloatAttr(static_cast<float>(call.number("beta", 0.5))));
}

/// Standardises over `axes` (cv::buildStandardize), then, when `affine`,
/// scales and shifts by `<layer>.weight` and `.bias` of `shape`, viewed as
/// `broadcast` against the input.
FailureOr<Value> normalize(LayerCall &call, ArrayRef<int64_t> axes, bool affine,
                           std::vector<int64_t> shape, ArrayRef<int64_t> broadcast) {
  OpBuilder &b = call.state.builder;
  std::string message;
  auto y = cv::buildStandardize(b, call.loc(), call.input, axes,
                                static_cast<float>(call.number("eps", 1e-5)), message);
  if (failed(y))
    return call.error(call.range, "shape error in " + call.what() + ": " + message);
  if (!affine)
    return y;
  Value result = *y;
  for (auto [suffix, init] : {std::pair{"weight", TensorInit::Ones}, {"bias", TensorInit::Zeros}}) {
    auto w = call.weight(suffix, shape, init);
    if (failed(w))
      return failure();
    Value v = *w;
    if (broadcast != ArrayRef<int64_t>(shape))
      v = b.create<cv::ReshapeOp>(call.loc(), RankedTensorType::get(broadcast, b.getF32Type()), v);
    auto next = std::string(suffix) == "weight" ? call.create<cv::MulOp>(result, v)
                                                : call.create<cv::AddOp>(result, v);
    if (failed(next))
      return failure();
    result = *next;
  }
  return result;
}

/// PyTorch's InstanceNorm2d: each image's channel over its pixels;
/// `affine` adds a per-channel weight and bias (off by default, as there).
FailureOr<Value> buildInstanceNorm(LayerCall &call) {
  if (failed(call.expectRank(4, "an NCHW input [N, C, H, W]")))
    return failure();
  int64_t channels = call.inputType().getDimSize(1);
  return normalize(call, {2, 3}, call.flag("affine", false), {channels}, {channels, 1, 1});
}

/// PyTorch's LayerNorm(x.shape[1:]): each image over all of [C, H, W], with
/// a weight and bias of that shape.
FailureOr<Value> buildLayerNorm(LayerCall &call) {
  if (failed(call.expectRank(4, "an NCHW input [N, C, H, W]")))
    return failure();
  RankedTensorType type = call.inputType();
  std::vector<int64_t> shape(type.getShape().begin() + 1, type.getShape().end());
  return normalize(call, {1, 2, 3}, call.flag("affine", true), shape, shape);
}

/// PyTorch's PixelShuffle(r): [N, C r², H, W] -> [N, C, H r, W r] (ONNX's
/// DepthToSpace in CRD order).
FailureOr<Value> buildPixelShuffle(LayerCall &call) {
  if (failed(call.expectRank(4, "an NCHW input [N, C, H, W]")))
    return failure();
  RankedTensorType type = call.inputType();
  int64_t r = call.integer("factor", 0), c = type.getDimSize(1), h = type.getDimSize(2),
          w = type.getDimSize(3), n = type.getDimSize(0);
  if (r < 1 || r > 64)
    return call.error(call.rangeOf("factor"),
                      "bad argument: the factor of " + call.what() + " must be from 1 to 64");
  if (c % (r * r) != 0)
    return call.error(call.rangeOf("factor"),
                      "shape error: " + call.what() + " needs channels divisible by " +
                          std::to_string(r * r) + " (factor²); the input has " +
                          std::to_string(c));
  std::string message;
  auto y = cv::buildRearrange(call.state.builder, call.loc(), call.input,
                              {n, c / (r * r), r, r, h, w}, {0, 1, 4, 2, 5, 3},
                              {n, c / (r * r), h * r, w * r}, message);
  if (failed(y))
    return call.error(call.range, "shape error in " + call.what() + ": " + message);
  return y;
}

FailureOr<Value> buildSoftmax(LayerCall &call) {
  int64_t axis = call.integer("axis", 1);
  if (axis < 0 || axis >= call.inputType().getRank())
    return call.error(call.rangeOf("axis"), "bad argument: axis " + std::to_string(axis) +
                                                " of a " + shapeText(call.inputType()) +
                                                " input");
  return call.create<cv::SoftmaxOp>(call.input, call.state.builder.getI64IntegerAttr(axis));
}

} // namespace

const std::map<std::string, LayerDef> &layerTable() {
  using P = ParamType;
  static const std::map<std::string, LayerDef> table = {
      {"conv",
       {{{"out", P::Int, true}, {"kernel", P::IntPair, true}, {"stride", P::IntPair},
         {"pad", P::Pads}, {"groups", P::Int}, {"dilation", P::IntPair}, {"bias", P::Bool}},
        false, buildConv}},
      {"conv_transpose",
       {{{"out", P::Int, true}, {"kernel", P::IntPair, true}, {"stride", P::IntPair},
         {"pad", P::Pads}, {"output_pad", P::IntPair}, {"groups", P::Int},
         {"dilation", P::IntPair}, {"bias", P::Bool}},
        false, buildConvTranspose}},
      {"upsample",
       {{{"scale", P::IntPair}, {"mode", P::String}, {"align_corners", P::Bool}},
        false, buildUpsample}},
      {"fc", {{{"out", P::Int, true}, {"bias", P::Bool}}, false, buildFullyConnected}},
      {"batchnorm", {{{"eps", P::Float}}, false, buildBatchNorm}},
      {"instancenorm", {{{"eps", P::Float}, {"affine", P::Bool}}, false, buildInstanceNorm}},
      {"layernorm", {{{"eps", P::Float}, {"affine", P::Bool}}, false, buildLayerNorm}},
      {"pixel_shuffle", {{{"factor", P::Int, true}}, false, buildPixelShuffle}},
      {"maxpool",
       {{{"kernel", P::IntPair, true}, {"stride", P::IntPair}, {"pad", P::Pads},
         {"ceil", P::Bool}},
        false, buildPool<cv::MaxPool2DOp>}},
      {"avgpool",
       {{{"kernel", P::IntPair, true}, {"stride", P::IntPair}, {"pad", P::Pads},
         {"ceil", P::Bool}, {"count_pad", P::Bool}},
        false, buildPool<cv::AvgPool2DOp>}},
      {"global_avgpool", {{}, false, buildGlobalPool<cv::AvgPool2DOp>}},
      {"global_maxpool", {{}, false, buildGlobalPool<cv::MaxPool2DOp>}},
      {"lrn",
       {{{"size", P::Int, true}, {"alpha", P::Float}, {"beta", P::Float}, {"k", P::Float}},
        false, buildLRN}},
      {"dropout", {{{"ratio", P::Float}}, false, buildDropout}},
      {"flatten", {{}, false, buildFlatten}},
      {"relu", {{}, false, buildUnary<cv::ReluOp>}},
      {"tanh", {{}, false, buildUnary<cv::TanhOp>}},
      {"sigmoid", {{}, false, buildUnary<cv::SigmoidOp>}},
      {"relu6", {{}, false, buildRelu6}},
      {"swish", {{}, false, buildUnary<cv::SwishOp>}},
      {"hardswish", {{}, false, buildUnary<cv::HardSwishOp>}},
      {"hardsigmoid", {{{"alpha", P::Float}, {"beta", P::Float}}, false, buildHardSigmoid}},
      {"gelu", {{}, false, buildUnary<cv::GeluOp>}},
      // Elementwise product with NumPy broadcasting: a squeeze-and-excitation
      // scale [N, C, 1, 1] times the features [N, C, H, W].
      {"mul", {{}, true, foldValues<cv::MulOp>}},
      {"softmax", {{{"axis", P::Int}}, false, buildSoftmax}},
      {"add", {{}, true, buildAdd}},
      {"concat", {{}, true, buildConcat}},
  };
  return table;
}

} // namespace cvc::dsl
