//===- Tensor.cpp - a float32 tensor in host memory ---------------------===//
#include "cvc/tensorio/Tensor.h"

namespace cvc::tensorio {

std::optional<int64_t> elementCount(const std::vector<int64_t> &shape, int64_t limit) {
  int64_t count = 1;
  for (int64_t d : shape) {
    // Checked at every factor: a hostile shape cannot overflow.
    if (d < 0 || (d > 0 && count > limit / d))
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
