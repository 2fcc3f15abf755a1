//===- PlanEntry.cpp - one entry point's tensors and kernels -------------===//
//
// Walks the entry's function once, in order. Constants become weights laid
// out in the blob, reshapes, selecting slices and dropout become views of
// their input's storage (never copies), an in-place concat's operands are
// written into its result by their producers, and every other op becomes a
// Halide kernel. Ops with the same kernel signature (same op, attributes
// and shapes) share one compiled function: VGG and ResNet repeat layers,
// and each distinct kernel costs compile time.
//
// An op that reads only weights (or results of such ops) computes the same
// value on every run: it becomes a load-time kernel, run when a session is
// created, and its result a Prepared tensor in memory the model's sessions
// share. Canonicalisation folds such ops into constants at compile time
// when that is cheap; the ones left are those kept unfolded on purpose
// because their results are larger than their inputs (cv.winograd_weights:
// 4x), so model.so stores the inputs and each session computes the rest.
// Prepared values depend only on the blob, never on states, so they cannot
// go stale.
//
//===----------------------------------------------------------------------===//
#include "PlanSteps.h"

#include "cvc/driver/ViewLayout.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace cvc::driver::plan {
namespace {

std::string opShortName(Operation *op) { return op->getName().stripDialect().str(); }

class EntryPlanner {
public:
  EntryPlanner(ModelPlan &plan, func::FuncOp func, const PlanOptions &options,
               FunctionCache &functions, const StateIndex &states,
               std::vector<PlannedKernel> &loadTimeKernels)
      : plan(plan), func(func), options(options), functions(functions), states(states),
        loadTimeKernels(loadTimeKernels), concats(planInPlaceConcats(func)) {
    entry.name = func.getName().str();
    entry.firstKernel = static_cast<int>(plan.kernels.size());
  }

  LogicalResult run() {
    bindArguments();
    bool failed = false;
    for (Operation &op : func.getBody().front())
      failed |= mlir::failed(planOp(op));
    if (failed || mlir::failed(bindOutputs()))
      return failure();
    entry.kernelCount = static_cast<int>(plan.kernels.size()) - entry.firstKernel;
    plan.entries.push_back(std::move(entry));
    return success();
  }

private:
  //===--- tensors ----------------------------------------------------===//

  int addTensor(Value v, TensorKind kind, std::string name) {
    PlannedTensor t;
    t.name = std::move(name);
    t.kind = kind;
    t.dims = planDims(llvm::cast<RankedTensorType>(v.getType()));
    plan.tensors.push_back(std::move(t));
    tensorOf[v] = static_cast<int>(plan.tensors.size()) - 1;
    return tensorOf[v];
  }

  std::string nextName() const { return "t" + std::to_string(plan.tensors.size()); }
  int rootOf(int t) const { return plan.tensors[t].alias >= 0 ? plan.tensors[t].alias : t; }
  bool isStrided(Value v) const { return !plan.tensors[tensorOf.lookup(v)].viewStrides.empty(); }
  std::vector<int64_t> stridesOf(int t) const {
    const PlannedTensor &tensor = plan.tensors[t];
    return tensor.viewStrides.empty() ? denseStrides(tensor.dims) : tensor.viewStrides;
  }

  /// A tensor for `v` viewing `root`'s storage.
  int addView(Value v, int root, int64_t offset, std::vector<int64_t> strides) {
    TensorKind rootKind = plan.tensors[root].kind;
    int t = addTensor(v, holdsConstantData(rootKind) ? rootKind : TensorKind::Activation,
                      nextName());
    PlannedTensor &tensor = plan.tensors[t];
    tensor.alias = root;
    tensor.offset = plan.tensors[root].offset;
    tensor.viewOffset = offset;
    // A dense view at an offset (a weight inside a flat state) is a
    // pointer shift, not a strided tensor.
    if (strides != denseStrides(tensor.dims))
      tensor.viewStrides = std::move(strides);
    return t;
  }

