//===- KernelsAvx512.cpp - AVX-512 bilinear sampling and Gaussian blur --===//
//
// The kernels that g++ does not vectorise well from plain loops, written
// with AVX-512 intrinsics. Kernels.cpp calls them only when the CPU has
// AVX-512 (F, DQ, BW, VL), checked at run time; otherwise it runs its
// portable loops, which compute the same values up to rounding
// (test/unit/data/KernelsTest.cpp compares the two).
//
// A resized crop blends its two source rows into one (contiguous), then
// picks each output's pair of columns from it: with permutes of 32 loaded
// columns when 16 outputs' taps lie within them (a crop resized up, or down
// by less than 2), else with gathers.
//
// Bilinear sampling for warps reads a copy of the image with a border of `fill`
// (1 pixel on the top and left, 2 on the bottom and right), so each output
// vector is: clamp the 16 source points to [-1, W] x [-1, H] (a point
// further out reads only fill either way), floor, four gathers per channel
// and three blends. No per-tap bounds tests or fill weights are needed, and
// the taps and weights are computed once for all channels.
//
// The Gaussian blur's horizontal pass runs row by row over a copy of the row
// padded with its edge values; its vertical pass is one flat loop over the
// whole plane (rows as short as 28 pixels would each end in a partial
// vector), reading the horizontal results with the edge rows repeated above
// and below. The taps are symmetric, so each pair costs one add and one FMA.
//
// Only intrinsics and raw loops here: no standard library templates, whose
// out-of-line copies compiled for AVX-512 could be picked by the linker for
// callers on other CPUs.
//
//===----------------------------------------------------------------------===//
#include "KernelsAvx512.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,fma")
#include <immintrin.h>

