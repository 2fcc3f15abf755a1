//===- ModelPlan.cpp - cv dialect -> tensors, weights and kernels -------===//
//
// planModel runs the named steps of PlanSteps.h in order: the states, each
// entry point (@main, then @train_step and @features when the module
// trains), the state hazards, the load-time kernels and liveness. The
// weights step (the blob layout) lives here; the others have a file each.
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/ModelPlan.h"

#include "PlanSteps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace cvc::driver {
namespace plan {

LogicalResult readWeight(cv::ConstantOp op, PlannedTensor &tensor) {
  Attribute value = op.getValue();
  if (auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return op.emitOpError() << "weight '" << tensor.name
                              << "' has no data (was the IR printed with elided weights?)";
    tensor.data = blob->getData();
    if (auto key = resource.getRawHandle().getKey(); !key.empty())
      tensor.name = key.str();
  } else if (auto dense = llvm::dyn_cast<DenseElementsAttr>(value)) {
    if (!dense.getElementType().isF32())
      return op.emitOpError() << "only float32 constants can be weights";
    int64_t n = dense.getNumElements();
    tensor.ownedData.resize(n * sizeof(float));
    float *out = reinterpret_cast<float *>(tensor.ownedData.data());
    int64_t i = 0;
    for (float v : dense.getValues<float>())
      out[i++] = v;
    tensor.data = tensor.ownedData;
  } else {
    return op.emitOpError() << "unsupported constant attribute kind " << value;
  }
  int64_t expected = llvm::cast<RankedTensorType>(op.getType()).getNumElements() * 4;
  if (static_cast<int64_t>(tensor.data.size()) != expected)
    return op.emitOpError() << "weight '" << tensor.name << "' holds " << tensor.data.size()
                            << " bytes; its type needs " << expected;
  return success();
}

void placeInBlob(ModelPlan &plan, PlannedTensor &tensor) {
  plan.weightsSize = llvm::alignTo(plan.weightsSize, kWeightAlignment);
  tensor.offset = plan.weightsSize;
  plan.weightsSize += tensor.data.size();
}

} // namespace plan

namespace {

std::string sanitize(StringRef name) {
  std::string out;
  for (char c : name)
    out += (llvm::isAlnum(c) || c == '_' || c == '.' || c == '-' || c == ':' || c == '/') ? c : '_';
  return out;
}

} // namespace

FailureOr<std::unique_ptr<ModelPlan>> planModel(ModuleOp module, const PlanOptions &options) {
  auto result = std::make_unique<ModelPlan>();
  ModelPlan &model = *result;
  model.modelName = options.modelName;
  model.target = options.context.target.to_string();
  if (!module.lookupSymbol<func::FuncOp>("main"))
    return module.emitError() << "the model has no @main function";

  FailureOr<plan::StateIndex> states = plan::planStates(module, model);
  if (failed(states))
    return failure();
  plan::FunctionCache functions;
  std::vector<PlannedKernel> loadTimeKernels;
  for (StringRef name : {"main", "train_step", "features", "train_gradients", "apply_gradients"}) {
    auto func = module.lookupSymbol<func::FuncOp>(name);
    if (!func)
      continue;
    if (failed(plan::planEntry(model, func, options, functions, *states, loadTimeKernels)) ||
        failed(plan::checkStateHazards(model, func, model.entries.back())))
      return failure();
  }
  plan::appendLoadTimeKernels(model, std::move(loadTimeKernels));
  model.macsPerImage = 0;
  for (int k = 0; k < model.entries[0].kernelCount; ++k)
    model.macsPerImage += model.kernels[k].macsPerImage;
  plan::computeLiveness(model);
  for (PlannedTensor &tensor : model.tensors)
    tensor.name = sanitize(tensor.name);
  return result;
}

} // namespace cvc::driver
