//===- ImportElementwise.cpp - Relu, Tanh, Sigmoid, Add -----------------===//
#include "ImportContext.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

template <typename OpT> LogicalResult importUnary(ImportContext &ic) {
  // Opsets before 6 carried `consumed_inputs`; nothing else is allowed.
  if (failed(ic.checkAttrs({})))
    return failure();
  auto x = ic.input(0);
  if (failed(x))
    return failure();
  return ic.bind(0, ic.create<OpT>(*x));
}

LogicalResult importAdd(ImportContext &ic) {
  // Opsets < 7 had explicit `broadcast`/`axis`; 7+ broadcast like numpy.
  if (failed(ic.checkAttrs({})))
    return failure();
  auto a = ic.input(0);
  auto b = ic.input(1);
  if (failed(a) || failed(b))
    return failure();
  return ic.bind(0, ic.create<cv::AddOp>(*a, *b));
}

} // namespace

void addElementwiseImports(std::map<std::string, ImportFn> &table) {
  table["Relu"] = importUnary<cv::ReluOp>;
  table["Tanh"] = importUnary<cv::TanhOp>;
  table["Sigmoid"] = importUnary<cv::SigmoidOp>;
  table["Add"] = importAdd;
}

} // namespace cvc::onnx_frontend