namespace cvc::data::avx512 {

namespace {

inline __mmask16 firstLanes(long n) {
  return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1u);
}

inline void fillRow(float *out, long n, __m512 value) {
  for (long i = 0; i < n; i += 16)
    _mm512_mask_storeu_ps(out + i, firstLanes(n - i), value);
}

inline void copyRow(const float *in, long n, float *out) {
  for (long i = 0; i < n; i += 16) {
    __mmask16 m = firstLanes(n - i);
    _mm512_mask_storeu_ps(out + i, m, _mm512_maskz_loadu_ps(m, in + i));
  }
}

/// The padded copy that bilinear sampling reads: channel c's row y is row
/// y + 1 of plane c, starting at column 1.
struct FilledBorder {
  const float *data;
  long stride, plane;
  int height, width;
};

FilledBorder fillBorder(const float *src, int channels, int height, int width, float fill,
                        float *scratch) {
  long stride = width + 3, rows = height + 3, plane = stride * rows;
  __m512 f = _mm512_set1_ps(fill);
  for (int c = 0; c < channels; ++c)
    for (long r = 0; r < rows; ++r) {
      float *out = scratch + c * plane + r * stride;
      if (r == 0 || r > height) {
        fillRow(out, stride, f);
        continue;
      }
      out[0] = fill;
      copyRow(src + (long(c) * height + r - 1) * width, width, out + 1);
      out[width + 1] = out[width + 2] = fill;
    }
  return {scratch, stride, plane, height, width};
}

inline int firstLane(__m512i v) { return _mm_cvtsi128_si32(_mm512_castsi512_si128(v)); }
inline int lastLane(__m512i v) { return _mm_extract_epi32(_mm512_extracti32x4_epi32(v, 3), 3); }

/// The most source rows (minus 2) that one vector's taps may span for the
/// row-window path below; beyond it, four gathers per channel are cheaper.
constexpr int kMaxRowSpan = 4;

/// Samples every channel at the 16 points (x, y) (source pixel coordinates)
/// and stores the lanes of `store` at out + c * outPlane. `monotone`: the
/// points' coordinates are monotone over the lanes (an affine map along a
/// row), so the first and last lanes bound them.
inline void sample16(const FilledBorder &image, int channels, __m512 x, __m512 y, float *out,
                     long outPlane, __mmask16 store, bool monotone) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-1.0f)), _mm512_set1_ps(float(image.width)));
  y = _mm512_min_ps(_mm512_max_ps(y, _mm512_set1_ps(-1.0f)), _mm512_set1_ps(float(image.height)));
  __m512 fx = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  __m512 fy = _mm512_roundscale_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  __m512 ax = _mm512_sub_ps(x, fx), ay = _mm512_sub_ps(y, fy);
  // Padded coordinates: floor + 1 >= 0, so truncation is exact.
  __m512 one = _mm512_set1_ps(1.0f);
  __m512i ix = _mm512_cvttps_epi32(_mm512_add_ps(fx, one));
  __m512i iy = _mm512_cvttps_epi32(_mm512_add_ps(fy, one));
  int xLow, xHigh, yLow, yHigh;
  if (monotone) {
    int x0 = firstLane(ix), x15 = lastLane(ix), y0 = firstLane(iy), y15 = lastLane(iy);
    xLow = x0 < x15 ? x0 : x15;
    xHigh = x0 < x15 ? x15 : x0;
    yLow = y0 < y15 ? y0 : y15;
    yHigh = y0 < y15 ? y15 : y0;
  } else {
    xLow = _mm512_reduce_min_epi32(ix);
    xHigh = _mm512_reduce_max_epi32(ix);
    yLow = _mm512_reduce_min_epi32(iy);
    yHigh = _mm512_reduce_max_epi32(iy);
  }
  if (xHigh - xLow <= 30 && yHigh - yLow <= kMaxRowSpan) {
    // Row windows instead of gathers: the taps lie in rows yLow..yHigh+1 and
    // columns xLow..xLow+31, so each row is two loads and two permutes, its
    // horizontal blend going to the lanes whose top (or bottom) tap row it is.
    // Loads may run up to 31 floats past a row (the scratch has the slack);
    // no lane selects those.
    __m512i left = _mm512_sub_epi32(ix, _mm512_set1_epi32(xLow));
    __m512i right = _mm512_add_epi32(left, _mm512_set1_epi32(1));
    int rows = yHigh - yLow + 2;
    __mmask16 topLanes[kMaxRowSpan + 2], bottomLanes[kMaxRowSpan + 2];
    for (int k = 0; k < rows; ++k) {
      topLanes[k] = _mm512_cmpeq_epi32_mask(iy, _mm512_set1_epi32(yLow + k));
      bottomLanes[k] = _mm512_cmpeq_epi32_mask(iy, _mm512_set1_epi32(yLow + k - 1));
    }
    for (int c = 0; c < channels; ++c) {
      const float *p = image.data + c * image.plane + long(yLow) * image.stride + xLow;
      __m512 top = _mm512_setzero_ps(), bottom = _mm512_setzero_ps();
      for (int k = 0; k < rows; ++k, p += image.stride) {
        __m512 low = _mm512_loadu_ps(p), high = _mm512_loadu_ps(p + 16);
        __m512 a = _mm512_permutex2var_ps(low, left, high);
        __m512 b = _mm512_permutex2var_ps(low, right, high);
        __m512 v = _mm512_fmadd_ps(ax, _mm512_sub_ps(b, a), a);
        top = _mm512_mask_mov_ps(top, topLanes[k], v);
        bottom = _mm512_mask_mov_ps(bottom, bottomLanes[k], v);
      }
      _mm512_mask_storeu_ps(out + c * outPlane, store,
                            _mm512_fmadd_ps(ay, _mm512_sub_ps(bottom, top), top));
    }
    return;
  }
  __m512i index =
      _mm512_add_epi32(_mm512_mullo_epi32(iy, _mm512_set1_epi32(int(image.stride))), ix);
  for (int c = 0; c < channels; ++c) {
    const float *p = image.data + c * image.plane;
    __m512 a = _mm512_i32gather_ps(index, p, 4);
    __m512 b = _mm512_i32gather_ps(index, p + 1, 4);
    __m512 d = _mm512_i32gather_ps(index, p + image.stride, 4);
    __m512 e = _mm512_i32gather_ps(index, p + image.stride + 1, 4);
    __m512 top = _mm512_fmadd_ps(ax, _mm512_sub_ps(b, a), a);
    __m512 bottom = _mm512_fmadd_ps(ax, _mm512_sub_ps(e, d), d);
    _mm512_mask_storeu_ps(out + c * outPlane, store,
                          _mm512_fmadd_ps(ay, _mm512_sub_ps(bottom, top), top));
  }
}

