//===- TensorProto.cpp - ONNX TensorProto to and from host tensors ------===//
#include "cvc/tensorio/TensorProto.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace cvc::tensorio {
namespace {

/// A non-negative decimal integer, or -1.
int64_t parseCount(const std::string &text) {
  int64_t value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 0 ? value : -1;
}

/// Little-endian elements of `bytes` (4 or 8 bytes each) into `out`.
void narrow(const char *bytes, bool isDouble, std::vector<float> &out) {
  if (out.empty()) // data() may be null then, which memcpy must not get
    return;
  if (!isDouble) {
    std::memcpy(out.data(), bytes, out.size() * sizeof(float));
    return;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    double v;
    std::memcpy(&v, bytes + i * 8, 8);
    out[i] = static_cast<float>(v);
  }
}

/// The `bytes` bytes of `proto`'s external data into out.data (sized).
bool readExternal(const onnx::TensorProto &proto, const std::string &modelDir, int64_t bytes,
                  bool isDouble, Tensor &out, std::string &error) {
  const std::string &name = proto.name();
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : proto.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset" || kv.key() == "length") {
      int64_t v = parseCount(kv.value());
      if (v < 0) {
        error = "tensor '" + name + "' has an invalid external data " + kv.key() + " '" +
                kv.value() + "'";
        return false;
      }
      (kv.key() == "offset" ? offset : length) = v;
    }
  }
  // Only files beside the model: an untrusted model must not read others.
  if (!isLocalDataLocation(location)) {
    error = "tensor '" + name + "' names an invalid external data location '" + location + "'";
    return false;
  }
  namespace fs = std::filesystem;
  std::string path = (fs::path(modelDir.empty() ? "." : modelDir) / location).string();
  std::error_code ec;
  // Resolved, so that a symbolic link cannot lead out of the folder either.
  fs::path real = fs::canonical(path, ec), folder;
  if (!ec)
    folder = fs::canonical(modelDir.empty() ? "." : modelDir, ec);
  if (ec) {
    error = "cannot read external data '" + path + "' of tensor '" + name + "': " + ec.message();
    return false;
  }
  auto [end, inside] = std::mismatch(folder.begin(), folder.end(), real.begin(), real.end());
  if (end != folder.end() || !fs::is_regular_file(real)) {
    error = "external data '" + location + "' of tensor '" + name +
            "' is not a file inside the model's folder";
    return false;
  }
  uint64_t size = fs::file_size(real, ec);
  if (ec) {
    error = "cannot read external data '" + path + "' of tensor '" + name + "': " + ec.message();
    return false;
  }
  if ((length >= 0 && length != bytes) || static_cast<uint64_t>(offset) > size ||
      static_cast<uint64_t>(bytes) > size - static_cast<uint64_t>(offset)) {
    error = "external data of tensor '" + name + "' is truncated or has the wrong length";
    return false;
  }
  // float32 is read in place; float64 through a staging copy it is narrowed from.
  out.data.resize(static_cast<size_t>(bytes / (isDouble ? 8 : 4)));
  std::vector<char> staged(isDouble ? static_cast<size_t>(bytes) : 0);
  char *into = isDouble ? staged.data() : reinterpret_cast<char *>(out.data.data());
  std::ifstream in(real, std::ios::binary);
  if (!in.seekg(offset) || !in.read(into, bytes)) {
    error = "cannot read external data '" + path + "' of tensor '" + name + "'";
    return false;
  }
  if (isDouble)
    narrow(staged.data(), true, out.data);
  return true;
}

} // namespace

bool isLocalDataLocation(const std::string &location) {
  std::filesystem::path p(location);
  if (location.empty() || p.is_absolute() || p.has_root_name())
    return false;
  for (const auto &part : p)
    if (part == "..")
      return false;
  return true;
}

bool decodeTensor(const onnx::TensorProto &proto, const std::string &modelDir, Tensor &out,
                  std::string &error) {
  const std::string &name = proto.name();
  bool isDouble = proto.data_type() == onnx::TensorProto::DOUBLE;
  if (proto.data_type() != onnx::TensorProto::FLOAT && !isDouble) {
    error = "tensor '" + name + "': element type " +
            onnx::TensorProto::DataType_Name(
                static_cast<onnx::TensorProto::DataType>(proto.data_type())) +
            " is not supported (only float32 tensors)";
    return false;
  }
  std::vector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  std::optional<int64_t> count = elementCount(shape);
  if (!count) {
    error = "tensor '" + name + "' has an invalid shape";
    return false;
  }
  const int64_t bytes = *count * (isDouble ? 8 : 4);
  out.data.clear();
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    if (!readExternal(proto, modelDir, bytes, isDouble, out, error))
      return false;
  } else if (proto.has_raw_data()) {
    if (proto.raw_data().size() != static_cast<size_t>(bytes)) {
      error = "tensor '" + name + "' holds " + std::to_string(proto.raw_data().size()) +
              " bytes of data but its shape needs " + std::to_string(bytes);
      return false;
    }
    out.data.resize(static_cast<size_t>(*count));
    narrow(proto.raw_data().data(), isDouble, out.data);
  } else {
    int64_t held = isDouble ? proto.double_data_size() : proto.float_data_size();
    if (held != *count) {
      error = "tensor '" + name + "' holds " + std::to_string(held) +
              " values but its shape needs " + std::to_string(*count);
      return false;
    }
    if (isDouble)
      out.data.assign(proto.double_data().begin(), proto.double_data().end());
    else
      out.data.assign(proto.float_data().begin(), proto.float_data().end());
  }
  out.shape = std::move(shape);
  return true;
}

std::vector<int64_t> decodeIntegers(const onnx::TensorProto &proto) {
  std::vector<int64_t> values;
  bool wide = proto.data_type() == onnx::TensorProto::INT64;
  if (proto.has_raw_data() && proto.data_type() == onnx::TensorProto::BOOL) {
    for (char c : proto.raw_data())
      values.push_back(c != 0);
  } else if (proto.has_raw_data()) {
    size_t width = wide ? 8 : 4;
    const std::string &raw = proto.raw_data();
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
    values.assign(proto.int64_data().begin(), proto.int64_data().end());
  } else {
    values.assign(proto.int32_data().begin(), proto.int32_data().end());
  }
  return values;
}

void encodeTensor(const Tensor &tensor, onnx::TensorProto &proto) {
  proto.set_data_type(onnx::TensorProto::FLOAT);
  proto.clear_dims();
  for (int64_t d : tensor.shape)
    proto.add_dims(d);
  proto.clear_float_data();
  proto.clear_double_data();
  proto.clear_data_location();
  proto.clear_external_data();
  proto.set_raw_data(std::string(reinterpret_cast<const char *>(tensor.data.data()),
                                 tensor.data.size() * sizeof(float)));
}

} // namespace cvc::tensorio
