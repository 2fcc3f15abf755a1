//===- Parser.cpp - .cvm tokens -> syntax tree --------------------------===//
//
// A recursive-descent parser over the grammar in docs/cvm.md. It stops at the
// first error: one precise message beats a cascade of guesses.
//
//===----------------------------------------------------------------------===//
#include "Parser.h"

using namespace mlir;

namespace cvc::dsl {
namespace {

class Parser {
public:
  Parser(const SourceSet &sources, std::vector<Token> tokens)
      : sources(sources), tokens(std::move(tokens)) {}

  LogicalResult parseProgram(Program &program) {
    while (true) {
      skipTerminators();
      const Token &t = peek();
      if (t.kind == TokenKind::End)
        return success();
      if (t.kind == TokenKind::KwImport && !keywordAsName()) {
        next();
        const Token &path = peek();
        if (path.kind != TokenKind::String)
          return unexpected("a file name in quotes after 'import'");
        program.imports.push_back(Import{path.text, path.range});
        next();
        if (failed(endOfStatement()))
          return failure();
        continue;
      }
      if (t.kind == TokenKind::KwBlock && !keywordAsName()) {
        program.blocks.emplace_back();
        if (failed(parseBlock(program.blocks.back())))
          return failure();
        continue;
      }
      if (t.kind == TokenKind::RBrace)
        return sources.error(t.range, "unmatched '}'", "a statement, 'block' or 'import'");
      program.statements.emplace_back();
      if (failed(parseStatement(program.statements.back())))
        return failure();
    }
  }

private:
  const SourceSet &sources;
  std::vector<Token> tokens;
  size_t pos = 0;

  const Token &peek(size_t ahead = 0) const {
    return tokens[std::min(pos + ahead, tokens.size() - 1)];
  }
  const Token &next() {
    const Token &t = tokens[pos];
    if (pos + 1 < tokens.size())
      ++pos;
    return t;
  }
  bool accept(TokenKind kind) {
    if (peek().kind != kind)
      return false;
    next();
    return true;
  }
  /// An integer token's value; an error at it (naming it as `what`) past 18
  /// digits, where std::stoll would throw.
  FailureOr<int64_t> integerValue(const Token &t, llvm::StringRef what) const {
    if (t.text.size() > 18) {
      (void)sources.error(t.range, what.str() + " '" + t.text + "' is too large");
      return failure();
    }
    return std::stoll(t.text);
  }

  LogicalResult unexpected(const llvm::Twine &expected) const {
    const Token &t = peek();
    std::string found = t.kind == TokenKind::Newline || t.kind == TokenKind::End
                            ? describe(t.kind)
                            : "'" + t.text + "'";
    if (t.kind == TokenKind::String)
      found = "\"" + t.text + "\"";
    return sources.error(t.range, "syntax error: unexpected " + found, expected);
  }
  LogicalResult expect(TokenKind kind, const llvm::Twine &context) {
    if (accept(kind))
      return success();
    return unexpected(llvm::Twine(describe(kind)) + " " + context);
  }
  void skipTerminators() {
    while (peek().kind == TokenKind::Newline || peek().kind == TokenKind::Semicolon)
      next();
  }
  /// A statement ends at a newline, ';' or a block's closing '}'.
  LogicalResult endOfStatement() {
    if (peek().kind == TokenKind::RBrace || peek().kind == TokenKind::End)
      return success();
    if (accept(TokenKind::Newline) || accept(TokenKind::Semicolon))
      return success();
    return unexpected("the end of the statement (a new line or ';')");
  }
  SourceRange span(const SourceRange &from) const {
    const SourceRange &last = tokens[pos > 0 ? pos - 1 : 0].range;
    SourceRange r = from;
    if (last.file == from.file && last.offset + last.length > from.offset)
      r.length = last.offset + last.length - from.offset;
    return r;
  }

