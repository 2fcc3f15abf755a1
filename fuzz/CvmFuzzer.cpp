//===- CvmFuzzer.cpp - .cvm source -> parser and builder -> verified cv ---===//
//
// The input is a .cvm program. As for ONNX: a module that verifies, or at
// least one error, and nothing else. Weights are initialised (the default),
// so a program that declares huge layers is refused by the element limit
// before anything is allocated.
//
//===----------------------------------------------------------------------===//
#include "ImportOracle.h"
#include "ScratchFile.h"

#include "cvc/dsl/Import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = cvc::fuzz::writeScratch("fuzz.cvm", data, size);
  cvc::dsl::DslOptions options;
  // Small enough that initialising a fuzzed layer stays fast.
  options.maxElements = int64_t(1) << 20;
  cvc::fuzz::checkImport(
      [&](mlir::MLIRContext &ctx) { return cvc::dsl::importCvmModel(path, ctx, options); });
  return 0;
}
