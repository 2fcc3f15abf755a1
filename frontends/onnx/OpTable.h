//===- OpTable.h - ONNX op types <-> cv ops, one table ----------*- C++ -*-===//
//
// Every ONNX op type cvc knows has one entry: the function importing a node
// of that type as cv ops and, when the cv dialect has an op that writes back
// as that type, the cv op and the function exporting it. Import and export
// read the same entries, so an ONNX type name is spelled once. Each family
// file under ops/ adds its entries (add<Family>Ops).
//
//===----------------------------------------------------------------------===//
#ifndef CVC_ONNX_OPTABLE_H
#define CVC_ONNX_OPTABLE_H

#include "ImportContext.h"

#include "mlir/IR/Operation.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cvc::onnx_frontend {

class ExportContext;

/// Writes the op being exported (ctx.op) as a node of the entry's type.
using ExportFn = std::function<mlir::LogicalResult(ExportContext &)>;

struct OnnxOpRule {
  std::string type; ///< ONNX op type (default domain)
  ImportFn import;
  /// The cv op written back as this type ("cv.lrn"); empty: import only.
  std::string cvOp;
  /// Which ops named cvOp this entry exports (several ONNX types may write
  /// one cv op: cv.reduce as ReduceSum, ReduceMean, ...); null: all.
  std::function<bool(mlir::Operation *)> exportsWhen;
  ExportFn exportNode;
  /// The opset the exported node needs (HardSwish: 14); a model is written
  /// at the highest its nodes need, and at least 13.
  int64_t exportOpset = 13;
};

class OnnxOpTable {
public:
  /// Nodes of `type` import with `import`; nothing exports as `type`.
  OnnxOpTable &imports(std::string type, ImportFn import);
  /// Both directions: nodes of `type` import with `import`, and ops `OpT`
  /// (those `when` accepts) export as `type` with `exportNode`.
  template <typename OpT>
  OnnxOpTable &maps(std::string type, ImportFn import, ExportFn exportNode,
                    std::function<bool(mlir::Operation *)> when = nullptr) {
    return add({std::move(type), std::move(import), OpT::getOperationName().str(),
                std::move(when), std::move(exportNode)});
  }
  /// maps() for an ONNX type that exists from `opset` on.
  template <typename OpT>
  OnnxOpTable &mapsSince(int64_t opset, std::string type, ImportFn import, ExportFn exportNode) {
    return add({std::move(type), std::move(import), OpT::getOperationName().str(), nullptr,
                std::move(exportNode), opset});
  }

  /// Ops `OpT` that no single ONNX type writes (Swish is Sigmoid and Mul)
  /// export with `exportNode`, which writes its nodes itself.
  template <typename OpT> OnnxOpTable &exportsAsGraph(ExportFn exportNode) {
    // "=" cannot begin an ONNX op type, so no node imports by this entry.
    return add({"=" + OpT::getOperationName().str(), nullptr, OpT::getOperationName().str(),
                nullptr, std::move(exportNode)});
  }

  const OnnxOpRule *importRule(llvm::StringRef type) const;
  const OnnxOpRule *exportRule(mlir::Operation *op) const;

private:
  OnnxOpTable &add(OnnxOpRule rule);
  std::map<std::string, OnnxOpRule, std::less<>> rules;
  std::multimap<std::string, std::string, std::less<>> typesByCvOp; ///< cv op -> ONNX types
};

/// The table, filled once by the families.
const OnnxOpTable &onnxOpTable();

// One per family file under ops/.
void addConstantOps(OnnxOpTable &table);
void addControlOps(OnnxOpTable &table);
void addConvOps(OnnxOpTable &table);
void addDenseOps(OnnxOpTable &table);
void addElementwiseOps(OnnxOpTable &table);
void addNormalizationOps(OnnxOpTable &table);
void addPoolOps(OnnxOpTable &table);
void addRearrangeOps(OnnxOpTable &table);
void addReduceOps(OnnxOpTable &table);
void addResampleOps(OnnxOpTable &table);
void addShapeOps(OnnxOpTable &table);

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_OPTABLE_H
