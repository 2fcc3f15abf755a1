//===- PlanStates.cpp - a training module's persistent buffers ----------===//
#include "PlanSteps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace cvc::driver::plan {

FailureOr<StateIndex> planStates(ModuleOp module, ModelPlan &plan) {
  StateIndex states;
  if (auto list = module->getAttrOfType<ArrayAttr>("cv.states"))
    for (Attribute a : list) {
      auto dict = llvm::cast<DictionaryAttr>(a);
      PlannedState state;
      state.name = dict.getAs<StringAttr>("name").str();
      state.size = dict.getAs<IntegerAttr>("size").getInt();
      // The initial value is a weight: the blob holds it, the session copies it.
      if (auto init = dict.getAs<ElementsAttr>("init")) {
        PlannedTensor tensor;
        tensor.name = state.name + ".init";
        tensor.kind = TensorKind::Weight;
        tensor.dims = {state.size};
        OpBuilder b(module.getContext());
        auto constant = b.create<cv::ConstantOp>(module.getLoc(), init);
        LogicalResult read = readWeight(constant, tensor);
        constant->erase();
        if (failed(read))
          return failure();
        placeInBlob(plan, tensor);
        state.initTensor = static_cast<int>(plan.tensors.size());
        plan.tensors.push_back(std::move(tensor));
      }
      states[state.name] = static_cast<int>(plan.states.size());
      plan.states.push_back(std::move(state));
    }
  if (auto list = module->getAttrOfType<ArrayAttr>("cv.state_slices"))
    for (Attribute a : list) {
      auto dict = llvm::cast<DictionaryAttr>(a);
      PlannedSlice slice;
      slice.name = dict.getAs<StringAttr>("name").str();
      StringRef stateName = dict.getAs<StringAttr>("state").getValue();
      if (!states.count(stateName))
        return module.emitError() << "state slice '" << slice.name << "' names unknown state '"
                                  << stateName << "'";
      slice.state = states.lookup(stateName);
      slice.offset = dict.getAs<IntegerAttr>("offset").getInt();
      auto shape = llvm::cast<DenseI64ArrayAttr>(dict.get("shape"));
      slice.dims.assign(shape.asArrayRef().begin(), shape.asArrayRef().end());
      plan.slices.push_back(std::move(slice));
    }
  return states;
}

} // namespace cvc::driver::plan
