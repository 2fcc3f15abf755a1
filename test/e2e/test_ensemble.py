#!/usr/bin/python3
"""Ensembles and multi-crop through cvc-run and libcvc_data.

Three different model.so files in one process — the bundled trained LeNet-5
and two LeNet-5s exported from PyTorch with seeds 1 and 2 — run at once, each
on its own thread: each model's outputs must equal its outputs when run alone
(1e-6), and the ensemble must equal NumPy's average of the three softmaxes
(1e-6). Then 10-crop: the average over the four corners, the centre and
their mirrors must equal NumPy's, cropping and softmaxing itself. Bad
ensemble input must give a clear error.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

from cvclib import Checks, Failure, compile_model, export, tool
from models import LeNet5

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.join(HERE, "..", "..", "models", "onnx", "lenet5_fashion.onnx")
TOL = 1e-6
checks = Checks()


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cvc_run(*args):
    proc = subprocess.run([tool("cvc-run"), *args, "--iterations", "1", "--warmup", "0"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure(f"cvc-run {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout




def fashion_images(n):
    """The first n Fashion-MNIST test images as the bundled model expects them."""
    import gzip
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
        data = np.frombuffer(f.read(), np.uint8, offset=16)[:n * 784].reshape(n, 28, 28)
    images = (data.astype(np.float32) / 255.0 - 0.2860) / 0.3530
    return images


def main():
    with tempfile.TemporaryDirectory() as tmp:
        models = [os.path.join(tmp, "bundled.so")]
        compile_model(BUNDLED, models[0])
        for seed in (1, 2):
            torch.manual_seed(seed)
            onnx = export(LeNet5(), torch.zeros(1, 1, 32, 32), os.path.join(tmp, f"seed{seed}.onnx"))
            models.append(os.path.join(tmp, f"seed{seed}.so"))
            compile_model(onnx, models[-1])

        # 32x32 inputs: the images padded by 2, as the bundled model was trained.
        x = np.pad(fashion_images(6), ((0, 0), (2, 2), (2, 2)))[:, None].astype(np.float32)
        np.save(os.path.join(tmp, "x.npy"), x)
        alone = []
        for m, name in zip(models, ("image", "input", "input")):
            out = os.path.join(tmp, "alone-" + os.path.basename(m))
            cvc_run(m, "--input", f"{name}={tmp}/x.npy", "--output-dir", out)
            alone.append(np.load(os.path.join(out, os.listdir(out)[0])))
        ens = os.path.join(tmp, "ensemble")
        cvc_run(*models, "--input", f"{tmp}/x.npy", "--output-dir", ens, "--iterations", "3")
        for m, ref in zip(models, alone):
            stem = os.path.splitext(os.path.basename(m))[0]
            got = np.load(os.path.join(ens, stem, os.listdir(os.path.join(ens, stem))[0]))
            checks.close(TOL, f"{stem} run beside the others vs alone", got, ref)
        checks.close(TOL, "3-model ensemble vs numpy mean of softmaxes", np.load(os.path.join(ens, "ensemble.npy")),
                np.mean([softmax(a) for a in alone], axis=0))

        # 10-crop of 36x36 images (padded by 4) at the models' 32x32, two models.
        big = np.pad(fashion_images(3), ((0, 0), (4, 4), (4, 4)))[:, None].astype(np.float32)
        np.save(os.path.join(tmp, "big.npy"), big)
        crops = []
        for top, left in [(0, 0), (0, 4), (4, 0), (4, 4), (2, 2)]:
            crops.append(big[:, :, top:top + 32, left:left + 32])
        crops += [c[..., ::-1] for c in crops]
        stacked = np.ascontiguousarray(np.stack(crops, axis=1).reshape(-1, 1, 32, 32))  # image-major
        np.save(os.path.join(tmp, "crops.npy"), stacked)
        refs = []
        for m, name in zip(models[:2], ("image", "input")):
            out = os.path.join(tmp, "crops-" + os.path.basename(m))
            cvc_run(m, "--input", f"{name}={tmp}/crops.npy", "--output-dir", out)
            scores = np.load(os.path.join(out, os.listdir(out)[0]))
            refs.append(softmax(scores).reshape(3, 10, -1).mean(axis=1))
        tencrop = os.path.join(tmp, "tencrop")
        cvc_run(*models[:2], "--input", f"{tmp}/big.npy", "--crops", "10", "--output-dir", tencrop)
        checks.close(TOL, "10-crop, 2 models vs numpy", np.load(os.path.join(tencrop, "ensemble.npy")),
                np.mean(refs, axis=0))

        for args, expected in [
            ([models[0], os.path.join(tmp, "missing.so"), "--input", f"{tmp}/x.npy"], "missing.so: cannot load"),
            ([models[0], models[1], "--input", f"{tmp}/big.npy", "--crops", "10", "--crop-size", "40x40"],
             "do not fit"),
            ([models[0], models[1], "--input", f"{tmp}/big.npy"], "shape"),
            ([models[0], models[1], "--input", f"image={tmp}/x.npy"], "its input is 'input', not 'image'"),
            ([models[0], "--crops", "3"], "--crops expects 1, 5 or 10"),
        ]:
            proc = subprocess.run([tool("cvc-run"), *args], capture_output=True, text=True)
            ok = proc.returncode == 1 and expected in proc.stderr
            checks.record(f"bad input ({expected})", ok, proc.stderr.strip())


if __name__ == "__main__":
    checks.exit("ensembles and multi-crop match", main)
