//===- Compile.cpp - one cvc invocation, from model file to model.so ----===//
//
// Everything is built in a private temporary folder and the finished library
// is renamed onto the requested path (files::AtomicFile), so a failure at
// any stage (or a kill) never leaves a half-written model.so behind.
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/Driver.h"
#include "cvc/driver/RuntimeCache.h"
#include "cvc/driver/ModelPlan.h"
#include "cvc/driver/Summary.h"
#include "cvc/driver/Toolchain.h"
#include "cvc/driver/TuningChooser.h"
#include "cvc/files/AtomicFile.h"
#include "cvc/files/TempFolder.h"
#include "cvc/onnx/Export.h"
#include "cvc/passes/Passes.h"

#include "cv/CvOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

using namespace mlir;

namespace cvc::driver {
namespace {

using Clock = std::chrono::steady_clock;

std::string secondsSince(Clock::time_point start) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f",
                std::chrono::duration<double>(Clock::now() - start).count());
  return text;
}

/// Removes the build folder on every exit path unless asked to keep it.
LogicalResult fail(ModuleOp module, const std::string &message) {
  return emitError(module.getLoc()) << message;
}

/// Compiles the distinct kernels on all cores; Halide compiles independent
/// pipelines concurrently without shared state.
LogicalResult compileFunctions(ModuleOp module, llvm::ArrayRef<const CompiledFunction *> functions,
                               const Halide::Target &target, const std::string &dir,
                               bool verbose, std::vector<std::string> &objects) {
  size_t n = functions.size();
  objects.resize(n);
  std::atomic<size_t> next{0}, done{0};
  std::mutex errorMutex;
  std::string firstError;
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      const CompiledFunction &f = *functions[i];
      std::string object = dir + "/" + f.symbol + ".o";
      std::string error;
      if (failed(halide::compileKernel(f.kernel, f.symbol, object, target, error))) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (firstError.empty())
          firstError = "compiling kernel " + f.symbol + " (" + f.kernel.ops + "): " + error;
        next = n;
        return;
      }
      objects[i] = object;
      size_t finished = ++done;
      if (verbose) {
        std::lock_guard<std::mutex> lock(errorMutex);
        llvm::errs() << "cvc: [" << finished << "/" << n << "] compiled " << f.symbol << "\n";
      }
    }
  };
  unsigned threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), n));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();
  if (!firstError.empty())
    return fail(module, firstError);
  return success();
}

} // namespace

/// The kernel plan of the model's entry points and the target it was lowered for.
struct PlannedModel {
  std::unique_ptr<ModelPlan> plan;
  Halide::Target target;
};

FailureOr<PlannedModel> planModule(ModuleOp module, const CompileOptions &options) {
  cv::TargetAttr target = cv::TargetAttr::of(module);
  if (!target)
    return fail(module, "the module has no cv.target (internal error: attachTarget runs first)");
  PlanOptions planOptions;
  planOptions.modelName = options.modelName.empty()
                              ? llvm::sys::path::stem(options.inputPath).str()
                              : options.modelName;
  planOptions.context = halide::kernelContextFor(target);
  if (options.tuningDb)
    planOptions.chooseSchedule = makeTuningChooser(tuningLookup(module, options));
  FailureOr<std::unique_ptr<ModelPlan>> plan = planModel(module, planOptions);
  if (failed(plan))
    return failure();
  return PlannedModel{std::move(*plan), planOptions.context.target};
}

