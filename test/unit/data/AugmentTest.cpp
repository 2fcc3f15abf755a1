//===- AugmentTest.cpp - augmentation invariants and spec errors --------===//
//
// Exactness against torchvision is checked in test/e2e/test_augment.py; here
// the properties that need no reference: mirror twice is the identity, a
// zero rotation or shear is the identity, colour operations keep the shape,
// per-sample results depend only on (seed, epoch, index), and bad specs get
// messages naming the operation and the parameter.
//
//===----------------------------------------------------------------------===//
#include "DataTestUtil.h"

#include <cmath>
#include <random>
#include <vector>

using namespace cvc::test;

namespace {

std::vector<float> randomImage(int c, int h, int w, unsigned seed = 1) {
  return uniform(size_t(c) * h * w, 0.0f, 1.0f, seed);
}

struct Pipeline {
  explicit Pipeline(const char *spec) { message = take(cvc_augment_pipeline_create(spec, &p)); }
  ~Pipeline() { cvc_augment_pipeline_free(p); }
  cvc_augment_pipeline *p = nullptr;
  std::string message;
};

} // namespace

TEST(Augment, MirrorTwiceIsIdentity) {
  auto x = randomImage(3, 5, 7);
  std::vector<float> once(x.size()), twice(x.size());
  cvc_augment_hflip(x.data(), 3, 5, 7, once.data());
  cvc_augment_hflip(once.data(), 3, 5, 7, twice.data());
  EXPECT_EQ(twice, x);
  EXPECT_EQ(once[6], x[0]);
  Pipeline always("mirror:p=1,mirror:p=1");
  ASSERT_EQ(always.message, "");
  ASSERT_EQ(take(cvc_augment_apply(always.p, 1, 2, 3, x.data(), 3, 5, 7, twice.data())), "");
  EXPECT_EQ(twice, x);
}

TEST(Augment, ZeroRotationAndShearAreIdentity) {
  auto x = randomImage(1, 28, 28);
  std::vector<float> y(x.size());
  float inverse[6];
  cvc_augment_affine_matrix(0, 0, 0, 1, 0, 0, inverse);
  cvc_augment_affine(x.data(), 1, 28, 28, inverse, 0.5f, y.data());
  EXPECT_LT(maxAbsDiff(x, y), 1e-6f);
  Pipeline zero("rotate:deg=0,shear:deg=0,elastic:alpha=0,sigma=2");
  ASSERT_EQ(zero.message, "");
  ASSERT_EQ(take(cvc_augment_apply(zero.p, 5, 0, 9, x.data(), 1, 28, 28, y.data())), "");
  EXPECT_LT(maxAbsDiff(x, y), 1e-6f);
  // A quarter turn moves the top-left corner to the bottom-left (counter-clockwise).
  cvc_augment_affine_matrix(-90, 0, 0, 1, 0, 0, inverse);
  cvc_augment_affine(x.data(), 1, 28, 28, inverse, 0, y.data());
  EXPECT_NEAR(y[27 * 28], x[0], 1e-5f);
}

TEST(Augment, ColourOperationsKeepShapeAndRange) {
  auto x = randomImage(3, 16, 16);
  Pipeline colour("brightness:delta=0.5,contrast:delta=0.5,colorshift:std=0.2");
  ASSERT_EQ(colour.message, "");
  int32_t shape[3];
  ASSERT_EQ(take(cvc_augment_output_shape(colour.p, 3, 16, 16, shape)), "");
  EXPECT_EQ(shape[0], 3);
  EXPECT_EQ(shape[1], 16);
  EXPECT_EQ(shape[2], 16);
  std::vector<float> y(x.size());
  ASSERT_EQ(take(cvc_augment_apply(colour.p, 1, 0, 0, x.data(), 3, 16, 16, y.data())), "");
  for (float v : y)
    ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
  EXPECT_GT(maxAbsDiff(x, y), 1e-3f);
}

