//===- ProtoFile.cpp - reading a binary protobuf file -------------------===//
#include "ProtoFile.h"

#include <google/protobuf/io/coded_stream.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
  bytes.resize(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(bytes.data(), size)) {
    error = path + ": cannot read the file";
    return false;
  }
  return true;
}

namespace {

/// A read-only private mapping of a whole file, unmapped on destruction.
struct MappedFile {
  void *data = MAP_FAILED;
  size_t size = 0;
  ~MappedFile() {
    if (data != MAP_FAILED)
      munmap(data, size);
  }
};

} // namespace

bool readProtoFile(const std::string &path, google::protobuf::MessageLite &message,
                   const std::string &what, std::string &error) {
  // Mapped rather than read: a model's weights can be hundreds of MB, and
  // the parse copies them once more into the message.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot read the file: " + std::strerror(errno);
    return false;
  }
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    error = path + ": cannot read the file: not a regular file";
    close(fd);
    return false;
  }
  if (info.st_size == 0) {
    error = path + ": the file is empty";
    close(fd);
    return false;
  }
  if (static_cast<uint64_t>(info.st_size) > static_cast<uint64_t>(INT_MAX)) {
    error = path + ": larger than 2 GB; store the weights as ONNX external data";
    close(fd);
    return false;
  }
  MappedFile file;
  file.size = static_cast<size_t>(info.st_size);
  file.data = mmap(nullptr, file.size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (file.data == MAP_FAILED) {
    error = path + ": cannot read the file: " + std::strerror(errno);
    return false;
  }
  google::protobuf::io::CodedInputStream stream(static_cast<const uint8_t *>(file.data),
                                                static_cast<int>(file.size));
  stream.SetTotalBytesLimit(INT_MAX);
  if (!message.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    error = path + ": not " + what +
            " (the protobuf does not parse: the file is truncated, corrupt, or not ONNX)";
    return false;
  }
  return true;
}

} // namespace cvc::tensorio
