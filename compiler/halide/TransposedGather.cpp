//===- TransposedGather.cpp - transposed convolution in gather form -----===//
#include "TransposedGather.h"

namespace cvc::halide {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::TailStrategy;
using Halide::Var;

TransposedGather defineTransposedGather(const Func &src, const Func &weight,
                                        const GatherGeometry &g,
                                        const std::optional<Func> &bias,
                                        const std::string &name) {
  TransposedGather t;
  t.padded = Halide::BoundaryConditions::constant_exterior(src, 0.0f,
                                                          {{0, g.srcW}, {0, g.srcH}});
  // r.z: the source channel within the result channel's group.
  t.r = RDom(0, g.kW, 0, g.kH, 0, g.srcPerGroup(), "r");
  const RDom &r = t.r;
  Expr tx = t.x + g.padL - r.x * g.dilW, ty = t.y + g.padT - r.y * g.dilH;
  Expr srcC = (t.c / g.dstPerGroup()) * g.srcPerGroup() + r.z;
  Expr read = t.padded(tx / g.strideW, ty / g.strideH, srcC, t.n);
  // Halide's division floors and its modulo is never negative: a tap that
  // lands between source pixels is exactly one with a remainder.
  if (g.strideW > 1)
    read = Halide::select(tx % g.strideW == 0, read, 0.0f);
  if (g.strideH > 1)
    read = Halide::select(ty % g.strideH == 0, read, 0.0f);
  t.acc = Func(name);
  t.acc(t.x, t.y, t.c, t.n) = bias ? (*bias)(t.c) : Expr(0.0f);
  t.acc(t.x, t.y, t.c, t.n) += weight(r.x, r.y, t.c % g.dstPerGroup(), srcC) * read;
  return t;
}

void scheduleTransposedGather(Func result, const TransposedGather &t, int vector, int channelTile,
                              int sourceVector) {
  Var xo("xo"), xi("xi"), co("co"), ci("ci"), tile("tile");
  Var x = t.x, y = t.y, c = t.c, n = t.n;
  result.split(x, xo, xi, vector, TailStrategy::ShiftInwards)
      .split(c, co, ci, channelTile)
      .reorder(xi, ci, xo, y, co, n)
      .vectorize(xi)
      .fuse(y, co, tile)
      .fuse(tile, n, tile)
      .parallel(tile);
  Func acc = t.acc, padded = t.padded;
  acc.compute_at(result, xo).vectorize(x).unroll(c);
  acc.update().reorder(x, c, t.r.z, t.r.x, t.r.y, n).vectorize(x).unroll(c);
  padded.compute_at(result, tile).vectorize(padded.args()[0], sourceVector,
                                            TailStrategy::GuardWithIf);
}

} // namespace cvc::halide
