//===- PlanTest.cpp - each step of planning a model, on its own ---------===//
//
// The steps of compiler/driver/PlanSteps.h on small modules and hand-made
// plans: states and their slices, in-place concat ranges and selecting
// slices as views, an entry's kernels and shared functions, state hazards,
// liveness through views, and the arena the runtime packs from it.
//
//===----------------------------------------------------------------------===//
#include "PlanSteps.h"

#include "cvc/halide/Lowering.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace cvc;
using namespace cvc::driver;

namespace {

class PlanTest : public ::testing::Test {
protected:
  void SetUp() override {
    registry.insert<cv::CvDialect, func::FuncDialect>();
    halide::registerKernelInterfaces(registry);
    context = std::make_unique<MLIRContext>(registry);
    context->loadAllAvailableDialects();
    std::string error;
    auto target = halide::resolveTarget(context.get(), "host", 0, error);
    ASSERT_TRUE(succeeded(target)) << error;
    options.modelName = "test";
    options.context = halide::kernelContextFor(*target);
  }

  OwningOpRef<ModuleOp> parse(const char *text) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, context.get());
    EXPECT_TRUE(module) << text;
    return module;
  }

  /// Plans `module`'s @main as an entry of `plan`, its load-time kernels
  /// into `loadTime`.
  LogicalResult planMain(ModuleOp module, ModelPlan &plan, std::vector<PlannedKernel> &loadTime) {
    plan::FunctionCache functions;
    return plan::planEntry(plan, module.lookupSymbol<func::FuncOp>("main"), options, functions,
                           {}, loadTime);
  }

  /// Runs `step` with diagnostics captured into `message`.
  template <typename Step> LogicalResult capture(Step step) {
    ScopedDiagnosticHandler handler(context.get(), [&](Diagnostic &d) {
      message = d.str();
      return success();
    });
    return step();
  }

  DialectRegistry registry;
  std::unique_ptr<MLIRContext> context;
  PlanOptions options;
  std::string message;
};

TEST_F(PlanTest, StatesReadTheirSizesInitialValuesAndSlices) {
  auto module = parse(R"(module attributes {
      cv.states = [{name = "parameters", size = 10 : i64, init = dense<1.0> : tensor<10xf32>},
                   {name = "momentum", size = 10 : i64}],
      cv.state_slices = [{name = "fc.weight", state = "parameters", offset = 2 : i64,
                          shape = array<i64: 2, 4>}]} {})");
  ModelPlan plan;
  FailureOr<plan::StateIndex> states = plan::planStates(*module, plan);
  ASSERT_TRUE(succeeded(states));
  ASSERT_EQ(plan.states.size(), 2u);
  EXPECT_EQ(states->lookup("momentum"), 1);
  EXPECT_EQ(plan.states[0].size, 10);
  // The initial value is a weight of the blob; zeros need none.
  ASSERT_GE(plan.states[0].initTensor, 0);
  EXPECT_EQ(plan.tensors[plan.states[0].initTensor].kind, TensorKind::Weight);
  EXPECT_EQ(plan.tensors[plan.states[0].initTensor].data.size(), 40u);
  EXPECT_EQ(plan.weightsSize, 40u);
  EXPECT_EQ(plan.states[1].initTensor, -1);
  ASSERT_EQ(plan.slices.size(), 1u);
  EXPECT_EQ(plan.slices[0].state, 0);
  EXPECT_EQ(plan.slices[0].offset, 2);
  EXPECT_EQ(plan.slices[0].dims, (std::vector<int64_t>{2, 4}));
}

TEST_F(PlanTest, AStateSliceOfAnUnknownStateIsRefused) {
  auto module = parse(R"(module attributes {
      cv.states = [{name = "parameters", size = 4 : i64}],
      cv.state_slices = [{name = "w", state = "moments", offset = 0 : i64,
                          shape = array<i64: 4>}]} {})");
  ModelPlan plan;
  EXPECT_TRUE(failed(capture([&] { return plan::planStates(*module, plan); })));
  EXPECT_NE(message.find("unknown state 'moments'"), std::string::npos) << message;
}

