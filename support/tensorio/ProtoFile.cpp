//===- ProtoFile.cpp - reading a binary protobuf file -------------------===//
#include "ProtoFile.h"

#include <google/protobuf/io/coded_stream.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

namespace cvc::tensorio {

bool readWholeFile(const std::string &path, std::string &bytes, std::string &error) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    error = path + ": cannot read the file: " + std::strerror(errno);
    return false;
  }
  std::streamoff size = in.tellg();
  if (size < 0) {
    error = path + ": cannot read the file";
    return false;
  }
  // Read in place: a model's weights can be hundreds of MB.
  bytes.resize(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(bytes.data(), size)) {
    error = path + ": cannot read the file";
    return false;
  }
  return true;
}

bool readProtoFile(const std::string &path, google::protobuf::MessageLite &message,
                   const std::string &what, std::string &error) {
  std::string bytes;
  if (!readWholeFile(path, bytes, error))
    return false;
  if (bytes.empty()) {
    error = path + ": the file is empty";
    return false;
  }
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    error = path + ": larger than 2 GB; store the weights as ONNX external data";
    return false;
  }
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t *>(bytes.data()),
                                                static_cast<int>(bytes.size()));
  stream.SetTotalBytesLimit(INT_MAX);
  if (!message.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    error = path + ": not " + what +
            " (the protobuf does not parse: the file is truncated, corrupt, or not ONNX)";
    return false;
  }
  return true;
}

} // namespace cvc::tensorio
