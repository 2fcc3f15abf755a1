//===- cvc.cpp - the cvc compiler command line --------------------------===//
//
//   cvc model.onnx -o model.so        compile to a shared library
//   cvc model.cvm -o model.so         the same for the architecture language
//   cvc model.onnx --emit=mlir -o -   print the cv dialect after the passes
//   cvc model.onnx --summary          per-layer shapes, parameters and MACs
//   cvc model.cvm --emit=onnx -o m.onnx   a .cvm model written as ONNX
//   cvc check model.onnx              list every unsupported op, attribute and type
//
//===----------------------------------------------------------------------===//
#include "cvc/driver/Driver.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using cvc::driver::CompileOptions;
using cvc::driver::EmitKind;

namespace {

cl::OptionCategory cvcCategory("cvc options");

cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx|model.onnxtxt|model.cvm|model.mlir>"),
                               cl::Required, cl::cat(cvcCategory));
cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for stdout with --emit=mlir)"),
                                cl::value_desc("path"), cl::cat(cvcCategory));
cl::opt<EmitKind> emit("emit", cl::desc("What to produce"), cl::init(EmitKind::SharedLibrary),
                       cl::values(clEnumValN(EmitKind::SharedLibrary, "so",
                                             "a shared library exporting the cvc C ABI (default)"),
                                  clEnumValN(EmitKind::Mlir, "mlir",
                                             "the cv dialect after optimisation, weights elided"),
                                  clEnumValN(EmitKind::Onnx, "onnx",
                                             "the model before optimisation as ONNX (opset 13), "
                                             "weights named after the layers"),
                                  clEnumValN(EmitKind::Summary, "summary",
                                             "a per-layer table of shapes, parameters and "
                                             "multiply-accumulates (same as --summary)")),
                       cl::cat(cvcCategory));
enum OptLevel { O0 = 0, O1 = 1, O2 = 2 };
cl::opt<OptLevel> optLevel(cl::desc("Optimisation level"), cl::init(O2),
                           cl::values(clEnumValN(O0, "O0", "no graph rewrites"),
                                      clEnumValN(O1, "O1", "canonicalisation and folding"),
                                      clEnumValN(O2, "O2", "every rewrite (default)")),
                           cl::cat(cvcCategory));
cl::list<std::string> inputShapes("input-shape",
                                  cl::desc("Fix the shape of a model input, e.g. x=1,3,224,224"),
                                  cl::value_desc("name=d0,d1,..."), cl::cat(cvcCategory));
cl::opt<std::string> modelName("name", cl::desc("Model name recorded in the library"),
                               cl::cat(cvcCategory));
cl::opt<std::string> target("target",
                            cl::desc("Halide target, or 'host' (default: this machine, or the "
                                     "cv.target of an .mlir input)"),
                            cl::cat(cvcCategory));
cl::opt<bool> keepTemps("keep-temps", cl::desc("Keep the build folder (for debugging)"),
                        cl::cat(cvcCategory));
cl::opt<bool> verbose("v", cl::desc("Report progress and timings on stderr"),
                      cl::cat(cvcCategory));
cl::opt<bool> summary("summary",
                       cl::desc("Print each kernel's output shape, parameters and "
                                "multiply-accumulates, the totals, and what the pass pipeline "
                                "and the memory plan saved; writes no library"),
                       cl::cat(cvcCategory));
cl::list<std::string> enablePasses(
    "enable-pass", cl::CommaSeparated,
    cl::desc("Run these optional passes whatever the -O level (an unknown name lists them)"),
    cl::value_desc("name,..."), cl::cat(cvcCategory));
cl::list<std::string> disablePasses("disable-pass", cl::CommaSeparated,
                                    cl::desc("Skip these optional passes"),
                                    cl::value_desc("name,..."), cl::cat(cvcCategory));
