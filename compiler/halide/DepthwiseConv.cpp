//===- DepthwiseConv.cpp - depthwise convolution in NCHW[b]c ------------===//
//
// Each channel has its own kh x kw window, so there is no reduction over
// channels: with the b channels of a pixel in one vector, an output vector
// is kh·kw multiply-adds of an input vector by a weight vector, every lane
// its own channel. The register tile is `columns` output pixels of a row:
// each weight vector, loaded once per tap, serves all of them, and with a
// stride of 1 neighbouring pixels share their input vectors too. The whole
// window is unrolled. A task is `row_tile` output rows of one channel
// block. The zero padding is read through a boundary condition: Halide
// splits the loops into borders, which test bounds, and an interior, which
// loads straight from the input. Copying the padded rows per task first
// doubled the traffic of what is a memory-bound kernel: MobileNetV2's
// stride-2 layer at 112x112 took 0.25 ms that way and 0.088 ms reading
// through (batch 1, Zen 4).
//
// Narrow groups (a [C/b, kh, kw, g, b] weight) add the g input lanes of
// each output lane's group to the reduction, unrolled with the window;
// `lanes_from` says how a lane gets them.
//
// Unlike a dense convolution this is bound by memory, not arithmetic: every
// input vector is used kh·kw times at most, so the schedule is about
// keeping the input rows of a task in L1 and its output stores streaming.
//
// Schedule space ("depthwise"):
//   columns   output pixels per register tile (<= 16 and the row width)
//   row_tile  output rows per parallel task
//   padded_at where the zero-padded input is materialised: task (the rows
//             a task reads), row (one output row's input rows at a time)
//             or inline (never: reads go through the boundary condition;
//             the default but for narrow groups)
//   group     consecutive (row tile, channel block) iterations per
//             parallel task
//   lanes_from narrow groups only: gather or blend (see below)
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

enum PaddedAt : int64_t { kPaddedPerTask = 0, kPaddedPerRow = 1, kPaddedInline = 2 };
enum LanesFrom : int64_t { kLanesGathered = 0, kLanesBlended = 1 };

ScheduleSpace depthwiseSpace(cv::DepthwiseConv2DOp op, const KernelContext &context) {
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  int64_t outH = out.getDimSize(2), outW = out.getDimSize(3);
  ScheduleSpace space;
  ScheduleAlgorithm &depthwise = space.addAlgorithm("depthwise");
  depthwise.add("columns", rangeUpTo(std::min<int64_t>(outW, 16)));
  depthwise.add("row_tile", powersOfTwoUpTo(std::min<int64_t>(outH, 8)));
  depthwise.add("padded_at", {kPaddedPerTask, kPaddedPerRow, kPaddedInline},
                {"task", "row", "inline"});
  // Consecutive (row tile, channel block) iterations per parallel task.
  int64_t rowTile = std::min<int64_t>(outH, 2);
  int64_t iterations = out.isDynamicDim(0)
                           ? -1
                           : (outH + rowTile - 1) / rowTile * out.getDimSize(1) * out.getDimSize(0);
  int64_t group = defaultTaskGroup(rowTile * outW * out.getDimSize(4));
  depthwise.add("group", taskGroupsFor(iterations, group));

  // 8 accumulators of the 32 AVX-512 registers leave room for the weight
  // vectors of a 3x3 window (9) and the input vectors a stride-1 row
  // shares; 2 rows per task halve the tasks of large maps.
  int64_t columns = std::min<int64_t>(outW, 8);
  // The last tile of a row is shifted inwards: prefer the width from 5 to
  // 8 that recomputes the fewest pixels.
  auto computed = [&](int64_t c) { return (outW + c - 1) / c * c; };
  for (int64_t c = 7; c >= 5 && outW > 8; --c)
    if (computed(c) < computed(columns))
      columns = c;
  space.defaultPoint = SchedulePoint("depthwise")
                           .set("columns", columns)
                           .set("row_tile", rowTile)
                           .set("padded_at", kPaddedInline)
                           .set("group", group);
  // Narrow groups: how each lane gets its group's input lanes. Blends of 2
  // groups (8 channels each) beat the gathers on RegNetY-400MF (grouped
  // layers 2.22-2.30 against 2.39-2.44 ms, batch 1, Zen 4); 4 groups of 4
  // lost on ResNeXt-50 (5.4-5.6 against 3.4-3.6 ms).
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  if (w.getRank() == 5) {
    int64_t groupsPerVector = w.getDimSize(4) / w.getDimSize(3);
    depthwise.add("lanes_from", {kLanesGathered, kLanesBlended}, {"gather", "blend"});
    space.defaultPoint.set("lanes_from", groupsPerVector <= 2 ? kLanesBlended : kLanesGathered);
    // Their g-lane reductions read each input vector g times more, and
    // bounds selects on every read cost more than the copy: RegNetY-400MF's
    // narrow-group layers took 2.78 ms read through the padding against
    // 2.21 ms copied, ResNeXt-50's 3.94 against 3.13 (batch 1, Zen 4).
    space.defaultPoint.set("padded_at", kPaddedPerTask);
  }
  addAutoscheduleAlgorithm(space, context);
  return space;
}

