//===- IntTensor.h - folding integer shape arithmetic -----------*- C++ -*-===//
//
// Exporters compute shapes and pads with small integer tensors (PyTorch pads
// with Reshape, Slice, Transpose and Concat of an int64 vector). These run at
// compile time on row-major (values, shape) pairs.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_ONNX_INTTENSOR_H
#define CVC_ONNX_INTTENSOR_H

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace cvc::onnx_frontend {

/// Integer tensors folded at compile time are shapes, axes and indices:
/// a few values each. A model asking for more is refused before the fold.
constexpr int64_t kMaxFoldedIntegers = int64_t(1) << 24;

struct IntTensor {
  std::vector<int64_t> values;
  std::vector<int64_t> shape;
};

/// Calls f(index) for every multi-index of `shape`, in row-major order.
template <typename F> void forEachIndex(const std::vector<int64_t> &shape, F f) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0; n < count; ++n) {
    f(index);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

inline int64_t flatIndex(const std::vector<int64_t> &shape, const std::vector<int64_t> &index) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + index[d];
  return flat;
}

/// Result dimension i is input dimension perm[i].
inline IntTensor transposeInts(const IntTensor &t, const std::vector<int64_t> &perm) {
  IntTensor out;
  for (int64_t p : perm)
    out.shape.push_back(t.shape[p]);
  forEachIndex(out.shape, [&](const std::vector<int64_t> &index) {
    std::vector<int64_t> source(t.shape.size());
    for (size_t i = 0; i < perm.size(); ++i)
      source[perm[i]] = index[i];
    out.values.push_back(t.values[flatIndex(t.shape, source)]);
  });
  return out;
}

/// Element i along dimension d is t[starts[d] + i * steps[d]].
inline IntTensor sliceInts(const IntTensor &t, const std::vector<int64_t> &starts,
                           const std::vector<int64_t> &sizes, const std::vector<int64_t> &steps) {
  IntTensor out{{}, sizes};
  forEachIndex(sizes, [&](const std::vector<int64_t> &index) {
    std::vector<int64_t> source(index.size());
    for (size_t d = 0; d < index.size(); ++d)
      source[d] = starts[d] + index[d] * steps[d];
    out.values.push_back(t.values[flatIndex(t.shape, source)]);
  });
  return out;
}

/// Concatenation along `axis` of tensors equal in every other dimension.
inline IntTensor concatInts(const std::vector<IntTensor> &parts, int64_t axis) {
  IntTensor out{{}, parts.front().shape};
  out.shape[axis] = 0;
  for (const IntTensor &p : parts)
    out.shape[axis] += p.shape[axis];
  forEachIndex(out.shape, [&](const std::vector<int64_t> &index) {
    std::vector<int64_t> source = index;
    for (const IntTensor &p : parts) {
      if (source[axis] < p.shape[axis]) {
        out.values.push_back(p.values[flatIndex(p.shape, source)]);
        return;
      }
      source[axis] -= p.shape[axis];
    }
  });
  return out;
}

/// f applied elementwise with numpy broadcasting, or std::nullopt when the
/// shapes do not broadcast.
template <typename F>
std::optional<IntTensor> broadcastInts(const IntTensor &a, const IntTensor &b, F f) {
  size_t rank = std::max(a.shape.size(), b.shape.size());
  auto aligned = [&](const IntTensor &t) {
    std::vector<int64_t> shape(rank - t.shape.size(), 1);
    shape.insert(shape.end(), t.shape.begin(), t.shape.end());
    return shape;
  };
  std::vector<int64_t> sa = aligned(a), sb = aligned(b);
  IntTensor out;
  for (size_t d = 0; d < rank; ++d) {
    if (sa[d] != sb[d] && sa[d] != 1 && sb[d] != 1)
      return std::nullopt;
    out.shape.push_back(sa[d] == 1 ? sb[d] : sa[d]);
  }
  forEachIndex(out.shape, [&](const std::vector<int64_t> &index) {
    std::vector<int64_t> ia(rank), ib(rank);
    for (size_t d = 0; d < rank; ++d) {
      ia[d] = sa[d] == 1 ? 0 : index[d];
      ib[d] = sb[d] == 1 ? 0 : index[d];
    }
    out.values.push_back(f(a.values[flatIndex(sa, ia)], b.values[flatIndex(sb, ib)]));
  });
  return out;
}

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_INTTENSOR_H
