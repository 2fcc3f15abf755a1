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
#include "cvc/autodiff/TrainingOptions.h"
#include "cvc/driver/Driver.h"
#include "CommandLine.h"
#include "cvc/files/TerminalText.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

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
cl::list<std::string> constantInputs(
    "constant-input",
    cl::desc("Fix a model input to the tensor in FILE (.pb TensorProto of any element type, or "
             "float32 .npy) at compile time: scales, shapes or masks a model takes as inputs"),
    cl::value_desc("name=FILE"), cl::cat(cvcCategory));
cl::opt<long> maxElements(
    "max-elements",
    cl::desc("Refuse a model in which any one tensor (declared, inferred, folded or initialised at "
             "compile time) has more elements than this (0: the default, 2^31)"),
    cl::init(0), cl::cat(cvcCategory));
cl::opt<std::string> modelName("name", cl::desc("Model name recorded in the library"),
                               cl::cat(cvcCategory));
cl::opt<std::string> target("target",
                            cl::desc("'host' (default: this machine, or the cv.target of an "
                                     ".mlir input), 'cuda' or 'cuda-<capability>' (kernels on an "
                                     "NVIDIA GPU), or a Halide target string"),
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
cl::opt<long> winogradTile(
    "winograd-tile",
    cl::desc("Output tile m of cv-winograd's F(m x m, 3x3), 2 to 6 (default 2): larger tiles "
             "multiply less and round more (4 is faster on some networks and about twice "
             "as far from float64 as ONNX Runtime)"),
    cl::init(2), cl::cat(cvcCategory));
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
cl::opt<uint64_t> seed("seed",
                       cl::desc(".cvm models: seed of the weight initialisation; with "
                                "--replace-head, of the new head's too"),
                       cl::init(0), cl::cat(cvcCategory));
cl::opt<std::string> weightsPath(
    "weights",
    cl::desc(".cvm models: load every weight from this ONNX file's initialisers, by layer name "
             "(<layer>.weight, .bias, .running_mean, .running_var)"),
    cl::value_desc("model.onnx"), cl::cat(cvcCategory));
cl::opt<std::string> tuningDb(
    "tuning-db",
    cl::desc("Take each kernel's schedule from this cvc-tune database (measured on this target; "
             "kernels never tuned take their nearest tuned neighbour's point)"),
    cl::value_desc("tuning.db"), cl::cat(cvcCategory));
cl::opt<long> tuningThreads("tuning-threads",
                            cl::desc("With --tuning-db: the thread count to prefer entries of "
                                     "(default: every core)"),
                            cl::init(0), cl::cat(cvcCategory));
cl::opt<long> tuningBatch("tuning-batch",
                          cl::desc("With --tuning-db: the batch to prefer entries of (default 1)"),
                          cl::init(1), cl::cat(cvcCategory));
cl::opt<bool> noWarmStart("no-warm-start",
                          cl::desc("With --tuning-db: kernels never tuned keep their default "
                                   "schedule instead of a tuned neighbour's"),
                          cl::cat(cvcCategory));
cl::OptionCategory trainCategory("cvc training options");
cl::opt<bool> train("train",
                    cl::desc("Also build `train_step` (forward, loss, gradients, optimizer update) "
                             "and keep the weights in session states; see cvc-train"),
                    cl::cat(trainCategory));

cl::opt<bool> printWeights("print-weights", cl::desc("Print weights in --emit=mlir output"),
                           cl::cat(cvcCategory));

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
  errs() << "cvc: " << cvc::files::printable(where) << severity << ": "
         << cvc::files::printable(diag.str()) << "\n";
  for (mlir::Diagnostic &note : diag.getNotes())
    printDiagnostic(note);
}

/// cvc's flags for the settings of the training step: one per row of the
/// training-option table that has a flag, declared before the command
/// line is parsed.
class TrainingFlags {
public:
  TrainingFlags() {
    for (const cvc::autodiff::TrainingOptionSpec &spec : cvc::autodiff::trainingOptionSpecs()) {
      if (!spec.flag)
        continue;
      Row row{&spec, nullptr, nullptr, nullptr};
      StringRef name = spec.flag;
      auto desc = cl::desc(spec.help);
      switch (spec.kind) {
      case cvc::autodiff::TrainingOptionSpec::Kind::Value:
        row.value = std::make_unique<cl::opt<std::string>>(
            name, desc, cl::value_desc(spec.valueName), cl::cat(trainCategory));
        break;
      case cvc::autodiff::TrainingOptionSpec::Kind::Flag:
        row.flag = std::make_unique<cl::opt<bool>>(name, desc, cl::cat(trainCategory));
        break;
      case cvc::autodiff::TrainingOptionSpec::Kind::List:
        row.list = std::make_unique<cl::list<std::string>>(
            name, desc, cl::CommaSeparated, cl::value_desc(spec.valueName),
            cl::cat(trainCategory));
        break;
      }
      rows.push_back(std::move(row));
    }
  }

  /// The first flag given on the command line, or "".
  std::string firstGiven() const {
    for (const Row &row : rows)
      if (row.option().getNumOccurrences())
        return std::string("--") + row.spec->flag;
    return "";
  }

