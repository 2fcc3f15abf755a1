//===- ExportContext.h - state shared by the per-op export functions ---*- C++ -*-===//
//
// One ExportContext lives for one model export. It names ONNX values after
// their cv values, hands each family's export function the op being written
// and the ONNX type its table entry gives, and holds the small builders for
// attributes and initialisers that export functions share.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_ONNX_EXPORTCONTEXT_H
#define CVC_ONNX_EXPORTCONTEXT_H

#include "cv/CvOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"

#include <onnx/onnx_pb.h>

#include <set>
#include <string>
#include <vector>

namespace cvc::onnx_frontend {

class ExportContext {
public:
  explicit ExportContext(onnx::GraphProto &graph) : graph(graph) {}

  onnx::GraphProto &graph;
  llvm::DenseMap<mlir::Value, std::string> names;
  std::set<std::string> taken;
  mlir::Operation *op = nullptr; ///< the op being exported
  std::string type;              ///< the ONNX op type its table entry writes

  mlir::LogicalResult fail(const llvm::Twine &reason) const {
    return op->emitError() << "cannot export to ONNX: " << reason;
  }

  /// A name not used before, from `base`.
  std::string unique(std::string base);

  std::string nameOf(mlir::Value v) const { return names.lookup(v); }

  /// A node of the entry's type reading the op's operands (or `inputs`)
  /// and writing its result.
  onnx::NodeProto &node(std::vector<std::string> inputs = {});

  /// The op's location name, the base of the names it gives.
  static std::string baseName(mlir::Operation *op);

  std::string intInitializer(llvm::StringRef base, llvm::ArrayRef<int64_t> values);
  std::string floatScalar(llvm::StringRef base, float value);

  /// A node of `type` ahead of the op's own (a subgraph writing the op as
  /// several ONNX nodes); returns its output's name.
  std::string innerNode(const std::string &type, const std::vector<std::string> &inputs,
                        const std::string &suffix);
};

void setInts(onnx::NodeProto &n, llvm::StringRef name, llvm::ArrayRef<int64_t> values);
void setInt(onnx::NodeProto &n, llvm::StringRef name, int64_t value);
void setFloat(onnx::NodeProto &n, llvm::StringRef name, float value);
void setString(onnx::NodeProto &n, llvm::StringRef name, llvm::StringRef value);

/// Fused epilogues are the passes' work; a frontend's layer has none.
inline mlir::LogicalResult checkPlainLayer(ExportContext &ex, cv::EpilogueOpInterface layer) {
  if (!layer.isPlain())
    return ex.fail("a fused epilogue (residual or activation) is made by the optimisation "
                   "passes; export the model as the frontend builds it");
  return mlir::success();
}

/// A node of the entry's type with the op's operands and no attributes.
mlir::LogicalResult exportPlain(ExportContext &ex);

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_EXPORTCONTEXT_H
