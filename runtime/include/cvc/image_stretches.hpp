//===- image_stretches.hpp - parts of a plan run image by image -*- C++ -*-===//
//
// At a batch of several images, a stretch of kernels that each compute the
// images apart (the compiler's `per_image`) runs image by image: each of
// the session's threads takes the next image (or the next few, as many as
// its cache holds) and runs it through the whole stretch before it takes
// another. One image's activations (a few MB at
// most for a mobile network) then stay in the core's caches from one layer
// to the next, where a whole batch's go out to memory and back, and the
// threads do not meet between layers, where small layers leave all but one
// of them waiting. A kernel whose weights are large and used few times per
// image (a classifier's fully connected layers) ends a stretch: on the
// whole batch it reads its weights once, image by image once per image.
//
// A tensor whose every use lies in one stretch exists once per stream
// (each thread's chunks in turn), sized for one chunk; the tensors that
// cross a stretch's border hold the whole batch, and each image reads and
// writes its own.
//
// Header-only so that the runtime, which runs the stretches, and the
// compiler, which reports them in `cvc --summary`, find the same ones without
// the compiler being linked into the runtime. Nothing here trusts the flag
// alone: a kernel runs image by image only
// if each tensor it touches, other than the weights and states it reads,
// has the dynamic batch as its leading dimension and a view's images lie
// inside its root's at the root's image stride.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_IMAGE_STRETCHES_HPP
#define CVC_IMAGE_STRETCHES_HPP

#include "cvc/plan.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace cvc::stretches {

/// Kernels [first, end) of one entry, run image by image.
struct ImageStretch {
  int first = 0, end = 0;
  /// The tensors the stretch's kernels touch, each once.
  std::vector<int> tensors;
  /// The most bytes of one image any of its kernels reads and writes: the
  /// runtime gives a stream as many images at once as fit its cache.
  uint64_t imageWorkingBytes = 0;
};

inline int64_t imageStride(const cvc_plan &plan, int t);

namespace detail {

/// Weights of at least this many bytes, each used fewer than
/// kBatchedWeightUses times per image, are worth reading once per batch:
/// a fully connected layer's read per image costs more than its arithmetic,
/// while a small one (a squeeze-and-excitation layer's) stays in cache.
constexpr uint64_t kBatchedWeightBytes = uint64_t(1) << 20;
constexpr uint64_t kBatchedWeightUses = 16;

inline bool hasBatch(const cvc_plan_tensor &t) { return t.rank > 0 && t.dims[0] == -1; }

/// Elements of one image: every extent but the leading one.
inline int64_t oneImageElements(const cvc_plan_tensor &t) {
  int64_t n = 1;
  for (int i = 1; i < t.rank; ++i)
    n *= t.dims[i];
  return n;
}

/// Elements of a tensor without the dynamic batch.
inline uint64_t staticElements(const cvc_plan_tensor &t) {
  uint64_t n = 1;
  for (int i = 0; i < t.rank; ++i)
    n *= static_cast<uint64_t>(std::max<int64_t>(t.dims[i], 1));
  return n;
}

inline bool isConstantData(int32_t kind) {
  return kind == CVC_TENSOR_WEIGHT || kind == CVC_TENSOR_PREPARED || kind == CVC_TENSOR_STATE;
}

inline int rootOf(const cvc_plan &plan, int t) {
  return plan.tensors[t].alias >= 0 ? plan.tensors[t].alias : t;
}

/// The offset in its root of the last element of image 0 of view `t` (the
/// largest one for a strided view), or a number past any image when a
/// stride is negative.
inline int64_t lastOfFirstImage(const cvc_plan_tensor &t) {
  if (oneImageElements(t) == 0)
    return t.view_offset;
  if (t.strides[0] == 0)
    return t.view_offset + oneImageElements(t) - 1;
  int64_t last = t.view_offset;
  for (int i = 1; i < t.rank; ++i) {
    if (t.strides[i] < 0)
      return INT64_MAX;
    last += (t.dims[i] - 1) * t.strides[i];
  }
  return last;
}

/// Whether kernel `k` may be called on one image at a time (see above).
inline bool imagesApart(const cvc_plan &plan, int k) {
  const cvc_plan_kernel &kernel = plan.kernels[k];
  if (kernel.per_image != 1)
    return false;
  for (int a = 0; a < kernel.arg_count; ++a) {
    int t = kernel.args[a], r = rootOf(plan, t);
    const cvc_plan_tensor &tensor = plan.tensors[t], &root = plan.tensors[r];
    bool written = a == kernel.arg_count - 1;
    if (isConstantData(root.kind)) {
      if (written)
        return false;
      continue;
    }
    if (!hasBatch(tensor) || !hasBatch(root))
      return false;
    int64_t rootImage = oneImageElements(root);
    if (imageStride(plan, t) != rootImage || lastOfFirstImage(tensor) >= rootImage)
      return false;
  }
  return true;
}

/// Whether kernel `k` reads large weights few times per image.
inline bool wantsWholeBatch(const cvc_plan &plan, int k) {
  const cvc_plan_kernel &kernel = plan.kernels[k];
  uint64_t elements = 0;
  for (int a = 0; a + 1 < kernel.arg_count; ++a)
    if (isConstantData(plan.tensors[rootOf(plan, kernel.args[a])].kind))
      elements += staticElements(plan.tensors[kernel.args[a]]);
  return elements * sizeof(float) >= kBatchedWeightBytes &&
         kernel.macs_per_image < kBatchedWeightUses * elements;
}

} // namespace detail

