//===- ModelPlan.cpp - cv dialect -> tensors, weights and kernels -------===//
//
// Walks @main once, in order. Constants become weights laid out in one blob,
// reshapes become views of their input's storage (never copies), and every
// other op becomes a Halide kernel. Ops with the same kernel signature (same
// op, attributes and shapes) share one compiled function: VGG and ResNet
// repeat layers, and each distinct kernel costs compile time.
//
// An op that reads only weights (or results of such ops) computes the same
// value on every run: it becomes a load-time kernel, run when a session is
// created, and its result a Prepared tensor in memory the model's sessions
// share.
// Canonicalisation folds such ops into constants at compile time when that
// is cheap; the ones left are those kept unfolded on purpose because their
// results are larger than their inputs (cv.winograd_weights: 4x), so model.so
// stores the inputs and each session computes the rest. Prepared values
// depend only on the blob, never on states, so they cannot go stale.
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/ModelPlan.h"
#include "cvc/driver/ViewLayout.h"

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

/// A slice that only selects (unit innermost step, positive steps, the whole
/// batch) is a strided view: (element offset, strides) given its source's
/// dims and strides.
std::optional<std::pair<int64_t, std::vector<int64_t>>>
sliceView(cv::SliceOp slice, const std::vector<int64_t> &dims,
          const std::vector<int64_t> &strides) {
  ArrayRef<int64_t> starts = slice.getStarts(), steps = slice.getSteps();
  auto out = planDims(llvm::cast<RankedTensorType>(slice.getType()));
  if (steps.empty() || steps.back() != 1 || starts[0] != 0 || out[0] != dims[0])
    return std::nullopt;
  int64_t offset = 0;
  std::vector<int64_t> viewStrides(strides.size());
  for (size_t i = 0; i < strides.size(); ++i) {
    if (steps[i] < 1 || starts[i] < 0)
      return std::nullopt;
    offset += starts[i] * strides[i];
    viewStrides[i] = strides[i] * steps[i];
  }
  return std::make_pair(offset, viewStrides);
}

std::string opShortName(Operation *op) {
  return op->getName().stripDialect().str();
}

} // namespace

