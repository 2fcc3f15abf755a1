//===- Kernels.cpp - pixel loops of the data library --------------------===//
//
// Every inner loop runs over a contiguous row with no call and no branch per
// pixel, so that g++ -O3 -march=native vectorises it (checked with
// -fopt-info-vec). The bilinear warps and resizes and the Gaussian blur,
// where g++'s code stays far from the memory system's speed, run
// KernelsAvx512.cpp on CPUs that have it. Bilinear sampling follows PyTorch (align_corners=false):
// pixel centres at integer coordinates, and for the warps each of the four
// taps outside the image reads `fill` (torchvision's grid_sample with zero
// padding when fill is 0). Scratch memory is per thread and only grows.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"
#include "KernelsAvx512.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace cvc::data {

namespace {

const bool kAvx512 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}();

/// At least n floats of `buffer`, a thread_local of the caller.
float *scratch(std::vector<float> &buffer, size_t n) {
  if (buffer.size() < n)
    buffer.resize(n);
  return buffer.data();
}

} // namespace

bool usesAvx512Kernels() { return kAvx512; }

void bytesToUnit(const uint8_t *src, size_t n, float *dst) {
  for (size_t i = 0; i < n; ++i)
    dst[i] = float(src[i]) / 255.0f; // a division, as torchvision's ToTensor
}

void unitToBytes(const float *src, size_t n, uint8_t *dst) {
  for (size_t i = 0; i < n; ++i)
    dst[i] = uint8_t(std::min(std::max(src[i], 0.0f), 1.0f) * 255.0f + 0.5f);
}

void hflip(const float *src, int channels, int height, int width, float *dst) {
  for (int r = 0; r < channels * height; ++r) {
    const float *in = src + size_t(r) * width;
    float *out = dst + size_t(r) * width;
    for (int x = 0; x < width; ++x)
      out[x] = in[width - 1 - x];
  }
}

void pad(const float *src, int channels, int height, int width, int px, float fill, float *dst) {
  int outW = width + 2 * px, outH = height + 2 * px;
  std::fill(dst, dst + size_t(channels) * outH * outW, fill);
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < height; ++y)
      std::memcpy(dst + (size_t(c) * outH + y + px) * outW + px,
                  src + (size_t(c) * height + y) * width, sizeof(float) * width);
}

void paddedCrop(const float *src, int channels, int height, int width, int padding, int top,
                int left, int outH, int outW, float fill, float *dst) {
  // Output column x reads source column x + x0; those in [0, width) exist.
  int x0 = left - padding;
  int first = std::clamp(-x0, 0, outW), last = std::clamp(width - x0, first, outW);
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < outH; ++y) {
      float *out = dst + (size_t(c) * outH + y) * outW;
      int sy = top - padding + y;
      if (sy < 0 || sy >= height) {
        std::fill(out, out + outW, fill);
        continue;
      }
      std::fill(out, out + first, fill);
      std::memcpy(out + first, src + (size_t(c) * height + sy) * width + x0 + first,
                  sizeof(float) * (last - first));
      std::fill(out + last, out + outW, fill);
    }
}

namespace {

/// PyTorch's source index for linear interpolation (align_corners=false):
/// the lower tap, the upper tap (equal at the last pixel) and the upper weight.
struct LinearTaps {
  std::vector<int> lower, upper;
  std::vector<float> upperWeight;

  void assign(int inSize, int outSize) {
    lower.resize(outSize);
    upper.resize(outSize);
    upperWeight.resize(outSize);
    float scale = float(inSize) / float(outSize);
    for (int o = 0; o < outSize; ++o) {
      float s = std::max(scale * (o + 0.5f) - 0.5f, 0.0f);
      int i = std::min(int(s), inSize - 1);
      lower[o] = i;
      upper[o] = i + (i < inSize - 1 ? 1 : 0);
      upperWeight[o] = s - float(i);
    }
  }
};

} // namespace

