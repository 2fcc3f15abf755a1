//===- OnnxModel.cpp - reading an ONNX model file -----------------------===//
#include "cvc/tensorio/OnnxModel.h"

#include "ProtoFile.h"

#include <onnx/defs/parser.h>
#include <onnx/onnx_pb.h>

namespace cvc::tensorio {

bool readOnnxModel(const std::string &path, onnx::ModelProto &model, std::string &error) {
  const std::string textSuffix = ".onnxtxt";
  if (path.size() >= textSuffix.size() &&
      path.compare(path.size() - textSuffix.size(), textSuffix.size(), textSuffix) == 0) {
    std::string text;
    if (!readWholeFile(path, text, error))
      return false;
    if (text.empty()) {
      error = path + ": the file is empty";
      return false;
    }
    auto status = onnx::OnnxParser::Parse(model, text.c_str());
    if (!status.IsOK()) {
      error = path + ": not a valid textual ONNX model: " + status.ErrorMessage();
      return false;
    }
    return true;
  }
  if (!readProtoFile(path, model, "a valid ONNX model", error))
    return false;
  if (!model.has_graph()) {
    error = path + ": not a valid ONNX model (it has no graph)";
    return false;
  }
  return true;
}

} // namespace cvc::tensorio
