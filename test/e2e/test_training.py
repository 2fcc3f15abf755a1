"""Training against PyTorch: cvc's train_step (compiled with `cvc --train`)
and PyTorch autograd + torch.optim on identical weights and batches.

- Gradients of whole networks (LeNet-5 in both variants, ResNet-18 with
  batch-norm in training mode, and a network using every op family with a
  gradient rule) match PyTorch's.
- A directional derivative from central finite differences of the
  inference entry agrees with the gradient (float64 loss on the host).
- Two steps of SGD with momentum and weight decay, and of Adam and AdamW,
  give PyTorch's parameters; batch-norm running statistics follow PyTorch's.
"""
import copy
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cvclib  # noqa: E402
import models  # noqa: E402
import trainlib  # noqa: E402

GRAD_TOL = dict(atol=1e-5, rtol=1e-3, rel_l2=1e-4)
PARAM_TOL = dict(atol=1e-6, rtol=1e-4, rel_l2=1e-5)


class EveryOp(nn.Module):
    """Strided, padded, dilated and grouped convolutions; overlapping and
    ceil-mode max pooling; padded average pooling; sigmoid, leaky ReLU,
    clip, tanh; batch-norm; a residual add, a concat, an elementwise
    product; a fully connected classifier."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.grouped = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2)
        self.branch = nn.Conv2d(8, 4, 1)
        self.fc = nn.Linear(12 * 3 * 3, 5)

    def forward(self, x):
        x = nn.functional.leaky_relu(self.bn(self.stem(x)), 0.1)         # 8x8x8
        y = torch.sigmoid(self.grouped(x)) * x + x                       # residual and product
        p = nn.functional.max_pool2d(y, 3, 2, ceil_mode=True)            # 8x4x4
        b = nn.functional.hardtanh(self.branch(p), -0.5, 0.5)
        z = torch.cat([torch.tanh(p), b], dim=1)                         # 12x4x4
        z = nn.functional.avg_pool2d(z, 2, 1, padding=1, count_include_pad=False)  # 12x5x5
        z = nn.functional.avg_pool2d(z, 2, 2, ceil_mode=False)           # 12x2x2 -> pad
        return self.fc(torch.flatten(nn.functional.pad(z, (0, 1, 0, 1)), 1))


class InvertedResiduals(nn.Module):
    """MobileNetV2's blocks as stock modules: a 1x1 expansion, depthwise 3x3
    convolutions at strides 1 and 2 (their weight gradients take the
    depthwise kernel), batch norm in training mode, ReLU6, a residual."""

    def __init__(self):
        super().__init__()

        def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
            layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                      nn.BatchNorm2d(cout)]
            return nn.Sequential(*layers, nn.ReLU6()) if act else nn.Sequential(*layers)

        self.stem = conv_bn(3, 8, 3)
        self.block = nn.Sequential(conv_bn(8, 24, 1), conv_bn(24, 24, 3, groups=24),
                                   conv_bn(24, 8, 1, act=False))
        self.down = nn.Sequential(conv_bn(8, 24, 1), conv_bn(24, 24, 3, 2, groups=24),
                                  conv_bn(24, 16, 1, act=False))
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.block(x)
        x = self.down(x)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class NormNet(nn.Module):
    """LRN, a softmax inside the network (a gate over features) and a final
    log-softmax. PyTorch differentiates its own LRN; the export writes the
    single ONNX LRN node (`models.LRN`)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, 16)
        self.gate = nn.Linear(16, 16)
        self.out = nn.Linear(16, 5)
        self.exporting = False

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = (models.LRN(5, 1e-2, 0.75, 2.0)(x) if self.exporting
             else nn.functional.local_response_norm(x, 5, 1e-2, 0.75, 2.0))
        h = torch.flatten(nn.functional.max_pool2d(x, 2), 1)
        h = torch.relu(self.fc(h))
        h = h * torch.softmax(self.gate(h), dim=1) * 16
        return torch.log_softmax(self.out(h), dim=1)


