//===- OutputParts.cpp - when each part of an entry's outputs is final ---===//
#include "OutputParts.h"

#include <algorithm>

namespace cvc::runtime {
namespace {

int64_t extentOf(const cvc_plan_tensor &t, int d, int64_t batch) {
  return t.dims[d] < 0 ? batch : t.dims[d];
}

int64_t elementsOf(const cvc_plan_tensor &t, int64_t batch) {
  int64_t n = 1;
  for (int d = 0; d < t.rank; ++d)
    n *= extentOf(t, d, batch);
  return n;
}

int rootOf(const cvc_plan &plan, int t) {
  return plan.tensors[t].alias >= 0 ? plan.tensors[t].alias : t;
}

int64_t offsetOf(const cvc_plan_tensor &t) { return t.alias >= 0 ? t.view_offset : 0; }

/// Whether `t` occupies one contiguous range of its root: dense, or strided
/// only along dimensions of extent 1.
bool contiguous(const cvc_plan_tensor &t, int64_t batch) {
  if (t.alias < 0 || std::all_of(t.strides, t.strides + t.rank, [](int64_t s) { return s == 0; }))
    return true;
  int64_t expected = 1;
  for (int d = t.rank - 1; d >= 0; --d) {
    int64_t extent = extentOf(t, d, batch);
    if (extent > 1 && t.strides[d] != expected)
      return false;
    expected *= extent;
  }
  return true;
}

struct Write {
  size_t kernel; ///< position in the entry
  int64_t first, count;
};

} // namespace

std::vector<std::vector<OutputPart>> outputPartsByKernel(const cvc_plan &plan,
                                                         const cvc_plan_entry &entry,
                                                         int64_t batch) {
  const size_t kernels = static_cast<size_t>(entry.kernel_count);
  std::vector<std::vector<OutputPart>> parts(kernels + 1);
  for (int j = 0; j < entry.output_count; ++j) {
    const int o = entry.outputs[j];
    const int root = rootOf(plan, o);
    const int64_t base = offsetOf(plan.tensors[o]), size = elementsOf(plan.tensors[o], batch);
    std::vector<Write> writes;
    bool ranged = true;
    for (size_t k = 0; k < kernels; ++k) {
      const cvc_plan_kernel &kernel = plan.kernels[entry.first_kernel + k];
      if (kernel.arg_count < 1)
        continue;
      const int t = kernel.args[kernel.arg_count - 1];
      if (rootOf(plan, t) != root)
        continue;
      const cvc_plan_tensor &written = plan.tensors[t];
      Write w{k, offsetOf(written) - base, elementsOf(written, batch)};
      ranged = ranged && contiguous(written, batch) && w.first >= 0 && w.first + w.count <= size;
      writes.push_back(w);
    }
    std::vector<Write> sorted = writes;
    std::sort(sorted.begin(), sorted.end(),
              [](const Write &a, const Write &b) { return a.first < b.first; });
    int64_t covered = 0;
    for (const Write &w : sorted) {
      ranged = ranged && w.first == covered; // disjoint, no gaps
      covered = w.first + w.count;
    }
    ranged = ranged && covered == size && !writes.empty();
    if (ranged) {
      for (const Write &w : writes)
        if (w.count > 0)
          parts[w.kernel].push_back(
              {static_cast<size_t>(j), static_cast<size_t>(w.first), static_cast<size_t>(w.count)});
      continue;
    }
    // The whole output, once its last writer is done (or at the end).
    size_t last = kernels;
    if (!writes.empty())
      last = writes.back().kernel;
    parts[last].push_back({static_cast<size_t>(j), 0, static_cast<size_t>(size)});
  }
  return parts;
}

} // namespace cvc::runtime
