//===- Winograd.h - matrices of Winograd's minimal filtering ----*- C++ -*-===//
//
// F(m, 3) computes m outputs of a 3-tap correlation from m + 2 inputs with
// m + 2 multiplications: y = Aᵀ [(G g) ⊙ (Bᵀ d)]. In two dimensions,
// Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A. The matrices follow from evaluating and
// interpolating polynomials at m + 1 finite points and infinity; they are
// built here in double, once, so that the weight transform (the Halide
// lowering of cv.winograd_weights, run when a session is created) and the
// input and output transforms (that of cv.conv2d_winograd) agree by
// construction.
//
//===----------------------------------------------------------------------===//
#ifndef CV_WINOGRAD_H
#define CV_WINOGRAD_H

#include <cstdint>
#include <vector>

namespace cvc::cv {

/// Output tiles from 2x2 to 6x6 (6 uses all of 0, ±1, ±1/2, ±2).
constexpr int64_t kMinWinogradTile = 2;
constexpr int64_t kMaxWinogradTile = 6;

/// Winograd's F(m, 3), row-major matrices.
struct WinogradTransform {
  int tile;               ///< m, outputs per tile and axis
  int size;               ///< m + 2, inputs per tile and axis
  std::vector<double> at; ///< Aᵀ, [m][m + 2]
  std::vector<double> g;  ///< G, [m + 2][3]
  std::vector<double> bt; ///< Bᵀ, [m + 2][m + 2]
};

/// The transform for tile m in [kMinWinogradTile, kMaxWinogradTile], at the
/// interpolation points 0, 1, -1, 1/2, -2, 2, -1/2 (the first m + 1 of them)
/// and infinity. For m = 4 these points gave a lower float32 error than
/// the common 0, ±1, ±2 (relative L2 about 1.7e-6 against 2.1e-6 on
/// 256-channel random tiles).
WinogradTransform winogradTransform(int64_t tile);

} // namespace cvc::cv

#endif // CV_WINOGRAD_H