cl::opt<std::string> bottleneck(
    "bottleneck",
    cl::desc("Lossy: factorise k x k convolutions into a 1x1 reduce and a narrower k x k, "
             "keeping R components or the fraction E of the weights' spectral energy; "
             "reports each layer's saving and error"),
    cl::value_desc("rank:R|energy:E"), cl::cat(cvcCategory));
cl::opt<double> bottleneckMaxError(
    "bottleneck-max-error",
    cl::desc("Leave layers whose relative output error would exceed this (default 0.05)"),
    cl::init(0.05), cl::cat(cvcCategory));
cl::opt<bool> keepAuxOutputs(
    "keep-aux-outputs",
    cl::desc("Keep the training-only auxiliary outputs (GoogLeNet's auxiliary classifiers), "
             "which inference drops"),
    cl::cat(cvcCategory));
cl::opt<std::string> weightInit("init",
                                cl::desc(".cvm models: weight initialisation, he, xavier or auto "
                                         "(he when the network has a ReLU; the default)"),
                                cl::init("auto"), cl::value_desc("auto|he|xavier"),
                                cl::cat(cvcCategory));
cl::opt<uint64_t> seed("seed", cl::desc(".cvm models: seed of the weight initialisation"),
                       cl::init(0), cl::cat(cvcCategory));
cl::opt<std::string> weightsPath(
    "weights",
    cl::desc(".cvm models: load every weight from this ONNX file's initialisers, by layer name "
             "(<layer>.weight, .bias, .running_mean, .running_var)"),
    cl::value_desc("model.onnx"), cl::cat(cvcCategory));
cl::OptionCategory trainCategory("cvc training options");
cl::opt<bool> train("train",
                    cl::desc("Also build `train_step` (forward, loss, gradients, optimizer update) "
                             "and keep the weights in session states; see cvc-train"),
                    cl::cat(trainCategory));
cl::opt<int64_t> trainBatch("train-batch", cl::desc("Static batch of train_step (default 32)"),
                            cl::init(32), cl::cat(trainCategory));
cl::opt<std::string> optimizer("optimizer", cl::desc("sgd (default), adam or adamw"),
                               cl::init("sgd"), cl::cat(trainCategory));
cl::opt<double> momentum("momentum", cl::desc("SGD momentum (default 0.9; 0 for none)"),
                         cl::init(0.9), cl::cat(trainCategory));
cl::opt<double> weightDecay("weight-decay",
                            cl::desc("L2 penalty (sgd, adam) or decoupled decay (adamw)"),
                            cl::init(0.0), cl::cat(trainCategory));
cl::opt<double> labelSmoothing("label-smoothing", cl::desc("Label smoothing of the loss"),
                               cl::init(0.0), cl::cat(trainCategory));
cl::list<std::string> freeze("freeze", cl::CommaSeparated,
                             cl::desc("Do not train parameters whose names start with these"),
                             cl::value_desc("prefix,..."), cl::cat(trainCategory));
cl::opt<std::string> freezeUntil(
    "freeze-until",
    cl::desc("Train only from the first parameter whose name starts with this on"),
    cl::value_desc("name"), cl::cat(trainCategory));
cl::opt<int64_t> replaceHead("replace-head",
                             cl::desc("Transfer learning: a new, untrained final classifier with "
                                      "this many classes"),
                             cl::init(0), cl::value_desc("classes"), cl::cat(trainCategory));
cl::opt<bool> trainGradients("train-export-gradients",
                             cl::desc("train_step also outputs the flat gradient (for checks)"),
                             cl::cat(trainCategory));

cl::opt<bool> printWeights("print-weights", cl::desc("Print weights in --emit=mlir output"),
                           cl::cat(cvcCategory));

bool parseInputShape(StringRef spec, CompileOptions &options) {
  auto [name, dims] = spec.rsplit('=');
  if (name.empty() || dims.empty() || !spec.contains('='))
    return false;
  std::vector<int64_t> shape;
  SmallVector<StringRef> parts;
  dims.split(parts, ',');
  for (StringRef p : parts) {
    int64_t d;
    if (p.trim().getAsInteger(10, d) || d < 1)
      return false;
    shape.push_back(d);
  }
  options.inputShapes[name.str()] = shape;
  return true;
}

