//===- EnsembleTest.cpp - crop sets and probability averaging -----------===//
#include "DataTestUtil.h"

#include <cmath>
#include <vector>

using namespace cvc::test;

TEST(Ensemble, TenCropsAreCornersCentreAndMirrors) {
  cvc_crop crops[10];
  ASSERT_EQ(take(cvc_crops_standard(36, 40, 32, 32, 10, crops)), "");
  EXPECT_EQ(crops[1].left, 8);
  EXPECT_EQ(crops[2].top, 4);
  EXPECT_EQ(crops[4].top, 2);
  EXPECT_EQ(crops[4].left, 4);
  EXPECT_EQ(crops[4].mirror, 0);
  EXPECT_EQ(crops[9].top, 2);
  EXPECT_EQ(crops[9].mirror, 1);
  EXPECT_NE(take(cvc_crops_standard(36, 40, 32, 32, 3, crops)).find("1, 5 or 10"), std::string::npos);
  EXPECT_NE(take(cvc_crops_standard(20, 40, 32, 32, 10, crops)).find("do not fit"), std::string::npos);

  // 1 image, 2 channels, 3x4; crop 2x2 at (1, 2) plain and mirrored.
  std::vector<float> image(24);
  for (int i = 0; i < 24; ++i)
    image[i] = float(i);
  cvc_crop two[2] = {{1, 2, 0}, {1, 2, 1}};
  std::vector<float> out(2 * 2 * 4);
  ASSERT_EQ(take(cvc_crops_extract(image.data(), 1, 2, 3, 4, two, 2, 2, 2, out.data())), "");
  std::vector<float> expected = {6, 7, 10, 11, 18, 19, 22, 23, 7, 6, 11, 10, 19, 18, 23, 22};
  EXPECT_EQ(out, expected);
}

TEST(Ensemble, AveragesSoftmaxOfLogitsAndKeepsProbabilities) {
  // Two images, three classes; member A gives logits with 2 crops per image,
  // member B gives probabilities (auto mode must not softmax them again).
  const float a[] = {1, 2, 3, 0, 0, 0, /* image 1 */ -1, 5, 2, 3, 3, 3};
  const float b[] = {0.2f, 0.3f, 0.5f, 1.0f, 0.0f, 0.0f};
  cvc_ensemble *e = nullptr;
  ASSERT_EQ(take(cvc_ensemble_create(2, 3, CVC_SOFTMAX_AUTO, &e)), "");
  ASSERT_EQ(take(cvc_ensemble_add(e, a, 2)), "");
  ASSERT_EQ(take(cvc_ensemble_add(e, b, 1)), "");
  float avg[6];
  ASSERT_EQ(take(cvc_ensemble_average(e, avg)), "");
  cvc_ensemble_free(e);
  auto softmax = [](const float *x, int k) {
    double m = std::max(std::max(x[0], x[1]), x[2]);
    double t = std::exp(x[0] - m) + std::exp(x[1] - m) + std::exp(x[2] - m);
    return std::exp(x[k] - m) / t;
  };
  for (int img = 0; img < 2; ++img)
    for (int k = 0; k < 3; ++k) {
      double crops = 0.5 * (softmax(a + 6 * img, k) + softmax(a + 6 * img + 3, k));
      EXPECT_NEAR(avg[3 * img + k], 0.5 * (crops + b[3 * img + k]), 1e-6);
    }
  ASSERT_EQ(take(cvc_ensemble_create(2, 3, CVC_SOFTMAX_NEVER, &e)), "");
  EXPECT_NE(take(cvc_ensemble_average(e, avg)).find("no member"), std::string::npos);
  cvc_ensemble_free(e);
}
