//===- OnnxModel.h - reading an ONNX model file -----------------*- C++ -*-===//
#ifndef CVC_TENSORIO_ONNXMODEL_H
#define CVC_TENSORIO_ONNXMODEL_H

#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace cvc::tensorio {

/// Parses a binary .onnx (at most 2 GB: larger weights belong in external
/// data) or textual .onnxtxt model; on failure `error` is
/// "<path>: <why>" (unreadable, empty, does not parse, has no graph).
bool readOnnxModel(const std::string &path, onnx::ModelProto &model, std::string &error);

} // namespace cvc::tensorio

#endif // CVC_TENSORIO_ONNXMODEL_H
