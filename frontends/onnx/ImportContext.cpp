//===- ImportContext.cpp - attribute, value and error helpers -----------===//
#include "ImportContext.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringExtras.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cstring>

using namespace mlir;

namespace cvc::onnx_frontend {

std::vector<int64_t> readIntTensor(const onnx::TensorProto &t) {
  std::vector<int64_t> values;
  bool wide = t.data_type() == onnx::TensorProto::INT64;
  if (t.has_raw_data() && t.data_type() == onnx::TensorProto::BOOL) {
    for (char c : t.raw_data())
      values.push_back(c != 0);
  } else if (t.has_raw_data()) {
    size_t width = wide ? 8 : 4;
    const std::string &raw = t.raw_data();
    for (size_t off = 0; off + width <= raw.size(); off += width) {
      if (wide) {
        int64_t v;
        std::memcpy(&v, raw.data() + off, 8);
        values.push_back(v);
      } else {
        int32_t v;
        std::memcpy(&v, raw.data() + off, 4);
        values.push_back(v);
      }
    }
  } else if (wide) {
    values.assign(t.int64_data().begin(), t.int64_data().end());
  } else {
    values.assign(t.int32_data().begin(), t.int32_data().end());
  }
  return values;
}

std::string nodeLabel(const std::string &file, const onnx::NodeProto &node) {
  if (node.name().empty() && node.output_size() > 0)
    return file + ": node producing '" + node.output(0) + "' (" + node.op_type() + ")";
  return file + ": node '" + node.name() + "' (" + node.op_type() + ")";
}

std::string ImportContext::nodeLabel() const {
  return node ? onnx_frontend::nodeLabel(file, *node) : file;
}

Location ImportContext::loc() const {
  MLIRContext *ctx = builder.getContext();
  Location fileLoc = FileLineColLoc::get(ctx, file, 0, 0);
  return node ? Location(NameLoc::get(StringAttr::get(ctx, node->name()), fileLoc)) : fileLoc;
}

LogicalResult ImportContext::fail(const llvm::Twine &reason) const {
  return emitError(loc()) << nodeLabel() << ": " << reason;
}

const onnx::AttributeProto *ImportContext::attr(llvm::StringRef name) const {
  for (const auto &a : node->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

bool ImportContext::hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }

int64_t ImportContext::intAttr(llvm::StringRef name, int64_t def) const {
  const auto *a = attr(name);
  return a ? a->i() : def;
}

float ImportContext::floatAttr(llvm::StringRef name, float def) const {
  const auto *a = attr(name);
  return a ? a->f() : def;
}

std::string ImportContext::stringAttr(llvm::StringRef name, llvm::StringRef def) const {
  const auto *a = attr(name);
  return a ? a->s() : def.str();
}

std::vector<int64_t> ImportContext::intsAttr(llvm::StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return {};
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

const onnx::TensorProto *ImportContext::tensorAttr(llvm::StringRef name) const {
  const auto *a = attr(name);
  return a && a->has_t() ? &a->t() : nullptr;
}

FailureOr<int64_t> ImportContext::axisAttr(llvm::StringRef name, int64_t def, int64_t rank,
                                          bool allowRank) const {
  int64_t given = intAttr(name, def);
  int64_t axis = given < 0 ? given + rank : given;
  if (axis < 0 || axis > rank || (axis == rank && !allowRank)) {
    (void)fail("'" + name + "' = " + std::to_string(given) + " is out of range for rank " +
               std::to_string(rank));
    return failure();
  }
  return axis;
}

LogicalResult ImportContext::checkAttrs(std::initializer_list<llvm::StringRef> supported) const {
  for (const auto &a : node->attribute())
    if (llvm::find(supported, a.name()) == supported.end())
      return fail("attribute '" + a.name() + "' is not supported");
  return success();
}

size_t ImportContext::inputCount() const {
  size_t n = 0;
  for (const auto &name : node->input())
    n += !name.empty();
  return n;
}

bool ImportContext::hasInput(size_t i) const {
  return static_cast<int>(i) < node->input_size() && !node->input(i).empty();
}

LogicalResult ImportContext::readFloatTensor(const onnx::TensorProto &t, FloatConstant &out,
                                             std::string &error) const {
  return onnx_frontend::readFloatTensor(t, modelDir, out, error);
}

LogicalResult readFloatTensor(const onnx::TensorProto &t, const std::string &modelDir,
                              FloatConstant &out, std::string &error) {
  // float64 is narrowed: exporters write scalars (clamp bounds, scales) as
  // float64 constants behind a Cast, and cvc computes in float32 only.
  bool isDouble = t.data_type() == onnx::TensorProto::DOUBLE;
  if (t.data_type() != onnx::TensorProto::FLOAT && !isDouble) {
    error = "tensor '" + t.name() + "': element type " +
            onnx::TensorProto::DataType_Name(
                static_cast<onnx::TensorProto::DataType>(t.data_type())) +
            " is not supported (only float32 tensors)";
    return failure();
  }
  int64_t count = 1;
  out.shape.clear();
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d)) {
      error = "tensor '" + t.name() + "' has an invalid shape";
      return failure();
    }
    out.shape.push_back(d);
    count *= d;
  }
  out.data.resize(count);
  int64_t elementSize = isDouble ? 8 : 4;
  int64_t bytes = count * elementSize;
  // Raw little-endian elements, from the file or the proto, into out.data.
  auto fromBytes = [&](const char *data) {
    if (!isDouble) {
      std::memcpy(out.data.data(), data, bytes);
      return;
    }
    for (int64_t i = 0; i < count; ++i) {
      double v;
      std::memcpy(&v, data + i * 8, 8);
      out.data[i] = static_cast<float>(v);
    }
  };
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto &kv : t.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset")
        offset = std::atoll(kv.value().c_str());
      else if (kv.key() == "length")
        length = std::atoll(kv.value().c_str());
    }
    if (location.empty() || llvm::sys::path::is_absolute(location) ||
        llvm::StringRef(location).contains("..")) {
      error = "tensor '" + t.name() + "' names an invalid external data location '" + location + "'";
      return failure();
    }
    llvm::SmallString<256> path(modelDir);
    llvm::sys::path::append(path, location);
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer) {
      error = "cannot read external data '" + path.str().str() + "' of tensor '" + t.name() +
              "': " + buffer.getError().message();
      return failure();
    }
    if (offset < 0 || (length >= 0 && length != bytes) ||
        offset + bytes > static_cast<int64_t>((*buffer)->getBufferSize())) {
      error = "external data of tensor '" + t.name() + "' is truncated or has the wrong length";
      return failure();
    }
    fromBytes((*buffer)->getBufferStart() + offset);
    return success();
  }
  if (t.has_raw_data()) {
    if (t.raw_data().size() != static_cast<size_t>(bytes)) {
      error = "tensor '" + t.name() + "' holds " + std::to_string(t.raw_data().size()) +
              " bytes of data but its shape needs " + std::to_string(bytes);
      return failure();
    }
    fromBytes(t.raw_data().data());
    return success();
  }
  int64_t held = isDouble ? t.double_data_size() : t.float_data_size();
  if (held != count) {
    error = "tensor '" + t.name() + "' holds " + std::to_string(held) +
            " values but its shape needs " + std::to_string(count);
    return failure();
  }
  if (isDouble)
    std::transform(t.double_data().begin(), t.double_data().end(), out.data.begin(),
                   [](double v) { return static_cast<float>(v); });
  else
    std::copy(t.float_data().begin(), t.float_data().end(), out.data.begin());
  return success();
}

