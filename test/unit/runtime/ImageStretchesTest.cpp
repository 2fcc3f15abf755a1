//===- ImageStretchesTest.cpp - which kernels run image by image ----------===//
//
// cvc/image_stretches.hpp on small plans written by hand: the stretches it
// finds, the kernels that end them (the whole-batch flag, large weights used
// few times per image, a tensor without the dynamic batch, a view that
// leaves its image, a written state, an entry's end) and the roots that
// live per stream.
//
//===----------------------------------------------------------------------===//
#include "PlanTensor.h"
#include "cvc/image_stretches.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace {

using cvc::stretches::ImageStretch;

int kernelFn(void **) { return 0; }

/// x -> k0 (small weight) -> h1 -> k1 -> h2 -> k2 (a 1.28 MB weight read
/// once per image) -> h3 -> k3 -> h4 -> k4 -> y.
struct ChainPlan {
  cvc_plan_tensor tensors[10] = {};
  std::vector<std::vector<int32_t>> args = {{0, 1, 2}, {2, 3}, {3, 4, 5}, {5, 6}, {6, 7}};
  cvc_plan_kernel kernels[5] = {};
  int32_t inputs[1] = {0}, outputs[1] = {7};
  cvc_plan_entry entries[2] = {};
  cvc_plan plan = {};

  ChainPlan() {
    tensors[0] = planTensor("x", CVC_TENSOR_INPUT, {-1, 8});
    tensors[1] = planTensor("w1", CVC_TENSOR_WEIGHT, {8, 8});
    tensors[2] = planTensor("h1", CVC_TENSOR_ACTIVATION, {-1, 8}, 0, 0, 1);
    tensors[3] = planTensor("h2", CVC_TENSOR_ACTIVATION, {-1, 8}, 0, 1, 2);
    tensors[4] = planTensor("wbig", CVC_TENSOR_WEIGHT, {8, 40000});
    tensors[5] = planTensor("h3", CVC_TENSOR_ACTIVATION, {-1, 40000}, 0, 2, 3);
    tensors[6] = planTensor("h4", CVC_TENSOR_ACTIVATION, {-1, 40000}, 0, 3, 4);
    tensors[7] = planTensor("y", CVC_TENSOR_OUTPUT, {-1, 40000});
    tensors[8] = planTensor("s", CVC_TENSOR_ACTIVATION, {4, 8});
    tensors[9] = planTensor("state", CVC_TENSOR_STATE, {64});
    const uint64_t macs[5] = {64, 0, 320000, 0, 0};
    for (int k = 0; k < 5; ++k)
      kernels[k] = {"k", "cv.op", kernelFn, 0, nullptr, macs[k], 1, "", "default"};
    entries[0] = {"main", 0, 5, 1, inputs, 1, outputs};
    plan.tensors = tensors;
    plan.tensor_count = 10;
    plan.kernels = kernels;
    plan.kernel_count = 5;
    plan.entries = entries;
    plan.entry_count = 1;
    link();
  }

  /// Points the kernels at `args` (after a test changed them).
  void link() {
    for (int k = 0; k < 5; ++k) {
      kernels[k].args = args[k].data();
      kernels[k].arg_count = static_cast<int32_t>(args[k].size());
    }
  }

  std::vector<std::pair<int, int>> ranges() const {
    std::vector<std::pair<int, int>> r;
    for (const ImageStretch &s : cvc::stretches::imageStretches(plan))
      r.push_back({s.first, s.end});
    return r;
  }
};

using Ranges = std::vector<std::pair<int, int>>;

