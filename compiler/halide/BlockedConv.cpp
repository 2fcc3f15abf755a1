//===- BlockedConv.cpp - convolution and layout changes in NCHW[b]c -----===//
//
// With b output channels of a pixel in one vector, the register tile is
// `columns` output pixels of a row by `blockTile` channel blocks: each
// reduction step broadcasts one input value per pixel and loads one weight
// vector per block, and every lane is useful whatever the image width. The
// weights arrive as [M/b, C, kh, kw, b], so those loads are unit-stride. A
// first layer's 1 or 3 channels cannot fill a block: it broadcasts its
// input from NCHW rows instead, and writes blocked output all the same.
//
// Schedule space:
//   blocked  columns     output pixels of a row per register tile (with a
//                        fused pool: convolution columns, then divided by
//                        the pool's width)
//            block_tile  output channel blocks per register tile, within
//                        one group
//            row_tile    output rows per parallel task (more reuse of the
//                        task's weights in cache, fewer tasks)
//            task_order  rows_inner: consecutive tasks take the next rows
//                        of one group of blocks (they share weights);
//                        blocks_inner: the next blocks of the same rows
//                        (they share input rows)
//            prologue_at (an unpadded prologue only) row: a task is a row
//                        of every block, its prologue computed once; tile:
//                        per register tile, tasks as task_order says
//            padded_at   (padded blocked input only) task: each task copies
//                        the zero-padded input rows it reads; image: the
//                        padded image is copied once, in parallel, and
//                        every task reads it
//   to_blocked / from_blocked: pointwise-like, "relayout group=G"
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"
#include "Family.h"

using namespace mlir;

