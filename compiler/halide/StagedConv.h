//===- StagedConv.h - convolutions re-laid out at run time ------*- C++ -*-===//
//
// A training step's weights are variables (views of the flat parameter
// state), so the channel-blocked layout cannot be prepared at compile time.
// These kernels stage their operands into a blocked layout on each call —
// the weights once per step per layer, the activations zero-padded — and
// run a direct convolution whose vector lanes are b consecutive channels of
// its result, so every lane is useful whatever the image size.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HALIDE_STAGEDCONV_H
#define CVC_HALIDE_STAGEDCONV_H

#include "Family.h"

namespace cvc::halide {

/// The channel block (the target's vector width in floats) when a staged
/// kernel applies to an ungrouped convolution whose result has
/// `laneChannels` channels, or 0 when it does not (grouped, or channels not
/// a multiple of the block).
int stagedConvBlock(int64_t laneChannels, int64_t groups, const KernelContext &context);

/// The grid a lane convolution computes: `outBlocks` blocks of `block`
/// result channels over `outW` x `outH` pixels.
struct LaneConvShape {
  int block, outBlocks, outW, outH;
};

/// Adds algorithm `name`, a lane convolution over `shape`, to `space`:
///   columns     result pixels of a row per register tile (<= the width)
///   rows        result rows per register tile (<= the height)
///   block_tile  result channel blocks per register tile (divides them)
/// at most 32 accumulators in all. Returns its default point.
SchedulePoint addLaneConvAlgorithm(ScheduleSpace &space, const std::string &name,
                                   const LaneConvShape &shape);

/// cv.conv2d with its output channels in vector lanes, the weights re-laid
/// out in the kernel. `block` comes from stagedConvBlock; `point` is of the
/// algorithm addLaneConvAlgorithm added.
mlir::FailureOr<Kernel> buildConv2dStaged(cv::Conv2DOp op, int block,
                                          const KernelContext &context,
                                          const SchedulePoint &point);

/// The input gradient as stride x stride phase convolutions of the output
/// gradient (one per output phase, each with its sub-kernel of the
/// transposed weights), then interleaved: no masked taps. Every phase is a
/// lane convolution over the same ceil(in / stride) grid.
LaneConvShape backwardInputPhaseGrid(cv::Conv2DBackwardInputOp op, int block);
mlir::FailureOr<Kernel> buildConv2dBackwardInputStaged(cv::Conv2DBackwardInputOp op, int block,
                                                       const KernelContext &context,
                                                       const SchedulePoint &point);

/// The weight gradient as a GEMM over batch x output pixels, output
/// channels in vector lanes. Its algorithm `name`:
///   channel_tile  input channels per register tile (divides them)
///   block_tile    output channel blocks per register tile (1 or 2)
///   group         register tiles per parallel task (divides the tiles of
///                 a tap row)
SchedulePoint addStagedWeightGradAlgorithm(ScheduleSpace &space, const std::string &name,
                                           cv::Conv2DBackwardWeightOp op, int block);
mlir::FailureOr<Kernel> buildConv2dBackwardWeightStaged(cv::Conv2DBackwardWeightOp op, int block,
                                                        const KernelContext &context,
                                                        const SchedulePoint &point);

} // namespace cvc::halide

#endif // CVC_HALIDE_STAGEDCONV_H
