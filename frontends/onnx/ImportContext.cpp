//===- ImportContext.cpp - attribute, value and error helpers -----------===//
#include "ImportContext.h"

#include "cvc/tensorio/TensorProto.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringExtras.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

#include <algorithm>

using namespace mlir;

namespace cvc::onnx_frontend {

std::vector<int64_t> readIntTensor(const onnx::TensorProto &t) {
  return tensorio::decodeIntegers(t);
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

FailureOr<int64_t> ImportContext::foldedCount(const std::vector<int64_t> &shape) const {
  std::optional<int64_t> count = tensorio::elementCount(shape, maxElements);
  if (!count) {
    (void)fail("a " + tensorio::shapeText(shape) + " tensor is more than the limit of " +
               std::to_string(maxElements) + " elements (--max-elements)");
    return failure();
  }
  return *count;
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

const onnx::GraphProto *ImportContext::graphAttr(llvm::StringRef name) const {
  const auto *a = attr(name);
  return a && a->has_g() ? &a->g() : nullptr;
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
  return success(tensorio::decodeTensor(t, modelDir, out, error));
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

bool ImportContext::alias(size_t i, const std::string &from) {
  if (static_cast<int>(i) >= node->output_size() || node->output(i).empty())
    return true;
  const std::string &to = node->output(i);
  bool bound = false;
  if (auto it = values.find(from); it != values.end()) {
    values[to] = it->second;
    bound = true;
  }
  if (auto it = intValues.find(from); it != intValues.end()) {
    intValues[to] = it->second;
    intShapes[to] = intShapes[from];
    bound = true;
  }
  if (auto it = floatValues.find(from); it != floatValues.end()) {
    floatValues[to] = it->second;
    bound = true;
  }
  if (auto it = initializers.find(from); it != initializers.end()) {
    initializers[to] = it->second;
    bound = true;
  }
  if (auto it = unsupportedValues.find(from); it != unsupportedValues.end()) {
    unsupportedValues[to] = it->second;
    bound = true;
  }
  return bound;
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
  if (failed(cv::inferAndVerify(op, message))) {
    op->erase();
    return fail(message.empty() ? std::string("invalid shapes or attributes") : message);
  }
  // Bounded as soon as it exists, so that the importer's own arithmetic on
  // the shapes of cv values (Flatten's and Reshape's products) cannot overflow.
  for (Type t : op->getResultTypes()) {
    auto shaped = llvm::dyn_cast<RankedTensorType>(t);
    if (!shaped)
      continue;
    std::vector<int64_t> dims;
    for (int64_t d : shaped.getShape())
      if (!ShapedType::isDynamic(d))
        dims.push_back(d);
    if (!tensorio::elementCount(dims, maxElements)) {
      op->erase();
      return fail("its result " + tensorio::shapeText(dims) + " is more than the limit of " +
                  std::to_string(maxElements) + " elements (--max-elements)");
    }
  }
  return success();
}

FailureOr<Value> ImportContext::inferResult(Operation *op) {
  Value result = op->getResult(0);
  if (failed(verifyCreated(op)))
    return failure();
  return result;
}

} // namespace cvc::onnx_frontend
