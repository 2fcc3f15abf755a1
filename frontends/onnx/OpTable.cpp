//===- OpTable.cpp - the one table of ONNX op types ---------------------===//
#include "OpTable.h"

#include <cassert>

namespace cvc::onnx_frontend {

OnnxOpTable &OnnxOpTable::imports(std::string type, ImportFn import) {
  return add({std::move(type), std::move(import), "", nullptr, nullptr, 13});
}

OnnxOpTable &OnnxOpTable::add(OnnxOpRule rule) {
  std::string type = rule.type;
  auto [it, inserted] = rules.emplace(type, std::move(rule));
  assert(inserted && "an ONNX op type has one entry");
  (void)inserted;
  if (!it->second.cvOp.empty())
    typesByCvOp.emplace(it->second.cvOp, type);
  return *this;
}

const OnnxOpRule *OnnxOpTable::importRule(llvm::StringRef type) const {
  auto it = rules.find(type);
  return it == rules.end() ? nullptr : &it->second;
}

const OnnxOpRule *OnnxOpTable::exportRule(mlir::Operation *op) const {
  auto [first, last] = typesByCvOp.equal_range(op->getName().getStringRef());
  for (auto it = first; it != last; ++it) {
    const OnnxOpRule &rule = rules.find(it->second)->second;
    if (!rule.exportsWhen || rule.exportsWhen(op))
      return &rule;
  }
  return nullptr;
}

const OnnxOpTable &onnxOpTable() {
  static const OnnxOpTable table = [] {
    OnnxOpTable t;
    addConstantOps(t);
    addControlOps(t);
    addConvOps(t);
    addDenseOps(t);
    addElementwiseOps(t);
    addNormalizationOps(t);
    addPoolOps(t);
    addRearrangeOps(t);
    addReduceOps(t);
    addResampleOps(t);
    addShapeOps(t);
    return t;
  }();
  return table;
}

} // namespace cvc::onnx_frontend
