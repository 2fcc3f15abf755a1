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

#include "cvc/halide/Lowering.h"

#include "cv/CvOps.h"

namespace cvc::halide {

/// The channel block (the target's vector width in floats) when a staged
/// kernel applies to an ungrouped convolution whose result has
/// `laneChannels` channels, or 0 when it does not (grouped, or channels not
/// a multiple of the block).
int stagedConvBlock(int64_t laneChannels, int64_t groups, const Halide::Target &target);

/// cv.conv2d with its output channels in vector lanes, the weights re-laid
/// out in the kernel. `block` comes from stagedConvBlock.
mlir::FailureOr<Kernel> lowerConv2dStaged(cv::Conv2DOp op, int block,
                                          const Halide::Target &target);

/// The input gradient as stride x stride phase convolutions of the output
/// gradient (one per output phase, each with its sub-kernel of the
/// transposed weights), then interleaved: no masked taps.
mlir::FailureOr<Kernel> lowerConv2dBackwardInputStaged(cv::Conv2DBackwardInputOp op, int block,
                                                       const Halide::Target &target);

/// The weight gradient as a GEMM over batch x output pixels, output
/// channels in vector lanes.
mlir::FailureOr<Kernel> lowerConv2dBackwardWeightStaged(cv::Conv2DBackwardWeightOp op, int block,
                                                        const Halide::Target &target);

} // namespace cvc::halide

#endif // CVC_HALIDE_STAGEDCONV_H
