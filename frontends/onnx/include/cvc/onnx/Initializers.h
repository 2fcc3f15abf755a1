//===- Initializers.h - an ONNX model's weights, by name --------*- C++ -*-===//
//
// Lets another frontend take its weights from an ONNX file: the .cvm
// frontend loads torchvision's exported initialisers into a model written
// in the architecture language, matching them by layer name.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_ONNX_INITIALIZERS_H
#define CVC_ONNX_INITIALIZERS_H

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace cvc::onnx_frontend {

class OnnxInitializers {
public:
  /// Reads the model at `path`; reports why it cannot and returns null.
  static std::unique_ptr<OnnxInitializers> open(mlir::MLIRContext &ctx, llvm::StringRef path);
  ~OnnxInitializers();

  bool contains(llvm::StringRef name) const;
  /// The declared shape of initialiser `name` (which must exist).
  std::vector<int64_t> shape(llvm::StringRef name) const;
  /// Its float32 values; on failure `error` says why.
  mlir::LogicalResult read(llvm::StringRef name, std::vector<float> &values,
                           std::string &error) const;
  /// Every initialiser's name, in file order.
  std::vector<std::string> names() const;

private:
  struct Model;
  explicit OnnxInitializers(std::unique_ptr<Model> model);
  std::unique_ptr<Model> model;
};

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_INITIALIZERS_H
