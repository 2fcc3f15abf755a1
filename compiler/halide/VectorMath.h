//===- VectorMath.h - exp, tanh and sigmoid that vectorise ------*- C++ -*-===//
//
// Halide 14 lowers exp and tanh of float vectors to scalar libm calls, one
// per lane: in LeNet-5, whose layers end in tanh, those calls took most of
// the run. These are built from Halide arithmetic alone, so a vectorised
// loop stays vectorised.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HALIDE_VECTORMATH_H
#define CVC_HALIDE_VECTORMATH_H

#include "Halide.h"

namespace cvc::halide {

/// e^x for float32 x: relative error under 2.6e-7 for |x| <= 20 and under
/// 4.6e-7 on [-87, 88] (unit.vector_math); outside that range x is clamped
/// (e^88 = 1.65e38, e^-87 = 1.6e-38), so it never returns inf or 0.
Halide::Expr vectorExp(Halide::Expr x);

/// tanh(x), within a few ulp relative to tanh, also near 0.
Halide::Expr vectorTanh(Halide::Expr x);

/// 1 / (1 + e^-x).
Halide::Expr vectorSigmoid(Halide::Expr x);

/// x / (1 + e^-x).
Halide::Expr vectorSwish(Halide::Expr x);

} // namespace cvc::halide

#endif // CVC_HALIDE_VECTORMATH_H