TEST_F(PlanTest, InPlaceConcatOperandsWriteTheirRanges) {
  auto module = parse(R"(
    func.func @main(%x: tensor<?x2x3x3xf32>, %y: tensor<?x18xf32>) -> tensor<?x6x3x3xf32> {
      %a = cv.relu %x : tensor<?x2x3x3xf32>
      %r = cv.relu %y : tensor<?x18xf32>
      %b = cv.reshape %r : (tensor<?x18xf32>) -> tensor<?x2x3x3xf32>
      %c = cv.concat %a, %b, %a {axis = 1, in_place} : (tensor<?x2x3x3xf32>, tensor<?x2x3x3xf32>, tensor<?x2x3x3xf32>) -> tensor<?x6x3x3xf32>
      return %c : tensor<?x6x3x3xf32>
    })");
  auto main = module->lookupSymbol<func::FuncOp>("main");
  plan::InPlaceConcats concats = plan::planInPlaceConcats(main);
  Value a = nullptr, b = nullptr, r = nullptr, c = nullptr;
  main.walk([&](Operation *op) {
    if (auto relu = llvm::dyn_cast<cv::ReluOp>(op))
      (a ? r : a) = relu;
    if (auto reshape = llvm::dyn_cast<cv::ReshapeOp>(op))
      b = reshape;
    if (auto concat = llvm::dyn_cast<cv::ConcatOp>(op))
      c = concat;
  });
  ASSERT_TRUE(concats.slots.count(a) && concats.slots.count(b) && concats.slots.count(r));
  EXPECT_EQ(concats.slots[a].concat, c);
  EXPECT_EQ(concats.slots[a].offset, 0);
  // Channel 2 onwards of [N, 6, 3, 3]: 2 * 9 elements in.
  EXPECT_EQ(concats.slots[b].offset, 18);
  EXPECT_EQ(concats.slots[b].strides, (std::vector<int64_t>{54, 9, 3, 1}));
  // The reshape's source writes the same range, seen as [N, 18].
  EXPECT_EQ(concats.slots[r].offset, 18);
  EXPECT_EQ(concats.slots[r].strides, (std::vector<int64_t>{54, 1}));
  // %a taken again: its further range (channel 4 onwards) is a copy.
  ASSERT_EQ(concats.duplicates[c].size(), 1u);
  EXPECT_EQ(concats.duplicates[c][0].first, a);
  EXPECT_EQ(concats.duplicates[c][0].second, 36);
}

// A dense block written as nested concats (x = cat(x, f(x))): the outer
// concat's buffer holds everything; the inner concat is its prefix and its
// operands write their ranges of the outer buffer.
TEST_F(PlanTest, NestedInPlaceConcatsShareTheOutermostBuffer) {
  auto module = parse(R"(
    func.func @main(%x: tensor<?x2x3x3xf32>) -> tensor<?x6x3x3xf32> {
      %a = cv.relu %x : tensor<?x2x3x3xf32>
      %b = cv.tanh %a : tensor<?x2x3x3xf32>
      %c1 = cv.concat %a, %b {axis = 1, in_place} : (tensor<?x2x3x3xf32>, tensor<?x2x3x3xf32>) -> tensor<?x4x3x3xf32>
      %d = cv.sigmoid %x : tensor<?x2x3x3xf32>
      %c2 = cv.concat %c1, %d {axis = 1, in_place} : (tensor<?x4x3x3xf32>, tensor<?x2x3x3xf32>) -> tensor<?x6x3x3xf32>
      %y = cv.relu %c2 : tensor<?x6x3x3xf32>
      return %y : tensor<?x6x3x3xf32>
    })");
  auto main = module->lookupSymbol<func::FuncOp>("main");
  plan::InPlaceConcats concats = plan::planInPlaceConcats(main);
  std::vector<cv::ConcatOp> cs;
  main.walk([&](cv::ConcatOp c) { cs.push_back(c); });
  ASSERT_EQ(cs.size(), 2u);
  Value c1 = cs[0].getOutput(), c2 = cs[1].getOutput();
  Value a = cs[0].getInputs()[0], b = cs[0].getInputs()[1], d = cs[1].getInputs()[1];
  const std::vector<int64_t> outer = {54, 9, 3, 1}; // [N, 6, 3, 3]
  for (auto [value, offset] : {std::pair<Value, int64_t>{c1, 0}, {a, 0}, {b, 18}, {d, 36}}) {
    ASSERT_TRUE(concats.slots.count(value));
    EXPECT_EQ(concats.slots[value].concat, c2);
    EXPECT_EQ(concats.slots[value].offset, offset);
    EXPECT_EQ(concats.slots[value].strides, outer);
  }
  EXPECT_FALSE(concats.slots.count(c2));
}

