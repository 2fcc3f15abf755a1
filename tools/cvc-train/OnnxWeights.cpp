//===- OnnxWeights.cpp - trained weights written back into an ONNX model ===//
//
// The trained network is the source graph with new initialisers: the graph
// itself is not regenerated, so whatever the source holds (names, opsets,
// metadata) stays as it was and any tool that read the source reads this.
//
//===----------------------------------------------------------------------===//
#include "OnnxWeights.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

namespace cvc::train {
namespace {

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

} // namespace

bool exportOnnxWeights(const std::string &source, const std::string &destination,
                       const std::map<std::string, TrainedTensor> &tensors, size_t &replaced,
                       std::string &error) {
  onnx::ModelProto model;
  {
    std::ifstream in(source, std::ios::binary);
    if (!in) {
      error = "cannot read '" + source + "'";
      return false;
    }
    if (!model.ParseFromIstream(&in) || !model.has_graph()) {
      error = "'" + source + "' is not a valid ONNX model";
      return false;
    }
  }
  std::set<std::string> used;
  replaced = 0;
  for (onnx::TensorProto &init : *model.mutable_graph()->mutable_initializer()) {
    auto it = tensors.find(init.name());
    if (it == tensors.end())
      continue;
    std::vector<int64_t> dims(init.dims().begin(), init.dims().end());
    if (init.data_type() != onnx::TensorProto::FLOAT || dims != it->second.shape) {
      error = "initialiser '" + init.name() + "' of '" + source + "' has shape " +
              shapeText(dims) + " (or is not float32), the trained tensor " +
              shapeText(it->second.shape);
      return false;
    }
    init.clear_float_data();
    init.clear_data_location();
    init.clear_external_data();
    init.set_raw_data(std::string(reinterpret_cast<const char *>(it->second.values.data()),
                                  it->second.values.size() * sizeof(float)));
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
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    error = std::string("the exported model fails the ONNX checker: ") + e.what();
    return false;
  }
  std::string temporary = destination + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out || !model.SerializeToOstream(&out)) {
      error = "cannot write '" + destination + "'";
      std::remove(temporary.c_str());
      return false;
    }
  }
  if (std::rename(temporary.c_str(), destination.c_str()) != 0) {
    error = "cannot write '" + destination + "': " + std::strerror(errno);
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

} // namespace cvc::train