class DropoutMLP(nn.Module):
    """A classifier with dropout; `mask`, when set, replaces PyTorch's own
    random mask so that a step can be reproduced exactly."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(20, 64), nn.Linear(64, 10)
        self.drop = nn.Dropout(0.5)
        self.mask = None

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return self.fc2(h * self.mask if self.mask is not None else self.drop(h))


def check_dropout(work, batch):
    """The training step draws the documented mask (a hash of the op's seed,
    the step and the element) and differentiates through it: with PyTorch
    given the same mask, gradients agree; another step draws another mask."""
    torch.manual_seed(0)
    net = DropoutMLP()
    net.train()
    path = os.path.join(work, "dropout.onnx")
    # Only a model in training mode exports its Dropout nodes.
    torch.onnx.export(net, torch.randn(1, 20), path, opset_version=13, input_names=["input"],
                      output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
    so = os.path.join(work, "dropout.so")
    cvclib.compile_model(path, so, "--train", "--train-batch", str(batch), "--momentum", "0",
                         "--train-export-gradients")
    cm = trainlib.Model(so)
    x, y = random_batch((20,), 10, batch, 9)
    grads = []
    for step in (1, 2):
        mask = trainlib.dropout_mask((batch, 64), 0.5, seed=0, step=step)
        print(f"  dropout step {step}: {np.mean(mask == 0):.3f} of the activations dropped")
        net.mask = torch.from_numpy(mask)
        res = check_gradients(f"dropout MLP step {step}", net, cm, x, y, step=step)
        grads.append(res["gradients"][0])
    if np.array_equal(grads[0], grads[1]):
        raise cvclib.Failure("two steps drew the same dropout mask")


def batchnorm_momentum(model, momentum=0.1):
    # calibrate_batchnorm leaves cumulative averaging on; training uses momentum.
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = momentum


def compile_for_training(model, input_shape, work, name, batch, *flags):
    onnx_path = cvclib.export(model, torch.randn(1, *input_shape), os.path.join(work, name + ".onnx"),
                              unfolded=True)
    so_path = os.path.join(work, name + ".so")
    seconds = cvclib.compile_model(onnx_path, so_path, "--train", "--train-batch", str(batch), *flags)
    print(f"{name}: compiled for training in {seconds:.1f} s")
    return trainlib.Model(so_path)


def check_batch_norm_net(label, name, net, shape, seed, work, batch):
    """`net`'s gradients on a random batch (5 classes) against PyTorch's,
    its batch norms calibrated and then in training mode with momentum;
    returns the compiled model and the batch."""
    models.calibrate_batchnorm(net, shape)
    batchnorm_momentum(net)
    x, y = random_batch(shape, 5, batch, seed)
    cm = compile_for_training(net, shape, work, name, batch, "--train-export-gradients")
    check_gradients(label, copy.deepcopy(net), cm, x, y)
    return cm, x, y


def step_inputs(x, y, optimizer, lr, step):
    inputs = {"input": x.numpy(), "labels": y.numpy().astype(np.float32)}
    inputs.update(trainlib.optimizer_scalars(optimizer, lr, step))
    return inputs


def check_gradients(name, model, cm, x, y, optimizer="sgd", tol=GRAD_TOL, step=1):
    """One step at learning rate 0: the exported gradient against autograd's.
    A float64 copy of the model is the oracle when float32 PyTorch itself
    is far from it (a deep network's batch-norm gradients on a small batch
    can be ill-conditioned): cvc must then be at least as close to float64
    as twice PyTorch's own float32 error."""
    model64 = copy.deepcopy(model).double()
    model64.train()
    nn.functional.cross_entropy(model64(x.double()), y).backward()
    model.train()
    model.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    res = cm.run("train_step", step_inputs(x, y, optimizer, 0.0, step))
    print(f"  {name}: loss {res['loss'][0]:.7f}, PyTorch {loss.item():.7f}")
    if abs(res["loss"][0] - loss.item()) > 1e-5 * max(1.0, abs(loss.item())):
        raise cvclib.Failure(f"{name}: loss {res['loss'][0]} differs from PyTorch's {loss.item()}")
    slices = cm.slices()
    for pname, _ in model.named_parameters():
        if pname not in slices:
            raise cvclib.Failure(f"{name}: parameter {pname} has no slice in the model")
    got = np.concatenate([cm.tensor(res["gradients"][0], n).ravel()
                          for n, _ in model.named_parameters()])
    ref32 = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])
    ref64 = np.concatenate([p.grad.numpy().ravel() for p in model64.parameters()])
    rel = lambda a: float(np.linalg.norm(a - ref64) / np.linalg.norm(ref64))
    cvc_err, torch_err = rel(got), rel(ref32)
    print(f"  {name}: relative L2 to float64 PyTorch: cvc {cvc_err:.2e}, "
          f"float32 PyTorch {torch_err:.2e}")
    if torch_err <= tol["rel_l2"] / 2:
        cvclib.compare(f"{name} gradient", got, ref32, **tol)
    elif cvc_err > 2 * torch_err:
        raise cvclib.Failure(f"{name}: gradient is {cvc_err:.2e} from float64, more than twice "
                             f"float32 PyTorch's {torch_err:.2e}")
    return res


