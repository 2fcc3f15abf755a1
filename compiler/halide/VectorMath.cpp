//===- VectorMath.cpp - exp, tanh and sigmoid that vectorise ------------===//
//
// In EfficientNet-like networks a Swish follows every convolution, and for
// a 1x1 expansion with 16 input channels or a 3x3 depthwise layer it costs
// more instructions per output vector than the convolution does, so every
// instruction here counts.
//
// exp: x = k ln2 + r with integer k and |r| <= ln2 / 2, e^x = 2^k e^r.
// Rounding x log2(e) to k happens in one addition: adding 1.5 * 2^23 + 127
// leaves a float whose unit is 1, so the sum is k + 127 rounded to nearest,
// sitting in the low mantissa bits. Those bits give k back as an integer
// and, shifted into the exponent field, 2^k; the other bits of the sum
// shift out. e^r is a degree-5 polynomial fitted to e^r's relative error on
// [-ln2/2, ln2/2] (Lawson's iteration in float64): 7.5e-8 before rounding,
// 2.1e-7 (two ulp) when evaluated in floats. Degree 6 would halve that and
// cost one more FMA per vector, 4% of a Swish-ended 1x1 convolution with 16
// input channels on Zen 4.
//
// Quotients stay divisions: on Zen 4 the divider runs beside the FMA pipes,
// which the rest of a Swish already fills, and a reciprocal estimate with a
// Newton step made that convolution 18% slower than a division did.
//
//===----------------------------------------------------------------------===//
#include "VectorMath.h"

using Halide::Expr;

namespace cvc::halide {

Expr vectorExp(Expr x) {
  // e^88 = 1.65e38 and e^-87 = 1.6e-38 keep k + 127 in [1, 254], a normal
  // exponent.
  x = Halide::clamp(x, -87.0f, 88.0f);
  Expr shifted = x * 1.44269504088896341f + 12583039.0f; // 0x4B40007F
  Expr bits = Halide::reinterpret(Halide::Int(32), shifted);
  Expr k = Halide::cast<float>(bits - 0x4B40007F);
  // One constant for ln2, 1.9e-9 off: k times that adds up to 2.4e-7 to
  // the relative error at the ends of the range, 3e-8 for |x| < 10. (A
  // split ln2, hi + lo, gains nothing: Halide's simplifier folds the two
  // products back into one.)
  Expr r = x - k * 0.693147180559945f;
  Expr p = 0.008297654800117016f;
  for (float c : {0.04191538318991661f, 0.16667574644088745f, 0.49998894333839417f,
                  0.9999997019767761f, 1.0000001192092896f})
    p = p * r + c;
  Expr twoToK = Halide::reinterpret(Halide::Float(32), bits << 23);
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

Expr vectorSwish(Expr x) { return x / (1.0f + vectorExp(-x)); }

} // namespace cvc::halide
