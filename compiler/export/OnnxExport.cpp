//===- OnnxExport.cpp - cv dialect -> ONNX model ------------------------===//
//
// The inverse of frontends/onnx for the ops frontends emit: one table from
// cv op to a small function that writes its ONNX node, so that a model
// written in the architecture language can be used by other tools (ONNX
// Runtime, PyTorch's importers). Weights are read once from their resource
// blobs into the initialisers.
//
//===----------------------------------------------------------------------===//
#include "cvc/export/OnnxExport.h"

#include "cv/CvOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/FileSystem.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <functional>
#include <map>
#include <set>

using namespace mlir;

namespace cvc::onnx_export {
namespace {

constexpr int64_t kOpset = 13;

class Exporter {
public:
  explicit Exporter(onnx::GraphProto &graph) : graph(graph) {}

  onnx::GraphProto &graph;
  DenseMap<Value, std::string> names;
  std::set<std::string> taken;
  Operation *op = nullptr; ///< the op being exported

  LogicalResult fail(const llvm::Twine &reason) const {
    return op->emitError() << "cannot export to ONNX: " << reason;
  }

  /// A name not used before, from `base`.
  std::string unique(std::string base) {
    if (base.empty())
      base = "t";
    std::string name = base;
    for (int i = 1; !taken.insert(name).second; ++i)
      name = base + "_" + std::to_string(i);
    return name;
  }

  std::string nameOf(Value v) const { return names.lookup(v); }

  /// A node of `type` reading the op's operands (or `inputs`) and writing
  /// its result.
  onnx::NodeProto &node(llvm::StringRef type, std::vector<std::string> inputs = {}) {
    if (inputs.empty())
      for (Value v : op->getOperands())
        inputs.push_back(nameOf(v));
    onnx::NodeProto &n = *graph.add_node();
    n.set_op_type(type.str());
    std::string result = unique(baseName(op));
    names[op->getResult(0)] = result;
    n.set_name(result);
    for (const std::string &in : inputs)
      n.add_input(in);
    n.add_output(result);
    return n;
  }

  static std::string baseName(Operation *op) {
    if (auto named = llvm::dyn_cast<NameLoc>(op->getLoc()))
      return named.getName().str();
    return "";
  }

  std::string intInitializer(llvm::StringRef base, llvm::ArrayRef<int64_t> values) {
    onnx::TensorProto &t = *graph.add_initializer();
    t.set_name(unique(base.str()));
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values)
      t.add_int64_data(v);
    return t.name();
  }

  std::string floatScalar(llvm::StringRef base, float value) {
    onnx::TensorProto &t = *graph.add_initializer();
    t.set_name(unique(base.str()));
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_float_data(value);
    return t.name();
  }
};

void setInts(onnx::NodeProto &n, llvm::StringRef name, llvm::ArrayRef<int64_t> values) {
  onnx::AttributeProto &a = *n.add_attribute();
  a.set_name(name.str());
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values)
    a.add_ints(v);
}

void setInt(onnx::NodeProto &n, llvm::StringRef name, int64_t value) {
  onnx::AttributeProto &a = *n.add_attribute();
  a.set_name(name.str());
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
}

void setFloat(onnx::NodeProto &n, llvm::StringRef name, float value) {
  onnx::AttributeProto &a = *n.add_attribute();
  a.set_name(name.str());
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(value);
}

void setString(onnx::NodeProto &n, llvm::StringRef name, llvm::StringRef value) {
  onnx::AttributeProto &a = *n.add_attribute();
  a.set_name(name.str());
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(value.str());
}

/// Fused epilogues are the passes' work; a frontend's layer has none.
template <typename OpT> LogicalResult checkPlainLayer(Exporter &ex, OpT layer) {
  if (layer.getResidual() || layer.getActivation() != cv::Activation::none)
    return ex.fail("a fused epilogue (residual or activation) is made by the optimisation "
                   "passes; export the model as the frontend builds it");
  return success();
}

using ExportFn = std::function<LogicalResult(Exporter &)>;

LogicalResult exportConv(Exporter &ex) {
  auto conv = llvm::cast<cv::Conv2DOp>(ex.op);
  if (failed(checkPlainLayer(ex, conv)))
    return failure();
  auto weight = llvm::cast<RankedTensorType>(conv.getWeight().getType());
  onnx::NodeProto &n = ex.node("Conv");
  setInts(n, "kernel_shape", {weight.getDimSize(2), weight.getDimSize(3)});
  setInts(n, "strides", conv.getStrides());
  // cv's [top, left, bottom, right] is ONNX's [h_begin, w_begin, h_end, w_end].
  setInts(n, "pads", conv.getPads());
  setInts(n, "dilations", conv.getDilations());
  setInt(n, "group", conv.getGroups());
  return success();
}