  /// Sets every given flag's field of `options`; false with a message.
  bool apply(cvc::autodiff::TrainingOptions &options, std::string &error) const {
    for (const Row &row : rows) {
      if (!row.option().getNumOccurrences())
        continue;
      std::string spelling = std::string("--") + row.spec->flag;
      if (row.value && !setTrainingOption(options, *row.spec, *row.value, spelling, error))
        return false;
      if (row.flag && !setTrainingOption(options, *row.spec, *row.flag ? "true" : "false",
                                         spelling, error))
        return false;
      if (row.list)
        for (const std::string &element : *row.list)
          if (!setTrainingOption(options, *row.spec, element, spelling, error))
            return false;
    }
    return true;
  }

private:
  /// One of the three is set, by the row's kind.
  struct Row {
    const cvc::autodiff::TrainingOptionSpec *spec;
    std::unique_ptr<cl::opt<std::string>> value;
    std::unique_ptr<cl::opt<bool>> flag;
    std::unique_ptr<cl::list<std::string>> list;
    const cl::Option &option() const {
      return value ? static_cast<const cl::Option &>(*value)
                   : flag ? static_cast<const cl::Option &>(*flag)
                          : static_cast<const cl::Option &>(*list);
    }
  };
  std::vector<Row> rows;
};

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
  TrainingFlags trainingFlags;
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
  if (maxElements < 0) {
    errs() << "cvc: error: --max-elements must not be negative\n";
    return 1;
  }
  options.maxElements = maxElements;
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
  if (winogradTile < 2 || winogradTile > 6) {
    errs() << "cvc: error: --winograd-tile must be 2 to 6, got " << winogradTile << "\n";
    return 1;
  }
  options.winogradTile = winogradTile;
  if (tuningDb.empty() && (tuningThreads.getNumOccurrences() || tuningBatch.getNumOccurrences() ||
                           noWarmStart)) {
    errs() << "cvc: error: --tuning-threads, --tuning-batch and --no-warm-start need --tuning-db\n";
    return 1;
  }
  for (auto [option, min] : {std::pair{&tuningThreads, 0L}, std::pair{&tuningBatch, 1L}})
    if (std::string why = cvc::tools::belowMinimum(*option, min); !why.empty()) {
      errs() << "cvc: error: " << why << "\n";
      return 1;
    }
  options.tuningDbPath = tuningDb;
  options.tuningThreads = static_cast<int>(tuningThreads);
  options.tuningBatch = static_cast<int>(tuningBatch);
  options.warmStart = !noWarmStart;
  options.train = train;
  if (train) {
    // The settings of the step come from the table, as cv-build-train-step's
    // options do; the new head's seed is --seed, like the weights'.
    std::string error;
    if (!trainingFlags.apply(options.training, error) ||
        !setTrainingOption(options.training, *cvc::autodiff::findTrainingOption("head-seed"),
                           std::to_string(seed), "--seed", error)) {
      errs() << "cvc: error: " << error << "\n";
      return 1;
    }
  } else if (std::string given = trainingFlags.firstGiven(); !given.empty()) {
    errs() << "cvc: error: training options need --train (" << given << " was given)\n";
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
  // An input given several shapes makes shape variants: the i-th shape of
  // each such input, with the one shape of the others, is variant i.
  std::map<std::string, std::vector<std::vector<int64_t>>> shapesOf;
  size_t variants = 1;
  std::string variedInput;
  for (const std::string &spec : inputShapes) {
    auto shape = cvc::tools::parseInputShape(spec);
    if (!shape) {
      errs() << "cvc: error: bad --input-shape '" << cvc::files::printable(spec)
             << "': expected NAME=d0,d1,... with positive integers\n";
      return 1;
    }
    std::vector<std::vector<int64_t>> &shapes = shapesOf[shape->first];
    if (llvm::is_contained(shapes, shape->second)) {
      errs() << "cvc: error: --input-shape gives '" << cvc::files::printable(shape->first)
             << "' the same shape twice\n";
      return 1;
    }
    shapes.push_back(shape->second);
  }
  for (const auto &[name, shapes] : shapesOf) {
    if (shapes.size() == 1)
      continue;
    if (variants > 1 && shapes.size() != variants) {
      errs() << "cvc: error: --input-shape gives '" << cvc::files::printable(variedInput) << "' "
             << variants << " shapes and '" << cvc::files::printable(name) << "' "
             << shapes.size()
             << "; inputs given several shapes need as many each (the i-th of each make shape "
                "variant i)\n";
      return 1;
    }
    variants = shapes.size();
    variedInput = name;
  }
  for (size_t v = 0; v < variants; ++v) {
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const auto &[name, list] : shapesOf)
      shapes[name] = list.size() == 1 ? list[0] : list[v];
    if (variants == 1)
      options.inputShapes = std::move(shapes);
    else
      options.shapeVariants.push_back(std::move(shapes));
  }
  for (const std::string &spec : constantInputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      errs() << "cvc: error: bad --constant-input '" << spec << "': expected NAME=FILE\n";
      return 1;
    }
    if (!options.constantInputs.emplace(spec.substr(0, eq), spec.substr(eq + 1)).second) {
      errs() << "cvc: error: --constant-input names '" << spec.substr(0, eq) << "' twice\n";
      return 1;
    }
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
