//===- Dense.cpp - Gemm and MatMul as fully connected layers ------------===//
//
// cv.fully_connected takes its weight as [out, in] (PyTorch's Linear layout),
// so Gemm without transB and MatMul get their constant weight transposed
// once here, and Gemm's alpha/beta are folded into the constant copies.
//
//===----------------------------------------------------------------------===//
#include "ExportContext.h"
#include "OpTable.h"
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

/// The weight and bias keep their initialisers' names when they are those
/// tensors unchanged, so that trained weights map back to the ONNX file;
/// a transposed or scaled copy is named after the node.
LogicalResult emitDense(ImportContext &ic, Value x, const FloatConstant &weight,
                        const std::optional<FloatConstant> &bias, bool weightUnchanged,
                        bool biasUnchanged) {
  std::string base = ic.node->name().empty() ? ic.node->output(0) : ic.node->name();
  Value w = ic.makeConstant(weight, weightUnchanged ? ic.node->input(1) : base + ".weight");
  Value b = bias ? ic.makeConstant(*bias, biasUnchanged ? ic.node->input(2) : base + ".bias")
                 : Value();
  return ic.bind(0, ic.create<cv::FullyConnectedOp>(x, w, b, /*residual=*/Value()));
}

/// Adds beta * C (any broadcastable C, constant or computed) to y.
LogicalResult addGemmC(ImportContext &ic, Value y, float beta, const std::string &base) {
  auto c = ic.input(2);
  if (failed(c))
    return failure();
  if (beta != 1.0f)
    c = ic.create<cv::MulOp>(*c, ic.makeConstant(FloatConstant{{1}, {beta}}, base + ".beta"));
  if (failed(c))
    return failure();
  return ic.bind(0, ic.create<cv::AddOp>(y, *c));
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

/// A scalar constant for scaling computed operands.
Value scalarConstant(ImportContext &ic, float value, llvm::StringRef name) {
  return ic.makeConstant(FloatConstant{{1}, {value}}, name);
}

/// y = alpha * A' * B' + beta * C. With a constant B (the usual case) alpha,
/// beta and a broadcast C fold into the fully connected layer's constants;
/// otherwise transposes, scalings and the addition are separate ops.
LogicalResult importGemm(ImportContext &ic) {
  if (failed(ic.checkAttrs({"alpha", "beta", "transA", "transB", "broadcast"})))
    return failure();
  auto a = matrixInput(ic);
  if (failed(a))
    return failure();
  OpBuilder &b = ic.builder;
  auto transposed = [&](Value v) {
    return ic.create<cv::TransposeOp>(v, b.getDenseI64ArrayAttr({1, 0}));
  };
  if (ic.intAttr("transA", 0)) {
    a = transposed(*a);
    if (failed(a))
      return failure();
  }
  std::string base = ic.node->name().empty() ? ic.node->output(0) : ic.node->name();
  float alpha = ic.floatAttr("alpha", 1.0f), beta = ic.floatAttr("beta", 1.0f);
  bool transB = ic.intAttr("transB", 0) != 0;
  auto B = ic.floatConstant(1);
  auto C = ic.hasInput(2) ? ic.floatConstant(2) : std::nullopt;
  if (B && B->shape.size() == 2) {
    FloatConstant weight = transB ? *B : transpose2d(*B);
    if (alpha != 1.0f)
      for (float &v : weight.data)
        v *= alpha;
    int64_t m = weight.shape[0];
    bool foldBias = !ic.hasInput(2) ||
                    (C && (C->data.size() == 1 ||
                           (static_cast<int64_t>(C->data.size()) == m &&
                            (C->shape.size() == 1 || (C->shape.size() == 2 && C->shape[0] == 1)))));
    if (foldBias) {
      std::optional<FloatConstant> bias;
      if (C) {
        bias = FloatConstant{{m}, std::vector<float>(m)};
        for (int64_t j = 0; j < m; ++j)
          bias->data[j] = beta * C->data[C->data.size() == 1 ? 0 : j];
      }
      bool biasUnchanged = C && beta == 1.0f && C->shape.size() == 1 &&
                           static_cast<int64_t>(C->data.size()) == m;
      return emitDense(ic, *a, weight, bias, transB && alpha == 1.0f, biasUnchanged);
    }
    auto y = ic.create<cv::FullyConnectedOp>(*a, ic.makeConstant(weight, base + ".weight"), Value(),
                                                  Value());
    if (failed(y))
      return failure();
    return addGemmC(ic, *y, beta, base);
  }
  auto w = ic.input(1);
  if (failed(w))
    return failure();
  if (!transB)
    w = transposed(*w);
  if (failed(w))
    return failure();
  FailureOr<Value> y = ic.create<cv::FullyConnectedOp>(*a, *w, Value(), Value());
  if (succeeded(y) && alpha != 1.0f)
    y = ic.create<cv::MulOp>(*y, scalarConstant(ic, alpha, base + ".alpha"));
  if (failed(y))
    return failure();
  if (!ic.hasInput(2))
    return ic.bind(0, y);
  return addGemmC(ic, *y, beta, base);
}

LogicalResult importMatMul(ImportContext &ic) {
  if (failed(ic.checkAttrs({})))
    return failure();
  // Batched (either operand of rank 3 or more): cv.batch_matmul, whose
  // batch dimensions broadcast.
  {
    auto lhs = ic.input(0), rhs = ic.input(1);
    if (failed(lhs) || failed(rhs))
      return failure();
    int64_t lr = llvm::cast<RankedTensorType>(lhs->getType()).getRank();
    int64_t rr = llvm::cast<RankedTensorType>(rhs->getType()).getRank();
    if (lr < 2 || rr < 2)
      return ic.fail("a vector (rank-1) operand is not supported");
    if (lr > 2 || rr > 2)
      return ic.bind(0, ic.create<cv::BatchMatMulOp>(*lhs, *rhs));
  }
  auto a = matrixInput(ic);
  if (failed(a))
    return failure();
  auto B = ic.floatConstant(1);
  if (B && B->shape.size() == 2)
    return emitDense(ic, *a, transpose2d(*B), std::nullopt, false, false);
  // A computed right operand [K, M] becomes the [M, K] weight by a transpose.
  auto b = ic.input(1);
  if (failed(b))
    return failure();
  if (llvm::cast<RankedTensorType>(b->getType()).getRank() != 2)
    return ic.fail("a right operand of rank other than 2 is not supported");
  auto w = ic.create<cv::TransposeOp>(*b, ic.builder.getDenseI64ArrayAttr({1, 0}));
  if (failed(w))
    return failure();
  return ic.bind(0, ic.create<cv::FullyConnectedOp>(*a, *w, Value(), Value()));
}

} // namespace

namespace {

LogicalResult exportFullyConnected(ExportContext &ex) {
  auto fc = llvm::cast<cv::FullyConnectedOp>(ex.op);
  if (failed(checkPlainLayer(ex, fc)))
    return failure();
  setInt(ex.node(), "transB", 1);
  return success();
}

} // namespace

void addDenseOps(OnnxOpTable &t) {
  // cv.fully_connected's weight is [out, in]: Gemm with transB.
  t.maps<cv::FullyConnectedOp>("Gemm", importGemm, exportFullyConnected);
  t.maps<cv::BatchMatMulOp>("MatMul", importMatMul, exportPlain);
}

} // namespace cvc::onnx_frontend
