//===- GpuTile.cpp - the GPU schedule of a reduction per output element -===//
#include "GpuTile.h"

namespace cvc::halide {

void addGpuTileAlgorithm(ScheduleSpace &space, const GpuTileShape &shape) {
  ScheduleAlgorithm &tile = space.addAlgorithm("gpu_tile");
  tile.add("threads_x", {8, 16, 32, 64, 128});
  tile.add("threads_y", shape.height > 1 ? std::vector<int64_t>{1, 2, 4, 8, 16}
                                         : std::vector<int64_t>{1});
  tile.add("channel_tile", divisorsUpTo(shape.channels, 16));
  tile.constraint = [](const SchedulePoint &p) -> std::string {
    int64_t threads = p.get("threads_x") * p.get("threads_y");
    // Below a warp, lanes idle; beyond 512, registers per thread run short
    // for the channel tile.
    if (threads < 32 || threads > 512)
      return "threads_x x threads_y must be within 32..512";
    return "";
  };
  // Up to 128 threads: a warp along a row where rows are that wide, else
  // as many rows as fill the block or the map (a 7x7 map takes 8x8, not
  // 8x16 threads, half of them idle); without rows, up to 128 along the
  // pixels. 4 channels per thread.
  auto ceilPow2 = [](int64_t n) {
    int64_t p = 1;
    while (p < n)
      p *= 2;
    return p;
  };
  int64_t threadsX = shape.height > 1 ? std::clamp<int64_t>(ceilPow2(shape.width), 8, 32)
                                      : std::clamp<int64_t>(ceilPow2(shape.width), 32, 128);
  int64_t threadsY =
      shape.height > 1 ? std::clamp<int64_t>(ceilPow2(shape.height), 32 / threadsX, 128 / threadsX)
                       : 1;
  int64_t channelTile = divisorsUpTo(shape.channels, 4).back();
  space.defaultPoint = SchedulePoint("gpu_tile")
                           .set("threads_x", threadsX)
                           .set("threads_y", threadsY)
                           .set("channel_tile", channelTile);
}

void scheduleGpuTile(Halide::Func result, Halide::Func acc, const GpuTileLoops &loops,
                     const SchedulePoint &point) {
  using Halide::VarOrRVar;
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi"), co("co"), ci("ci"), tiles("tiles");
  result.split(loops.x, xo, xi, point.getInt("threads_x"), TailStrategy::GuardWithIf);
  if (loops.hasRows)
    result.split(loops.y, yo, yi, point.getInt("threads_y"), TailStrategy::GuardWithIf);
  result.split(loops.c, co, ci, point.getInt("channel_tile"));
  // Channel tiles and the batch share the third block dimension.
  Var blocksZ = co;
  for (const Var &v : loops.outer) {
    result.fuse(blocksZ, v, tiles);
    blocksZ = tiles;
  }
  // The fused channel tiles x batch innermost of the block loops, so on
  // blockIdx.x: it can exceed the 65,535 blocks that y and z allow (a
  // 1280-channel 1x1 layer at batch 256 has 81,920).
  std::vector<VarOrRVar> order = {ci, xi};
  if (loops.hasRows)
    order.push_back(yi);
  order.push_back(blocksZ);
  order.push_back(xo);
  if (loops.hasRows)
    order.push_back(yo);
  result.reorder(order).unroll(ci);
  if (loops.hasRows)
    result.gpu_threads(xi, yi).gpu_blocks(blocksZ, xo, yo);
  else
    result.gpu_threads(xi).gpu_blocks(blocksZ, xo);

  // The accumulators of one thread: its channel tile, in registers.
  acc.compute_at(result, xi).unroll(loops.c);
  std::vector<VarOrRVar> updateOrder = {loops.c};
  for (const Halide::RVar &r : loops.reduction)
    updateOrder.push_back(r);
  updateOrder.push_back(loops.x);
  if (loops.hasRows)
    updateOrder.push_back(loops.y);
  for (const Var &v : loops.outer)
    updateOrder.push_back(v);
  acc.update().reorder(updateOrder).unroll(loops.c);
}

} // namespace cvc::halide
