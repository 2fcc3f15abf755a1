//===- OnnxImportFuzzer.cpp - ONNX bytes -> importer -> verified cv ------===//
//
// The input is a binary ModelProto. The importer must either build a module
// that verifies or report at least one error; a crash, an abort, a hang or
// a silent failure is a bug. No code is generated: Halide and the planner
// only ever see what this entry accepted.
//
//===----------------------------------------------------------------------===//
#include "ImportOracle.h"
#include "ScratchFile.h"

#include "cvc/onnx/Import.h"

#include <onnx/onnx_pb.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  onnx::ModelProto model;
  if (!model.ParseFromArray(data, static_cast<int>(size)))
    return 0;
  // The model's folder is the scratch folder: external data that a mutated
  // model names there is absent, anything outside it must be refused.
  static const std::string path = (cvc::fuzz::scratchFolder() / "fuzz.onnx").string();
  cvc::onnx_frontend::ImportOptions options;
  // Small enough that a fuzzed model cannot make the importer fold gigabytes.
  options.limits.maxElements = int64_t(1) << 24;
  cvc::fuzz::checkImport([&](mlir::MLIRContext &ctx) {
    return cvc::onnx_frontend::importOnnxModel(model, path, ctx, options);
  });
  return 0;
}
