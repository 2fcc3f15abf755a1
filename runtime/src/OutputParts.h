//===- OutputParts.h - when each part of an entry's outputs is final -*- C++ -*-===//
#ifndef CVC_RUNTIME_OUTPUTPARTS_H
#define CVC_RUNTIME_OUTPUTPARTS_H

#include "cvc/plan.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cvc::runtime {

/// Elements [first, first + count) of an entry's output `output`.
struct OutputPart {
  size_t output, first, count;
};

/// For each kernel of `entry` (by its position in the entry), the output
/// parts it completes, and one list more for the end of the run; at batch
/// `batch`. Every element of every output is in exactly one part. A kernel
/// writing a contiguous range of an output (a gradient into its slice of an
/// in-place concat) completes that range; an output written otherwise
/// (strided views, overlapping writes) is one part, after its last writer.
std::vector<std::vector<OutputPart>> outputPartsByKernel(const cvc_plan &plan,
                                                         const cvc_plan_entry &entry,
                                                         int64_t batch);

} // namespace cvc::runtime

#endif // CVC_RUNTIME_OUTPUTPARTS_H