  LogicalResult parseBlock(BlockDef &block) {
    next(); // 'block'
    const Token &name = peek();
    if (name.kind != TokenKind::Identifier)
      return unexpected("the block's name after 'block'");
    block.name = name.text;
    block.range = name.range;
    next();
    if (failed(expect(TokenKind::LParen, "after the block's name (its parameters)")))
      return failure();
    if (!accept(TokenKind::RParen)) {
      do {
        const Token &p = peek();
        if (p.kind != TokenKind::Identifier)
          return unexpected("a parameter name");
        Param param{p.text, p.range, nullptr};
        next();
        if (accept(TokenKind::Assign) && failed(parseExpr(param.defaultValue)))
          return failure();
        block.params.push_back(std::move(param));
      } while (accept(TokenKind::Comma));
      if (failed(expect(TokenKind::RParen, "to close the parameter list")))
        return failure();
    }
    const Token &open = peek();
    if (open.kind != TokenKind::LBrace)
      return unexpected("'{' to open the block's body");
    SourceRange openRange = open.range;
    next();
    while (true) {
      skipTerminators();
      const Token &t = peek();
      if (t.kind == TokenKind::RBrace) {
        block.bodyEnd = t.range;
        next();
        return endOfStatement();
      }
      if (t.kind == TokenKind::End)
        return sources.error(openRange, "unterminated block '" + block.name +
                                            "': this '{' has no matching '}'",
                             "'}' before the end of the file");
      if ((t.kind == TokenKind::KwBlock || t.kind == TokenKind::KwImport) && !keywordAsName())
        return sources.error(t.range, "'" + t.text + "' inside block '" + block.name +
                                          "' (is a '}' missing above?)",
                             "blocks and imports at the top level only");
      block.body.emplace_back();
      if (failed(parseStatement(block.body.back())))
        return failure();
    }
  }

  LogicalResult parseStatement(Statement &s) {
    const Token &first = peek();
    s.range = first.range;
    if (first.kind == TokenKind::KwInput && !keywordAsName()) {
      s.kind = Statement::Kind::Input;
      next();
      const Token &name = peek();
      if (name.kind != TokenKind::Identifier)
        return unexpected("the input's name after 'input'");
      s.name = name.text;
      s.nameRange = name.range;
      next();
      if (failed(expect(TokenKind::Colon, "after the input's name")) ||
          failed(expect(TokenKind::LBracket, "to open the input's shape, e.g. [N, 3, 224, 224]")))
        return failure();
      do {
        const Token &d = peek();
        if (d.kind == TokenKind::Integer) {
          FailureOr<int64_t> extent = integerValue(d, "dimension");
          if (failed(extent))
            return failure();
          s.dims.push_back(Dim{d.range, "", *extent});
        } else if (d.kind == TokenKind::Identifier) {
          s.dims.push_back(Dim{d.range, d.text, 0});
        } else {
          return unexpected("a dimension: an integer, or a name for the symbolic batch");
        }
        next();
      } while (accept(TokenKind::Comma));
      if (failed(expect(TokenKind::RBracket, "to close the input's shape")))
        return failure();
      s.range = span(s.range);
      return endOfStatement();
    }
    if (first.kind == TokenKind::KwOutput && !keywordAsName()) {
      s.kind = Statement::Kind::Output;
      next();
      if (peek().kind == TokenKind::Identifier) {
        s.name = peek().text;
        s.nameRange = peek().range;
        next();
      }
      if (accept(TokenKind::LParen) && failed(parseArgs(s.args)))
        return failure();
      s.range = span(s.range);
      return endOfStatement();
    }
    if (isName(first) && peek(1).kind == TokenKind::Assign) {
      s.name = first.text;
      s.nameRange = first.range;
      next();
      next();
    } else if (isName(first) && peek(1).kind == TokenKind::Star &&
               peek(2).kind == TokenKind::Assign) {
      s.name = first.text;
      s.nameRange = first.range;
      s.countedName = true;
      next();
      next();
      next();
    }
    if (failed(parseChain(s.chain)))
      return failure();
    // A long conditional may break before 'if' and before 'else'.
    auto continuesWith = [&](TokenKind kind) {
      if (peek().kind == TokenKind::Newline && peek(1).kind == kind)
        next();
      return accept(kind);
    };
    if (continuesWith(TokenKind::KwIf)) {
      if (failed(parseExpr(s.condition)))
        return failure();
      if (!continuesWith(TokenKind::KwElse) &&
          failed(expect(TokenKind::KwElse, "after the condition: 'chain if condition else chain'")))
        return failure();
      if (failed(parseChain(s.otherwise)))
        return failure();
    }
    s.range = span(s.range);
    return endOfStatement();
  }

