//===- VectorMath.cpp - exp, tanh and sigmoid that vectorise ------------===//
//
// exp: x = k ln2 + r with integer k and |r| <= ln2 / 2, e^x = 2^k e^r; e^r is
// its Taylor series to r^7 (the first term left out is below 6e-9 relative,
// a tenth of a float ulp), and 2^k is built in the exponent bits. ln2 is
// split in two so that k ln2 is exact to float precision for every k in
// range.
//
//===----------------------------------------------------------------------===//
#include "VectorMath.h"

using Halide::Expr;

namespace cvc::halide {

Expr vectorExp(Expr x) {
  x = Halide::clamp(x, -87.0f, 88.0f);
  Expr k = Halide::floor(x * 1.44269504088896341f + 0.5f);
  // ln2 = 0.693145751953125 (12 significant bits: k ln2High is exact) + 1.4286068e-6.
  Expr r = (x - k * 0.693145751953125f) - k * 1.428606765330187e-6f;
  // Horner form of 1 + r + r^2/2! + ... + r^7/7!.
  Expr p = 1.0f / 5040.0f;
  for (float inverseFactorial : {1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f, 0.5f,
                                 1.0f, 1.0f})
    p = p * r + inverseFactorial;
  Expr twoToK = Halide::reinterpret(Halide::Float(32),
                                    (Halide::cast<int32_t>(k) + 127) << 23);
  return p * twoToK;
}

Expr vectorTanh(Expr x) {
  Expr a = Halide::abs(x);
  // Near 0, (1 - e^-2a) / (1 + e^-2a) would lose the leading digits of a
  // small result to cancellation; the odd Taylor series is exact to float
  // precision there: for a < 0.25 the first term left out, 21844/6081075
  // a^13, is below 1e-9 relative.
  Expr a2 = x * x;
  Expr series = -1382.0f / 155925.0f;
  for (float c : {62.0f / 2835.0f, -17.0f / 315.0f, 2.0f / 15.0f, -1.0f / 3.0f, 1.0f})
    series = series * a2 + c;
  Expr small = x * series;
  // Elsewhere 1 - e^-2a >= 0.39 and the quotient keeps exp's accuracy.
  Expr e = vectorExp(-2.0f * a);
  Expr large = (1.0f - e) / (1.0f + e);
  return Halide::select(a < 0.25f, small, Halide::select(x < 0.0f, -large, large));
}

Expr vectorSigmoid(Expr x) { return 1.0f / (1.0f + vectorExp(-x)); }

} // namespace cvc::halide
