//===- Epilogue.cpp - activations and a layer's fused epilogue ----------===//
#include "Epilogue.h"
#include "VectorMath.h"

namespace cvc::halide {

Expr applyActivation(cv::Activation kind, llvm::ArrayRef<float> args, Expr x) {
  switch (kind) {
  case cv::Activation::none:
    return x;
  case cv::Activation::relu:
    return Halide::max(x, 0.0f);
  case cv::Activation::clip:
    return Halide::clamp(x, args[0], args[1]);
  case cv::Activation::leaky_relu:
    return Halide::select(x >= 0.0f, x, args[0] * x);
  case cv::Activation::tanh:
    return vectorTanh(x);
  case cv::Activation::sigmoid:
    return vectorSigmoid(x);
  }
  return x;
}

template <typename LayerOp>
Expr applyEpilogue(LayerOp op, Expr acc, const std::vector<Expr> &index,
                   KernelBuilder &kernel) {
  if (op.getResidual())
    acc += kernel.input(op.getResidual(), "residual")(index);
  return applyActivation(op.getActivation(), op.getActivationArgs(), acc);
}

template Expr applyEpilogue(cv::Conv2DOp, Expr, const std::vector<Expr> &,
                            KernelBuilder &);
template Expr applyEpilogue(cv::BlockedConv2DOp, Expr, const std::vector<Expr> &,
                            KernelBuilder &);
template Expr applyEpilogue(cv::WinogradConv2DOp, Expr, const std::vector<Expr> &,
                            KernelBuilder &);
template Expr applyEpilogue(cv::MatMulOp, Expr, const std::vector<Expr> &,
                            KernelBuilder &);
template Expr applyEpilogue(cv::FullyConnectedOp, Expr, const std::vector<Expr> &,
                            KernelBuilder &);

} // namespace cvc::halide
