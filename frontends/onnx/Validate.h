//===- Validate.h - checks on an untrusted ModelProto -----------*- C++ -*-===//
#ifndef CVC_ONNX_VALIDATE_H
#define CVC_ONNX_VALIDATE_H

#include "cvc/onnx/Import.h"

#include <string>

namespace onnx {
class ModelProto;
}

namespace cvc::onnx_frontend {

/// Every tensor's dims against its data and the element limit, every
/// window/stride/pad/group attribute within range, external-data locations
/// inside the model's folder, subgraph nesting and node count bounded. Runs
/// before anything else reads the model; `error` names the file and the
/// node or tensor.
bool validateModelProto(const onnx::ModelProto &model, const std::string &file,
                        const ImportLimits &limits, std::string &error);

} // namespace cvc::onnx_frontend

#endif // CVC_ONNX_VALIDATE_H
