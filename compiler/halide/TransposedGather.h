//===- TransposedGather.h - transposed convolution in gather form -------===//
//
// The convolution's input gradient and ConvTranspose are one computation:
// each result position reads, for every tap, the source position whose
// window put that tap on it (the output gradient, or ConvTranspose's
// input). With stride s only one tap in s lands on a source pixel; the
// others are masked. Both kernels build and schedule it here.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HALIDE_TRANSPOSEDGATHER_H
#define CVC_HALIDE_TRANSPOSEDGATHER_H

#include "Family.h"

#include <optional>
#include <string>

namespace cvc::halide {

struct GatherGeometry {
  int srcC, srcH, srcW; ///< the tensor gathered from
  int dstC, dstH, dstW; ///< the result
  int kH, kW, groups, strideH, strideW, dilH, dilW, padT, padL;
  int srcPerGroup() const { return srcC / groups; }
  int dstPerGroup() const { return dstC / groups; }
};

struct TransposedGather {
  Halide::Var x{"x"}, y{"y"}, c{"c"}, n{"n"};
  Halide::Func padded; ///< the source, zero outside
  Halide::RDom r;      ///< (kx, ky, source channel in the group)
  Halide::Func acc;    ///< bias + the taps that land
};

/// acc(x, y, c, n) = bias(c) (or 0) + sum over the taps of
/// weight(kx, ky, c mod dstPerGroup, srcChannel) * src(...), weight in
/// Halide order [kW, kH, dstPerGroup, srcC].
TransposedGather defineTransposedGather(const Halide::Func &src, const Halide::Func &weight,
                                        const GatherGeometry &g,
                                        const std::optional<Halide::Func> &bias,
                                        const std::string &name);

/// A vector of result columns by a tile of result channels accumulating in
/// registers across the whole reduction (a group's source channels and the
/// window), rows x channel tiles x batch in parallel.
void scheduleTransposedGather(Halide::Func result, const TransposedGather &gather, int vector,
                              int channelTile, int sourceVector);

} // namespace cvc::halide

#endif // CVC_HALIDE_TRANSPOSEDGATHER_H
