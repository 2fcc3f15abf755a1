//===- StagedConv.cpp - convolutions re-laid out at run time ------------===//
//
// Three kernels share one shape of inner loop: a register tile of `columns`
// x `rows` result pixels by `blockTile` blocks of b result channels, each
// accumulator one vector of b channels. Every reduction step loads one
// weight vector per block and broadcasts one activation per pixel, as in
// BlockedConv.cpp, but the operands are laid out by the kernel itself:
//
// - cv.conv2d: the weights become [M/b, C, kh, kw, b]; the zero-padded input
//   is staged once so the inner loop has no bounds selects.
// - cv.conv2d_backward_input: for stride s, input position x = s*q + p only
//   receives the taps k with (p + pad - k*dilation) divisible by s, a fixed
//   arithmetic progression of taps per phase p. Each of the s x s phases is
//   a stride-1 convolution of the zero-padded output gradient with its
//   sub-kernel of the transposed weights ([C/b, M, taps, b]), computed
//   apart; a last pass interleaves the phases back into NCHW. Stride 1 is
//   the single phase; no tap is ever masked.
// - cv.conv2d_backward_weight: dW[m, c, i, j] = sum over batch and output
//   pixels of dy[m] * x[c] at the tap's offset, a GEMM with the output
//   channels in vector lanes (dy staged as [N, M/b, Ho, Wo, b]) and a
//   register tile of taps x input channels, each reduction step one dy
//   vector load and one broadcast input value per accumulator.
//
// Each ends by writing its result back in the op's own layout.
//
//===----------------------------------------------------------------------===//
#include "StagedConv.h"

#include "Epilogue.h"

#include <functional>
#include <numeric>

using namespace mlir;