def check_directional_derivative(name, cm, x, y, batch):
    """(L(p + h v) - L(p - h v)) / 2h against g . v, with L computed in
    float64 from @main's logits."""
    rng = np.random.default_rng(0)
    params = cm.read_state("parameters").astype(np.float64)
    res = cm.run("train_step", step_inputs(x, y, "sgd", 0.0, 1))
    g = res["gradients"][0].astype(np.float64)
    # Half along the gradient, half random: a purely random direction has a
    # derivative too small to resolve through float32 logits.
    r = rng.standard_normal(params.size)
    v = g / np.linalg.norm(g) + r / np.linalg.norm(r)
    v /= np.linalg.norm(v)

    def loss_at(p):
        cm.write_state("parameters", p.astype(np.float32))
        z = cm.run("main", {"input": x.numpy()}, batch=batch)["output"].astype(np.float64)
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -logp[np.arange(batch), y.numpy()].mean()

    h = 2.5e-4
    numeric = (loss_at(params + h * v) - loss_at(params - h * v)) / (2 * h)
    cm.write_state("parameters", params.astype(np.float32))
    analytic = float(g @ v)
    err = abs(numeric - analytic) / max(abs(analytic), 1e-12)
    print(f"  {name}: directional derivative {analytic:.6e}, central difference {numeric:.6e}, "
          f"relative difference {err:.2e}")
    if err > 1e-2:
        raise cvclib.Failure(f"{name}: finite differences disagree with the gradient ({err:.2e})")


def check_steps(name, model, cm, batches, optimizer, torch_opt, lr, atol=None):
    """Runs the same steps in both and compares the parameters. Adam's step
    m / (sqrt(v) + eps) is about lr whatever the gradient's size, so where a
    gradient is near zero, its float32 rounding moves the step by a
    fraction of lr: the absolute tolerance is a small fraction of lr."""
    model.train()
    for step, (x, y) in enumerate(batches, start=1):
        torch_opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        torch_opt.step()
        cm.run("train_step", step_inputs(x, y, optimizer, lr, step))
    params = cm.read_state("parameters")
    got = np.concatenate([cm.tensor(params, n).ravel() for n, _ in model.named_parameters()])
    ref = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    tol = dict(PARAM_TOL)
    if optimizer != "sgd":
        tol["atol"] = 2e-2 * lr
    if atol is not None:
        tol["atol"] = atol
    cvclib.compare(f"{name} parameters after {len(batches)} {optimizer} steps", got, ref, **tol)