namespace {

/// The states a training module declares (`cv.states`), by name.
using StateIndex = llvm::StringMap<int>;

/// Weights and values computed from weights alone: the same on every run.
bool holdsConstantData(TensorKind kind) {
  return kind == TensorKind::Weight || kind == TensorKind::Prepared;
}

/// Plans one entry point into `plan`, after the entries already there.
/// Kernels with a signature already compiled share its function.
LogicalResult planEntry(ModelPlan &plan, func::FuncOp func, const PlanOptions &options,
                        llvm::StringMap<int> &functionOf, const StateIndex &states,
                        std::vector<PlannedKernel> &loadTimeKernels) {
  PlannedEntry entry;
  entry.name = func.getName().str();
  entry.firstKernel = static_cast<int>(plan.kernels.size());
  DenseMap<Value, int> tensorOf;

  auto addTensor = [&](Value v, TensorKind kind, std::string name) {
    PlannedTensor t;
    t.name = std::move(name);
    t.kind = kind;
    t.dims = planDims(llvm::cast<RankedTensorType>(v.getType()));
    plan.tensors.push_back(std::move(t));
    tensorOf[v] = static_cast<int>(plan.tensors.size()) - 1;
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
    int function = static_cast<int>(plan.functions.size());
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
    plan.functions.push_back(std::move(compiled));
    functionOf[signature] = function;
    return function;
  };
  /// Appends a kernel to `kernels` (the entry's, or the load-time ones,
  /// which are renamed when they are placed after every entry's).
  auto addKernel = [&](std::vector<PlannedKernel> &kernels, int function,
                       const std::string &shortName, std::vector<int> args) -> PlannedKernel & {
    const halide::Kernel &hk = plan.functions[function].kernel;
    PlannedKernel kernel;
    kernel.name = "k" + std::to_string(kernels.size()) + "_" + shortName;
    kernel.ops = hk.ops;
    kernel.function = function;
    kernel.macsPerImage = hk.macsPerImage;
    kernel.schedule = hk.schedule;
    kernel.args = std::move(args);
    kernels.push_back(std::move(kernel));
    return kernels.back();
  };

  for (BlockArgument arg : func.getArguments()) {
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "cv.name");
    std::string n = name ? name.str() : "input" + std::to_string(arg.getArgNumber());
    if (auto state = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "cv.state")) {
      int t = addTensor(arg, TensorKind::State, n);
      plan.tensors[t].offset = states.lookup(state.getValue());
      continue;
    }
    entry.inputs.push_back(addTensor(arg, TensorKind::Input, n));
  }

  bool failed = false;
  // Where each operand of an in-place concat is written: its range of the
  // concat's result. A reshape's source writes the same elements seen in its
  // own shape (--cv-in-place-concat only allows reshapes for which that is a
  // strided view).
  struct Slot {
    Value concat;
    int64_t offset;
    std::vector<int64_t> strides;
  };
  DenseMap<Value, Slot> slots;
  /// Per in-place concat: operands it takes again, and the offsets of their
  /// further ranges.
  DenseMap<Value, std::vector<std::pair<Value, int64_t>>> duplicates;
  func.walk([&](cv::ConcatOp concat) {
    if (!concat.getInPlace())
      return;
    std::vector<int64_t> dims = planDims(llvm::cast<RankedTensorType>(concat.getType()));
    std::vector<int64_t> strides = denseStrides(dims);
    int64_t axis = concat.getAxis(), offset = 0;
    for (Value in : concat.getInputs()) {
      std::vector<int64_t> inDims = planDims(llvm::cast<RankedTensorType>(in.getType()));
      if (slots.count(in)) {
        // Taken twice (a contiguous concat): written once, copied here.
        duplicates[concat.getOutput()].push_back({in, offset});
        offset += inDims[axis] * strides[axis];
        continue;
      }
      slots[in] = Slot{concat.getOutput(), offset, strides};
      if (auto reshape = in.getDefiningOp<cv::ReshapeOp>()) {
        std::vector<int64_t> srcDims =
            planDims(llvm::cast<RankedTensorType>(reshape.getInput().getType()));
        if (auto srcStrides = reshapedStrides(inDims, strides, srcDims))
          slots[reshape.getInput()] = Slot{concat.getOutput(), offset, *srcStrides};
      }
      offset += inDims[axis] * strides[axis];
    }
  });
  auto isStrided = [&](Value v) { return !plan.tensors[tensorOf.lookup(v)].viewStrides.empty(); };
  auto rootOf = [&](int t) { return plan.tensors[t].alias >= 0 ? plan.tensors[t].alias : t; };
  auto stridesOf = [&](int t) {
    const PlannedTensor &tensor = plan.tensors[t];
    return tensor.viewStrides.empty() ? denseStrides(tensor.dims) : tensor.viewStrides;
  };
  /// A tensor for `v` viewing `root`'s storage.
  auto addView = [&](Value v, int root, int64_t offset, std::vector<int64_t> strides) {
    TensorKind rootKind = plan.tensors[root].kind;
    int t = addTensor(v, holdsConstantData(rootKind) ? rootKind : TensorKind::Activation,
                      "t" + std::to_string(plan.tensors.size()));
    PlannedTensor &tensor = plan.tensors[t];
    tensor.alias = root;
    tensor.offset = plan.tensors[root].offset;
    tensor.viewOffset = offset;
    // A dense view at an offset (a weight inside a flat state) is a
    // pointer shift, not a strided tensor.
    if (strides != denseStrides(tensor.dims))
      tensor.viewStrides = std::move(strides);
    return t;
  };
  /// The tensor an op's result is written to: its own, or its range of an
  /// in-place concat's result.
  auto addResult = [&](Value v) {
    auto slot = slots.find(v);
    if (slot == slots.end())
      return addTensor(v, TensorKind::Activation, "t" + std::to_string(plan.tensors.size()));
    if (!tensorOf.count(slot->second.concat))
      addTensor(slot->second.concat, TensorKind::Activation,
                "t" + std::to_string(plan.tensors.size()));
    return addView(v, tensorOf.lookup(slot->second.concat), slot->second.offset,
                   slot->second.strides);
  };
  /// The result of an op computed at load time: a tensor of the session's
  /// prepared block.
  auto addPrepared = [&](Value v) {
    int t = addTensor(v, TensorKind::Prepared, "t" + std::to_string(plan.tensors.size()));
    uint64_t bytes = static_cast<uint64_t>(
                         llvm::cast<RankedTensorType>(v.getType()).getNumElements()) *
                     sizeof(float);
    plan.preparedSize = llvm::alignTo(plan.preparedSize, kWeightAlignment);
    plan.tensors[t].offset = plan.preparedSize;
    plan.preparedSize += bytes;
    return t;
  };
  auto isConstantData = [&](Value v) {
    auto it = tensorOf.find(v);
    if (it == tensorOf.end())
      return false;
    return holdsConstantData(plan.tensors[rootOf(it->second)].kind);
  };
  /// An op whose every operand is a weight or computed from weights only.
  /// (Its result must be its own static tensor, not a range of an in-place
  /// concat's activation.)
  auto isLoadTime = [&](Operation &op) {
    if (op.getNumResults() != 1 || op.getNumOperands() == 0 || slots.count(op.getResult(0)))
      return false;
    auto type = llvm::dyn_cast<RankedTensorType>(op.getResult(0).getType());
    return type && type.hasStaticShape() && llvm::all_of(op.getOperands(), isConstantData);
  };
  /// A kernel for `op` (or, without one, a dense copy of `copySource`),
  /// lowered with the strided views among its tensors known, so that it
  /// reads their strides. A load-time kernel goes to the load-time kernels
  /// and writes a Prepared tensor.
  auto planKernel = [&](Operation *op, Value copySource,
                        bool loadTime = false) -> FailureOr<PlannedKernel *> {
    std::vector<Value> operands =
        op ? std::vector<Value>(op->getOperands().begin(), op->getOperands().end())
           : std::vector<Value>{copySource};
    Value result = op ? op->getResult(0) : Value();
    llvm::DenseSet<Value> strided;
    std::string signature = op ? halide::kernelSignature(op) : "copy ";
    if (!op)
      llvm::raw_string_ostream(signature) << copySource.getType();
    for (auto [i, v] : llvm::enumerate(operands))
      if (isStrided(v)) {
        strided.insert(v);
        signature += " strided_operand" + std::to_string(i);
      }
    if (result && slots.count(result)) {
      strided.insert(result);
      signature += " strided_result";
    }
    halide::KernelContext context = options.context;
    context.stridedValues = &strided;
    std::string shortName = op ? opShortName(op) : "copy";
    FailureOr<int> function =
        functionFor(signature, shortName, [&]() -> FailureOr<halide::Kernel> {
          if (!op)
            return halide::lowerCopy(copySource, context);
          std::optional<halide::SchedulePoint> chosen;
          if (options.chooseSchedule) {
            FailureOr<halide::ScheduleSpace> space = halide::scheduleSpaceOf(op, context);
            if (mlir::failed(space))
              return failure();
            chosen = options.chooseSchedule(op, signature, *space);
          }
          return halide::lowerOp(op, context, chosen ? &*chosen : nullptr);
        });
    if (mlir::failed(function))
      return failure();
    std::vector<int> args;
    if (op) {
      for (int index : plan.functions[*function].operandIndex)
        args.push_back(tensorOf.lookup(op->getOperand(index)));
      args.push_back(loadTime ? addPrepared(result) : addResult(result));
    } else {
      args.push_back(tensorOf.lookup(copySource));
      PlannedTensor copy;
      copy.dims = plan.tensors[args[0]].dims;
      plan.tensors.push_back(std::move(copy));
      args.push_back(static_cast<int>(plan.tensors.size()) - 1);
    }
    return &addKernel(loadTime ? loadTimeKernels : plan.kernels, *function, shortName,
                      std::move(args));
  };

  for (Operation &op : func.getBody().front()) {
    if (auto constant = llvm::dyn_cast<cv::ConstantOp>(&op)) {
      int t = addTensor(constant, TensorKind::Weight, "const" + std::to_string(tensorOf.size()));
      PlannedTensor &tensor = plan.tensors[t];
      if (mlir::failed(weightBytes(constant, tensor))) {
        failed = true;
        continue;
      }
      plan.weightsSize = llvm::alignTo(plan.weightsSize, kWeightAlignment);
      tensor.offset = plan.weightsSize;
      plan.weightsSize += tensor.data.size();
      continue;
    }
    if (auto reshape = llvm::dyn_cast<cv::ReshapeOp>(&op)) {
      int source = tensorOf.lookup(reshape.getInput());
      std::vector<int64_t> dims = planDims(llvm::cast<RankedTensorType>(reshape.getType()));
      if (slots.count(reshape.getResult())) {
        // Its source already writes the concat's range, seen in this shape.
        if (!slots.count(reshape.getInput())) {
          reshape.emitOpError() << "feeds an in-place concat, but its source cannot write the "
                                   "concat's range (internal error)";
          failed = true;
          continue;
        }
        addResult(reshape.getResult());
        continue;
      }
      auto strides = reshapedStrides(plan.tensors[source].dims, stridesOf(source), dims);
      if (!strides) {
        // A strided view whose dimensions cannot merge: copy it densely.
        FailureOr<PlannedKernel *> copy = planKernel(nullptr, reshape.getInput());
        if (mlir::failed(copy)) {
          failed = true;
          continue;
        }
        source = (*copy)->args.back();
        strides = denseStrides(dims);
      }
      addView(reshape.getResult(), rootOf(source), plan.tensors[source].viewOffset, *strides);
      continue;
    }
    if (auto dropout = llvm::dyn_cast<cv::DropoutOp>(&op)) {
      // The identity at inference (canonicalisation removes it from -O1 on):
      // its result is its input's storage.
      int source = tensorOf.lookup(dropout.getInput());
      addView(dropout.getResult(), rootOf(source), plan.tensors[source].viewOffset,
              stridesOf(source));
      continue;
    }
    if (auto slice = llvm::dyn_cast<cv::SliceOp>(&op)) {
      int source = tensorOf.lookup(slice.getInput());
      if (auto view = sliceView(slice, plan.tensors[source].dims, stridesOf(source))) {
        addView(slice.getResult(), rootOf(source),
                plan.tensors[source].viewOffset + view->first, view->second);
        continue;
      }
    }
    if (auto concat = llvm::dyn_cast<cv::ConcatOp>(&op); concat && concat.getInPlace()) {
      // Its operands' producers have written every element but the further
      // ranges of an operand taken twice, which a copy fills.
      if (!tensorOf.count(concat.getOutput()))
        addResult(concat.getOutput());
      int root = rootOf(tensorOf.lookup(concat.getOutput()));
      for (auto [value, offset] : duplicates.lookup(concat.getOutput())) {
        FailureOr<PlannedKernel *> copy = planKernel(nullptr, value);
        if (mlir::failed(copy)) {
          failed = true;
          continue;
        }
        PlannedTensor &target = plan.tensors[(*copy)->args.back()];
        target.kind = TensorKind::Activation;
        target.alias = root;
        target.viewOffset = offset;
      }
      continue;
    }
    if (llvm::isa<func::ReturnOp>(&op))
      continue;

    FailureOr<PlannedKernel *> kernel = planKernel(&op, {}, isLoadTime(op));
    if (mlir::failed(kernel)) {
      failed = true;
      continue;
    }
  }
  if (failed)
    return failure();

  // Outputs are written straight into the caller's buffers; a result that
  // updates a state is written into the state's buffer.
  auto ret = llvm::cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    int t = tensorOf.lookup(value);
    auto state = func.getResultAttrOfType<StringAttr>(i, "cv.state");
    if (state && plan.tensors[t].kind == TensorKind::State &&
        plan.tensors[t].offset == static_cast<uint64_t>(states.lookup(state.getValue())))
      continue; // returned unchanged
    if (plan.tensors[t].kind != TensorKind::Activation || plan.tensors[t].alias >= 0) {
      // An input, a weight, a view or an output returned twice: copy it into
      // the caller's buffer.
      FailureOr<PlannedKernel *> copy = planKernel(nullptr, value);
      if (mlir::failed(copy))
        return failure();
      t = (*copy)->args.back();
    }
    PlannedTensor &tensor = plan.tensors[t];
    if (state) {
      tensor.kind = TensorKind::State;
      tensor.offset = states.lookup(state.getValue());
      continue;
    }
    tensor.kind = TensorKind::Output;
    if (auto name = func.getResultAttrOfType<StringAttr>(i, "cv.name"))
      tensor.name = name.str();
    else
      tensor.name = "output" + std::to_string(i);
    entry.outputs.push_back(t);
  }
  entry.kernelCount = static_cast<int>(plan.kernels.size()) - entry.firstKernel;
  plan.entries.push_back(std::move(entry));
  return success();
}

