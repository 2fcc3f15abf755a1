#!/usr/bin/python3
"""The model zoo (models/*.cvm).

    test_zoo.py params    every model's parameter count (`cvc --summary`, as
                          written) equals its PyTorch equivalent's exactly,
                          and so do its MACs (`--summary -O0` against forward
                          hooks on PyTorch's convolutions and linear layers)
    test_zoo.py run       every model compiles with cvc and runs with cvc-run
                          at batch 2, with finite outputs of the right shape
                          (those of `weights` are compiled there)
    test_zoo.py weights   ResNet-50 and VGG-16 with torchvision's weights
                          (exported to ONNX here, loaded by layer name) give
                          PyTorch's outputs within the conformance tolerance
    test_zoo.py weights_new  the same for MobileNetV2, EfficientNet-B0 and
                          DenseNet-121, U-Net with test/e2e/models.py's
                          weights, and a model of the newer layers
    test_zoo.py onnx      `cvc --emit=onnx` writes models that pass ONNX's
                          checker, ONNX Runtime runs them to cvc's outputs,
                          and their initialisers load back by layer name
                          (LeNet-5, ResNet-18, EfficientNet-B0)
"""
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision

import cvclib
import models

ZOO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models")
TV = torchvision.models

# Each .cvm with its PyTorch equivalent (the two-tower AlexNet is
# test/e2e/models.py's, as the paper trained it).
EQUIVALENTS = {
    "lenet5": models.LeNet5,
    "alexnet": models.AlexNet,
    "alexnet_torchvision": TV.alexnet,
    "vgg16": TV.vgg16,
    "vgg19": TV.vgg19,
    "resnet18": TV.resnet18,
    "resnet34": TV.resnet34,
    "resnet50": TV.resnet50,
    "resnet101": TV.resnet101,
    "resnet152": TV.resnet152,
    "googlenet": lambda: TV.googlenet(aux_logits=False, init_weights=True),
    "mobilenet_v2": TV.mobilenet_v2,
    "efficientnet_b0": TV.efficientnet_b0,
    "densenet121": TV.densenet121,
    "unet": models.UNet,
}

# name: (input shape without the batch, output shape without the batch).
# VGG-19 and ResNet-34/101/152 are left out for time: the layers and
# blocks of VGG-16, ResNet-18 and ResNet-50, which other tests compile and
# run, repeated more often (`params` checks their counts).
RUNS = {
    "lenet5": ((1, 32, 32), (10,)),
    "lenet5_modern": ((1, 28, 28), (10,)),
    "alexnet": ((3, 227, 227), (1000,)),
    "alexnet_torchvision": ((3, 224, 224), (1000,)),
    "resnet18": ((3, 224, 224), (1000,)),
    "nin": ((3, 224, 224), (1000,)),
    "googlenet": ((3, 224, 224), (1000,)),
}


def cvm(name):
    return os.path.join(ZOO, name + ".cvm")


