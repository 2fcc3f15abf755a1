//===- Pipeline.cpp - loading a model and the pass pipeline -------------===//
#include "cvc/driver/Driver.h"

#include "cv/CvDialect.h"
#include "cvc/onnx/Import.h"
#include "cvc/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace cvc::driver {

void registerDialects(DialectRegistry &registry) {
  registry.insert<cv::CvDialect, func::FuncDialect>();
}

OwningOpRef<ModuleOp> loadModel(MLIRContext &ctx, const CompileOptions &options) {
  StringRef path = options.inputPath;
  StringRef ext = llvm::sys::path::extension(path);
  if (ext == ".onnx" || ext == ".onnxtxt") {
    onnx_frontend::ImportOptions importOptions;
    importOptions.inputShapes = options.inputShapes;
    importOptions.reportAll = options.checkOnly;
    return onnx_frontend::importOnnxModel(path, ctx, importOptions);
  }
  if (ext == ".mlir") {
    if (!options.inputShapes.empty()) {
      emitError(UnknownLoc::get(&ctx)) << "--input-shape applies to ONNX models only";
      return nullptr;
    }
    auto file = llvm::MemoryBuffer::getFile(path);
    if (!file) {
      emitError(UnknownLoc::get(&ctx))
          << "cannot read '" << path << "': " << file.getError().message();
      return nullptr;
    }
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(std::move(*file), SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  }
  emitError(UnknownLoc::get(&ctx))
      << "'" << path << "': unknown model format '" << ext
      << "'; expected .onnx, .onnxtxt (textual ONNX) or .mlir (cv dialect)";
  return nullptr;
}

void buildPassPipeline(PassManager &pm, const CompileOptions &options) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  if (options.optLevel > 0) {
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(createCSEPass());
  }
  if (options.optLevel > 1) {
    fpm.addPass(createCvFoldBatchNorm());
    fpm.addPass(createCvFuseEpilogue());
    fpm.addPass(createCvConv1x1ToMatmul());
    // The unfolded weights and statistics are dead now.
    fpm.addPass(createCanonicalizerPass());
    // Last: it relies on the exact producers of each concat operand.
    fpm.addPass(createCvInPlaceConcat());
  }
  fpm.addPass(createCvVerifyLowerable());
}

} // namespace cvc::driver