/// Elements between image i and image i + 1 of tensor `t`: its batch
/// stride (a strided view's own, else one image's size).
inline int64_t imageStride(const cvc_plan &plan, int t) {
  const cvc_plan_tensor &tensor = plan.tensors[t];
  return tensor.strides[0] != 0 ? tensor.strides[0] : detail::oneImageElements(tensor);
}

/// The stretches of `plan`'s entries (never of its prepare kernels):
/// maximal runs of at least two consecutive kernels of one entry that may
/// run image by image and do not read large weights few times per image.
inline std::vector<ImageStretch> imageStretches(const cvc_plan &plan) {
  std::vector<ImageStretch> stretches;
  for (int e = 0; e < plan.entry_count; ++e) {
    const cvc_plan_entry &entry = plan.entries[e];
    int end = entry.first_kernel + entry.kernel_count;
    for (int k = entry.first_kernel; k < end;) {
      int last = k;
      while (last < end && detail::imagesApart(plan, last) && !detail::wantsWholeBatch(plan, last))
        ++last;
      if (last - k >= 2) {
        ImageStretch stretch{k, last, {}, 0};
        for (int j = k; j < last; ++j) {
          uint64_t bytes = 0;
          for (int a = 0; a < plan.kernels[j].arg_count; ++a) {
            int t = plan.kernels[j].args[a];
            stretch.tensors.push_back(t);
            if (detail::hasBatch(plan.tensors[t]))
              bytes += static_cast<uint64_t>(detail::oneImageElements(plan.tensors[t])) *
                       sizeof(float);
          }
          stretch.imageWorkingBytes = std::max(stretch.imageWorkingBytes, bytes);
        }
        std::sort(stretch.tensors.begin(), stretch.tensors.end());
        stretch.tensors.erase(std::unique(stretch.tensors.begin(), stretch.tensors.end()),
                              stretch.tensors.end());
        stretches.push_back(std::move(stretch));
      }
      k = std::max(last, k + 1);
    }
  }
  return stretches;
}

/// Per tensor: for an activation root whose every use (its views'
/// included) lies in one of `stretches`, which then lives per stream, that
/// stretch's index; -1 for every other tensor.
inline std::vector<int> streamLocalRoots(const cvc_plan &plan,
                                         const std::vector<ImageStretch> &stretches) {
  std::vector<int> local(plan.tensor_count, -1);
  for (int t = 0; t < plan.tensor_count; ++t) {
    const cvc_plan_tensor &tensor = plan.tensors[t];
    if (tensor.kind != CVC_TENSOR_ACTIVATION || tensor.alias >= 0 || tensor.first_use < 0 ||
        !detail::hasBatch(tensor))
      continue;
    for (size_t s = 0; s < stretches.size(); ++s)
      if (tensor.first_use >= stretches[s].first && tensor.last_use < stretches[s].end)
        local[t] = static_cast<int>(s);
  }
  return local;
}

} // namespace cvc::stretches

#endif // CVC_IMAGE_STRETCHES_HPP