LogicalResult exportFullyConnected(Exporter &ex) {
  auto fc = llvm::cast<cv::FullyConnectedOp>(ex.op);
  if (failed(checkPlainLayer(ex, fc)))
    return failure();
  setInt(ex.node("Gemm"), "transB", 1);
  return success();
}

LogicalResult exportBatchNorm(Exporter &ex) {
  setFloat(ex.node("BatchNormalization"), "epsilon",
           llvm::cast<cv::BatchNormOp>(ex.op).getEpsilon().convertToFloat());
  return success();
}

template <typename OpT> LogicalResult exportPool(Exporter &ex) {
  auto pool = llvm::cast<OpT>(ex.op);
  if (llvm::cast<RankedTensorType>(pool.getInput().getType()).getRank() != 4)
    return ex.fail("only NCHW pooling has an ONNX equivalent");
  constexpr bool isMax = std::is_same_v<OpT, cv::MaxPool2DOp>;
  onnx::NodeProto &n = ex.node(isMax ? "MaxPool" : "AveragePool");
  setInts(n, "kernel_shape", pool.getKernel());
  setInts(n, "strides", pool.getStrides());
  setInts(n, "pads", pool.getPads());
  setInt(n, "ceil_mode", pool.getCeilMode());
  if constexpr (!isMax)
    setInt(n, "count_include_pad", pool.getCountIncludePad());
  return success();
}

LogicalResult exportLRN(Exporter &ex) {
  auto lrn = llvm::cast<cv::LRNOp>(ex.op);
  onnx::NodeProto &n = ex.node("LRN");
  setInt(n, "size", lrn.getSize());
  setFloat(n, "alpha", lrn.getAlpha().convertToFloat());
  setFloat(n, "beta", lrn.getBeta().convertToFloat());
  setFloat(n, "bias", lrn.getBias().convertToFloat());
  return success();
}

LogicalResult exportDropout(Exporter &ex) {
  auto dropout = llvm::cast<cv::DropoutOp>(ex.op);
  std::string ratio = ex.floatScalar(Exporter::baseName(ex.op) + ".ratio",
                                     dropout.getRatio().convertToFloat());
  ex.node("Dropout", {ex.nameOf(dropout.getInput()), ratio});
  return success();
}

LogicalResult exportConcat(Exporter &ex) {
  setInt(ex.node("Concat"), "axis", llvm::cast<cv::ConcatOp>(ex.op).getAxis());
  return success();
}

template <typename OpT> LogicalResult exportAxisOp(Exporter &ex, llvm::StringRef type) {
  setInt(ex.node(type), "axis", llvm::cast<OpT>(ex.op).getAxis());
  return success();
}

/// The batch stays symbolic: ONNX's 0 copies the input's first dimension.
LogicalResult exportReshape(Exporter &ex) {
  auto reshape = llvm::cast<cv::ReshapeOp>(ex.op);
  auto type = llvm::cast<RankedTensorType>(reshape.getType());
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  if (type.getRank() > 0 && type.isDynamicDim(0))
    shape[0] = 0;
  std::string target = ex.intInitializer(Exporter::baseName(ex.op) + ".shape", shape);
  ex.node("Reshape", {ex.nameOf(reshape.getInput()), target});
  return success();
}

LogicalResult exportTranspose(Exporter &ex) {
  setInts(ex.node("Transpose"), "perm", llvm::cast<cv::TransposeOp>(ex.op).getPerm());
  return success();
}

LogicalResult exportClip(Exporter &ex) {
  auto clip = llvm::cast<cv::ClipOp>(ex.op);
  std::string base = Exporter::baseName(ex.op);
  std::string lo = ex.floatScalar(base + ".min", clip.getMin().convertToFloat());
  std::string hi = ex.floatScalar(base + ".max", clip.getMax().convertToFloat());
  ex.node("Clip", {ex.nameOf(clip.getInput()), lo, hi});
  return success();
}

LogicalResult exportReduce(Exporter &ex) {
  auto reduce = llvm::cast<cv::ReduceOp>(ex.op);
  static const char *types[] = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"};
  const char *type = types[static_cast<int>(reduce.getKind())];
  // Opset 13 moved ReduceSum's axes to an input; the others keep the attribute.
  if (reduce.getKind() == cv::ReduceKind::sum) {
    std::string axes = ex.intInitializer(Exporter::baseName(ex.op) + ".axes", reduce.getAxes());
    setInt(ex.node(type, {ex.nameOf(reduce.getInput()), axes}), "keepdims", 1);
    return success();
  }
  onnx::NodeProto &n = ex.node(type);
  setInts(n, "axes", reduce.getAxes());
  setInt(n, "keepdims", 1);
  return success();
}

