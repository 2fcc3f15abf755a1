//===- PlanSteps.h - the named steps of planning a model --------*- C++ -*-===//
//
// planModel (ModelPlan.cpp) runs these in order; each has one job and is
// tested on its own (test/unit/driver):
//
//   states     a training module's persistent buffers and their slices
//   weights    constants laid out in the blob
//   views      which values share another's storage: reshapes, selecting
//              slices, dropout, and the ranges of in-place concats
//   entry      one entry point's tensors and kernels (sharing compiled
//              functions by signature), its inputs and outputs
//   hazards    no kernel reads a state after it was updated in place
//   prepare    ops on weights alone, moved to the load-time kernels
//   liveness   each tensor's first and last kernel
//   arena      the activation buffers the runtime packs by liveness
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DRIVER_PLANSTEPS_H
#define CVC_DRIVER_PLANSTEPS_H

#include "cvc/arena_layout.hpp"
#include "cvc/driver/ModelPlan.h"

#include "cv/CvOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <optional>

namespace cvc::driver::plan {

/// Alignment of weights in the blob and of prepared tensors in their block.
constexpr uint64_t kWeightAlignment = 64;

/// Plan dims of a tensor type: row-major, -1 for the dynamic batch.
std::vector<int64_t> planDims(mlir::RankedTensorType type);

/// Weights and values computed from weights alone: the same on every run.
inline bool holdsConstantData(TensorKind kind) {
  return kind == TensorKind::Weight || kind == TensorKind::Prepared;
}

//===----------------------------------------------------------------------===//
// states
//===----------------------------------------------------------------------===//

/// The states a training module declares (`cv.states`), by name.
using StateIndex = llvm::StringMap<int>;

/// Reads `cv.states` and `cv.state_slices` into `plan`; a state's initial
/// value becomes a weight. Errors are emitted at the module.
mlir::FailureOr<StateIndex> planStates(mlir::ModuleOp module, ModelPlan &plan);

//===----------------------------------------------------------------------===//
// weights
//===----------------------------------------------------------------------===//

/// Points `tensor` at the constant's float32 bytes, without copying a
/// resource blob (dense attributes are converted into `ownedData`).
mlir::LogicalResult readWeight(cv::ConstantOp op, PlannedTensor &tensor);

/// Gives a weight tensor its aligned offset at the end of the blob.
void placeInBlob(ModelPlan &plan, PlannedTensor &tensor);

//===----------------------------------------------------------------------===//
// views
//===----------------------------------------------------------------------===//

/// Where a value is written when an in-place concat takes it: the concat's
/// result, at `offset` elements, seen with `strides`.
struct ConcatSlot {
  mlir::Value concat;
  int64_t offset = 0;
  std::vector<int64_t> strides;
};

struct InPlaceConcats {
  llvm::DenseMap<mlir::Value, ConcatSlot> slots;
  /// Per in-place concat: operands it takes again, and the element offsets
  /// of their further ranges (a copy fills those).
  llvm::DenseMap<mlir::Value, std::vector<std::pair<mlir::Value, int64_t>>> duplicates;
};

/// The slots of every in-place concat of `func`. A reshape feeding one
/// makes its source write the same elements, seen in the source's shape,
/// when that is a strided view (--cv-in-place-concat admits no other).
InPlaceConcats planInPlaceConcats(mlir::func::FuncOp func);

/// A slice that only selects (unit innermost step, positive steps, the
/// whole batch) as (element offset, strides) into a source of `dims` and
/// `strides`; std::nullopt when it needs a kernel.
std::optional<std::pair<int64_t, std::vector<int64_t>>>
sliceView(cv::SliceOp slice, const std::vector<int64_t> &dims,
          const std::vector<int64_t> &strides);

//===----------------------------------------------------------------------===//
// entry
//===----------------------------------------------------------------------===//

/// Compiled functions by kernel signature, shared across entry points.
using FunctionCache = llvm::StringMap<int>;

/// Plans entry point `func` into `plan`, after the entries already there:
/// its tensors (views included) and kernels, and its inputs and outputs.
/// Kernels of ops that read only weights go to `loadTimeKernels`.
mlir::LogicalResult planEntry(ModelPlan &plan, mlir::func::FuncOp func,
                              const PlanOptions &options, FunctionCache &functions,
                              const StateIndex &states,
                              std::vector<PlannedKernel> &loadTimeKernels);

//===----------------------------------------------------------------------===//
// hazards, prepare, liveness, arena
//===----------------------------------------------------------------------===//

/// A state written by a kernel of `entry` must not be read, as its old
/// value, by a later kernel that does not itself write it: updates happen
/// in place, and only an elementwise update may read what it overwrites.
mlir::LogicalResult checkStateHazards(const ModelPlan &plan, mlir::func::FuncOp func,
                                      const PlannedEntry &entry);

/// Appends the load-time kernels after every entry's, as plan.prepare, so
/// that "main" starts at kernel 0 and a weight whose first use is a
/// load-time kernel is read by nothing else.
void appendLoadTimeKernels(ModelPlan &plan, std::vector<PlannedKernel> kernels);

/// Each tensor's first and last kernel; a view's uses count for its root.
void computeLiveness(ModelPlan &plan);

/// The activations that own storage (roots used by some kernel), as the
/// runtime packs them into one arena.
std::vector<arena::Block> arenaBlocks(const ModelPlan &plan);

} // namespace cvc::driver::plan

#endif // CVC_DRIVER_PLANSTEPS_H
