//===- plan_checksum.hpp - checksums of a plan and its weights --*- C++ -*-===//
//
// The compiler stores two checksums in every model.so's plan: one of the
// weight blob and one of the plan's numbers (tensors, kernels' arguments,
// entries, states, slices). The runtime recomputes both when a model is
// first opened and refuses the model when either differs: a damaged file
// fails with a message instead of computing with wrong weights. Header-only
// so that both sides run the same code without the compiler being linked
// into the runtime.
//
// Not a cryptographic hash: it detects damage, not an adversary who rewrites
// the checksum too (the plan's structural checks, PlanCheck.cpp, keep such a
// file from making a kernel read or write outside its buffers). Four
// independent multiply-rotate lanes keep it near memory speed, so hundreds
// of megabytes of weights cost milliseconds.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_PLAN_CHECKSUM_HPP
#define CVC_PLAN_CHECKSUM_HPP

#include "cvc/plan.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace cvc::checksum {

/// Streaming: update() in any pieces gives the same result as one call.
class Checksum64 {
public:
  void update(const void *data, size_t size) {
    const auto *bytes = static_cast<const unsigned char *>(data);
    total_ += size;
    if (pending_) {
      size_t take = size < kStripe - pending_ ? size : kStripe - pending_;
      std::memcpy(buffer_ + pending_, bytes, take);
      pending_ += take, bytes += take, size -= take;
      if (pending_ < kStripe)
        return;
      stripe(buffer_);
      pending_ = 0;
    }
    for (; size >= kStripe; bytes += kStripe, size -= kStripe)
      stripe(bytes);
    std::memcpy(buffer_, bytes, size);
    pending_ = size;
  }

  void updateWord(uint64_t word) { update(&word, sizeof(word)); }

  uint64_t finish() const {
    uint64_t h = total_ * kOdd[0];
    for (int i = 0; i < 4; ++i)
      h = rotate(h ^ mix(lanes_[i]), 27) * kOdd[1] + kOdd[2];
    for (size_t i = 0; i < pending_; ++i)
      h = rotate(h ^ (buffer_[i] * kOdd[3]), 11) * kOdd[0];
    return mix(h);
  }

private:
  static constexpr size_t kStripe = 32;
  // Odd constants with well-spread bits (digits of the golden ratio, pi, e
  // and sqrt 2 as 64-bit fractions, made odd).
  static constexpr uint64_t kOdd[4] = {0x9e3779b97f4a7c15ull, 0x243f6a8885a308d3ull,
                                       0xb7e151628aed2a6bull, 0x6a09e667f3bcc909ull};

  static uint64_t rotate(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  /// A final avalanche: every input bit reaches every output bit.
  static uint64_t mix(uint64_t x) {
    x ^= x >> 31;
    x *= kOdd[0];
    x ^= x >> 29;
    x *= kOdd[2];
    return x ^ (x >> 32);
  }
  void stripe(const unsigned char *p) {
    for (int i = 0; i < 4; ++i) {
      uint64_t word;
      std::memcpy(&word, p + 8 * i, 8);
      lanes_[i] = rotate(lanes_[i] + word * kOdd[1], 31) * kOdd[0];
    }
  }

  uint64_t lanes_[4] = {kOdd[0], kOdd[1], kOdd[2], kOdd[3]};
  unsigned char buffer_[kStripe] = {};
  size_t pending_ = 0;
  uint64_t total_ = 0;
};

/// The weight blob's checksum.
inline uint64_t weightsChecksum(const unsigned char *weights, uint64_t size) {
  Checksum64 sum;
  sum.update(weights, size);
  return sum.finish();
}

/// The checksum of every number in `plan` that says where a kernel reads
/// or writes: table sizes, tensors' kinds, shapes, offsets, lifetimes and
/// views, kernels' arguments, entries' ranges, inputs and outputs, states
/// and slices, the blob's size and checksum. Names, schedules and function
/// pointers are not covered. Call only on a plan checkPlan accepts: it
/// follows the plan's counts.
inline uint64_t planChecksum(const cvc_plan &plan) {
  Checksum64 sum;
  auto word = [&](int64_t v) { sum.updateWord(static_cast<uint64_t>(v)); };
  auto entry = [&](const cvc_plan_entry &e) {
    word(e.first_kernel), word(e.kernel_count), word(e.input_count), word(e.output_count);
    for (int i = 0; i < e.input_count; ++i)
      word(e.inputs[i]);
    for (int i = 0; i < e.output_count; ++i)
      word(e.outputs[i]);
  };
  word(plan.tensor_count);
  for (int t = 0; t < plan.tensor_count; ++t) {
    const cvc_plan_tensor &x = plan.tensors[t];
    word(x.kind), word(x.rank);
    for (int d = 0; d < x.rank; ++d)
      word(x.dims[d]), word(x.strides[d]);
    word(static_cast<int64_t>(x.offset)), word(x.first_use), word(x.last_use), word(x.alias);
    word(x.view_offset);
  }
  word(plan.kernel_count);
  for (int k = 0; k < plan.kernel_count; ++k) {
    word(plan.kernels[k].arg_count);
    for (int a = 0; a < plan.kernels[k].arg_count; ++a)
      word(plan.kernels[k].args[a]);
    word(static_cast<int64_t>(plan.kernels[k].macs_per_image));
    word(plan.kernels[k].per_image);
  }
  word(plan.entry_count);
  for (int e = 0; e < plan.entry_count; ++e)
    entry(plan.entries[e]);
  entry(plan.prepare);
  word(plan.state_count);
  for (int s = 0; s < plan.state_count; ++s)
    word(static_cast<int64_t>(plan.states[s].size)),
        word(static_cast<int64_t>(plan.states[s].init_offset));
  word(plan.slice_count);
  for (int s = 0; s < plan.slice_count; ++s) {
    const cvc_plan_slice &x = plan.slices[s];
    word(x.state), word(static_cast<int64_t>(x.offset)), word(x.rank);
    for (int d = 0; d < x.rank; ++d)
      word(x.dims[d]);
  }
  word(static_cast<int64_t>(plan.weights_size));
  word(static_cast<int64_t>(plan.weights_checksum));
  word(static_cast<int64_t>(plan.macs_per_image));
  word(static_cast<int64_t>(plan.prepared_size));
  return sum.finish();
}

} // namespace cvc::checksum

#endif // CVC_PLAN_CHECKSUM_HPP
