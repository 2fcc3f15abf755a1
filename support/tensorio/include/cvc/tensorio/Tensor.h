//===- Tensor.h - a float32 tensor in host memory ---------------*- C++ -*-===//
//
// The one host tensor of cvc's frontends, tools and training library:
// weights read from an ONNX file or a checkpoint, inputs and outputs of
// cvc-run, trained tensors written back into ONNX. Dense and row-major.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TENSORIO_TENSOR_H
#define CVC_TENSORIO_TENSOR_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cvc::tensorio {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data; ///< row-major, the product of `shape` elements
};

/// Largest element count any reader accepts (2^40): bounds every product of
/// untrusted extents, so that none overflows.
constexpr int64_t kMaxElements = int64_t(1) << 40;

/// The product of `shape`, or nullopt when an extent is negative or above
/// `limit`, or the product exceeds `limit`.
std::optional<int64_t> elementCount(const std::vector<int64_t> &shape,
                                    int64_t limit = kMaxElements);

/// "[2,1,3,3]" ("?" for a negative, dynamic extent), for messages.
std::string shapeText(const std::vector<int64_t> &shape);

} // namespace cvc::tensorio

#endif // CVC_TENSORIO_TENSOR_H
