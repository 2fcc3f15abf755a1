//===- TensorFile.cpp - one tensor per file: .npy and ONNX .pb ----------===//
//
// Sizes in a file are untrusted: a .npy shape is checked against the bytes
// the file holds before anything is allocated for it.
//
//===----------------------------------------------------------------------===//
#include "cvc/tensorio/TensorFile.h"

#include "ProtoFile.h"
#include "cvc/tensorio/TensorProto.h"

#include <onnx/onnx_pb.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cvc::tensorio {
namespace {

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

bool readNpy(const std::string &path, Tensor &out, std::string &error) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    error = path + ": cannot open the file";
    return false;
  }
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char prefix[12] = {};
  in.read(reinterpret_cast<char *>(prefix), static_cast<std::streamsize>(std::min<uint64_t>(size, 12)));
  if (size < 10 || std::memcmp(prefix, "\x93NUMPY", 6) != 0) {
    error = path + ": not a .npy file";
    return false;
  }
  int major = prefix[6];
  uint64_t headerLen, headerStart;
  if (major == 1) {
    headerLen = prefix[8] | (prefix[9] << 8);
    headerStart = 10;
  } else if ((major == 2 || major == 3) && size >= 12) {
    headerLen = prefix[8] | (prefix[9] << 8) | (uint64_t(prefix[10]) << 16) | (uint64_t(prefix[11]) << 24);
    headerStart = 12;
  } else {
    error = path + ": unsupported .npy version " + std::to_string(major);
    return false;
  }
  if (headerLen > size - headerStart) {
    error = path + ": truncated .npy header";
    return false;
  }
  std::string header(headerLen, '\0');
  in.seekg(static_cast<std::streamoff>(headerStart));
  in.read(header.data(), static_cast<std::streamsize>(headerLen));
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
  std::vector<int64_t> dims;
  std::stringstream items(shape.substr(1, shape.size() - 2));
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos)
      continue;
    dims.push_back(std::strtoll(item.c_str(), nullptr, 10));
  }
  std::optional<int64_t> count = elementCount(dims);
  if (!count) {
    error = path + ": malformed .npy shape";
    return false;
  }
  const uint64_t dataStart = headerStart + headerLen, held = size - dataStart;
  if (held != static_cast<uint64_t>(*count) * 4) {
    error = path + ": holds " + std::to_string(held) + " bytes of data, the shape needs " +
            std::to_string(*count * 4);
    return false;
  }
  out.shape = std::move(dims);
  out.data.resize(static_cast<size_t>(*count));
  in.read(reinterpret_cast<char *>(out.data.data()), static_cast<std::streamsize>(held));
  if (!in) {
    error = path + ": cannot read the file";
    return false;
  }
  return true;
}

bool writeNpy(const std::string &path, const Tensor &tensor, std::string &error) {
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
  os.write(reinterpret_cast<const char *>(tensor.data.data()),
           static_cast<std::streamsize>(tensor.data.size() * 4));
  if (!os) {
    error = path + ": write failed";
    return false;
  }
  return true;
}

bool readTensorProtoFile(const std::string &path, Tensor &out, std::string &error) {
  onnx::TensorProto proto;
  if (!readProtoFile(path, proto, "an ONNX TensorProto file", error))
    return false;
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (!decodeTensor(proto, folder, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool readTensorProto(const std::string &path, onnx::TensorProto &out, std::string &error) {
  return readProtoFile(path, out, "an ONNX TensorProto file", error);
}

bool readTensorFile(const std::string &path, Tensor &out, std::string &error) {
  auto endsWith = [&](const char *suffix) {
    size_t n = std::strlen(suffix);
    return path.size() >= n && path.compare(path.size() - n, n, suffix) == 0;
  };
  if (endsWith(".npy"))
    return readNpy(path, out, error);
  if (endsWith(".pb"))
    return readTensorProtoFile(path, out, error);
  error = path + ": unknown tensor file type (expected .npy or .pb)";
  return false;
}

std::string fileNameFor(const std::string &name) {
  std::string s;
  for (char c : name)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  return s.empty() ? "output" : s;
}

} // namespace cvc::tensorio
