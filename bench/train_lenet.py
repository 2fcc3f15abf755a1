"""Training side by side: LeNet-5 (ReLU, max pooling) on Debian's
Fashion-MNIST, one epoch with cvc (model.so's train_step through cvc-train)
and with PyTorch (same architecture, initial weights, batch size, optimizer,
learning-rate schedule and thread count), in one run on one machine.

    /usr/bin/python3 bench/train_lenet.py            # one timed epoch each (about a minute)
    /usr/bin/python3 bench/train_lenet.py --epochs 5 # the full run: test accuracy per epoch too

Reports seconds per epoch, images/s and their ratio, and each framework's
test accuracy after the run; writes bench/results/training.{md,json}.
The recipe: Adam, learning rate 0.004 with a cosine schedule over the run,
batch 64, inputs normalised with Fashion-MNIST's mean 0.286 and std 0.353.
"""
import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "models", "onnx"))
import cvclib  # noqa: E402
import models  # noqa: E402
from make_lenet5_fashion import DATA, read_idx  # noqa: E402

MEAN, STD, BATCH, LR = 0.286, 0.353, 64, 0.004


def load(split):
    x = (read_idx(f"{DATA}/{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0 - MEAN) / STD
    y = read_idx(f"{DATA}/{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(x[:, None].copy()), torch.from_numpy(y)


def torch_run(model, epochs, threads, x, y, xt, yt):
    torch.set_num_threads(threads)
    steps_per_epoch = len(x) // BATCH
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    total = steps_per_epoch * epochs
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    g = torch.Generator().manual_seed(0)
    epoch_seconds, accuracy = [], []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=g)
        start = time.perf_counter()
        for i in range(steps_per_epoch):
            idx = perm[i * BATCH:(i + 1) * BATCH]
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        epoch_seconds.append(time.perf_counter() - start)
        model.eval()
        with torch.no_grad():
            accuracy.append(float((model(xt).argmax(1) == yt).float().mean()))
    return epoch_seconds, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()

    x, y = load("train")
    xt, yt = load("t10k")
    with tempfile.TemporaryDirectory(prefix="cvc-bench-train-") as work:
        torch.manual_seed(0)
        model = models.LeNet5Modern()
        onnx_path = cvclib.export(model, torch.randn(1, 1, 28, 28), os.path.join(work, "lenet.onnx"))
        so = os.path.join(work, "lenet.so")
        compile_s = cvclib.compile_model(onnx_path, so, "--train", "--train-batch", str(BATCH),
                                         "--optimizer", "adam")
        metrics = os.path.join(work, "metrics.jsonl")
        proc = subprocess.run([cvclib.tool("cvc-train"), so, "--epochs", str(args.epochs), "--lr",
                               str(LR), "--schedule", "cosine", "--mean", str(MEAN), "--std",
                               str(STD), "--threads", str(args.threads), "--metrics", metrics,
                               "-q"], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"cvc-train failed:\n{proc.stderr}")
        cvc_epochs = [json.loads(line) for line in open(metrics)]
        torch_seconds, torch_accuracy = torch_run(model, args.epochs, args.threads, x, y, xt, yt)

    images = (len(x) // BATCH) * BATCH
    cvc_s = float(np.median([e["seconds"] for e in cvc_epochs]))
    torch_s = float(np.median(torch_seconds))
    result = {
        "machine": platform.processor() or platform.machine(),
        "cpu": open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].split("\n")[0].strip(),
        "threads": args.threads, "epochs": args.epochs, "batch": BATCH,
        "cvc": {"seconds_per_epoch": cvc_s, "images_per_second": images / cvc_s,
                "compile_seconds": compile_s,
                "test_top1": [e["test_top1"] for e in cvc_epochs]},
        "pytorch": {"seconds_per_epoch": torch_s, "images_per_second": images / torch_s,
                    "test_top1": torch_accuracy},
        "speedup_cvc_over_pytorch": torch_s / cvc_s,
    }
    rows = [
        "| runtime | s/epoch | images/s | test top-1 after each epoch |",
        "| --- | ---: | ---: | --- |",
        f"| cvc (`cvc --train` + cvc-train) | {cvc_s:.2f} | {images / cvc_s:,.0f} | "
        + ", ".join(f"{100 * a:.2f}%" for a in result["cvc"]["test_top1"]) + " |",
        f"| PyTorch {torch.__version__} | {torch_s:.2f} | {images / torch_s:,.0f} | "
        + ", ".join(f"{100 * a:.2f}%" for a in torch_accuracy) + " |",
    ]
    text = (f"LeNet-5 (ReLU, max pooling) on Fashion-MNIST, batch {BATCH}, Adam, {args.threads} "
            f"threads, {result['cpu']}: cvc is {result['speedup_cvc_over_pytorch']:.2f}x "
            f"PyTorch's speed per epoch (compile for training: {compile_s:.1f} s).\n\n"
            + "\n".join(rows) + "\n")
    print(text)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "training.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