TEST_F(PlanTest, SelectingSlicesAreViewsOthersAreNot) {
  auto module = parse(R"(
    func.func @main(%x: tensor<?x4x5x6xf32>) -> (tensor<?x2x5x3xf32>, tensor<?x2x5x3xf32>) {
      %s = cv.slice %x {starts = array<i64: 0, 1, 0, 2>, sizes = array<i64: -1, 2, 5, 3>, steps = array<i64: 1, 2, 1, 1>} : (tensor<?x4x5x6xf32>) -> tensor<?x2x5x3xf32>
      %t = cv.slice %x {starts = array<i64: 0, 0, 0, 5>, sizes = array<i64: -1, 2, 5, 3>, steps = array<i64: 1, 2, 1, -2>} : (tensor<?x4x5x6xf32>) -> tensor<?x2x5x3xf32>
      return %s, %t : tensor<?x2x5x3xf32>, tensor<?x2x5x3xf32>
    })");
  std::vector<cv::SliceOp> slices;
  module->walk([&](cv::SliceOp s) { slices.push_back(s); });
  ASSERT_EQ(slices.size(), 2u);
  std::vector<int64_t> dims = {-1, 4, 5, 6}, strides = {120, 30, 6, 1};
  auto view = plan::sliceView(slices[0], dims, strides);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->first, 1 * 30 + 2);
  EXPECT_EQ(view->second, (std::vector<int64_t>{120, 60, 6, 1}));
  // A reversed innermost axis gathers: a kernel, not a view.
  EXPECT_FALSE(plan::sliceView(slices[1], dims, strides));
}

TEST_F(PlanTest, AnEntryMakesViewsOfReshapesAndSharesEqualKernels) {
  auto module = parse(R"(
    func.func @main(%x: tensor<?x2x3x3xf32> {cv.name = "image"}) -> (tensor<?x18xf32> {cv.name = "features"}) {
      %a = cv.relu %x : tensor<?x2x3x3xf32>
      %b = cv.relu %a : tensor<?x2x3x3xf32>
      %f = cv.reshape %b : (tensor<?x2x3x3xf32>) -> tensor<?x18xf32>
      %w = cv.constant dense<2.0> : tensor<18xf32>
      %y = cv.mul %f, %w : (tensor<?x18xf32>, tensor<18xf32>) -> tensor<?x18xf32>
      return %y : tensor<?x18xf32>
    })");
  ModelPlan plan;
  std::vector<PlannedKernel> loadTime;
  ASSERT_TRUE(succeeded(planMain(*module, plan, loadTime)));
  ASSERT_EQ(plan.entries.size(), 1u);
  const PlannedEntry &entry = plan.entries[0];
  // relu, relu (one function), mul; the reshape is a view, not a kernel.
  EXPECT_EQ(entry.kernelCount, 3);
  EXPECT_EQ(plan.functions.size(), 2u);
  EXPECT_EQ(plan.kernels[0].function, plan.kernels[1].function);
  EXPECT_TRUE(loadTime.empty());
  int mulInput = plan.kernels[2].args[0];
  EXPECT_EQ(plan.tensors[mulInput].alias, plan.kernels[1].args.back());
  EXPECT_EQ(plan.tensors[plan.kernels[2].args[1]].kind, TensorKind::Weight);
  EXPECT_EQ(plan.weightsSize, 18u * 4);
  ASSERT_EQ(entry.inputs.size(), 1u);
  EXPECT_EQ(plan.tensors[entry.inputs[0]].name, "image");
  ASSERT_EQ(entry.outputs.size(), 1u);
  EXPECT_EQ(plan.tensors[entry.outputs[0]].kind, TensorKind::Output);
  EXPECT_EQ(plan.tensors[entry.outputs[0]].name, "features");
}