namespace cvc::halide {
namespace {

/// What the space and the build share of a blocked convolution's shape.
struct BlockedShape {
  int64_t convW;       ///< convolution output width (before a fused pool)
  int64_t groupBlocks; ///< output channel blocks per group
  int64_t outH;        ///< output rows (after a fused pool)
  bool fusedPool;
};

BlockedShape blockedShapeOf(cv::BlockedConv2DOp op) {
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  ArrayRef<int64_t> pool = op.getMaxPool();
  const int64_t groups = static_cast<int64_t>(op.getGroups());
  return {out.getDimSize(3) * (pool.empty() ? 1 : pool[1]), out.getDimSize(1) / groups,
          out.getDimSize(2), !pool.empty()};
}

enum TaskOrder : int64_t { kRowsInner = 0, kBlocksInner = 1 };
enum PrologueAt : int64_t { kPrologueAtRow = 0, kPrologueAtTile = 1 };
enum PaddedAt : int64_t { kPaddedPerTask = 0, kPaddedPerImage = 1 };

/// Input channels the reduction reads: those before `used_input_channels`
/// (cv-block-layout's block padding skipped), else all of one group's.
int64_t usedInputChannels(cv::BlockedConv2DOp op) {
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  return op.getUsedInputChannels().value_or(w.getDimSize(1));
}

bool hasPaddingOf(cv::BlockedConv2DOp op) {
  return llvm::any_of(op.getPads(), [](int64_t v) { return v != 0; });
}

ScheduleSpace blockedConvSpace(cv::BlockedConv2DOp op, const KernelContext &context) {
  BlockedShape s = blockedShapeOf(op);
  ScheduleSpace space;
  ScheduleAlgorithm &blocked = space.addAlgorithm("blocked");
  blocked.add("columns", rangeUpTo(std::min<int64_t>(s.convW, 16)));
  // A register tile stays within one group, so that its blocks share each
  // broadcast input value.
  blocked.add("block_tile", divisorsUpTo(s.groupBlocks, 4));
  // Rows are split ShiftInwards: no more than the output has.
  blocked.add("row_tile", powersOfTwoUpTo(std::min<int64_t>(s.outH, 8)));
  blocked.add("task_order", {kRowsInner, kBlocksInner}, {"rows_inner", "blocks_inner"});
  // An unpadded prologue's values are computed once per output row (every
  // block of the row then reads them from cache, tasks being rows) or per
  // register tile (tasks as task_order says, each tile's values
  // recomputed for every block tile).
  if (op.hasPrologue() && !hasPaddingOf(op))
    blocked.add("prologue_at", {kPrologueAtRow, kPrologueAtTile}, {"row", "tile"});
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  bool paddedBlocked = hasPaddingOf(op) && in.getRank() == 5;
  if (paddedBlocked)
    blocked.add("padded_at", {kPaddedPerTask, kPaddedPerImage}, {"task", "image"}).absent =
        kPaddedPerTask;
  blocked.constraint = [](const SchedulePoint &p) -> std::string {
    if (p.get("columns") * p.get("block_tile") > 32)
      return "columns x block_tile exceeds 32 accumulators";
    return "";
  };

  // 8 pixels x 2 blocks = 16 accumulators. Measured on 3x3 layers 56, 14 and
  // 7 pixels wide (2 threads, AVX-512): 14-16 accumulators reached 250-320
  // GFLOP/s, while 24-28 spilled registers and fell to 170-210.
  SchedulePoint point("blocked");
  point.set("block_tile", s.groupBlocks % 2 == 0 ? 2 : 1);
  // The last tile of a row is shifted inwards and recomputes pixels, so the
  // width is the one from 5 to 8 that computes the fewest pixels in all, the
  // widest on a tie: 7 on rows of 13, 14, 27 and 28 pixels, where 8 computed
  // 16 of 14. On 14x14 (3x3 256->256, 1x1 1024->256) and 13x13 (1x1
  // 384->64) layers that took 8-20% off (1 thread, AMD EPYC, min of 30 runs).
  // A fused pool divides the width by its window and keeps 8.
  int64_t columns = std::min<int64_t>(s.convW, 8);
  auto computed = [&](int64_t c) { return (s.convW + c - 1) / c * c; };
  for (int64_t c = 7; c >= 5 && s.convW > 8 && !s.fusedPool; --c)
    if (computed(c) < computed(columns))
      columns = c;
  point.set("columns", columns);
  // A row per task. Consecutive tasks share the smaller operand, which
  // then stays in cache while the other streams through once: the weights
  // (the next rows of one block tile) or the input rows (the next block
  // tiles of one row). On 2 threads the wrong order made both cores stream
  // the larger one: ResNet-50's 28x28 1x1 layers (256 KB of weights, 1.6 MB
  // of input) ran 1.9x faster with blocks inner, its 7x7 ones (8 MB, 200 KB)
  // 1.4x faster with rows inner.
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  int64_t perImage = 1;
  for (int64_t i = 1; i < in.getRank(); ++i)
    perImage *= in.getDimSize(i);
  bool weightsSmaller = w.getNumElements() < perImage;
  point.set("row_tile", 1).set("task_order", weightsSmaller ? kBlocksInner : kRowsInner);
  // Per row: on DenseNet-121's 1x1 layers the per-tile prologue cost
  // about 7% of their time, recomputed for each of 4 block tiles.
  if (op.hasPrologue() && !hasPaddingOf(op))
    point.set("prologue_at", kPrologueAtRow);
  // Per task, the padded rows are copied once for every block tile (and
  // rows overlap): ResNet-50's stride-2 3x3 layers, 16 and 8 block tiles,
  // copied their input 24 and 12 times over. Per image they went 2.96 ->
  // 2.69 and 2.38 -> 2.23 ms (1 thread, Zen 4); with 4 block tiles and a
  // padded image past L2 (56x56x128, 1.7 MB) it gained nothing, the rows
  // copied per task being still in cache when read.
  if (paddedBlocked) {
    ArrayRef<int64_t> pads = op.getPads();
    int64_t paddedBytes = (in.getDimSize(2) + pads[0] + pads[2]) *
                          (in.getDimSize(3) + pads[1] + pads[3]) * in.getDimSize(1) *
                          in.getDimSize(4) * 4;
    int64_t blockTiles = w.getDimSize(0) / point.get("block_tile");
    point.set("padded_at",
              blockTiles >= 8 && paddedBytes <= 1024 * 1024 ? kPaddedPerImage : kPaddedPerTask);
  }
  space.defaultPoint = point;
  addAutoscheduleAlgorithm(space, context);
  return space;
}

FailureOr<Kernel> buildBlockedConv(cv::BlockedConv2DOp op, const KernelContext &context,
                                   const SchedulePoint &point) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  // A first layer (3 RGB channels) reads its input in plain NCHW.
  bool nchwInput = in.getRank() == 4;
  int block = static_cast<int>(w.getDimSize(4));
  int inChannels = static_cast<int>(w.getDimSize(1));
  int inH = static_cast<int>(in.getDimSize(2)), inW = static_cast<int>(in.getDimSize(3));
  int kH = static_cast<int>(w.getDimSize(2)), kW = static_cast<int>(w.getDimSize(3));
  int outBlocks = static_cast<int>(out.getDimSize(1)), outW = static_cast<int>(out.getDimSize(3));
  // Grouped: inChannels is one group's; output block o reads the input
  // blocks of group o / groupBlocks.
  int groups = static_cast<int>(op.getGroups());
  int groupBlocks = outBlocks / groups;
  auto strides = op.getStrides(), pads = op.getPads(), dilations = op.getDilations();
  // With a fused max pool the result is pooled; the convolution is larger.
  ArrayRef<int64_t> pool = op.getMaxPool();
  int64_t convH = out.getDimSize(2) * (pool.empty() ? 1 : pool[0]);
  int64_t convW = outW * (pool.empty() ? 1 : pool[1]);

