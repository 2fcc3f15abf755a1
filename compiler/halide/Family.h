//===- Family.h - what every op family's lowering file uses -----*- C++ -*-===//
//
// A family file (Conv.cpp, Pool.cpp, ...) holds, for each of its ops, a
// schedule-space function (the legal schedules for the op's shapes and the
// target, and today's heuristic as the default point) and a build function
// (the Halide algorithm, then the schedule of a given point), and ends with
// a register<Family>Kernels function that attaches them to the ops as their
// HalideKernelOpInterface. This header gives them the shared vocabulary:
// tensors as Halide params, the kernel builder, the pointwise schedule and
// the attachment template.
//
// A tensor of shape [d0, ..., dk] (row-major) is a Halide function of k+1
// variables whose first (innermost) variable indexes dk. Static extents and
// dense strides are stated to Halide so that index arithmetic folds; only a
// dynamic leading (batch) dimension stays free.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HALIDE_FAMILY_H
#define CVC_HALIDE_FAMILY_H

#include "cvc/halide/Lowering.h"

#include "cv/CvOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectRegistry.h"

#include <type_traits>

namespace cvc::halide {

// The vocabulary of every lowering file, which all live in this namespace.
using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::TailStrategy;
using Halide::Var;

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

/// Shape of a tensor in Halide order (innermost first); -1 for the batch.
std::vector<int64_t> halideShape(mlir::Value v);

/// Extent of dimension `i` (tensor order) of `v`'s static type, as an int.
int dimOf(mlir::Value v, unsigned i);

/// Vars named x0 (innermost) .. x{rank-1}.
std::vector<Halide::Var> makeVars(size_t rank);
std::vector<Halide::Expr> asExprs(const std::vector<Halide::Var> &vars);

/// Largest power of two <= n (n >= 1).
int floorPow2(int64_t n);
int largestDivisorAtMost(int n, int limit);

/// The default vector width for a loop of static `extent`: a power of two
/// <= the target's natural width and <= extent, so that ShiftInwards tails
/// stay inside the buffer.
int vectorWidthFor(int64_t extent, const KernelContext &context);
/// Every width a loop of `extent` may take: powers of two up to that bound.
std::vector<int64_t> vectorWidthsFor(int64_t extent, const KernelContext &context);
/// Every width a guarded loop (GuardWithIf tails) may take: powers of two
/// up to the natural width.
std::vector<int64_t> guardedVectorWidths(const KernelContext &context);

//===----------------------------------------------------------------------===//
// Building a kernel
//===----------------------------------------------------------------------===//

/// Collects one kernel's inputs, in operand order, as ImageParams that
/// carry their static shapes (and strides, unless the plan makes the value
/// a strided view), then finishes the kernel around its result Func.
class KernelBuilder {
public:
  KernelBuilder(mlir::Operation *op, const KernelContext &context)
      : op(op), context(context) {}

  /// An input for `value` (an operand of the op, in operand order).
  Halide::ImageParam input(mlir::Value value, const std::string &name);
  const std::vector<Halide::ImageParam> &params() const { return params_; }
  const KernelContext &ctx() const { return context; }