/// A state written by a kernel of an entry must not be read, as its old
/// value, by a later kernel that does not itself write it: updates happen
/// in place, and only an elementwise update may read what it overwrites.
LogicalResult checkStateHazards(const ModelPlan &plan, func::FuncOp func,
                                const PlannedEntry &entry) {
  auto rootOf = [&](int t) { return plan.tensors[t].alias >= 0 ? plan.tensors[t].alias : t; };
  auto stateOf = [&](int root) -> int {
    return plan.tensors[root].kind == TensorKind::State
               ? static_cast<int>(plan.tensors[root].offset)
               : -1;
  };
  int end = entry.firstKernel + entry.kernelCount;
  // The new values: state tensors some kernel writes. Reading them is fine.
  llvm::DenseSet<int> newValues;
  for (int k = entry.firstKernel; k < end; ++k)
    newValues.insert(rootOf(plan.kernels[k].args.back()));
  llvm::DenseSet<int> written;
  for (int k = entry.firstKernel; k < end; ++k) {
    const PlannedKernel &kernel = plan.kernels[k];
    int writes = stateOf(rootOf(kernel.args.back()));
    for (size_t a = 0; a + 1 < kernel.args.size(); ++a) {
      int root = rootOf(kernel.args[a]);
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

} // namespace

FailureOr<std::unique_ptr<ModelPlan>> planModel(ModuleOp module, const PlanOptions &options) {
  auto plan = std::make_unique<ModelPlan>();
  plan->modelName = options.modelName;
  plan->target = options.context.target.to_string();
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return module.emitError() << "the model has no @main function";

  // States (training): their initial values go into the weight blob.
  StateIndex states;
  if (auto list = module->getAttrOfType<ArrayAttr>("cv.states"))
    for (Attribute a : list) {
      auto dict = llvm::cast<DictionaryAttr>(a);
      PlannedState state;
      state.name = dict.getAs<StringAttr>("name").str();
      state.size = dict.getAs<IntegerAttr>("size").getInt();
      if (auto init = dict.getAs<ElementsAttr>("init")) {
        PlannedTensor tensor;
        tensor.name = state.name + ".init";
        tensor.kind = TensorKind::Weight;
        tensor.dims = {state.size};
        OpBuilder b(module.getContext());
        auto constant = b.create<cv::ConstantOp>(module.getLoc(), init);
        LogicalResult read = weightBytes(constant, tensor);
        constant->erase();
        if (mlir::failed(read))
          return failure();
        plan->weightsSize = llvm::alignTo(plan->weightsSize, kWeightAlignment);
        tensor.offset = plan->weightsSize;
        plan->weightsSize += tensor.data.size();
        state.initTensor = static_cast<int>(plan->tensors.size());
        plan->tensors.push_back(std::move(tensor));
      }
      states[state.name] = static_cast<int>(plan->states.size());
      plan->states.push_back(std::move(state));
    }
  if (auto list = module->getAttrOfType<ArrayAttr>("cv.state_slices"))
    for (Attribute a : list) {
      auto dict = llvm::cast<DictionaryAttr>(a);
      PlannedSlice slice;
      slice.name = dict.getAs<StringAttr>("name").str();
      slice.state = states.lookup(dict.getAs<StringAttr>("state").getValue());
      slice.offset = dict.getAs<IntegerAttr>("offset").getInt();
      auto shape = llvm::cast<DenseI64ArrayAttr>(dict.get("shape"));
      slice.dims.assign(shape.asArrayRef().begin(), shape.asArrayRef().end());
      plan->slices.push_back(std::move(slice));
    }

  llvm::StringMap<int> functionOf;
  std::vector<PlannedKernel> loadTimeKernels;
  for (StringRef name : {"main", "train_step", "features"}) {
    auto func = module.lookupSymbol<func::FuncOp>(name);
    if (!func)
      continue;
    if (mlir::failed(planEntry(*plan, func, options, functionOf, states, loadTimeKernels)) ||
        mlir::failed(checkStateHazards(*plan, func, plan->entries.back())))
      return failure();
  }
  // After every entry's kernels, so that "main" starts at kernel 0 and a
  // weight whose first use is a load-time kernel is read by nothing else.
  plan->prepare.name = "prepare";
  plan->prepare.firstKernel = static_cast<int>(plan->kernels.size());
  plan->prepare.kernelCount = static_cast<int>(loadTimeKernels.size());
  for (PlannedKernel &kernel : loadTimeKernels) {
    kernel.name = "k" + std::to_string(plan->kernels.size()) +
                  kernel.name.substr(kernel.name.find('_'));
    kernel.macsPerImage = 0; // once per session, not per image
    plan->kernels.push_back(std::move(kernel));
  }
  plan->macsPerImage = 0;
  for (int k = 0; k < plan->entries[0].kernelCount; ++k)
    plan->macsPerImage += plan->kernels[k].macsPerImage;

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