  KernelBuilder kernel(op, context);
  LayerInputs layer = layerInputs(kernel, op);
  Halide::ImageParam input = layer.input, weight = layer.weight, bias = layer.bias;

  Var lane("lane"), x("x"), y("y"), blk("blk"), n("n");
  // The prologue transforms each input element as it is read (its operands
  // follow the bias, before the residual).
  Func source(input);
  bool prologue = op.hasPrologue();
  if (prologue) {
    Expr value = input(lane, x, y, blk, n);
    if (Value scale = op.getPrologueScale()) {
      bool perImage = llvm::cast<RankedTensorType>(scale.getType()).getDimSize(0) != 1;
      value *= kernel.input(scale, "prologue_scale")(lane, 0, 0, blk, perImage ? Expr(n) : Expr(0));
    }
    if (Value shift = op.getPrologueShift())
      value += kernel.input(shift, "prologue_shift")(lane, 0, 0, blk, 0);
    source = Func("prologue");
    source(lane, x, y, blk, n) = applyActivation(op.getPrologueActivation(), {}, value);
  }
  bool hasPadding = hasPaddingOf(op);
  Halide::Region spatial = {{0, inW}, {0, inH}};
  if (!nchwInput)
    spatial.insert(spatial.begin(), Halide::Range());
  // Padding pads the prologue's result: zero, as in the tensor it replaces.
  Func padded = hasPadding ? Halide::BoundaryConditions::constant_exterior(source, 0.0f, spatial)
                           : source;
  // Blocked input: r.x is the channel within an input block, r.y / r.z the
  // window, r.w the input block, so the innermost loop walks one pixel's
  // channels. NCHW input: r.x / r.y the window, r.z the channel, so the
  // innermost loop walks along an input row.
  //
  // Blocked input whose last used channel (usedInputChannels) falls inside
  // a block: one reduction over the whole blocks before it and a second
  // over the used lanes of that block alone.
  int usedChannels = nchwInput ? inChannels : static_cast<int>(usedInputChannels(op));
  int wholeBlocks = nchwInput ? 0 : usedChannels / block;
  int tailLanes = nchwInput ? 0 : usedChannels % block;
  std::vector<RDom> reductions;
  if (nchwInput)
    reductions.push_back(RDom(0, kW, 0, kH, 0, inChannels, "r"));
  if (wholeBlocks > 0)
    reductions.push_back(RDom(0, block, 0, kW, 0, kH, 0, wholeBlocks, "r"));
  if (tailLanes > 0)
    reductions.push_back(RDom(0, tailLanes, 0, kW, 0, kH, wholeBlocks, 1, "r_tail"));
  Func acc("blocked_acc");
  acc(lane, x, y, blk, n) = op.getBias() ? bias(blk * block + lane) : Expr(0.0f);
  for (const RDom &r : reductions) {
    Expr kx = nchwInput ? Expr(r.x) : Expr(r.y), ky = nchwInput ? Expr(r.y) : Expr(r.z);
    Expr channel = nchwInput ? Expr(r.z) : r.w * block + r.x;
    Expr inX = x * static_cast<int>(strides[1]) - static_cast<int>(pads[1]) +
               kx * static_cast<int>(dilations[1]);
    Expr inY = y * static_cast<int>(strides[0]) - static_cast<int>(pads[0]) +
               ky * static_cast<int>(dilations[0]);
    Expr pixel;
    if (nchwInput)
      pixel = padded(inX, inY, r.z, n);
    else if (groups == 1)
      pixel = padded(r.x, inX, inY, r.w, n);
    else
      pixel = padded(r.x, inX, inY, (blk / groupBlocks) * (inChannels / block) + r.w, n);
    acc(lane, x, y, blk, n) += weight(lane, kx, ky, channel, blk) * pixel;
  }
  Func activated("conv_blocked");
  activated(lane, x, y, blk, n) = applyEpilogue(op, acc(lane, x, y, blk, n),
                                                {lane, x, y, blk, n}, kernel);

