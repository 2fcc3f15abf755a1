//===- ImportDense.cpp - Gemm and MatMul as fully connected layers ------===//
//
// cv.fully_connected takes its weight as [out, in] (PyTorch's Linear layout),
// so Gemm without transB and MatMul get their constant weight transposed
// once here, and Gemm's alpha/beta are folded into the constant copies.
//
//===----------------------------------------------------------------------===//
#include "ImportContext.h"

using namespace mlir;

namespace cvc::onnx_frontend {
namespace {

FloatConstant transpose2d(const FloatConstant &c) {
  int64_t rows = c.shape[0], cols = c.shape[1];
  FloatConstant t{{cols, rows}, std::vector<float>(c.data.size())};
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < cols; ++k)
      t.data[k * rows + r] = c.data[r * cols + k];
  return t;
}

LogicalResult emitDense(ImportContext &ic, Value x, const FloatConstant &weight,
                        const std::optional<FloatConstant> &bias) {
  std::string base = ic.node->name().empty() ? ic.node->output(0) : ic.node->name();
  Value w = ic.makeConstant(weight, base + ".weight");
  Value b = bias ? ic.makeConstant(*bias, base + ".bias") : Value();
  return ic.bind(0, ic.create<cv::FullyConnectedOp>(x, w, b));
}

FailureOr<Value> matrixInput(ImportContext &ic) {
  auto a = ic.input(0);
  if (failed(a))
    return failure();
  if (llvm::cast<RankedTensorType>(a->getType()).getRank() != 2) {
    (void)ic.fail("a first operand of rank other than 2 is not supported");
    return failure();
  }
  return a;
}

LogicalResult importGemm(ImportContext &ic) {
  if (failed(ic.checkAttrs({"alpha", "beta", "transA", "transB", "broadcast"})))
    return failure();
  if (ic.intAttr("transA", 0) != 0)
    return ic.fail("transA = 1 is not supported");
  auto a = matrixInput(ic);
  if (failed(a))
    return failure();
  auto B = ic.floatConstant(1);
  if (!B || B->shape.size() != 2)
    return ic.fail("a B operand that is not a constant 2-D float initializer is not supported");
  FloatConstant weight = ic.intAttr("transB", 0) ? *B : transpose2d(*B);
  float alpha = ic.floatAttr("alpha", 1.0f), beta = ic.floatAttr("beta", 1.0f);
  if (alpha != 1.0f)
    for (float &v : weight.data)
      v *= alpha;
  int64_t m = weight.shape[0];
  std::optional<FloatConstant> bias;
  if (ic.hasInput(2)) {
    auto C = ic.floatConstant(2);
    if (!C)
      return ic.fail("a C operand that is not a constant float initializer is not supported");
    int64_t count = static_cast<int64_t>(C->data.size());
    bool rowVector = count == m && (C->shape.size() == 1 || (C->shape.size() == 2 && C->shape[0] == 1));
    bool scalar = count == 1;
    if (!rowVector && !scalar)
      return ic.fail("a C operand of a shape other than [M], [1, M] or a scalar is not supported");
    bias = FloatConstant{{m}, std::vector<float>(m, scalar ? C->data[0] : 0.0f)};
    for (int64_t j = 0; j < m; ++j)
      bias->data[j] = beta * (scalar ? C->data[0] : C->data[j]);
  }
  return emitDense(ic, *a, weight, bias);
}

LogicalResult importMatMul(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  auto a = matrixInput(ic);
  if (failed(a))
    return failure();
  auto B = ic.floatConstant(1);
  if (!B || B->shape.size() != 2)
    return ic.fail("a right operand that is not a constant 2-D float initializer is not supported");
  return emitDense(ic, *a, transpose2d(*B), std::nullopt);
}

} // namespace

void addDenseImports(std::map<std::string, ImportFn> &table) {
  table["Gemm"] = importGemm;
  table["MatMul"] = importMatMul;
}

} // namespace cvc::onnx_frontend
