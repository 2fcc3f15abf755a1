//===- Lexer.cpp - tokens of the .cvm architecture language -------------===//
#include "Lexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace cvc::dsl {

const char *describe(TokenKind kind) {
  switch (kind) {
  case TokenKind::Identifier: return "a name";
  case TokenKind::Integer: return "an integer";
  case TokenKind::Float: return "a number";
  case TokenKind::String: return "a string";
  case TokenKind::KwBlock: return "'block'";
  case TokenKind::KwImport: return "'import'";
  case TokenKind::KwInput: return "'input'";
  case TokenKind::KwOutput: return "'output'";
  case TokenKind::KwIf: return "'if'";
  case TokenKind::KwElse: return "'else'";
  case TokenKind::KwTrue: return "'true'";
  case TokenKind::KwFalse: return "'false'";
  case TokenKind::KwAnd: return "'and'";
  case TokenKind::KwOr: return "'or'";
  case TokenKind::KwNot: return "'not'";
  case TokenKind::LParen: return "'('";
  case TokenKind::RParen: return "')'";
  case TokenKind::LBracket: return "'['";
  case TokenKind::RBracket: return "']'";
  case TokenKind::LBrace: return "'{'";
  case TokenKind::RBrace: return "'}'";
  case TokenKind::Comma: return "','";
  case TokenKind::Colon: return "':'";
  case TokenKind::Semicolon: return "';'";
  case TokenKind::Assign: return "'='";
  case TokenKind::Arrow: return "'->'";
  case TokenKind::Plus: return "'+'";
  case TokenKind::Minus: return "'-'";
  case TokenKind::Star: return "'*'";
  case TokenKind::Slash: return "'/'";
  case TokenKind::SlashSlash: return "'//'";
  case TokenKind::Percent: return "'%'";
  case TokenKind::Eq: return "'=='";
  case TokenKind::Ne: return "'!='";
  case TokenKind::Lt: return "'<'";
  case TokenKind::Le: return "'<='";
  case TokenKind::Gt: return "'>'";
  case TokenKind::Ge: return "'>='";
  case TokenKind::Newline: return "the end of the line";
  case TokenKind::End: return "the end of the file";
  }
  return "a token";
}

