//===- Tensor.cpp - a float32 tensor in host memory ---------------------===//
#include "cvc/tensorio/Tensor.h"

namespace cvc::tensorio {

std::optional<int64_t> elementCount(const std::vector<int64_t> &shape, int64_t limit) {
  int64_t count = 1;
  bool empty = false;
  for (int64_t d : shape) {
    // Every extent bounded too, even beside a 0: arithmetic on one extent
    // (a window, a block) must not overflow either.
    if (d < 0 || d > limit)
      return std::nullopt;
    empty |= d == 0;
  }
  for (int64_t d : shape) {
    // Checked at every factor: a hostile shape cannot overflow.
    if (empty)
      return 0;
    if (count > limit / d)
      return std::nullopt;
    count *= d;
  }
  return count;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

} // namespace cvc::tensorio
