//===- Lexer.h - tokens of the .cvm architecture language ------*- C++ -*-===//
#ifndef CVC_DSL_LEXER_H
#define CVC_DSL_LEXER_H

#include "Source.h"

#include <string>
#include <vector>

namespace cvc::dsl {

enum class TokenKind {
  Identifier, Integer, Float, String,
  // Keywords.
  KwBlock, KwImport, KwInput, KwOutput, KwIf, KwElse, KwTrue, KwFalse, KwAnd, KwOr, KwNot,
  // Punctuation.
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, Semicolon, Assign,
  Arrow, Plus, Minus, Star, Slash, SlashSlash, Percent, Eq, Ne, Lt, Le, Gt, Ge,
  Newline, End,
};

struct Token {
  TokenKind kind;
  std::string text; ///< the spelling; a string literal's contents without quotes
  SourceRange range;
};

/// How a token kind reads in "expected ..." messages.
const char *describe(TokenKind kind);

/// Splits file `fileIndex` of `sources` into tokens, ending with End.
/// Newlines end statements, so they are tokens, except inside parentheses
/// and brackets; comments run from '#' to the end of the line. On an
/// unexpected character or an unterminated string, reports it and fails.
mlir::LogicalResult lex(const SourceSet &sources, int fileIndex, std::vector<Token> &tokens);

} // namespace cvc::dsl

#endif // CVC_DSL_LEXER_H