  /// The kernel computing the op's result with `result`, whose output
  /// buffer is constrained to the result's shape.
  Kernel finish(Halide::Func result, uint64_t macsPerImage);
  /// The same for a kernel that is not one op's (a copy): `label` names it.
  Kernel finish(Halide::Func result, mlir::Value output, std::string label,
                uint64_t macsPerImage);

private:
  mlir::Operation *op;
  const KernelContext &context;
  std::vector<Halide::ImageParam> params_;
  std::vector<mlir::Value> inputs_;
};

/// A layer's operands as kernel inputs, in operand order (the residual,
/// when there is one, comes with its epilogue).
struct LayerInputs {
  Halide::ImageParam input, weight, bias; ///< bias is undefined without one
  bool hasBias = false;
};

template <typename LayerOp> LayerInputs layerInputs(KernelBuilder &kernel, LayerOp op) {
  LayerInputs in;
  in.input = kernel.input(op.getInput(), "input");
  in.weight = kernel.input(op.getWeight(), "weight");
  if (op.getBias()) {
    in.bias = kernel.input(op.getBias(), "bias");
    in.hasBias = true;
  }
  return in;
}

/// The op's name with its fused epilogue, e.g. "cv.conv2d+residual+relu".
std::string opLabel(mlir::Operation *op);

//===----------------------------------------------------------------------===//
// Parallel tasks and the pointwise schedule
//===----------------------------------------------------------------------===//

/// Iterations of a parallel loop per task so that each covers about 16K
/// elements when one iteration covers `elementsPerIteration`: thread
/// wake-ups cost more than smaller tasks.
int64_t defaultTaskGroup(int64_t elementsPerIteration);
/// Legal task groupings of a loop of `iterations` (< 0: unknown, it holds
/// the dynamic batch): powers of two up to it, and `preferred`.
std::vector<int64_t> taskGroupsFor(int64_t iterations, int64_t preferred);
/// Runs `task`'s iterations in parallel, `group` per task.
void parallelInGroups(Halide::Func f, Halide::Var task, int64_t group);

/// The register transpose of the data-movement kernels: `block`, a block of
/// the values its consumer `result` stores, is computed per iteration of
/// `result`'s loop `at`, held in registers, loaded with vectors along
/// `loadAlong` (contiguous in the source) and unrolled over `across` (the
/// dimension `result` vectorises). Once unrolled, the block's reads from
/// registers become shuffles.
void holdBlockInRegisters(Halide::Func block, Halide::Func result, Halide::Var at,
                          Halide::Var loadAlong, Halide::Var across);

/// The space of pointwise kernels (elementwise ops, copies, data movement)
/// over a result of Halide-order `shape`: "pointwise vector=V group=G",
/// vectorising the innermost dimension and spreading the outer two over
/// cores in groups; on a GPU target "gpu_pointwise threads=T".
ScheduleSpace pointwiseSpace(const std::vector<int64_t> &shape, const KernelContext &context);
/// On a GPU target's points ("gpu_pointwise threads=T"), a thread per
/// element. Returns the loop of one element (the innermost variable, or the
/// GPU thread), where a per-element helper Func is computed.
Halide::Var schedulePointwise(Halide::Func f, const std::vector<Halide::Var> &vars,
                              const SchedulePoint &point);
/// Whether `point` is one of the families' own GPU schedules (gpu_*).
bool isGpuPoint(const SchedulePoint &point);

/// The kernel of a pointwise op: result(vars) = value, a Func called
/// `name`, scheduled at `point` of pointwiseSpace.
Kernel finishPointwise(KernelBuilder &kernel, const std::string &name,
                       const std::vector<Halide::Var> &vars, Halide::Expr value,
                       const SchedulePoint &point);

//===----------------------------------------------------------------------===//
// Halide's autoschedulers (Autoschedule.cpp)
//===----------------------------------------------------------------------===//

/// Offers the "autoschedule" algorithm in `space`: scheduler
/// (mullapudi2016, adams2019, li2018; li2018 alone for a GPU) and balance. The
/// family's build function must then return `kernel.finish(...)` right
/// after its algorithm, before any scheduling, when isAutoscheduled(point).
void addAutoscheduleAlgorithm(ScheduleSpace &space, const KernelContext &context);
bool isAutoscheduled(const SchedulePoint &point);
/// Li2018 at Halide's default balance: a GPU kernel's schedule where the
/// family has none of its own.
SchedulePoint gpuAutoschedulePoint();
/// Runs the point's autoscheduler on `kernel`'s unscheduled pipeline.
mlir::LogicalResult applyAutoscheduler(Kernel &kernel, const SchedulePoint &point,
                                       const KernelContext &context, std::string &error);

//===----------------------------------------------------------------------===//
// Attaching a family's functions to its ops
//===----------------------------------------------------------------------===//

namespace detail {
template <typename Fn> struct OpArgOf;
template <typename R, typename A, typename... Rest> struct OpArgOf<R (*)(A, Rest...)> {
  using type = A;
};
template <typename T> T castOp(mlir::Operation *op) {
  if constexpr (std::is_same_v<T, mlir::Operation *>)
    return op;
  else
    return llvm::cast<T>(op);
}
} // namespace detail

/// The interface model of `OpT` built from a family's two functions, each
/// taking the op (typed, or as Operation *) first.
template <typename OpT, auto SpaceFn, auto BuildFn>
struct FamilyKernelModel
    : HalideKernelOpInterface::ExternalModel<FamilyKernelModel<OpT, SpaceFn, BuildFn>, OpT> {
  ScheduleSpace getScheduleSpace(mlir::Operation *op, const KernelContext &context) const {
    using Arg = typename detail::OpArgOf<decltype(SpaceFn)>::type;
    return SpaceFn(detail::castOp<Arg>(op), context);
  }
  mlir::FailureOr<Kernel> buildKernel(mlir::Operation *op, const KernelContext &context,
                                      const SchedulePoint &point) const {
    using Arg = typename detail::OpArgOf<decltype(BuildFn)>::type;
    return BuildFn(detail::castOp<Arg>(op), context, point);
  }
};

/// Attaches `SpaceFn` and `BuildFn` to each of `Ops`.
template <auto SpaceFn, auto BuildFn, typename... Ops>
void attachKernels(mlir::MLIRContext &context) {
  (Ops::template attachInterface<FamilyKernelModel<Ops, SpaceFn, BuildFn>>(context), ...);
}

/// Runs `attach` when the cv dialect is loaded into a context.
void addKernelExtension(mlir::DialectRegistry &registry, void (*attach)(mlir::MLIRContext &));

// One per family file.
void registerConvKernels(mlir::DialectRegistry &registry);
void registerConvBackwardKernels(mlir::DialectRegistry &registry);
void registerConvTransposeKernels(mlir::DialectRegistry &registry);
void registerBlockedConvKernels(mlir::DialectRegistry &registry);
void registerDepthwiseKernels(mlir::DialectRegistry &registry);
void registerWinogradKernels(mlir::DialectRegistry &registry);
void registerDenseKernels(mlir::DialectRegistry &registry);
void registerGemmKernels(mlir::DialectRegistry &registry);
void registerElementwiseKernels(mlir::DialectRegistry &registry);
void registerShapeKernels(mlir::DialectRegistry &registry);
void registerPoolKernels(mlir::DialectRegistry &registry);
void registerNormalizeKernels(mlir::DialectRegistry &registry);
void registerReduceKernels(mlir::DialectRegistry &registry);
void registerResampleKernels(mlir::DialectRegistry &registry);
void registerLossKernels(mlir::DialectRegistry &registry);

} // namespace cvc::halide

#endif // CVC_HALIDE_FAMILY_H