LogicalResult lex(const SourceSet &sources, int fileIndex, std::vector<Token> &tokens) {
  const std::string &text = sources.file(fileIndex).text;
  size_t i = 0, n = text.size();
  int depth = 0; // open parentheses and brackets: newlines inside do not end statements
  auto push = [&](TokenKind kind, size_t start, std::string spelling) {
    tokens.push_back(Token{kind, std::move(spelling), SourceRange{fileIndex, start, i - start}});
  };
  while (i < n) {
    char c = text[i];
    size_t start = i;
    if (c == '#') {
      while (i < n && text[i] != '\n')
        ++i;
      continue;
    }
    if (c == '\n') {
      ++i;
      if (depth == 0 && !tokens.empty() && tokens.back().kind != TokenKind::Newline)
        push(TokenKind::Newline, start, "\n");
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (llvm::isAlpha(c) || c == '_') {
      while (i < n && (llvm::isAlnum(text[i]) || text[i] == '_'))
        ++i;
      std::string word = text.substr(start, i - start);
      TokenKind kind = llvm::StringSwitch<TokenKind>(word)
                           .Case("block", TokenKind::KwBlock)
                           .Case("import", TokenKind::KwImport)
                           .Case("input", TokenKind::KwInput)
                           .Case("output", TokenKind::KwOutput)
                           .Case("if", TokenKind::KwIf)
                           .Case("else", TokenKind::KwElse)
                           .Case("true", TokenKind::KwTrue)
                           .Case("false", TokenKind::KwFalse)
                           .Case("and", TokenKind::KwAnd)
                           .Case("or", TokenKind::KwOr)
                           .Case("not", TokenKind::KwNot)
                           .Default(TokenKind::Identifier);
      push(kind, start, word);
      continue;
    }
    if (llvm::isDigit(c) || (c == '.' && i + 1 < n && llvm::isDigit(text[i + 1]))) {
      bool isFloat = false;
      while (i < n && llvm::isDigit(text[i]))
        ++i;
      if (i < n && text[i] == '.') {
        isFloat = true;
        ++i;
        while (i < n && llvm::isDigit(text[i]))
          ++i;
      }
      if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (text[j] == '+' || text[j] == '-'))
          ++j;
        if (j < n && llvm::isDigit(text[j])) {
          isFloat = true;
          i = j;
          while (i < n && llvm::isDigit(text[i]))
            ++i;
        }
      }
      if (i < n && (llvm::isAlpha(text[i]) || text[i] == '_')) {
        while (i < n && (llvm::isAlnum(text[i]) || text[i] == '_'))
          ++i;
        return sources.error(SourceRange{fileIndex, start, i - start},
                             "malformed number '" + text.substr(start, i - start) + "'",
                             "digits, optionally with a fraction and exponent (3, 0.5, 1e-4)");
      }
      push(isFloat ? TokenKind::Float : TokenKind::Integer, start, text.substr(start, i - start));
      continue;
    }
    if (c == '"') {
      ++i;
      while (i < n && text[i] != '"' && text[i] != '\n')
        ++i;
      if (i >= n || text[i] != '"')
        return sources.error(SourceRange{fileIndex, start, i - start}, "unterminated string",
                             "a closing '\"' on the same line");
      ++i;
      push(TokenKind::String, start, text.substr(start + 1, i - start - 2));
      continue;
    }
    auto two = [&](char second) { return i + 1 < n && text[i + 1] == second; };
    TokenKind kind;
    size_t width = 1;
    switch (c) {
    case '(': kind = TokenKind::LParen; ++depth; break;
    case ')': kind = TokenKind::RParen; depth = std::max(0, depth - 1); break;
    case '[': kind = TokenKind::LBracket; ++depth; break;
    case ']': kind = TokenKind::RBracket; depth = std::max(0, depth - 1); break;
    case '{': kind = TokenKind::LBrace; break;
    case '}': kind = TokenKind::RBrace; break;
    case ',': kind = TokenKind::Comma; break;
    case ':': kind = TokenKind::Colon; break;
    case ';': kind = TokenKind::Semicolon; break;
    case '+': kind = TokenKind::Plus; break;
    case '*': kind = TokenKind::Star; break;
    case '/':
      kind = two('/') ? TokenKind::SlashSlash : TokenKind::Slash;
      width = two('/') ? 2 : 1;
      break;
    case '%': kind = TokenKind::Percent; break;
    case '-':
      kind = two('>') ? TokenKind::Arrow : TokenKind::Minus;
      width = two('>') ? 2 : 1;
      break;
    case '=':
      kind = two('=') ? TokenKind::Eq : TokenKind::Assign;
      width = two('=') ? 2 : 1;
      break;
    case '<':
      kind = two('=') ? TokenKind::Le : TokenKind::Lt;
      width = two('=') ? 2 : 1;
      break;
    case '>':
      kind = two('=') ? TokenKind::Ge : TokenKind::Gt;
      width = two('=') ? 2 : 1;
      break;
    case '!':
      if (!two('='))
        return sources.error(SourceRange{fileIndex, start, 1}, "unexpected character '!'",
                             "'!=' or 'not'");
      kind = TokenKind::Ne;
      width = 2;
      break;
    default: {
      std::string shown = llvm::isPrint(c) ? std::string(1, c)
                                           : "\\x" + llvm::utohexstr(static_cast<uint8_t>(c));
      return sources.error(SourceRange{fileIndex, start, 1},
                           "unexpected character '" + shown + "'",
                           "a name, a number, a string or punctuation");
    }
    }
    i += width;
    push(kind, start, text.substr(start, width));
  }
  size_t end = n;
  tokens.push_back(Token{TokenKind::Newline, "\n", SourceRange{fileIndex, end, 0}});
  tokens.push_back(Token{TokenKind::End, "", SourceRange{fileIndex, end, 0}});
  return success();
}

} // namespace cvc::dsl