  Func result = activated;
  if (!pool.empty()) {
    int ph = static_cast<int>(pool[0]), pw = static_cast<int>(pool[1]);
    RDom rp(0, pw, 0, ph, "rp");
    result = Func("conv_pooled");
    result(lane, x, y, blk, n) =
        Halide::maximum(activated(lane, x * pw + rp.x, y * ph + rp.y, blk, n));
  }
  uint64_t macs = static_cast<uint64_t>(outBlocks) * block * convH * convW * usedChannels * kH * kW;
  if (isAutoscheduled(point))
    return kernel.finish(result, macs);

  int convColumns = point.getInt("columns"), blockTile = point.getInt("block_tile");
  int rowTile = point.getInt("row_tile");
  bool blocksInner = point.get("task_order") == kBlocksInner;
  bool prologuePerRow = prologue && !hasPadding && point.get("prologue_at") == kPrologueAtRow;
  bool paddedPerImage =
      hasPadding && !nchwInput && point.get("padded_at") == kPaddedPerImage;
  Var xo("xo"), xi("xi"), bo("bo"), bi("bi"), yo("yo"), yi("yi"), task("task");
  // Each pooled tile computes its pool[0] convolution rows of `columns`
  // pixels, one register tile per row, and keeps their maxima.
  int columns = pool.empty() ? convColumns
                             : std::max(1, std::min(outW, convColumns / static_cast<int>(pool[1])));
  result.split(x, xo, xi, columns, TailStrategy::ShiftInwards)
      .split(blk, bo, bi, blockTile)
      .split(y, yo, yi, rowTile, TailStrategy::ShiftInwards)
      .vectorize(lane, block);
  if (prologuePerRow)
    result.reorder(lane, xi, bi, xo, bo, yi, yo, n).fuse(yo, n, task);
  else if (blocksInner)
    result.reorder(lane, xi, bi, xo, yi, bo, yo, n).fuse(bo, yo, task);
  else
    result.reorder(lane, xi, bi, xo, yi, yo, bo, n).fuse(yo, bo, task);
  // Per image, images stay a serial loop around the tasks, and the
  // padded image is computed inside it.
  if (!prologuePerRow && !paddedPerImage)
    result.fuse(task, n, task);
  result.parallel(task);
  if (pool.empty()) {
    acc.compute_at(result, xo).vectorize(lane, block).unroll(x).unroll(blk);
  } else {
    activated.compute_at(result, xo).reorder(lane, x, blk, y, n).vectorize(lane, block);
    acc.compute_at(activated, y).vectorize(lane, block).unroll(x).unroll(blk);
  }
  for (size_t u = 0; u < reductions.size(); ++u) {
    const RDom &r = reductions[u];
    std::vector<Halide::VarOrRVar> reductionOrder = {lane, x, blk};
    for (const Halide::RVar &rv : {r.x, r.y, r.z})
      reductionOrder.push_back(rv);
    if (!nchwInput)
      reductionOrder.push_back(r.w);
    reductionOrder.push_back(n);
    acc.update(static_cast<int>(u))
        .reorder(reductionOrder)
        .vectorize(lane, block)
        .unroll(x)
        .unroll(blk);
    if (kW <= 3)
      acc.update(static_cast<int>(u)).unroll(nchwInput ? r.x : r.y);
  }
  // Unpadded, the prologue's values for one register tile's pixels (every
  // input channel), computed beside its accumulators; padded, inside the
  // padded rows below.
  if (prologue && !hasPadding)
    source.compute_at(result, prologuePerRow ? yi : xo).vectorize(lane, block);
  // The zero-padded input rows a task reads, without bounds selects inside.
  // Reading through the boundary condition instead, as depthwise layers
  // do, was slower here, where every input vector feeds many output blocks
  // (ResNet-18's blocked layers 6.49 -> 7.11 ms summed, batch 1, Zen 4).
  if (hasPadding && nchwInput)
    padded.compute_at(result, task).vectorize(padded.args()[0], vectorWidthFor(inW, context),
                                              TailStrategy::GuardWithIf);
  else if (paddedPerImage)
    padded.compute_at(result, n)
        .vectorize(padded.args()[0], block)
        .parallel(padded.args()[3]);
  else if (hasPadding)
    padded.compute_at(result, task).vectorize(padded.args()[0], block);

