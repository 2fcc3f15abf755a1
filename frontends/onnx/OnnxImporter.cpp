//===- OnnxImporter.cpp - load, validate and import an ONNX model -------===//
//
// Loading is defensive: a truncated, hostile or merely unsupported file must
// end in a message naming the file (and node), never a crash. cvc's own
// checks (Validate.h) run first, then the ONNX checker, so that problems in
// the model itself are reported in ONNX's terms before cvc's. ONNX's shape
// inference is not run: nothing here reads its results (every cv op infers
// its own shape as it is built, and reports a mismatch for its node), and
// on hostile files it crashes (a null ConvTranspose weight shape, a zero
// stride), which no check in front of it can rule out for every op.
//
//===----------------------------------------------------------------------===//
#include "cvc/onnx/Import.h"
#include "cvc/tensorio/OnnxModel.h"
#include "cvc/tensorio/TensorFile.h"
#include "cvc/tensorio/TensorProto.h"
#include "ImportContext.h"
#include "OpTable.h"
#include "Validate.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <onnx/checker.h>

#include <deque>
#include <set>

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

// Opset 6 is accepted too: the ops that changed at 7 (broadcasting) differ
// only in attributes, which each import function refuses if it sees them.
constexpr int64_t kMinOpset = 6, kMaxOpset = 17;

LogicalResult fileError(MLIRContext &ctx, llvm::StringRef file, const llvm::Twine &reason) {
  return emitError(FileLineColLoc::get(&ctx, file, 0, 0)) << file << ": " << reason;
}


std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

/// The declared type of a graph input, with a symbolic leading dimension
/// becoming the dynamic batch.
FailureOr<RankedTensorType> inputType(MLIRContext &ctx, llvm::StringRef file,
                                      const onnx::ValueInfoProto &input,
                                      const ImportOptions &options) {
  const auto &type = input.type();
  if (!type.has_tensor_type()) {
    (void)fileError(ctx, file, "input '" + input.name() +
                                   "' is not a tensor; optional and sequence inputs are not supported");
    return failure();
  }
  const auto &tensor = type.tensor_type();
  if (tensor.elem_type() != onnx::TensorProto::FLOAT) {
    (void)fileError(ctx, file,
                    "input '" + input.name() + "': element type " +
                        onnx::TensorProto::DataType_Name(
                            static_cast<onnx::TensorProto::DataType>(tensor.elem_type())) +
                        " is not supported (cvc compiles float32 models)");
    return failure();
  }
  auto overridden = options.inputShapes.find(input.name());
  if (!tensor.has_shape() && overridden == options.inputShapes.end()) {
    (void)fileError(ctx, file, "input '" + input.name() + "' has no shape; fix it with --input-shape " +
                                   input.name() + "=d0,d1,...");
    return failure();
  }
  std::vector<int64_t> shape;
  std::vector<std::string> symbolic;
  if (tensor.has_shape()) {
    for (int i = 0; i < tensor.shape().dim_size(); ++i) {
      const auto &dim = tensor.shape().dim(i);
      if (dim.has_dim_value() && dim.dim_value() > 0) {
        shape.push_back(dim.dim_value());
      } else {
        shape.push_back(-1);
        if (i > 0)
          symbolic.push_back(dim.has_dim_param() ? "'" + dim.dim_param() + "' (dim " +
                                                       std::to_string(i) + ")"
                                                 : "dim " + std::to_string(i));
      }
    }
  }
  if (overridden != options.inputShapes.end()) {
    const std::vector<int64_t> &fixed = overridden->second;
    if (!shape.empty() && fixed.size() != shape.size()) {
      (void)fileError(ctx, file, "--input-shape for '" + input.name() + "' has rank " +
                                     std::to_string(fixed.size()) + " but the model declares " +
                                     shapeText(shape));
      return failure();
    }
    for (size_t i = 0; i < shape.size(); ++i)
      if (shape[i] >= 0 && shape[i] != fixed[i]) {
        (void)fileError(ctx, file, "--input-shape " + shapeText(fixed) + " for '" + input.name() +
                                       "' contradicts the declared shape " + shapeText(shape));
        return failure();
      }
    shape = fixed;
  } else if (!symbolic.empty()) {
    std::string dims;
    for (const auto &s : symbolic)
      dims += (dims.empty() ? "" : ", ") + s;
    (void)fileError(ctx, file, "input '" + input.name() + "' " + shapeText(shape) +
                                   " has symbolic non-batch dimensions " + dims +
                                   "; fix them with --input-shape " + input.name() +
                                   "=d0,d1,... (e.g. 1,3,224,224)");
    return failure();
  }
  llvm::SmallVector<int64_t> dims;
  for (int64_t d : shape)
    dims.push_back(d < 0 ? ShapedType::kDynamic : d);
  return RankedTensorType::get(dims, Float32Type::get(&ctx));
}

