#!/usr/bin/python3
"""Winograd F(4x4, 3x3) convolutions (--cv-winograd) against PyTorch and
against cvc's direct convolution (the same model compiled with
--disable-pass=cv-winograd), on maps that are not multiples of the tile,
padding 0 and 1, bias + relu, a residual add, batch 1 and 2, and two
realistic layers (VGG's 56x56x256 and ResNet's 14x14x256). Each model must
actually compile to Winograd kernels (counted in `cvc --summary`).

The transformed weights are 4x the 3x3 filters; they are computed when a
session is created, so model.so must hold the filters, not the transform:
its size may exceed the model's parameter bytes by the code only
(CODE_BYTES), and the direct convolution's model.so by little
(WINOGRAD_CODE_BYTES), whatever the layer's size.

Tolerance: 1e-4 abs + 1e-3 rel per element and 1e-4 relative L2 (the
transform adds a few 1e-6 of relative error per layer; the direct
convolution's own error is about 1e-7)."""
import os
import subprocess
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

import cvclib

TOL = dict(atol=1e-4, rtol=1e-3, rel_l2=1e-4)
# Generated kernels, the Halide runtime and cvc's runtime: 0.2-0.3 MB here.
CODE_BYTES = 4 << 20
WINOGRAD_CODE_BYTES = 1 << 20


class ConvRelu(nn.Module):
    def __init__(self, c, k, padding, bias=True):
        super().__init__()
        self.conv = nn.Conv2d(c, k, 3, padding=padding, bias=bias)

    def forward(self, x):
        return F.relu(self.conv(x))


class Residual(nn.Module):
    """ResNet's basic block: the second convolution's epilogue adds the
    shortcut before the relu."""
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return F.relu(self.conv2(F.relu(self.conv1(x))) + x)


class Unpadded(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(32, 48, 3, padding=0, bias=False)

    def forward(self, x):
        return self.conv(x)


def winograd_kernels(onnx_path):
    proc = subprocess.run([cvclib.tool("cvc"), onnx_path, "--summary"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise cvclib.Failure(f"cvc --summary failed:\n{proc.stderr}")
    return sum("conv2d_winograd" in line for line in proc.stdout.splitlines())


def check(name, model, shape, batches, expected_kernels):
    torch.manual_seed(1)
    model.eval()
    with tempfile.TemporaryDirectory(prefix="cvc-winograd-") as work:
        onnx_path = cvclib.export(model, torch.randn(1, *shape), os.path.join(work, "m.onnx"))
        kernels = winograd_kernels(onnx_path)
        print(f"{name}: {kernels} Winograd kernels")
        if kernels != expected_kernels:
            raise cvclib.Failure(f"{name}: {kernels} Winograd kernels, expected {expected_kernels}")
        winograd = os.path.join(work, "winograd.so")
        direct = os.path.join(work, "direct.so")
        cvclib.compile_model(onnx_path, winograd)
        cvclib.compile_model(onnx_path, direct, "--disable-pass=cv-winograd")
        weight_bytes = 4 * sum(p.numel() for p in model.parameters())
        size, direct_size = os.path.getsize(winograd), os.path.getsize(direct)
        print(f"{name}: model.so {size} bytes with Winograd, {direct_size} direct, "
              f"{weight_bytes} bytes of parameters")
        if size > weight_bytes + CODE_BYTES or size > direct_size + WINOGRAD_CODE_BYTES:
            raise cvclib.Failure(f"{name}: model.so is {size} bytes for {weight_bytes} bytes of "
                                 f"parameters ({direct_size} without Winograd): are transformed "
                                 f"weights stored in it?")
        for sub in "wd":
            os.makedirs(os.path.join(work, sub))
        for batch in batches:
            # Post-relu-like inputs, as inside a network.
            x = torch.relu(torch.randn(batch, *shape))
            with torch.no_grad():
                ref = model(x).numpy()
            got, _ = cvclib.run_model(winograd, {"input": x.numpy()}, os.path.join(work, "w"))
            base, _ = cvclib.run_model(direct, {"input": x.numpy()}, os.path.join(work, "d"))
            cvclib.compare(f"{name} batch {batch} winograd vs PyTorch", got["output"], ref, **TOL)
            cvclib.compare(f"{name} batch {batch} direct vs PyTorch", base["output"], ref, **TOL)
            cvclib.compare(f"{name} batch {batch} winograd vs direct", got["output"],
                           base["output"], **TOL)


def test():
    check("odd map 13x11, pad 1, bias+relu", ConvRelu(16, 32, 1), (16, 13, 11), (1, 2), 1)
    check("pad 0, 17x10 -> 15x8, no bias", Unpadded(), (32, 17, 10), (1, 2), 1)
    check("residual block 9x14", Residual(32), (32, 9, 14), (1, 2), 2)
    check("VGG conv3 56x56x256", ConvRelu(256, 256, 1), (256, 56, 56), (1,), 1)
    check("ResNet layer3 14x14x256", Residual(256), (256, 14, 14), (1, 2), 2)


if __name__ == "__main__":
    cvclib.main(test)
