//===- TensorFile.cpp - .npy and ONNX .pb tensor files ------------------===//
#include "TensorFile.h"

#include <cctype>

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace cvc::tools {
namespace {

bool readAll(const std::string &path, std::string &bytes, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open the file";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  bytes = ss.str();
  return true;
}

/// Value of `key` in a npy header dict, e.g. 'descr': '<f4'.
std::string headerField(const std::string &header, const std::string &key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return "";
  size_t colon = header.find(':', k);
  if (colon == std::string::npos)
    return "";
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos)
    return "";
  char open = header[start];
  char close = open == '(' ? ')' : open == '\'' ? '\'' : ',';
  size_t end = header.find(close, start + 1);
  if (end == std::string::npos)
    return "";
  return header.substr(start, end - start + (close == ',' ? 0 : 1));
}

} // namespace

bool readNpy(const std::string &path, HostTensor &out, std::string &error) {
  std::string bytes;
  if (!readAll(path, bytes, error))
    return false;
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    error = path + ": not a .npy file";
    return false;
  }
  int major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
    uint32_t len;
    std::memcpy(&len, bytes.data() + 8, 4);
    headerLen = len;
    headerStart = 12;
  } else {
    error = path + ": unsupported .npy version " + std::to_string(major);
    return false;
  }
  if (headerStart + headerLen > bytes.size()) {
    error = path + ": truncated .npy header";
    return false;
  }
  std::string header = bytes.substr(headerStart, headerLen);
  std::string descr = headerField(header, "descr");
  if (descr != "'<f4'" && descr != "'|f4'" && descr != "'=f4'") {
    error = path + ": element type " + (descr.empty() ? "?" : descr) +
            " is not supported (expected float32, '<f4')";
    return false;
  }
  if (headerField(header, "fortran_order").find("True") != std::string::npos) {
    error = path + ": Fortran-ordered arrays are not supported (use np.ascontiguousarray)";
    return false;
  }
  std::string shape = headerField(header, "shape");
  if (shape.size() < 2 || shape.front() != '(') {
    error = path + ": malformed .npy shape";
    return false;
  }
  out.shape.clear();
  std::stringstream dims(shape.substr(1, shape.size() - 2));
  std::string item;
  int64_t count = 1;
  while (std::getline(dims, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos)
      continue;
    char *end = nullptr;
    long long d = std::strtoll(item.c_str(), &end, 10);
    if (d < 0 || d > (1LL << 40)) {
      error = path + ": malformed .npy shape";
      return false;
    }
    out.shape.push_back(d);
    count *= d;
  }
  size_t dataStart = headerStart + headerLen;
  if (bytes.size() - dataStart != static_cast<size_t>(count) * 4) {
    error = path + ": holds " + std::to_string(bytes.size() - dataStart) +
            " bytes of data, the shape needs " + std::to_string(count * 4);
    return false;
  }
  out.data.resize(count);
  std::memcpy(out.data.data(), bytes.data() + dataStart, count * 4);
  return true;
}

bool readTensorProto(const std::string &path, HostTensor &out, std::string &error) {
  std::string bytes;
  if (!readAll(path, bytes, error))
    return false;
  onnx::TensorProto t;
  if (!t.ParseFromString(bytes)) {
    error = path + ": not an ONNX TensorProto file";
    return false;
  }
  if (t.data_type() != onnx::TensorProto::FLOAT) {
    error = path + ": element type is not float32";
    return false;
  }
  int64_t count = 1;
  out.shape.assign(t.dims().begin(), t.dims().end());
  for (int64_t d : out.shape)
    count *= d;
  out.data.resize(count);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != static_cast<size_t>(count) * 4) {
      error = path + ": data size does not match the shape";
      return false;
    }
    std::memcpy(out.data.data(), t.raw_data().data(), count * 4);
  } else {
    if (t.float_data_size() != count) {
      error = path + ": data size does not match the shape";
      return false;
    }
    std::copy(t.float_data().begin(), t.float_data().end(), out.data.begin());
  }
  return true;
}

bool readTensorFile(const std::string &path, HostTensor &out, std::string &error) {
  auto endsWith = [&](const char *suffix) {
    size_t n = std::strlen(suffix);
    return path.size() >= n && path.compare(path.size() - n, n, suffix) == 0;
  };
  if (endsWith(".npy"))
    return readNpy(path, out, error);
  if (endsWith(".pb"))
    return readTensorProto(path, out, error);
  error = path + ": unknown tensor file type (expected .npy or .pb)";
  return false;
}

bool writeNpy(const std::string &path, const HostTensor &tensor, std::string &error) {
  std::string shape = "(";
  for (int64_t d : tensor.shape)
    shape += std::to_string(d) + ",";
  if (tensor.shape.size() > 1)
    shape.pop_back();
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream os(path, std::ios::binary);
  if (!os) {
    error = path + ": cannot write the file";
    return false;
  }
  os.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  os.write(reinterpret_cast<const char *>(&len), 2);
  os << header;
  os.write(reinterpret_cast<const char *>(tensor.data.data()), tensor.data.size() * 4);
  if (!os) {
    error = path + ": write failed";
    return false;
  }
  return true;
}

std::string fileNameFor(const std::string &name) {
  std::string s;
  for (char c : name)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  return s.empty() ? "output" : s;
}

} // namespace cvc::tools
