//===- OnnxExporter.cpp - cv dialect -> ONNX model ----------------------===//
//
// The inverse of the importer for the ops frontends emit, through the same
// table (OpTable.h): each cv op is written by the export function of the
// ONNX type whose entry names it, so that a model written in the
// architecture language can be used by other tools (ONNX Runtime,
// PyTorch's importers). Weights are read once from their resource blobs
// into the initialisers.
//
//===----------------------------------------------------------------------===//
#include "cvc/onnx/Export.h"
#include "cvc/files/AtomicFile.h"

#include "ExportContext.h"
#include "OpTable.h"

#include "cv/CvOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>


using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

/// The export functions write opset 13 forms (ReduceSum's axes as an input,
/// Clip's bounds as inputs); a model is written at 13 unless one of its
/// nodes exists only from a later opset.
constexpr int64_t kMinOpset = 13;

void setValueInfo(onnx::ValueInfoProto &info, const std::string &name, Type type) {
  info.set_name(name);
  auto tensor = llvm::cast<RankedTensorType>(type);
  auto &t = *info.mutable_type()->mutable_tensor_type();
  t.set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : tensor.getShape()) {
    auto &dim = *t.mutable_shape()->add_dim();
    if (ShapedType::isDynamic(d))
      dim.set_dim_param("N");
    else
      dim.set_dim_value(d);
  }
}

std::string constantName(cv::ConstantOp constant) {
  if (auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
    return resource.getRawHandle().getKey().str();
  return "const";
}

} // namespace

LogicalResult exportOnnxModel(ModuleOp module, llvm::StringRef path) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return emitError(module.getLoc()) << "cannot export to ONNX: the model has no @main";
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("cvc");
  auto &opset = *model.add_opset_import();
  opset.set_domain("");
  int64_t version = kMinOpset;
  onnx::GraphProto &graph = *model.mutable_graph();
  graph.set_name(module->hasAttr("cv.source")
                     ? module->getAttrOfType<StringAttr>("cv.source").str()
                     : "main");
  ExportContext ex(graph);

  for (BlockArgument arg : main.getArguments()) {
    auto name = main.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "cv.name");
    std::string unique =
        ex.unique(name ? name.str() : "input" + std::to_string(arg.getArgNumber()));
    ex.names[arg] = unique;
    setValueInfo(*graph.add_input(), unique, arg.getType());
  }
  // Outputs keep their names (reserved first); an Identity gives each its
  // value.
  auto ret = llvm::cast<func::ReturnOp>(main.getBody().front().getTerminator());
  std::vector<std::string> outputs;
  for (unsigned i = 0; i < ret.getNumOperands(); ++i) {
    auto name = main.getResultAttrOfType<StringAttr>(i, "cv.name");
    outputs.push_back(ex.unique(name ? name.str() : "output" + std::to_string(i)));
  }
  const OnnxOpTable &table = onnxOpTable();
  for (Operation &op : main.getBody().front()) {
    ex.op = &op;
    if (auto constant = llvm::dyn_cast<cv::ConstantOp>(&op)) {
      auto values = cv::readFloatConstant(constant);
      if (!values)
        return ex.fail("the constant's values cannot be read");
      onnx::TensorProto &t = *graph.add_initializer();
      t.set_name(ex.unique(constantName(constant)));
      t.set_data_type(onnx::TensorProto::FLOAT);
      for (int64_t d : llvm::cast<RankedTensorType>(constant.getType()).getShape())
        t.add_dims(d);
      t.set_raw_data(values->data(), values->size() * sizeof(float));
      ex.names[constant.getResult()] = t.name();
      continue;
    }
    if (llvm::isa<func::ReturnOp>(&op))
      continue;
    const OnnxOpRule *rule = table.exportRule(&op);
    if (!rule)
      return ex.fail("'" + op.getName().getStringRef() +
                     "' has no ONNX equivalent here (it is made by the optimisation passes, "
                     "or not supported)");
    ex.type = rule->type;
    version = std::max(version, rule->exportOpset);
    if (failed(rule->exportNode(ex)))
      return failure();
  }

  for (auto [value, output] : llvm::zip(ret.getOperands(), outputs)) {
    onnx::NodeProto &n = *graph.add_node();
    n.set_op_type("Identity");
    n.set_name(output);
    n.add_input(ex.nameOf(value));
    n.add_output(output);
    setValueInfo(*graph.add_output(), output, value.getType());
  }

  opset.set_version(version);
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    return emitError(module.getLoc()) << "the exported ONNX model fails ONNX's checker: "
                                      << e.what();
  }
  std::string bytes, error;
  if (!model.SerializeToString(&bytes))
    return emitError(module.getLoc()) << "cannot serialise the model for '" << path << "'";
  if (!files::writeFileAtomically(path.str(), bytes, error))
    return emitError(module.getLoc()) << error;
  return success();
}

} // namespace cvc::onnx_frontend
