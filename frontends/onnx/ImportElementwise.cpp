//===- ImportElementwise.cpp - activations and arithmetic ---------------===//
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

template <typename OpT> LogicalResult importBinary(ImportContext &ic) {
  // Opsets < 7 had explicit `broadcast`/`axis`; 7+ broadcast like numpy.
  if (failed(ic.checkAttrs({})))
    return failure();
  auto a = ic.input(0);
  auto b = ic.input(1);
  if (failed(a) || failed(b))
    return failure();
  return ic.bind(0, ic.create<OpT>(*a, *b));
}

/// Sum of any number of operands, as a chain of adds.
LogicalResult importSum(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  auto total = ic.input(0);
  for (int i = 1; succeeded(total) && i < ic.node->input_size(); ++i) {
    auto next = ic.input(i);
    if (failed(next))
      return failure();
    total = ic.create<cv::AddOp>(*total, *next);
  }
  return ic.bind(0, total);
}

} // namespace

void addElementwiseImports(std::map<std::string, ImportFn> &table) {
  table["Relu"] = importUnary<cv::ReluOp>;
  table["Tanh"] = importUnary<cv::TanhOp>;
  table["Sigmoid"] = importUnary<cv::SigmoidOp>;
  table["Add"] = importBinary<cv::AddOp>;
  table["Sub"] = importBinary<cv::SubOp>;
  table["Mul"] = importBinary<cv::MulOp>;
  table["Div"] = importBinary<cv::DivOp>;
  table["Sum"] = importSum;
}

} // namespace cvc::onnx_frontend
