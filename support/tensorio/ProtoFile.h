//===- ProtoFile.h - reading a binary protobuf file -------------*- C++ -*-===//
#ifndef CVC_TENSORIO_PROTOFILE_H
#define CVC_TENSORIO_PROTOFILE_H

#include <google/protobuf/message_lite.h>

#include <string>

namespace cvc::tensorio {

/// Reads `path` into `bytes`; false with "<path>: cannot read the file: ...".
bool readWholeFile(const std::string &path, std::string &bytes, std::string &error);

/// Parses the binary protobuf file `path` (at most 2 GB, protobuf's limit)
/// into `message`; on failure `error` says "<path>: not <what> (...)" or
/// why the file cannot be read.
bool readProtoFile(const std::string &path, google::protobuf::MessageLite &message,
                   const std::string &what, std::string &error);

} // namespace cvc::tensorio

#endif // CVC_TENSORIO_PROTOFILE_H
