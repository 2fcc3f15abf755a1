#!/usr/bin/python3
"""Winograd's accuracy on a deep network: torchvision's ResNet-152 (calibrated
batch norms, logits of order 1) against a float64 PyTorch reference. cvc as
compiled by default (Winograd on its 3x3 layers) must stay within 1.5x of
the error of cvc's direct convolution (--disable-pass=cv-winograd), by the
largest absolute error and by relative L2, and within DESIGN.md's deep
network tolerance (1e-3 abs + 1e-3 rel, relative L2 1e-3).

Rounding in F(m x m, 3x3) grows with the tile: the transforms' coefficients
reach 2^(m-2) and each layer's error compounds over 150 layers."""
import os
import tempfile

import numpy as np
import torch

import cvclib
from models import torchvision_model

RATIO = 1.5


def errors(got, ref):
    err = np.abs(got.astype(np.float64) - ref)
    return float(err.max()), float(np.linalg.norm(got - ref) / np.linalg.norm(ref))


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
        results = {}
        for name, flags in (("winograd", []), ("direct", ["--disable-pass=cv-winograd"])):
            so = os.path.join(work, f"{name}.so")
            cvclib.compile_model(onnx_path, so, *flags)
            outs, _ = cvclib.run_model(so, {"input": x.numpy()}, work)
            got = outs["output"]
            results[name] = errors(got, ref)
            print(f"  {name}: max abs error {results[name][0]:.3e}, relative L2 "
                  f"{results[name][1]:.3e} against float64")
            cvclib.compare(f"resnet152 {name} vs float64", got, ref, **cvclib.DEEP)
        for i, metric in enumerate(("max abs error", "relative L2")):
            ratio = results["winograd"][i] / results["direct"][i]
            print(f"  Winograd / direct {metric}: {ratio:.2f} (limit {RATIO})")
            if ratio > RATIO:
                raise cvclib.Failure(f"Winograd's {metric} is {ratio:.2f}x the direct "
                                     f"convolution's (limit {RATIO}x)")


if __name__ == "__main__":
    cvclib.main(test)
