//===- TensorFile.h - named weights a .cvm model can load -------*- C++ -*-===//
//
// `cvc model.cvm --weights FILE` takes each layer's tensors by name from an
// ONNX model (e.g. torchvision's export) or from a cvc-train checkpoint, so
// that a network trained by cvc can be recompiled — with a replaced head,
// frozen layers or another batch — from where its training stopped.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DSL_TENSORFILE_H
#define CVC_DSL_TENSORFILE_H

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LogicalResult.h"

#include <memory>
#include <string>
#include <vector>

namespace cvc::dsl {

class TensorFile {
public:
  virtual ~TensorFile() = default;
  virtual bool contains(const std::string &name) const = 0;
  /// The shape of tensor `name` (which must exist).
  virtual std::vector<int64_t> shape(const std::string &name) const = 0;
  /// Its float32 values; on failure `error` says why.
  virtual mlir::LogicalResult read(const std::string &name, std::vector<float> &values,
                                   std::string &error) const = 0;
  /// Every tensor's name, in file order.
  virtual std::vector<std::string> names() const = 0;
};

/// Opens an ONNX model or a cvc checkpoint (told apart by the checkpoint's
/// magic bytes); reports why it cannot and returns null.
std::unique_ptr<TensorFile> openTensorFile(mlir::MLIRContext &ctx, const std::string &path);

} // namespace cvc::dsl

#endif // CVC_DSL_TENSORFILE_H
