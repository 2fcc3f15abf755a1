//===- Builder.h - .cvm syntax tree -> cv ops -------------------*- C++ -*-===//
//
// The builder walks the program's statements with a frame per block
// instance, evaluates arguments, infers every shape as it creates the cv ops
// and names each layer (and so its weights) by its path of scopes, like
// PyTorch module names: `layer1.0.conv1`, `features.0`, `inception3a.branch2.1.conv`.
// Built-in layers are one table (Layers.cpp) of a parameter list and a
// function that builds ops through a LayerCall.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DSL_BUILDER_H
#define CVC_DSL_BUILDER_H

#include "Ast.h"
#include "Weights.h"

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"

#include <array>
#include <functional>
#include <map>

namespace cvc::dsl {

/// An evaluated argument or block parameter.
struct ArgValue {
  enum class Kind { Int, Float, Bool, String, List, Tensor };
  Kind kind = Kind::Int;
  int64_t integer = 0;
  double number = 0.0;
  bool boolean = false;
  std::string text; ///< String contents, or the name of a Tensor value
  std::vector<ArgValue> list;
  mlir::Value tensor;
  SourceRange range;
};

/// "an integer", "a list", ... for messages.
std::string describe(const ArgValue &value);

/// What a built-in layer's parameter accepts.
enum class ParamType {
  Int,
  Float,   ///< a number (an integer is widened)
  Bool,
  IntPair, ///< n or [h, w]
  Pads,    ///< n, [h, w] or [top, left, bottom, right]
  String,
};

struct ParamSpec {
  const char *name;
  ParamType type;
  bool required = false;
};

class LayerCall;

/// A built-in layer.
struct LayerDef {
  std::vector<ParamSpec> params;
  /// add, concat: the positional arguments are two or more named values,
  /// and the layer does not read the chain's current value.
  bool takesValues = false;
  std::function<mlir::FailureOr<mlir::Value>(LayerCall &)> build;
};

/// The table of built-in layers, by name.
const std::map<std::string, LayerDef> &layerTable();

/// Shared by every layer of one model: the op builder, the sources for
/// diagnostics and the weights.
struct BuildState {
  mlir::OpBuilder &builder;
  const SourceSet &sources;
  WeightSource &weights;
};

/// One application of a built-in layer: its bound arguments, its input and
/// helpers that report errors at the step that called it.
class LayerCall {
public:
  LayerCall(BuildState &state, std::string layer, std::string label, SourceRange range,
            mlir::Value input)
      : state(state), layer(std::move(layer)), label(std::move(label)), range(range),
        input(input) {}

  BuildState &state;
  const std::string layer; ///< the built-in's name: "conv"
  const std::string label; ///< the layer's name in the model: "layer1.0.conv1"
  const SourceRange range; ///< the call in the source
  mlir::Value input;       ///< the chain's current value (null for value-taking layers)
  std::map<std::string, ArgValue> args;
  std::vector<ArgValue> values; ///< value-taking layers' operands

  /// "conv 'layer1.0.conv1'", for messages.
  std::string what() const { return layer + " '" + label + "'"; }
  bool has(llvm::StringRef name) const { return args.count(name.str()) != 0; }
  int64_t integer(llvm::StringRef name, int64_t otherwise) const;
  double number(llvm::StringRef name, double otherwise) const;
  bool flag(llvm::StringRef name, bool otherwise) const;
  std::array<int64_t, 2> pair(llvm::StringRef name, std::array<int64_t, 2> otherwise) const;
  std::array<int64_t, 4> pads(llvm::StringRef name) const; ///< [top, left, bottom, right]
  /// The argument's text, or the call's when it was not given.
  SourceRange rangeOf(llvm::StringRef name) const;

  mlir::Location loc() const { return state.sources.location(range, label); }
  mlir::LogicalResult error(SourceRange at, const llvm::Twine &message,
                            const llvm::Twine &expected = "") const {
    return state.sources.error(at, message, expected);
  }
  mlir::RankedTensorType inputType() const {
    return llvm::cast<mlir::RankedTensorType>(input.getType());
  }
  /// Fails unless the input has rank `rank`, saying what is `expected`.
  mlir::LogicalResult expectRank(int64_t rank, llvm::StringRef expected) const;

  /// The constant `<label>.<suffix>`, initialised or loaded.
  mlir::FailureOr<mlir::Value> weight(llvm::StringRef suffix, std::vector<int64_t> shape,
                                      TensorInit init, int64_t fanIn = 1, int64_t fanOut = 1);

  /// Builds `OpT` and infers its result type; a shape error is reported at
  /// the call with the op's own explanation.
  template <typename OpT, typename... Args> mlir::FailureOr<mlir::Value> create(Args &&...args) {
    auto placeholder = mlir::UnrankedTensorType::get(state.builder.getF32Type());
    auto op = state.builder.create<OpT>(loc(), placeholder, std::forward<Args>(args)...);
    return finish(op.getOperation());
  }
  /// Verifies an op built with its result type; reports as create() does.
  mlir::FailureOr<mlir::Value> finish(mlir::Operation *op);
};

/// "[N, 3, 224, 224]"
std::string shapeText(mlir::Type type);

/// Builds `@main` into `module` from `main`'s statements, with the blocks
/// of `main` and of `imported` (files it imports, which hold only blocks).
mlir::LogicalResult buildModel(BuildState &state, mlir::ModuleOp module, const Program &main,
                               const std::vector<const Program *> &imported,
                               const std::map<std::string, std::vector<int64_t>> &inputShapes);

} // namespace cvc::dsl

#endif // CVC_DSL_BUILDER_H
