//===- Kernels.h - pixel loops of the data library ---------------*- C++ -*-===//
//
// Kernels over C x H x W float images. The bilinear warps and resizes and
// the Gaussian blur run AVX-512 code (KernelsAvx512.cpp) when the CPU has
// it, otherwise the portable loops of namespace `portable`; the rest are
// plain loops over contiguous rows that g++ -O3 -march=native vectorises. None allocates per
// call once its thread's scratch has grown. The augmentation operations and
// the data set readers are built from these.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DATA_KERNELS_H
#define CVC_DATA_KERNELS_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cvc::data {

/// dst[i] = src[i] / 255.
void bytesToUnit(const uint8_t *src, size_t n, float *dst);
/// dst[i] = round(clamp(src[i], 0, 1) * 255).
void unitToBytes(const float *src, size_t n, uint8_t *dst);

void hflip(const float *src, int channels, int height, int width, float *dst);

/// A constant border of `px` pixels: dst is C x (H+2px) x (W+2px).
void pad(const float *src, int channels, int height, int width, int px, float fill, float *dst);

/// Copies the box [top, top+outH) x [left, left+outW) of the image padded by
/// `padding` pixels of `fill` on each side, without building the padded image.
void paddedCrop(const float *src, int channels, int height, int width, int padding, int top,
                int left, int outH, int outW, float fill, float *dst);

/// Crops [top, top+cropH) x [left, left+cropW) (inside the image) and resizes
/// it bilinearly to outH x outW as PyTorch's interpolate(align_corners=False).
void resizedCrop(const float *src, int channels, int height, int width, int top, int left,
                 int cropH, int cropW, int outH, int outW, float *dst);

/// Inverse affine map about the centre, torchvision's convention (see data.h).
void affineInverse(float angleDeg, float shearXDeg, float shearYDeg, float scale, float tx,
                   float ty, float inverse[6]);
/// Output pixel p samples the input at centre + inverse * (p - centre).
void affineWarp(const float *src, int channels, int height, int width, const float inverse[6],
                float fill, float *dst);
/// Output pixel (y, x) samples the input at (y + dy, x + dx); displacement is H x W x 2.
void displace(const float *src, int channels, int height, int width, const float *displacement,
              float fill, float *dst);
/// The same with the displacement as two H x W planes, multiplied by `scale`.
void displace(const float *src, int channels, int height, int width, const float *dx,
              const float *dy, float scale, float fill, float *dst);

/// The 2r + 1 normalised taps of a Gaussian of `sigma` pixels, r = max(1, ceil(3 sigma)).
std::vector<float> gaussianWeights(float sigma);
/// In place, separable Gaussian on an H x W plane (edges replicated).
void gaussianBlur(float *plane, int height, int width, const std::vector<float> &weights);
void gaussianBlur(float *plane, int height, int width, float sigma);

/// dst = scale[c] * src + offset[c] per channel, clamped to [0,1] when `clamp`.
void scaleOffset(const float *src, int channels, int height, int width, const float *scale,
                 const float *offset, bool clamp, float *dst);
/// Mean grey level (ITU-R 601 luma for 3 channels, the plane itself for 1).
float meanGrey(const float *src, int channels, int height, int width);

/// Symmetric 3x3 eigen-decomposition by Jacobi rotations: eigenvalues descending,
/// eigenvectors as rows.
void eigenSymmetric3(const double matrix[9], double eigenvalues[3], double eigenvectors[9]);

/// True when the warps, resizes and the blur run their AVX-512 code on this CPU.
bool usesAvx512Kernels();

/// The loops that run on CPUs without AVX-512 (exposed for the tests that
/// compare them with the AVX-512 code).
namespace portable {
void resizedCrop(const float *src, int channels, int height, int width, int top, int left,
                 int cropH, int cropW, int outH, int outW, float *dst);
void affineWarp(const float *src, int channels, int height, int width, const float inverse[6],
                float fill, float *dst);
void displace(const float *src, int channels, int height, int width, const float *dx,
              const float *dy, float scale, float fill, float *dst);
void gaussianBlur(float *plane, int height, int width, const std::vector<float> &weights);
} // namespace portable

} // namespace cvc::data

#endif // CVC_DATA_KERNELS_H
