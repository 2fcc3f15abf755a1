//===- DslImporter.cpp - load a .cvm model and its imports --------------===//
//
// Reads the main file and, transitively, the files it imports (each once,
// relative to the importing file), parses them all before building anything,
// picks the weight source and hands the syntax trees to the builder.
//
//===----------------------------------------------------------------------===//
#include "cvc/dsl/Import.h"

#include "Builder.h"
#include "Parser.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <set>

using namespace mlir;

namespace cvc::dsl {
namespace {

/// The loaded programs: the main file first, then its imports in the order
/// they were reached.
struct LoadedFiles {
  std::vector<std::unique_ptr<Program>> programs;
  std::set<std::string> seen; ///< real paths, so that a file is read once
};

LogicalResult loadFile(SourceSet &sources, const std::string &path, const SourceRange &importedAt,
                       LoadedFiles &loaded) {
  llvm::SmallString<256> real;
  if (llvm::sys::fs::real_path(path, real))
    real = path;
  if (!loaded.seen.insert(real.str().str()).second)
    return success();
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    std::string message = "cannot read '" + path + "': " + buffer.getError().message();
    if (importedAt.file >= 0)
      return sources.error(importedAt, message, "a .cvm file relative to the importing file");
    return emitError(UnknownLoc::get(&sources.context())) << message;
  }
  int index = sources.add(path, (*buffer)->getBuffer().str());
  auto program = std::make_unique<Program>();
  if (failed(parse(sources, index, *program)))
    return failure();
  bool isImport = importedAt.file >= 0;
  if (isImport && !program->statements.empty())
    return sources.error(program->statements.front().range,
                         "an imported file may only define blocks",
                         "'block Name(...) { ... }' and 'import' only");
  Program *p = program.get();
  loaded.programs.push_back(std::move(program));
  llvm::StringRef dir = llvm::sys::path::parent_path(path);
  for (const Import &import : p->imports) {
    llvm::SmallString<256> target(dir);
    llvm::sys::path::append(target, import.path);
    if (failed(loadFile(sources, target.str().str(), import.range, loaded)))
      return failure();
  }
  return success();
}

/// He suits networks of ReLUs and Xavier saturating ones (LeNet's tanh): a
/// network with a ReLU anywhere gets He.
WeightInit chooseInit(const std::vector<std::unique_ptr<Program>> &programs) {
  std::function<bool(const Step &)> usesRelu = [&](const Step &step) {
    return step.callee == "relu" || llvm::any_of(step.group, usesRelu);
  };
  auto statementUsesRelu = [&](const Statement &s) {
    return llvm::any_of(s.chain.steps, usesRelu) || llvm::any_of(s.otherwise.steps, usesRelu);
  };
  for (const auto &program : programs) {
    if (llvm::any_of(program->statements, statementUsesRelu))
      return WeightInit::He;
    for (const BlockDef &block : program->blocks)
      if (llvm::any_of(block.body, statementUsesRelu))
        return WeightInit::He;
  }
  return WeightInit::Xavier;
}

} // namespace

OwningOpRef<ModuleOp> importCvmModel(llvm::StringRef path, MLIRContext &ctx,
                                     const DslOptions &options) {
  ctx.loadDialect<cv::CvDialect, func::FuncDialect>();
  SourceSet sources(ctx);
  LoadedFiles loaded;
  if (failed(loadFile(sources, path.str(), SourceRange{}, loaded)))
    return nullptr;

  std::unique_ptr<tensorio::NamedTensors> file;
  if (!options.weightsPath.empty()) {
    std::string error;
    file = tensorio::openNamedTensors(options.weightsPath, error);
    if (!file) {
      emitError(FileLineColLoc::get(&ctx, options.weightsPath, 0, 0)) << error;
      return nullptr;
    }
  }
  WeightInit init = options.init == WeightInit::Auto ? chooseInit(loaded.programs) : options.init;
  WeightSource weights(init, options.seed, std::move(file), options.weightsPath,
                       options.maxElements);

  OpBuilder builder(&ctx);
  OwningOpRef<ModuleOp> module(ModuleOp::create(FileLineColLoc::get(&ctx, path, 0, 0)));
  (*module)->setAttr("cv.source", builder.getStringAttr(llvm::sys::path::filename(path)));
  BuildState state{builder, sources, weights};
  std::vector<const Program *> imported;
  for (size_t i = 1; i < loaded.programs.size(); ++i)
    imported.push_back(loaded.programs[i].get());
  if (failed(buildModel(state, *module, *loaded.programs.front(), imported, options.inputShapes)))
    return nullptr;
  if (failed(cv::verifyTensorSizes(*module, options.maxElements)))
    return nullptr;
  return module;
}

} // namespace cvc::dsl
