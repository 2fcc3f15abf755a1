//===- NamedTensors.h - float tensors by name in a file ---------*- C++ -*-===//
//
// `cvc model.cvm --weights FILE` takes each layer's tensors by name from an
// ONNX model's initialisers (e.g. torchvision's export) or from a cvc-train
// checkpoint's tensor table, so that a network trained by cvc can be
// recompiled — with a replaced head, frozen layers or another batch — from
// where its training stopped.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TENSORIO_NAMEDTENSORS_H
#define CVC_TENSORIO_NAMEDTENSORS_H

#include "cvc/tensorio/Tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace cvc::tensorio {

class NamedTensors {
public:
  virtual ~NamedTensors() = default;
  virtual bool contains(const std::string &name) const = 0;
  /// The declared shape of tensor `name` (which must exist).
  virtual std::vector<int64_t> shape(const std::string &name) const = 0;
  /// Its values; on failure `error` names the tensor and says why.
  virtual bool read(const std::string &name, Tensor &out, std::string &error) const = 0;
  /// Every tensor's name, in file order.
  virtual std::vector<std::string> names() const = 0;
};

/// The initialisers of an ONNX model (.onnx or .onnxtxt); external data is
/// read relative to the model's folder. Null with `error` on failure.
std::unique_ptr<NamedTensors> openOnnxInitializers(const std::string &path, std::string &error);

/// The tensor table of a cvc-train checkpoint: parameters and batch-norm
/// statistics by name (optimizer slots have no names and are not weights).
std::unique_ptr<NamedTensors> openCheckpointTensors(const std::string &path, std::string &error);

/// Either of the above, told apart by the checkpoint's magic bytes.
std::unique_ptr<NamedTensors> openNamedTensors(const std::string &path, std::string &error);

} // namespace cvc::tensorio

#endif // CVC_TENSORIO_NAMEDTENSORS_H
