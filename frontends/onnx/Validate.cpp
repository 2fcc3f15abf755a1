//===- Validate.cpp - checks on an untrusted ModelProto -----------------===//
//
// Runs before the ONNX checker and the importer, which trust what they
// read: a tensor whose dims claim more elements than its data holds makes
// readers index past the data or allocate by the claim, and a zero stride
// divides by zero in shape arithmetic. Everything
// here is bounded by the size of the parsed file, never by a number in it.
//
//===----------------------------------------------------------------------===//
#include "Validate.h"
#include "ImportContext.h"

#include "cvc/tensorio/Tensor.h"
#include "cvc/tensorio/TensorProto.h"

#include <onnx/onnx_pb.h>

#include <cmath>

namespace cvc::onnx_frontend {
namespace {

using onnx::TensorProto;

/// Extents written as attributes (kernels, strides, pads, groups, block
/// sizes) stay below this, so that sums and products of a few of them with
/// tensor extents cannot overflow int64 in any shape rule.
constexpr int64_t kMaxAttributeExtent = int64_t(1) << 24;

/// Bytes per element of the fixed-size types, 0 for the others.
int64_t elementBytes(int32_t type) {
  switch (type) {
  case TensorProto::FLOAT:
  case TensorProto::INT32:
  case TensorProto::UINT32:
    return 4;
  case TensorProto::DOUBLE:
  case TensorProto::INT64:
  case TensorProto::UINT64:
  case TensorProto::COMPLEX64:
    return 8;
  case TensorProto::COMPLEX128:
    return 16;
  case TensorProto::INT16:
  case TensorProto::UINT16:
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
    return 2;
  case TensorProto::INT8:
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    return 1;
  default:
    return 0;
  }
}

/// How many entries of the typed field that carries `type` a tensor of
/// `count` elements holds, and that field's size in `t`.
std::pair<int64_t, int64_t> typedEntries(const TensorProto &t, int64_t count) {
  switch (t.data_type()) {
  case TensorProto::FLOAT:
    return {count, t.float_data_size()};
  case TensorProto::COMPLEX64:
    return {2 * count, t.float_data_size()};
  case TensorProto::DOUBLE:
    return {count, t.double_data_size()};
  case TensorProto::COMPLEX128:
    return {2 * count, t.double_data_size()};
  case TensorProto::INT64:
    return {count, t.int64_data_size()};
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    return {count, t.uint64_data_size()};
  case TensorProto::STRING:
    return {count, t.string_data_size()};
  default: // the narrow integer and float types travel in int32_data
    return {count, t.int32_data_size()};
  }
}

int64_t typedFieldsUsed(const TensorProto &t) {
  return t.float_data_size() + t.double_data_size() + t.int64_data_size() +
         t.uint64_data_size() + t.string_data_size() + t.int32_data_size();
}

class ModelValidator {
public:
  ModelValidator(std::string file, const ImportLimits &limits)
      : file(std::move(file)), limits(limits) {}

  std::string error;

  bool graph(const onnx::GraphProto &g, int depth) {
    if (depth > limits.maxSubgraphDepth)
      return fail("graph '" + g.name() + "' is nested more than " +
                  std::to_string(limits.maxSubgraphDepth) + " subgraphs deep");
    if (g.sparse_initializer_size())
      return fail("graph '" + g.name() + "' has sparse initializers, which are not supported");
    for (const auto &t : g.initializer())
      if (!tensor(t, "initializer '" + t.name() + "'"))
        return false;
    for (const auto *list : {&g.input(), &g.output(), &g.value_info()})
      for (const auto &v : *list)
        if (!declaredType(v))
          return false;
    for (const auto &n : g.node()) {
      if (++nodes > limits.maxNodes)
        return fail("the model has more than " + std::to_string(limits.maxNodes) + " nodes");
      if (!node(n, depth))
        return false;
    }
    return true;
  }

private:
  std::string file;
  const ImportLimits &limits;
  int64_t nodes = 0;

  bool fail(const std::string &reason) {
    error = file + ": " + reason;
    return false;
  }