LogicalResult exportPad(Exporter &ex) {
  auto pad = llvm::cast<cv::PadOp>(ex.op);
  std::string base = Exporter::baseName(ex.op);
  std::string pads = ex.intInitializer(base + ".pads", pad.getPads());
  std::string value = ex.floatScalar(base + ".value", pad.getValue().convertToFloat());
  static const char *modes[] = {"constant", "reflect", "edge"};
  setString(ex.node("Pad", {ex.nameOf(pad.getInput()), pads, value}), "mode",
            modes[static_cast<int>(pad.getMode())]);
  return success();
}

LogicalResult exportSlice(Exporter &ex) {
  auto slice = llvm::cast<cv::SliceOp>(ex.op);
  std::vector<int64_t> starts, ends, axes, steps;
  for (auto [d, start, size, step] :
       llvm::enumerate(slice.getStarts(), slice.getSizes(), slice.getSteps())) {
    axes.push_back(static_cast<int64_t>(d));
    steps.push_back(step);
    starts.push_back(start);
    int64_t end = start + size * step;
    if (size < 0) // a dynamic batch, taken whole
      end = INT64_MAX;
    else if (end < 0)
      end = INT64_MIN; // a negative step that runs to the first element
    ends.push_back(end);
  }
  std::string base = Exporter::baseName(ex.op);
  ex.node("Slice", {ex.nameOf(slice.getInput()), ex.intInitializer(base + ".starts", starts),
                    ex.intInitializer(base + ".ends", ends),
                    ex.intInitializer(base + ".axes", axes),
                    ex.intInitializer(base + ".steps", steps)});
  return success();
}

/// One entry per cv op a frontend emits.
const std::map<std::string, ExportFn> &exportTable() {
  static const std::map<std::string, ExportFn> table = [] {
    std::map<std::string, ExportFn> t;
    t["cv.conv2d"] = exportConv;
    t["cv.fully_connected"] = exportFullyConnected;
    t["cv.batch_norm"] = exportBatchNorm;
    t["cv.max_pool2d"] = exportPool<cv::MaxPool2DOp>;
    t["cv.avg_pool2d"] = exportPool<cv::AvgPool2DOp>;
    t["cv.lrn"] = exportLRN;
    t["cv.dropout"] = exportDropout;
    t["cv.concat"] = exportConcat;
    t["cv.softmax"] = [](Exporter &ex) { return exportAxisOp<cv::SoftmaxOp>(ex, "Softmax"); };
    t["cv.log_softmax"] = [](Exporter &ex) {
      return exportAxisOp<cv::LogSoftmaxOp>(ex, "LogSoftmax");
    };
    t["cv.reshape"] = exportReshape;
    t["cv.transpose"] = exportTranspose;
    t["cv.clip"] = exportClip;
    t["cv.reduce"] = exportReduce;
    t["cv.pad"] = exportPad;
    t["cv.slice"] = exportSlice;
    t["cv.leaky_relu"] = [](Exporter &ex) {
      setFloat(ex.node("LeakyRelu"), "alpha",
               llvm::cast<cv::LeakyReluOp>(ex.op).getAlpha().convertToFloat());
      return success();
    };
    t["cv.elu"] = [](Exporter &ex) {
      setFloat(ex.node("Elu"), "alpha", llvm::cast<cv::EluOp>(ex.op).getAlpha().convertToFloat());
      return success();
    };
    t["cv.hard_sigmoid"] = [](Exporter &ex) {
      auto op = llvm::cast<cv::HardSigmoidOp>(ex.op);
      onnx::NodeProto &n = ex.node("HardSigmoid");
      setFloat(n, "alpha", op.getAlpha().convertToFloat());
      setFloat(n, "beta", op.getBeta().convertToFloat());
      return success();
    };
    // Same operands, no attributes.
    const std::pair<const char *, const char *> plain[] = {
        {"cv.relu", "Relu"},   {"cv.tanh", "Tanh"},       {"cv.sigmoid", "Sigmoid"},
        {"cv.abs", "Abs"},     {"cv.neg", "Neg"},         {"cv.exp", "Exp"},
        {"cv.log", "Log"},     {"cv.sqrt", "Sqrt"},       {"cv.reciprocal", "Reciprocal"},
        {"cv.floor", "Floor"}, {"cv.ceil", "Ceil"},       {"cv.softplus", "Softplus"},
        {"cv.add", "Add"},     {"cv.sub", "Sub"},         {"cv.mul", "Mul"},
        {"cv.div", "Div"},     {"cv.max", "Max"},         {"cv.min", "Min"},
        {"cv.pow", "Pow"},     {"cv.prelu", "PRelu"}};
    for (auto [cvName, onnxName] : plain) {
      std::string type = onnxName;
      t[cvName] = [type](Exporter &ex) {
        ex.node(type);
        return success();
      };
    }
    return t;
  }();
  return table;
}