LogicalResult emitSharedLibrary(llvm::ArrayRef<ModuleOp> variants, const CompileOptions &options) {
  auto start = Clock::now();
  ModuleOp module = variants.front();
  RuntimeLayout runtime;
  std::string error;
  if (failed(findRuntime(runtime, error)))
    return fail(module, error);

  std::vector<PlannedModel> planned;
  std::vector<ModelPlan *> plans;
  for (ModuleOp variant : variants) {
    FailureOr<PlannedModel> one = planModule(variant, options);
    if (failed(one))
      return failure();
    planned.push_back(std::move(*one));
    plans.push_back(planned.back().plan.get());
  }
  std::vector<const CompiledFunction *> functions = shareFunctions(plans);
  shareWeights(plans);
  std::vector<const ModelPlan *> constPlans(plans.begin(), plans.end());
  const Halide::Target &target = planned.front().target;
  if (options.verbose) {
    size_t kernels = 0;
    for (const ModelPlan *plan : plans)
      kernels += plan->kernels.size();
    llvm::errs() << "cvc: planned " << kernels << " kernels (" << functions.size()
                 << " distinct)"
                 << (plans.size() > 1 ? " in " + std::to_string(plans.size()) + " shape variants"
                                      : std::string())
                 << ", " << llvm::format("%.1f", plans.front()->weightsSize / 1e6)
                 << " MB of weights, in " << secondsSince(start) << " s\n";
  }

  files::TempFolder temp("cvc-build");
  if (!temp.ok())
    return fail(module, temp.error());
  if (options.keepTemps) {
    temp.keep();
    llvm::errs() << "cvc: keeping build files in " << temp.path() << "\n";
  }

  std::vector<std::string> sources;
  auto kernelStart = Clock::now();
  if (failed(compileFunctions(module, functions, target, temp.path(), options.verbose, sources)))
    return failure();
  FailureOr<std::string> runtimeObject =
      halideRuntimeObject(target, temp.path(), options.verbose, error);
  if (failed(runtimeObject))
    return fail(module, "compiling the Halide runtime: " + error);
  sources.push_back(*runtimeObject);
  if (options.verbose)
    llvm::errs() << "cvc: compiled " << functions.size() << " kernels in "
                 << secondsSince(kernelStart) << " s\n";

  std::string planPath = temp.path() + "/plan.c";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(planPath, ec);
    if (ec)
      return fail(module, "cannot write " + planPath + ": " + ec.message());
    os << emitPlanSource(constPlans);
  }
  sources.push_back(planPath);
  std::string weightsAsm = temp.path() + "/weights.S";
  if (failed(writeWeights(constPlans, temp.path() + "/weights.bin", weightsAsm, error)))
    return fail(module, error);
  sources.push_back(weightsAsm);

  llvm::SmallString<256> outDir(llvm::sys::path::parent_path(options.outputPath));
  if (outDir.empty())
    outDir = ".";
  if (!llvm::sys::fs::is_directory(outDir))
    return fail(module, "output folder '" + outDir.str().str() + "' does not exist");
  files::AtomicFile output(options.outputPath);
  if (!output.ok())
    return fail(module, output.error());
  auto linkStart = Clock::now();
  if (failed(linkSharedLibrary(runtime, sources, output.partialPath(),
                               llvm::sys::path::filename(options.outputPath).str(),
                               temp.path() + "/link.log", error)))
    return fail(module, error);
  if (!output.commit())
    return fail(module, output.error());
  if (options.verbose)
    llvm::errs() << "cvc: linked " << options.outputPath << " in " << secondsSince(linkStart)
                 << " s (total " << secondsSince(start) << " s)\n";
  return success();
}

