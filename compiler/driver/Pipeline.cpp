//===- Pipeline.cpp - loading a model and the pass pipeline -------------===//
#include "cvc/driver/Driver.h"

#include "cv/CvDialect.h"
#include "cvc/onnx/Import.h"
#include "cvc/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/Passes.h"

#include <Halide.h>
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

namespace {

/// The optional graph rewrites, in pipeline order, with the lowest -O level
/// that runs each; --enable-pass / --disable-pass override per pass.
struct OptionalPass {
  const char *name;
  int level;
  std::unique_ptr<Pass> (*create)();
};

const OptionalPass kOptionalPasses[] = {
    {"canonicalize", 1, [] { return createCanonicalizerPass(); }},
    {"cse", 1, [] { return createCSEPass(); }},
    {"cv-fold-batch-norm", 2, [] { return createCvFoldBatchNorm(); }},
    {"cv-fuse-epilogue", 2, [] { return createCvFuseEpilogue(); }},
    {"cv-block-layout", 2, nullptr}, // built with the target's vector width
    {"cv-fuse-pool", 2, [] { return createCvFusePool(); }},
    {"cv-merge-sibling-conv1x1", 2, [] { return createCvMergeSiblingConv1x1(); }},
    {"cv-conv1x1-to-matmul", 2, [] { return createCvConv1x1ToMatmul(); }},
    // The unfolded weights and statistics are dead now; layout conversions
    // of one value are made once.
    {"canonicalize", 2, [] { return createCanonicalizerPass(); }},
    {"cse", 2, [] { return createCSEPass(); }},
    // Last: it relies on the exact producers of each concat operand.
    {"cv-in-place-concat", 2, [] { return createCvInPlaceConcat(); }},
};

/// Floats per vector on the target: the channel block of the blocked layout.
/// An invalid target string is reported when the kernels are compiled.
int64_t vectorFloats(const std::string &target) {
  if (target == "host")
    return Halide::get_host_target().natural_vector_size<float>();
  if (!Halide::Target::validate_target_string(target))
    return 16;
  return Halide::Target(target).natural_vector_size<float>();
}

} // namespace

std::vector<std::string> optionalPassNames() {
  std::vector<std::string> names;
  for (const OptionalPass &p : kOptionalPasses)
    if (llvm::find(names, p.name) == names.end())
      names.push_back(p.name);
  return names;
}

void buildPassPipeline(PassManager &pm, const CompileOptions &options) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  for (const OptionalPass &p : kOptionalPasses) {
    bool wanted = options.optLevel >= p.level || options.enabledPasses.count(p.name);
    if (wanted && !options.disabledPasses.count(p.name)) {
      if (llvm::StringRef(p.name) == "cv-block-layout") {
        CvBlockLayoutOptions layout;
        layout.block = vectorFloats(options.target);
        fpm.addPass(createCvBlockLayout(layout));
      } else {
        fpm.addPass(p.create());
      }
    }
    // The lossy factorisation sees folded weights and fused epilogues, and
    // its 1x1 reduces still go through the 1x1 rewrites that follow.
    if (llvm::StringRef(p.name) == "cv-fuse-epilogue" &&
        (options.bottleneckRank > 0 || options.bottleneckEnergy > 0.0)) {
      CvLowRankBottleneckOptions bottleneck;
      bottleneck.rank = options.bottleneckRank;
      bottleneck.energy = options.bottleneckEnergy;
      bottleneck.maxError = options.bottleneckMaxError;
      fpm.addPass(createCvLowRankBottleneck(bottleneck));
    }
  }
  fpm.addPass(createCvVerifyLowerable());
}

} // namespace cvc::driver
