//===- Initializers.cpp - an ONNX model's weights, by name --------------===//
#include "cvc/onnx/Initializers.h"
#include "ImportContext.h"

#include "llvm/Support/Path.h"

namespace cvc::onnx_frontend {

struct OnnxInitializers::Model {
  onnx::ModelProto proto;
  std::string dir;
  std::map<std::string, const onnx::TensorProto *, std::less<>> byName;
};

OnnxInitializers::OnnxInitializers(std::unique_ptr<Model> model) : model(std::move(model)) {}
OnnxInitializers::~OnnxInitializers() = default;

std::unique_ptr<OnnxInitializers> OnnxInitializers::open(mlir::MLIRContext &ctx,
                                                         llvm::StringRef path) {
  auto model = std::make_unique<Model>();
  if (mlir::failed(readOnnxModel(ctx, path, model->proto)))
    return nullptr;
  model->dir = llvm::sys::path::parent_path(path).str();
  for (const auto &init : model->proto.graph().initializer())
    model->byName[init.name()] = &init;
  return std::unique_ptr<OnnxInitializers>(new OnnxInitializers(std::move(model)));
}

bool OnnxInitializers::contains(llvm::StringRef name) const {
  return model->byName.find(name) != model->byName.end();
}

std::vector<int64_t> OnnxInitializers::shape(llvm::StringRef name) const {
  const onnx::TensorProto &t = *model->byName.find(name)->second;
  return std::vector<int64_t>(t.dims().begin(), t.dims().end());
}

mlir::LogicalResult OnnxInitializers::read(llvm::StringRef name, std::vector<float> &values,
                                           std::string &error) const {
  FloatConstant c;
  if (mlir::failed(readFloatTensor(*model->byName.find(name)->second, model->dir, c, error)))
    return mlir::failure();
  values = std::move(c.data);
  return mlir::success();
}

std::vector<std::string> OnnxInitializers::names() const {
  std::vector<std::string> out;
  for (const auto &init : model->proto.graph().initializer())
    out.push_back(init.name());
  return out;
}

} // namespace cvc::onnx_frontend
