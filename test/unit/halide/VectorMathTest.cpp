//===- VectorMathTest.cpp - exp, sigmoid, Swish and tanh against doubles --===//
//
// The activations that end EfficientNet-like layers are built from
// VectorMath's polynomials, not libm; their error is the compiler's
// promise, so it is measured here on a dense sweep of floats, JIT-compiled
// for this machine with the vector width the kernels use, against double
// precision. Every bound is relative to the exact result, also where tanh
// and Swish cross zero, which the sweep reaches down to magnitudes of 1e-30.
//
//===----------------------------------------------------------------------===//
#include "VectorMath.h"

#include "cvc/halide/Lowering.h"

#include "cv/CvOps.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>

namespace {

/// `count` evenly spaced floats from `lo` to `hi`, plus tiny magnitudes of
/// both signs and zero.
std::vector<float> sweep(float lo, float hi, size_t count) {
  std::vector<float> xs;
  for (size_t i = 0; i < count; ++i)
    xs.push_back(lo + (hi - lo) * static_cast<float>(i) / static_cast<float>(count - 1));
  // Tiny magnitudes, where tanh and Swish are relative-hard.
  for (float tiny = 1e-30f; tiny < 1.0f; tiny *= 3.7f) {
    xs.push_back(tiny);
    xs.push_back(-tiny);
  }
  xs.push_back(0.0f);
  return xs;
}

class VectorMathTest : public ::testing::Test {
protected:
  void SetUp() override {
    registry.insert<cvc::cv::CvDialect>();
    context = std::make_unique<mlir::MLIRContext>(registry);
    context->loadAllAvailableDialects();
    std::string error;
    auto target = cvc::halide::resolveTarget(context.get(), "host", 0, error);
    ASSERT_TRUE(mlir::succeeded(target)) << error;
    kernelContext = cvc::halide::kernelContextFor(*target);
  }

  /// f applied to `xs` by a vectorised Halide kernel.
  std::vector<float> run(const std::function<Halide::Expr(Halide::Expr)> &f,
                         const std::vector<float> &xs) {
    Halide::Buffer<float> in(static_cast<int>(xs.size()));
    for (size_t i = 0; i < xs.size(); ++i)
      in(static_cast<int>(i)) = xs[i];
    Halide::Var i("i");
    Halide::Func g("g");
    g(i) = f(in(i));
    g.vectorize(i, kernelContext.vectorWidth, Halide::TailStrategy::GuardWithIf);
    Halide::Buffer<float> out = g.realize({static_cast<int>(xs.size())}, kernelContext.target);
    return std::vector<float>(out.begin(), out.end());
  }

  /// The largest |got - want| / |want| over the sweep (0 where both are 0).
  double worst(const std::function<Halide::Expr(Halide::Expr)> &f,
               const std::function<double(double)> &exact, const std::vector<float> &xs,
               float *where) {
    std::vector<float> got = run(f, xs);
    double worstError = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      double want = exact(xs[i]);
      double error = got[i] == want ? 0.0 : std::fabs(got[i] - want) / std::fabs(want);
      if (!(error <= worstError)) { // NaN counts as the worst
        worstError = std::isnan(error) ? INFINITY : error;
        *where = xs[i];
      }
    }
    std::printf("  worst relative error %.3g at x = %.9g over %zu values\n", worstError,
                static_cast<double>(*where), xs.size());
    return worstError;
  }

  mlir::DialectRegistry registry;
  std::unique_ptr<mlir::MLIRContext> context;
  cvc::halide::KernelContext kernelContext;
};

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST_F(VectorMathTest, ExpIsWithinAFewUlpOverItsRange) {
  auto exact = [](double x) { return std::exp(x); };
  float where = 0;
  // Where activations live: the polynomial's two ulp and rounding.
  double error = worst(cvc::halide::vectorExp, exact, sweep(-20.0f, 20.0f, 1 << 20), &where);
  EXPECT_LT(error, 2.6e-7) << "at x = " << where;
  // Towards the ends, float ln2's error times k adds up to 2.4e-7.
  error = worst(cvc::halide::vectorExp, exact, sweep(-87.0f, 88.0f, 1 << 20), &where);
  EXPECT_LT(error, 4.6e-7) << "at x = " << where;
}

TEST_F(VectorMathTest, ExpClampsInsteadOfOverflowing) {
  std::vector<float> got = run(cvc::halide::vectorExp, {-1e30f, -200.0f, 200.0f, 1e30f});
  EXPECT_GT(got[0], 0.0f);
  EXPECT_GT(got[1], 0.0f);
  EXPECT_TRUE(std::isfinite(got[2]));
  EXPECT_TRUE(std::isfinite(got[3]));
}

TEST_F(VectorMathTest, SigmoidAndSwishAreWithinAFewUlp) {
  float where = 0;
  std::vector<float> xs = sweep(-80.0f, 80.0f, 1 << 20);
  double error = worst(cvc::halide::vectorSigmoid, sigmoid, xs, &where);
  EXPECT_LT(error, 5e-7) << "sigmoid at x = " << where;
  error = worst(cvc::halide::vectorSwish, [](double x) { return x * sigmoid(x); }, xs, &where);
  EXPECT_LT(error, 5e-7) << "Swish at x = " << where;
}

TEST_F(VectorMathTest, TanhIsWithinAFewUlpAlsoNearZero) {
  float where = 0;
  double error = worst(cvc::halide::vectorTanh, [](double x) { return std::tanh(x); },
                       sweep(-20.0f, 20.0f, 1 << 20), &where);
  EXPECT_LT(error, 6e-7) << "at x = " << where;
}

} // namespace
