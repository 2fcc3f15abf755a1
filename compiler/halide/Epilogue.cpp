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

Expr applyEpilogue(cv::EpilogueOpInterface layer, Expr acc, const std::vector<Expr> &index,
                   KernelBuilder &kernel) {
  if (layer.getResidual())
    acc += kernel.input(layer.getResidual(), "residual")(index);
  return applyActivation(layer.getActivation(), layer.getActivationArgs(), acc);
}

} // namespace cvc::halide
