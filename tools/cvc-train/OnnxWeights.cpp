//===- OnnxWeights.cpp - trained weights written back into an ONNX model ===//
//
// The trained network is the source graph with new initialisers: the graph
// itself is not regenerated, so whatever the source holds (names, opsets,
// metadata) stays as it was and any tool that read the source reads this.
//
//===----------------------------------------------------------------------===//
#include "OnnxWeights.h"

#include "cvc/files/AtomicFile.h"
#include "cvc/tensorio/OnnxModel.h"
#include "cvc/tensorio/TensorProto.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <cstring>
#include <set>

namespace cvc::train {
namespace {

const onnx::NodeProto *producerOf(const onnx::GraphProto &graph, const std::string &value) {
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &output : node.output())
      if (output == value)
        return &node;
  return nullptr;
}

/// A head replaced by `cvc --replace-head K` changes the class count of the
/// graph's last Gemm (optionally followed by a softmax): its weight and bias
/// may take K rows, and the first output K columns. Returns the values whose
/// shape follows K (to be re-inferred), or an empty list when `name` is not
/// that Gemm's weight or bias or differs in more than the class count.
std::vector<std::string> headValuesResizedBy(const onnx::GraphProto &graph, const std::string &name,
                                             const std::vector<int64_t> &from,
                                             const std::vector<int64_t> &to, int64_t &classes) {
  if (graph.output_size() == 0 || from.size() != to.size() || from.empty())
    return {};
  std::vector<std::string> values = {graph.output(0).name()};
  const onnx::NodeProto *node = producerOf(graph, values.back());
  if (node && (node->op_type() == "Softmax" || node->op_type() == "LogSoftmax") &&
      node->input_size() == 1) {
    values.push_back(node->input(0));
    node = producerOf(graph, values.back());
  }
  if (!node || node->op_type() != "Gemm" || node->input_size() < 2)
    return {};
  bool transB = false;
  for (const onnx::AttributeProto &a : node->attribute())
    if (a.name() == "transB")
      transB = a.i() != 0;
  // The dimension holding the classes: B is [K, in] with transB, else
  // [in, K]; a bias C is [K] (or [1, K]).
  size_t dim;
  if (node->input(1) == name && from.size() == 2)
    dim = transB ? 0 : 1;
  else if (node->input_size() > 2 && node->input(2) == name)
    dim = from.size() - 1;
  else
    return {};
  for (size_t d = 0; d < from.size(); ++d)
    if (d != dim && from[d] != to[d])
      return {};
  classes = to[dim];
  return values;
}

} // namespace

bool exportOnnxWeights(const std::string &source, const std::string &destination,
                       const std::map<std::string, tensorio::Tensor> &tensors, size_t &replaced,
                       std::string &error) {
  onnx::ModelProto model;
  if (!tensorio::readOnnxModel(source, model, error))
    return false;
  std::set<std::string> used, resizedValues;
  int64_t headClasses = 0;
  replaced = 0;
  for (onnx::TensorProto &init : *model.mutable_graph()->mutable_initializer()) {
    auto it = tensors.find(init.name());
    if (it == tensors.end())
      continue;
    std::vector<int64_t> dims(init.dims().begin(), init.dims().end());
    if (init.data_type() != onnx::TensorProto::FLOAT) {
      error = "initialiser '" + init.name() + "' of '" + source + "' is not float32";
      return false;
    }
    if (dims != it->second.shape) {
      int64_t classes = 0;
      std::vector<std::string> values =
          headValuesResizedBy(model.graph(), init.name(), dims, it->second.shape, classes);
      if (values.empty()) {
        error = "initialiser '" + init.name() + "' of '" + source + "' has shape " +
                tensorio::shapeText(dims) + ", the trained tensor " +
                tensorio::shapeText(it->second.shape) +
                " (only the final Gemm of a replaced head may change its class count)";
        return false;
      }
      headClasses = classes;
      resizedValues.insert(values.begin(), values.end());
    }
    tensorio::encodeTensor(it->second, init);
    used.insert(init.name());
    ++replaced;
  }
  for (const auto &[name, tensor] : tensors)
    if (!used.count(name)) {
      error = "the trained tensor '" + name + "' has no initialiser of that name in '" + source +
              "' (the compiler transformed it on import, e.g. a transposed Gemm weight); "
              "the model cannot be exported in place";
      return false;
    }
  if (headClasses > 0) {
    // The head's values now have K classes: the first output's last
    // dimension says so, and stale intermediate shapes go.
    onnx::GraphProto &graph = *model.mutable_graph();
    onnx::TypeProto_Tensor *type = graph.mutable_output(0)->mutable_type()->mutable_tensor_type();
    if (type->has_shape() && type->shape().dim_size() > 0)
      type->mutable_shape()->mutable_dim(type->shape().dim_size() - 1)->set_dim_value(headClasses);
    auto &infos = *graph.mutable_value_info();
    for (int i = infos.size() - 1; i >= 0; --i)
      if (resizedValues.count(infos.Get(i).name()))
        infos.DeleteSubrange(i, 1);
  }
  try {
    onnx::checker::check_model(model);
    if (headClasses > 0) {
      // Strict inference on a copy: the new class count must agree
      // everywhere it flows, and the written file keeps the source's form.
      onnx::ModelProto probe = model;
      onnx::shape_inference::InferShapes(probe, onnx::OpSchemaRegistry::Instance(),
                                         onnx::ShapeInferenceOptions(true, 1));
    }
  } catch (const std::exception &e) {
    error = std::string("the exported model fails the ONNX checker: ") + e.what();
    return false;
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    error = "cannot serialise the model for '" + destination + "'";
    return false;
  }
  return files::writeFileAtomically(destination, bytes, error);
}

} // namespace cvc::train
