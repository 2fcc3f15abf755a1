//===- ModelPlan.cpp - cv dialect -> tensors, weights and kernels -------===//
//
// Walks @main once, in order. Constants become weights laid out in one blob,
// reshapes become views of their input's storage (never copies), and every
// other op becomes a Halide kernel. Ops with the same kernel signature (same
// op, attributes and shapes) share one compiled function: VGG and ResNet
// repeat layers, and each distinct kernel costs compile time.
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/ModelPlan.h"

#include "cv/CvOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace cvc::driver {
namespace {

constexpr uint64_t kWeightAlignment = 64;

std::vector<int64_t> planDims(RankedTensorType type) {
  std::vector<int64_t> dims;
  for (int64_t d : type.getShape())
    dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
  return dims;
}

std::string sanitize(StringRef name) {
  std::string out;
  for (char c : name)
    out += (llvm::isAlnum(c) || c == '_' || c == '.' || c == '-' || c == ':' || c == '/') ? c : '_';
  return out;
}

/// Raw little-endian float32 bytes of a constant, without copying resource blobs.
LogicalResult weightBytes(cv::ConstantOp op, PlannedTensor &tensor) {
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

std::string opShortName(Operation *op) {
  return op->getName().stripDialect().str();
}

} // namespace

FailureOr<std::unique_ptr<ModelPlan>> planModel(func::FuncOp func, const Halide::Target &target,
                                                StringRef modelName) {
  auto plan = std::make_unique<ModelPlan>();
  plan->modelName = modelName.str();
  plan->target = target.to_string();
  DenseMap<Value, int> tensorOf;
  llvm::StringMap<int> functionOf;

  auto addTensor = [&](Value v, TensorKind kind, std::string name) {
    PlannedTensor t;
    t.name = std::move(name);
    t.kind = kind;
    t.dims = planDims(llvm::cast<RankedTensorType>(v.getType()));
    plan->tensors.push_back(std::move(t));
    tensorOf[v] = static_cast<int>(plan->tensors.size()) - 1;
    return tensorOf[v];
  };

  // The function computing a kernel signature, lowered on first use.
  auto functionFor = [&](const std::string &signature, const std::string &shortName,
                         llvm::function_ref<FailureOr<halide::Kernel>()> lower) -> FailureOr<int> {
    if (auto it = functionOf.find(signature); it != functionOf.end())
      return it->second;
    FailureOr<halide::Kernel> lowered = lower();
    if (mlir::failed(lowered))
      return failure();
    int function = static_cast<int>(plan->functions.size());
    CompiledFunction compiled{"cvck" + std::to_string(function) + "_" + shortName,
                              std::move(*lowered), {}};
    // Kernel inputs follow operand order; searching onward from the last
    // match keeps a value that is two operands (x * x, a residual that is
    // also the input) at both positions, as other ops sharing the kernel need.
    if (Operation *op = compiled.kernel.output.getDefiningOp()) {
      auto operands = op->getOperands();
      auto from = operands.begin();
      for (Value input : compiled.kernel.inputs) {
        auto pos = std::find(from, operands.end(), input);
        assert(pos != operands.end() && "kernel inputs must follow operand order");
        compiled.operandIndex.push_back(static_cast<int>(std::distance(operands.begin(), pos)));
        from = std::next(pos);
      }
    }
    plan->functions.push_back(std::move(compiled));
    functionOf[signature] = function;
    return function;
  };
  auto addKernel = [&](int function, const std::string &shortName,
                       std::vector<int> args) -> PlannedKernel & {
    const halide::Kernel &hk = plan->functions[function].kernel;
    PlannedKernel kernel;
    kernel.name = "k" + std::to_string(plan->kernels.size()) + "_" + shortName;
    kernel.ops = hk.ops;
    kernel.function = function;
    kernel.macsPerImage = hk.macsPerImage;
    kernel.schedule = hk.schedule;
    kernel.args = std::move(args);
    plan->kernels.push_back(std::move(kernel));
    return plan->kernels.back();
  };

  for (BlockArgument arg : func.getArguments()) {
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "cv.name");
    std::string n = name ? name.str() : "input" + std::to_string(arg.getArgNumber());
    plan->inputs.push_back(addTensor(arg, TensorKind::Input, n));
  }