/// Prints each diagnostic as "cvc: error: ...", prefixed by file:line:col
/// when the location points into a text file the user wrote.
void printDiagnostic(mlir::Diagnostic &diag) {
  const char *severity = diag.getSeverity() == mlir::DiagnosticSeverity::Error     ? "error"
                         : diag.getSeverity() == mlir::DiagnosticSeverity::Warning ? "warning"
                         : diag.getSeverity() == mlir::DiagnosticSeverity::Remark  ? "remark"
                                                                                  : "note";
  std::string where;
  if (auto loc = dyn_cast<mlir::FileLineColLoc>(diag.getLocation()); loc && loc.getLine() > 0)
    where = (loc.getFilename().str() + ":" + std::to_string(loc.getLine()) + ":" +
             std::to_string(loc.getColumn()) + ": ");
  errs() << "cvc: " << where << severity << ": " << diag.str() << "\n";
  for (mlir::Diagnostic &note : diag.getNotes())
    printDiagnostic(note);
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // `cvc check MODEL` is a subcommand; the rest of the command line is shared.
  bool check = argc > 1 && StringRef(argv[1]) == "check";
  std::vector<char *> args(argv, argv + argc);
  if (check)
    args.erase(args.begin() + 1);
  argc = static_cast<int>(args.size());
  argv = args.data();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  // LLVM's and MLIR's own options (hundreds, from every linked backend) stay
  // usable but only --help-hidden lists them.
  cl::HideUnrelatedOptions({&cvcCategory, &trainCategory});
  cl::ParseCommandLineOptions(argc, argv,
                              "cvc: compile a convolutional network to a shared library\n\n"
                              "  MLIR's debugging options (--mlir-print-ir-after-all, "
                              "--mlir-timing, ...) are listed by --help-hidden.\n");

  CompileOptions options;
  options.inputPath = inputPath;
  options.emit = summary ? EmitKind::Summary : emit.getValue();
  if (summary && emit.getNumOccurrences() && emit != EmitKind::Summary) {
    errs() << "cvc: error: --summary and --emit="
           << (emit == EmitKind::Mlir ? "mlir" : emit == EmitKind::Onnx ? "onnx" : "so")
           << " ask for different products; choose one\n";
    return 1;
  }
  options.optLevel = optLevel;
  options.modelName = modelName;
  options.target = target;
  options.keepTemps = keepTemps;
  options.verbose = verbose;
  options.elideWeights = !printWeights;
  options.checkOnly = check;
  options.keepAuxOutputs = keepAuxOutputs;
  if (weightInit != "auto" && weightInit != "he" && weightInit != "xavier") {
    errs() << "cvc: error: bad --init '" << weightInit << "': expected auto, he or xavier\n";
    return 1;
  }
  options.weightInit = weightInit;
  options.seed = seed;
  options.weightsPath = weightsPath;
  if (!bottleneck.empty()) {
    auto [kind, value] = StringRef(bottleneck).split(':');
    bool ok = false;
    if (kind == "rank") {
      ok = !value.getAsInteger(10, options.bottleneckRank) && options.bottleneckRank > 0;
    } else if (kind == "energy") {
      ok = !value.getAsDouble(options.bottleneckEnergy) && options.bottleneckEnergy > 0.0 &&
           options.bottleneckEnergy <= 1.0;
    }
    if (!ok) {
      errs() << "cvc: error: bad --bottleneck '" << bottleneck
             << "': expected rank:R with R >= 1 or energy:E with 0 < E <= 1\n";
      return 1;
    }
    options.enabledPasses.insert("cv-low-rank-bottleneck");
  }
  if (bottleneckMaxError <= 0.0) {
    errs() << "cvc: error: --bottleneck-max-error must be positive\n";
    return 1;
  }
  options.bottleneckMaxError = bottleneckMaxError;
  options.train = train;
  if (train) {
    auto kind = cvc::autodiff::parseOptimizer(optimizer);
    if (!kind) {
      errs() << "cvc: error: unknown --optimizer '" << optimizer
             << "'; expected sgd, adam or adamw\n";
      return 1;
    }
    if (replaceHead < 0) {
      errs() << "cvc: error: --replace-head needs a positive class count\n";
      return 1;
    }
    if (trainBatch < 1 || momentum < 0.0 || weightDecay < 0.0 || labelSmoothing < 0.0 ||
        labelSmoothing >= 1.0) {
      errs() << "cvc: error: --train-batch must be >= 1, --momentum and --weight-decay >= 0, "
                "--label-smoothing in [0, 1)\n";
      return 1;
    }
    cvc::autodiff::TrainingOptions &t = options.training;
    t.batch = trainBatch;
    t.optimizer = *kind;
    t.momentum = static_cast<float>(momentum);
    t.weightDecay = static_cast<float>(weightDecay);
    t.labelSmoothing = static_cast<float>(labelSmoothing);
    t.frozenPrefixes.assign(freeze.begin(), freeze.end());
    t.exportGradients = trainGradients;
    t.freezeUntil = freezeUntil;
    t.replaceHead = replaceHead;
    t.headSeed = seed;
  } else if (trainBatch.getNumOccurrences() || optimizer.getNumOccurrences() ||
             freeze.getNumOccurrences() || trainGradients || !freezeUntil.empty() ||
             replaceHead.getNumOccurrences()) {
    errs() << "cvc: error: training options need --train\n";
    return 1;
  }
  std::vector<std::string> known = cvc::driver::optionalPassNames();
  for (auto [list, into] : {std::pair{&enablePasses, &options.enabledPasses},
                            std::pair{&disablePasses, &options.disabledPasses}})
    for (const std::string &name : *list) {
      if (llvm::find(known, name) == known.end()) {
        errs() << "cvc: error: unknown pass '" << name << "'; optional passes are:";
        for (const std::string &k : known)
          errs() << " " << k;
        errs() << "\n";
        return 1;
      }
      into->insert(name);
    }
  for (const std::string &spec : inputShapes)
    if (!parseInputShape(spec, options)) {
      errs() << "cvc: error: bad --input-shape '" << spec
             << "': expected NAME=d0,d1,... with positive integers\n";
      return 1;
    }
  if (check && (!outputPath.empty() || emit.getNumOccurrences())) {
    errs() << "cvc: error: 'cvc check' writes nothing; drop -o and --emit\n";
    return 1;
  }
  if (outputPath.empty())
    options.outputPath = options.emit != EmitKind::SharedLibrary
                             ? "-"
                             : (sys::path::stem(options.inputPath) + ".so").str();
  else
    options.outputPath = outputPath;
  if (options.outputPath == "-" && options.emit == EmitKind::SharedLibrary) {
    errs() << "cvc: error: a shared library cannot be written to stdout; use -o model.so\n";
    return 1;
  }
  if (options.outputPath == "-" && options.emit == EmitKind::Onnx) {
    errs() << "cvc: error: an ONNX model cannot be written to stdout; use -o model.onnx\n";
    return 1;
  }

  mlir::DialectRegistry registry;
  cvc::driver::registerDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  ctx.printOpOnDiagnostic(false);
  int errors = 0;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &diag) {
    errors += diag.getSeverity() == mlir::DiagnosticSeverity::Error;
    printDiagnostic(diag);
    return mlir::success();
  });
  bool ok = mlir::succeeded(cvc::driver::compile(ctx, options));
  if (check) {
    if (ok)
      outs() << options.inputPath << ": every node, attribute and type is supported\n";
    else
      errs() << "cvc check: " << std::max(errors, 1) << " problem" << (errors == 1 ? "" : "s")
             << " in " << options.inputPath << "\n";
  }
  return ok ? 0 : 1;
}
