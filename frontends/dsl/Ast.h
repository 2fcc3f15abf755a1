//===- Ast.h - the syntax tree of a .cvm program ----------------*- C++ -*-===//
//
// What the parser produces and the builder consumes: blocks, statements,
// chains of layer steps and argument expressions, each with its source range.
// The tree says nothing about shapes or meaning; names are resolved by the
// builder.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_DSL_AST_H
#define CVC_DSL_AST_H

#include "Source.h"

#include <memory>
#include <string>
#include <vector>

namespace cvc::dsl {

struct Expr {
  enum class Kind { Integer, Float, Bool, String, Name, List, Unary, Binary };
  Kind kind;
  SourceRange range;
  int64_t integer = 0;
  double number = 0.0;
  bool boolean = false;
  std::string text;                         ///< String contents, Name, or the operator
  std::vector<std::unique_ptr<Expr>> items; ///< List items, or the Unary/Binary operands
};

/// One argument of a call: positional (empty name) or `name=value`.
struct Arg {
  std::string name;
  SourceRange nameRange;
  std::unique_ptr<Expr> value;
};

/// One step of a chain: a call `name(args)` (or a bare `name`), or a
/// parenthesised group of steps; either may repeat (`step * n`).
struct Step {
  enum class Kind { Call, Group };
  Kind kind = Kind::Call;
  SourceRange range;
  std::string callee;
  bool hasParens = false;
  std::vector<Arg> args;
  std::vector<Step> group;
  std::unique_ptr<Expr> repeat; ///< null: once
};

/// `step -> step -> ...`; the builder decides whether a first bare name is
/// a value the chain starts from.
struct Chain {
  SourceRange range;
  std::vector<Step> steps;
};

struct Dim {
  SourceRange range;
  std::string symbol; ///< non-empty for a symbolic (batch) dimension
  int64_t extent = 0;
};

struct Statement {
  enum class Kind { Input, Output, Layers };
  Kind kind = Kind::Layers;
  SourceRange range;
  std::string name; ///< Layers: the value and scope name (`name = ...`); Input/Output: the value
  SourceRange nameRange;
  /// `name* = ...`: the chain's layers are named name1, name2, ... (PyTorch
  /// modules added as "name%d" % (i + 1), as DenseNet's denselayer1...).
  bool countedName = false;
  Chain chain;
  std::unique_ptr<Expr> condition; ///< `chain if condition else otherwise`
  Chain otherwise;
  std::vector<Dim> dims;  ///< Input
  std::vector<Arg> args;  ///< Output options, e.g. (aux=0.3)
};

struct Param {
  std::string name;
  SourceRange range;
  std::unique_ptr<Expr> defaultValue; ///< null: required
};

struct BlockDef {
  std::string name;
  SourceRange range;   ///< the name
  SourceRange bodyEnd; ///< the closing brace
  std::vector<Param> params;
  std::vector<Statement> body;
};

struct Import {
  std::string path;
  SourceRange range;
};

/// One file's contents.
struct Program {
  std::vector<Import> imports;
  std::vector<BlockDef> blocks;
  std::vector<Statement> statements;
};

} // namespace cvc::dsl

#endif // CVC_DSL_AST_H