namespace portable {

void resizedCrop(const float *src, int channels, int height, int width, int top, int left,
                 int cropH, int cropW, int outH, int outW, float *dst) {
  thread_local LinearTaps rows, cols;
  thread_local std::vector<float> blendBuffer;
  rows.assign(cropH, outH);
  cols.assign(cropW, outW);
  float *__restrict blend = scratch(blendBuffer, cropW);
  const int *__restrict x0 = cols.lower.data(), *__restrict x1 = cols.upper.data();
  const float *__restrict wx = cols.upperWeight.data();
  for (int c = 0; c < channels; ++c) {
    const float *plane = src + (size_t(c) * height + top) * width + left;
    for (int y = 0; y < outH; ++y) {
      const float *__restrict in0 = plane + size_t(rows.lower[y]) * width;
      const float *__restrict in1 = plane + size_t(rows.upper[y]) * width;
      // The two source rows blended first (contiguous), then one pair of
      // gathers per output pixel: a crop resized up has fewer source columns
      // than output ones.
      float wy = rows.upperWeight[y];
      for (int x = 0; x < cropW; ++x)
        blend[x] = (1.0f - wy) * in0[x] + wy * in1[x];
      float *__restrict out = dst + (size_t(c) * outH + y) * outW;
      for (int x = 0; x < outW; ++x)
        out[x] = (1.0f - wx[x]) * blend[x0[x]] + wx[x] * blend[x1[x]];
    }
  }
}

} // namespace portable

void resizedCrop(const float *src, int channels, int height, int width, int top, int left,
                 int cropH, int cropW, int outH, int outW, float *dst) {
  if (!kAvx512)
    return portable::resizedCrop(src, channels, height, width, top, left, cropH, cropW, outH,
                                 outW, dst);
  thread_local LinearTaps rows, cols;
  thread_local std::vector<float> buffer;
  rows.assign(cropH, outH);
  cols.assign(cropW, outW);
  avx512::resizedCrop(src, channels, height, width, top, left, cropW, outH, outW,
                      {rows.lower.data(), rows.upper.data(), rows.upperWeight.data()},
                      {cols.lower.data(), cols.upper.data(), cols.upperWeight.data()}, dst,
                      scratch(buffer, avx512::resizeScratchFloats(cropW)));
}

namespace {

/// The four taps (clamped indices into an H x W plane) and their weights for
/// sampling at (sx[i], sy[i]), i < width; a tap outside the image gets weight
/// 0 and its share goes to `wf`, the weight of the fill value. A free function
/// with restrict parameters and branch-free bounds tests (one unsigned compare
/// each), so that g++ vectorises the loop.
void bilinearTaps(const float *__restrict sx, const float *__restrict sy, int width, int height,
                  int *__restrict a, int *__restrict b, int *__restrict c, int *__restrict d,
                  float *__restrict wa, float *__restrict wb, float *__restrict wc,
                  float *__restrict wd, float *__restrict wf) {
  const float maxX = float(width) + 1.0f, maxY = float(height) + 1.0f;
  const unsigned w = unsigned(width), h = unsigned(height);
  for (int i = 0; i < width; ++i) {
    // Clamping far-away points keeps the integer conversion defined; they
    // stay outside, so every tap weight is zero.
    float x = std::min(std::max(sx[i], -2.0f), maxX);
    float y = std::min(std::max(sy[i], -2.0f), maxY);
    // floor by truncation of a non-negative value: floorf would not vectorise
    // (it may raise floating-point exceptions, so g++ keeps the call).
    int x0 = int(x + 2.0f) - 2, y0 = int(y + 2.0f) - 2;
    float ax = x - float(x0), ay = y - float(y0);
    float inX0 = float(unsigned(x0) < w), inX1 = float(unsigned(x0 + 1) < w);
    float inY0 = float(unsigned(y0) < h), inY1 = float(unsigned(y0 + 1) < h);
    int cx0 = std::min(std::max(x0, 0), width - 1), cx1 = std::min(std::max(x0 + 1, 0), width - 1);
    int cy0 = std::min(std::max(y0, 0), height - 1), cy1 = std::min(std::max(y0 + 1, 0), height - 1);
    a[i] = cy0 * width + cx0;
    b[i] = cy0 * width + cx1;
    c[i] = cy1 * width + cx0;
    d[i] = cy1 * width + cx1;
    float w00 = (1.0f - ax) * (1.0f - ay) * inX0 * inY0, w01 = ax * (1.0f - ay) * inX1 * inY0;
    float w10 = (1.0f - ax) * ay * inX0 * inY1, w11 = ax * ay * inX1 * inY1;
    wa[i] = w00;
    wb[i] = w01;
    wc[i] = w10;
    wd[i] = w11;
    wf[i] = 1.0f - (w00 + w01 + w10 + w11);
  }
}

/// Bilinear sampling of one output row at arbitrary source points: the taps
/// and weights are computed once per row, then reused for every channel.
class RowSampler {
public:
  void reset(int heightIn, int widthIn) {
    height = heightIn;
    width = widthIn;
    for (auto *v : {&i00, &i01, &i10, &i11})
      v->resize(width);
    for (auto *v : {&w00, &w01, &w10, &w11, &wFill})
      v->resize(width);
  }

