//===- PlanCheck.h - is a model.so's plan consistent? -----------*- C++ -*-===//
#ifndef CVC_RUNTIME_PLANCHECK_H
#define CVC_RUNTIME_PLANCHECK_H

#include "cvc/plan.h"

#include <string>

namespace cvc::runtime {

/// Why `plan` cannot be run safely, or "" when it can: every index within
/// its table, every kernel range within the kernels, every weight, state,
/// prepared and slice extent within the bytes that hold it (a view: its
/// root, not yet its offset and strides within it), every shape within
/// rank and element limits; then that the plan's and the weights'
/// checksums match. A model.so whose read-only data was damaged on disk is
/// refused by cvc_model_get with this message instead of sending a kernel
/// to read or write outside its buffers or computing with wrong weights.
/// `verifyWeights` false skips the weights' checksum: a variant whose blob
/// is one already verified.
std::string checkPlan(const cvc_plan &plan, bool verifyWeights = true);

/// checkPlan for each of a model's `count` plans (its shape variants), the
/// shared blob's checksum once, then that the variants agree on what a
/// host sees: entries, their inputs' and outputs' names and ranks, and no
/// states. "" when all is well.
std::string checkVariants(const cvc_plan *const *plans, int32_t count);

} // namespace cvc::runtime

#endif // CVC_RUNTIME_PLANCHECK_H