// An output that is a whole activation in another shape (data-parallel
// training's flat gradients: an in-place concat, flattened) becomes the
// root of its storage: the concat's operands write the caller's buffer,
// with no copy kernel at the end. A second view of it returned again is a
// copy: one buffer cannot be two outputs.
TEST_F(PlanTest, AnOutputViewingAWholeActivationBecomesItsStorage) {
  auto module = parse(R"(
    func.func @main(%x: tensor<2x3xf32> {cv.name = "x"}) -> (tensor<12xf32> {cv.name = "flat"}, tensor<12xf32> {cv.name = "again"}) {
      %a = cv.relu %x : tensor<2x3xf32>
      %b = cv.tanh %x : tensor<2x3xf32>
      %c = cv.concat %a, %b {axis = 1, in_place} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
      %f = cv.reshape %c : (tensor<2x6xf32>) -> tensor<12xf32>
      %g = cv.reshape %c : (tensor<2x6xf32>) -> tensor<12xf32>
      return %f, %g : tensor<12xf32>, tensor<12xf32>
    })");
  ModelPlan plan;
  std::vector<PlannedKernel> loadTime;
  ASSERT_TRUE(succeeded(planMain(*module, plan, loadTime)));
  const PlannedEntry &entry = plan.entries[0];
  ASSERT_EQ(entry.outputs.size(), 2u);
  int flat = entry.outputs[0];
  EXPECT_EQ(plan.tensors[flat].kind, TensorKind::Output);
  EXPECT_EQ(plan.tensors[flat].alias, -1);
  // relu and tanh write their ranges of "flat"; "again" is a copy of it.
  ASSERT_EQ(entry.kernelCount, 3);
  for (int k = 0; k < 2; ++k) {
    const PlannedTensor &written = plan.tensors[plan.kernels[k].args.back()];
    EXPECT_EQ(written.alias, flat) << "kernel " << k;
    EXPECT_EQ(written.viewOffset, k * 3) << "kernel " << k;
  }
  EXPECT_EQ(plan.kernels[2].args.back(), entry.outputs[1]);
  int copied = plan.kernels[2].args[0];
  EXPECT_EQ(plan.tensors[copied].alias >= 0 ? plan.tensors[copied].alias : copied, flat);
  for (const PlannedTensor &t : plan.tensors)
    EXPECT_TRUE(t.alias < 0 || plan.tensors[t.alias].alias < 0) << "an alias chain at " << t.name;
}

