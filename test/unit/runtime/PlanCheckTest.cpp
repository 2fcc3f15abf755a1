//===- PlanCheckTest.cpp - damaged plans are refused, intact ones pass ---===//
//
// A small plan of every tensor kind: accepted as written, then each field
// that indexes or sizes something damaged in turn, each refused with a
// message naming what is wrong. Real plans (every model the tests compile)
// pass through cvc_model_get's check in every other test.
//
//===----------------------------------------------------------------------===//
#include "PlanCheck.h"
#include "PlanTensor.h"
#include "cvc/plan_checksum.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <algorithm>
#include <functional>
#include <vector>

using cvc::runtime::checkPlan;
using cvc::runtime::checkVariants;

namespace {

int kernelFn(void **) { return 0; }

struct SmallPlan {
  // input x [?,4], weight w [4,4] at byte 16, activation h, output y,
  // state "parameters" (20 floats, initialised from byte 0), prepared p.
  cvc_plan_tensor tensors[6] = {};
  int32_t args0[3] = {0, 1, 2}, args1[2] = {2, 3}, args2[2] = {1, 5};
  cvc_plan_kernel kernels[3] = {};
  int32_t inputs[1] = {0}, outputs[1] = {3};
  cvc_plan_entry entries[1] = {};
  cvc_plan_state states[1] = {};
  cvc_plan_slice slices[1] = {};
  unsigned char weights[96] = {};
  cvc_plan plan = {};

  SmallPlan() {
    tensors[0] = planTensor("x", CVC_TENSOR_INPUT, {-1, 4});
    tensors[1] = planTensor("w", CVC_TENSOR_WEIGHT, {4, 4}, 16);
    tensors[2] = planTensor("h", CVC_TENSOR_ACTIVATION, {-1, 4}, 0, 0, 1);
    tensors[3] = planTensor("y", CVC_TENSOR_OUTPUT, {-1, 4});
    tensors[4] = planTensor("parameters", CVC_TENSOR_STATE, {20});
    tensors[5] = planTensor("p", CVC_TENSOR_PREPARED, {4, 4});
    kernels[0] = {"k0", "cv.dense", kernelFn, 3, args0, 0, 1, "", "default"};
    kernels[1] = {"k1", "cv.relu", kernelFn, 2, args1, 0, 1, "", "default"};
    kernels[2] = {"k2", "cv.winograd_weights", kernelFn, 2, args2, 0, 0, "", "default"};
    entries[0] = {"main", 0, 2, 1, inputs, 1, outputs};
    states[0] = {"parameters", 20, 0};
    slices[0] = {"w", 0, 4, 2, {4, 4}};
    plan.version = CVC_PLAN_VERSION;
    plan.model_name = "small";
    plan.target = "host";
    plan.tensor_count = 6;
    plan.tensors = tensors;
    plan.kernel_count = 3;
    plan.kernels = kernels;
    plan.entry_count = 1;
    plan.entries = entries;
    plan.state_count = 1;
    plan.states = states;
    plan.slice_count = 1;
    plan.slices = slices;
    plan.weights = weights;
    plan.weights_size = sizeof(weights);
    plan.prepare = {"prepare", 2, 1, 0, nullptr, 0, nullptr};
    plan.prepared_size = 64;
    for (size_t i = 0; i < sizeof(weights); ++i)
      weights[i] = static_cast<unsigned char>(i * 7 + 1);
    sign();
  }