  return kernel.finish(result, macs);
}

/// A layout change runs whole channel planes per parallel task, `group` of
/// them: a row is too little work to schedule.
ScheduleSpace relayoutSpace(int64_t planeElements, int64_t planes) {
  ScheduleSpace space;
  int64_t group = defaultTaskGroup(planeElements);
  space.addAlgorithm("relayout").add("group", taskGroupsFor(planes, group));
  space.defaultPoint = SchedulePoint("relayout").set("group", group);
  return space;
}

/// Makes "tiled" (whole blocks transposed in registers) the default of a
/// relayout space, with the relayout's task grouping.
void addTiledRelayout(ScheduleSpace &space) {
  int64_t group = space.defaultPoint.get("group");
  space.addAlgorithm("tiled").add("group", taskGroupsFor(-1, group));
  space.defaultPoint = SchedulePoint("tiled").set("group", group);
}

// to_blocked is the transpose the other way: with "tiled" (rows at least a
// block wide), blocks are loaded along the rows and stored along the lanes.
ScheduleSpace toBlockedSpace(cv::ToBlockedOp op, const KernelContext &context) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  ScheduleSpace space = relayoutSpace(op.getBlock() * in.getDimSize(2) * in.getDimSize(3), -1);
  if (!context.gpu() && in.getDimSize(3) >= op.getBlock())
    addTiledRelayout(space);
  return space;
}

