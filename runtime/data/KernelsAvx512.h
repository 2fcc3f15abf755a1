//===- KernelsAvx512.h - AVX-512 variants of the costly kernels --*- C++ -*-===//
//
// Called by Kernels.cpp only when the CPU runs AVX-512 F, DQ, BW and VL
// (usesAvx512Kernels()). Each takes its
// scratch memory from the caller (sized by the *ScratchFloats functions), so
// that nothing is allocated per image.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DATA_KERNELSAVX512_H
#define CVC_DATA_KERNELSAVX512_H

namespace cvc::data::avx512 {

long warpScratchFloats(int channels, int height, int width);
/// As cvc::data::affineWarp.
void affineWarp(const float *src, int channels, int height, int width, const float inverse[6],
                float fill, float *dst, float *scratch);
/// Output pixel (y, x) samples the input at (y + scale * dy, x + scale * dx),
/// dx and dy H x W planes.
void displace(const float *src, int channels, int height, int width, const float *dx,
              const float *dy, float scale, float fill, float *dst, float *scratch);

/// PyTorch's linear-interpolation taps for each output index (as computed in Kernels.cpp).
struct LinearTapsView {
  const int *lower, *upper;
  const float *upperWeight;
};
long resizeScratchFloats(int cropW);
/// As cvc::data::resizedCrop, with the taps of the output rows and columns.
void resizedCrop(const float *src, int channels, int height, int width, int top, int left,
                 int cropW, int outH, int outW, const LinearTapsView &rows,
                 const LinearTapsView &cols, float *dst, float *scratch);

long blurScratchFloats(int height, int width, int radius);
/// In place, with the 2 * radius + 1 normalised taps `weights` (edges replicated).
void gaussianBlur(float *plane, int height, int width, const float *weights, int radius,
                  float *scratch);

} // namespace cvc::data::avx512

#endif // CVC_DATA_KERNELSAVX512_H
