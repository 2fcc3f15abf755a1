//===- PlanLiveness.cpp - hazards, load-time kernels, liveness, arena ---===//
#include "PlanSteps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;

namespace cvc::driver::plan {
namespace {

int rootOf(const ModelPlan &plan, int t) {
  return plan.tensors[t].alias >= 0 ? plan.tensors[t].alias : t;
}

uint64_t elementsOf(const PlannedTensor &t) {
  uint64_t n = 1;
  for (int64_t d : t.dims)
    n *= d < 0 ? 1 : static_cast<uint64_t>(d);
  return n;
}

} // namespace

LogicalResult checkStateHazards(const ModelPlan &plan, func::FuncOp func,
                                const PlannedEntry &entry) {
  auto stateOf = [&](int root) -> int {
    return plan.tensors[root].kind == TensorKind::State
               ? static_cast<int>(plan.tensors[root].offset)
               : -1;
  };
  int end = entry.firstKernel + entry.kernelCount;
  // The new values: state tensors some kernel writes. Reading them is fine.
  llvm::DenseSet<int> newValues;
  for (int k = entry.firstKernel; k < end; ++k)
    newValues.insert(rootOf(plan, plan.kernels[k].args.back()));
  llvm::DenseSet<int> written;
  for (int k = entry.firstKernel; k < end; ++k) {
    const PlannedKernel &kernel = plan.kernels[k];
    int writes = stateOf(rootOf(plan, kernel.args.back()));
    for (size_t a = 0; a + 1 < kernel.args.size(); ++a) {
      int root = rootOf(plan, kernel.args[a]);
      int reads = newValues.contains(root) ? -1 : stateOf(root);
      if (reads >= 0 && written.contains(reads) && reads != writes)
        return func.emitError() << "kernel " << kernel.name << " (" << kernel.ops
                                << ") reads state '" << plan.states[reads].name
                                << "' after it was updated in place";
    }
    if (writes >= 0)
      written.insert(writes);
  }
  return success();
}

void appendLoadTimeKernels(ModelPlan &plan, std::vector<PlannedKernel> kernels) {
  plan.prepare.name = "prepare";
  plan.prepare.firstKernel = static_cast<int>(plan.kernels.size());
  plan.prepare.kernelCount = static_cast<int>(kernels.size());
  for (PlannedKernel &kernel : kernels) {
    kernel.name = "k" + std::to_string(plan.kernels.size()) +
                  kernel.name.substr(kernel.name.find('_'));
    kernel.macsPerImage = 0; // once per session, not per image
    plan.kernels.push_back(std::move(kernel));
  }
}

void computeLiveness(ModelPlan &plan) {
  for (PlannedTensor &tensor : plan.tensors)
    tensor.firstUse = tensor.lastUse = -1;
  for (auto [k, kernel] : llvm::enumerate(plan.kernels))
    for (int t : kernel.args)
      for (int u : {t, rootOf(plan, t)}) {
        PlannedTensor &tensor = plan.tensors[u];
        if (tensor.firstUse < 0)
          tensor.firstUse = static_cast<int>(k);
        tensor.lastUse = static_cast<int>(k);
      }
}

std::vector<arena::Block> arenaBlocks(const ModelPlan &plan) {
  std::vector<arena::Block> blocks;
  for (const PlannedTensor &t : plan.tensors)
    if (t.kind == TensorKind::Activation && t.alias < 0 && t.firstUse >= 0)
      blocks.push_back({elementsOf(t) * sizeof(float), t.firstUse, t.lastUse});
  return blocks;
}

} // namespace cvc::driver::plan