  /// The tensor an op's result is written to: its own, or its range of an
  /// in-place concat's result.
  int addResult(Value v) {
    auto slot = concats.slots.find(v);
    if (slot == concats.slots.end())
      return addTensor(v, TensorKind::Activation, nextName());
    if (!tensorOf.count(slot->second.concat))
      addTensor(slot->second.concat, TensorKind::Activation, nextName());
    return addView(v, tensorOf.lookup(slot->second.concat), slot->second.offset,
                   slot->second.strides);
  }

  /// The result of an op computed at load time: a tensor of the session's
  /// prepared block.
  int addPrepared(Value v) {
    int t = addTensor(v, TensorKind::Prepared, nextName());
    uint64_t bytes =
        static_cast<uint64_t>(llvm::cast<RankedTensorType>(v.getType()).getNumElements()) *
        sizeof(float);
    plan.preparedSize = llvm::alignTo(plan.preparedSize, kWeightAlignment);
    plan.tensors[t].offset = plan.preparedSize;
    plan.preparedSize += bytes;
    return t;
  }

  bool isConstantData(Value v) const {
    auto it = tensorOf.find(v);
    return it != tensorOf.end() && holdsConstantData(plan.tensors[rootOf(it->second)].kind);
  }

  /// An op whose every operand is a weight or computed from weights only.
  /// (Its result must be its own static tensor, not a range of an in-place
  /// concat's activation.)
  bool isLoadTime(Operation &op) const {
    if (op.getNumResults() != 1 || op.getNumOperands() == 0 ||
        concats.slots.count(op.getResult(0)))
      return false;
    auto type = llvm::dyn_cast<RankedTensorType>(op.getResult(0).getType());
    return type && type.hasStaticShape() &&
           llvm::all_of(op.getOperands(), [&](Value v) { return isConstantData(v); });
  }

  //===--- kernels ----------------------------------------------------===//

  /// The function computing a kernel signature, lowered on first use.
  FailureOr<int> functionFor(const std::string &signature, const std::string &shortName,
                             llvm::function_ref<FailureOr<halide::Kernel>()> lower) {
    if (auto it = functions.find(signature); it != functions.end())
      return it->second;
    FailureOr<halide::Kernel> lowered = lower();
    if (mlir::failed(lowered))
      return failure();
    int function = static_cast<int>(plan.functions.size());
    CompiledFunction compiled{"cvck" + std::to_string(function) + "_" + shortName,
                              std::move(*lowered), {}, signature};
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
    functions[signature] = function;
    return function;
  }

  /// Appends a kernel to `kernels` (the entry's, or the load-time ones,
  /// which are renamed when they are placed after every entry's).
  PlannedKernel &addKernel(std::vector<PlannedKernel> &kernels, int function,
                           const std::string &shortName, std::vector<int> args) {
    const halide::Kernel &hk = plan.functions[function].kernel;
    PlannedKernel kernel;
    kernel.name = "k" + std::to_string(kernels.size()) + "_" + shortName;
    kernel.ops = hk.ops;
    kernel.function = function;
    kernel.macsPerImage = hk.macsPerImage;
    kernel.schedule = hk.schedule;
    kernel.scheduleSource = hk.scheduleSource;
    kernel.args = std::move(args);
    kernels.push_back(std::move(kernel));
    return kernels.back();
  }

  /// The op's kernel at its space's default point, or the one the chooser
  /// (a tuning database) picks.
  FailureOr<halide::Kernel> lower(Operation *op, const halide::KernelContext &context,
                                  const std::string &signature) {
    std::optional<halide::ScheduleChoice> chosen;
    if (options.chooseSchedule) {
      FailureOr<halide::ScheduleSpace> space = halide::scheduleSpaceOf(op, context);
      if (mlir::failed(space))
        return failure();
      chosen = options.chooseSchedule(op, signature, *space, context);
    }
    FailureOr<halide::Kernel> kernel =
        halide::lowerOp(op, context, chosen ? &chosen->point : nullptr);
    if (mlir::succeeded(kernel) && chosen)
      kernel->scheduleSource = chosen->source;
    return kernel;
  }

