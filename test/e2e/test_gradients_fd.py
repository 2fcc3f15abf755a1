"""Every gradient rule on its own, against central finite differences.

For each op with a gradient rule, a small model puts it between two trained
layers (x -> conv2d -> OP -> fully connected -> logits), so the gradient of
the convolution's weights runs through the op's vector-Jacobian product.
The model is written in the cv dialect, compiled with `cvc --train`, and the
directional derivative of the loss (from the exported gradient) along a
direction half random, half along the gradient is compared with central
differences of the training step's own loss.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cvclib  # noqa: E402
import trainlib  # noqa: E402

BATCH = 4
# The op applied to %c : tensor<?x4x6x6xf32>, as MLIR lines producing %o, and
# %o's type without the batch. `?` stands for the batch in types.
OPS = {
    "relu": ("%o = cv.relu %c : tensor<?x4x6x6xf32>", "4x6x6"),
    "leaky_relu": ("%o = cv.leaky_relu %c {alpha = 0.1 : f32} : tensor<?x4x6x6xf32>", "4x6x6"),
    "clip": ("%o = cv.clip %c {min = -0.2 : f32, max = 0.3 : f32} : tensor<?x4x6x6xf32>", "4x6x6"),
    "tanh": ("%o = cv.tanh %c : tensor<?x4x6x6xf32>", "4x6x6"),
    "sigmoid": ("%o = cv.sigmoid %c : tensor<?x4x6x6xf32>", "4x6x6"),
    # Scaled so that the convolution's outputs reach both kinks (-3 and 3).
    "hard_swish": ("%k = cv.constant dense<6.0> : tensor<1xf32>\n"
                   "  %s = cv.mul %c, %k : (tensor<?x4x6x6xf32>, tensor<1xf32>) -> tensor<?x4x6x6xf32>\n"
                   "  %o = cv.hard_swish %s : tensor<?x4x6x6xf32>", "4x6x6"),
    # Scaled so that the convolution's outputs reach the curved parts.
    "swish_gelu_mish_erf": (
        "%k = cv.constant dense<3.0> : tensor<1xf32>\n"
        "  %s = cv.mul %c, %k : (tensor<?x4x6x6xf32>, tensor<1xf32>) -> tensor<?x4x6x6xf32>\n"
        "  %a = cv.swish %s : tensor<?x4x6x6xf32>\n"
        "  %g = cv.gelu %s : tensor<?x4x6x6xf32>\n"
        "  %m = cv.mish %s : tensor<?x4x6x6xf32>\n"
        "  %e = cv.erf %c : tensor<?x4x6x6xf32>\n"
        "  %p = cv.add %a, %g : (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>\n"
        "  %q = cv.add %m, %e : (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>\n"
        "  %o = cv.add %p, %q : (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>",
        "4x6x6"),
    "neg_exp": ("%n = cv.neg %c : tensor<?x4x6x6xf32>\n  %o = cv.exp %n : tensor<?x4x6x6xf32>",
                "4x6x6"),
    "log_sqrt_reciprocal": (
        "%e = cv.exp %c : tensor<?x4x6x6xf32>\n"
        "  %l = cv.log %e : tensor<?x4x6x6xf32>\n"
        "  %s = cv.sqrt %e : tensor<?x4x6x6xf32>\n"
        "  %r = cv.reciprocal %s : tensor<?x4x6x6xf32>\n"
        "  %o = cv.add %l, %r : (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>",
        "4x6x6"),
    "mul_div_sub_broadcast": (
        "%k = cv.constant dense<[[[0.5]], [[1.5]], [[-1.0]], [[2.0]]]> : tensor<4x1x1xf32>\n"
        "  %m = cv.mul %c, %c : (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>\n"
        "  %s = cv.sub %m, %k : (tensor<?x4x6x6xf32>, tensor<4x1x1xf32>) -> tensor<?x4x6x6xf32>\n"
        "  %e = cv.exp %c : tensor<?x4x6x6xf32>\n"
        "  %o = cv.div %s, %e : (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) -> tensor<?x4x6x6xf32>",
        "4x6x6"),
    "max_pool_overlapping_ceil": (
        "%o = cv.max_pool2d %c {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, "
        "ceil_mode = true} : (tensor<?x4x6x6xf32>) -> tensor<?x4x3x3xf32>", "4x3x3"),
    "avg_pool_padded": (
        "%o = cv.avg_pool2d %c {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, "
        "pads = array<i64: 1, 1, 1, 1>} : (tensor<?x4x6x6xf32>) -> tensor<?x4x3x3xf32>", "4x3x3"),
    "avg_pool_count_pad": (
        "%o = cv.avg_pool2d %c {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, "
        "pads = array<i64: 1, 1, 0, 0>, count_include_pad = true} : (tensor<?x4x6x6xf32>) -> "
        "tensor<?x4x6x6xf32>", "4x6x6"),
    "conv_strided_dilated_grouped": (
        "%w2 = cv.constant dense<0.2> : tensor<4x2x3x3xf32>\n"
        "  %o = cv.conv2d %c, %w2 {strides = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>, "
        "dilations = array<i64: 2, 2>, groups = 2} : (tensor<?x4x6x6xf32>, tensor<4x2x3x3xf32>) -> "
        "tensor<?x4x3x3xf32>", "4x3x3"),
    "reduce_sum_mean_expand": (
        "%r = cv.reduce %c {kind = 1 : i64, axes = array<i64: 2, 3>} : (tensor<?x4x6x6xf32>) -> "
        "tensor<?x4x1x1xf32>\n"
        "  %o = cv.mul %c, %r : (tensor<?x4x6x6xf32>, tensor<?x4x1x1xf32>) -> tensor<?x4x6x6xf32>",
        "4x6x6"),
    "transpose": ("%o = cv.transpose %c {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x4x6x6xf32>) -> "
                  "tensor<?x6x6x4xf32>", "6x6x4"),
    "slice_pad": (
        "%s = cv.slice %c {starts = array<i64: 0, 1, 1, 0>, sizes = array<i64: 4, 2, 4, 5>, "
        "steps = array<i64: 1, 1, 1, 1>} : (tensor<4x4x6x6xf32>) -> tensor<4x2x4x5xf32>\n"
        "  %o = cv.pad %s {pads = array<i64: 0, 0, 1, 0, 0, 1, 0, 2>, mode = 0 : i64, value = 0.0 : f32} "
        ": (tensor<4x2x4x5xf32>) -> tensor<4x3x5x7xf32>", "3x5x7"),
    "concat": (
        "%t = cv.tanh %c : tensor<?x4x6x6xf32>\n"
        "  %o = cv.concat %c, %t {axis = 1} : (tensor<?x4x6x6xf32>, tensor<?x4x6x6xf32>) -> "
        "tensor<?x8x6x6xf32>", "8x6x6"),
    "batch_norm_training": (
        "%g = cv.constant dense<[1.0, 0.5, 2.0, 1.5]> : tensor<4xf32>\n"
        "  %b = cv.constant dense<[0.0, 0.1, -0.1, 0.2]> : tensor<4xf32>\n"
        "  %mu = cv.constant dense<0.0> : tensor<4xf32>\n"
        "  %var = cv.constant dense<1.0> : tensor<4xf32>\n"
        "  %o = cv.batch_norm %c, %g, %b, %mu, %var : (tensor<?x4x6x6xf32>, tensor<4xf32>, "
        "tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x6x6xf32>", "4x6x6"),
    "lrn": ("%o = cv.lrn %c {size = 3, alpha = 0.5 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : "
            "tensor<?x4x6x6xf32>", "4x6x6"),
    "softmax": ("%o = cv.softmax %c {axis = 1} : tensor<?x4x6x6xf32>", "4x6x6"),
    "log_softmax": ("%o = cv.log_softmax %c {axis = 3} : tensor<?x4x6x6xf32>", "4x6x6"),
}


def dense(array):
    return "dense<" + np.array2string(array, separator=", ", threshold=10**9,
                                      floatmode="unique").replace("\n", "") + ">"


def module(name, rng):
    op, shape = OPS[name]
    # The slice/pad case is written at a static batch, like a training step.
    batch = str(BATCH) if "4x4x6x6" in op else "?"
    op = op.replace("?", batch)
    features = int(np.prod([int(d) for d in shape.split("x")]))
    conv = rng.standard_normal((4, 2, 3, 3)).astype(np.float32) * 0.4
    fc = rng.standard_normal((3, features)).astype(np.float32) / np.sqrt(features)
    return f"""func.func @main(%x: tensor<{batch}x2x6x6xf32> {{cv.name = "input"}}) -> (tensor<{batch}x3xf32> {{cv.name = "output"}}) {{
  %w = cv.constant {dense(conv)} : tensor<4x2x3x3xf32>
  %c = cv.conv2d %x, %w {{pads = array<i64: 1, 1, 1, 1>}} : (tensor<{batch}x2x6x6xf32>, tensor<4x2x3x3xf32>) -> tensor<{batch}x4x6x6xf32>
  {op}
  %f = cv.reshape %o : (tensor<{batch}x{shape}xf32>) -> tensor<{batch}x{features}xf32>
  %fw = cv.constant {dense(fc)} : tensor<3x{features}xf32>
  %y = cv.fully_connected %f, %fw : (tensor<{batch}x{features}xf32>, tensor<3x{features}xf32>) -> tensor<{batch}x3xf32>
  return %y : tensor<{batch}x3xf32>
}}
"""


def loss_of(cm, params, x, y):
    """The training step's own loss (batch-norm on batch statistics) at
    `params`; learning rate 0 leaves the parameters as they are."""
    cm.write_state("parameters", params.astype(np.float32))
    res = cm.run("train_step", {"input": x, "labels": y.astype(np.float32),
                                **trainlib.optimizer_scalars("sgd", 0.0, 1)})
    return float(res["loss"][0])


def test():
    rng = np.random.default_rng(0)
    failures = []
    with tempfile.TemporaryDirectory(prefix="cvc-fd-") as work:
        for name in OPS:
            path = os.path.join(work, name + ".mlir")
            open(path, "w").write(module(name, rng))
            so = os.path.join(work, name + ".so")
            proc = subprocess.run([cvclib.tool("cvc"), path, "-o", so, "--train", "--train-batch",
                                   str(BATCH), "--momentum", "0", "--train-export-gradients"],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise cvclib.Failure(f"{name}: cvc failed:\n{proc.stderr}")
            cm = trainlib.Model(so)
            x = rng.standard_normal((BATCH, 2, 6, 6)).astype(np.float32)
            y = rng.integers(0, 3, BATCH)
            params = cm.read_state("parameters").astype(np.float64)
            res = cm.run("train_step", {"input": x, "labels": y.astype(np.float32),
                                        **trainlib.optimizer_scalars("sgd", 0.0, 1)})
            g = res["gradients"][0].astype(np.float64)
            v = rng.standard_normal(params.size)
            v /= np.linalg.norm(v)
            v = 0.5 * v + 0.5 * g / np.linalg.norm(g)
            h = 1e-3
            numeric = (loss_of(cm, params + h * v, x, y) - loss_of(cm, params - h * v, x, y)) / (2 * h)
            analytic = float(g @ v)
            err = abs(numeric - analytic) / max(abs(analytic), 1e-9)
            print(f"  {name}: g.v {analytic:.6e}, central difference {numeric:.6e}, "
                  f"relative difference {err:.2e}")
            if err > 1e-3:
                failures.append(name)
    if failures:
        raise cvclib.Failure("finite differences disagree for: " + ", ".join(failures))


if __name__ == "__main__":
    cvclib.main(test)
