//===- ElementwiseGradients.cpp - activations and arithmetic ------------===//
//
// Activations differentiate from their result (cv.activation_backward), the
// value a fused layer keeps. Binary ops sum their gradient back over the
// dimensions broadcasting expanded. Batch-norm in training mode is built
// from these ops, so its gradient comes from these rules.
//
//===----------------------------------------------------------------------===//
#include "Gradients.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;

namespace cvc::autodiff {
namespace {

template <typename OpT> Value binary(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return b.create<OpT>(loc, lhs, rhs);
}

LogicalResult binaryGradients(Operation *op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                              OperandGradients &grads) {
  Location loc = op->getLoc();
  Value lhs = op->getOperand(0), rhs = op->getOperand(1), y = op->getResult(0);
  Value dl, dr;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](cv::AddOp) {
        dl = dy;
        dr = dy;
      })
      .Case([&](cv::SubOp) {
        dl = dy;
        if (wanted[1])
          dr = b.create<cv::NegOp>(loc, dy);
      })
      .Case([&](cv::MulOp) {
        if (wanted[0])
          dl = binary<cv::MulOp>(b, loc, dy, rhs);
        if (wanted[1])
          dr = binary<cv::MulOp>(b, loc, dy, lhs);
      })
      .Case([&](cv::DivOp) {
        // d(l / r) = dy / r, and -dy * y / r for the divisor.
        if (wanted[0])
          dl = binary<cv::DivOp>(b, loc, dy, rhs);
        if (wanted[1])
          dr = b.create<cv::NegOp>(
              loc, binary<cv::DivOp>(b, loc, binary<cv::MulOp>(b, loc, dy, y), rhs));
      });
  if (wanted[0])
    grads[0] = sumToType(b, loc, dl, tensorType(lhs));
  if (wanted[1])
    grads[1] = sumToType(b, loc, dr, tensorType(rhs));
  return success();
}

/// relu, tanh, sigmoid, clip and leaky_relu: from the result, as the
/// epilogue of a fused layer computes it.
LogicalResult activationGradients(Operation *op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                                  OperandGradients &grads) {
  if (!wanted[0])
    return success();
  auto activation = cv::activationOf(op);
  grads[0] = b.create<cv::ActivationBackwardOp>(
      op->getLoc(), op->getResult(0), dy,
      cv::ActivationAttr::get(b.getContext(), activation->first),
      b.getDenseF32ArrayAttr(activation->second));
  return success();
}

LogicalResult unaryGradients(Operation *op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                             OperandGradients &grads) {
  if (!wanted[0])
    return success();
  Location loc = op->getLoc();
  Value x = op->getOperand(0), y = op->getResult(0);
  grads[0] =
      llvm::TypeSwitch<Operation *, Value>(op)
          .Case([&](cv::NegOp) { return b.create<cv::NegOp>(loc, dy); })
          .Case([&](cv::ExpOp) { return binary<cv::MulOp>(b, loc, dy, y); })
          .Case([&](cv::LogOp) { return binary<cv::DivOp>(b, loc, dy, x); })
          // d sqrt(x) = dy / (2 sqrt(x)).
          .Case([&](cv::SqrtOp) {
            return binary<cv::MulOp>(b, loc, binary<cv::DivOp>(b, loc, dy, y),
                                     splat(b, loc, 0.5f));
          })
          // d (1 / x) = -dy / x² = -dy y².
          .Case([&](cv::ReciprocalOp) {
            return b.create<cv::NegOp>(
                loc, binary<cv::MulOp>(b, loc, dy, binary<cv::MulOp>(b, loc, y, y)));
          });
  return success();
}

/// y = x h(x) with h = hard_sigmoid(x; 1/6, 1/2): dx = dy h + dy x h', where
/// h' is 1/6 where h is strictly between 0 and 1 and 0 elsewhere, which is
/// what the backward of clip to [0, 1] selects from h.
LogicalResult hardSwishGradients(cv::HardSwishOp op, OpBuilder &b, Value dy,
                                 ArrayRef<bool> wanted, OperandGradients &grads) {
  if (!wanted[0])
    return success();
  Location loc = op.getLoc();
  Value x = op.getInput();
  Value h = b.create<cv::HardSigmoidOp>(loc, x, b.getF32FloatAttr(1.0f / 6.0f),
                                        b.getF32FloatAttr(0.5f));
  Value slope = binary<cv::MulOp>(b, loc, binary<cv::MulOp>(b, loc, dy, x),
                                  splat(b, loc, 1.0f / 6.0f));
  Value inside = b.create<cv::ActivationBackwardOp>(
      loc, h, slope, cv::ActivationAttr::get(b.getContext(), cv::Activation::clip),
      b.getDenseF32ArrayAttr({0.0f, 1.0f}));
  grads[0] = binary<cv::AddOp>(b, loc, binary<cv::MulOp>(b, loc, dy, h), inside);
  return success();
}