/// 0, 1, ..., 15 (a function: a namespace-scope constant would run AVX-512
/// code when the library loads).
inline __m512 lanes() {
  return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

} // namespace

long warpScratchFloats(int channels, int height, int width) {
  // The row windows of sample16 may read 31 floats past the last row.
  return long(channels) * (height + 3) * (width + 3) + 32;
}

void affineWarp(const float *src, int channels, int height, int width, const float inverse[6],
                float fill, float *dst, float *scratch) {
  FilledBorder image = fillBorder(src, channels, height, width, fill, scratch);
  const float cx = 0.5f * float(width - 1), cy = 0.5f * float(height - 1);
  const __m512 m0 = _mm512_set1_ps(inverse[0]), m3 = _mm512_set1_ps(inverse[3]);
  const long plane = long(height) * width;
  for (int y = 0; y < height; ++y) {
    float yc = float(y) - cy;
    // Source point of output (x, y): the row's origin plus x times the first column.
    __m512 rowX = _mm512_set1_ps(inverse[1] * yc + inverse[2] + cx);
    __m512 rowY = _mm512_set1_ps(inverse[4] * yc + inverse[5] + cy);
    for (int x = 0; x < width; x += 16) {
      __m512 xc = _mm512_add_ps(lanes(), _mm512_set1_ps(float(x) - cx));
      sample16(image, channels, _mm512_fmadd_ps(m0, xc, rowX), _mm512_fmadd_ps(m3, xc, rowY),
               dst + long(y) * width + x, plane, firstLanes(width - x), true);
    }
  }
}

void displace(const float *src, int channels, int height, int width, const float *dx,
              const float *dy, float scale, float fill, float *dst, float *scratch) {
  FilledBorder image = fillBorder(src, channels, height, width, fill, scratch);
  const __m512 s = _mm512_set1_ps(scale);
  const long plane = long(height) * width;
  for (int y = 0; y < height; ++y) {
    __m512 row = _mm512_set1_ps(float(y));
    for (int x = 0; x < width; x += 16) {
      long at = long(y) * width + x;
      __mmask16 m = firstLanes(width - x);
      __m512 px = _mm512_add_ps(lanes(), _mm512_set1_ps(float(x)));
      __m512 sx = _mm512_add_ps(px, _mm512_mul_ps(s, _mm512_maskz_loadu_ps(m, dx + at)));
      __m512 sy = _mm512_add_ps(row, _mm512_mul_ps(s, _mm512_maskz_loadu_ps(m, dy + at)));
      sample16(image, channels, sx, sy, dst + at, plane, m, false);
    }
  }
}

long resizeScratchFloats(int cropW) { return cropW + 32; }

void resizedCrop(const float *src, int channels, int height, int width, int top, int left,
                 int cropW, int outH, int outW, const LinearTapsView &rows,
                 const LinearTapsView &cols, float *dst, float *scratch) {
  float *blend = scratch;
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int c = 0; c < channels; ++c) {
    const float *plane = src + (long(c) * height + top) * width + left;
    for (int y = 0; y < outH; ++y) {
      const float *in0 = plane + long(rows.lower[y]) * width;
      const float *in1 = plane + long(rows.upper[y]) * width;
      __m512 wy = _mm512_set1_ps(rows.upperWeight[y]), wy0 = _mm512_sub_ps(one, wy);
      for (int x = 0; x < cropW; x += 16) {
        __mmask16 m = firstLanes(cropW - x);
        __m512 v = _mm512_mul_ps(wy0, _mm512_maskz_loadu_ps(m, in0 + x));
        _mm512_mask_storeu_ps(blend + x, m,
                              _mm512_fmadd_ps(wy, _mm512_maskz_loadu_ps(m, in1 + x), v));
      }
      float *out = dst + (long(c) * outH + y) * outW;
      for (int x = 0; x < outW; x += 16) {
        __mmask16 m = firstLanes(outW - x);
        int last = x + 15 < outW ? x + 15 : outW - 1;
        __m512i lower = _mm512_maskz_loadu_epi32(m, cols.lower + x);
        __m512i upper = _mm512_maskz_loadu_epi32(m, cols.upper + x);
        __m512 wx = _mm512_maskz_loadu_ps(m, cols.upperWeight + x);
        __m512 a, b;
        int base = cols.lower[x];
        if (cols.upper[last] - base <= 31) {
          // The taps of these 16 outputs lie in 32 consecutive columns (a
          // crop resized up, or down by less than 2): permutes, no gathers.
          // The loads may run 31 floats past the row; the scratch has room.
          __m512i shift = _mm512_set1_epi32(base);
          __m512 low = _mm512_loadu_ps(blend + base), high = _mm512_loadu_ps(blend + base + 16);
          a = _mm512_permutex2var_ps(low, _mm512_sub_epi32(lower, shift), high);
          b = _mm512_permutex2var_ps(low, _mm512_sub_epi32(upper, shift), high);
        } else {
          a = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, lower, blend, 4);
          b = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, upper, blend, 4);
        }
        _mm512_mask_storeu_ps(out + x, m,
                              _mm512_fmadd_ps(wx, b, _mm512_mul_ps(_mm512_sub_ps(one, wx), a)));
      }
    }
  }
}

