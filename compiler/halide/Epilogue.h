//===- Epilogue.h - activations and a layer's fused epilogue ----*- C++ -*-===//
#ifndef CVC_HALIDE_EPILOGUE_H
#define CVC_HALIDE_EPILOGUE_H

#include "Family.h"

namespace cvc::halide {

/// `kind` applied to `x`; args as documented for the cv layers' epilogue.
Halide::Expr applyActivation(cv::Activation kind, llvm::ArrayRef<float> args, Halide::Expr x);

/// activation(acc + residual) for a convolution or fully connected layer;
/// the residual, when the layer has one, becomes the kernel's next input
/// (its operand order) and is read at `index`.
Halide::Expr applyEpilogue(cv::EpilogueOpInterface layer, Halide::Expr acc,
                           const std::vector<Halide::Expr> &index, KernelBuilder &kernel);

} // namespace cvc::halide

#endif // CVC_HALIDE_EPILOGUE_H