  /// A kernel for `op` (or, without one, a dense copy of `copySource`),
  /// lowered with the strided views among its tensors known, so that it
  /// reads their strides. A load-time kernel goes to the load-time kernels
  /// and writes a Prepared tensor.
  FailureOr<PlannedKernel *> planKernel(Operation *op, Value copySource, bool loadTime = false) {
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
    if (result && concats.slots.count(result)) {
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
          return lower(op, context, signature);
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
    PlannedKernel &kernel = addKernel(loadTime ? loadTimeKernels : plan.kernels, *function,
                                      shortName, std::move(args));
    kernel.perImage = !loadTime && keepsImagesApart(op);
    return &kernel;
  }

  /// A copy moves each image to the same image. Whether the kernel's
  /// tensors allow running it image by image is cvc/image_stretches.hpp's
  /// to say, on the finished plan.
  static bool keepsImagesApart(Operation *op) {
    if (!op)
      return true;
    auto imagewise = llvm::dyn_cast<cv::ImagewiseOpInterface>(op);
    return imagewise && imagewise.keepsImagesApart();
  }

  //===--- the walk ---------------------------------------------------===//

  void bindArguments() {
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
  }

  LogicalResult planOp(Operation &op) {
    if (auto constant = llvm::dyn_cast<cv::ConstantOp>(&op))
      return planConstant(constant);
    if (auto reshape = llvm::dyn_cast<cv::ReshapeOp>(&op))
      return planReshape(reshape);
    if (auto dropout = llvm::dyn_cast<cv::DropoutOp>(&op)) {
      // The identity at inference (canonicalisation removes it from -O1 on):
      // its result is its input's storage.
      int source = tensorOf.lookup(dropout.getInput());
      addView(dropout.getResult(), rootOf(source), plan.tensors[source].viewOffset,
              stridesOf(source));
      return success();
    }
    if (auto slice = llvm::dyn_cast<cv::SliceOp>(&op)) {
      int source = tensorOf.lookup(slice.getInput());
      if (auto view = sliceView(slice, plan.tensors[source].dims, stridesOf(source))) {
        addView(slice.getResult(), rootOf(source),
                plan.tensors[source].viewOffset + view->first, view->second);
        return success();
      }
    }
    if (auto concat = llvm::dyn_cast<cv::ConcatOp>(&op); concat && concat.getInPlace())
      return planInPlaceConcat(concat);
    if (llvm::isa<func::ReturnOp>(&op))
      return success();
    return planKernel(&op, {}, isLoadTime(op));
  }

  LogicalResult planConstant(cv::ConstantOp constant) {
    int t = addTensor(constant, TensorKind::Weight, "const" + std::to_string(tensorOf.size()));
    PlannedTensor &tensor = plan.tensors[t];
    if (auto padding = constant->getAttrOfType<IntegerAttr>("cv.padding"))
      tensor.padding = padding.getInt();
    if (mlir::failed(readWeight(constant, tensor)))
      return failure();
    placeInBlob(plan, tensor);
    return success();
  }

  LogicalResult planReshape(cv::ReshapeOp reshape) {
    int source = tensorOf.lookup(reshape.getInput());
    std::vector<int64_t> dims = planDims(llvm::cast<RankedTensorType>(reshape.getType()));
    if (concats.slots.count(reshape.getResult())) {
      // Its source already writes the concat's range, seen in this shape.
      if (!concats.slots.count(reshape.getInput()))
        return reshape.emitOpError() << "feeds an in-place concat, but its source cannot write "
                                        "the concat's range (internal error)";
      addResult(reshape.getResult());
      return success();
    }
    auto strides = reshapedStrides(plan.tensors[source].dims, stridesOf(source), dims);
    if (!strides) {
      // A strided view whose dimensions cannot merge: copy it densely.
      FailureOr<PlannedKernel *> copy = planKernel(nullptr, reshape.getInput());
      if (mlir::failed(copy))
        return failure();
      source = (*copy)->args.back();
      strides = denseStrides(dims);
    }
    addView(reshape.getResult(), rootOf(source), plan.tensors[source].viewOffset, *strides);
    return success();
  }

  /// Its operands' producers have written every element but the further
  /// ranges of an operand taken twice, which a copy fills.
  LogicalResult planInPlaceConcat(cv::ConcatOp concat) {
    if (!tensorOf.count(concat.getOutput()))
      addResult(concat.getOutput());
    int root = rootOf(tensorOf.lookup(concat.getOutput()));
    bool failed = false;
    for (auto [value, offset] : concats.duplicates.lookup(concat.getOutput())) {
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
    return failure(failed);
  }

  /// When output `t` is the whole of its root activation seen in another
  /// shape (a flattened in-place concat: the data-parallel gradients, a
  /// reshaped classifier), the caller's buffer becomes the root and the
  /// activation a view of it: its producers write the output directly,
  /// with no copy, and each part is final as soon as its producer is done.
  void rootAtOutput(int t) {
    int r = plan.tensors[t].alias;
    const PlannedTensor &view = plan.tensors[t], &root = plan.tensors[r];
    auto elements = [](const std::vector<int64_t> &dims) {
      int64_t n = 1;
      for (int64_t d : dims)
        n *= d < 0 ? -1 : d; // the dynamic batch as a sign: same batch, same sign
      return n;
    };
    // (An alias always names a root: `root` itself views nothing.)
    if (root.kind != TensorKind::Activation || view.viewOffset != 0 ||
        !view.viewStrides.empty() || elements(view.dims) != elements(root.dims))
      return;
    for (PlannedTensor &other : plan.tensors)
      if (other.alias == r)
        other.alias = t;
    plan.tensors[r].alias = t;
    plan.tensors[r].viewOffset = 0;
    plan.tensors[t].alias = -1;
    plan.tensors[t].viewOffset = 0;
  }

  /// Outputs are written straight into the caller's buffers; a result that
  /// updates a state is written into the state's buffer.
  LogicalResult bindOutputs() {
    auto ret = llvm::cast<func::ReturnOp>(func.getBody().front().getTerminator());
    for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
      int t = tensorOf.lookup(value);
      auto state = func.getResultAttrOfType<StringAttr>(i, "cv.state");
      if (state && plan.tensors[t].kind == TensorKind::State &&
          plan.tensors[t].offset == static_cast<uint64_t>(states.lookup(state.getValue())))
        continue; // returned unchanged
      if (!state && plan.tensors[t].kind == TensorKind::Activation && plan.tensors[t].alias >= 0)
        rootAtOutput(t);
      if (plan.tensors[t].kind != TensorKind::Activation || plan.tensors[t].alias >= 0) {
        // An input, a weight, a view or an output returned twice: copy it
        // into the caller's buffer.
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
    return success();
  }

  ModelPlan &plan;
  func::FuncOp func;
  const PlanOptions &options;
  FunctionCache &functions;
  const StateIndex &states;
  std::vector<PlannedKernel> &loadTimeKernels;
  InPlaceConcats concats;
  PlannedEntry entry;
  DenseMap<Value, int> tensorOf;
};

} // namespace

LogicalResult planEntry(ModelPlan &plan, func::FuncOp func, const PlanOptions &options,
                        FunctionCache &functions, const StateIndex &states,
                        std::vector<PlannedKernel> &loadTimeKernels) {
  return EntryPlanner(plan, func, options, functions, states, loadTimeKernels).run();
}

} // namespace cvc::driver::plan