/// --constant-input: each named input becomes an initializer holding the
/// file's tensor (kept alive in `storage`), checked against the input's
/// declared element type and shape.
LogicalResult bindConstantInputs(MLIRContext &ctx, llvm::StringRef path,
                                 const onnx::GraphProto &graph, const ImportOptions &options,
                                 ImportContext &ic, std::deque<onnx::TensorProto> &storage) {
  for (const auto &[name, file] : options.constantInputs) {
    const onnx::ValueInfoProto *declared = nullptr;
    for (const auto &input : graph.input())
      if (input.name() == name)
        declared = &input;
    if (!declared || ic.initializers.count(name) || ic.intValues.count(name))
      return fileError(ctx, path, "--constant-input names '" + name +
                                      "', which is not a model input");
    if (!declared->type().has_tensor_type())
      return fileError(ctx, path, "--constant-input " + name +
                                      ": the input is not a tensor (a sequence, map or optional "
                                      "input); that is not supported");
    onnx::TensorProto &proto = storage.emplace_back();
    std::string error;
    if (llvm::StringRef(file).ends_with(".npy")) {
      tensorio::Tensor t;
      if (!tensorio::readNpy(file, t, error))
        return fileError(ctx, path, "--constant-input " + name + ": " + error);
      tensorio::encodeTensor(t, proto);
    } else if (!tensorio::readTensorProto(file, proto, error)) {
      return fileError(ctx, path, "--constant-input " + name + ": " + error);
    }
    if (proto.data_location() == onnx::TensorProto::EXTERNAL)
      return fileError(ctx, path, "--constant-input " + name + ": " + file +
                                      " keeps its data in another file; that is not supported");
    const onnx::TypeProto::Tensor &type = declared->type().tensor_type();
    if (!isIntTensor(proto) && proto.data_type() != onnx::TensorProto::FLOAT &&
        proto.data_type() != onnx::TensorProto::DOUBLE)
      return fileError(ctx, path, "--constant-input " + name + ": element type " +
                                      onnx::TensorProto::DataType_Name(
                                          static_cast<onnx::TensorProto::DataType>(
                                              proto.data_type())) +
                                      " is not supported");
    if (type.elem_type() != proto.data_type())
      return fileError(ctx, path, "--constant-input " + name + ": the input is declared " +
                                      onnx::TensorProto::DataType_Name(
                                          static_cast<onnx::TensorProto::DataType>(
                                              type.elem_type())) +
                                      " but " + file + " holds " +
                                      onnx::TensorProto::DataType_Name(
                                          static_cast<onnx::TensorProto::DataType>(
                                              proto.data_type())));
    std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
    bool matches = !type.has_shape() || type.shape().dim_size() == proto.dims_size();
    for (int i = 0; matches && type.has_shape() && i < type.shape().dim_size(); ++i)
      if (type.shape().dim(i).has_dim_value() && type.shape().dim(i).dim_value() != dims[i])
        matches = false;
    if (!matches)
      return fileError(ctx, path, "--constant-input " + name + ": " + file + " holds a " +
                                      shapeText(dims) +
                                      " tensor, which the input's declared shape does not allow");
    proto.set_name(name);
    if (isIntTensor(proto)) {
      std::optional<int64_t> count = tensorio::elementCount(dims);
      std::vector<int64_t> values = readIntTensor(proto);
      if (!count || static_cast<int64_t>(values.size()) != *count)
        return fileError(ctx, path, "--constant-input " + name + ": " + file + " holds " +
                                        std::to_string(values.size()) + " values for a " +
                                        shapeText(dims) + " tensor");
      ic.intValues[name] = std::move(values);
      ic.intShapes[name] = dims;
    } else {
      ic.initializers[name] = &proto;
    }
  }
  return success();
}

