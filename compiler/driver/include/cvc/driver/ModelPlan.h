//===- ModelPlan.h - a model as tensors and kernels, before C emission -*- C++ -*-===//
//
// The in-compiler form of runtime/include/cvc/plan.h: which tensors exist,
// where weights sit in the blob, which Halide kernel computes what, and how
// long each activation lives. Built from the cv dialect by planModel(),
// written out as C source by emitPlanSource().
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DRIVER_MODELPLAN_H
#define CVC_DRIVER_MODELPLAN_H

#include "cvc/halide/Lowering.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"

#include <memory>
#include <string>
#include <vector>

namespace cvc::driver {

/// Mirrors cvc_plan_tensor_kind.
enum class TensorKind { Input = 0, Output = 1, Weight = 2, Activation = 3, State = 4, Prepared = 5 };

struct PlannedTensor {
  std::string name;
  TensorKind kind = TensorKind::Activation;
  std::vector<int64_t> dims; ///< -1 for the dynamic batch
  /// weights: byte offset in the blob; states: the state's index; prepared:
  /// byte offset in the prepared block (shared by a model's sessions)
  uint64_t offset = 0;
  int firstUse = -1, lastUse = -1;
  int alias = -1;            ///< root tensor whose storage this one views
  int64_t viewOffset = 0;    ///< views: first element's offset in the root
  std::vector<int64_t> viewStrides; ///< strided views: element strides; empty = dense
  /// weights: zeros that fill a last channel block (`cv.padding`), not parameters
  int64_t padding = 0;
  llvm::ArrayRef<char> data; ///< weights: bytes (owned by the module or `ownedData`)
  std::vector<char> ownedData;
};

/// One compiled Halide function; several planned kernels may share it.
struct CompiledFunction {
  std::string symbol;        ///< Halide function name; the argv entry is symbol + "_argv"
  halide::Kernel kernel;
  /// Kernel argument j is operand operandIndex[j] of every op sharing this function.
  std::vector<int> operandIndex;
  /// The kernel signature the ops sharing it have (halide::kernelSignature,
  /// plus their strided views): a tuning database's key.
  std::string signature;
};

struct PlannedKernel {
  std::string name;          ///< e.g. "k3_conv2d"
  std::string ops;
  int function = -1;         ///< index into ModelPlan::functions
  std::vector<int> args;     ///< tensor indices: inputs, then output
  uint64_t macsPerImage = 0;
  /// Computes each image of the batch alone (cv::ImagewiseOpInterface, or a
  /// copy): the runtime may call it on one image at a time where its
  /// tensors allow (cvc/image_stretches.hpp).
  bool perImage = false;
  std::string schedule;
  std::string scheduleSource; ///< "default", "database", "warm start"
};

/// One entry point (a function of the module): its kernels are a range of
/// the plan's, its inputs and outputs tensors the caller binds.
struct PlannedEntry {
  std::string name;
  int firstKernel = 0, kernelCount = 0;
  std::vector<int> inputs, outputs;
};

/// A buffer the session keeps across runs (training: parameters, optimizer
/// slots, running statistics).
struct PlannedState {
  std::string name;
  int64_t size = 0;          ///< elements
  int initTensor = -1;       ///< the weight tensor holding its initial value; -1: zeros
};

/// A named tensor inside a state (e.g. "conv1.weight" in "parameters").
struct PlannedSlice {
  std::string name;
  int state = 0;
  int64_t offset = 0;        ///< elements
  std::vector<int64_t> dims;
};

struct ModelPlan {
  std::string modelName;
  std::string target;
  std::vector<PlannedTensor> tensors;
  std::vector<PlannedKernel> kernels;
  std::vector<CompiledFunction> functions;
  /// "main" first; when training "train_step", "features" when only the head trains,
  /// then train_step in two halves, "train_gradients" and "apply_gradients"
  std::vector<PlannedEntry> entries;
  /// The load-time kernels, run once per session when it is created: ops
  /// that read only weights (a Winograd weight transform), whose results
  /// (Prepared tensors) would be larger than their inputs if stored in
  /// model.so. Their range of `kernels` comes after every entry's.
  PlannedEntry prepare;
  uint64_t preparedSize = 0; ///< bytes of the prepared block
  std::vector<PlannedState> states;
  std::vector<PlannedSlice> slices;
  uint64_t weightsSize = 0;
  uint64_t macsPerImage = 0;
};

/// What planModel needs besides the module.
struct PlanOptions {
  std::string modelName;
  /// The module's target (from its cv.target); the planner adds each
  /// kernel's strided views.
  halide::KernelContext context;
  /// Picks kernels' schedules (a tuning database); null: every default.
  halide::ScheduleChooser chooseSchedule;
};

/// Lowers every op of @main (and @train_step, when the module trains) to a
/// kernel (sharing identical ones), lays out the weight blob and the states,
/// moves ops that read only weights to the load-time kernels, and computes
/// liveness. Errors are emitted at the offending op.
mlir::FailureOr<std::unique_ptr<ModelPlan>> planModel(mlir::ModuleOp module,
                                                      const PlanOptions &options);

/// Shape variants (several plans of one model in one library): gives a
/// later plan's function that is identical to an earlier one's (signature
/// and schedule) the earlier symbol, and the others a symbol of their own;
/// returns the distinct functions, the ones to compile.
std::vector<const CompiledFunction *> shareFunctions(llvm::ArrayRef<ModelPlan *> plans);

/// Shape variants: places the later plans' weights after the first plan's
/// in one blob, a tensor whose bytes are already there pointing at them;
/// every plan's weightsSize becomes the blob's.
void shareWeights(llvm::ArrayRef<ModelPlan *> plans);

/// Writes the plans (one per shape variant, usually one) as C source
/// defining `cvcgen_plans` and `cvcgen_plan_count`; the weight blob is
/// referenced through the symbol defined by writeWeights().
std::string emitPlanSource(llvm::ArrayRef<const ModelPlan *> plans);

/// The kernel ranges [first, end) the runtime runs image by image at a
/// batch of two or more (cvc/image_stretches.hpp), found on the plan as
/// the runtime will see it.
std::vector<std::pair<int, int>> imageStretchRanges(const ModelPlan &plan);

/// Writes the plans' weight blob to `binPath` and an assembly file that
/// embeds it.
mlir::LogicalResult writeWeights(llvm::ArrayRef<const ModelPlan *> plans,
                                 const std::string &binPath, const std::string &asmPath,
                                 std::string &error);

} // namespace cvc::driver

#endif // CVC_DRIVER_MODELPLAN_H
