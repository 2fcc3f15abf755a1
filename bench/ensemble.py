#!/usr/bin/python3
"""Fashion-MNIST test accuracy of one model, of 10-crop averaging and of an
ensemble, all computed by cvc (cvc-run and libcvc_data's cvc_ensemble).

    /usr/bin/python3 bench/ensemble.py [--models A.onnx|A.so ...] [--train-torch N]
                                       [--epochs E] [--images N]

Members: the bundled trained LeNet-5 (models/onnx/lenet5_fashion.onnx), any
--models given (LeNet-5 style: 1x32x32 input, 10 scores), and with
--train-torch N, N more LeNet-5s trained here with PyTorch (seeds 1..N, the
recipe of models/onnx/make_lenet5_fashion.py). 10-crop takes the 32x32
corners, centre and mirrors of the normalised images padded by 4 (zeros
after normalisation, as the models were trained); the centre crop alone is
the plain input.

With --train-cvc N the members are instead N LeNet-5s (ReLU, max pooling,
28x28 input) trained by cvc itself (cvc --train, cvc-train; seeds 1..N for
the initial weights and the data order) with mirrored and shifted copies
(augmentation `mirror:p=0.5,crop:size=28,pad=2`), so that 10-crop sees
images like those they learnt from; crops are then 28x28 of the images
padded by 2.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "models", "onnx"))
import make_lenet5_fashion as lenet  # noqa: E402  (the bundled model's data reader and recipe)
from make_lenet5_fashion import DATA, export, read_idx, train  # noqa: E402

BIN = os.environ.get("CVC_BIN_DIR") or os.path.join(ROOT, "build", "bin")
CHUNK = 2000  # images per cvc-run call (10-crop makes 10 rows of each)


def test_set(n):
    images = read_idx(f"{DATA}/t10k-images-idx3-ubyte.gz")[:n].astype(np.float32) / 255.0
    labels = read_idx(f"{DATA}/t10k-labels-idx1-ubyte.gz")[:n].astype(np.int64)
    return (images - 0.2860) / 0.3530, labels


def train_torch_member(seed, epochs, path):
    x, y = lenet.load("train")
    export(train(seed, epochs, x, y), x[:1], path)
    return path


def train_cvc_member(seed, epochs, tmp):
    """A LeNet-5 trained by cvc-train; returns the trained ONNX file."""
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
    import cvclib
    import models
    import torch
    torch.manual_seed(seed)
    source = cvclib.export(models.LeNet5Modern(), torch.randn(1, 1, 28, 28), f"{tmp}/cvc{seed}_init.onnx")
    so, trained = f"{tmp}/cvc{seed}_train.so", f"{tmp}/cvc{seed}.onnx"
    cvclib.compile_model(source, so, "--train", "--train-batch", "64", "--optimizer", "adam")
    subprocess.run([os.path.join(BIN, "cvc-train"), so, "--epochs", str(epochs), "--lr", "0.004",
                    "--schedule", "cosine", "--mean", "0.286", "--std", "0.353", "--seed",
                    str(seed), "--augment", "mirror:p=0.5,crop:size=28,pad=2", "-q",
                    "--export-onnx", trained, "--onnx-source", source], check=True)
    return trained


def cvc_run(args):
    proc = subprocess.run([os.path.join(BIN, "cvc-run"), *args, "--iterations", "1", "--warmup", "0"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"cvc-run failed:\n{proc.stderr}")


def probabilities(models, images, crops, tmp, side=32):
    """Average class probabilities of `models` (side x side inputs) over
    `crops` (0: none), by cvc-run."""
    pad = (side - 28) // 2 + (2 if crops else 0)
    out = []
    for start in range(0, len(images), CHUNK):
        x = np.pad(images[start:start + CHUNK], ((0, 0), (pad, pad), (pad, pad)))[:, None]
        np.save(f"{tmp}/x.npy", np.ascontiguousarray(x, np.float32))
        args = [*models, "--input", f"{tmp}/x.npy", "--output-dir", f"{tmp}/out"]
        # One model without crops takes cvc-run's ensemble path too (--crops 1 = the centre).
        cvc_run(args + ["--crops", str(crops or 1), "--crop-size", f"{side}x{side}"])
        out.append(np.load(f"{tmp}/out/ensemble.npy"))
    return np.concatenate(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="*", default=[])
    ap.add_argument("--train-torch", type=int, default=0)
    ap.add_argument("--train-cvc", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--images", type=int, default=10000)
    a = ap.parse_args()
    images, labels = test_set(a.images)
    with tempfile.TemporaryDirectory() as tmp:
        sources = [os.path.join(ROOT, "models", "onnx", "lenet5_fashion.onnx")] + a.models
        side = 32
        if a.train_cvc:
            side = 28
            sources = []
            for seed in range(1, a.train_cvc + 1):
                print(f"training member {seed} with cvc-train ({a.epochs} epochs)...", flush=True)
                sources.append(train_cvc_member(seed, a.epochs, tmp))
        for seed in range(1, a.train_torch + 1):
            print(f"training stand-in member {seed} with PyTorch ({a.epochs} epochs)...", flush=True)
            sources.append(train_torch_member(seed, a.epochs, f"{tmp}/torch{seed}.onnx"))
        members = []
        for i, src in enumerate(sources):
            if src.endswith(".so"):
                members.append(src)
                continue
            members.append(f"{tmp}/member{i}.so")
            subprocess.run([os.path.join(BIN, "cvc"), src, "-o", members[-1]], check=True)

        def measure(ms, crops):
            start = time.perf_counter()
            acc = (probabilities(ms, images, crops, tmp, side).argmax(1) == labels).mean()
            return acc, time.perf_counter() - start

        rows = []
        for i, m in enumerate(members):
            rows.append((f"member {i} ({os.path.basename(sources[i])})", *measure([m], 0),
                         *measure([m], 10)))
        if len(members) > 1:
            rows.append((f"ensemble of {len(members)}", *measure(members, 0),
                         *measure(members, 10)))
    print(f"\nFashion-MNIST test, {len(labels)} images: accuracy and the seconds cvc-run took "
          "(single crop / 10-crop)")
    print("| model | 1 crop | s | 10-crop | s |\n|---|---:|---:|---:|---:|")
    for name, acc, t1, acc10, t10 in rows:
        print(f"| {name} | {100 * acc:.2f}% | {t1:.2f} | {100 * acc10:.2f}% | {t10:.2f} |")


if __name__ == "__main__":
    main()
