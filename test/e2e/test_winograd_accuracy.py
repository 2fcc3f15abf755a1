#!/usr/bin/python3
"""Winograd's accuracy on a deep network: torchvision's ResNet-152 (calibrated
batch norms, logits of order 1) against a float64 PyTorch reference.

cvc as compiled by default (Winograd on its 3x3 layers, which the test
checks it used) and cvc's direct convolution (--disable-pass=cv-winograd)
must each be no further from float64 than ONNX Runtime, by the largest
absolute error and by relative L2, up to RATIO for float32 reassociation
(float32 PyTorch measured 1.26x ONNX Runtime's relative L2 here, cvc's
default 1.26x, F(4x4, 3x3) 2.06x), and within DESIGN.md's deep-network
tolerance (1e-3 abs + 1e-3 rel, relative L2 1e-3).

Rounding in F(m x m, 3x3) grows with the tile: the transforms' coefficients
reach 2^(m-2) and each layer's error compounds over 150 layers."""
import os
import subprocess
import tempfile

import numpy as np
import torch

import cvclib
from models import torchvision_model

RATIO = 1.5


def errors(got, ref):
    err = np.abs(got.astype(np.float64) - ref)
    return float(err.max()), float(np.linalg.norm(got - ref) / np.linalg.norm(ref))


def winograd_layers(onnx_path):
    mlir = subprocess.run([cvclib.tool("cvc"), onnx_path, "--emit=mlir", "-o", "-"],
                          capture_output=True, text=True, check=True).stdout
    return mlir.count("cv.conv2d_winograd ")


def test():
    model = torchvision_model("resnet152")
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = model.double()(x.double()).numpy()
    model.float()
    print(f"resnet152 float64 logits: std {ref.std():.3f}, max |.| {np.abs(ref).max():.3f}")
    with tempfile.TemporaryDirectory(prefix="cvc-winograd-acc-") as work:
        onnx_path = os.path.join(work, "resnet152.onnx")
        cvclib.export(model, x[:1], onnx_path)
        layers = winograd_layers(onnx_path)
        print(f"  cvc's default build computes {layers} layers by Winograd")
        if layers == 0:
            raise cvclib.Failure("the default build has no Winograd layer: nothing is tested")
        ort = errors(cvclib.run_ort(onnx_path, x.numpy(), work), ref)
        print(f"  ONNX Runtime: max abs error {ort[0]:.3e}, relative L2 {ort[1]:.3e}")
        for name, flags in (("default", []), ("direct", ["--disable-pass=cv-winograd"])):
            so = os.path.join(work, f"{name}.so")
            cvclib.compile_model(onnx_path, so, *flags)
            outs, _ = cvclib.run_model(so, {"input": x.numpy()}, work)
            got = outs["output"]
            mine = errors(got, ref)
            print(f"  cvc {name}: max abs error {mine[0]:.3e}, relative L2 {mine[1]:.3e}")
            cvclib.compare(f"resnet152 cvc {name} vs float64", got, ref, **cvclib.DEEP)
            for i, metric in enumerate(("max abs error", "relative L2")):
                ratio = mine[i] / ort[i]
                print(f"    {metric} / ONNX Runtime's: {ratio:.2f} (limit {RATIO})")
                if ratio > RATIO:
                    raise cvclib.Failure(f"cvc {name}'s {metric} against float64 is {ratio:.2f}x "
                                         f"ONNX Runtime's (limit {RATIO}x)")


if __name__ == "__main__":
    cvclib.main(test)
