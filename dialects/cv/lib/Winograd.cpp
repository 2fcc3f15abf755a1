//===- Winograd.cpp - matrices of Winograd's minimal filtering -----------===//
//
// Correlation is the transpose of polynomial multiplication. With V_k the
// (m + 2) x k matrix evaluating a degree-(k - 1) polynomial at the points
// (its last row, infinity, picks the leading coefficient), linear
// convolution is V_{m+2}⁻¹ [(V_3 h) ⊙ (V_m x)], so correlation is
// V_mᵀ [(V_3 g) ⊙ (V_{m+2}⁻ᵀ d)]: Aᵀ = V_mᵀ, G = V_3, Bᵀ = V_{m+2}⁻ᵀ.
// Each row of Bᵀ is then scaled so that its smallest non-zero entry is ±1
// and the matching row of G divided alike, which keeps the run-time input
// transform to small coefficients and moves the rest into the weights.
//
//===----------------------------------------------------------------------===//
#include "cv/Winograd.h"

#include <cassert>
#include <cmath>
#include <utility>

namespace cvc::cv {
namespace {

constexpr double kPoints[] = {0.0, 1.0, -1.0, 0.5, -2.0, 2.0, -0.5};

/// Row j evaluates a polynomial with `columns` coefficients at point j (the
/// last row at infinity).
std::vector<double> evaluation(int rows, int columns) {
  std::vector<double> v(rows * columns, 0.0);
  for (int j = 0; j + 1 < rows; ++j)
    for (int k = 0; k < columns; ++k)
      v[j * columns + k] = std::pow(kPoints[j], k);
  v[(rows - 1) * columns + columns - 1] = 1.0;
  return v;
}

/// The inverse of an n x n matrix by Gauss-Jordan elimination with partial
/// pivoting (n <= 8 and well conditioned: distinct points).
std::vector<double> inverse(std::vector<double> a, int n) {
  std::vector<double> inv(n * n, 0.0);
  for (int i = 0; i < n; ++i)
    inv[i * n + i] = 1.0;
  for (int col = 0; col < n; ++col) {
    int pivot = col;
    for (int r = col + 1; r < n; ++r)
      if (std::abs(a[r * n + col]) > std::abs(a[pivot * n + col]))
        pivot = r;
    for (int k = 0; k < n; ++k) {
      std::swap(a[col * n + k], a[pivot * n + k]);
      std::swap(inv[col * n + k], inv[pivot * n + k]);
    }
    double p = a[col * n + col];
    assert(p != 0.0 && "distinct points give an invertible matrix");
    for (int k = 0; k < n; ++k) {
      a[col * n + k] /= p;
      inv[col * n + k] /= p;
    }
    for (int r = 0; r < n; ++r) {
      if (r == col || a[r * n + col] == 0.0)
        continue;
      double f = a[r * n + col];
      for (int k = 0; k < n; ++k) {
        a[r * n + k] -= f * a[col * n + k];
        inv[r * n + k] -= f * inv[col * n + k];
      }
    }
  }
  return inv;
}

} // namespace

WinogradTransform winogradTransform(int64_t tile) {
  assert(tile >= kMinWinogradTile && tile <= kMaxWinogradTile);
  WinogradTransform t;
  t.tile = static_cast<int>(tile);
  t.size = t.tile + 2;
  int n = t.size, m = t.tile;
  std::vector<double> vm = evaluation(n, m);
  t.at.assign(m * n, 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j)
      t.at[i * n + j] = vm[j * m + i];
  t.g = evaluation(n, 3);
  std::vector<double> vnInv = inverse(evaluation(n, n), n);
  t.bt.assign(n * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      t.bt[i * n + j] = vnInv[j * n + i];
  for (int i = 0; i < n; ++i) {
    double smallest = 0.0;
    for (int j = 0; j < n; ++j) {
      double &v = t.bt[i * n + j];
      if (std::abs(v) < 1e-12)
        v = 0.0; // exact zeros: the lowering skips them
      else if (smallest == 0.0 || std::abs(v) < smallest)
        smallest = std::abs(v);
    }
    for (int j = 0; j < n; ++j)
      t.bt[i * n + j] /= smallest;
    for (int k = 0; k < 3; ++k)
      t.g[i * 3 + k] *= smallest;
  }
  return t;
}

} // namespace cvc::cv