FailureOr<Kernel> buildToBlocked(cv::ToBlockedOp op, const KernelContext &context,
                                 const SchedulePoint &point) {
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  int block = static_cast<int>(op.getBlock());
  Var lane("lane"), x("x"), y("y"), blk("blk"), n("n");
  Func result("to_blocked");
  int channels = dimOf(op.getInput(), 1);
  Expr c = blk * block + lane;
  // A last block past the channels is padded with zeros (read clamped).
  Expr value = channels % block == 0
                   ? input(x, y, c, n)
                   : Halide::select(c < channels, input(x, y, Halide::min(c, channels - 1), n),
                                    0.0f);
  Var task("task");
  if (point.algorithm() == "tiled") {
    Func tile("to_blocked_tile");
    tile(lane, x, y, blk, n) = value;
    result(lane, x, y, blk, n) = tile(lane, x, y, blk, n);
    Var xo("xo"), xi("xi");
    result.split(x, xo, xi, block, TailStrategy::ShiftInwards)
        .reorder(lane, xi, xo, y, blk, n)
        .vectorize(lane, block)
        .unroll(xi)
        .fuse(blk, n, task);
    parallelInGroups(result, task, point.get("group"));
    holdBlockInRegisters(tile, result, xo, x, lane);
    return kernel.finish(result, 0);
  }
  result(lane, x, y, blk, n) = value;
  result.vectorize(lane, block).fuse(blk, n, task);
  parallelInGroups(result, task, point.get("group"));
  return kernel.finish(result, 0);
}

// from_blocked moves the lanes of each pixel out to channel planes, a
// transpose of (lanes x pixels of a row) blocks. "tiled" loads a block of
// `block` lanes x `block` pixels with vectors along the lanes, transposes
// it in registers and stores vectors along the row; "relayout" gathers
// each vector of a row from `vector` pixels (ConvNeXt-Tiny's 56x56x96:
// 0.19-0.25 ms for 1.2 MB, three times a copy's time).
ScheduleSpace fromBlockedSpace(cv::FromBlockedOp op, const KernelContext &context) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  auto out = llvm::cast<RankedTensorType>(op.getOutput().getType());
  ScheduleSpace space = relayoutSpace(in.getDimSize(2) * in.getDimSize(3), -1);
  space.algorithms[0].add("vector", guardedVectorWidths(context));
  space.defaultPoint.set("vector", vectorWidthFor(in.getDimSize(3), context));
  int64_t block = in.getDimSize(4);
  // Whole blocks only: a last block shifted inwards would straddle two.
  if (!context.gpu() && in.getDimSize(3) >= block && out.getDimSize(1) % block == 0)
    addTiledRelayout(space);
  return space;
}

FailureOr<Kernel> buildFromBlocked(cv::FromBlockedOp op, const KernelContext &context,
                                   const SchedulePoint &point) {
  auto in = llvm::cast<RankedTensorType>(op.getInput().getType());
  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  int block = static_cast<int>(in.getDimSize(4));
  Var x("x"), y("y"), c("c"), n("n");
  Func result("from_blocked");
  Var task("task");
  if (point.algorithm() == "tiled") {
    Func tile("from_blocked_tile");
    tile(x, y, c, n) = input(c % block, x, y, c / block, n);
    result(x, y, c, n) = tile(x, y, c, n);
    Var xo("xo"), xi("xi"), blk("blk"), lane("lane");
    result.split(x, xo, xi, block, TailStrategy::ShiftInwards)
        .split(c, blk, lane, block)
        .reorder(xi, lane, xo, y, blk, n)
        .vectorize(xi)
        .unroll(lane)
        .fuse(blk, n, task);
    parallelInGroups(result, task, point.get("group"));
    holdBlockInRegisters(tile, result, xo, c, x);
    return kernel.finish(result, 0);
  }
  result(x, y, c, n) = input(c % block, x, y, c / block, n);
  result.vectorize(x, point.getInt("vector"), TailStrategy::GuardWithIf).fuse(c, n, task);
  parallelInGroups(result, task, point.get("group"));
  return kernel.finish(result, 0);
}

} // namespace

void registerBlockedConvKernels(DialectRegistry &registry) {
  addKernelExtension(registry, [](MLIRContext &ctx) {
    attachKernels<blockedConvSpace, buildBlockedConv, cv::BlockedConv2DOp>(ctx);
    attachKernels<toBlockedSpace, buildToBlocked, cv::ToBlockedOp>(ctx);
    attachKernels<fromBlockedSpace, buildFromBlocked, cv::FromBlockedOp>(ctx);
  });
}

} // namespace cvc::halide