def summary(path, *flags):
    """(the 'as written' trainable parameter count, the MACs) of
    `cvc --summary -O0`: the network as written, before any rewrite."""
    proc = subprocess.run([cvclib.tool("cvc"), path, "--summary", "-O0", *flags],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc --summary {path} failed:\n{proc.stderr}")
    written = re.search(r"^as written: ([\d,]+) trainable parameters", proc.stdout, re.M)
    macs = re.search(r"^total: .* MACs \(([\d,]+)\)", proc.stdout, re.M)
    if not written or not macs:
        raise cvclib.Failure(f"no 'as written' or 'total' line in cvc --summary:\n{proc.stdout}")
    return int(written.group(1).replace(",", "")), int(macs.group(1).replace(",", ""))


def check_count(label, path, model, *flags, shape=None):
    """The parameter count, and with `shape` (one image's) the MACs too."""
    expected = sum(p.numel() for p in model.parameters())
    got, macs = summary(path, *flags)
    print(f"  {label}: cvc {got:,}, PyTorch {expected:,}")
    if got != expected:
        raise cvclib.Failure(f"{label}: cvc counts {got:,} parameters, PyTorch {expected:,}")
    if shape:
        expected = torch_macs(model, shape)
        print(f"  {label}: cvc {macs:,} MACs, PyTorch's layers {expected:,}")
        if macs != expected:
            raise cvclib.Failure(f"{label}: cvc counts {macs:,} MACs, PyTorch's layers "
                                 f"{expected:,}")


def torch_macs(model, shape):
    """Multiply-accumulates of one image through `model`, counted
    independently of cvc: forward hooks on every convolution, transposed
    convolution and fully connected layer."""
    total = [0]

    def conv(m, inputs, out):
        total[0] += (out.numel() // out.shape[0] * (m.in_channels // m.groups) *
                     m.kernel_size[0] * m.kernel_size[1])

    def conv_transpose(m, inputs, out):
        x = inputs[0]
        total[0] += (x.numel() // x.shape[0] * (m.out_channels // m.groups) *
                     m.kernel_size[0] * m.kernel_size[1])

    def linear(m, inputs, out):
        total[0] += m.in_features * m.out_features

    hooks = []
    for module in model.modules():
        for kind, hook in ((torch.nn.ConvTranspose2d, conv_transpose), (torch.nn.Conv2d, conv),
                           (torch.nn.Linear, linear)):
            if isinstance(module, kind):
                hooks.append(module.register_forward_hook(hook))
                break
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *shape))
    for h in hooks:
        h.remove()
    return total[0]


def test_params():
    for name, make in EQUIVALENTS.items():
        shape = RUNS.get(name, ((3, 128, 128) if name == "unet" else (3, 224, 224), None))[0]
        check_count(name, cvm(name), make(), shape=shape)
    check_count("googlenet with auxiliary heads", cvm("googlenet"),
                TV.googlenet(aux_logits=True, init_weights=True), "--keep-aux-outputs")


def model_dir(root, name):
    """A folder of one model's files, so that cvc-run's output folder holds
    that model's outputs only."""
    path = os.path.join(root, name)
    os.mkdir(path)
    return path


def test_run():
    with tempfile.TemporaryDirectory(prefix="cvc-zoo-") as root:
        for name, (shape, out_shape) in RUNS.items():
            work = model_dir(root, name)
            so = os.path.join(work, name + ".so")
            seconds = cvclib.compile_model(cvm(name), so)
            x = np.random.default_rng(0).standard_normal((2, *shape)).astype(np.float32)
            inputs = {"image" if name.startswith("lenet") else "x": x}
            outs, ms = cvclib.run_model(so, inputs, work)
            if len(outs) != 1:
                raise cvclib.Failure(f"{name}: {len(outs)} outputs, expected 1: {sorted(outs)}")
            y = next(iter(outs.values()))
            print(f"  {name}: compiled in {seconds:.1f} s, ran batch 2 in {ms:.1f} ms, "
                  f"output {y.shape}, std {y.std():.3g}")
            if y.shape != (2, *out_shape) or not np.all(np.isfinite(y)) or y.std() == 0:
                raise cvclib.Failure(f"{name}: bad output {y.shape}, std {y.std()}")
            os.remove(so)  # the big ones weigh hundreds of MB


def check_weights(name, model, batch=2, shape=(3, 224, 224)):
    """Exports `model` (eval mode, batch norms kept, names kept), loads its
    weights into models/<name>.cvm and compares outputs at `batch`."""
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="cvc-zoo-") as work:
        onnx_path = os.path.join(work, name + ".onnx")
        start = time.time()
        cvclib.export(model, torch.randn(1, *shape), onnx_path, unfolded=True)
        print(f"{name}: exported PyTorch's weights in {time.time() - start:.1f} s")
        x = torch.randn(batch, *shape)
        with torch.no_grad():
            ref = model(x).numpy()
        so = os.path.join(work, name + ".so")
        seconds = cvclib.compile_model(cvm(name), so, "--weights", onnx_path)
        print(f"{name}: compiled with the loaded weights in {seconds:.1f} s")
        outs, _ = cvclib.run_model(so, {"x": x.numpy()}, work)
        cvclib.compare(f"{name}.cvm with PyTorch's weights, batch {batch}",
                       next(iter(outs.values())), ref, **cvclib.CONFORMANCE)


