//===- DataTestUtil.h - helpers shared by the data library tests -*- C++ -*-===//
#ifndef CVC_TEST_DATATESTUTIL_H
#define CVC_TEST_DATATESTUTIL_H

#include "cvc/data.h"

#include "../ScratchDir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>
#include <unistd.h>

namespace cvc::test {

/// The message of `status` ("" for success), freeing it.
inline std::string take(cvc_status status) {
  std::string m = status ? cvc_status_message(status) : "";
  cvc_status_free(status);
  return m;
}

/// A fresh folder for this test process.
inline std::filesystem::path scratchDir(const std::string &name) {
  static ScratchDir root("cvc-data-test");
  auto dir = root.path() / name;
  std::filesystem::create_directories(dir);
  return dir;
}

inline const char *kFashionTrain = "fashion-mnist:train";

/// n values drawn uniformly from [lo, hi), reproducible from `seed`.
inline std::vector<float> uniform(size_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = u(rng);
  return v;
}

inline float maxAbsDiff(const std::vector<float> &a, const std::vector<float> &b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

} // namespace cvc::test

#endif // CVC_TEST_DATATESTUTIL_H
