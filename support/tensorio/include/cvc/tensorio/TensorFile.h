//===- TensorFile.h - one tensor per file: .npy and ONNX .pb ----*- C++ -*-===//
//
// The formats people already have for a single tensor: NumPy arrays and the
// TensorProto files of the ONNX test data. Messages name the file.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_TENSORIO_TENSORFILE_H
#define CVC_TENSORIO_TENSORFILE_H

#include "cvc/tensorio/Tensor.h"

#include <string>

namespace onnx {
class TensorProto;
}

namespace cvc::tensorio {

/// Reads a float32, C-order .npy file (format 1.0, 2.0 or 3.0).
bool readNpy(const std::string &path, Tensor &out, std::string &error);

/// Writes a float32 .npy file (format 1.0).
bool writeNpy(const std::string &path, const Tensor &tensor, std::string &error);

/// Reads a TensorProto .pb file (float32, or float64 narrowed; external
/// data relative to the file's folder).
bool readTensorProtoFile(const std::string &path, Tensor &out, std::string &error);

/// Reads a TensorProto .pb file as it is (any element type; nothing decoded).
bool readTensorProto(const std::string &path, onnx::TensorProto &out, std::string &error);

/// readNpy or readTensorProtoFile, by the file's extension.
bool readTensorFile(const std::string &path, Tensor &out, std::string &error);

/// A file name for a tensor called `name`: characters other than letters,
/// digits, '.', '_' and '-' become '_' ("output" for an empty name).
std::string fileNameFor(const std::string &name);

} // namespace cvc::tensorio

#endif // CVC_TENSORIO_TENSORFILE_H