  /// Dims, element count and data length agree, whatever the element type.
  bool tensor(const TensorProto &t, const std::string &what) {
    if (!TensorProto::DataType_IsValid(t.data_type()) || t.data_type() == TensorProto::UNDEFINED)
      return fail(what + " has an invalid element type " + std::to_string(t.data_type()));
    if (t.has_segment())
      return fail(what + " is segmented; that is not supported");
    std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
    std::optional<int64_t> count = tensorio::elementCount(dims, limits.maxElements);
    if (!count)
      return fail(what + " has shape " + tensorio::shapeText(dims) +
                  (llvm::any_of(dims, [](int64_t d) { return d < 0; })
                       ? ", with a negative extent"
                       : ", more than the limit of " + std::to_string(limits.maxElements) +
                             " elements (--max-elements)"));
    if (t.data_location() == TensorProto::EXTERNAL) {
      if (t.has_raw_data() || typedFieldsUsed(t))
        return fail(what + " keeps its data in another file but also holds data");
      if (elementBytes(t.data_type()) == 0)
        return fail(what + ": external data of type " + TensorProto::DataType_Name(
                                                             static_cast<TensorProto::DataType>(
                                                                 t.data_type())) +
                    " is not supported");
      return externalLocation(t, what);
    }
    if (t.has_raw_data()) {
      int64_t size = elementBytes(t.data_type());
      if (size == 0)
        return fail(what + ": raw data of type " +
                    TensorProto::DataType_Name(static_cast<TensorProto::DataType>(t.data_type())) +
                    " is not defined");
      if (typedFieldsUsed(t))
        return fail(what + " holds both raw and typed data");
      if (static_cast<int64_t>(t.raw_data().size()) != *count * size)
        return fail(what + " has shape " + tensorio::shapeText(dims) + " (" +
                    std::to_string(*count * size) + " bytes) but holds " +
                    std::to_string(t.raw_data().size()) + " bytes of data");
      return true;
    }
    auto [expected, held] = typedEntries(t, *count);
    if (held != expected || typedFieldsUsed(t) != held)
      return fail(what + " has shape " + tensorio::shapeText(dims) + " (" +
                  std::to_string(expected) + " values) but holds " +
                  std::to_string(typedFieldsUsed(t)) + " values");
    return true;
  }

  /// The location is read later, beside the model; here only its form.
  bool externalLocation(const TensorProto &t, const std::string &what) {
    std::string location;
    for (const auto &kv : t.external_data())
      if (kv.key() == "location")
        location = kv.value();
    if (!tensorio::isLocalDataLocation(location))
      return fail(what + " names external data at '" + location +
                  "'; only files inside the model's folder may be read");
    return true;
  }

  bool declaredType(const onnx::ValueInfoProto &v) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape())
      return true;
    std::vector<int64_t> dims;
    for (const auto &d : v.type().tensor_type().shape().dim()) {
      // Some converters write -1 for an unknown extent: as a dim_param.
      if (!d.has_dim_value() || d.dim_value() < 0)
        continue;
      dims.push_back(d.dim_value());
    }
    if (!tensorio::elementCount(dims, limits.maxElements))
      return fail("value '" + v.name() + "' is declared with extents " + tensorio::shapeText(dims) +
                  ", more than the limit of " + std::to_string(limits.maxElements) +
                  " elements (--max-elements)");
    return true;
  }

  bool node(const onnx::NodeProto &n, int depth) {
    // nodeLabel's words ("node producing 'y' (Conv)"), after fail()'s file.
    std::string label = nodeLabel(file, n).substr(file.size() + 2);
    for (const auto &a : n.attribute()) {
      std::string what = label + ": attribute '" + a.name() + "'";
      if (a.has_t() && !tensor(a.t(), what))
        return false;
      for (const auto &t : a.tensors())
        if (!tensor(t, what))
          return false;
      if (a.has_sparse_tensor() || a.sparse_tensors_size())
        return fail(what + " holds a sparse tensor, which is not supported");
      if (a.has_g() && !graph(a.g(), depth + 1))
        return false;
      for (const auto &g : a.graphs())
        if (!graph(g, depth + 1))
          return false;
      if (!extents(n, a, what))
        return false;
    }
    return true;
  }

  /// Attribute names that mean a window, stride, padding or group in every
  /// ONNX op that has them; shape rules divide by some of them.
  bool extents(const onnx::NodeProto &n, const onnx::AttributeProto &a, const std::string &what) {
    const std::string &name = a.name();
    int64_t lowest;
    if (name == "kernel_shape" || name == "strides" || name == "dilations" || name == "group" ||
        name == "blocksize" || (name == "size" && n.op_type() == "LRN"))
      lowest = 1;
    else if (name == "output_padding" || name == "output_shape" ||
             (name == "pads" && n.op_type() != "Pad"))
      lowest = 0;
    else if (name == "pads") // Pad-2 crops with negative pads
      lowest = -kMaxAttributeExtent;
    else if (name == "scales" && n.op_type() == "Upsample") {
      for (float s : a.floats())
        if (!std::isfinite(s) || s <= 0 || s > kMaxAttributeExtent)
          return fail(what + " holds the scale " + std::to_string(s) +
                      "; scales must be positive and finite");
      return true;
    } else
      return true;
    std::vector<int64_t> values(a.ints().begin(), a.ints().end());
    if (a.has_i())
      values.push_back(a.i());
    for (int64_t v : values)
      if (v < lowest || v > kMaxAttributeExtent)
        return fail(what + " holds " + std::to_string(v) + "; it must be between " +
                    std::to_string(lowest) + " and " + std::to_string(kMaxAttributeExtent));
    return true;
  }
};

} // namespace

bool validateModelProto(const onnx::ModelProto &model, const std::string &file,
                        const ImportLimits &limits, std::string &error) {
  ModelValidator v(file, limits);
  if (!v.graph(model.graph(), 0)) {
    error = v.error;
    return false;
  }
  return true;
}

} // namespace cvc::onnx_frontend
