//===- Tensor.h - row-major tensors as Halide params and funcs --*- C++ -*-===//
//
// A tensor of shape [d0, ..., dk] (row-major) is a Halide function of k+1
// variables whose first (innermost) variable indexes dk. Static extents and
// dense strides are stated to Halide so that index arithmetic folds; only a
// dynamic leading (batch) dimension stays free.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_HALIDE_TENSOR_H
#define CVC_HALIDE_TENSOR_H

#include "cvc/halide/Lowering.h"

#include "mlir/IR/BuiltinTypes.h"

namespace cvc::halide {

// The vocabulary of every lowering file, which all live in this namespace.
using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::TailStrategy;
using Halide::Var;

/// Shape of a tensor in Halide order (innermost first); -1 for the batch.
std::vector<int64_t> halideShape(mlir::Value v);

/// An input ImageParam for `v`, constrained to its static shape.
Halide::ImageParam makeInput(mlir::Value v, const std::string &name);

/// Constrains the output buffer of `f` to the static shape of `v`.
void constrainOutput(Halide::Func f, mlir::Value v);

/// Vars named x0 (innermost) .. x{rank-1}.
std::vector<Halide::Var> makeVars(size_t rank);
std::vector<Halide::Expr> asExprs(const std::vector<Halide::Var> &vars);

/// Vector width for a loop of static `extent` (a power of two <= natural width,
/// and <= extent so that ShiftInwards tails stay inside the buffer).
int vectorWidthFor(int64_t extent, const Halide::Target &target);

/// Largest power of two <= n (n >= 1).
int floorPow2(int64_t n);

/// Schedule of pointwise kernels (elementwise ops, copies, data movement):
/// vectorise the innermost dimension, spread the outer two over cores.
/// Runs `task`'s iterations in parallel, grouped so that each parallel task
/// covers at least about 16K elements when one iteration covers
/// `elementsPerIteration`: thread wake-ups cost more than smaller tasks.
/// Returns the grouping (1 = one iteration per task).
int parallelInGroups(Halide::Func f, Halide::Var task, int64_t elementsPerIteration);

std::string scheduleElementwise(Halide::Func f, const std::vector<Halide::Var> &vars,
                                const std::vector<int64_t> &shape, const Halide::Target &target);

/// The kernel's pipeline, arguments and common bookkeeping; `inputs` pair
/// with `params` one to one.
Kernel makeKernel(std::string ops, std::vector<mlir::Value> inputs, mlir::Value output,
                  Halide::Func result, const std::vector<Halide::ImageParam> &params,
                  std::string schedule, uint64_t macsPerImage);

/// makeKernel for an op whose operands are the params, in order.
Kernel finishKernel(mlir::Operation *op, Halide::Func output,
                    const std::vector<Halide::ImageParam> &params, std::string schedule,
                    uint64_t macsPerImage);

} // namespace cvc::halide

#endif // CVC_HALIDE_TENSOR_H