  /// Prepares the taps of the points (sx[i], sy[i]), i < width.
  void setPoints(const float *sx, const float *sy) {
    bilinearTaps(sx, sy, width, height, i00.data(), i01.data(), i10.data(), i11.data(),
                 w00.data(), w01.data(), w10.data(), w11.data(), wFill.data());
  }

  /// Samples `plane` (H x W) at the prepared points into `out`.
  void sample(const float *__restrict plane, float fill, float *__restrict out) const {
    // Without restrict g++ cannot version the gathers for aliasing and leaves the loop scalar.
    const int *__restrict a = i00.data(), *__restrict b = i01.data(), *__restrict c = i10.data(),
                          *__restrict d = i11.data();
    const float *__restrict wa = w00.data(), *__restrict wb = w01.data(),
                            *__restrict wc = w10.data(), *__restrict wd = w11.data(),
                            *__restrict wf = wFill.data();
    for (int i = 0; i < width; ++i)
      out[i] = wa[i] * plane[a[i]] + wb[i] * plane[b[i]] + wc[i] * plane[c[i]] +
               wd[i] * plane[d[i]] + wf[i] * fill;
  }

private:
  int height = 0, width = 0;
  std::vector<int> i00, i01, i10, i11;
  std::vector<float> w00, w01, w10, w11, wFill;
};

} // namespace

void affineInverse(float angleDeg, float shearXDeg, float shearYDeg, float scale, float tx,
                   float ty, float inverse[6]) {
  // torchvision's _get_inverse_affine_matrix with the centre at the origin.
  const double radians = M_PI / 180.0;
  double rot = angleDeg * radians, sx = shearXDeg * radians, sy = shearYDeg * radians;
  double a = std::cos(rot - sy) / std::cos(sy);
  double b = -std::cos(rot - sy) * std::tan(sx) / std::cos(sy) - std::sin(rot);
  double c = std::sin(rot - sy) / std::cos(sy);
  double d = -std::sin(rot - sy) * std::tan(sx) / std::cos(sy) + std::cos(rot);
  double m[6] = {d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0};
  m[2] += m[0] * -tx + m[1] * -ty;
  m[5] += m[3] * -tx + m[4] * -ty;
  for (int i = 0; i < 6; ++i)
    inverse[i] = float(m[i]);
}

