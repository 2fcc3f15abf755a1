//===- Parser.h - .cvm tokens -> syntax tree --------------------*- C++ -*-===//
#ifndef CVC_DSL_PARSER_H
#define CVC_DSL_PARSER_H

#include "Ast.h"
#include "Lexer.h"

namespace cvc::dsl {

/// Parses file `fileIndex` of `sources` (lexing it first). On the first
/// syntax error, reports where and what was expected, and fails.
mlir::LogicalResult parse(const SourceSet &sources, int fileIndex, Program &program);

} // namespace cvc::dsl

#endif // CVC_DSL_PARSER_H