/// onnx::checker::check_model as ONNX 1.12 runs it for a ModelProto, but
/// with the model's folder set: given only the proto, the checker looks for
/// external-data files in the working directory, refusing a model whose
/// weights sit beside it unless cvc runs from that folder.
void checkModel(const onnx::ModelProto &model, const std::string &modelDir) {
  namespace checker = onnx::checker;
  if (!model.ir_version())
    throw std::runtime_error("the model does not set an ir_version");
  if (model.ir_version() > onnx::Version::IR_VERSION)
    throw std::runtime_error("its ir_version " + std::to_string(model.ir_version()) +
                             " is newer than the checker's " +
                             std::to_string(onnx::Version::IR_VERSION));
  checker::CheckerContext context;
  context.set_ir_version(static_cast<int>(model.ir_version()));
  context.set_model_dir(modelDir.empty() ? "." : modelDir);
  std::unordered_map<std::string, int> opsets;
  for (const auto &entry : model.opset_import())
    opsets[entry.domain()] = static_cast<int>(entry.version());
  context.set_opset_imports(opsets);
  checker::LexicalScopeContext scope;
  checker::check_graph(model.graph(), context, scope);
  if (model.ir_version() >= 8)
    checker::check_model_local_functions(model, context, scope);
}

} // namespace

LogicalResult readOnnxModel(MLIRContext &ctx, llvm::StringRef path, onnx::ModelProto &model) {
  std::string error;
  if (!tensorio::readOnnxModel(path.str(), model, error))
    return emitError(FileLineColLoc::get(&ctx, path, 0, 0)) << error;
  return success();
}

OwningOpRef<ModuleOp> importOnnxModel(llvm::StringRef path, MLIRContext &ctx,
                                      const ImportOptions &options) {
  onnx::ModelProto model;
  if (failed(readOnnxModel(ctx, path, model)))
    return nullptr;
  return importOnnxModel(model, path, ctx, options);
}