namespace portable {

void affineWarp(const float *src, int channels, int height, int width, const float inverse[6],
                float fill, float *dst) {
  thread_local RowSampler sampler;
  thread_local std::vector<float> points;
  sampler.reset(height, width);
  float *sx = scratch(points, 2 * size_t(width)), *sy = sx + width;
  const float cx = 0.5f * float(width - 1), cy = 0.5f * float(height - 1);
  for (int y = 0; y < height; ++y) {
    float yc = float(y) - cy;
    for (int x = 0; x < width; ++x) {
      float xc = float(x) - cx;
      sx[x] = inverse[0] * xc + inverse[1] * yc + inverse[2] + cx;
      sy[x] = inverse[3] * xc + inverse[4] * yc + inverse[5] + cy;
    }
    sampler.setPoints(sx, sy);
    for (int c = 0; c < channels; ++c)
      sampler.sample(src + size_t(c) * height * width, fill,
                     dst + (size_t(c) * height + y) * width);
  }
}

void displace(const float *src, int channels, int height, int width, const float *dx,
              const float *dy, float scale, float fill, float *dst) {
  thread_local RowSampler sampler;
  thread_local std::vector<float> points;
  sampler.reset(height, width);
  float *sx = scratch(points, 2 * size_t(width)), *sy = sx + width;
  for (int y = 0; y < height; ++y) {
    const float *rowX = dx + size_t(y) * width, *rowY = dy + size_t(y) * width;
    for (int x = 0; x < width; ++x) {
      sx[x] = float(x) + scale * rowX[x];
      sy[x] = float(y) + scale * rowY[x];
    }
    sampler.setPoints(sx, sy);
    for (int c = 0; c < channels; ++c)
      sampler.sample(src + size_t(c) * height * width, fill,
                     dst + (size_t(c) * height + y) * width);
  }
}

void gaussianBlur(float *plane, int height, int width, const std::vector<float> &weights) {
  thread_local std::vector<float> paddedBuffer, copyBuffer;
  int radius = int(weights.size() / 2);
  // Horizontal: each row padded with its edge values, then one pass per tap.
  float *padded = scratch(paddedBuffer, width + 2 * radius);
  for (int y = 0; y < height; ++y) {
    float *row = plane + size_t(y) * width;
    std::fill(padded, padded + radius, row[0]);
    std::copy(row, row + width, padded + radius);
    std::fill(padded + radius + width, padded + width + 2 * radius, row[width - 1]);
    std::fill(row, row + width, 0.0f);
    for (int k = 0; k <= 2 * radius; ++k) {
      const float *in = padded + k;
      float w = weights[k];
      for (int x = 0; x < width; ++x)
        row[x] += w * in[x];
    }
  }
  // Vertical: whole rows at a time, edges replicated.
  float *copy = scratch(copyBuffer, size_t(height) * width);
  std::copy(plane, plane + size_t(height) * width, copy);
  for (int y = 0; y < height; ++y) {
    float *out = plane + size_t(y) * width;
    std::fill(out, out + width, 0.0f);
    for (int k = -radius; k <= radius; ++k) {
      const float *in = copy + size_t(std::min(std::max(y + k, 0), height - 1)) * width;
      float w = weights[k + radius];
      for (int x = 0; x < width; ++x)
        out[x] += w * in[x];
    }
  }
}

} // namespace portable

void affineWarp(const float *src, int channels, int height, int width, const float inverse[6],
                float fill, float *dst) {
  if (!kAvx512)
    return portable::affineWarp(src, channels, height, width, inverse, fill, dst);
  thread_local std::vector<float> buffer;
  avx512::affineWarp(src, channels, height, width, inverse, fill, dst,
                     scratch(buffer, avx512::warpScratchFloats(channels, height, width)));
}

void displace(const float *src, int channels, int height, int width, const float *dx,
              const float *dy, float scale, float fill, float *dst) {
  if (!kAvx512)
    return portable::displace(src, channels, height, width, dx, dy, scale, fill, dst);
  thread_local std::vector<float> buffer;
  avx512::displace(src, channels, height, width, dx, dy, scale, fill, dst,
                   scratch(buffer, avx512::warpScratchFloats(channels, height, width)));
}

void displace(const float *src, int channels, int height, int width, const float *displacement,
              float fill, float *dst) {
  thread_local std::vector<float> planes;
  size_t plane = size_t(height) * width;
  float *dx = scratch(planes, 2 * plane), *dy = dx + plane;
  for (size_t i = 0; i < plane; ++i) {
    dx[i] = displacement[2 * i];
    dy[i] = displacement[2 * i + 1];
  }
  displace(src, channels, height, width, dx, dy, 1.0f, fill, dst);
}

std::vector<float> gaussianWeights(float sigma) {
  int radius = std::max(1, int(std::ceil(3.0f * sigma)));
  std::vector<float> weights(2 * radius + 1);
  float total = 0;
  for (int k = -radius; k <= radius; ++k)
    total += weights[k + radius] = std::exp(-0.5f * float(k * k) / (sigma * sigma));
  for (float &w : weights)
    w /= total;
  return weights;
}