TEST_F(PlanTest, OpsOnWeightsAloneBecomeLoadTimeKernels) {
  auto module = parse(R"(
    func.func @main(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
      %w = cv.constant dense<2.0> : tensor<16xf32>
      %e = cv.exp %w : tensor<16xf32>
      %y = cv.mul %x, %e : (tensor<?x16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
      return %y : tensor<?x16xf32>
    })");
  FailureOr<std::unique_ptr<ModelPlan>> planned = planModel(*module, options);
  ASSERT_TRUE(succeeded(planned));
  const ModelPlan &plan = **planned;
  EXPECT_EQ(plan.entries[0].kernelCount, 1);
  ASSERT_EQ(plan.prepare.kernelCount, 1);
  const PlannedKernel &prepare = plan.kernels[plan.prepare.firstKernel];
  EXPECT_EQ(prepare.ops, "cv.exp");
  EXPECT_EQ(prepare.macsPerImage, 0u);
  EXPECT_EQ(plan.tensors[prepare.args.back()].kind, TensorKind::Prepared);
  EXPECT_EQ(plan.preparedSize, 16u * 4);
}

TEST_F(PlanTest, AScheduleChooserPicksAPointOfTheSpace) {
  auto module = parse(R"(
    func.func @main(%x: tensor<?x3x8x8xf32>) -> tensor<?x3x8x8xf32> {
      %y = cv.tanh %x : tensor<?x3x8x8xf32>
      return %y : tensor<?x3x8x8xf32>
    })");
  std::vector<std::string> asked;
  options.chooseSchedule = [&](Operation *op, const std::string &signature,
                               const halide::ScheduleSpace &space, const halide::KernelContext &)
      -> std::optional<halide::ScheduleChoice> {
    asked.push_back(signature);
    std::string error;
    std::optional<halide::SchedulePoint> point = space.parse("pointwise vector=4 group=2", error);
    if (!point)
      return std::nullopt;
    return halide::ScheduleChoice{*point, "database"};
  };
  FailureOr<std::unique_ptr<ModelPlan>> planned = planModel(*module, options);
  ASSERT_TRUE(succeeded(planned));
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_NE(asked[0].find("cv.tanh"), std::string::npos) << asked[0];
  EXPECT_EQ((*planned)->kernels[0].schedule, "pointwise vector=4 group=2");
  EXPECT_EQ((*planned)->kernels[0].scheduleSource, "database");

  // A point the space does not allow is refused at the op.
  options.chooseSchedule = [](Operation *, const std::string &, const halide::ScheduleSpace &,
                               const halide::KernelContext &) {
    return std::optional<halide::ScheduleChoice>(halide::ScheduleChoice{
        halide::SchedulePoint("pointwise").set("vector", 3).set("group", 1), "database"});
  };
  EXPECT_TRUE(failed(capture([&] { return planModel(*module, options); })));
  EXPECT_NE(message.find("vector=3 is not legal"), std::string::npos) << message;
}

/// A plan of `kernels` kernels over tensors with the given kinds, each
/// kernel reading `reads` and writing `writes`.
struct KernelUse {
  std::vector<int> reads;
  int writes;
};

ModelPlan handMadePlan(std::vector<PlannedTensor> tensors, std::vector<KernelUse> uses) {
  ModelPlan plan;
  plan.tensors = std::move(tensors);
  for (auto [i, use] : llvm::enumerate(uses)) {
    PlannedKernel k;
    k.name = "k" + std::to_string(i) + "_test";
    k.ops = "cv.test";
    k.args = use.reads;
    k.args.push_back(use.writes);
    plan.kernels.push_back(k);
  }
  plan.entries.push_back({"main", 0, static_cast<int>(uses.size()), {}, {}});
  return plan;
}

PlannedTensor activation(std::vector<int64_t> dims, int alias = -1) {
  PlannedTensor t;
  t.kind = TensorKind::Activation;
  t.dims = std::move(dims);
  t.alias = alias;
  return t;
}

TEST_F(PlanTest, LivenessOfAViewExtendsItsRoot) {
  // t0 -> k0 -> t1; t2 views t1; k1 reads t0 writes t3; k2 reads t2 writes t4.
  ModelPlan plan = handMadePlan({activation({1, 8}), activation({1, 8}), activation({8}, 1),
                                 activation({1, 8}), activation({1, 8})},
                                {{{0}, 1}, {{0}, 3}, {{2}, 4}});
  plan::computeLiveness(plan);
  EXPECT_EQ(plan.tensors[0].firstUse, 0);
  EXPECT_EQ(plan.tensors[0].lastUse, 1);
  EXPECT_EQ(plan.tensors[1].firstUse, 0);
  EXPECT_EQ(plan.tensors[1].lastUse, 2); // read through its view by k2
  EXPECT_EQ(plan.tensors[2].firstUse, 2);
  EXPECT_EQ(plan.tensors[4].lastUse, 2);
}

TEST_F(PlanTest, TheArenaReusesStorageOfTensorsThatAreNoLongerLive) {
  // t1 (k0..k1) and t2 (k1..k2) overlap at k1; t3 (k2..k3) may take t1's place.
  ModelPlan plan = handMadePlan({activation({1, 1000}), activation({1, 1000}),
                                 activation({1, 1000}), activation({1, 1000}),
                                 activation({1, 1000}, 3)},
                                {{{0}, 1}, {{1}, 2}, {{2}, 3}, {{4}, 0}});
  plan.tensors[0].kind = TensorKind::Input;
  plan::computeLiveness(plan);
  std::vector<arena::Block> blocks = plan::arenaBlocks(plan);
  ASSERT_EQ(blocks.size(), 3u); // t1, t2, t3; the input and the view own nothing
  std::vector<uint64_t> offsets;
  uint64_t size = arena::layout(blocks, offsets);
  EXPECT_NE(offsets[0], offsets[1]);
  EXPECT_NE(offsets[1], offsets[2]);
  EXPECT_EQ(offsets[0], offsets[2]);
  EXPECT_EQ(size, 2 * 4032u); // 4000 bytes, aligned to 64
}

TEST_F(PlanTest, ReadingAStateAfterItsUpdateIsAHazard) {
  auto module = parse("func.func @train_step() { return }");
  auto func = module->lookupSymbol<func::FuncOp>("train_step");
  PlannedTensor oldState;
  oldState.kind = TensorKind::State;
  oldState.offset = 0;
  // The updated value is a tensor of its own bound to the same state.
  PlannedTensor newState = oldState;
  // k0 updates state 0 in place (writes t1); k1 then reads the old value t0.
  ModelPlan plan = handMadePlan({oldState, newState, activation({4}), activation({4})},
                                {{{0, 2}, 1}, {{0}, 3}});
  plan.states.push_back({"parameters", 4, -1});
  EXPECT_TRUE(failed(capture([&] {
    return plan::checkStateHazards(plan, func, plan.entries[0]);
  })));
  EXPECT_NE(message.find("reads state 'parameters' after it was updated in place"),
            std::string::npos)
      << message;
  // Reading the new value is fine.
  plan.kernels[1].args[0] = 1;
  EXPECT_TRUE(succeeded(plan::checkStateHazards(plan, func, plan.entries[0])));
}

} // namespace
