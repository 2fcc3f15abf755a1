//===- Random.h - counter-based random numbers -------------------*- C++ -*-===//
//
// Every random choice of the loader and of augmentation derives from a key
// such as (seed, epoch, sample index) rather than from a stream shared by
// threads, so results never depend on thread count or timing. SplitMix64
// (Steele et al. 2014) both hashes keys and generates.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DATA_RANDOM_H
#define CVC_DATA_RANDOM_H

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace cvc::data {

/// SplitMix64's finaliser: a bijective 64-bit mix.
inline uint64_t mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class Random {
public:
  /// A generator for the key (a, b, c).
  Random(uint64_t a, uint64_t b = 0, uint64_t c = 0)
      : state(mix64(mix64(mix64(a) ^ (b + 0x9e3779b97f4a7c15ull)) ^ (c + 0x632be59bd9b4e019ull))) {}

  uint64_t next() { return mix64(state += 0x9e3779b97f4a7c15ull); }
  /// Uniform in [0, 1).
  float uniform() { return float(next() >> 40) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform in [0, n).
  uint64_t below(uint64_t n) { return uint64_t((unsigned __int128)next() * n >> 64); }
  /// out[i] uniform in [lo, hi), i < n: the same numbers as n calls of
  /// uniform(lo, hi), but the loop vectorises (each draw depends only on i).
  void fillUniform(float *out, size_t n, float lo, float hi) {
    uint64_t base = state;
    for (size_t i = 0; i < n; ++i)
      out[i] = lo + (hi - lo) * (float(mix64(base + (i + 1) * 0x9e3779b97f4a7c15ull) >> 40) *
                                 (1.0f / 16777216.0f));
    state = base + n * 0x9e3779b97f4a7c15ull;
  }
  /// Standard normal (Box-Muller).
  float normal() {
    float u = 1.0f - uniform(), v = uniform();
    return std::sqrt(-2.0f * std::log(u)) * std::cos(6.283185307f * v);
  }

private:
  uint64_t state;
};

} // namespace cvc::data

#endif // CVC_DATA_RANDOM_H
