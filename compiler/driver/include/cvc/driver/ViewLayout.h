//===- ViewLayout.h - strides of tensors that view another's storage -*- C++ -*-===//
//
// Plan dims are row-major with the batch first (-1 when dynamic); strides
// here count elements, the batch's included, so a view can be described
// independently of the batch the runtime binds.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DRIVER_VIEWLAYOUT_H
#define CVC_DRIVER_VIEWLAYOUT_H

#include <cstdint>
#include <optional>
#include <vector>

namespace cvc::driver {

/// Row-major strides of `dims`; the batch stride is one image's size.
inline std::vector<int64_t> denseStrides(const std::vector<int64_t> &dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (int64_t i = static_cast<int64_t>(dims.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * (dims[i + 1] < 0 ? 1 : dims[i + 1]);
  return strides;
}

/// Strides viewing a tensor of dims `from` with strides `strides` as dims
/// `to` without moving data, or std::nullopt when the reshape merges
/// dimensions that are not contiguous with each other. The batch must stay
/// the leading dimension.
inline std::optional<std::vector<int64_t>> reshapedStrides(const std::vector<int64_t> &from,
                                                           const std::vector<int64_t> &strides,
                                                           const std::vector<int64_t> &to) {
  if (from.empty() || to.empty())
    return std::nullopt;
  if (from[0] != to[0]) {
    // Static shapes (a training step's) may reshape across the leading
    // dimension: match them under a common leading extent of 1.
    if (from[0] < 0 || to[0] < 0)
      return std::nullopt;
    std::vector<int64_t> from1 = {1}, strides1 = {0}, to1 = {1};
    from1.insert(from1.end(), from.begin(), from.end());
    strides1.insert(strides1.end(), strides.begin(), strides.end());
    to1.insert(to1.end(), to.begin(), to.end());
    auto out = reshapedStrides(from1, strides1, to1);
    if (!out)
      return std::nullopt;
    return std::vector<int64_t>(out->begin() + 1, out->end());
  }
  // Extent-1 dimensions take any stride; drop them from the matching.
  std::vector<size_t> oldDims, newDims;
  for (size_t i = 1; i < from.size(); ++i)
    if (from[i] != 1)
      oldDims.push_back(i);
  for (size_t i = 1; i < to.size(); ++i)
    if (to[i] != 1)
      newDims.push_back(i);
  std::vector<int64_t> out(to.size(), 1);
  out[0] = strides[0];
  size_t oi = 0, ni = 0;
  while (oi < oldDims.size() && ni < newDims.size()) {
    size_t oj = oi + 1, nj = ni + 1;
    int64_t oldSize = from[oldDims[oi]], newSize = to[newDims[ni]];
    while (oldSize != newSize) {
      if (oldSize < newSize) {
        if (oj == oldDims.size())
          return std::nullopt;
        oldSize *= from[oldDims[oj++]];
      } else {
        if (nj == newDims.size())
          return std::nullopt;
        newSize *= to[newDims[nj++]];
      }
    }
    for (size_t k = oi; k + 1 < oj; ++k)
      if (strides[oldDims[k]] != from[oldDims[k + 1]] * strides[oldDims[k + 1]])
        return std::nullopt;
    out[newDims[nj - 1]] = strides[oldDims[oj - 1]];
    for (size_t k = nj - 1; k > ni; --k)
      out[newDims[k - 1]] = out[newDims[k]] * to[newDims[k]];
    oi = oj;
    ni = nj;
  }
  if (oi != oldDims.size() || ni != newDims.size())
    return std::nullopt;
  return out;
}

} // namespace cvc::driver

#endif // CVC_DRIVER_VIEWLAYOUT_H