  /// What the compiler does last: the checksums of what it wrote.
  void sign() {
    plan.weights_checksum = cvc::checksum::weightsChecksum(weights, sizeof(weights));
    plan.plan_checksum = cvc::checksum::planChecksum(plan);
  }
};

TEST(PlanCheck, AnIntactPlanPasses) {
  SmallPlan p;
  EXPECT_EQ(checkPlan(p.plan), "");
}

TEST(PlanCheck, EachDamageIsRefusedNamingIt) {
  struct Damage {
    const char *what;
    std::function<void(SmallPlan &)> apply;
    const char *expected;
  };
  const Damage damages[] = {
      {"kernel argument", [](SmallPlan &p) { p.args0[1] = 6; }, "kernel 0 (k0) reads a tensor outside the plan"},
      {"negative argument", [](SmallPlan &p) { p.args1[0] = -3; }, "kernel 1 (k1) reads a tensor outside the plan"},
      {"argument count", [](SmallPlan &p) { p.kernels[0].arg_count = 1 << 30; }, "kernel 0 has 1073741824 arguments"},
      {"kernel function", [](SmallPlan &p) { p.kernels[2].fn = nullptr; }, "kernel 2 is incomplete"},
      {"per-image flag", [](SmallPlan &p) { p.kernels[1].per_image = 7; }, "kernel 1 (k1) has an invalid per_image flag"},
      {"entry range", [](SmallPlan &p) { p.entries[0].kernel_count = 4; }, "entry 0 names kernels outside the plan"},
      {"entry output", [](SmallPlan &p) { p.outputs[0] = 99; }, "entry 0 names a tensor outside the plan"},
      {"prepare range", [](SmallPlan &p) { p.plan.prepare.first_kernel = -1; }, "the prepare range names kernels outside the plan"},
      {"weight offset", [](SmallPlan &p) { p.tensors[1].offset = 40; }, "tensor 1 'w' lies outside the weights"},
      {"weight offset overflow", [](SmallPlan &p) { p.tensors[1].offset = UINT64_MAX - 8; }, "tensor 1 'w' lies outside the weights"},
      {"weight dims", [](SmallPlan &p) { p.tensors[1].dims[0] = 1 << 20; }, "tensor 1 'w' lies outside the weights"},
      {"negative extent", [](SmallPlan &p) { p.tensors[1].dims[1] = -1; }, "tensor 1 'w' has an invalid shape"},
      {"rank", [](SmallPlan &p) { p.tensors[2].rank = 99; }, "tensor 2 'h' has an invalid shape"},
      {"kind", [](SmallPlan &p) { p.tensors[2].kind = 17; }, "tensor 2 'h' has an unknown kind 17"},
      {"liveness", [](SmallPlan &p) { p.tensors[2].last_use = 1000; }, "tensor 2 'h' has an invalid liveness"},
      {"alias", [](SmallPlan &p) { p.tensors[3].alias = 77; }, "tensor 3 'y' is a view of no valid tensor"},
      {"state index", [](SmallPlan &p) { p.tensors[4].offset = 3; }, "tensor 4 'parameters' lies outside its state"},
      {"state size", [](SmallPlan &p) { p.states[0].size = 1000; }, "state 'parameters' is initialised from outside the weights"},
      {"slice", [](SmallPlan &p) { p.slices[0].offset = 10; }, "slice 0 lies outside its state"},
      {"prepared", [](SmallPlan &p) { p.tensors[5].offset = 8; }, "tensor 5 'p' lies outside the prepared block"},
      {"table", [](SmallPlan &p) { p.plan.kernels = nullptr; }, "a table is missing"},
      {"count", [](SmallPlan &p) { p.plan.entry_count = 0; }, "its table sizes are invalid"},
  };
  for (const Damage &d : damages) {
    SmallPlan p;
    d.apply(p);
    EXPECT_EQ(checkPlan(p.plan), d.expected) << d.what;
  }
}

// Damage that leaves the plan safe to run is still refused: the checksums
// cover every number that says where a kernel reads or writes, and every
// weight byte.
TEST(PlanCheck, DamageThatIsSafeToRunFailsTheChecksums) {
  struct Damage {
    const char *what;
    std::function<void(SmallPlan &)> apply;
  };
  const Damage planDamages[] = {
      {"argument", [](SmallPlan &p) { p.args1[0] = 0; }},
      {"extent", [](SmallPlan &p) { p.tensors[1].dims[0] = 2; }},
      {"liveness", [](SmallPlan &p) { p.tensors[2].last_use = 2; }},
      {"weight offset", [](SmallPlan &p) { p.tensors[1].offset = 0; }},
      {"view", [](SmallPlan &p) { p.tensors[3].strides[1] = 1; }},
      {"entry input", [](SmallPlan &p) { p.inputs[0] = 2; }},
      {"state init", [](SmallPlan &p) { p.states[0].init_offset = UINT64_MAX; }},
      {"slice", [](SmallPlan &p) { p.slices[0].offset = 0; }},
      {"macs", [](SmallPlan &p) { p.kernels[0].macs_per_image = 1; }},
      {"stored checksum", [](SmallPlan &p) { p.plan.weights_checksum ^= 1; }},
  };
  for (const Damage &d : planDamages) {
    SmallPlan p;
    d.apply(p);
    EXPECT_EQ(checkPlan(p.plan), "the plan's checksum does not match the plan") << d.what;
  }
  for (size_t byte = 0; byte < sizeof(SmallPlan::weights); ++byte)
    for (int bit = 0; bit < 8; ++bit) {
      SmallPlan p;
      p.weights[byte] ^= static_cast<unsigned char>(1 << bit);
      EXPECT_EQ(checkPlan(p.plan), "the weights' checksum does not match the weights")
          << "byte " << byte << " bit " << bit;
    }
}

/// SmallPlan without states, as a shape variant is (its tensor 4 an activation).
struct VariantPlan : SmallPlan {
  explicit VariantPlan(const unsigned char *sharedWeights = nullptr) {
    plan.state_count = plan.slice_count = 0;
    tensors[4].kind = CVC_TENSOR_ACTIVATION;
    if (sharedWeights)
      plan.weights = sharedWeights;
    sign();
  }
};

// A model.so with shape variants: each plan is checked, the shared blob's
// checksum once, and the variants must agree on what a host sees.
TEST(PlanCheck, ShapeVariantsMustAgreeOnWhatAHostSees) {
  struct Case {
    const char *what;
    std::function<void(VariantPlan &)> apply;
    const char *expected;
  };
  const Case cases[] = {
      {"intact, other extents", [](VariantPlan &p) { p.tensors[0].dims[1] = 8; }, ""},
      {"input name", [](VariantPlan &p) { p.tensors[0].name = "z"; },
       "its shape variants 0 and 1 disagree: input 'x' differs"},
      {"output rank", [](VariantPlan &p) { p.tensors[3].rank = 3; },
       "its shape variants 0 and 1 disagree: output 'y' differs"},
      {"entry name", [](VariantPlan &p) { p.entries[0].name = "train_step"; },
       "its shape variants 0 and 1 disagree: entry 'main' differs"},
      {"states", [](VariantPlan &p) {
         p.plan.state_count = 1;
         p.tensors[4].kind = CVC_TENSOR_STATE;
       }, "its shape variants 0 and 1 disagree: one has states"},
      {"damaged variant", [](VariantPlan &p) { p.tensors[1].offset = 1000; },
       "shape variant 1: tensor 1 'w' lies outside the weights"},
      {"checksum", [](VariantPlan &p) { p.kernels[0].macs_per_image = 7; },
       "shape variant 1: the plan's checksum does not match the plan"},
  };
  for (const Case &c : cases) {
    VariantPlan first;
    VariantPlan second(first.weights);
    c.apply(second);
    if (std::string(c.what) != "checksum")
      second.sign();
    const cvc_plan *plans[] = {&first.plan, &second.plan};
    EXPECT_EQ(checkVariants(plans, 2), c.expected) << c.what;
  }
  VariantPlan only;
  const cvc_plan *one[] = {&only.plan};
  EXPECT_EQ(checkVariants(one, 1), "");
  EXPECT_EQ(checkVariants(one, 0), "its count of plans is invalid");
  // The shared blob is verified once, through the first variant.
  VariantPlan first, second(first.weights);
  first.weights[5] ^= 1;
  const cvc_plan *damaged[] = {&first.plan, &second.plan};
  EXPECT_EQ(checkVariants(damaged, 2),
            "shape variant 0: the weights' checksum does not match the weights");
}

// The compiler hashes the blob piece by piece as it writes it; the runtime
// in one call.
TEST(PlanChecksum, PiecesGiveTheSameChecksumAsOneCall) {
  std::vector<unsigned char> bytes(1000);
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<unsigned char>(i * 31 + (i >> 3));
  const uint64_t whole = cvc::checksum::weightsChecksum(bytes.data(), bytes.size());
  for (size_t piece : {1, 3, 7, 31, 32, 33, 64, 999}) {
    cvc::checksum::Checksum64 sum;
    for (size_t at = 0; at < bytes.size(); at += piece)
      sum.update(bytes.data() + at, std::min(piece, bytes.size() - at));
    EXPECT_EQ(sum.finish(), whole) << "pieces of " << piece;
  }
  // Lengths that differ only by trailing zeros differ.
  EXPECT_NE(cvc::checksum::weightsChecksum(bytes.data(), 999), whole);
  std::vector<unsigned char> zeros(64);
  EXPECT_NE(cvc::checksum::weightsChecksum(zeros.data(), 32),
            cvc::checksum::weightsChecksum(zeros.data(), 64));
}

} // namespace
