//===- NamedTensors.cpp - float tensors by name in a file ---------------===//
#include "cvc/tensorio/NamedTensors.h"

#include "cvc/tensorio/Checkpoint.h"
#include "cvc/tensorio/OnnxModel.h"
#include "cvc/tensorio/TensorProto.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

namespace cvc::tensorio {
namespace {

class OnnxInitializers : public NamedTensors {
public:
  OnnxInitializers(std::unique_ptr<onnx::ModelProto> model, std::string dir)
      : model(std::move(model)), dir(std::move(dir)) {
    for (const onnx::TensorProto &init : this->model->graph().initializer())
      byName[init.name()] = &init;
  }
  bool contains(const std::string &name) const override { return byName.count(name) != 0; }
  std::vector<int64_t> shape(const std::string &name) const override {
    const onnx::TensorProto &t = *byName.at(name);
    return std::vector<int64_t>(t.dims().begin(), t.dims().end());
  }
  bool read(const std::string &name, Tensor &out, std::string &error) const override {
    return decodeTensor(*byName.at(name), dir, out, error);
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const onnx::TensorProto &init : model->graph().initializer())
      out.push_back(init.name());
    return out;
  }

private:
  std::unique_ptr<onnx::ModelProto> model;
  std::string dir;
  std::map<std::string, const onnx::TensorProto *> byName;
};

class CheckpointTensors : public NamedTensors {
public:
  explicit CheckpointTensors(Checkpoint checkpoint) : checkpoint(std::move(checkpoint)) {
    for (const Checkpoint::Slice &t : this->checkpoint.tensors)
      byName[t.name] = &t;
  }
  bool contains(const std::string &name) const override { return byName.count(name) != 0; }
  std::vector<int64_t> shape(const std::string &name) const override {
    return byName.at(name)->shape;
  }
  bool read(const std::string &name, Tensor &out, std::string &) const override {
    out = checkpoint.tensor(*byName.at(name));
    return true;
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const Checkpoint::Slice &t : checkpoint.tensors)
      out.push_back(t.name);
    return out;
  }

private:
  Checkpoint checkpoint;
  std::map<std::string, const Checkpoint::Slice *> byName;
};

bool startsLikeCheckpoint(const std::string &path) {
  char magic[7] = {};
  std::ifstream in(path, std::ios::binary);
  return in.read(magic, sizeof(magic)) && std::memcmp(magic, "CVCCKPT", sizeof(magic)) == 0;
}

} // namespace

std::unique_ptr<NamedTensors> openOnnxInitializers(const std::string &path, std::string &error) {
  auto model = std::make_unique<onnx::ModelProto>();
  if (!readOnnxModel(path, *model, error))
    return nullptr;
  return std::make_unique<OnnxInitializers>(
      std::move(model), std::filesystem::path(path).parent_path().string());
}

std::unique_ptr<NamedTensors> openCheckpointTensors(const std::string &path, std::string &error) {
  Checkpoint checkpoint;
  if (!readCheckpoint(path, checkpoint, error))
    return nullptr;
  if (checkpoint.tensors.empty()) {
    error = "checkpoint '" + path +
            "' has no tensor names (written by an older cvc-train); train again to load it";
    return nullptr;
  }
  return std::make_unique<CheckpointTensors>(std::move(checkpoint));
}

std::unique_ptr<NamedTensors> openNamedTensors(const std::string &path, std::string &error) {
  return startsLikeCheckpoint(path) ? openCheckpointTensors(path, error)
                                    : openOnnxInitializers(path, error);
}

} // namespace cvc::tensorio
