//===- Pipeline.cpp - loading a model and the pass pipeline -------------===//
#include "cvc/driver/Driver.h"

#include "cv/CvDialect.h"
#include "cv/CvOps.h"
#include "cvc/autodiff/GradientInterface.h"
#include "cvc/dsl/Import.h"
#include "cvc/onnx/Import.h"
#include "cvc/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/Passes.h"

#include "cvc/driver/TuningChooser.h"
#include "cvc/halide/Lowering.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace cvc::driver {

void registerDialects(DialectRegistry &registry) {
  registry.insert<cv::CvDialect, func::FuncDialect>();
  halide::registerKernelInterfaces(registry);
  autodiff::registerGradientInterfaces(registry);
}

LogicalResult attachTarget(ModuleOp module, const CompileOptions &options) {
  if (options.target.empty() && cv::TargetAttr::of(module))
    return success();
  std::string error;
  FailureOr<cv::TargetAttr> target = halide::resolveTarget(
      module.getContext(), options.target.empty() ? "host" : options.target, 0, error);
  if (failed(target))
    return emitError(module.getLoc()) << error;
  module->setAttr(cv::TargetAttr::kAttrName, *target);
  return success();
}

OwningOpRef<ModuleOp> loadModel(MLIRContext &ctx, const CompileOptions &options) {
  StringRef path = options.inputPath;
  StringRef ext = llvm::sys::path::extension(path);
  if (!options.constantInputs.empty() && ext != ".onnx" && ext != ".onnxtxt") {
    emitError(UnknownLoc::get(&ctx)) << "--constant-input applies to ONNX models only";
    return nullptr;
  }
  if (ext == ".cvm") {
    dsl::DslOptions dslOptions;
    dslOptions.inputShapes = options.inputShapes;
    dslOptions.init = options.weightInit == "he"       ? dsl::WeightInit::He
                      : options.weightInit == "xavier" ? dsl::WeightInit::Xavier
                                                       : dsl::WeightInit::Auto;
    dslOptions.seed = options.seed;
    dslOptions.weightsPath = options.weightsPath;
    if (options.maxElements > 0)
      dslOptions.maxElements = options.maxElements;
    return dsl::importCvmModel(path, ctx, dslOptions);
  }
  if (!options.weightsPath.empty()) {
    emitError(UnknownLoc::get(&ctx))
        << "--weights applies to .cvm models only; '" << path << "' carries its own weights";
    return nullptr;
  }
  if (ext == ".onnx" || ext == ".onnxtxt") {
    onnx_frontend::ImportOptions importOptions;
    importOptions.inputShapes = options.inputShapes;
    importOptions.constantInputs = options.constantInputs;
    importOptions.reportAll = options.checkOnly;
    if (options.maxElements > 0)
      importOptions.limits.maxElements = options.maxElements;
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
      << "'; expected .onnx, .onnxtxt (textual ONNX), .cvm (architecture language) or .mlir "
         "(cv dialect)";
  return nullptr;
}

namespace {

/// The optional graph rewrites, in pipeline order, with the lowest -O level
/// that runs each; --enable-pass / --disable-pass override per pass.
struct OptionalPass {
  const char *name;
  int level; ///< kNever: only by --enable-pass (or the option that implies it)
  std::unique_ptr<Pass> (*create)(const CompileOptions &, ModuleOp);
  /// Its ops have CPU kernels only: a GPU target leaves it out unless
  /// --enable-pass names it (and then the ops it makes are refused, named).
  bool cpuOnly = false;
};

constexpr int kNever = 1000;

const OptionalPass kOptionalPasses[] = {
    {"canonicalize", 1, [](const CompileOptions &, ModuleOp) { return createCanonicalizerPass(); }},
    {"cse", 1, [](const CompileOptions &, ModuleOp) { return createCSEPass(); }},
    {"cv-fold-batch-norm", 2, [](const CompileOptions &, ModuleOp) { return createCvFoldBatchNorm(); }},
    {"cv-fuse-epilogue", 2, [](const CompileOptions &, ModuleOp) { return createCvFuseEpilogue(); }},
    // Lossy, opt-in (--bottleneck): it sees folded weights and fused
    // epilogues, and its 1x1 reduces still go through the rewrites below.
    {"cv-low-rank-bottleneck", kNever,
     [](const CompileOptions &o, ModuleOp) {
       CvLowRankBottleneckOptions bottleneck;
       bottleneck.rank = o.bottleneckRank;
       bottleneck.energy = o.bottleneckEnergy;
       bottleneck.maxError = o.bottleneckMaxError;
       return createCvLowRankBottleneck(bottleneck);
     }},
    // After the epilogues fuse (each phase takes them), before the layout
    // and Winograd passes, which then take the phases like any convolution.
    {"cv-decompose-conv-transpose", 2,
     [](const CompileOptions &, ModuleOp) { return createCvDecomposeConvTranspose(); }},
    // The channel block comes from the module's cv.target.
    {"cv-block-layout", 2, [](const CompileOptions &, ModuleOp) { return createCvBlockLayout(); },
     /*cpuOnly=*/true},
    // Before pool fusion, which then joins pools only to the convolutions
    // left direct: on VGG-16 (batch 1, 2 threads) Winograd with separate
    // 2x2 pools took 336 ms, direct with fused pools for those five layers
    // 550 ms, all direct 844 ms (loaded machine, medians).
    {"cv-winograd", 2,
     [](const CompileOptions &o, ModuleOp module) {
       CvWinogradOptions winograd;
       winograd.tile = o.winogradTile;
       // Measured: a tuning database's times of both forms choose.
       return createCvWinograd(winograd, o.tuningDb && module
                                             ? makeWinogradDecider(tuningLookup(module, o))
                                             : WinogradDecider());
     },
     /*cpuOnly=*/true},
    {"cv-fuse-pool", 2, [](const CompileOptions &, ModuleOp) { return createCvFusePool(); }},
    {"cv-merge-sibling-conv1x1", 2,
     [](const CompileOptions &, ModuleOp) { return createCvMergeSiblingConv1x1(); }},
    {"cv-conv1x1-to-matmul", 2, [](const CompileOptions &, ModuleOp) { return createCvConv1x1ToMatmul(); }},
    // The unfolded weights and statistics are dead now; layout conversions
    // of one value are made once.
    {"canonicalize", 2, [](const CompileOptions &, ModuleOp) { return createCanonicalizerPass(); }},
    {"cse", 2, [](const CompileOptions &, ModuleOp) { return createCSEPass(); }},
    // After cv-winograd, whose kernels read their input as stored, and the
    // canonicalisation that leaves one layout conversion per value.
    {"cv-fuse-prologue", 2, [](const CompileOptions &, ModuleOp) { return createCvFusePrologue(); }},
    // Last: it relies on the exact producers of each concat operand.
    {"cv-in-place-concat", 2, [](const CompileOptions &, ModuleOp) { return createCvInPlaceConcat(); }},
};

} // namespace

std::vector<std::string> optionalPassNames() {
  std::vector<std::string> names;
  for (const OptionalPass &p : kOptionalPasses)
    if (llvm::find(names, p.name) == names.end())
      names.push_back(p.name);
  return names;
}

void buildPassPipeline(PassManager &pm, const CompileOptions &options, ModuleOp module) {
  // Training differentiates the graph as imported, before any rewrite fuses
  // or re-lays out the layers its gradient rules know.
  if (options.train)
    pm.addPass(createCvBuildTrainStep(options.training));
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  // First, so that nothing is spent on heads that only training reads.
  if (!options.keepAuxOutputs)
    fpm.addPass(createCvDropAuxOutputs());
  bool gpu = module && halide::runsOnGpu(cv::TargetAttr::of(module));
  for (const OptionalPass &p : kOptionalPasses) {
    bool wanted = (options.optLevel >= p.level && !(gpu && p.cpuOnly)) ||
                  options.enabledPasses.count(p.name);
    if (wanted && !options.disabledPasses.count(p.name))
      fpm.addPass(p.create(options, module));
  }
  fpm.addPass(createCvVerifyLowerable());
}

} // namespace cvc::driver