TEST(ImageStretches, LargeWeightsReadFewTimesPerImageSplitTheChain) {
  ChainPlan p;
  EXPECT_EQ(p.ranges(), (Ranges{{0, 2}, {3, 5}}));
  std::vector<ImageStretch> stretches = cvc::stretches::imageStretches(p.plan);
  EXPECT_EQ(stretches[0].tensors, (std::vector<int>{0, 1, 2, 3}));
  // k0 reads x and writes h1, 8 floats each; k3 and k4 move 2 x 40000.
  EXPECT_EQ(stretches[0].imageWorkingBytes, 64u);
  EXPECT_EQ(stretches[1].imageWorkingBytes, 320000u);
  // h1 and h4 live inside a stretch; h2 and h3 cross into k2.
  std::vector<int> local = cvc::stretches::streamLocalRoots(p.plan, stretches);
  EXPECT_EQ(local, (std::vector<int>{-1, -1, 0, -1, -1, -1, 1, -1, -1, -1}));
}

TEST(ImageStretches, LargeWeightsUsedOftenPerImageStayInTheStretch) {
  ChainPlan p;
  p.kernels[2].macs_per_image = 16 * 320000; // a convolution over 16 pixels
  EXPECT_EQ(p.ranges(), (Ranges{{0, 5}}));
  std::vector<int> local =
      cvc::stretches::streamLocalRoots(p.plan, cvc::stretches::imageStretches(p.plan));
  EXPECT_EQ(local, (std::vector<int>{-1, -1, 0, 0, -1, 0, 0, -1, -1, -1}));
}

TEST(ImageStretches, EachReasonToRunOnTheWholeBatchEndsAStretch) {
  {
    ChainPlan p; // the compiler's word
    p.kernels[1].per_image = 0;
    EXPECT_EQ(p.ranges(), (Ranges{{3, 5}}));
  }
  {
    ChainPlan p; // an activation without the dynamic batch
    p.args[3] = {5, 8, 6};
    p.link();
    EXPECT_EQ(p.ranges(), (Ranges{{0, 2}}));
  }
  {
    ChainPlan p; // a view starting past its root's first image
    p.tensors[6].alias = 5;
    p.tensors[6].view_offset = 40000;
    EXPECT_EQ(p.ranges(), (Ranges{{0, 2}}));
  }
  {
    ChainPlan p; // a view starting inside its root's first image, ending past it
    p.tensors[6].alias = 5;
    p.tensors[6].view_offset = 1;
    EXPECT_EQ(p.ranges(), (Ranges{{0, 2}}));
  }
  {
    ChainPlan p; // a strided view inside its root's images: h4 as every other element of a
                 // root twice as wide
    p.tensors[5].dims[1] = 80000;
    p.tensors[6].alias = 5;
    p.tensors[6].view_offset = 1;
    p.tensors[6].strides[0] = 80000;
    p.tensors[6].strides[1] = 2;
    EXPECT_EQ(p.ranges(), (Ranges{{0, 2}, {3, 5}}));
  }
  {
    ChainPlan p; // a view whose images are not its root's
    p.tensors[3].alias = 2;
    p.tensors[3].strides[0] = 4;
    p.tensors[3].strides[1] = 1;
    EXPECT_EQ(p.ranges(), (Ranges{{3, 5}}));
    EXPECT_EQ(cvc::stretches::imageStride(p.plan, 3), 4);
  }
  {
    ChainPlan p; // a state written
    p.args[4] = {6, 9};
    p.link();
    EXPECT_EQ(p.ranges(), (Ranges{{0, 2}}));
  }
  {
    ChainPlan p; // a state read is like a weight
    p.args[4] = {6, 9, 7};
    p.link();
    EXPECT_EQ(p.ranges(), (Ranges{{0, 2}, {3, 5}}));
  }
}

TEST(ImageStretches, StretchesStopAtAnEntrysEnd) {
  ChainPlan p;
  p.kernels[2].macs_per_image = 16 * 320000;
  p.entries[0].kernel_count = 3;
  p.entries[1] = {"second", 3, 2, 1, p.inputs, 1, p.outputs};
  p.plan.entry_count = 2;
  EXPECT_EQ(p.ranges(), (Ranges{{0, 3}, {3, 5}}));
}

} // namespace