  /// True when the chain goes on: '->' here, or at the start of the next line.
  bool continuesChain() {
    if (peek().kind == TokenKind::Newline && peek(1).kind == TokenKind::Arrow)
      next();
    return accept(TokenKind::Arrow);
  }

  LogicalResult parseChain(Chain &chain) {
    chain.range = peek().range;
    do {
      while (peek().kind == TokenKind::Newline)
        next();
      chain.steps.emplace_back();
      if (failed(parseStep(chain.steps.back())))
        return failure();
    } while (continuesChain());
    chain.range = span(chain.range);
    return success();
  }

  LogicalResult parseStep(Step &step) {
    const Token &t = peek();
    step.range = t.range;
    if (t.kind == TokenKind::LParen) {
      step.kind = Step::Kind::Group;
      next();
      Chain inner;
      if (failed(parseChain(inner)))
        return failure();
      step.group = std::move(inner.steps);
      if (failed(expect(TokenKind::RParen, "to close the group of steps")))
        return failure();
    } else if (isName(t)) {
      step.callee = t.text;
      next();
      if (accept(TokenKind::LParen)) {
        step.hasParens = true;
        if (failed(parseArgs(step.args)))
          return failure();
      }
    } else {
      return unexpected("a layer (e.g. conv(64, 3)), a block, a value name or '('");
    }
    if (accept(TokenKind::Star)) {
      if (failed(parsePrimary(step.repeat)))
        return failure();
    }
    step.range = span(step.range);
    return success();
  }

  /// Arguments after '(' up to and including ')'.
  LogicalResult parseArgs(std::vector<Arg> &args) {
    if (accept(TokenKind::RParen))
      return success();
    do {
      Arg arg;
      if (peek().kind == TokenKind::Identifier && peek(1).kind == TokenKind::Assign) {
        arg.name = peek().text;
        arg.nameRange = peek().range;
        next();
        next();
      }
      if (failed(parseExpr(arg.value)))
        return failure();
      args.push_back(std::move(arg));
    } while (accept(TokenKind::Comma));
    return expect(TokenKind::RParen, "to close the argument list");
  }

  /// True when the statement keyword in front is a name instead: `block =`,
  /// `block* =` or `block -> ...` (a chain from the value named block).
  bool keywordAsName() {
    TokenKind after = peek(1).kind;
    return after == TokenKind::Assign || after == TokenKind::Arrow ||
           (after == TokenKind::Star && peek(2).kind == TokenKind::Assign);
  }

  /// An identifier, or a keyword that only begins a statement of its own
  /// (block, import, input, output) where a name must be: PyTorch modules
  /// use them (torchvision's MBConv.block), and layer names must match.
  static bool isName(const Token &t) {
    switch (t.kind) {
    case TokenKind::Identifier: case TokenKind::KwBlock: case TokenKind::KwImport:
    case TokenKind::KwInput: case TokenKind::KwOutput:
      return true;
    default:
      return false;
    }
  }

  // Expressions, loosest first: or, and, comparison, + -, * / // %, unary, primary.
  LogicalResult parseExpr(std::unique_ptr<Expr> &out) { return parseBinary(out, 0); }

