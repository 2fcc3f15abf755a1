//===- KernelsTest.cpp - AVX-512 kernels against the portable loops ------===//
//
// The warps and the blur have two implementations: AVX-512 code, used when
// the CPU has it, and the portable loops used otherwise (the latter checked
// against torchvision by test/e2e/test_augment.py through the C API on CPUs
// without AVX-512, the former on this one). Here each AVX-512 kernel is
// compared with its portable twin on random images, over shapes whose rows
// end in partial vectors, with points far outside the image and with both
// of the bilinear sampler's paths (row windows for small rotations and
// displacements, gathers for large ones). Tolerance: 1e-5 absolute on values
// in [0, 1]; the measured error is printed.
//
//===----------------------------------------------------------------------===//
#include "DataTestUtil.h"
#include "Kernels.h"
#include "KernelsAvx512.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

using namespace cvc::data;
using namespace cvc::test;

namespace {

constexpr float kTolerance = 1e-5f;

struct Size {
  int channels, height, width;
};
const Size kSizes[] = {{1, 1, 1}, {3, 5, 7}, {1, 28, 28}, {2, 17, 16}, {3, 33, 47}, {1, 64, 61}};

} // namespace

TEST(Kernels, Avx512AffineWarpMatchesPortable) {
  if (!usesAvx512Kernels())
    GTEST_SKIP() << "no AVX-512 on this CPU";
  struct Map {
    float angle, shearX, shearY, scale, tx, ty;
  } maps[] = {{0, 0, 0, 1, 0, 0},    {10, 0, 0, 1, 0, 0},    {-7, 0, 0, 1, 0, 0},
              {45, 0, 0, 1, 0, 0},   {90, 0, 0, 1, 0, 0},    {143, 0, 0, 1, 0, 0},
              {0, 20, 0, 1, 0, 0},   {0, 0, -15, 1, 0, 0},   {20, 5, 3, 1.2f, 2, -3},
              {3, 0, 0, 0.5f, 9, 4}, {0, 0, 0, 0.05f, 0, 0}, {0, 0, 0, 1, 1e5f, -1e5f}};
  float worst = 0;
  for (const Size &s : kSizes)
    for (const Map &m : maps)
      for (float fill : {0.0f, 0.5f}) {
        auto src = uniform(size_t(s.channels) * s.height * s.width, 0, 1, 7);
        std::vector<float> expected(src.size()), actual(src.size());
        std::vector<float> scratch(avx512::warpScratchFloats(s.channels, s.height, s.width));
        float inverse[6];
        affineInverse(m.angle, m.shearX, m.shearY, m.scale, m.tx, m.ty, inverse);
        portable::affineWarp(src.data(), s.channels, s.height, s.width, inverse, fill,
                             expected.data());
        avx512::affineWarp(src.data(), s.channels, s.height, s.width, inverse, fill, actual.data(),
                           scratch.data());
        float error = maxAbsDiff(expected, actual);
        worst = std::max(worst, error);
        EXPECT_LE(error, kTolerance) << s.channels << "x" << s.height << "x" << s.width
                                     << ", angle " << m.angle << ", shear " << m.shearX << ","
                                     << m.shearY << ", scale " << m.scale << ", fill " << fill;
      }
  std::printf("affine warp: AVX-512 against portable, max abs error %.2e\n", worst);
}

TEST(Kernels, Avx512DisplaceMatchesPortable) {
  if (!usesAvx512Kernels())
    GTEST_SKIP() << "no AVX-512 on this CPU";
  float worst = 0;
  for (const Size &s : kSizes)
    for (float scale : {0.0f, 0.6f, 3.0f, 40.0f}) { // small shifts: row windows; large: gathers
      size_t plane = size_t(s.height) * s.width;
      auto src = uniform(plane * s.channels, 0, 1, 3);
      auto dx = uniform(plane, -1, 1, 4), dy = uniform(plane, -1, 1, 5);
      std::vector<float> expected(src.size()), actual(src.size());
      std::vector<float> scratch(avx512::warpScratchFloats(s.channels, s.height, s.width));
      portable::displace(src.data(), s.channels, s.height, s.width, dx.data(), dy.data(), scale,
                         0.25f, expected.data());
      avx512::displace(src.data(), s.channels, s.height, s.width, dx.data(), dy.data(), scale,
                       0.25f, actual.data(), scratch.data());
      float error = maxAbsDiff(expected, actual);
      worst = std::max(worst, error);
      EXPECT_LE(error, kTolerance)
          << s.channels << "x" << s.height << "x" << s.width << ", scale " << scale;
    }
  std::printf("displace: AVX-512 against portable, max abs error %.2e\n", worst);
}

