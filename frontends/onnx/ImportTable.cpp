//===- ImportTable.cpp - ONNX op type -> import function ----------------===//
#include "ImportContext.h"

namespace cvc::onnx_frontend {

const std::map<std::string, ImportFn> &importTable() {
  static const std::map<std::string, ImportFn> table = [] {
    std::map<std::string, ImportFn> t;
    addConvImports(t);
    addPoolImports(t);
    addElementwiseImports(t);
    addDenseImports(t);
    addShapeImports(t);
    addNormalizationImports(t);
    addReduceImports(t);
    addConstantImports(t);
    return t;
  }();
  return table;
}

} // namespace cvc::onnx_frontend
