//===- TensorFile.h - float tensors in .npy and ONNX .pb files --*- C++ -*-===//
//
// The formats people already have: NumPy arrays and the TensorProto files of
// the ONNX test data. Only float32, C order; anything else is refused with a
// message naming the file.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TOOLS_TENSORFILE_H
#define CVC_TOOLS_TENSORFILE_H

#include <cstdint>
#include <string>
#include <vector>

namespace cvc::tools {

struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// Reads a .npy (float32, C order) or ONNX TensorProto .pb file, by extension.
bool readTensorFile(const std::string &path, HostTensor &out, std::string &error);
bool readNpy(const std::string &path, HostTensor &out, std::string &error);
bool readTensorProto(const std::string &path, HostTensor &out, std::string &error);

/// Writes a float32 .npy file (format version 1.0).
bool writeNpy(const std::string &path, const HostTensor &tensor, std::string &error);

/// A file name for a tensor called `name`: characters other than letters,
/// digits, '.', '_' and '-' become '_'.
std::string fileNameFor(const std::string &name);

} // namespace cvc::tools

#endif // CVC_TOOLS_TENSORFILE_H
