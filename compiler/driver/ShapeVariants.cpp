//===- ShapeVariants.cpp - one model.so from several plans of one model --===//
//
// A model compiled for several input shapes is planned once per shape; the
// plans then go into one library. What the variants have in common is
// stored once: a kernel identical to an earlier variant's (same signature,
// same schedule point) is the same compiled function, and a weight tensor
// whose bytes an earlier variant already put in the blob points there. The
// first plan keeps the layout it was given, so a single-shape model is
// written exactly as before.
//
//===----------------------------------------------------------------------===//
#include "PlanSteps.h"
#include "cvc/driver/ModelPlan.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/Support/MathExtras.h"

#include <map>
#include <unordered_map>

namespace cvc::driver {

std::vector<const CompiledFunction *> shareFunctions(llvm::ArrayRef<ModelPlan *> plans) {
  std::vector<const CompiledFunction *> distinct;
  std::map<std::string, std::string> symbolOf; // signature + schedule -> symbol
  for (size_t v = 0; v < plans.size(); ++v)
    for (CompiledFunction &f : plans[v]->functions) {
      std::string key = f.signature + '\n' + f.kernel.schedule;
      if (auto it = symbolOf.find(key); it != symbolOf.end()) {
        f.symbol = it->second;
        continue;
      }
      if (v > 0)
        f.symbol = "cvcv" + std::to_string(v) + "_" + f.symbol;
      symbolOf.emplace(key, f.symbol);
      distinct.push_back(&f);
    }
  return distinct;
}

void shareWeights(llvm::ArrayRef<ModelPlan *> plans) {
  // One plan keeps its blob as laid out, unhashed.
  if (plans.size() < 2)
    return;
  uint64_t size = plans[0]->weightsSize;
  // Every weight tensor in the blob so far, by a hash of its bytes.
  std::unordered_multimap<size_t, const PlannedTensor *> stored;
  auto hashOf = [](llvm::ArrayRef<char> bytes) {
    return static_cast<size_t>(llvm::hash_combine_range(bytes.begin(), bytes.end()));
  };
  auto isBlobTensor = [](const PlannedTensor &t) {
    return t.kind == TensorKind::Weight && t.alias < 0;
  };
  for (const PlannedTensor &t : plans[0]->tensors)
    if (isBlobTensor(t))
      stored.emplace(hashOf(t.data), &t);
  for (size_t v = 1; v < plans.size(); ++v) {
    for (PlannedTensor &t : plans[v]->tensors) {
      if (!isBlobTensor(t))
        continue;
      size_t hash = hashOf(t.data);
      auto [first, last] = stored.equal_range(hash);
      const PlannedTensor *same = nullptr;
      for (auto it = first; it != last && !same; ++it)
        if (it->second->data.size() == t.data.size() &&
            std::equal(t.data.begin(), t.data.end(), it->second->data.begin()))
          same = it->second;
      if (same) {
        t.offset = same->offset;
        continue;
      }
      size = llvm::alignTo(size, plan::kWeightAlignment);
      t.offset = size;
      size += t.data.size();
      stored.emplace(hash, &t);
    }
  }
  for (ModelPlan *plan : plans)
    plan->weightsSize = size;
}

} // namespace cvc::driver
