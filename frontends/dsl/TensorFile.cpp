//===- TensorFile.cpp - named weights from ONNX files and checkpoints ---===//
#include "TensorFile.h"

#include "Checkpoint.h"
#include "cvc/onnx/Initializers.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"

#include <cstring>
#include <fstream>
#include <map>

namespace cvc::dsl {
namespace {

class OnnxTensorFile : public TensorFile {
public:
  explicit OnnxTensorFile(std::unique_ptr<onnx_frontend::OnnxInitializers> file)
      : file(std::move(file)) {}
  bool contains(const std::string &name) const override { return file->contains(name); }
  std::vector<int64_t> shape(const std::string &name) const override { return file->shape(name); }
  mlir::LogicalResult read(const std::string &name, std::vector<float> &values,
                           std::string &error) const override {
    return file->read(name, values, error);
  }
  std::vector<std::string> names() const override { return file->names(); }

private:
  std::unique_ptr<onnx_frontend::OnnxInitializers> file;
};

/// The tensor table of a checkpoint: the trained parameters and batch-norm
/// statistics by name (optimizer slots have none and are not weights).
class CheckpointTensorFile : public TensorFile {
public:
  explicit CheckpointTensorFile(train::Checkpoint checkpoint) : checkpoint(std::move(checkpoint)) {
    for (const train::Checkpoint::Tensor &t : this->checkpoint.tensors)
      byName[t.name] = &t;
  }
  bool contains(const std::string &name) const override { return byName.count(name) != 0; }
  std::vector<int64_t> shape(const std::string &name) const override {
    return byName.at(name)->shape;
  }
  mlir::LogicalResult read(const std::string &name, std::vector<float> &values,
                           std::string &error) const override {
    const train::Checkpoint::Tensor &t = *byName.at(name);
    int64_t count = 1;
    for (int64_t d : t.shape)
      count *= d;
    const float *from = checkpoint.states[t.state].values.data() + t.offset;
    values.assign(from, from + count);
    return mlir::success();
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const train::Checkpoint::Tensor &t : checkpoint.tensors)
      out.push_back(t.name);
    return out;
  }

private:
  train::Checkpoint checkpoint;
  std::map<std::string, const train::Checkpoint::Tensor *> byName;
};

bool startsLikeCheckpoint(const std::string &path) {
  char magic[7] = {};
  std::ifstream in(path, std::ios::binary);
  return in.read(magic, sizeof(magic)) && std::memcmp(magic, "CVCCKPT", sizeof(magic)) == 0;
}

} // namespace

std::unique_ptr<TensorFile> openTensorFile(mlir::MLIRContext &ctx, const std::string &path) {
  if (startsLikeCheckpoint(path)) {
    train::Checkpoint checkpoint;
    std::string error;
    if (!train::readCheckpoint(path, checkpoint, error)) {
      mlir::emitError(mlir::UnknownLoc::get(&ctx)) << error;
      return nullptr;
    }
    if (checkpoint.tensors.empty()) {
      mlir::emitError(mlir::UnknownLoc::get(&ctx))
          << "checkpoint '" << path
          << "' has no tensor names (written by an older cvc-train); train again to load it";
      return nullptr;
    }
    return std::make_unique<CheckpointTensorFile>(std::move(checkpoint));
  }
  auto file = onnx_frontend::OnnxInitializers::open(ctx, path);
  if (!file)
    return nullptr;
  return std::make_unique<OnnxTensorFile>(std::move(file));
}

} // namespace cvc::dsl
