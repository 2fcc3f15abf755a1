//===- PlanCheck.cpp - is a model.so's plan consistent? ------------------===//
//
// The compiler writes the plan; nothing but damage to the file makes it
// inconsistent. Checked once per process (cvc_model_get): first that it is
// safe to run (every index and extent within its table and bytes), then its
// two checksums, one pass over the plan and one over the weights (a few ms
// per 100 MB).
//
//===----------------------------------------------------------------------===//
#include "PlanCheck.h"

#include "cvc/plan_checksum.hpp"

#include <cstdint>
#include <cstring>

namespace cvc::runtime {
namespace {

/// Elements of one image of `t` (its dynamic batch as 1), or -1 when its
/// rank or an extent is out of range.
int64_t perImageElements(const cvc_plan_tensor &t) {
  if (t.rank < 0 || t.rank > CVC_PLAN_MAX_RANK)
    return -1;
  constexpr int64_t kLimit = int64_t(1) << 40;
  int64_t n = 1;
  for (int i = 0; i < t.rank; ++i) {
    int64_t d = t.dims[i];
    if (d == -1 && i == 0)
      continue;
    if (d < 0 || (d > 0 && n > kLimit / d))
      return -1;
    n *= d;
  }
  return n;
}

/// offset + bytes <= size, without overflow.
bool within(uint64_t offset, uint64_t bytes, uint64_t size) {
  return offset <= size && bytes <= size - offset;
}

std::string tensorName(const cvc_plan &plan, int t) {
  const char *name = plan.tensors[t].name;
  return "tensor " + std::to_string(t) + (name ? " '" + std::string(name) + "'" : "");
}

std::string checkRange(const cvc_plan &plan, const cvc_plan_entry &e, const std::string &what) {
  if (!e.name)
    return what + " has no name";
  if (e.first_kernel < 0 || e.kernel_count < 0 || e.first_kernel > plan.kernel_count ||
      e.kernel_count > plan.kernel_count - e.first_kernel)
    return what + " names kernels outside the plan";
  for (int32_t count : {e.input_count, e.output_count})
    if (count < 0 || count > plan.tensor_count)
      return what + " has an invalid input or output count";
  if ((e.input_count && !e.inputs) || (e.output_count && !e.outputs))
    return what + " has no input or output table";
  for (int i = 0; i < e.input_count; ++i)
    if (e.inputs[i] < 0 || e.inputs[i] >= plan.tensor_count)
      return what + " names a tensor outside the plan";
  for (int i = 0; i < e.output_count; ++i)
    if (e.outputs[i] < 0 || e.outputs[i] >= plan.tensor_count)
      return what + " names a tensor outside the plan";
  return "";
}

} // namespace

std::string checkPlan(const cvc_plan &plan, bool verifyWeights) {
  if (plan.tensor_count < 0 || plan.kernel_count < 0 || plan.entry_count < 1 ||
      plan.state_count < 0 || plan.slice_count < 0)
    return "its table sizes are invalid";
  if ((plan.tensor_count && !plan.tensors) || (plan.kernel_count && !plan.kernels) ||
      !plan.entries || (plan.state_count && !plan.states) || (plan.slice_count && !plan.slices) ||
      (plan.weights_size && !plan.weights))
    return "a table is missing";

  for (int k = 0; k < plan.kernel_count; ++k) {
    const cvc_plan_kernel &kernel = plan.kernels[k];
    std::string what = "kernel " + std::to_string(k);
    if (!kernel.name || !kernel.ops || !kernel.fn || !kernel.args)
      return what + " is incomplete";
    if (kernel.arg_count < 1 || kernel.arg_count > 4096)
      return what + " has " + std::to_string(kernel.arg_count) + " arguments";
    if (kernel.per_image != 0 && kernel.per_image != 1)
      return what + " (" + kernel.name + ") has an invalid per_image flag";
    for (int a = 0; a < kernel.arg_count; ++a)
      if (kernel.args[a] < 0 || kernel.args[a] >= plan.tensor_count)
        return what + " (" + kernel.name + ") reads a tensor outside the plan";
  }
  for (int e = 0; e < plan.entry_count; ++e) {
    std::string error = checkRange(plan, plan.entries[e], "entry " + std::to_string(e));
    if (!error.empty())
      return error;
  }
  std::string error = checkRange(plan, plan.prepare, "the prepare range");
  if (!error.empty())
    return error;

  for (int s = 0; s < plan.state_count; ++s) {
    const cvc_plan_state &state = plan.states[s];
    if (!state.name || state.size > (uint64_t(1) << 40))
      return "state " + std::to_string(s) + " is invalid";
    if (state.init_offset != UINT64_MAX &&
        !within(state.init_offset, state.size * sizeof(float), plan.weights_size))
      return "state '" + std::string(state.name) + "' is initialised from outside the weights";
  }
  for (int s = 0; s < plan.slice_count; ++s) {
    const cvc_plan_slice &slice = plan.slices[s];
    cvc_plan_tensor shape{};
    shape.rank = slice.rank;
    for (int i = 0; i < CVC_PLAN_MAX_RANK; ++i)
      shape.dims[i] = slice.dims[i];
    int64_t count = perImageElements(shape);
    if (slice.state < 0 || slice.state >= plan.state_count || count < 0 ||
        !within(slice.offset, static_cast<uint64_t>(count), plan.states[slice.state].size))
      return "slice " + std::to_string(s) + " lies outside its state";
  }

  for (int t = 0; t < plan.tensor_count; ++t) {
    const cvc_plan_tensor &tensor = plan.tensors[t];
    int64_t count = perImageElements(tensor);
    if (!tensor.name)
      return tensorName(plan, t) + " has no name";
    if (count < 0)
      return tensorName(plan, t) + " has an invalid shape";
    if (tensor.first_use < -1 || tensor.first_use > plan.kernel_count || tensor.last_use < -1 ||
        tensor.last_use > plan.kernel_count)
      return tensorName(plan, t) + " has an invalid liveness";
    // The session looks a state tensor up by index, view or not.
    if (tensor.kind == CVC_TENSOR_STATE && tensor.offset >= static_cast<uint64_t>(plan.state_count))
      return tensorName(plan, t) + " lies outside its state";
    if (tensor.alias >= 0) {
      if (tensor.alias >= plan.tensor_count || plan.tensors[tensor.alias].alias != -1 ||
          tensor.view_offset < 0)
        return tensorName(plan, t) + " is a view of no valid tensor";
      continue; // its storage is its root's, checked as the root
    }
    if (tensor.alias != -1)
      return tensorName(plan, t) + " is a view of no valid tensor";
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(float);
    switch (tensor.kind) {
    case CVC_TENSOR_INPUT:
    case CVC_TENSOR_OUTPUT:
    case CVC_TENSOR_ACTIVATION:
      break;
    case CVC_TENSOR_WEIGHT:
      if (!within(tensor.offset, bytes, plan.weights_size))
        return tensorName(plan, t) + " lies outside the weights";
      break;
    case CVC_TENSOR_STATE:
      if (tensor.offset >= static_cast<uint64_t>(plan.state_count) ||
          bytes > plan.states[tensor.offset].size * sizeof(float))
        return tensorName(plan, t) + " lies outside its state";
      break;
    case CVC_TENSOR_PREPARED:
      if (!within(tensor.offset, bytes, plan.prepared_size))
        return tensorName(plan, t) + " lies outside the prepared block";
      break;
    default:
      return tensorName(plan, t) + " has an unknown kind " + std::to_string(tensor.kind);
    }
  }
  // Safe to run; now whether it is what the compiler wrote.
  if (checksum::planChecksum(plan) != plan.plan_checksum)
    return "the plan's checksum does not match the plan";
  if (verifyWeights &&
      checksum::weightsChecksum(plan.weights, plan.weights_size) != plan.weights_checksum)
    return "the weights' checksum does not match the weights";
  return "";
}

namespace {

/// Why variant `v`'s entries differ from variant 0's as a host sees them.
std::string compareEntries(const cvc_plan &first, const cvc_plan &other) {
  if (other.entry_count != first.entry_count)
    return "they have different entry points";
  for (int e = 0; e < first.entry_count; ++e) {
    const cvc_plan_entry &a = first.entries[e], &b = other.entries[e];
    if (std::strcmp(a.name, b.name) != 0 || a.input_count != b.input_count ||
        a.output_count != b.output_count)
      return std::string("entry '") + a.name + "' differs";
    for (int i = 0; i < a.input_count + a.output_count; ++i) {
      bool input = i < a.input_count;
      int j = input ? i : i - a.input_count;
      const cvc_plan_tensor &x = first.tensors[input ? a.inputs[j] : a.outputs[j]];
      const cvc_plan_tensor &y = other.tensors[input ? b.inputs[j] : b.outputs[j]];
      if (std::strcmp(x.name, y.name) != 0 || x.rank != y.rank)
        return std::string(input ? "input" : "output") + " '" + x.name + "' differs";
    }
  }
  return "";
}

} // namespace

std::string checkVariants(const cvc_plan *const *plans, int32_t count) {
  if (!plans || count < 1 || count > 4096)
    return "its count of plans is invalid";
  for (int32_t v = 0; v < count; ++v) {
    if (!plans[v])
      return "a plan is missing";
    const cvc_plan &plan = *plans[v];
    bool sharedBlob = v > 0 && plan.weights == plans[0]->weights &&
                      plan.weights_size == plans[0]->weights_size &&
                      plan.weights_checksum == plans[0]->weights_checksum;
    std::string error = checkPlan(plan, !sharedBlob);
    if (!error.empty())
      return count > 1 ? "shape variant " + std::to_string(v) + ": " + error : error;
    if (count == 1)
      break;
    std::string differs = plan.state_count || plan.slice_count
                              ? std::string("one has states")
                              : compareEntries(*plans[0], plan);
    if (!differs.empty())
      return "its shape variants 0 and " + std::to_string(v) + " disagree: " + differs;
  }
  return "";
}

} // namespace cvc::runtime
