//===- StateLayout.h - weights as slices of flat session states -*- C++ -*-===//
#ifndef CVC_AUTODIFF_STATELAYOUT_H
#define CVC_AUTODIFF_STATELAYOUT_H

#include "cv/CvOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace cvc::autodiff {

/// The attributes naming an entry's arguments and results, and marking
/// those that are session states.
constexpr const char *kNameAttr = "cv.name";
constexpr const char *kStateAttr = "cv.state";

/// The index of `func`'s argument named `name`, or -1.
int argumentNamed(mlir::func::FuncOp func, llvm::StringRef name);

/// Where a constant of the inference graph goes when the model trains.
enum class StateRole { Parameter, Statistic };

/// One named tensor of a flat state.
struct StateSlice {
  std::string name;
  StateRole role;
  int64_t offset = 0;                 ///< in elements, within its state
  llvm::SmallVector<int64_t> shape;
  int64_t size() const;
};

/// The constants of `func` that become state, in a deterministic order (first
/// use), each with its slice; clones of a function give the same order.
struct StateTensors {
  std::vector<mlir::Value> constants;
  std::vector<StateSlice> slices;
  int64_t parameterCount = 0, statisticCount = 0;
};

/// Which parameters stay constants.
struct FreezeRule {
  std::vector<std::string> prefixes; ///< names starting with one of these
  std::string until;                 ///< everything before the first name starting with this
};

/// Finds the trainable weights (layer weights and biases, batch-norm scale
/// and shift) and batch-norm statistics of `func`, in graph order; frozen
/// parameters stay constants.
StateTensors findStateTensors(mlir::func::FuncOp func, const FreezeRule &freeze);

/// Replaces each state constant of `func` by a view (slice + reshape) of the
/// flat [1, N] argument of its role, at the top of the function. Returns the
/// views, in `tensors.constants` order.
std::vector<mlir::Value> replaceWithViews(mlir::func::FuncOp func, const StateTensors &tensors,
                                          mlir::Value parameters, mlir::Value statistics);

/// The flat initial value of a role's state: its constants, concatenated.
std::vector<float> initialState(const StateTensors &tensors, StateRole role);

} // namespace cvc::autodiff

#endif // CVC_AUTODIFF_STATELAYOUT_H