FailureOr<Kernel> buildDepthwise(cv::DepthwiseConv2DOp op, const KernelContext &context,
                                 const SchedulePoint &point) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  int block = static_cast<int>(in.getDimSize(4));
  int inH = static_cast<int>(in.getDimSize(2)), inW = static_cast<int>(in.getDimSize(3));
  int kH = static_cast<int>(w.getDimSize(1)), kW = static_cast<int>(w.getDimSize(2));
  // Input channels per group: 1, or g of a [C/b, kh, kw, g, b] weight.
  int width = w.getRank() == 5 ? static_cast<int>(w.getDimSize(3)) : 1;
  int blocks = static_cast<int>(out.getDimSize(1));
  int outH = static_cast<int>(out.getDimSize(2)), outW = static_cast<int>(out.getDimSize(3));
  auto strides = op.getStrides(), pads = op.getPads(), dilations = op.getDilations();

  KernelBuilder kernel(op, context);
  LayerInputs layer = layerInputs(kernel, op);
  Halide::ImageParam input = layer.input, weight = layer.weight, bias = layer.bias;

  Var lane("lane"), x("x"), y("y"), cb("cb"), n("n");
  bool hasPadding = llvm::any_of(pads, [](int64_t v) { return v != 0; });
  Func padded = hasPadding ? Halide::BoundaryConditions::constant_exterior(
                                 input, 0.0f, {Halide::Range(), {0, inW}, {0, inH}})
                           : Func(input);
  RDom r(0, kW, 0, kH, 0, width, "r");
  Expr inX = x * static_cast<int>(strides[1]) - static_cast<int>(pads[1]) +
             r.x * static_cast<int>(dilations[1]);
  Expr inY = y * static_cast<int>(strides[0]) - static_cast<int>(pads[0]) +
             r.y * static_cast<int>(dilations[0]);
  Func acc("depthwise_acc");
  acc(lane, x, y, cb, n) = op.getBias() ? bias(cb * block + lane) : Expr(0.0f);
  if (width == 1)
    acc(lane, x, y, cb, n) += weight(lane, r.x, r.y, cb) * padded(lane, inX, inY, cb, n);
  else {
    // Lane l reads input lane l - l % g + k (k = r.z). "gather": Halide 14
    // loads it lane by lane; "blend": one value per group broadcast to its
    // g lanes, the groups joined by constant masks.
    Expr spread;
    if (isAutoscheduled(point) || point.get("lanes_from") == kLanesGathered) {
      spread = padded(lane / width * width + r.z, inX, inY, cb, n);
    } else {
      spread = padded(r.z, inX, inY, cb, n);
      for (int h = 1; h < block / width; ++h)
        spread = Halide::select(lane / width == h, padded(h * width + r.z, inX, inY, cb, n),
                                spread);
    }
    acc(lane, x, y, cb, n) += weight(lane, r.z, r.x, r.y, cb) * spread;
  }
  Func result("depthwise");
  result(lane, x, y, cb, n) =
      applyEpilogue(op, acc(lane, x, y, cb, n), {lane, x, y, cb, n}, kernel);
  uint64_t macs = static_cast<uint64_t>(blocks) * block * outH * outW * kH * kW * width;
  if (isAutoscheduled(point))
    return kernel.finish(result, macs);

  int columns = point.getInt("columns"), rowTile = point.getInt("row_tile");
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi"), task("task");
  result.split(x, xo, xi, columns, TailStrategy::ShiftInwards)
      .split(y, yo, yi, rowTile, TailStrategy::ShiftInwards)
      .reorder(lane, xi, xo, yi, yo, cb, n)
      .vectorize(lane, block)
      .fuse(yo, cb, task)
      .fuse(task, n, task);
  // A 14x14 layer's iteration is some 4K multiply-adds, less than what a
  // thread spends claiming it from another core: grouped, a task covers
  // about 16K outputs (MobileNetV2 batch 1 on 2 threads: its depthwise
  // layers took 2-4x their 1-thread time ungrouped).
  int64_t group = point.get("group");
  parallelInGroups(result, task, group);
  Var taskLevel = group > 1 ? Var(task.name() + "_i") : task;
  acc.compute_at(result, xo).vectorize(lane, block).unroll(x);
  acc.update()
      .reorder(lane, x, r.z, r.x, r.y, n)
      .vectorize(lane, block)
      .unroll(x)
      .unroll(r.z)
      .unroll(r.x)
      .unroll(r.y);
  int64_t paddedAt = point.get("padded_at");
  if (hasPadding && paddedAt != kPaddedInline)
    padded.compute_at(paddedAt == kPaddedPerRow ? Halide::LoopLevel(result, yi)
                                                : Halide::LoopLevel(result, taskLevel))
        .vectorize(padded.args()[0], block);
  return kernel.finish(result, macs);
}

} // namespace

void registerDepthwiseKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<depthwiseSpace, buildDepthwise, cv::DepthwiseConv2DOp>(ctx);
  });
}

} // namespace cvc::halide
