//===- PlanTensor.h - plan tensors written by hand in the tests -*- C++ -*-===//
#ifndef CVC_TEST_PLANTENSOR_H
#define CVC_TEST_PLANTENSOR_H

#include "cvc/plan.h"

#include <initializer_list>

/// A tensor of a hand-written plan: dense, a root (no alias), and used by
/// no kernel unless `first` and `last` say so.
inline cvc_plan_tensor planTensor(const char *name, int kind, std::initializer_list<int64_t> dims,
                                  uint64_t offset = 0, int first = -1, int last = -1) {
  cvc_plan_tensor t = {};
  t.name = name;
  t.kind = kind;
  t.rank = static_cast<int32_t>(dims.size());
  int d = 0;
  for (int64_t v : dims)
    t.dims[d++] = v;
  t.offset = offset;
  t.first_use = first;
  t.last_use = last;
  t.alias = -1;
  return t;
}

#endif // CVC_TEST_PLANTENSOR_H