namespace {

/// The pass pipeline for `options`, with MLIR's command-line instrumentation
/// (--mlir-print-ir-*, --mlir-timing) applied.
LogicalResult runPipeline(MLIRContext &ctx, ModuleOp module, const CompileOptions &options) {
  PassManager pm(&ctx);
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  DefaultTimingManager timing;
  applyDefaultTimingManagerCLOptions(timing);
  TimingScope root = timing.getRootScope();
  pm.enableTiming(root);
  buildPassPipeline(pm, options, module);
  return pm.run(module);
}

/// `cvc --summary`: plans the model as imported (-O0) and after the
/// pipeline, and prints the table to `os`.
LogicalResult printModelSummary(MLIRContext &ctx, ModuleOp module, const CompileOptions &options,
                                llvm::raw_ostream &os) {
  OwningOpRef<ModuleOp> unoptimized = module.clone();
  CompileOptions o0 = options;
  o0.optLevel = 0;
  PassManager before(&ctx);
  buildPassPipeline(before, o0, *unoptimized);
  if (failed(before.run(*unoptimized)))
    return failure();
  auto unoptimizedPlan = planModule(*unoptimized, options);
  if (failed(unoptimizedPlan))
    return failure();
  PlanFigures beforeFigures = measurePlan(*unoptimizedPlan->plan);
  WrittenParameters written =
      countWrittenParameters(unoptimized->lookupSymbol<func::FuncOp>("main"));

  if (failed(runPipeline(ctx, module, options)))
    return failure();
  auto planned = planModule(module, options);
  if (failed(planned))
    return failure();
  printSummary(os, *planned->plan, beforeFigures, written, options.optLevel);
  return success();
}

/// Writes `text` to options.outputPath ("-": stdout), atomically.
LogicalResult writeText(Location loc, const CompileOptions &options, const std::string &text) {
  if (options.outputPath == "-") {
    llvm::outs() << text;
    return success();
  }
  std::string error;
  if (!files::writeFileAtomically(options.outputPath, text, error))
    return emitError(loc) << error;
  return success();
}

/// The model imported, its cv.target attached, the tuning database opened
/// once (kept in `options` for the passes and the planner).
OwningOpRef<ModuleOp> loadForCompile(MLIRContext &ctx, CompileOptions &options) {
  auto start = Clock::now();
  OwningOpRef<ModuleOp> module = loadModel(ctx, options);
  if (!module || failed(attachTarget(*module, options)))
    return nullptr;
  if (!options.tuningDbPath.empty() && !options.tuningDb) {
    std::string error;
    std::optional<tune::TuningDatabase> database =
        tune::TuningDatabase::open(options.tuningDbPath, error);
    if (!database) {
      (void)fail(*module, error);
      return nullptr;
    }
    for (const std::string &warning : database->warnings())
      emitWarning(module->getLoc()) << warning;
    options.tuningDb = std::make_shared<const tune::TuningDatabase>(std::move(*database));
  }
  if (options.verbose)
    llvm::errs() << "cvc: imported " << options.inputPath << " in " << secondsSince(start)
                 << " s\n";
  return module;
}

/// "x=1,3,224,224 y=..." for a variant's shapes.
std::string shapesText(const std::map<std::string, std::vector<int64_t>> &shapes) {
  std::string text;
  for (const auto &[name, dims] : shapes) {
    text += (text.empty() ? "" : " ") + name + "=";
    for (size_t i = 0; i < dims.size(); ++i)
      text += (i ? "," : "") + std::to_string(dims[i]);
  }
  return text;
}

/// `cvc` with several shapes for an input: the model is imported and
/// optimised once per variant, and the variants go into one model.so
/// (or each is checked, or summarised).
LogicalResult compileVariants(MLIRContext &ctx, const CompileOptions &given) {
  auto refuse = [&](const std::string &message) {
    return emitError(UnknownLoc::get(&ctx)) << message;
  };
  if (given.emit == EmitKind::Mlir || given.emit == EmitKind::Onnx)
    return refuse(std::string("--emit=") + (given.emit == EmitKind::Mlir ? "mlir" : "onnx") +
                  " writes one shape per input; several --input-shape for one input make shape "
                  "variants, which only a model.so (or --summary) holds");
  if (given.train)
    return refuse("--train takes one shape per input; shape variants (several --input-shape for "
                  "one input) are for inference");
  CompileOptions options = given;
  options.shapeVariants.clear();
  std::vector<OwningOpRef<ModuleOp>> modules;
  std::string summaries;
  bool ok = true;
  for (size_t v = 0; v < given.shapeVariants.size(); ++v) {
    options.inputShapes = given.shapeVariants[v];
    if (options.verbose)
      llvm::errs() << "cvc: shape variant " << v << ": " << shapesText(options.inputShapes)
                   << "\n";
    OwningOpRef<ModuleOp> module = loadForCompile(ctx, options);
    if (!module) {
      ok = false;
      if (options.checkOnly)
        continue;
      return failure();
    }
    if (options.emit == EmitKind::Summary) {
      llvm::raw_string_ostream os(summaries);
      os << (v ? "\n" : "") << "Shape variant " << v << ": " << shapesText(options.inputShapes)
         << "\n\n";
      if (failed(printModelSummary(ctx, *module, options, os)))
        return failure();
      continue;
    }
    if (failed(runPipeline(ctx, *module, options))) {
      ok = false;
      if (options.checkOnly)
        continue;
      return failure();
    }
    modules.push_back(std::move(module));
  }
  if (!ok)
    return failure();
  if (options.emit == EmitKind::Summary)
    return writeText(UnknownLoc::get(&ctx), options, summaries);
  if (options.checkOnly)
    return success();
  std::vector<ModuleOp> variants;
  for (OwningOpRef<ModuleOp> &module : modules)
    variants.push_back(*module);
  return emitSharedLibrary(variants, options);
}

} // namespace

LogicalResult compile(MLIRContext &ctx, const CompileOptions &given) {
  if (given.shapeVariants.size() > 1)
    return compileVariants(ctx, given);
  CompileOptions options = given;
  OwningOpRef<ModuleOp> module = loadForCompile(ctx, options);
  if (!module)
    return failure();

  if (options.emit == EmitKind::Summary) {
    std::string text;
    llvm::raw_string_ostream os(text);
    if (failed(printModelSummary(ctx, *module, options, os)))
      return failure();
    return writeText(module->getLoc(), options, text);
  }

  if (options.emit == EmitKind::Onnx) {
    // The model as written, less the training-only outputs unless kept.
    if (!options.keepAuxOutputs) {
      PassManager pm(&ctx);
      pm.nest<func::FuncOp>().addPass(createCvDropAuxOutputs());
      if (failed(pm.run(*module)))
        return failure();
    }
    return onnx_frontend::exportOnnxModel(*module, options.outputPath);
  }

  if (failed(runPipeline(ctx, *module, options)))
    return failure();
  if (options.checkOnly)
    return success();

  if (options.emit == EmitKind::Mlir) {
    OpPrintingFlags flags;
    if (options.elideWeights)
      flags.elideLargeElementsAttrs(16).elideLargeResourceString(64);
    if (options.outputPath == "-") {
      module->print(llvm::outs(), flags);
      return success();
    }
    // Streamed: the weights printed can be far larger than the model.
    files::AtomicFile output(options.outputPath);
    if (!output.ok())
      return fail(*module, output.error());
    {
      llvm::raw_fd_ostream os(output.fd(), /*shouldClose=*/false);
      module->print(os, flags);
      os.flush();
      if (os.has_error()) {
        std::string message = os.error().message();
        os.clear_error();
        return fail(*module, "cannot write '" + options.outputPath + "': " + message);
      }
    }
    if (!output.commit())
      return fail(*module, output.error());
    return success();
  }
  return emitSharedLibrary({*module}, options);
}

} // namespace cvc::driver
