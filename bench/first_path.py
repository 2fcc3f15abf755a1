#!/usr/bin/python3
"""Side by side on this machine, in one run: cvc compile time, cvc-run median
latency and ONNX Runtime's median latency (same ONNX file, same input, same
thread count), after checking that both give the same outputs.

    /usr/bin/python3 bench/first_path.py [--threads N] [--iterations K] [--models lenet5,alexnet,vgg16]

Prints a Markdown table. The full benchmark of issue 7 will supersede this.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "e2e"))
import cvclib  # noqa: E402
import models  # noqa: E402

MODELS = {
    "lenet5": (models.LeNet5, (1, 32, 32)),
    "alexnet": (models.AlexNet, (3, 227, 227)),
    "vgg16": (models.vgg16, (3, 224, 224)),
    "resnet18": (lambda: models.torchvision_model("resnet18"), (3, 224, 224)),
    "resnet50": (lambda: models.torchvision_model("resnet50"), (3, 224, 224)),
    "googlenet": (lambda: models.torchvision_model("googlenet"), (3, 224, 224)),
    "squeezenet1_1": (lambda: models.torchvision_model("squeezenet1_1"), (3, 224, 224)),
}


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def ort_run(onnx_path, x_path, out_path, threads, iterations):
    proc = subprocess.run(["node", os.path.join(HERE, "ort_run.js"), onnx_path, "--threads",
                           str(threads), "--iterations", str(iterations), "--warmup", "2",
                           "--input", x_path, "--output", out_path],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])["median_ms"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    torch.manual_seed(0)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cvc-bench-") as work:
        for name in args.models.split(","):
            make, shape = MODELS[name]
            model = make().eval()
            onnx_path = cvclib.export(model, torch.randn(1, *shape),
                                      os.path.join(work, name + ".onnx"))
            so_path = os.path.join(work, name + ".so")
            compile_s = cvclib.compile_model(onnx_path, so_path)
            x = torch.randn(1, *shape).numpy()
            x_path = os.path.join(work, name + "_x.npy")
            np.save(x_path, x)
            outs, cvc_ms = cvclib.run_model(so_path, {"input": x}, work,
                                            iterations=args.iterations, warmup=2,
                                            threads=args.threads)
            ort_out = os.path.join(work, name + "_ort.npy")
            ort_ms = ort_run(onnx_path, x_path, ort_out, args.threads, args.iterations)
            cvclib.compare(f"{name} cvc vs ONNX Runtime", outs["output"], np.load(ort_out),
                           atol=1e-3, rtol=1e-3)
            rows.append((name, compile_s, cvc_ms, ort_ms, os.path.getsize(so_path) / 1e6))
    print(f"\nMachine: {cpu_name()}, {os.cpu_count()} cores; {args.threads} threads, "
          f"batch 1, median of {args.iterations} runs\n")
    print("| model | cvc compile (s) | model.so (MB) | cvc (ms) | ONNX Runtime (ms) | cvc / ORT |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, compile_s, cvc_ms, ort_ms, size in rows:
        print(f"| {name} | {compile_s:.1f} | {size:.1f} | {cvc_ms:.2f} | {ort_ms:.2f} | "
              f"{cvc_ms / ort_ms:.2f} |")


if __name__ == "__main__":
    main()
