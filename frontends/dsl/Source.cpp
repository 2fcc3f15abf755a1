//===- Source.cpp - .cvm source files and located diagnostics -----------===//
#include "Source.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"

#include <algorithm>

using namespace mlir;

namespace cvc::dsl {
namespace {

/// Offset of the first character of the line holding `offset`.
size_t lineStartOf(const std::string &text, size_t offset) {
  while (offset > 0 && text[offset - 1] != '\n')
    --offset;
  return offset;
}

} // namespace

int SourceSet::add(std::string path, std::string text) {
  files.push_back(std::make_unique<SourceFile>(SourceFile{std::move(path), std::move(text)}));
  return static_cast<int>(files.size()) - 1;
}

std::pair<unsigned, unsigned> SourceSet::lineColumn(const SourceRange &range) const {
  if (range.file < 0)
    return {0, 0};
  const std::string &text = files[range.file]->text;
  size_t end = std::min(range.offset, text.size());
  unsigned line = 1 + static_cast<unsigned>(std::count(text.begin(), text.begin() + end, '\n'));
  return {line, static_cast<unsigned>(end - lineStartOf(text, end) + 1)};
}

Location SourceSet::location(const SourceRange &range, llvm::StringRef name) const {
  Location loc = UnknownLoc::get(&ctx);
  if (range.file >= 0) {
    auto [line, column] = lineColumn(range);
    loc = FileLineColLoc::get(&ctx, files[range.file]->path, line, column);
  }
  if (!name.empty())
    loc = NameLoc::get(StringAttr::get(&ctx, name), loc);
  return loc;
}

LogicalResult SourceSet::error(const SourceRange &range, const llvm::Twine &message,
                               const llvm::Twine &expected) const {
  std::string text = message.str();
  if (range.file >= 0) {
    const std::string &source = files[range.file]->text;
    size_t offset = std::min(range.offset, source.size());
    size_t lineStart = lineStartOf(source, offset);
    size_t lineEnd = source.find('\n', offset);
    if (lineEnd == std::string::npos)
      lineEnd = source.size();
    std::string line = source.substr(lineStart, lineEnd - lineStart);
    // Tabs keep their width under the caret.
    std::string pad;
    for (size_t i = lineStart; i < offset; ++i)
      pad += source[i] == '\t' ? '\t' : ' ';
    size_t width = std::max<size_t>(1, std::min(range.length, lineEnd - offset));
    text += "\n    " + line + "\n    " + pad + "^" + std::string(width - 1, '~');
  }
  std::string more = expected.str();
  if (!more.empty())
    text += "\n    expected " + more;
  return emitError(location(range)) << text;
}

} // namespace cvc::dsl