OwningOpRef<ModuleOp> importOnnxModel(onnx::ModelProto &model, llvm::StringRef path,
                                      MLIRContext &ctx, const ImportOptions &options) {
  ctx.loadDialect<cv::CvDialect, func::FuncDialect>();
  std::string file = path.str();
  std::string invalid;
  if (!validateModelProto(model, file, options.limits, invalid)) {
    emitError(FileLineColLoc::get(&ctx, file, 0, 0)) << invalid;
    return nullptr;
  }

  int64_t opset = -1;
  for (const auto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  if (opset < kMinOpset || opset > kMaxOpset) {
    (void)fileError(ctx, path, "default-domain opset " + std::to_string(opset) +
                                   " is not supported; cvc imports opsets " +
                                   std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset));
    return nullptr;
  }

  try {
    checkModel(model, llvm::sys::path::parent_path(path).str());
  } catch (const std::exception &e) {
    (void)fileError(ctx, path, std::string("the ONNX checker rejects the model: ") + e.what());
    return nullptr;
  }
  // Report every unsupported node at once, before building anything.
  const OnnxOpTable &table = onnxOpTable();
  const onnx::GraphProto &graph = model.graph();
  bool unsupported = false;
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto &node = graph.node(i);
    std::string label = nodeLabel(file, node);
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      emitError(FileLineColLoc::get(&ctx, file, 0, 0))
          << label << ": operator domain '" << node.domain() << "' is not supported";
      unsupported = true;
    } else if (!table.importRule(node.op_type())) {
      emitError(FileLineColLoc::get(&ctx, file, 0, 0))
          << label << ": unsupported operator '" << node.op_type() << "'";
      unsupported = true;
    }
  }
  if (unsupported && !options.reportAll)
    return nullptr;

  OpBuilder builder(&ctx);
  auto module = ModuleOp::create(FileLineColLoc::get(&ctx, file, 0, 0));
  OwningOpRef<ModuleOp> owner(module);
  module->setAttr("cv.source", builder.getStringAttr(llvm::sys::path::filename(path)));
  ImportContext ic(builder, file, llvm::sys::path::parent_path(path).str(), opset);
  ic.maxElements = options.limits.maxElements;

  for (const auto &init : graph.initializer()) {
    if (isIntTensor(init)) {
      ic.intValues[init.name()] = readIntTensor(init);
      ic.intShapes[init.name()].assign(init.dims().begin(), init.dims().end());
    } else
      ic.initializers[init.name()] = &init;
  }

  std::deque<onnx::TensorProto> constantInputs;
  if (failed(bindConstantInputs(ctx, path, graph, options, ic, constantInputs)))
    return nullptr;

  // Values that a refused input or node would have produced (reportAll mode).
  std::set<std::string> poisoned;
  bool refused = unsupported;
  llvm::SmallVector<Type> argTypes;
  std::vector<const onnx::ValueInfoProto *> inputs;
  std::set<std::string> seenOverrides;
  for (const auto &input : graph.input()) {
    if (ic.initializers.count(input.name()) || ic.intValues.count(input.name()))
      continue;
    auto type = inputType(ctx, path, input, options);
    if (failed(type)) {
      if (!options.reportAll)
        return nullptr;
      refused = true;
      poisoned.insert(input.name());
      continue;
    }
    argTypes.push_back(*type);
    inputs.push_back(&input);
    seenOverrides.insert(input.name());
  }
  for (const auto &[name, shape] : options.inputShapes)
    if (!seenOverrides.count(name)) {
      (void)fileError(ctx, path, "--input-shape names '" + name + "', which is not a model input");
      return nullptr;
    }
  if (inputs.empty() && !refused) {
    (void)fileError(ctx, path, "a model without inputs is not supported");
    return nullptr;
  }

  builder.setInsertionPointToEnd(module.getBody());
  auto func = builder.create<func::FuncOp>(module.getLoc(), "main",
                                           builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, input] : llvm::enumerate(inputs)) {
    func.setArgAttr(i, "cv.name", builder.getStringAttr(input->name()));
    ic.values[input->name()] = entry->getArgument(i);
  }
  builder.setInsertionPointToEnd(entry);

  for (const auto &node : graph.node()) {
    ic.node = &node;
    bool skip = !table.importRule(node.op_type()) ||
                llvm::any_of(node.input(), [&](const std::string &in) { return poisoned.count(in); });
    if (!skip && succeeded(table.importRule(node.op_type())->import(ic)))
      continue;
    if (!options.reportAll)
      return nullptr;
    refused |= !skip;
    poisoned.insert(node.output().begin(), node.output().end());
  }
  ic.node = nullptr;
  if (refused)
    return nullptr;

  llvm::SmallVector<Value> results;
  llvm::SmallVector<Type> resultTypes;
  for (const auto &output : graph.output()) {
    auto it = ic.values.find(output.name());
    if (it == ic.values.end() && (ic.intValues.count(output.name()) ||
                                  ic.floatValues.count(output.name()) ||
                                  ic.initializers.count(output.name()))) {
      (void)fileError(ctx, path, "output '" + output.name() +
                                     "' is a compile-time constant; constant model outputs are "
                                     "not supported");
      return nullptr;
    }
    if (auto why = ic.unsupportedValues.find(output.name()); why != ic.unsupportedValues.end()) {
      (void)fileError(ctx, path, "output '" + output.name() + "': " + why->second);
      return nullptr;
    }
    if (it == ic.values.end()) {
      (void)fileError(ctx, path, "output '" + output.name() +
                                     "' is not a float tensor computed from the inputs");
      return nullptr;
    }
    auto type = llvm::cast<RankedTensorType>(it->second.getType());
    if (output.type().has_tensor_type() && output.type().tensor_type().has_shape()) {
      const auto &declared = output.type().tensor_type().shape();
      bool mismatch = declared.dim_size() != type.getRank();
      for (int i = 0; !mismatch && i < declared.dim_size(); ++i)
        mismatch = declared.dim(i).has_dim_value() && !type.isDynamicDim(i) &&
                   declared.dim(i).dim_value() != type.getDimSize(i);
      if (mismatch) {
        std::vector<int64_t> ours(type.getShape().begin(), type.getShape().end());
        for (int64_t &d : ours)
          d = ShapedType::isDynamic(d) ? -1 : d;
        (void)fileError(ctx, path, "output '" + output.name() + "' is declared with a shape "
                                   "that differs from the computed " + shapeText(ours));
        return nullptr;
      }
    }
    results.push_back(it->second);
    resultTypes.push_back(type);
  }
  builder.create<func::ReturnOp>(module.getLoc(), results);
  func.setFunctionType(builder.getFunctionType(argTypes, resultTypes));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "cv.name", builder.getStringAttr(output.name()));
  return owner;
}

} // namespace cvc::onnx_frontend
