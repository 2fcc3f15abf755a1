#!/usr/bin/python3
"""The C host example dlopens a compiled model and prints the same top-1 as
PyTorch for the bundled Fashion-MNIST LeNet-5 on a real test image."""
import os
import subprocess
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import cvclib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def test():
    model = os.path.join(ROOT, "models", "onnx", "lenet5_fashion.onnx")
    with tempfile.TemporaryDirectory(prefix="cvc-example-") as work:
        so = os.path.join(work, "lenet.so")
        cvclib.compile_model(model, so)
        image = os.path.join(work, "image.f32")
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "fashion_image.py"),
                        "0", image], check=True)
        proc = subprocess.run([cvclib.tool("cvc-example-c"), so, image], capture_output=True,
                              text=True)
        print(proc.stdout)
        if proc.returncode != 0:
            raise cvclib.Failure(f"cvc-example-c failed:\n{proc.stderr}")
        top = [l for l in proc.stdout.splitlines() if l.startswith("top-5:")]
        if not top:
            raise cvclib.Failure("no top-5 line in the output")
        predicted = int(top[0].split()[1])

        # The reference: the same ONNX graph's weights evaluated by PyTorch.
        weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
                   for t in onnx.load(model).graph.initializer}
        x = torch.from_numpy(np.fromfile(image, np.float32).reshape(1, 1, 32, 32))
        f = torch.nn.functional
        h = f.avg_pool2d(torch.tanh(f.conv2d(x, weights["features.0.weight"],
                                             weights["features.0.bias"])), 2)
        h = f.avg_pool2d(torch.tanh(f.conv2d(h, weights["features.3.weight"],
                                             weights["features.3.bias"])), 2).flatten(1)
        layers = [(weights[f"classifier.{i}.weight"], weights[f"classifier.{i}.bias"])
                  for i in (1, 3, 5)]
        for i, (w, b) in enumerate(layers):
            h = f.linear(h, w, b)
            if i < 2:
                h = torch.tanh(h)
        expected = int(h.argmax())
        print(f"  cvc-example-c top-1 {predicted}, PyTorch top-1 {expected}")
        if predicted != expected:
            raise cvclib.Failure(f"top-1 {predicted} differs from PyTorch's {expected}")


if __name__ == "__main__":
    cvclib.main(test)
