"""Data-parallel training: time per step with 1 and 2 ranks against 1 rank
on 2 threads, the share spent exchanging gradients, the measured allreduce
bandwidth, and from those a model of the scaling to more machines.

    /usr/bin/python3 bench/train_distributed.py [--steps 40] [--rounds 2]

Two networks on Fashion-MNIST, both compiled with `cvc --train` (SGD,
momentum 0.9) and trained by cvc-train for --steps steps:
- LeNet-5 (62K parameters), batch 32 per rank;
- ResNet-18 with a CIFAR-style stem for 28x28 images (3x3 stride-1 first
  convolution, no max pooling, 1 input channel; 11.2M parameters, 44.7 MB
  of gradients per step), batch 16 per rank.
Settings, each in its own process(es), interleaved for --rounds rounds
(medians reported):
- 1 rank, 1 thread, batch B;
- 2 ranks (mpirun), 1 thread each, batch B each (a global batch of 2B),
  each bucket of gradients exchanged as soon as the backward pass has
  computed it (cvc-train's default), and all after the pass (--no-overlap);
- 1 rank, 2 threads, batch 2B (the same global batch in one process).
Then bench/allreduce_bandwidth.c (compiled here with mpicc) times the
exchange alone for each network's gradient size: cvc-train's ring, and
MPI_Allreduce for comparison.

The scaling model: a step on M machines costs its compute C (the 1-rank,
2-thread step of batch 2B is one machine's) plus a ring allreduce of S bytes,
T = 2 (M-1)/M x S / W + 2 (M-1) x latency, over links of W = 10 or 100
Gbit/s (latency 20 us per hop assumed), with nothing overlapped (as
cvc-train --no-overlap); efficiency = C / (C + T): a lower bound for the
default, which hides part of T behind the backward pass.

Writes bench/results/train_distributed.{md,json}.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "e2e"))
import cvclib  # noqa: E402
import models  # noqa: E402

MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
          "-x", "OMPI_MCA_btl_vader_single_copy_mechanism=none"]
LATENCY_S = 20e-6


def resnet18_28x28():
    net = torchvision.models.resnet18(num_classes=10)
    net.conv1 = nn.Conv2d(1, 64, 3, 1, 1, bias=False)
    net.maxpool = nn.Identity()
    return net


NETWORKS = {"lenet5": (models.LeNet5Modern, 32), "resnet18": (resnet18_28x28, 16)}


def train(so, steps, threads, ranks, *flags):
    cmd = [cvclib.tool("cvc-train"), so, "--epochs", "1", "--max-batches", str(steps),
           "--test=", "--lr", "0.01", "--threads", str(threads), "--loader-threads", "1", *flags]
    if ranks > 1:
        cmd = MPIRUN + ["-np", str(ranks)] + cmd
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise cvclib.Failure(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    images = float(re.search(r"([0-9.]+) images/s in the steps", proc.stdout).group(1))
    exchange = re.search(r"([0-9.]+) ms per step, ([0-9.]+) ms of it", proc.stdout)
    return {"images_per_s": images,
            "exchange_ms": float(exchange.group(2)) if exchange else 0.0}


def bandwidth(work, sizes_mb):
    exe = os.path.join(work, "allreduce_bandwidth")
    subprocess.run(["mpicc", "-O2", os.path.join(HERE, "allreduce_bandwidth.c"), "-o", exe],
                   check=True)
    out = subprocess.run(MPIRUN + ["-np", "2", exe, *map(str, sizes_mb)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def scaling(compute_s, grad_bytes, machines, gbit):
    w = gbit * 1e9 / 8
    t = 2 * (machines - 1) / machines * grad_bytes / w + 2 * (machines - 1) * LATENCY_S
    return compute_s / (compute_s + t), t


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    a = p.parse_args()
    if not shutil.which("mpirun") or not shutil.which("mpicc"):
        sys.exit("train_distributed.py: needs Open MPI (scripts/setup.sh installs it)")
    report = {"steps": a.steps, "rounds": a.rounds, "networks": {}}
    with tempfile.TemporaryDirectory(prefix="cvc-bench-dp-") as work:
        for name, (build, batch) in NETWORKS.items():
            torch.manual_seed(0)
            net = build()
            params = sum(t.numel() for t in net.parameters())
            onnx_path = os.path.join(work, f"{name}.onnx")
            cvclib.export(net, torch.randn(1, 1, 28, 28), onnx_path, unfolded=True)
            so = {}
            for b in (batch, 2 * batch):
                so[b] = os.path.join(work, f"{name}_{b}.so")
                cvclib.compile_model(onnx_path, so[b], "--train", "--train-batch", str(b))
            settings = {"1 rank, 1 thread": (so[batch], 1, 1, batch, ()),
                        "2 ranks, 1 thread each": (so[batch], 1, 2, 2 * batch, ()),
                        "2 ranks, exchange after the backward pass": (so[batch], 1, 2, 2 * batch,
                                                                      ("--no-overlap",)),
                        "1 rank, 2 threads": (so[2 * batch], 2, 1, 2 * batch, ())}
            runs = {k: [] for k in settings}
            for r in range(a.rounds):
                for key, (path, threads, ranks, _, flags) in settings.items():
                    runs[key].append(train(path, a.steps, threads, ranks, *flags))
                    print(f"[{name}] round {r + 1}: {key}: {runs[key][-1]}", file=sys.stderr)
            result = {"parameters": params, "batch_per_rank": batch, "settings": {}}
            for key, (_, _, ranks, global_batch, _) in settings.items():
                ips = statistics.median(x["images_per_s"] for x in runs[key])
                result["settings"][key] = {
                    "global_batch": global_batch, "images_per_s": ips,
                    "ms_per_step": 1e3 * global_batch / ips,
                    "exchange_ms": statistics.median(x["exchange_ms"] for x in runs[key]),
                    "rounds": runs[key]}
            report["networks"][name] = result
        sizes = {n: 4 * r["parameters"] / 2**20 for n, r in report["networks"].items()}
        report["allreduce"] = bandwidth(work, [f"{v:.3f}" for v in sizes.values()])
    write(report, a.out)


def write(report, out):
    lines = ["# Data-parallel training (cvc-train over Open MPI)", "",
             f"{report['steps']} steps per run on Fashion-MNIST, median of {report['rounds']} "
             "interleaved rounds; `bench/train_distributed.py`.", "",
             "| network | setting | global batch | ms per step | images/s | exchanging (ms per step) |",
             "|---|---|---:|---:|---:|---:|"]
    for name, r in report["networks"].items():
        for key, s in r["settings"].items():
            share = f"{s['exchange_ms']:.1f} ({100 * s['exchange_ms'] / s['ms_per_step']:.0f}%)"
            lines.append(f"| {name} | {key} | {s['global_batch']} | {s['ms_per_step']:.1f} | "
                         f"{s['images_per_s']:.0f} | {share if s['exchange_ms'] else '—'} |")
    bw = report["allreduce"]
    lines += ["", "The exchange alone between the 2 ranks (shared memory), cvc-train's ring "
              "against MPI_Allreduce: " +
              "; ".join(f"{s['mb']} MB in {s['ring_ms']:.2f} ms ({s['ring_bus_gb_per_s']:.1f} "
                        f"GB/s bus bandwidth) against {s['mpi_allreduce_ms']:.2f} ms "
                        f"({s['mpi_allreduce_bus_gb_per_s']:.2f} GB/s)" for s in bw["sizes"]) + ".",
              "",
              "Scaling model (nothing overlapped, a lower bound for cvc-train's default; one "
              "machine's step = the 1-rank, 2-thread step; ring allreduce, "
              f"{LATENCY_S * 1e6:.0f} us per hop):", "",
              "| network | machines | 10 Gbit/s: exchange ms, efficiency | 100 Gbit/s: exchange ms, efficiency |",
              "|---|---:|---:|---:|"]
    report["model"] = {}
    for name, r in report["networks"].items():
        compute = r["settings"]["1 rank, 2 threads"]["ms_per_step"] / 1e3
        for m in (8, 32):
            cells = []
            for gbit in (10, 100):
                eff, t = scaling(compute, 4 * r["parameters"], m, gbit)
                report["model"][f"{name}/{m}/{gbit}"] = {"efficiency": eff, "exchange_s": t}
                cells.append(f"{1e3 * t:.1f} ms, {100 * eff:.0f}%")
            lines.append(f"| {name} | {m} | {cells[0]} | {cells[1]} |")
    text = "\n".join(lines) + "\n"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "train_distributed.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "train_distributed.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