TEST(Kernels, Avx512GaussianBlurMatchesPortable) {
  if (!usesAvx512Kernels())
    GTEST_SKIP() << "no AVX-512 on this CPU";
  float worst = 0;
  for (const Size &s : kSizes)
    for (float sigma : {0.2f, 1.0f, 3.0f, 12.0f}) {
      auto weights = gaussianWeights(sigma);
      int radius = int(weights.size() / 2);
      auto expected = uniform(size_t(s.height) * s.width, -1, 1, 9), actual = expected;
      std::vector<float> scratch(avx512::blurScratchFloats(s.height, s.width, radius));
      portable::gaussianBlur(expected.data(), s.height, s.width, weights);
      avx512::gaussianBlur(actual.data(), s.height, s.width, weights.data(), radius,
                           scratch.data());
      float error = maxAbsDiff(expected, actual);
      worst = std::max(worst, error);
      EXPECT_LE(error, kTolerance) << s.height << "x" << s.width << ", sigma " << sigma;
    }
  std::printf("gaussian blur: AVX-512 against portable, max abs error %.2e\n", worst);
}

TEST(Kernels, Avx512ResizedCropMatchesPortable) {
  if (!usesAvx512Kernels())
    GTEST_SKIP() << "no AVX-512 on this CPU";
  struct Case {
    int channels, height, width, top, left, cropH, cropW, outH, outW;
  } cases[] = {
      {3, 32, 30, 2, 3, 20, 17, 32, 32},     {3, 32, 30, 0, 0, 32, 30, 13, 11},
      {1, 28, 28, 4, 6, 9, 21, 28, 28},      {1, 28, 28, 0, 0, 28, 28, 28, 28},
      {2, 64, 61, 1, 2, 60, 57, 17, 40},     {3, 100, 150, 10, 20, 80, 120, 224, 224},
      {1, 300, 300, 0, 0, 300, 300, 31, 33}, {1, 5, 5, 1, 1, 1, 1, 7, 9},
  };
  float worst = 0;
  for (const Case &k : cases) {
    auto src = uniform(size_t(k.channels) * k.height * k.width, 0, 1, 13);
    std::vector<float> expected(size_t(k.channels) * k.outH * k.outW), actual(expected.size());
    portable::resizedCrop(src.data(), k.channels, k.height, k.width, k.top, k.left, k.cropH,
                          k.cropW, k.outH, k.outW, expected.data());
    resizedCrop(src.data(), k.channels, k.height, k.width, k.top, k.left, k.cropH, k.cropW, k.outH,
                k.outW, actual.data());
    float error = maxAbsDiff(expected, actual);
    worst = std::max(worst, error);
    EXPECT_LE(error, kTolerance) << k.cropH << "x" << k.cropW << " -> " << k.outH << "x"
                                 << k.outW;
  }
  std::printf("resized crop: AVX-512 against portable, max abs error %.2e\n", worst);
}

TEST(Kernels, PaddedCropMatchesPadThenCopy) {
  const int c = 2, h = 9, w = 11, padding = 4, size = 12;
  auto src = uniform(size_t(c) * h * w, 0, 1, 11);
  std::vector<float> padded(size_t(c) * (h + 2 * padding) * (w + 2 * padding));
  pad(src.data(), c, h, w, padding, 0.5f, padded.data());
  int ph = h + 2 * padding, pw = w + 2 * padding;
  for (int top = 0; top + size <= ph; ++top)
    for (int left = 0; left + size <= pw; ++left) {
      std::vector<float> expected(size_t(c) * size * size), actual(expected.size());
      for (int k = 0; k < c; ++k)
        for (int y = 0; y < size; ++y)
          for (int x = 0; x < size; ++x)
            expected[(size_t(k) * size + y) * size + x] =
                padded[(size_t(k) * ph + top + y) * pw + left + x];
      paddedCrop(src.data(), c, h, w, padding, top, left, size, size, 0.5f, actual.data());
      ASSERT_EQ(actual, expected) << "top " << top << ", left " << left;
    }
}
