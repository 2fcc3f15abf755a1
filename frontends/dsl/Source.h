//===- Source.h - .cvm source files and located diagnostics ----*- C++ -*-===//
//
// Every token and AST node carries a SourceRange; a diagnostic renders it as
// file:line:column with the offending line and a caret under the range, so
// that any error in a model file points at the text that caused it.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DSL_SOURCE_H
#define CVC_DSL_SOURCE_H

#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/Twine.h"

#include <memory>
#include <string>
#include <vector>

namespace cvc::dsl {

/// One loaded .cvm file: its path and text.
struct SourceFile {
  std::string path;
  std::string text;
};

/// A span of text in one of the loaded files.
struct SourceRange {
  int file = -1; ///< index into SourceSet::files; -1 for "no location"
  size_t offset = 0;
  size_t length = 0;
};

/// The files of one model (the main file and its imports), and error
/// reporting against them through the MLIR context's diagnostics.
class SourceSet {
public:
  explicit SourceSet(mlir::MLIRContext &ctx) : ctx(ctx) {}

  /// Adds a file's text; returns its index.
  int add(std::string path, std::string text);
  const SourceFile &file(int index) const { return *files[index]; }

  /// 1-based line and column of `range`'s start.
  std::pair<unsigned, unsigned> lineColumn(const SourceRange &range) const;
  /// The MLIR location of `range`, named `name` when not empty.
  mlir::Location location(const SourceRange &range, llvm::StringRef name = "") const;

  /// Reports "message" at `range` with the source line and a caret under the
  /// range, then "expected ..." when `expected` is given; returns failure().
  mlir::LogicalResult error(const SourceRange &range, const llvm::Twine &message,
                            const llvm::Twine &expected = "") const;

  mlir::MLIRContext &context() const { return ctx; }

private:
  mlir::MLIRContext &ctx;
  std::vector<std::unique_ptr<SourceFile>> files;
};

} // namespace cvc::dsl

#endif // CVC_DSL_SOURCE_H
