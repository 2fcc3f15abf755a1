//===- ImportContext.h - state shared by the per-op import functions -*- C++ -*-===//
//
// One ImportContext lives for one model import. It maps ONNX value names to
// cv values (activations and materialised weights) or to compile-time integer
// tensors (shapes, axes), and gives each op's import function uniform access
// to attributes and uniform error messages.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_ONNX_IMPORTCONTEXT_H
#define CVC_ONNX_IMPORTCONTEXT_H

#include "cv/CvOps.h"
#include "cvc/tensorio/Tensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cvc::onnx_frontend {

/// A float tensor known at compile time, owned by the importer: the host
/// tensor of cvc_tensorio, under the name the import functions use.
using FloatConstant = tensorio::Tensor;

class ImportContext {
public:
  ImportContext(mlir::OpBuilder &builder, std::string file, std::string modelDir, int64_t opset)
      : builder(builder), file(std::move(file)), modelDir(std::move(modelDir)), opset(opset) {}

  mlir::OpBuilder &builder;
  std::string file;
  std::string modelDir;
  int64_t opset;
  const onnx::NodeProto *node = nullptr; ///< the node being imported
  /// ImportLimits::maxElements: bounds every tensor folded at compile time
  /// and every cv op's results (verifyCreated, which each op passes through).
  int64_t maxElements = int64_t(1) << 31;

  /// The element count of a tensor the importer is about to fold or
  /// allocate; fails (reported for the node) past `maxElements`.
  mlir::FailureOr<int64_t> foldedCount(const std::vector<int64_t> &shape) const;

  /// Reports an error about the current node and returns failure().
  mlir::LogicalResult fail(const llvm::Twine &reason) const;
  mlir::Location loc() const;

  // Attributes of the current node.
  bool hasAttr(llvm::StringRef name) const;
  int64_t intAttr(llvm::StringRef name, int64_t def) const;
  float floatAttr(llvm::StringRef name, float def) const;
  std::string stringAttr(llvm::StringRef name, llvm::StringRef def) const;
  std::vector<int64_t> intsAttr(llvm::StringRef name) const;
  const onnx::TensorProto *tensorAttr(llvm::StringRef name) const;
  const onnx::GraphProto *graphAttr(llvm::StringRef name) const;

  /// Integer attribute `name` (default `def`) as an axis of a rank-`rank`
  /// tensor, negative values counting from the end; `rank` itself is allowed
  /// when `allowRank` (Flatten's axis may be the rank).
  mlir::FailureOr<int64_t> axisAttr(llvm::StringRef name, int64_t def, int64_t rank,
                                    bool allowRank = false) const;

  /// Names every attribute of the node outside `supported`, as an error.
  mlir::LogicalResult checkAttrs(std::initializer_list<llvm::StringRef> supported) const;

  // Values.
  /// Number of non-empty inputs of the current node.
  size_t inputCount() const;
  bool hasInput(size_t i) const;
  /// The cv value of input `i` (weights are materialised as cv.constant on first use).
  mlir::FailureOr<mlir::Value> input(size_t i);
  /// Input `i` as a compile-time float tensor, when it is an initializer or Constant.
  std::optional<FloatConstant> floatConstant(size_t i) const;
  /// Input `i` as compile-time integers (shape/axes tensors).
  std::optional<std::vector<int64_t>> intConstant(size_t i) const;
  /// Binds output `i` of the current node.
  void setOutput(size_t i, mlir::Value value);
  /// Binds output `i` to a compile-time integer tensor (row-major values);
  /// `shape` defaults to a vector of the values' length.
  void setOutputInts(size_t i, std::vector<int64_t> values,
                     std::optional<std::vector<int64_t>> shape = std::nullopt);
  /// The shape of integer input `i` (set when it is an integer constant).
  std::vector<int64_t> intShape(size_t i) const;
  /// Binds output `i` of the current node to whatever the value named
  /// `from` is bound to (a subgraph's output); false when it is unbound.
  bool alias(size_t i, const std::string &from);

  /// Creates a weight constant from host data.
  mlir::Value makeConstant(const FloatConstant &constant, llvm::StringRef name);

  /// Creates `OpT` with a placeholder result type, then infers the real one
  /// from the op's own shape rules; reports their message on failure.
  template <typename OpT, typename... Args> mlir::FailureOr<mlir::Value> create(Args &&...args) {
    auto placeholder = mlir::UnrankedTensorType::get(builder.getF32Type());
    auto op = builder.create<OpT>(loc(), placeholder, std::forward<Args>(args)...);
    return inferResult(op.getOperation());
  }

  /// Infers the result type of `op` when it has shape rules, then verifies
  /// it; on failure erases it and reports the op's message for this node.
  mlir::LogicalResult verifyCreated(mlir::Operation *op);

  // Model-level tables, filled by the importer.
  std::map<std::string, mlir::Value> values;
  /// Outputs an importer leaves unbound, with why (Dropout's mask): a node or
  /// graph output reading one is refused with that reason.
  std::map<std::string, std::string> unsupportedValues;
  std::map<std::string, const onnx::TensorProto *> initializers;
  std::map<std::string, std::vector<int64_t>> intValues;
  std::map<std::string, std::vector<int64_t>> intShapes; ///< shapes of intValues
  std::map<std::string, FloatConstant> floatValues; ///< float Constant nodes
  /// Binds output `i` to a created value; passes a failure through.
  mlir::LogicalResult bind(size_t i, mlir::FailureOr<mlir::Value> value) {
    if (mlir::failed(value))
      return mlir::failure();
    setOutput(i, *value);
    return mlir::success();
  }

  /// Reads a float32 TensorProto, or a float64 one narrowed to float32 (raw,
  /// float_data/double_data or external data beside the model), with
  /// tensorio::decodeTensor.
  mlir::LogicalResult readFloatTensor(const onnx::TensorProto &t, FloatConstant &out,
                                      std::string &error) const;

private:
  mlir::FailureOr<mlir::Value> inferResult(mlir::Operation *op);
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  std::string nodeLabel() const;
};

/// Parses a binary .onnx or textual .onnxtxt file, reporting why it cannot.
mlir::LogicalResult readOnnxModel(mlir::MLIRContext &ctx, llvm::StringRef path,
                                  onnx::ModelProto &model);

/// The values of an INT64, INT32 or BOOL tensor (shapes, axes, pads), as
/// tensorio::decodeIntegers reads them.
std::vector<int64_t> readIntTensor(const onnx::TensorProto &t);

/// True for the integer element types readIntTensor reads.
/// Integer tensors (and booleans, as 0/1) are compile-time values: shapes,
/// axes, flags such as Dropout's training_mode.
inline bool isIntTensor(const onnx::TensorProto &t) {
  return t.data_type() == onnx::TensorProto::INT64 || t.data_type() == onnx::TensorProto::INT32 ||
         t.data_type() == onnx::TensorProto::BOOL;
}

/// "<file>: node '<name>' (<OpType>)", naming an unnamed node by its first output.
std::string nodeLabel(const std::string &file, const onnx::NodeProto &node);

/// Imports the current node (ctx.node); on failure it has reported why.
using ImportFn = std::function<mlir::LogicalResult(ImportContext &)>;

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_IMPORTCONTEXT_H
