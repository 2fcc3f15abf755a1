//===- Optimizers.cpp - SGD with momentum, Adam, AdamW ------------------===//
//
// The updates follow PyTorch's definitions exactly, so that a step can be
// checked against torch.optim. Adam's bias corrections depend on the step
// count t, a [1] input: the step computes (on [1] tensors) the corrected
// step size lr * sqrt(1 - b2^t) / (1 - b1^t) and epsilon * sqrt(1 - b2^t),
// which makes  w -= step * m / (sqrt(v) + eps_t)  equal to PyTorch's
// w -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps).
// Every update is elementwise over the flat [1, P] state: a few passes over
// memory per step whatever the number of layers.
//
//===----------------------------------------------------------------------===//
#include "Optimizers.h"
#include "Gradients.h"

using namespace mlir;

namespace cvc::autodiff {
namespace {

Value mul(OpBuilder &b, Location loc, Value x, Value y) { return b.create<cv::MulOp>(loc, x, y); }
Value add(OpBuilder &b, Location loc, Value x, Value y) { return b.create<cv::AddOp>(loc, x, y); }
Value sub(OpBuilder &b, Location loc, Value x, Value y) { return b.create<cv::SubOp>(loc, x, y); }

} // namespace

std::vector<std::string> optimizerScalarNames(const TrainingOptions &options) {
  if (options.optimizer == Optimizer::Sgd)
    return {"learning_rate"};
  return {"learning_rate", "step"};
}

std::vector<std::string> optimizerSlotNames(const TrainingOptions &options) {
  if (options.optimizer == Optimizer::Sgd)
    return options.momentum != 0.0f ? std::vector<std::string>{"momentum"}
                                    : std::vector<std::string>{};
  return {"adam_m", "adam_v"};
}

OptimizerUpdate emitOptimizerUpdate(OpBuilder &b, Location loc, const TrainingOptions &options,
                                    Value w, Value g, ValueRange scalars, ValueRange slots) {
  OptimizerUpdate update;
  Value lr = scalars[0];
  bool decoupled = options.optimizer == Optimizer::AdamW;
  if (options.weightDecay != 0.0f && !decoupled)
    g = add(b, loc, g, mul(b, loc, w, splat(b, loc, options.weightDecay)));
  if (options.optimizer == Optimizer::Sgd) {
    Value step = g;
    if (options.momentum != 0.0f) {
      step = add(b, loc, mul(b, loc, slots[0], splat(b, loc, options.momentum)), g);
      update.slots.push_back(step);
    }
    update.parameters = sub(b, loc, w, mul(b, loc, lr, step));
    return update;
  }
  if (decoupled && options.weightDecay != 0.0f)
    w = sub(b, loc, w, mul(b, loc, w, mul(b, loc, lr, splat(b, loc, options.weightDecay))));
  Value m = add(b, loc, mul(b, loc, slots[0], splat(b, loc, options.beta1)),
                mul(b, loc, g, splat(b, loc, 1.0f - options.beta1)));
  Value v = add(b, loc, mul(b, loc, slots[1], splat(b, loc, options.beta2)),
                mul(b, loc, mul(b, loc, g, g), splat(b, loc, 1.0f - options.beta2)));
  Value t = scalars[1], one = splat(b, loc, 1.0f);
  Value bc1 = sub(b, loc, one, b.create<cv::PowOp>(loc, splat(b, loc, options.beta1), t));
  Value rootBc2 = b.create<cv::SqrtOp>(
      loc, sub(b, loc, one, b.create<cv::PowOp>(loc, splat(b, loc, options.beta2), t)));
  Value stepSize = b.create<cv::DivOp>(loc, mul(b, loc, lr, rootBc2), bc1);
  Value epsilon = mul(b, loc, splat(b, loc, options.epsilon), rootBc2);
  Value denominator = add(b, loc, b.create<cv::SqrtOp>(loc, v), epsilon);
  Value step = mul(b, loc, stepSize, b.create<cv::DivOp>(loc, m, denominator));
  update.parameters = sub(b, loc, w, step);
  update.slots = {m, v};
  return update;
}

} // namespace cvc::autodiff