namespace cvc::halide {
namespace {

/// A direct convolution with result channels in vector lanes:
/// out(lane, x, y, blk, n) = init(lane, blk) + sum over (kx, ky, c) of
///   weight(lane, kx, ky, c, blk) * input(x*strideX + offsetX + kx*tapStepX,
///                                        y*strideY + offsetY + ky*tapStepY, c, n).
/// `input` must be defined (zero where padded) wherever it is read.
struct LaneConv {
  int block, outBlocks, outW, outH, channels, kW, kH;
  int strideX = 1, strideY = 1, offsetX = 0, offsetY = 0, tapStepX = 1, tapStepY = 1;
};

/// The convolution of `s`, computed at the root of the pipeline with the
/// register tile of `point` (columns, rows, block_tile).
Func laneConv(const LaneConv &s, Func input, Func weight,
              const std::function<Expr(Expr lane, Expr blk)> &init, const std::string &name,
              const SchedulePoint &point) {
  Var lane("lane"), x("x"), y("y"), blk("blk"), n("n");
  RDom r(0, s.kW, 0, s.kH, 0, s.channels, name + "_r");
  Expr ix = x * s.strideX + s.offsetX + r.x * s.tapStepX;
  Expr iy = y * s.strideY + s.offsetY + r.y * s.tapStepY;
  Func acc(name + "_acc");
  acc(lane, x, y, blk, n) = init ? init(lane, blk) : Expr(0.0f);
  acc(lane, x, y, blk, n) += weight(lane, r.x, r.y, r.z, blk) * input(ix, iy, r.z, n);
  Func out(name);
  out(lane, x, y, blk, n) = acc(lane, x, y, blk, n);

  int columns = point.getInt("columns"), rows = point.getInt("rows"),
      blockTile = point.getInt("block_tile");
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi"), bo("bo"), bi("bi"), task("task");
  out.bound(lane, 0, s.block).bound(x, 0, s.outW).bound(y, 0, s.outH).bound(blk, 0, s.outBlocks);
  out.compute_root()
      .split(x, xo, xi, columns, TailStrategy::ShiftInwards)
      .split(y, yo, yi, rows, TailStrategy::ShiftInwards)
      .split(blk, bo, bi, blockTile)
      .reorder(lane, xi, yi, bi, xo, yo, bo, n)
      .vectorize(lane)
      .fuse(yo, bo, task)
      .fuse(task, n, task)
      .parallel(task);
  acc.compute_at(out, xo).vectorize(lane).unroll(x).unroll(y).unroll(blk);
  acc.update()
      .reorder(lane, x, y, blk, r.x, r.y, r.z, n)
      .vectorize(lane)
      .unroll(x)
      .unroll(y)
      .unroll(blk);
  if (s.kW <= 3)
    acc.update().unroll(r.x);
  return out;
}

/// `in` (x, y, c, n) zero outside [0, width) x [0, height), materialised at
/// the root so that the convolution reads it without bounds selects.
Func stageZeroPadded(Func in, int width, int height, const std::string &name,
                     const KernelContext &context) {
  Func padded = Halide::BoundaryConditions::constant_exterior(in, 0.0f, {{0, width}, {0, height}});
  Var x("x"), y("y"), c("c"), n("n"), task("task");
  Func staged(name);
  staged(x, y, c, n) = padded(x, y, c, n);
  staged.compute_root()
      .vectorize(x, context.vectorWidth, TailStrategy::GuardWithIf)
      .fuse(c, n, task);
  parallelInGroups(staged, task, defaultTaskGroup(static_cast<int64_t>(width) * height));
  return staged;
}

/// A small weight-sized relayout, vectorised along its lanes (a gather),
/// one parallel task per block.
void scheduleWeightStaging(Func f) {
  auto args = f.args();
  f.compute_root().vectorize(args.front()).parallel(args.back());
}

/// Writes a lane-blocked value back as NCHW, vectorised along rows.
void scheduleUnblock(Func f, int width, int height, const KernelContext &context) {
  auto args = f.args(); // x, y, c, n
  Var task("task");
  f.vectorize(args[0], vectorWidthFor(width, context), TailStrategy::GuardWithIf)
      .fuse(args[2], args[3], task);
  parallelInGroups(f, task, defaultTaskGroup(static_cast<int64_t>(width) * height));
}

/// The taps of one kernel axis that reach input phase `phase` of a strided
/// convolution's input gradient: weight taps first + j*step (j < count)
/// read output-gradient position q + offset + j*tapStep for input position
/// stride*q + phase.
struct PhaseTaps {
  int first = 0, count = 0, step = 1, offset = 0, tapStep = 0;
};

PhaseTaps phaseTaps(int phase, int pad, int kernel, int stride, int dilation) {
  PhaseTaps t;
  std::vector<int> taps;
  for (int k = 0; k < kernel; ++k) {
    int reach = phase + pad - k * dilation;
    if (((reach % stride) + stride) % stride == 0)
      taps.push_back(k);
  }
  if (taps.empty())
    return t;
  t.first = taps.front();
  t.count = static_cast<int>(taps.size());
  t.step = t.count > 1 ? taps[1] - taps[0] : 1;
  // Both divisions are exact: the taps were chosen for it.
  t.offset = (phase + pad - t.first * dilation) / stride;
  t.tapStep = -(t.step * dilation) / stride;
  return t;
}

} // namespace

int stagedConvBlock(int64_t laneChannels, int64_t groups, const KernelContext &context) {
  int block = context.vectorWidth;
  if (groups != 1 || block < 2 || laneChannels % block != 0)
    return 0;
  return block;
}

SchedulePoint addLaneConvAlgorithm(ScheduleSpace &space, const std::string &name,
                                   const LaneConvShape &shape) {
  ScheduleAlgorithm &algorithm = space.addAlgorithm(name);
  algorithm.add("columns", rangeUpTo(std::min(shape.outW, 16)));
  algorithm.add("rows", rangeUpTo(std::min(shape.outH, 8)));
  algorithm.add("block_tile", divisorsUpTo(shape.outBlocks, 8));
  algorithm.constraint = [](const SchedulePoint &p) -> std::string {
    if (p.get("columns") * p.get("rows") * p.get("block_tile") > 32)
      return "columns x rows x block_tile exceeds 32 accumulators";
    return "";
  };
  // About 16 accumulators, as BlockedConv.cpp measured best on AVX-512.
  // Rows narrower than 8 pixels take several rows, and tiles of at most 4
  // pixels take 4 channel blocks, so that small feature maps (a 64x64
  // ResNet's 4x4 and 2x2 layers) keep the register tile full. (Tiling two
  // images of the batch instead, or running the batch inside each tile of
  // blocks to keep its weights in cache, measured no faster on the 2x2
  // layers, one thread, AMD EPYC.)
  int columns = std::min(shape.outW, 8);
  int rows = std::min(shape.outH, std::max(1, 8 / columns));
  int pixels = columns * rows;
  int blockTile = pixels <= 4 && shape.outBlocks % 4 == 0 ? 4 : shape.outBlocks % 2 == 0 ? 2 : 1;
  SchedulePoint point(name);
  point.set("columns", columns).set("rows", rows).set("block_tile", blockTile);
  return point;
}

FailureOr<Kernel> buildConv2dStaged(cv::Conv2DOp op, int block, const KernelContext &context,
                                    const SchedulePoint &point) {
  int inC = dimOf(op.getInput(), 1), inH = dimOf(op.getInput(), 2), inW = dimOf(op.getInput(), 3);
  int outC = dimOf(op.getOutput(), 1), outH = dimOf(op.getOutput(), 2),
      outW = dimOf(op.getOutput(), 3);
  int kH = dimOf(op.getWeight(), 2), kW = dimOf(op.getWeight(), 3);
  auto strides = op.getStrides(), pads = op.getPads(), dilations = op.getDilations();

  KernelBuilder kernel(op, context);
  LayerInputs layer = layerInputs(kernel, op);
  Halide::ImageParam input = layer.input, weight = layer.weight, bias = layer.bias;

  bool hasPadding = llvm::any_of(pads, [](int64_t v) { return v != 0; });
  Func source =
      hasPadding ? stageZeroPadded(input, inW, inH, "input_padded", context) : Func(input);
  Var lane("lane"), kx("kx"), ky("ky"), c("c"), blk("blk");
  Func blockedWeight("weight_blocked");
  blockedWeight(lane, kx, ky, c, blk) = weight(kx, ky, c, blk * block + lane);
  scheduleWeightStaging(blockedWeight);

  LaneConv s{block, outC / block, outW, outH, inC, kW, kH};
  s.strideX = static_cast<int>(strides[1]);
  s.strideY = static_cast<int>(strides[0]);
  s.offsetX = -static_cast<int>(pads[1]);
  s.offsetY = -static_cast<int>(pads[0]);
  s.tapStepX = static_cast<int>(dilations[1]);
  s.tapStepY = static_cast<int>(dilations[0]);
  std::function<Expr(Expr, Expr)> init;
  if (op.getBias())
    init = [bias, block](Expr l, Expr b) { return bias(b * block + l); };
  Func conv = laneConv(s, source, blockedWeight, init, "conv_lanes", point);

  Var x("x"), y("y"), n("n");
  Func result("conv");
  result(x, y, c, n) =
      applyEpilogue(op, conv(c % block, x, y, c / block, n), {x, y, c, n}, kernel);
  scheduleUnblock(result, outW, outH, context);
  uint64_t macs = static_cast<uint64_t>(outC) * outH * outW * inC * kH * kW;
  return kernel.finish(result, macs);
}

LaneConvShape backwardInputPhaseGrid(cv::Conv2DBackwardInputOp op, int block) {
  int inC = dimOf(op.getInputGrad(), 1), inH = dimOf(op.getInputGrad(), 2),
      inW = dimOf(op.getInputGrad(), 3);
  int strideH = static_cast<int>(op.getStrides()[0]),
      strideW = static_cast<int>(op.getStrides()[1]);
  return {block, inC / block, (inW + strideW - 1) / strideW, (inH + strideH - 1) / strideH};
}

FailureOr<Kernel> buildConv2dBackwardInputStaged(cv::Conv2DBackwardInputOp op, int block,
                                                 const KernelContext &context,
                                                 const SchedulePoint &point) {
  int inC = dimOf(op.getInputGrad(), 1), inH = dimOf(op.getInputGrad(), 2),
      inW = dimOf(op.getInputGrad(), 3);
  int outC = dimOf(op.getOutputGrad(), 1), outH = dimOf(op.getOutputGrad(), 2),
      outW = dimOf(op.getOutputGrad(), 3);
  int kH = dimOf(op.getWeight(), 2), kW = dimOf(op.getWeight(), 3);
  int strideH = static_cast<int>(op.getStrides()[0]),
      strideW = static_cast<int>(op.getStrides()[1]);
  int padT = static_cast<int>(op.getPads()[0]), padL = static_cast<int>(op.getPads()[1]);
  int dilH = static_cast<int>(op.getDilations()[0]), dilW = static_cast<int>(op.getDilations()[1]);

  KernelBuilder kernel(op, context);
  Halide::ImageParam dy = kernel.input(op.getOutputGrad(), "output_grad");
  Halide::ImageParam weight = kernel.input(op.getWeight(), "weight");
  Func dyPadded = stageZeroPadded(dy, outW, outH, "output_grad_padded", context);
  // Every phase is computed over the same grid of ceil(in / stride)
  // positions, which covers the positions of each.
  int phaseW = (inW + strideW - 1) / strideW, phaseH = (inH + strideH - 1) / strideH;

  Var lane("lane"), j("j"), jy("jy"), m("m"), cb("cb");
  std::vector<std::pair<std::pair<int, int>, Func>> phases; // ((px, py), phase)
  for (int py = 0; py < strideH; ++py) {
    PhaseTaps ty = phaseTaps(py, padT, kH, strideH, dilH);
    for (int px = 0; px < strideW; ++px) {
      PhaseTaps tx = phaseTaps(px, padL, kW, strideW, dilW);
      if (tx.count == 0 || ty.count == 0)
        continue; // no tap reaches these positions: their gradient is zero
      std::string suffix = "_p" + std::to_string(py) + std::to_string(px);
      Func phaseWeight("weight_transposed" + suffix);
      phaseWeight(lane, j, jy, m, cb) =
          weight(tx.first + j * tx.step, ty.first + jy * ty.step, cb * block + lane, m);
      scheduleWeightStaging(phaseWeight);
      LaneConv s{block, inC / block, phaseW, phaseH, outC, tx.count, ty.count};
      s.offsetX = tx.offset;
      s.offsetY = ty.offset;
      s.tapStepX = tx.tapStep;
      s.tapStepY = ty.tapStep;
      phases.push_back(
          {{px, py}, laneConv(s, dyPadded, phaseWeight, nullptr, "conv_bwd_input" + suffix,
                              point)});
    }
  }

  Var x("x"), y("y"), c("c"), n("n");
  Expr value = 0.0f;
  for (auto &[phase, f] : phases) {
    Expr read = f(c % block, x / strideW, y / strideH, c / block, n);
    Expr here = (x % strideW == phase.first) && (y % strideH == phase.second);
    value = strideW == 1 && strideH == 1 ? read : Halide::select(here, read, value);
  }
  Func result("conv_bwd_input");
  result(x, y, c, n) = value;
  scheduleUnblock(result, inW, inH, context);
  // Useful multiply-adds only: the same as the forward convolution's.
  uint64_t macs = static_cast<uint64_t>(outC) * outH * outW * inC * kH * kW;
  return kernel.finish(result, macs);
}

namespace {

/// The weight gradient's register tile: all taps of small kernels (3x3: 9)
/// or one row of a large one.
bool wholeWindowTile(int kH, int kW) { return kH * kW <= 9; }

} // namespace

SchedulePoint addStagedWeightGradAlgorithm(ScheduleSpace &space, const std::string &name,
                                           cv::Conv2DBackwardWeightOp op, int block) {
  int inC = dimOf(op.getInput(), 1), outC = dimOf(op.getOutputGrad(), 1);
  int outH = dimOf(op.getOutputGrad(), 2), outW = dimOf(op.getOutputGrad(), 3);
  int kH = dimOf(op.getWeightGrad(), 2), kW = dimOf(op.getWeightGrad(), 3);
  int taps = wholeWindowTile(kH, kW) ? kH * kW : kW;
  int outBlocks = outC / block;
  ScheduleAlgorithm &algorithm = space.addAlgorithm(name);
  algorithm.add("channel_tile", divisorsUpTo(inC, 32));
  algorithm.add("block_tile", divisorsUpTo(outBlocks, 2));
  algorithm.add("group", divisorsUpTo(inC, inC));
  algorithm.constraint = [taps, inC](const SchedulePoint &p) -> std::string {
    int64_t channelTile = p.get("channel_tile");
    if (taps * channelTile * p.get("block_tile") > 36)
      return "taps x channel_tile x block_tile exceeds 36 accumulators";
    if ((inC / channelTile) % p.get("group") != 0)
      return "group must divide the " + std::to_string(inC / channelTile) + " channel tiles";
    return "";
  };
  // Enough input channels for about 16 accumulators; two output blocks
  // when that still leaves room.
  int channelTile = largestDivisorAtMost(inC, std::max(1, 18 / taps));
  int blockTile = taps * channelTile <= 8 && outBlocks % 2 == 0 ? 2 : 1;
  // Small feature maps leave short reductions (16 images of 2x2 pixels: 64
  // steps); group channel tiles so that a task does some 64K vector
  // multiply-adds rather than paying a task's overhead every 1K.
  int64_t reduction =
      static_cast<int64_t>(outW) * outH * std::max(dimOf(op.getOutputGrad(), 0), 1);
  int64_t perTile = reduction * taps * channelTile * blockTile;
  int group = largestDivisorAtMost(inC / channelTile,
                                   static_cast<int>(std::max<int64_t>(1, 65536 / perTile)));
  SchedulePoint point(name);
  point.set("channel_tile", channelTile).set("block_tile", blockTile).set("group", group);
  return point;
}

FailureOr<Kernel> buildConv2dBackwardWeightStaged(cv::Conv2DBackwardWeightOp op, int block,
                                                  const KernelContext &context,
                                                  const SchedulePoint &point) {
  int inC = dimOf(op.getInput(), 1), inH = dimOf(op.getInput(), 2), inW = dimOf(op.getInput(), 3);
  int outC = dimOf(op.getOutputGrad(), 1), outH = dimOf(op.getOutputGrad(), 2),
      outW = dimOf(op.getOutputGrad(), 3);
  int kH = dimOf(op.getWeightGrad(), 2), kW = dimOf(op.getWeightGrad(), 3);
  int strideH = static_cast<int>(op.getStrides()[0]),
      strideW = static_cast<int>(op.getStrides()[1]);
  int padT = static_cast<int>(op.getPads()[0]), padL = static_cast<int>(op.getPads()[1]);
  int dilH = static_cast<int>(op.getDilations()[0]), dilW = static_cast<int>(op.getDilations()[1]);

  KernelBuilder kernel(op, context);
  Halide::ImageParam input = kernel.input(op.getInput(), "input");
  Halide::ImageParam dy = kernel.input(op.getOutputGrad(), "output_grad");
  bool hasPadding = llvm::any_of(op.getPads(), [](int64_t v) { return v != 0; });
  Func source =
      hasPadding ? stageZeroPadded(input, inW, inH, "input_padded", context) : Func(input);

  Var lane("lane"), ox("ox"), oy("oy"), mb("mb"), n("n"), task("task");
  Func dyBlocked("output_grad_blocked");
  dyBlocked(lane, ox, oy, mb, n) = dy(ox, oy, mb * block + lane, n);
  dyBlocked.compute_root().vectorize(lane).fuse(mb, n, task);
  parallelInGroups(dyBlocked, task, defaultTaskGroup(static_cast<int64_t>(block) * outW * outH));

  Var kx("kx"), ky("ky"), c("c");
  RDom r(0, outW, 0, outH, 0, dy.dim(3).extent(), "r");
  Func acc("conv_bwd_weight_acc");
  acc(lane, kx, ky, c, mb) = 0.0f;
  acc(lane, kx, ky, c, mb) +=
      dyBlocked(lane, r.x, r.y, mb, r.z) *
      source(r.x * strideW - padL + kx * dilW, r.y * strideH - padT + ky * dilH, c, r.z);
  Func blocked("conv_bwd_weight_lanes");
  blocked(lane, kx, ky, c, mb) = acc(lane, kx, ky, c, mb);

  bool wholeWindow = wholeWindowTile(kH, kW);
  int channelTile = point.getInt("channel_tile"), blockTile = point.getInt("block_tile");
  int group = point.getInt("group");
  int outBlocks = outC / block;
  Var co("co"), ci("ci"), mo("mo"), mi("mi");
  blocked.bound(lane, 0, block).bound(kx, 0, kW).bound(ky, 0, kH).bound(c, 0, inC);
  blocked.bound(mb, 0, outBlocks);
  blocked.compute_root()
      .split(c, co, ci, channelTile)
      .split(mb, mo, mi, blockTile)
      .vectorize(lane);
  if (wholeWindow)
    blocked.reorder(lane, kx, ky, ci, mi, co, mo).fuse(co, mo, task);
  else
    blocked.reorder(lane, kx, ci, mi, ky, co, mo).fuse(ky, co, task).fuse(task, mo, task);
  Var tileLoop = task;
  if (group > 1) {
    Var outer("task_g"), inner("task_i");
    blocked.split(task, outer, inner, group).parallel(outer);
    tileLoop = inner;
  } else {
    blocked.parallel(task);
  }
  acc.compute_at(blocked, tileLoop).vectorize(lane).unroll(kx).unroll(ky).unroll(c).unroll(mb);
  acc.update()
      .reorder(lane, kx, ky, c, mb, r.x, r.y, r.z)
      .vectorize(lane)
      .unroll(kx)
      .unroll(ky)
      .unroll(c)
      .unroll(mb);

  Var m("m");
  Func result("conv_bwd_weight");
  result(kx, ky, c, m) = blocked(m % block, kx, ky, c, m / block);
  result.fuse(c, m, task);
  parallelInGroups(result, task, defaultTaskGroup(static_cast<int64_t>(kH) * kW));
  uint64_t macs = static_cast<uint64_t>(outC) * outH * outW * inC * kH * kW;
  return kernel.finish(result, macs);
}

} // namespace cvc::halide
