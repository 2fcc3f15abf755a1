"""One training step of ResNet-18, cvc against PyTorch, in one run.

    /usr/bin/python3 bench/train_resnet18.py                 # batch 16, 64x64, 10 classes
    /usr/bin/python3 bench/train_resnet18.py --cvc-before /path/to/other/build/bin/cvc --threads 2,1

The same torchvision ResNet-18 (calibrated batch-norm statistics) is
exported once to ONNX and compiled with `cvc --train` (SGD with momentum
0.9); PyTorch runs forward, cross-entropy, backward and `torch.optim.SGD`'s
step in training mode. Each measurement runs in its own process (warm-up
steps, then timed steps; the median step), and the processes are
interleaved for `--rounds` rounds, so that a busy machine slows every side
alike; the report gives the median over rounds. `--threads` (default: all
cores) sets both runtimes' thread counts, several in one run. `--cvc-before` adds a
second compiler (another build, e.g. before a change) timed the same way.
Writes bench/results/train_resnet18.{md,json}.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "e2e"))
import cvclib  # noqa: E402
import models  # noqa: E402
import trainlib  # noqa: E402

CLASSES = 10


def batch_of(batch, size, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, 3, size, size, generator=g),
            torch.randint(0, CLASSES, (batch,), generator=g))


def time_cvc(so_path, batch, size, warmup, steps, threads):
    model = trainlib.Model(so_path, threads=threads)
    x, y = batch_of(batch, size)
    inputs = {"input": x.numpy(), "labels": y.numpy().astype(np.float32)}
    inputs.update(trainlib.optimizer_scalars("sgd", 0.01, 1))
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        model.run("train_step", inputs)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_torch(pt_path, batch, size, warmup, steps, threads):
    torch.set_num_threads(threads)
    model = torch.load(pt_path)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = batch_of(batch, size)
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def worker(args):
    fn = time_torch if args.worker == "torch" else time_cvc
    seconds = fn(args.path, args.batch, args.size, args.warmup, args.steps, args.threads)
    print(json.dumps({"seconds": seconds}))


def measure(kind, path, threads, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind, "--path", path,
           "--batch", str(args.batch), "--size", str(args.size), "--warmup", str(args.warmup),
           "--steps", str(args.steps), "--threads", str(threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--threads", default=str(os.cpu_count()),
                        help="thread counts, comma-separated (e.g. 1,2)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cvc-before", help="another cvc binary to time alongside")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--worker", choices=["cvc", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.threads = int(args.threads)
        return worker(args)
    thread_counts = [int(t) for t in args.threads.split(",")]

    with tempfile.TemporaryDirectory(prefix="cvc-bench-resnet-train-") as work:
        torch.manual_seed(0)
        net = torchvision.models.resnet18(num_classes=CLASSES)
        models.calibrate_batchnorm(net, (3, args.size, args.size))
        for m in net.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.momentum = 0.1
        onnx_path = cvclib.export(net, torch.randn(1, 3, args.size, args.size),
                                  os.path.join(work, "resnet18.onnx"), unfolded=True)
        pt_path = os.path.join(work, "resnet18.pt")
        torch.save(net, pt_path)
        compilers = {"cvc": cvclib.tool("cvc")}
        if args.cvc_before:
            compilers = {"cvc (before)": args.cvc_before, **compilers}
        sides = {}
        for label, binary in compilers.items():
            so = os.path.join(work, f"resnet18_{len(sides)}.so")
            flags = ["--train", "--train-batch", str(args.batch), "--optimizer", "sgd",
                     "--momentum", "0.9"]
            start = time.time()
            subprocess.run([binary, onnx_path, "-o", so, *flags], check=True)
            print(f"{label}: compiled in {time.time() - start:.1f} s", file=sys.stderr)
            sides[label] = ("cvc", so)
        sides["PyTorch " + torch.__version__] = ("torch", pt_path)

        results = {t: {label: [] for label in sides} for t in thread_counts}
        for r in range(args.rounds):
            for t in thread_counts:
                for label, (kind, path) in sides.items():
                    results[t][label].append(measure(kind, path, t, args))
                    print(f"round {r + 1}, {t} threads: {label} "
                          f"{results[t][label][-1] * 1e3:.1f} ms", file=sys.stderr)

    torch_label = [k for k in sides if k.startswith("PyTorch")][0]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.processor())
    lines = [f"# ResNet-18 training step (batch {args.batch}, {args.size}x{args.size}, "
             f"{CLASSES} classes, SGD momentum 0.9)", "",
             f"{cpu}; median of {args.rounds} interleaved rounds, each the median of "
             f"{args.steps} steps after {args.warmup} warm-up steps.", "",
             "| threads | runtime | ms per step | images/s | PyTorch / this |",
             "| --- | --- | --- | --- | --- |"]
    medians = {}
    for t in thread_counts:
        medians[t] = {label: statistics.median(v) for label, v in results[t].items()}
        for label, s in medians[t].items():
            lines.append(f"| {t} | {label} | {s * 1e3:.1f} | {args.batch / s:.1f} | "
                         f"{medians[t][torch_label] / s:.2f}x |")
    report = "\n".join(lines) + "\n"
    print(report)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "train_resnet18.md"), "w") as f:
        f.write(report)
    with open(os.path.join(args.out, "train_resnet18.json"), "w") as f:
        json.dump({"cpu": cpu, "batch": args.batch, "size": args.size,
                   "rounds": {str(t): r for t, r in results.items()},
                   "median_seconds": {str(t): m for t, m in medians.items()}}, f, indent=1)


if __name__ == "__main__":
    main()