void setValueInfo(onnx::ValueInfoProto &info, const std::string &name, Type type) {
  info.set_name(name);
  auto tensor = llvm::cast<RankedTensorType>(type);
  auto &t = *info.mutable_type()->mutable_tensor_type();
  t.set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : tensor.getShape()) {
    auto &dim = *t.mutable_shape()->add_dim();
    if (ShapedType::isDynamic(d))
      dim.set_dim_param("N");
    else
      dim.set_dim_value(d);
  }
}

std::string constantName(cv::ConstantOp constant) {
  if (auto resource = llvm::dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
    return resource.getRawHandle().getKey().str();
  return "const";
}

} // namespace

LogicalResult exportOnnx(ModuleOp module, llvm::StringRef path) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return emitError(module.getLoc()) << "cannot export to ONNX: the model has no @main";
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("cvc");
  auto &opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(kOpset);
  onnx::GraphProto &graph = *model.mutable_graph();
  graph.set_name(module->hasAttr("cv.source")
                     ? module->getAttrOfType<StringAttr>("cv.source").str()
                     : "main");
  Exporter ex(graph);

  for (BlockArgument arg : main.getArguments()) {
    auto name = main.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "cv.name");
    std::string unique =
        ex.unique(name ? name.str() : "input" + std::to_string(arg.getArgNumber()));
    ex.names[arg] = unique;
    setValueInfo(*graph.add_input(), unique, arg.getType());
  }
  // Outputs keep their names (reserved first); an Identity gives each its
  // value.
  auto ret = llvm::cast<func::ReturnOp>(main.getBody().front().getTerminator());
  std::vector<std::string> outputs;
  for (unsigned i = 0; i < ret.getNumOperands(); ++i) {
    auto name = main.getResultAttrOfType<StringAttr>(i, "cv.name");
    outputs.push_back(ex.unique(name ? name.str() : "output" + std::to_string(i)));
  }
  const auto &table = exportTable();
  for (Operation &op : main.getBody().front()) {
    ex.op = &op;
    if (auto constant = llvm::dyn_cast<cv::ConstantOp>(&op)) {
      auto values = cv::readFloatConstant(constant);
      if (!values)
        return ex.fail("the constant's values cannot be read");
      onnx::TensorProto &t = *graph.add_initializer();
      t.set_name(ex.unique(constantName(constant)));
      t.set_data_type(onnx::TensorProto::FLOAT);
      for (int64_t d : llvm::cast<RankedTensorType>(constant.getType()).getShape())
        t.add_dims(d);
      t.set_raw_data(values->data(), values->size() * sizeof(float));
      ex.names[constant.getResult()] = t.name();
      continue;
    }
    if (llvm::isa<func::ReturnOp>(&op))
      continue;
    auto fn = table.find(op.getName().getStringRef().str());
    if (fn == table.end())
      return ex.fail("'" + op.getName().getStringRef() +
                     "' has no ONNX equivalent here (it is made by the optimisation passes, "
                     "or not supported)");
    if (failed(fn->second(ex)))
      return failure();
  }

  for (auto [value, output] : llvm::zip(ret.getOperands(), outputs)) {
    onnx::NodeProto &n = *graph.add_node();
    n.set_op_type("Identity");
    n.set_name(output);
    n.add_input(ex.nameOf(value));
    n.add_output(output);
    setValueInfo(*graph.add_output(), output, value.getType());
  }

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    return emitError(module.getLoc()) << "the exported ONNX model fails ONNX's checker: "
                                      << e.what();
  }
  std::string partial = path.str() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary);
    if (!out || !model.SerializeToOstream(&out) || !out.flush()) {
      llvm::sys::fs::remove(partial);
      return emitError(module.getLoc()) << "cannot write '" << path << "'";
    }
  }
  if (auto ec = llvm::sys::fs::rename(partial, path)) {
    llvm::sys::fs::remove(partial);
    return emitError(module.getLoc()) << "cannot write '" << path << "': " << ec.message();
  }
  return success();
}

} // namespace cvc::onnx_export