TEST(Augment, ShapesOfCropAndPad) {
  Pipeline p("pad:px=2,crop:size=24,pad=4,mirror");
  ASSERT_EQ(p.message, "");
  int32_t shape[3];
  ASSERT_EQ(take(cvc_augment_output_shape(p.p, 1, 28, 28, shape)), "");
  EXPECT_EQ(shape[1], 24);
  EXPECT_EQ(shape[2], 24);
  Pipeline big("crop:size=40");
  EXPECT_NE(take(cvc_augment_output_shape(big.p, 1, 28, 28, shape)).find("crop: size 40 exceeds"),
            std::string::npos);
  Pipeline resized("crop:size=40,scale=0.5");
  ASSERT_EQ(take(cvc_augment_output_shape(resized.p, 1, 28, 28, shape)), "");
  EXPECT_EQ(shape[1], 40);
  Pipeline pca("pca:std=0.1");
  EXPECT_NE(take(cvc_augment_output_shape(pca.p, 1, 28, 28, shape)).find("pca: needs 3-channel"),
            std::string::npos);
}

TEST(Augment, SamplesDependOnlyOnSeedEpochAndIndex) {
  auto x = randomImage(1, 28, 28);
  Pipeline p("mirror,crop:size=24,pad=2,rotate:deg=20,elastic:alpha=30,sigma=4");
  ASSERT_EQ(p.message, "");
  std::vector<float> a(24 * 24), b(24 * 24), c(24 * 24);
  ASSERT_EQ(take(cvc_augment_apply(p.p, 1, 2, 3, x.data(), 1, 28, 28, a.data())), "");
  ASSERT_EQ(take(cvc_augment_apply(p.p, 1, 2, 4, x.data(), 1, 28, 28, c.data())), "");
  ASSERT_EQ(take(cvc_augment_apply(p.p, 1, 2, 3, x.data(), 1, 28, 28, b.data())), "");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Augment, BadSpecsNameOperationAndParameter) {
  struct Case {
    const char *spec, *expected;
  } cases[] = {
      {"blur:r=2", "unknown augmentation 'blur'"},
      {"crop:pad=2", "crop: needs size=VALUE"},
      {"rotate:deg=ten", "rotate: deg expects a number, got 'ten'"},
      {"rotate:deg=400", "rotate: deg=400 is out of range [0, 180]"},
      {"mirror:q=1", "mirror: unknown parameter 'q' (expected p)"},
      {"p=0.5", "starts with a parameter"},
      {"mirror,,rotate:deg=3", "empty item"},
      {"crop:size=3,size=4", "crop: size is given twice"},
  };
  for (const Case &c : cases) {
    Pipeline p(c.spec);
    EXPECT_NE(p.message.find(c.expected), std::string::npos) << c.spec << " -> " << p.message;
    EXPECT_EQ(p.p, nullptr);
  }
}

TEST(Augment, SymmetricEigenSolver) {
  const double m[9] = {4, 1, 2, 1, 3, 0.5, 2, 0.5, 5};
  double values[3], vectors[9];
  cvc_augment_eigen3(m, values, vectors);
  EXPECT_GE(values[0], values[1]);
  EXPECT_GE(values[1], values[2]);
  EXPECT_NEAR(values[0] + values[1] + values[2], 12.0, 1e-12); // the trace
  for (int i = 0; i < 3; ++i) {
    const double *v = vectors + 3 * i;
    for (int r = 0; r < 3; ++r) // M v = lambda v
      EXPECT_NEAR(m[3 * r] * v[0] + m[3 * r + 1] * v[1] + m[3 * r + 2] * v[2], values[i] * v[r], 1e-12);
    EXPECT_NEAR(v[0] * v[0] + v[1] * v[1] + v[2] * v[2], 1.0, 1e-12);
  }
  const double diagonal[9] = {1, 0, 0, 0, 3, 0, 0, 0, 2};
  cvc_augment_eigen3(diagonal, values, vectors);
  EXPECT_EQ(values[0], 3.0);
  EXPECT_EQ(vectors[1], 1.0);
}