  static int precedence(TokenKind kind) {
    switch (kind) {
    case TokenKind::KwOr: return 1;
    case TokenKind::KwAnd: return 2;
    case TokenKind::Eq: case TokenKind::Ne: case TokenKind::Lt: case TokenKind::Le:
    case TokenKind::Gt: case TokenKind::Ge: return 3;
    case TokenKind::Plus: case TokenKind::Minus: return 4;
    case TokenKind::Star: case TokenKind::Slash: case TokenKind::SlashSlash:
    case TokenKind::Percent: return 5;
    default: return -1;
    }
  }

  LogicalResult parseBinary(std::unique_ptr<Expr> &out, int minPrecedence) {
    if (failed(parseUnary(out)))
      return failure();
    while (true) {
      int p = precedence(peek().kind);
      if (p < 0 || p < minPrecedence)
        return success();
      const Token &op = next();
      auto binary = std::make_unique<Expr>();
      binary->kind = Expr::Kind::Binary;
      binary->text = op.text;
      binary->range = out->range;
      binary->items.push_back(std::move(out));
      std::unique_ptr<Expr> rhs;
      if (failed(parseBinary(rhs, p + 1)))
        return failure();
      binary->items.push_back(std::move(rhs));
      binary->range = span(binary->range);
      out = std::move(binary);
    }
  }

  LogicalResult parseUnary(std::unique_ptr<Expr> &out) {
    if (peek().kind == TokenKind::Minus || peek().kind == TokenKind::KwNot) {
      const Token &op = next();
      auto unary = std::make_unique<Expr>();
      unary->kind = Expr::Kind::Unary;
      unary->text = op.text;
      unary->range = op.range;
      std::unique_ptr<Expr> operand;
      if (failed(parseUnary(operand)))
        return failure();
      unary->items.push_back(std::move(operand));
      unary->range = span(unary->range);
      out = std::move(unary);
      return success();
    }
    return parsePrimary(out);
  }

  LogicalResult parsePrimary(std::unique_ptr<Expr> &out) {
    const Token &t = peek();
    auto e = std::make_unique<Expr>();
    e->range = t.range;
    if (isName(t)) { // the statement keywords are names here too
      e->kind = Expr::Kind::Name;
      e->text = t.text;
      next();
      out = std::move(e);
      return success();
    }
    switch (t.kind) {
    case TokenKind::Integer:
    {
      e->kind = Expr::Kind::Integer;
      FailureOr<int64_t> value = integerValue(t, "integer");
      if (failed(value))
        return failure();
      e->integer = *value;
      break;
    }
    case TokenKind::Float:
      e->kind = Expr::Kind::Float;
      e->number = std::strtod(t.text.c_str(), nullptr);
      break;
    case TokenKind::KwTrue:
    case TokenKind::KwFalse:
      e->kind = Expr::Kind::Bool;
      e->boolean = t.kind == TokenKind::KwTrue;
      break;
    case TokenKind::String:
      e->kind = Expr::Kind::String;
      e->text = t.text;
      break;

    case TokenKind::LBracket: {
      next();
      e->kind = Expr::Kind::List;
      if (!accept(TokenKind::RBracket)) {
        do {
          std::unique_ptr<Expr> item;
          if (failed(parseExpr(item)))
            return failure();
          e->items.push_back(std::move(item));
        } while (accept(TokenKind::Comma));
        if (failed(expect(TokenKind::RBracket, "to close the list")))
          return failure();
      }
      e->range = span(e->range);
      out = std::move(e);
      return success();
    }
    case TokenKind::LParen: {
      next();
      if (failed(parseExpr(out)) || failed(expect(TokenKind::RParen, "to close '('")))
        return failure();
      return success();
    }
    default:
      return unexpected("a value: a number, true/false, a name, a string or a list [a, b]");
    }
    next();
    out = std::move(e);
    return success();
  }
};

} // namespace

LogicalResult parse(const SourceSet &sources, int fileIndex, Program &program) {
  std::vector<Token> tokens;
  if (failed(lex(sources, fileIndex, tokens)))
    return failure();
  return Parser(sources, std::move(tokens)).parseProgram(program);
}

} // namespace cvc::dsl
