//===- Builder.cpp - .cvm syntax tree -> cv ops -------------------------===//
//
// Statements run in order inside a frame (the top level, or one block
// instance). Each chain starts from the frame's current value, or from a
// named value when its first step is that name; `name = chain` names the
// result and scopes the chain's layer names under `name`. Every error stops
// the build at the offending text: names and arities are checked before the
// layer runs, shapes as each op is created.
//
//===----------------------------------------------------------------------===//
#include "Builder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <set>

using namespace mlir;

namespace cvc::dsl {

std::string describe(const ArgValue &value) {
  switch (value.kind) {
  case ArgValue::Kind::Int: return "an integer";
  case ArgValue::Kind::Float: return "a number";
  case ArgValue::Kind::Bool: return "a boolean";
  case ArgValue::Kind::String: return "a string";
  case ArgValue::Kind::List: return "a list";
  case ArgValue::Kind::Tensor: return "a value ('" + value.text + "')";
  }
  return "a value";
}

namespace {

/// The closest of `candidates` to `name`, for "did you mean" hints.
std::string closest(llvm::StringRef name, const std::vector<std::string> &candidates) {
  std::string best;
  unsigned bestDistance = std::max<unsigned>(2, name.size() / 3) + 1;
  for (const std::string &c : candidates) {
    unsigned d = name.edit_distance(c, true, bestDistance);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

/// A parameter as the binder sees it: a built-in layer's (typed) or a
/// block's (any non-value argument, maybe with a default).
struct Formal {
  std::string name;
  std::optional<ParamType> type;
  bool required;
  const Expr *defaultValue = nullptr;
};

struct Output {
  Value value;
  std::string name;
  std::optional<double> auxWeight;
};

class ModelBuilder {
public:
  ModelBuilder(BuildState &state, ModuleOp module) : state(state), module(module) {}

  LogicalResult build(const Program &main, const std::vector<const Program *> &imported,
                      const std::map<std::string, std::vector<int64_t>> &inputShapes);

private:
  /// The top level or one block instance.
  struct Frame {
    std::string prefix; ///< prepended to layer names: "" or "layer1.0."
    std::map<std::string, ArgValue> params;
    std::map<std::string, Value> values;
    std::map<std::string, SourceRange> definedAt;
    Value current;
    int nextIndex = 0; ///< names the next unnamed layer
    const BlockDef *block = nullptr;
  };

  BuildState &state;
  ModuleOp module;
  std::map<std::string, const BlockDef *> blocks;
  std::vector<const BlockDef *> instantiating; ///< the block call stack, for recursion
  std::vector<Output> outputs;
  std::map<std::string, std::pair<Value, SourceRange>> inputs;

  const SourceSet &sources() const { return state.sources; }
  LogicalResult error(SourceRange at, const llvm::Twine &message,
                      const llvm::Twine &expected = "") const {
    return sources().error(at, message, expected);
  }
  std::string where(SourceRange range) const {
    auto [line, column] = sources().lineColumn(range);
    return sources().file(range.file).path + ":" + std::to_string(line) + ":" +
           std::to_string(column);
  }

  LogicalResult collectBlocks(const Program &program);
  LogicalResult declareInputs(const Program &main, func::FuncOp func,
                              const std::map<std::string, std::vector<int64_t>> &inputShapes);
  LogicalResult buildStatement(const Statement &s, Frame &frame);
  LogicalResult buildOutput(const Statement &s, Frame &frame);
  /// Layers of a named chain are name.0, name.1, ... (or name when it has
  /// one), and name1, name2, ... when `counted`.
  FailureOr<Value> buildChain(const Chain &chain, Frame &frame, const std::string &name,
                              bool counted = false);
  LogicalResult flatten(const Step &step, Frame &frame, std::vector<const Step *> &flat);
  FailureOr<Value> applyStep(const Step &step, const std::string &label, Value input,
                             Frame &frame);
  FailureOr<Value> applyBlock(const Step &step, const BlockDef &block, const std::string &label,
                              Value input, Frame &frame);
  LogicalResult bindArgs(const Step &step, const std::vector<Formal> &formals, Frame &frame,
                         std::map<std::string, ArgValue> &bound, std::vector<ArgValue> *values);
  LogicalResult checkType(const ArgValue &value, ParamType type, const std::string &what);
  FailureOr<ArgValue> eval(const Expr &e, const Frame &frame);
  LogicalResult defineValue(Frame &frame, const std::string &name, SourceRange range, Value v);
};

LogicalResult ModelBuilder::collectBlocks(const Program &program) {
  for (const BlockDef &block : program.blocks) {
    if (auto it = blocks.find(block.name); it != blocks.end())
      return error(block.range, "duplicate name: block '" + block.name +
                                    "' is already defined at " + where(it->second->range));
    if (layerTable().count(block.name))
      return error(block.range, "duplicate name: block '" + block.name +
                                    "' has the name of a built-in layer",
                   "another name");
    std::set<std::string> seen;
    for (const Param &p : block.params)
      if (!seen.insert(p.name).second)
        return error(p.range, "duplicate name: block '" + block.name + "' has two parameters '" +
                                  p.name + "'");
    blocks[block.name] = &block;
  }
  return success();
}

LogicalResult
ModelBuilder::declareInputs(const Program &main, func::FuncOp func,
                            const std::map<std::string, std::vector<int64_t>> &inputShapes) {
  OpBuilder &b = state.builder;
  std::set<std::string> overridden;
  for (const Statement &s : main.statements) {
    if (s.kind != Statement::Kind::Input)
      continue;
    if (inputs.count(s.name))
      return error(s.nameRange, "duplicate name: input '" + s.name + "' is declared twice");
    SmallVector<int64_t> dims;
    for (auto [i, d] : llvm::enumerate(s.dims)) {
      if (!d.symbol.empty() && i != 0)
        return error(d.range, "shape error: only the batch (first) dimension may be symbolic",
                     "an integer extent");
      if (d.symbol.empty() && d.extent < 1)
        return error(d.range, "shape error: extents must be positive");
      dims.push_back(d.symbol.empty() ? d.extent : ShapedType::kDynamic);
    }
    if (auto it = inputShapes.find(s.name); it != inputShapes.end()) {
      overridden.insert(s.name);
      bool agrees = it->second.size() == dims.size();
      for (size_t i = 0; agrees && i < dims.size(); ++i)
        agrees = ShapedType::isDynamic(dims[i]) || dims[i] == it->second[i];
      if (!agrees)
        return error(s.range, "--input-shape for '" + s.name + "' contradicts the declared shape");
      dims.assign(it->second.begin(), it->second.end());
    }
    auto type = RankedTensorType::get(dims, b.getF32Type());
    func.insertArgument(func.getNumArguments(), type,
                        b.getDictionaryAttr(b.getNamedAttr("cv.name", b.getStringAttr(s.name))),
                        sources().location(s.nameRange));
    inputs[s.name] = {func.getArgument(func.getNumArguments() - 1), s.nameRange};
  }
  for (const auto &[name, shape] : inputShapes)
    if (!overridden.count(name))
      return emitError(module.getLoc())
             << "--input-shape names '" << name << "', which is not a model input";
  return success();
}

LogicalResult ModelBuilder::defineValue(Frame &frame, const std::string &name, SourceRange range,
                                        Value v) {
  if (auto it = frame.definedAt.find(name); it != frame.definedAt.end())
    return error(range, "duplicate name: '" + name + "' is already defined at " +
                            where(it->second),
                 "a name not used before in this " + std::string(frame.block ? "block" : "model"));
  frame.values[name] = v;
  frame.definedAt[name] = range;
  return success();
}

LogicalResult ModelBuilder::build(const Program &main, const std::vector<const Program *> &imported,
                                  const std::map<std::string, std::vector<int64_t>> &inputShapes) {
  for (const Program *p : imported)
    if (failed(collectBlocks(*p)))
      return failure();
  if (failed(collectBlocks(main)))
    return failure();

  OpBuilder &b = state.builder;
  b.setInsertionPointToEnd(module.getBody());
  auto func = b.create<func::FuncOp>(module.getLoc(), "main", b.getFunctionType({}, {}));
  Block *entry = func.addEntryBlock();
  if (failed(declareInputs(main, func, inputShapes)))
    return failure();
  SourceRange endOfFile{-1, 0, 0};
  if (!main.statements.empty()) {
    endOfFile = main.statements.back().range;
    endOfFile.offset += endOfFile.length;
    endOfFile.length = 0;
  }
  if (inputs.empty())
    return error(main.statements.empty() ? endOfFile : main.statements.front().range,
                 "missing input: the model declares no input",
                 "'input x: [N, 3, 224, 224]' before the layers");

  b.setInsertionPointToEnd(entry);
  Frame top;
  for (const Statement &s : main.statements)
    if (failed(buildStatement(s, top)))
      return failure();
  if (outputs.empty())
    return error(endOfFile, "missing output: the model has no 'output' statement",
                 "'output NAME' (or 'output' for the last layer's value) after the layers");
  if (llvm::all_of(outputs, [](const Output &o) { return o.auxWeight.has_value(); }))
    return error(endOfFile, "missing output: every output is auxiliary (training-only)",
                 "at least one 'output' without 'aux'");

  SmallVector<Value> results;
  for (const Output &o : outputs)
    results.push_back(o.value);
  b.create<func::ReturnOp>(module.getLoc(), results);
  func.setFunctionType(b.getFunctionType(func.getArgumentTypes(), ValueRange(results).getTypes()));
  for (auto [i, o] : llvm::enumerate(outputs)) {
    func.setResultAttr(i, "cv.name", b.getStringAttr(o.name));
    if (o.auxWeight)
      func.setResultAttr(i, "cv.aux_loss_weight",
                         b.getF32FloatAttr(static_cast<float>(*o.auxWeight)));
  }
  return success();
}

LogicalResult ModelBuilder::buildOutput(const Statement &s, Frame &frame) {
  if (frame.block)
    return error(s.range, "'output' inside block '" + frame.block->name + "'",
                 "outputs at the top level; a block's result is its last value");
  Output out;
  if (s.name.empty()) {
    out.value = frame.current;
    out.name = "output";
  } else {
    auto it = frame.values.find(s.name);
    if (it == frame.values.end()) {
      std::vector<std::string> names;
      for (const auto &[n, v] : frame.values)
        names.push_back(n);
      std::string hint = closest(s.name, names);
      return error(s.nameRange, "undefined name '" + s.name + "'",
                   hint.empty() ? "a value defined above ('name = ...')"
                                : llvm::Twine("a value defined above; did you mean '") + hint +
                                      "'?");
    }
    out.value = it->second;
    out.name = s.name;
  }
  if (!out.value)
    return error(s.range, "'output' before any layer", "layers before the output");
  for (const Arg &arg : s.args) {
    if (arg.name != "aux")
      return error(arg.name.empty() ? arg.value->range : arg.nameRange,
                   "unknown output option", "'aux=WEIGHT' (a training-only output)");
    auto value = eval(*arg.value, frame);
    if (failed(value))
      return failure();
    if (value->kind != ArgValue::Kind::Int && value->kind != ArgValue::Kind::Float)
      return error(arg.value->range, "bad argument type: 'aux' must be a number, got " +
                                         describe(*value));
    out.auxWeight = value->kind == ArgValue::Kind::Int ? value->integer : value->number;
  }
  for (const Output &o : outputs)
    if (o.name == out.name)
      return error(s.range, "duplicate name: output '" + out.name + "' is declared twice");
  outputs.push_back(out);
  return success();
}

LogicalResult ModelBuilder::buildStatement(const Statement &s, Frame &frame) {
  switch (s.kind) {
  case Statement::Kind::Input:
    if (frame.block)
      return error(s.range, "'input' inside block '" + frame.block->name + "'",
                   "inputs at the top level; a block's input is 'in'");
    frame.current = inputs[s.name].first;
    return defineValue(frame, s.name, s.nameRange, frame.current);
  case Statement::Kind::Output:
    return buildOutput(s, frame);
  case Statement::Kind::Layers:
    break;
  }
  if (!s.name.empty() && frame.definedAt.count(s.name))
    return defineValue(frame, s.name, s.nameRange, Value());
  const Chain *chain = &s.chain;
  if (s.condition) {
    auto condition = eval(*s.condition, frame);
    if (failed(condition))
      return failure();
    if (condition->kind != ArgValue::Kind::Bool)
      return error(s.condition->range, "bad argument type: the condition is " +
                                           describe(*condition),
                   "true or false");
    if (!condition->boolean)
      chain = &s.otherwise;
  }
  auto result = buildChain(*chain, frame, s.name, s.countedName);
  if (failed(result))
    return failure();
  frame.current = *result;
  if (!s.name.empty())
    return defineValue(frame, s.name, s.nameRange, *result);
  return success();
}

LogicalResult ModelBuilder::flatten(const Step &step, Frame &frame,
                                    std::vector<const Step *> &flat) {
  int64_t times = 1;
  if (step.repeat) {
    auto count = eval(*step.repeat, frame);
    if (failed(count))
      return failure();
    if (count->kind != ArgValue::Kind::Int)
      return error(step.repeat->range, "bad argument type: a repeat count must be an integer, got " +
                                           describe(*count));
    // 0 is allowed: a block repeating its first layer `n - 1` times, with n = 1.
    if (count->integer < 0 || count->integer > 10000)
      return error(step.repeat->range, "bad argument: repeat count " +
                                           std::to_string(count->integer),
                   "a count from 0 to 10000");
    times = count->integer;
  }
  for (int64_t i = 0; i < times; ++i) {
    if (step.kind == Step::Kind::Call) {
      flat.push_back(&step);
      continue;
    }
    for (const Step &inner : step.group)
      if (failed(flatten(inner, frame, flat)))
        return failure();
  }
  return success();
}

FailureOr<Value> ModelBuilder::buildChain(const Chain &chain, Frame &frame,
                                          const std::string &name, bool counted) {
  Value value = frame.current;
  auto steps = llvm::ArrayRef(chain.steps);
  const Step &first = steps.front();
  if (first.kind == Step::Kind::Call && !first.hasParens && !first.repeat &&
      frame.values.count(first.callee)) {
    value = frame.values[first.callee];
    steps = steps.drop_front();
  }
  std::vector<const Step *> flat;
  for (const Step &step : steps)
    if (failed(flatten(step, frame, flat)))
      return failure();
  for (auto [i, step] : llvm::enumerate(flat)) {
    std::string label = frame.prefix;
    if (name.empty())
      label += std::to_string(frame.nextIndex++);
    else if (counted)
      label += name + std::to_string(i + 1);
    else
      label += flat.size() == 1 ? name : name + "." + std::to_string(i);
    auto next = applyStep(*step, label, value, frame);
    if (failed(next))
      return failure();
    value = *next;
  }
  if (!value)
    return error(chain.range, "this chain has no value: no layer (a repeat count of 0?) and "
                              "nothing before it",
                 "a layer after 'input x: [N, C, H, W]', or a named value first");
  return value;
}

FailureOr<Value> ModelBuilder::applyStep(const Step &step, const std::string &label, Value input,
                                         Frame &frame) {
  auto layer = layerTable().find(step.callee);
  if (layer != layerTable().end()) {
    const LayerDef &def = layer->second;
    if (!input && !def.takesValues)
      return error(step.range, "'" + step.callee + "' has no input",
                   "'input x: [N, C, H, W]' before the first layer");
    std::vector<Formal> formals;
    for (const ParamSpec &p : def.params)
      formals.push_back(Formal{p.name, p.type, p.required});
    LayerCall call(state, step.callee, label, step.range, def.takesValues ? Value() : input);
    if (failed(bindArgs(step, formals, frame, call.args, def.takesValues ? &call.values : nullptr)))
      return failure();
    return def.build(call);
  }
  if (auto block = blocks.find(step.callee); block != blocks.end())
    return applyBlock(step, *block->second, label, input, frame);
  if (frame.values.count(step.callee))
    return error(step.range, "'" + step.callee + "' is a value, not a layer",
                 llvm::Twine("a value only at the start of a chain ('") + step.callee +
                     " -> ...') or as an argument of add, concat or mul");
  std::vector<std::string> known;
  for (const auto &[n, d] : layerTable())
    known.push_back(n);
  for (const auto &[n, d] : blocks)
    known.push_back(n);
  std::string hint = closest(step.callee, known);
  std::string names;
  for (const auto &[n, d] : layerTable())
    names += (names.empty() ? "" : ", ") + n;
  return error(step.range, "unknown layer '" + step.callee + "'",
               hint.empty() ? "a built-in layer (" + names + ") or a block defined with 'block'"
                            : "a layer or block; did you mean '" + hint + "'?");
}

FailureOr<Value> ModelBuilder::applyBlock(const Step &step, const BlockDef &block,
                                          const std::string &label, Value input, Frame &frame) {
  if (llvm::is_contained(instantiating, &block)) {
    std::string cycle;
    for (const BlockDef *b : instantiating)
      cycle += b->name + " -> ";
    return error(step.range, "recursion: block '" + block.name + "' uses itself (" + cycle +
                                 block.name + ")",
                 "blocks that do not call themselves; repeat with 'step * n'");
  }
  if (!input)
    return error(step.range, "block '" + block.name + "' has no input",
                 "'input x: [N, C, H, W]' before the first layer");
  std::vector<Formal> formals;
  for (const Param &p : block.params)
    formals.push_back(Formal{p.name, std::nullopt, p.defaultValue == nullptr,
                             p.defaultValue.get()});
  Frame inner;
  if (failed(bindArgs(step, formals, frame, inner.params, nullptr)))
    return failure();
  // The input's channel count, for parameters computed from it (DenseNet's
  // growth, an inverted residual's expansion); a parameter of that name wins,
  // given or defaulted.
  bool declared = llvm::any_of(block.params, [](const Param &p) { return p.name == "in_channels"; });
  if (auto type = llvm::dyn_cast<RankedTensorType>(input.getType());
      type && type.getRank() >= 2 && !type.isDynamicDim(1) && !declared) {
    ArgValue channels;
    channels.kind = ArgValue::Kind::Int;
    channels.integer = type.getDimSize(1);
    channels.range = block.range;
    inner.params["in_channels"] = channels;
  }
  // Defaults are evaluated in the block, so they may use earlier parameters.
  for (const Formal &f : formals)
    if (!inner.params.count(f.name)) {
      auto value = eval(*f.defaultValue, inner);
      if (failed(value))
        return failure();
      inner.params[f.name] = *value;
    }
  inner.prefix = label + ".";
  inner.current = input;
  inner.values["in"] = input;
  inner.definedAt["in"] = block.range;
  inner.block = &block;
  instantiating.push_back(&block);
  for (const Statement &s : block.body)
    if (failed(buildStatement(s, inner))) {
      instantiating.pop_back();
      return failure();
    }
  instantiating.pop_back();
  return inner.current;
}

LogicalResult ModelBuilder::checkType(const ArgValue &value, ParamType type,
                                      const std::string &what) {
  auto isInt = [](const ArgValue &v) { return v.kind == ArgValue::Kind::Int; };
  auto isIntList = [&](size_t a, size_t b) {
    return value.kind == ArgValue::Kind::List &&
           (value.list.size() == a || value.list.size() == b) && llvm::all_of(value.list, isInt);
  };
  const char *expected = nullptr;
  switch (type) {
  case ParamType::Int:
    if (!isInt(value))
      expected = "an integer";
    break;
  case ParamType::Float:
    if (!isInt(value) && value.kind != ArgValue::Kind::Float)
      expected = "a number";
    break;
  case ParamType::Bool:
    if (value.kind != ArgValue::Kind::Bool)
      expected = "true or false";
    break;
  case ParamType::IntPair:
    if (!isInt(value) && !isIntList(2, 2))
      expected = "an integer or a pair [h, w]";
    break;
  case ParamType::Pads:
    if (!isInt(value) && !isIntList(2, 4))
      expected = "an integer, [h, w] or [top, left, bottom, right]";
    break;
  case ParamType::String:
    if (value.kind != ArgValue::Kind::String)
      expected = "a string in double quotes";
    break;
  }
  if (!expected)
    return success();
  return error(value.range, "bad argument type: " + what + " is " + describe(value), expected);
}

LogicalResult ModelBuilder::bindArgs(const Step &step, const std::vector<Formal> &formals,
                                     Frame &frame, std::map<std::string, ArgValue> &bound,
                                     std::vector<ArgValue> *values) {
  const std::string &callee = step.callee;
  auto formalNames = [&] {
    std::string names;
    for (const Formal &f : formals)
      names += (names.empty() ? "'" : ", '") + f.name + "'";
    return names.empty() ? std::string("no parameters") : "parameters " + names;
  };
  size_t positional = 0;
  for (const Arg &arg : step.args) {
    auto value = eval(*arg.value, frame);
    if (failed(value))
      return failure();
    if (arg.name.empty() && values) {
      if (value->kind != ArgValue::Kind::Tensor)
        return error(arg.value->range, "bad argument type: " + callee + " takes named values, got " +
                                           describe(*value),
                     "names of values defined above ('name = ...')");
      values->push_back(*value);
      continue;
    }
    if (value->kind == ArgValue::Kind::Tensor)
      return error(arg.value->range, "bad argument type: '" + value->text + "' is a value",
                   llvm::Twine("a number, boolean, string or list for ") + callee +
                       (values ? "" : "; values flow in through the chain"));
    const Formal *formal = nullptr;
    if (arg.name.empty()) {
      if (positional >= formals.size())
        return error(arg.value->range, "wrong number of arguments: " + callee + " takes " +
                                           std::to_string(formals.size()) + " argument" +
                                           (formals.size() == 1 ? "" : "s") + " (" +
                                           formalNames() + "), got more");
      formal = &formals[positional++];
    } else {
      auto it = llvm::find_if(formals, [&](const Formal &f) { return f.name == arg.name; });
      if (it == formals.end())
        return error(arg.nameRange, "unknown parameter '" + arg.name + "' of " + callee,
                     formalNames());
      formal = &*it;
    }
    if (bound.count(formal->name))
      return error(arg.name.empty() ? arg.value->range : arg.nameRange,
                   "duplicate argument: " + callee + "'s '" + formal->name + "' is given twice");
    if (formal->type && failed(checkType(*value, *formal->type,
                                         callee + "'s '" + formal->name + "'")))
      return failure();
    if (formal->type == ParamType::Float && value->kind == ArgValue::Kind::Int) {
      value->kind = ArgValue::Kind::Float;
      value->number = static_cast<double>(value->integer);
    }
    bound[formal->name] = *value;
  }
  for (const Formal &f : formals)
    if (f.required && !bound.count(f.name))
      return error(step.range, "wrong number of arguments: " + callee + " needs '" + f.name + "'",
                   callee + "(" + [&] {
                     std::string list;
                     for (const Formal &g : formals)
                       if (g.required)
                         list += (list.empty() ? "" : ", ") + g.name;
                     return list;
                   }() + ", ...)");
  if (values && values->size() < 2)
    return error(step.range, "wrong number of arguments: " + callee + " needs two or more values, got " +
                                 std::to_string(values->size()),
                 callee + "(a, b, ...) with names of values defined above");
  return success();
}

FailureOr<ArgValue> ModelBuilder::eval(const Expr &e, const Frame &frame) {
  ArgValue v;
  v.range = e.range;
  switch (e.kind) {
  case Expr::Kind::Integer:
    v.kind = ArgValue::Kind::Int;
    v.integer = e.integer;
    return v;
  case Expr::Kind::Float:
    v.kind = ArgValue::Kind::Float;
    v.number = e.number;
    return v;
  case Expr::Kind::Bool:
    v.kind = ArgValue::Kind::Bool;
    v.boolean = e.boolean;
    return v;
  case Expr::Kind::String:
    v.kind = ArgValue::Kind::String;
    v.text = e.text;
    return v;
  case Expr::Kind::Name: {
    if (auto it = frame.params.find(e.text); it != frame.params.end()) {
      ArgValue found = it->second;
      found.range = e.range;
      return found;
    }
    if (auto it = frame.values.find(e.text); it != frame.values.end()) {
      v.kind = ArgValue::Kind::Tensor;
      v.tensor = it->second;
      v.text = e.text;
      return v;
    }
    std::vector<std::string> names;
    for (const auto &[n, p] : frame.params)
      names.push_back(n);
    for (const auto &[n, t] : frame.values)
      names.push_back(n);
    std::string hint = closest(e.text, names);
    return error(e.range, "undefined name '" + e.text + "'",
                 hint.empty() ? std::string("a parameter of the block or a value defined above")
                              : "a parameter or value; did you mean '" + hint + "'?");
  }
  case Expr::Kind::List:
    v.kind = ArgValue::Kind::List;
    for (const auto &item : e.items) {
      auto x = eval(*item, frame);
      if (failed(x))
        return failure();
      v.list.push_back(*x);
    }
    return v;
  case Expr::Kind::Unary: {
    auto x = eval(*e.items[0], frame);
    if (failed(x))
      return failure();
    if (e.text == "not") {
      if (x->kind != ArgValue::Kind::Bool)
        return error(e.items[0]->range, "bad argument type: 'not' of " + describe(*x),
                     "true or false");
      v.kind = ArgValue::Kind::Bool;
      v.boolean = !x->boolean;
      return v;
    }
    if (x->kind == ArgValue::Kind::Int) {
      v.kind = ArgValue::Kind::Int;
      v.integer = -x->integer;
    } else if (x->kind == ArgValue::Kind::Float) {
      v.kind = ArgValue::Kind::Float;
      v.number = -x->number;
    } else {
      return error(e.items[0]->range, "bad argument type: '-' of " + describe(*x), "a number");
    }
    return v;
  }
  case Expr::Kind::Binary:
    break;
  }
  auto lhs = eval(*e.items[0], frame);
  if (failed(lhs))
    return failure();
  auto rhs = eval(*e.items[1], frame);
  if (failed(rhs))
    return failure();
  const std::string &op = e.text;
  if (op == "and" || op == "or") {
    for (const ArgValue *x : {&*lhs, &*rhs})
      if (x->kind != ArgValue::Kind::Bool)
        return error(x->range, "bad argument type: '" + op + "' of " + describe(*x),
                     "true or false");
    v.kind = ArgValue::Kind::Bool;
    v.boolean = op == "and" ? lhs->boolean && rhs->boolean : lhs->boolean || rhs->boolean;
    return v;
  }
  bool numeric = true;
  for (const ArgValue *x : {&*lhs, &*rhs})
    numeric &= x->kind == ArgValue::Kind::Int || x->kind == ArgValue::Kind::Float;
  if (!numeric && (op == "==" || op == "!=") && lhs->kind == rhs->kind &&
      (lhs->kind == ArgValue::Kind::Bool || lhs->kind == ArgValue::Kind::String)) {
    bool equal = lhs->kind == ArgValue::Kind::Bool ? lhs->boolean == rhs->boolean
                                                   : lhs->text == rhs->text;
    v.kind = ArgValue::Kind::Bool;
    v.boolean = (op == "==") == equal;
    return v;
  }
  if (!numeric) {
    const ArgValue &bad =
        lhs->kind == ArgValue::Kind::Int || lhs->kind == ArgValue::Kind::Float ? *rhs : *lhs;
    return error(bad.range, "bad argument type: '" + op + "' of " + describe(bad), "a number");
  }
  bool ints = lhs->kind == ArgValue::Kind::Int && rhs->kind == ArgValue::Kind::Int;
  double a = lhs->kind == ArgValue::Kind::Int ? lhs->integer : lhs->number;
  double b = rhs->kind == ArgValue::Kind::Int ? rhs->integer : rhs->number;
  if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
    v.kind = ArgValue::Kind::Bool;
    v.boolean = op == "==" ? a == b : op == "!=" ? a != b : op == "<" ? a < b
              : op == "<=" ? a <= b : op == ">" ? a > b : a >= b;
    return v;
  }
  if ((op == "/" || op == "//" || op == "%") && b == 0)
    return error(e.items[1]->range, "division by zero");
  if ((op == "//" || op == "%") && !ints)
    return error(e.range, "bad argument type: '" + op + "' needs integers");
  if (ints && op != "/") {
    // Integers from a file: every result checked, so that no expression
    // overflows (or traps, as INT64_MIN // -1 would).
    int64_t x = lhs->integer, y = rhs->integer, r = 0;
    bool overflow = false;
    if (op == "+")
      overflow = __builtin_add_overflow(x, y, &r);
    else if (op == "-")
      overflow = __builtin_sub_overflow(x, y, &r);
    else if (op == "*")
      overflow = __builtin_mul_overflow(x, y, &r);
    else if (x == INT64_MIN && y == -1)
      overflow = op == "//";
    else {
      // Floor division and its remainder, as Python's: -7 // 2 is -4 and
      // -7 % 2 is 1, so that (a // b) * b + a % b == a.
      int64_t q = x / y, m = x % y;
      bool adjust = m != 0 && (m < 0) != (y < 0);
      r = op == "//" ? (adjust ? q - 1 : q) : (adjust ? m + y : m);
    }
    if (overflow)
      return error(e.range, "integer overflow: '" + op + "' of " + std::to_string(x) + " and " +
                                std::to_string(y));
    v.kind = ArgValue::Kind::Int;
    v.integer = r;
    return v;
  }
  if (ints && !(lhs->integer == INT64_MIN && rhs->integer == -1) &&
      lhs->integer % rhs->integer == 0) {
    v.kind = ArgValue::Kind::Int;
    v.integer = lhs->integer / rhs->integer;
    return v;
  }
  v.kind = ArgValue::Kind::Float;
  v.number = op == "+" ? a + b : op == "-" ? a - b : op == "*" ? a * b : a / b;
  return v;
}

} // namespace

LogicalResult buildModel(BuildState &state, ModuleOp module, const Program &main,
                         const std::vector<const Program *> &imported,
                         const std::map<std::string, std::vector<int64_t>> &inputShapes) {
  return ModelBuilder(state, module).build(main, imported, inputShapes);
}

} // namespace cvc::dsl
