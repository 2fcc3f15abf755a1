//===- GpuTile.h - the GPU schedule of a reduction per output element -*- C++ -*-===//
//
// Convolutions and GEMMs on a GPU (NCHW, pixels contiguous): a block of
// threads_x x threads_y threads covers as many neighbouring output pixels,
// so that a warp's loads of the input and stores of the output are
// coalesced; each thread holds channel_tile output channels in registers
// across the whole reduction, so that each input value it loads feeds
// channel_tile multiply-adds while the weights, the same for the whole
// warp, are broadcast loads. Blocks cover the pixel tiles, the channel
// tiles and the batch.
//
// Schedule space ("gpu_tile"): threads_x, threads_y (1 without rows),
// channel_tile (divides the channels of a group).
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HALIDE_GPUTILE_H
#define CVC_HALIDE_GPUTILE_H

#include "Family.h"

namespace cvc::halide {

/// The output a gpu_tile kernel computes: `width` x `height` pixels per
/// image (height 1 without rows) and `channels` per group.
struct GpuTileShape {
  int64_t width, height, channels;
};

/// Adds "gpu_tile" to `space` and makes its heuristic point the default.
void addGpuTileAlgorithm(ScheduleSpace &space, const GpuTileShape &shape);

/// The loops of a gpu_tile kernel: `result(x, [y,] c, outer...)` computed
/// from `acc`, whose update reduces over `reduction` (innermost first).
struct GpuTileLoops {
  Halide::Var x, y, c;
  bool hasRows = true;
  std::vector<Halide::Var> outer; ///< the batch (and any further dimension)
  std::vector<Halide::RVar> reduction;
};

void scheduleGpuTile(Halide::Func result, Halide::Func acc, const GpuTileLoops &loops,
                     const SchedulePoint &point);

} // namespace cvc::halide

#endif // CVC_HALIDE_GPUTILE_H