def distinct_parameters(model):
    """Random biases and batch-norm scales: with PyTorch's initial values (0
    and 1) many tensors are equal, the exporter then stores one initialiser
    for all of them under a single name, and their loading goes untested."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.normal_(0.0, 0.05, generator=generator)
            elif p.dim() == 1:
                p.uniform_(0.5, 1.5, generator=generator)
    return model


LAYERS_CVM = """
input x: [N, 4, 6, 6]
up = conv_transpose(8, 3, stride=2, pad=1, output_pad=1)
near = up -> upsample(2) -> relu6
smooth = up -> upsample(2, mode="bilinear") -> swish -> gelu
corners = up -> upsample([2, 2], mode="bilinear", align_corners=true) -> hardswish
gate = up -> global_avgpool -> hardsigmoid
scaled = mul(near, gate)
add(scaled, smooth, corners)
inorm = instancenorm(affine=true)
pixel_shuffle(2)
lnorm = layernorm
output
"""


class Layers(torch.nn.Module):
    """LAYERS_CVM in PyTorch."""

    def __init__(self):
        super().__init__()
        self.up = torch.nn.ConvTranspose2d(4, 8, 3, stride=2, padding=1, output_padding=1)
        self.inorm = torch.nn.InstanceNorm2d(8, affine=True)
        self.lnorm = torch.nn.LayerNorm([2, 48, 48])
        with torch.no_grad():  # distinct values, so that each loads by its own name
            for p in (self.inorm.weight, self.lnorm.weight):
                p.uniform_(0.5, 1.5)
            for p in (self.inorm.bias, self.lnorm.bias):
                p.normal_(0.0, 0.1)

    def forward(self, x):
        f = torch.nn.functional
        up = self.up(x)
        near = f.relu6(f.interpolate(up, scale_factor=2, mode="nearest"))
        smooth = f.gelu(f.silu(f.interpolate(up, scale_factor=2, mode="bilinear",
                                             align_corners=False)))
        corners = f.hardswish(f.interpolate(up, scale_factor=2, mode="bilinear",
                                            align_corners=True))
        gate = f.hardsigmoid(f.adaptive_avg_pool2d(up, 1))
        y = self.inorm(near * gate + smooth + corners)
        return self.lnorm(f.pixel_shuffle(y, 2))


def check_layers():
    """The newer families' layers against PyTorch's: a transposed
    convolution, upsampling three ways, ReLU6, Swish, GELU, HardSwish,
    HardSigmoid, a broadcasting mul, instance and layer norm, pixel shuffle."""
    torch.manual_seed(0)
    model = Layers().eval()
    with tempfile.TemporaryDirectory(prefix="cvc-zoo-") as work:
        onnx_path, path = os.path.join(work, "layers.onnx"), os.path.join(work, "layers.cvm")
        cvclib.export(model, torch.randn(1, 4, 6, 6), onnx_path, unfolded=True)
        open(path, "w").write(LAYERS_CVM)
        so = os.path.join(work, "layers.so")
        cvclib.compile_model(path, so, "--weights", onnx_path)
        x = torch.randn(3, 4, 6, 6) * 3
        with torch.no_grad():
            ref = model(x).numpy()
        outs, _ = cvclib.run_model(so, {"x": x.numpy()}, work)
        cvclib.compare("decoder and activation layers vs PyTorch, batch 3",
                       next(iter(outs.values())), ref, **cvclib.SHALLOW)


def test_weights():
    torch.manual_seed(0)
    resnet = distinct_parameters(TV.resnet50())
    check_weights("resnet50", models.calibrate_batchnorm(resnet, (3, 224, 224)))
    torch.manual_seed(0)
    check_weights("vgg16", distinct_parameters(TV.vgg16()).eval(), batch=1)


def test_weights_new():
    """The newer families' layers and networks (e2e.zoo.weights_new, beside
    the classic networks' test so that the two run side by side)."""
    check_layers()
    torch.manual_seed(0)
    mobilenet = distinct_parameters(TV.mobilenet_v2())
    check_weights("mobilenet_v2", models.calibrate_batchnorm(mobilenet, (3, 224, 224)))
    torch.manual_seed(0)
    efficientnet = distinct_parameters(TV.efficientnet_b0())
    check_weights("efficientnet_b0", models.calibrate_batchnorm(efficientnet, (3, 224, 224)))
    torch.manual_seed(0)
    densenet = distinct_parameters(TV.densenet121())
    check_weights("densenet121",
                  models.calibrate_batchnorm(densenet, (3, 224, 224), batches=2, batch_size=2),
                  batch=1)
    # U-Net has no torchvision model: test/e2e/models.py's, with the same names.
    torch.manual_seed(0)
    unet = distinct_parameters(models.UNet())
    check_weights("unet",
                  models.calibrate_batchnorm(unet, (3, 128, 128), batches=2, batch_size=2),
                  batch=2, shape=(3, 128, 128))