long blurScratchFloats(int height, int width, int radius) {
  return width + 2 * long(radius) + long(height + 2 * radius) * width;
}

namespace {

/// out[i] = w[r] in[i + r*step] + sum_{k<r} w[k] (in[i + k*step] + in[i + (2r-k)*step]), i < n.
/// Four vectors at a time where the run allows (12% faster on 224x224
/// planes, measured): each output's sum is a chain of dependent FMAs, and
/// four independent chains overlap their latencies.
void symmetricTaps(const float *in, long n, long step, const float *weights, int radius,
                   float *out) {
  const __m512 centre = _mm512_set1_ps(weights[radius]);
  long i = 0;
  for (; i + 64 <= n; i += 64) {
    const float *p = in + i;
    __m512 acc[4];
    for (int v = 0; v < 4; ++v)
      acc[v] = _mm512_mul_ps(centre, _mm512_loadu_ps(p + radius * step + 16 * v));
    for (int k = 0; k < radius; ++k) {
      const float *low = p + k * step, *high = p + (2 * radius - k) * step;
      __m512 w = _mm512_set1_ps(weights[k]);
      for (int v = 0; v < 4; ++v)
        acc[v] = _mm512_fmadd_ps(
            w, _mm512_add_ps(_mm512_loadu_ps(low + 16 * v), _mm512_loadu_ps(high + 16 * v)),
            acc[v]);
    }
    for (int v = 0; v < 4; ++v)
      _mm512_storeu_ps(out + i + 16 * v, acc[v]);
  }
  for (; i < n; i += 16) {
    __mmask16 m = firstLanes(n - i);
    const float *p = in + i;
    __m512 acc = _mm512_mul_ps(centre, _mm512_maskz_loadu_ps(m, p + radius * step));
    for (int k = 0; k < radius; ++k) {
      __m512 pair = _mm512_add_ps(_mm512_maskz_loadu_ps(m, p + k * step),
                                  _mm512_maskz_loadu_ps(m, p + (2 * radius - k) * step));
      acc = _mm512_fmadd_ps(_mm512_set1_ps(weights[k]), pair, acc);
    }
    _mm512_mask_storeu_ps(out + i, m, acc);
  }
}

} // namespace

void gaussianBlur(float *plane, int height, int width, const float *weights, int radius,
                  float *scratch) {
  const long r = radius;
  float *row = scratch, *columns = row + width + 2 * r;
  // Horizontal: each row padded with its edge values, its result stored
  // between r copies of the first and of the last result row, which the
  // vertical pass then reads as one flat plane.
  for (long y = 0; y < height; ++y) {
    const float *in = plane + y * width;
    fillRow(row, r, _mm512_set1_ps(in[0]));
    copyRow(in, width, row + r);
    fillRow(row + r + width, r, _mm512_set1_ps(in[width - 1]));
    symmetricTaps(row, width, 1, weights, radius, columns + (y + r) * width);
  }
  for (long k = 0; k < r; ++k) {
    copyRow(columns + r * width, width, columns + k * width);
    copyRow(columns + (r + height - 1) * width, width, columns + (r + height + k) * width);
  }
  symmetricTaps(columns, long(height) * width, width, weights, radius, plane);
}

} // namespace cvc::data::avx512

#pragma GCC pop_options
