//===- Composite.cpp - cv op sequences both frontends build -------------===//
#include "cv/Composite.h"
#include "cv/CvOps.h"

using namespace mlir;

namespace cvc::cv {
namespace {

/// Builds ops in order, each typed by its shape rules; on the first
/// failure erases them all, latest first.
class SequenceBuilder {
public:
  SequenceBuilder(OpBuilder &builder, Location loc, std::string &message)
      : builder(builder), loc(loc), message(message) {}

  template <typename OpT, typename... Args> FailureOr<Value> create(Args &&...args) {
    auto placeholder = UnrankedTensorType::get(builder.getF32Type());
    auto op = builder.create<OpT>(loc, placeholder, std::forward<Args>(args)...);
    return keep(op.getOperation());
  }

  /// An op that needs no checking (a constant), erased with the rest on failure.
  Value track(Operation *op) {
    built.push_back(op);
    return op->getResult(0);
  }

  /// An op built with its result type, verified.
  FailureOr<Value> keep(Operation *op) {
    built.push_back(op);
    if (succeeded(inferAndVerify(op, message)))
      return op->getResult(0);
    for (Operation *o : llvm::reverse(built))
      o->erase();
    built.clear();
    return failure();
  }

  OpBuilder &builder;
  Location loc;

private:
  std::string &message;
  SmallVector<Operation *> built;
};

} // namespace

FailureOr<Value> buildStandardize(OpBuilder &builder, Location loc, Value x,
                                  ArrayRef<int64_t> axes, float epsilon, std::string &message) {
  SequenceBuilder s(builder, loc, message);
  auto mean = ReduceKindAttr::get(builder.getContext(), ReduceKind::mean);
  auto m = s.create<ReduceOp>(x, mean, builder.getDenseI64ArrayAttr(axes));
  if (failed(m))
    return failure();
  auto centred = s.create<SubOp>(x, *m);
  if (failed(centred))
    return failure();
  auto squares = s.create<MulOp>(*centred, *centred);
  if (failed(squares))
    return failure();
  auto variance = s.create<ReduceOp>(*squares, mean, builder.getDenseI64ArrayAttr(axes));
  if (failed(variance))
    return failure();
  Value eps = s.track(createFloatConstant(builder, loc, {1}, {epsilon}, "epsilon"));
  auto shifted = s.create<AddOp>(*variance, eps);
  if (failed(shifted))
    return failure();
  auto root = s.create<SqrtOp>(*shifted);
  if (failed(root))
    return failure();
  return s.create<DivOp>(*centred, *root);
}

FailureOr<Value> buildRearrange(OpBuilder &builder, Location loc, Value x, ArrayRef<int64_t> split,
                                ArrayRef<int64_t> perm, ArrayRef<int64_t> result,
                                std::string &message) {
  SequenceBuilder s(builder, loc, message);
  Type f32 = llvm::cast<RankedTensorType>(x.getType()).getElementType();
  auto six = s.keep(builder.create<ReshapeOp>(loc, RankedTensorType::get(split, f32), x));
  if (failed(six))
    return failure();
  auto moved = s.create<TransposeOp>(*six, builder.getDenseI64ArrayAttr(perm));
  if (failed(moved))
    return failure();
  return s.keep(builder.create<ReshapeOp>(loc, RankedTensorType::get(result, f32), *moved));
}

} // namespace cvc::cv