ORT_RUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench",
                       "ort_run.js")
# Models covering every layer the language has: tanh and average pooling,
# LRN and groups, residual adds and batch norms, concat, dropout and
# auxiliary heads (dropped for inference), ReLU6 and depthwise convolutions,
# Swish and squeeze-and-excitation's broadcasting mul.
# tanh and pooling, batch norms and residuals, depthwise, Swish and SE.
WEIGHTS_ROUND_TRIP = {"lenet5", "resnet18", "efficientnet_b0"}
EXPORTED = {"lenet5": (1, 32, 32), "alexnet": (3, 227, 227), "resnet18": (3, 224, 224),
            "googlenet": (3, 224, 224), "mobilenet_v2": (3, 224, 224),
            "efficientnet_b0": (3, 224, 224)}


def test_onnx():
    import onnx
    with tempfile.TemporaryDirectory(prefix="cvc-zoo-") as root:
        for name, shape in EXPORTED.items():
            work = model_dir(root, name)
            onnx_path = os.path.join(work, name + ".onnx")
            # With GoogLeNet's auxiliary heads (extra outputs after the main
            # one), so that every weight of the .cvm is in the file.
            proc = subprocess.run([cvclib.tool("cvc"), cvm(name), "--emit=onnx", "-o", onnx_path,
                                   "--seed", "7", "--keep-aux-outputs"],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise cvclib.Failure(f"cvc --emit=onnx {name} failed:\n{proc.stderr}")
            model = onnx.load(onnx_path)
            onnx.checker.check_model(model, full_check=True)
            x = np.random.default_rng(1).standard_normal((2, *shape)).astype(np.float32)
            x_path, ort_path = os.path.join(work, "x.npy"), os.path.join(work, "ort.npy")
            np.save(x_path, x)
            proc = subprocess.run(["node", ORT_RUN, onnx_path, "--input", x_path, "--output",
                                   ort_path, "--iterations", "1", "--warmup", "0"],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise cvclib.Failure(f"ONNX Runtime cannot run {name}:\n{proc.stderr}")
            ort = np.load(ort_path)
            input_name = model.graph.input[0].name
            results = {}
            # Loading the export back by layer name: on the models whose
            # layers differ most (the others only add compile time).
            loads = (("--weights", onnx_path),) if name in WEIGHTS_ROUND_TRIP else ()
            for flags in (("--seed", "7"),) + loads:
                so = os.path.join(work, name + ".so")
                cvclib.compile_model(cvm(name), so, *flags)
                outs, _ = cvclib.run_model(so, {input_name: x}, work)
                results[flags[0]] = next(iter(outs.values()))
            print(f"{name}: {len(model.graph.node)} ONNX nodes, "
                  f"{len(model.graph.initializer)} initialisers, outputs "
                  f"{[o.name for o in model.graph.output]}")
            cvclib.compare(f"{name}: ONNX Runtime on the export vs cvc", ort, results["--seed"],
                           **cvclib.CONFORMANCE)
            if "--weights" in results:
                cvclib.compare(f"{name}: cvc with the export's weights vs seeded",
                               results["--weights"], results["--seed"], atol=0.0, rtol=1e-6)


if __name__ == "__main__":
    cvclib.main({"params": test_params, "run": test_run, "weights": test_weights,
                 "weights_new": test_weights_new, "onnx": test_onnx}[sys.argv[1]])