std::optional<FloatConstant> ImportContext::floatConstant(size_t i) const {
  if (!hasInput(i))
    return std::nullopt;
  const std::string &name = node->input(i);
  if (auto it = floatValues.find(name); it != floatValues.end())
    return it->second;
  auto it = initializers.find(name);
  if (it == initializers.end())
    return std::nullopt;
  FloatConstant c;
  std::string error;
  if (failed(readFloatTensor(*it->second, c, error)))
    return std::nullopt;
  return c;
}

std::optional<std::vector<int64_t>> ImportContext::intConstant(size_t i) const {
  if (!hasInput(i))
    return std::nullopt;
  auto it = intValues.find(node->input(i));
  if (it == intValues.end())
    return std::nullopt;
  return it->second;
}

Value ImportContext::makeConstant(const FloatConstant &constant, llvm::StringRef name) {
  return cv::createFloatConstant(builder, loc(), constant.shape, constant.data, name);
}

FailureOr<Value> ImportContext::input(size_t i) {
  if (!hasInput(i)) {
    (void)fail("input #" + std::to_string(i) + " is missing");
    return failure();
  }
  const std::string &name = node->input(i);
  if (auto it = values.find(name); it != values.end())
    return it->second;
  if (auto c = floatConstant(i)) {
    Value v = makeConstant(*c, name);
    values[name] = v;
    return v;
  }
  if (auto it = initializers.find(name); it != initializers.end()) {
    FloatConstant c;
    std::string error;
    (void)readFloatTensor(*it->second, c, error);
    (void)fail(error);
    return failure();
  }
  if (intValues.count(name)) {
    (void)fail("input '" + name + "' is an integer tensor where float32 data is expected; this is not supported");
    return failure();
  }
  if (auto it = unsupportedValues.find(name); it != unsupportedValues.end()) {
    (void)fail("input '" + name + "': " + it->second);
    return failure();
  }
  (void)fail("input '" + name + "' is not produced by any earlier node");
  return failure();
}

void ImportContext::setOutput(size_t i, Value value) {
  if (static_cast<int>(i) < node->output_size() && !node->output(i).empty())
    values[node->output(i)] = value;
}

void ImportContext::setOutputInts(size_t i, std::vector<int64_t> v,
                                  std::optional<std::vector<int64_t>> shape) {
  if (static_cast<int>(i) >= node->output_size() || node->output(i).empty())
    return;
  intShapes[node->output(i)] = shape ? *shape : std::vector<int64_t>{static_cast<int64_t>(v.size())};
  intValues[node->output(i)] = std::move(v);
}

std::vector<int64_t> ImportContext::intShape(size_t i) const {
  if (auto it = intShapes.find(node->input(i)); it != intShapes.end())
    return it->second;
  auto values = intConstant(i);
  return {values ? static_cast<int64_t>(values->size()) : 0};
}

LogicalResult ImportContext::verifyCreated(Operation *op) {
  // The cv ops phrase their own shape errors; prefix them with the node.
  std::string message;
  if (succeeded(cv::inferAndVerify(op, message)))
    return success();
  op->erase();
  return fail(message.empty() ? std::string("invalid shapes or attributes") : message);
}

FailureOr<Value> ImportContext::inferResult(Operation *op) {
  Value result = op->getResult(0);
  if (failed(verifyCreated(op)))
    return failure();
  return result;
}

} // namespace cvc::onnx_frontend