  bool failed = false;
  for (Operation &op : func.getBody().front()) {
    if (auto constant = llvm::dyn_cast<cv::ConstantOp>(&op)) {
      int t = addTensor(constant, TensorKind::Weight, "const" + std::to_string(tensorOf.size()));
      PlannedTensor &tensor = plan->tensors[t];
      if (mlir::failed(weightBytes(constant, tensor))) {
        failed = true;
        continue;
      }
      plan->weightsSize = llvm::alignTo(plan->weightsSize, kWeightAlignment);
      tensor.offset = plan->weightsSize;
      plan->weightsSize += tensor.data.size();
      continue;
    }
    if (auto reshape = llvm::dyn_cast<cv::ReshapeOp>(&op)) {
      int source = tensorOf.lookup(reshape.getInput());
      int root = plan->tensors[source].alias >= 0 ? plan->tensors[source].alias : source;
      int t = addTensor(reshape, plan->tensors[root].kind == TensorKind::Weight
                                     ? TensorKind::Weight
                                     : TensorKind::Activation,
                        "t" + std::to_string(plan->tensors.size()));
      plan->tensors[t].alias = root;
      plan->tensors[t].offset = plan->tensors[root].offset;
      continue;
    }
    if (llvm::isa<func::ReturnOp>(&op))
      continue;

    FailureOr<int> function = functionFor(halide::kernelSignature(&op), opShortName(&op),
                                          [&] { return halide::lowerOp(&op, target); });
    if (mlir::failed(function)) {
      failed = true;
      continue;
    }
    std::vector<int> args;
    for (int index : plan->functions[*function].operandIndex)
      args.push_back(tensorOf.lookup(op.getOperand(index)));
    args.push_back(addTensor(op.getResult(0), TensorKind::Activation,
                             "t" + std::to_string(plan->tensors.size())));
    PlannedKernel &kernel = addKernel(*function, opShortName(&op), std::move(args));
    plan->macsPerImage += kernel.macsPerImage;
  }
  if (failed)
    return failure();

  // Model outputs are written straight into the caller's buffers.
  auto ret = llvm::cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    int t = tensorOf.lookup(value);
    if (plan->tensors[t].kind != TensorKind::Activation || plan->tensors[t].alias >= 0) {
      // An input, a weight, a view or an output returned twice: copy it into
      // the caller's buffer.
      std::string signature = "copy ";
      llvm::raw_string_ostream(signature) << value.getType();
      FailureOr<int> function = functionFor(signature, "copy", [&]() -> FailureOr<halide::Kernel> {
        return halide::lowerCopy(value, target);
      });
      if (mlir::failed(function))
        return failure();
      PlannedTensor copy;
      copy.dims = plan->tensors[t].dims;
      plan->tensors.push_back(std::move(copy));
      int c = static_cast<int>(plan->tensors.size()) - 1;
      addKernel(*function, "copy", {t, c});
      t = c;
    }
    PlannedTensor &tensor = plan->tensors[t];
    tensor.kind = TensorKind::Output;
    if (auto name = func.getResultAttrOfType<StringAttr>(i, "cv.name"))
      tensor.name = name.str();
    else
      tensor.name = "output" + std::to_string(i);
    plan->outputs.push_back(t);
  }

  for (auto [k, kernel] : llvm::enumerate(plan->kernels))
    for (int t : kernel.args) {
      int root = plan->tensors[t].alias >= 0 ? plan->tensors[t].alias : t;
      for (int u : {t, root}) {
        PlannedTensor &tensor = plan->tensors[u];
        if (tensor.firstUse < 0)
          tensor.firstUse = static_cast<int>(k);
        tensor.lastUse = static_cast<int>(k);
      }
    }
  for (PlannedTensor &tensor : plan->tensors)
    tensor.name = sanitize(tensor.name);
  return plan;
}

} // namespace cvc::driver
