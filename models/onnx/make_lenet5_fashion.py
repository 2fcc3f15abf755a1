#!/usr/bin/python3
"""Trains the classic LeNet-5 on Fashion-MNIST with PyTorch and exports it to ONNX.

This made the bundled default model, models/onnx/lenet5_fashion.onnx, which
README's first command compiles and runs. It is kept so that the file can be
rebuilt and checked: `/usr/bin/python3 models/onnx/make_lenet5_fashion.py`.
LeNet-5 as in LeCun et al. 1998: 32x32 input (the 28x28 images padded by 2),
tanh, average pooling, 6-16-120-84-10.
"""
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "e2e"))
from models import LeNet5  # noqa: E402  (the same definition the tests use)

DATA = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    images = read_idx(f"{DATA}/{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = read_idx(f"{DATA}/{split}-labels-idx1-ubyte.gz").astype(np.int64)
    images = np.pad((images - 0.2860) / 0.3530, ((0, 0), (2, 2), (2, 2)))
    return torch.from_numpy(images[:, None]), torch.from_numpy(labels)


def train(seed, epochs, x, y, xt=None, yt=None):
    """LeNet-5 trained by SGD with momentum from `seed`; prints test accuracy per epoch when given."""
    torch.manual_seed(seed)
    model = LeNet5()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        model.eval()
        if xt is not None:
            with torch.no_grad():
                acc = (model(xt).argmax(1) == yt).float().mean().item()
            print(f"epoch {epoch + 1}: test accuracy {acc:.4f}")
    return model


def export(model, example, path):
    torch.onnx.export(model, example, path, opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})


def main():
    torch.set_num_threads(os.cpu_count())
    x, y = load("train")
    xt, yt = load("t10k")
    model = train(0, int(sys.argv[1]) if len(sys.argv) > 1 else 4, x, y, xt, yt)
    export(model, x[:1], os.path.join(HERE, "lenet5_fashion.onnx"))


if __name__ == "__main__":
    main()