/// y = x s with s = sigmoid(x): dx = dy (s + x s (1 - s)) = dy (s + y (1 - s)).
LogicalResult swishGradients(cv::SwishOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                             OperandGradients &grads) {
  if (!wanted[0])
    return success();
  Location loc = op.getLoc();
  Value x = op.getInput(), y = op.getOutput();
  Value s = b.create<cv::SigmoidOp>(loc, x.getType(), x);
  Value oneMinusS = binary<cv::SubOp>(b, loc, splat(b, loc, 1.0f), s);
  Value slope = binary<cv::AddOp>(b, loc, s, binary<cv::MulOp>(b, loc, y, oneMinusS));
  grads[0] = binary<cv::MulOp>(b, loc, dy, slope);
  return success();
}

/// d erf(x) = 2/sqrt(pi) e^(-x^2) dy.
LogicalResult erfGradients(cv::ErfOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                           OperandGradients &grads) {
  if (!wanted[0])
    return success();
  Location loc = op.getLoc();
  Value x = op.getInput();
  Value gauss = b.create<cv::ExpOp>(
      loc, b.create<cv::NegOp>(loc, binary<cv::MulOp>(b, loc, x, x)).getResult());
  grads[0] = binary<cv::MulOp>(b, loc, dy,
                               binary<cv::MulOp>(b, loc, gauss,
                                                 splat(b, loc, 2.0f / std::sqrt(M_PI))));
  return success();
}

/// y = x Phi(x): dx = dy (Phi(x) + x phi(x)), Phi(x) = (1 + erf(x / sqrt 2)) / 2,
/// phi(x) = e^(-x^2 / 2) / sqrt(2 pi).
LogicalResult geluGradients(cv::GeluOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                            OperandGradients &grads) {
  if (!wanted[0])
    return success();
  Location loc = op.getLoc();
  Value x = op.getInput();
  Value erf = b.create<cv::ErfOp>(loc, binary<cv::MulOp>(b, loc, x, splat(b, loc, M_SQRT1_2)))
                  .getResult();
  Value cdf = binary<cv::MulOp>(b, loc, binary<cv::AddOp>(b, loc, erf, splat(b, loc, 1.0f)),
                                splat(b, loc, 0.5f));
  Value halfSquare = binary<cv::MulOp>(b, loc, binary<cv::MulOp>(b, loc, x, x),
                                       splat(b, loc, -0.5f));
  Value pdf = binary<cv::MulOp>(b, loc, b.create<cv::ExpOp>(loc, halfSquare).getResult(),
                                splat(b, loc, 1.0f / std::sqrt(2.0f * M_PI)));
  grads[0] = binary<cv::MulOp>(b, loc, dy,
                               binary<cv::AddOp>(b, loc, cdf, binary<cv::MulOp>(b, loc, x, pdf)));
  return success();
}

/// y = x t with t = tanh(softplus(x)): dx = dy (t + x (1 - t^2) sigmoid(x)).
LogicalResult mishGradients(cv::MishOp op, OpBuilder &b, Value dy, ArrayRef<bool> wanted,
                            OperandGradients &grads) {
  if (!wanted[0])
    return success();
  Location loc = op.getLoc();
  Value x = op.getInput();
  Value t = b.create<cv::TanhOp>(loc, b.create<cv::SoftplusOp>(loc, x).getResult()).getResult();
  Value sech2 = binary<cv::SubOp>(b, loc, splat(b, loc, 1.0f), binary<cv::MulOp>(b, loc, t, t));
  Value sigmoid = b.create<cv::SigmoidOp>(loc, x).getResult();
  Value slope = binary<cv::AddOp>(
      b, loc, t, binary<cv::MulOp>(b, loc, x, binary<cv::MulOp>(b, loc, sech2, sigmoid)));
  grads[0] = binary<cv::MulOp>(b, loc, dy, slope);
  return success();
}

} // namespace

void registerElementwiseGradients(DialectRegistry &registry) {
  addGradientExtension(registry, [](MLIRContext &ctx) {
    attachGradients<binaryGradients, cv::AddOp, cv::SubOp, cv::MulOp, cv::DivOp>(ctx);
    attachGradients<activationGradients, cv::ReluOp, cv::TanhOp, cv::SigmoidOp, cv::ClipOp,
                    cv::LeakyReluOp>(ctx);
    attachGradients<unaryGradients, cv::NegOp, cv::ExpOp, cv::LogOp, cv::SqrtOp,
                    cv::ReciprocalOp>(ctx);
    attachGradients<hardSwishGradients, cv::HardSwishOp>(ctx);
    attachGradients<swishGradients, cv::SwishOp>(ctx);
    attachGradients<erfGradients, cv::ErfOp>(ctx);
    attachGradients<geluGradients, cv::GeluOp>(ctx);
    attachGradients<mishGradients, cv::MishOp>(ctx);
  });
}

} // namespace cvc::autodiff