def check_head_only(work, batch):
    """Transfer learning's cached path: a new 3-class head on LeNet-5, every
    other layer frozen. The `features` entry must compute what the frozen
    network computes in PyTorch, and train_step, which reads those features,
    must update the head as PyTorch's SGD does."""
    torch.manual_seed(0)
    lenet = models.LeNet5Modern()
    cm = compile_for_training(lenet, (1, 28, 28), work, "head_only", batch, "--replace-head",
                              "3", "--freeze-until", "fc3", "--momentum", "0.9",
                              "--weight-decay", "1e-3")
    lenet.eval()
    body = lambda x: torch.relu(lenet.fc2(torch.relu(lenet.fc1(torch.flatten(
        nn.functional.max_pool2d(torch.relu(lenet.conv2(nn.functional.max_pool2d(
            torch.relu(lenet.conv1(x)), 2))), 2), 1)))))
    head = nn.Linear(84, 3)
    params = cm.read_state("parameters")
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(cm.tensor(params, "fc3.weight").copy()))
        head.bias.copy_(torch.from_numpy(cm.tensor(params, "fc3.bias").copy()))
    opt = torch.optim.SGD(head.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    for step, seed in enumerate((12, 13), start=1):
        x, y = random_batch((1, 28, 28), 3, batch, seed)
        with torch.no_grad():
            ref = body(x)
        got = cm.run("features", {"input": x.numpy()}, batch=batch)["features"]
        cvclib.compare(f"head only: frozen features, step {step}", got, ref.numpy(),
                       **cvclib.FIRST_PATH)
        opt.zero_grad()
        loss = nn.functional.cross_entropy(head(ref), y)
        loss.backward()
        opt.step()
        inputs = {"features": got, "labels": y.numpy().astype(np.float32),
                  "learning_rate": np.array([0.1], np.float32)}
        res = cm.run("train_step", inputs)
        print(f"  head only, step {step}: loss {res['loss'][0]:.7f}, PyTorch {loss.item():.7f}")
    params = cm.read_state("parameters")
    got = np.concatenate([cm.tensor(params, n).ravel() for n in ("fc3.weight", "fc3.bias")])
    ref = np.concatenate([p.detach().numpy().ravel() for p in head.parameters()])
    cvclib.compare("head only: head after 2 SGD steps", got, ref, **PARAM_TOL)


def random_batch(shape, classes, batch, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, *shape, generator=g), torch.randint(0, classes, (batch,), generator=g)


def test():
    with tempfile.TemporaryDirectory(prefix="cvc-train-") as work:
        # LeNet-5, modern: gradients, finite differences, SGD with momentum and decay.
        torch.manual_seed(0)
        lenet = models.LeNet5Modern()
        batch = 8
        x, y = random_batch((1, 28, 28), 10, batch, 1)
        cm = compile_for_training(lenet, (1, 28, 28), work, "lenet_modern", batch,
                                  "--train-export-gradients", "--momentum", "0")
        check_gradients("LeNet-5 (ReLU, max pool)", lenet, cm, x, y)
        check_directional_derivative("LeNet-5 (ReLU, max pool)", cm, x, y, batch)
        cm = compile_for_training(lenet, (1, 28, 28), work, "lenet_sgd", batch, "--momentum",
                                  "0.9", "--weight-decay", "5e-4")
        opt = torch.optim.SGD(lenet.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
        check_steps("LeNet-5 (ReLU, max pool)", lenet, cm,
                    [random_batch((1, 28, 28), 10, batch, s) for s in (2, 3)], "sgd", opt, 0.05)

        # LeNet-5 of 1998 (tanh, average pooling) with Adam, and AdamW.
        for optimizer, cls in (("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW)):
            torch.manual_seed(0)
            lenet98 = models.LeNet5()
            cm = compile_for_training(lenet98, (1, 32, 32), work, "lenet5_" + optimizer, batch,
                                      "--optimizer", optimizer, "--weight-decay", "1e-2",
                                      "--train-export-gradients")
            if optimizer == "adam":
                x, y = random_batch((1, 32, 32), 10, batch, 4)
                check_gradients("LeNet-5 (1998)", lenet98, cm, x, y, optimizer)
                cm = compile_for_training(lenet98, (1, 32, 32), work, "lenet5_adam2", batch,
                                          "--optimizer", optimizer, "--weight-decay", "1e-2")
            opt = cls(lenet98.parameters(), lr=1e-3, weight_decay=1e-2)
            check_steps("LeNet-5 (1998)", lenet98, cm,
                        [random_batch((1, 32, 32), 10, batch, s) for s in (5, 6)], optimizer, opt,
                        1e-3)

        check_dropout(work, batch)
        check_head_only(work, batch)

        # LRN, an inner softmax and a final log-softmax.
        torch.manual_seed(0)
        norm = NormNet()
        norm.exporting = True
        x, y = random_batch((3, 8, 8), 5, batch, 10)
        cm = compile_for_training(norm, (3, 8, 8), work, "norm", batch, "--train-export-gradients")
        norm.exporting = False
        check_gradients("LRN and softmax", norm, cm, x, y)
        check_directional_derivative("LRN and softmax", cm, x, y, batch)

        # Every op family with a gradient rule.
        torch.manual_seed(0)
        cm, x, y = check_batch_norm_net("every op", "every_op", EveryOp(), (3, 16, 16), 7, work,
                                        batch)
        check_directional_derivative("every op", cm, x, y, batch)

        # Inverted residuals: depthwise convolutions and batch norm in training.
        torch.manual_seed(0)
        check_batch_norm_net("inverted residuals", "inverted_residuals", InvertedResiduals(),
                             (3, 12, 12), 9, work, batch)

        # ResNet-18: batch-norm in training mode, residual blocks.
        torch.manual_seed(0)
        resnet = torchvision.models.resnet18(num_classes=10)
        models.calibrate_batchnorm(resnet, (3, 64, 64))
        batchnorm_momentum(resnet)
        x, y = random_batch((3, 64, 64), 10, batch, 8)
        cm = compile_for_training(resnet, (3, 64, 64), work, "resnet18", batch, "--momentum",
                                  "0", "--train-export-gradients")
        check_gradients("ResNet-18", resnet, cm, x, y)
        # One SGD step (the gradient step above used learning rate 0). Each
        # weight moves by lr x its gradient, whose float32 error on a batch
        # of 8 through 20 batch norms is about 1e-3 relative in PyTorch too:
        # per element, 2e-4 x lr absolute; in all, 1e-5 relative L2.
        check_steps("ResNet-18", resnet, cm, [random_batch((3, 64, 64), 10, batch, 11)], "sgd",
                    torch.optim.SGD(resnet.parameters(), lr=0.1), 0.1, atol=2e-5)
        stats = cm.read_state("statistics")
        for n, buffer in resnet.named_buffers():
            if n.endswith("running_mean") or n.endswith("running_var"):
                cvclib.compare(f"ResNet-18 {n}", cm.tensor(stats, n), buffer.numpy(),
                               atol=1e-6, rtol=1e-4)
                break


if __name__ == "__main__":
    cvclib.main(test)
