//===- ExportContext.cpp - names, nodes and initialisers of an export ---===//
#include "ExportContext.h"

using namespace mlir;

namespace cvc::onnx_frontend {

std::string ExportContext::unique(std::string base) {
  if (base.empty())
    base = "t";
  std::string name = base;
  for (int i = 1; !taken.insert(name).second; ++i)
    name = base + "_" + std::to_string(i);
  return name;
}

onnx::NodeProto &ExportContext::node(std::vector<std::string> inputs) {
  if (inputs.empty())
    for (Value v : op->getOperands())
      inputs.push_back(nameOf(v));
  onnx::NodeProto &n = *graph.add_node();
  n.set_op_type(type);
  std::string result = unique(baseName(op));
  names[op->getResult(0)] = result;
  n.set_name(result);
  for (const std::string &in : inputs)
    n.add_input(in);
  n.add_output(result);
  return n;
}

std::string ExportContext::baseName(Operation *op) {
  if (auto named = llvm::dyn_cast<NameLoc>(op->getLoc()))
    return named.getName().str();
  return "";
}

std::string ExportContext::intInitializer(llvm::StringRef base, llvm::ArrayRef<int64_t> values) {
  onnx::TensorProto &t = *graph.add_initializer();
  t.set_name(unique(base.str()));
  t.set_data_type(onnx::TensorProto::INT64);
  t.add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values)
    t.add_int64_data(v);
  return t.name();
}

std::string ExportContext::floatScalar(llvm::StringRef base, float value) {
  onnx::TensorProto &t = *graph.add_initializer();
  t.set_name(unique(base.str()));
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_float_data(value);
  return t.name();
}

std::string ExportContext::innerNode(const std::string &type,
                                     const std::vector<std::string> &inputs,
                                     const std::string &suffix) {
  std::string out = unique(baseName(op) + "_" + suffix);
  onnx::NodeProto &n = *graph.add_node();
  n.set_op_type(type);
  n.set_name(out);
  for (const std::string &in : inputs)
    n.add_input(in);
  n.add_output(out);
  return out;
}

void setInts(onnx::NodeProto &n, llvm::StringRef name, llvm::ArrayRef<int64_t> values) {
  onnx::AttributeProto &a = *n.add_attribute();
  a.set_name(name.str());
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values)
    a.add_ints(v);
}

void setInt(onnx::NodeProto &n, llvm::StringRef name, int64_t value) {
  onnx::AttributeProto &a = *n.add_attribute();
  a.set_name(name.str());
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
}

void setFloat(onnx::NodeProto &n, llvm::StringRef name, float value) {
  onnx::AttributeProto &a = *n.add_attribute();
  a.set_name(name.str());
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(value);
}

void setString(onnx::NodeProto &n, llvm::StringRef name, llvm::StringRef value) {
  onnx::AttributeProto &a = *n.add_attribute();
  a.set_name(name.str());
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(value.str());
}

LogicalResult exportPlain(ExportContext &ex) {
  ex.node();
  return success();
}

} // namespace cvc::onnx_frontend
