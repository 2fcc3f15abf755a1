//===- Ensemble.cpp - averaging class probabilities over models and crops ===//
//
// Each member's scores become probabilities row by row (a softmax unless the
// row already is a distribution, see cvc_ensemble_softmax), the crops of one
// image are averaged, and members count equally: the result is the mean over
// members of the mean over crops.
//
//===----------------------------------------------------------------------===//
#include "Readers.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using cvc::data::invalid;

struct cvc_ensemble_s {
  size_t images, classes;
  cvc_ensemble_softmax softmax;
  size_t members = 0;
  std::vector<double> sum; ///< images x classes, of per-member crop means
};

namespace {

bool isDistribution(const float *row, size_t n) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!(row[i] >= 0.0f && row[i] <= 1.0f))
      return false;
    total += row[i];
  }
  return std::abs(total - 1.0) <= 1e-3;
}

/// Adds the probabilities of `row` times `weight` to `out`.
void accumulate(const float *row, size_t n, bool applySoftmax, double weight, double *out) {
  if (!applySoftmax) {
    for (size_t i = 0; i < n; ++i)
      out[i] += weight * row[i];
    return;
  }
  float top = *std::max_element(row, row + n); // subtracted for overflow safety
  double total = 0;
  for (size_t i = 0; i < n; ++i)
    total += std::exp(double(row[i]) - top);
  for (size_t i = 0; i < n; ++i)
    out[i] += weight * std::exp(double(row[i]) - top) / total;
}

} // namespace

extern "C" {

cvc_status cvc_crops_standard(int32_t height, int32_t width, int32_t crop_h, int32_t crop_w,
                              size_t count, cvc_crop *out_crops) {
  if (!out_crops)
    return invalid("cvc_crops_standard: null argument");
  if (crop_h < 1 || crop_w < 1 || crop_h > height || crop_w > width)
    return invalid("crops of " + std::to_string(crop_h) + "x" + std::to_string(crop_w) +
                   " do not fit in a " + std::to_string(height) + "x" + std::to_string(width) +
                   " image");
  if (count != 1 && count != 5 && count != 10)
    return invalid("standard crop sets have 1, 5 or 10 crops, not " + std::to_string(count));
  int32_t bottom = height - crop_h, right = width - crop_w;
  cvc_crop centre{bottom / 2, right / 2, 0};
  cvc_crop five[5] = {{0, 0, 0}, {0, right, 0}, {bottom, 0, 0}, {bottom, right, 0}, centre};
  if (count == 1) {
    out_crops[0] = centre;
    return nullptr;
  }
  for (size_t i = 0; i < count; ++i) {
    out_crops[i] = five[i % 5];
    out_crops[i].mirror = i >= 5;
  }
  return nullptr;
}

cvc_status cvc_crops_extract(const float *images, size_t image_count, int32_t channels,
                             int32_t height, int32_t width, const cvc_crop *crops,
                             size_t crop_count, int32_t crop_h, int32_t crop_w, float *dst) {
  if ((image_count && !images) || (crop_count && !crops) || !dst)
    return invalid("cvc_crops_extract: null argument");
  for (size_t k = 0; k < crop_count; ++k)
    if (crops[k].top < 0 || crops[k].left < 0 || crops[k].top + crop_h > height ||
        crops[k].left + crop_w > width)
      return invalid("crop " + std::to_string(k) + " at (" + std::to_string(crops[k].top) + ", " +
                     std::to_string(crops[k].left) + ") of " + std::to_string(crop_h) + "x" +
                     std::to_string(crop_w) + " leaves the " + std::to_string(height) + "x" +
                     std::to_string(width) + " image");
  size_t inPlane = size_t(height) * width, outPlane = size_t(crop_h) * crop_w;
  for (size_t i = 0; i < image_count; ++i)
    for (size_t k = 0; k < crop_count; ++k)
      for (int32_t c = 0; c < channels; ++c) {
        const float *in = images + (i * channels + c) * inPlane +
                          size_t(crops[k].top) * width + crops[k].left;
        float *out = dst + ((i * crop_count + k) * channels + c) * outPlane;
        for (int32_t y = 0; y < crop_h; ++y) {
          const float *row = in + size_t(y) * width;
          float *o = out + size_t(y) * crop_w;
          if (crops[k].mirror)
            for (int32_t x = 0; x < crop_w; ++x)
              o[x] = row[crop_w - 1 - x];
          else
            std::copy(row, row + crop_w, o);
        }
      }
  return nullptr;
}

cvc_status cvc_ensemble_create(size_t image_count, size_t class_count, cvc_ensemble_softmax softmax,
                               cvc_ensemble **out_ensemble) {
  if (!out_ensemble || !image_count || !class_count)
    return invalid("cvc_ensemble_create: needs at least one image and one class");
  // Read as the integer a C host passed: a value outside the enum's would be
  // undefined behaviour to load as the C++ enum.
  int32_t mode;
  static_assert(sizeof(softmax) == sizeof(mode), "cvc_ensemble_softmax is an int");
  std::memcpy(&mode, &softmax, sizeof(mode));
  if (mode != CVC_SOFTMAX_AUTO && mode != CVC_SOFTMAX_ALWAYS && mode != CVC_SOFTMAX_NEVER)
    return invalid("cvc_ensemble_create: unknown softmax mode " + std::to_string(mode));
  *out_ensemble = new cvc_ensemble_s{image_count, class_count, softmax, 0,
                                     std::vector<double>(image_count * class_count, 0.0)};
  return nullptr;
}

void cvc_ensemble_free(cvc_ensemble *ensemble) { delete ensemble; }

cvc_status cvc_ensemble_add(cvc_ensemble *e, const float *scores, size_t crops_per_image) {
  if (!e || !scores || !crops_per_image)
    return invalid("cvc_ensemble_add: null scores or no crops");
  size_t rows = e->images * crops_per_image, n = e->classes;
  bool applySoftmax = e->softmax == CVC_SOFTMAX_ALWAYS;
  if (e->softmax == CVC_SOFTMAX_AUTO) {
    applySoftmax = false;
    for (size_t r = 0; r < rows && !applySoftmax; ++r)
      applySoftmax = !isDistribution(scores + r * n, n);
  }
  for (size_t r = 0; r < rows; ++r)
    accumulate(scores + r * n, n, applySoftmax, 1.0 / double(crops_per_image),
               e->sum.data() + (r / crops_per_image) * n);
  ++e->members;
  return nullptr;
}

cvc_status cvc_ensemble_average(const cvc_ensemble *e, float *out_probabilities) {
  if (!e || !out_probabilities)
    return invalid("cvc_ensemble_average: null argument");
  if (!e->members)
    return invalid("cvc_ensemble_average: no member outputs were added");
  for (size_t i = 0; i < e->sum.size(); ++i)
    out_probabilities[i] = float(e->sum[i] / double(e->members));
  return nullptr;
}

} // extern "C"