void gaussianBlur(float *plane, int height, int width, const std::vector<float> &weights) {
  if (!kAvx512)
    return portable::gaussianBlur(plane, height, width, weights);
  thread_local std::vector<float> buffer;
  int radius = int(weights.size() / 2);
  avx512::gaussianBlur(plane, height, width, weights.data(), radius,
                       scratch(buffer, avx512::blurScratchFloats(height, width, radius)));
}

void gaussianBlur(float *plane, int height, int width, float sigma) {
  gaussianBlur(plane, height, width, gaussianWeights(sigma));
}

void scaleOffset(const float *src, int channels, int height, int width, const float *scale,
                 const float *offset, bool clamp, float *dst) {
  size_t plane = size_t(height) * width;
  for (int c = 0; c < channels; ++c) {
    const float *in = src + c * plane;
    float *out = dst + c * plane;
    float s = scale[c], o = offset[c];
    if (clamp)
      for (size_t i = 0; i < plane; ++i)
        out[i] = std::min(std::max(s * in[i] + o, 0.0f), 1.0f);
    else
      for (size_t i = 0; i < plane; ++i)
        out[i] = s * in[i] + o;
  }
}

namespace {

/// The sum of term(i), i < n: float partial sums in 16 lanes over blocks of
/// 1024 terms, added up in double. One double accumulator would be a serial
/// chain of adds (g++ does not reorder floating-point sums); the blocks keep
/// the float partials short enough to stay accurate.
template <class Term> double blockedSum(size_t n, Term term) {
  double total = 0;
  for (size_t begin = 0; begin < n; begin += 1024) {
    size_t end = std::min(n, begin + 1024), i = begin;
    float lanes[16] = {};
    for (; i + 16 <= end; i += 16)
      for (size_t j = 0; j < 16; ++j)
        lanes[j] += term(i + j);
    double block = 0;
    for (; i < end; ++i)
      block += term(i);
    for (float lane : lanes)
      block += lane;
    total += block;
  }
  return total;
}

} // namespace

float meanGrey(const float *src, int channels, int height, int width) {
  size_t plane = size_t(height) * width;
  double sum;
  if (channels == 3) {
    // torchvision's rgb_to_grayscale weights.
    const float *r = src, *g = src + plane, *b = src + 2 * plane;
    sum = blockedSum(plane,
                     [&](size_t i) { return 0.2989f * r[i] + 0.587f * g[i] + 0.114f * b[i]; });
  } else {
    sum = blockedSum(plane * channels, [&](size_t i) { return src[i]; }) / channels;
  }
  return float(sum / double(plane));
}

void eigenSymmetric3(const double matrix[9], double eigenvalues[3], double eigenvectors[9]) {
  double a[3][3], v[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      a[i][j] = 0.5 * (matrix[3 * i + j] + matrix[3 * j + i]);
  // Cyclic Jacobi: each rotation zeroes one off-diagonal pair; a 3x3 matrix
  // converges to double precision within a handful of sweeps.
  for (int sweep = 0; sweep < 50; ++sweep) {
    double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    if (off < 1e-30)
      break;
    for (int p = 0; p < 2; ++p)
      for (int q = p + 1; q < 3; ++q) {
        if (std::abs(a[p][q]) < 1e-300)
          continue;
        double theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int k = 0; k < 3; ++k) { // A <- A J
          double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; ++k) { // A <- J^T A
          double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 3; ++k) { // V <- V J: columns are eigenvectors
          double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  int order[3] = {0, 1, 2};
  std::sort(order, order + 3, [&](int x, int y) { return a[x][x] > a[y][y]; });
  for (int i = 0; i < 3; ++i) {
    int j = order[i];
    eigenvalues[i] = a[j][j];
    // A fixed sign (largest component positive) makes the result reproducible.
    int big = 0;
    for (int k = 1; k < 3; ++k)
      if (std::abs(v[k][j]) > std::abs(v[big][j]))
        big = k;
    double sign = v[big][j] < 0 ? -1.0 : 1.0;
    for (int k = 0; k < 3; ++k)
      eigenvectors[3 * i + k] = sign * v[k][j];
  }
}

} // namespace cvc::data
