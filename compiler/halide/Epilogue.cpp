//===- Epilogue.cpp - activations and a layer's fused epilogue ----------===//
#include "Epilogue.h"
#include "VectorMath.h"

#include <cmath>

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
  case cv::Activation::hard_sigmoid:
    return Halide::clamp(args[0] * x + args[1], 0.0f, 1.0f);
  case cv::Activation::hard_swish:
    return x * Halide::clamp(x * (1.0f / 6.0f) + 0.5f, 0.0f, 1.0f);
  case cv::Activation::swish:
    return vectorSwish(x);
  case cv::Activation::gelu:
    return 0.5f * x * (1.0f + Halide::erf(x * static_cast<float>(M_SQRT1_2)));
  case cv::Activation::mish: {
    // tanh(softplus(x)) = ((1 + e^x)^2 - 1) / ((1 + e^x)^2 + 1), exact in
    // floats while e^x is far from overflow; large x gives 1.
    Expr e = vectorExp(Halide::min(x, 20.0f));
    Expr s = (1.0f + e) * (1.0f + e);
    return x * Halide::select(x > 20.0f, 1.0f, (s - 1.0f) / (s + 1.0f));
  }
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
